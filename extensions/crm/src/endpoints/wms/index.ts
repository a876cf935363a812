/**
 * `/wms/*`: the WMS → CRM side of the integration contract v1.0.23.
 *
 *   POST /wms/events   one batch of 1-500 signed events (Standard Webhooks), answered with one
 *                      result per event (applied | duplicate | stale | rejected)
 *
 * The caller is the WMS, authenticated by the webhook signature over the exact body bytes, not by
 * a Directus token (the WMS Integration role has no collection permissions). Answers use the
 * contract's error format ({"error": {code, message, ...}}), not the CRM's, because the WMS
 * adapter is written against the contract.
 */
import { defineEndpoint } from '@directus/extensions-sdk';
import type { Response } from 'express';
import { contractError } from '../../../../../contract/src/index.js';
import { webhookHeadersOf, webhookSecretsFromEnv } from '../../modules/wms-inbound/delivery.js';
import { receiveDelivery } from '../../modules/wms-inbound/service.js';
import type { RawBodyRequest } from './raw-body-hook.js';

export default defineEndpoint({
  id: 'wms',
  handler: (router, { database, env, logger }) => {
    // Read once: a rotation (new current secret, old one as previous) is a configuration change
    // and takes a restart, like every other secret.
    const secrets = webhookSecretsFromEnv(env);
    if (secrets.length === 0) logger.error('wms: CRM_WMS_WEBHOOK_SECRET is not set; POST /wms/events answers 503');

    router.post('/events', async (req: RawBodyRequest, res: Response) => {
      try {
        const rawBody = req.wmsRawBody;
        if (!rawBody) throw new Error('the raw body of /wms/events was not captured (is the wms-raw-body hook registered?)');
        const outcome = await receiveDelivery(database, {
          secrets,
          headers: webhookHeadersOf(req.headers),
          rawBody,
        });
        res.status(outcome.httpStatus).json(outcome.body);
      } catch (error) {
        logger.error(error, 'wms: delivery failed');
        if (!res.headersSent) {
          res.status(500).json({ error: contractError('INTERNAL_ERROR', 'the delivery could not be processed; nothing was applied, retry later') });
        }
      }
    });
  },
});
