/**
 * `/order-form/:token`: the public order form (stories 51-55, 57-59), for customers without a
 * Directus login. Outside `/crm` on purpose: no CRM route is public, this one is, and the token is
 * its only credential. docs/order-form.md.
 */
import { defineEndpoint } from '@directus/extensions-sdk';
import type { Request, Response } from 'express';
import { mountOrderForm } from '../../modules/order-form/public-http.js';
import { storedAsset, type CrmServices } from '../../shared/services.js';

export default defineEndpoint({
  id: 'order-form',
  handler: (router, { database, logger, services, getSchema }) => {
    mountOrderForm(router, {
      database,
      logger,
      services: services as unknown as CrmServices,
      schemaOf: async (req: Request) => (req as Request & { schema?: unknown }).schema ?? (await getSchema()),
      // The org's logo, served from here so the page loads nothing from elsewhere. Directus'
      // AssetsService without accountability: the file is the org's own logo, named by the org row
      // the live token points at, and nothing else can be asked for.
      assetOf: async (fileId: string, res: Response) => {
        const asset = await storedAsset(
          services as unknown as CrmServices,
          { knex: database, schema: await getSchema(), accountability: null },
          fileId,
        );
        res.type(asset.file.type ?? 'application/octet-stream');
        asset.stream.pipe(res);
      },
    });
  },
});
