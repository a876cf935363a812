import { describe, expect, it } from 'vitest';
import { readOutboundConfig } from './config.js';

const secret = 'whsec_dGVzdC13bXMtd2ViaG9vay1zZWNyZXQtMTIzNDU2';

describe('outbound configuration', () => {
  it('without a WMS address delivery is off and the defaults apply', () => {
    const result = readOutboundConfig({ CRM_WMS_WEBHOOK_SECRET: secret, CRM_WMS_BASE_URL: '' });
    expect(result).toEqual({
      ok: true,
      config: { baseUrl: null, secret, timeoutMs: 10_000, retry: { retryLimit: 8, retryDelaySeconds: 5, retryDelayMaxSeconds: 600 } },
    });
  });

  it('reads numbers however Directus typed them', () => {
    const result = readOutboundConfig({
      CRM_WMS_BASE_URL: 'http://wms.local:8090',
      CRM_WMS_WEBHOOK_SECRET: secret,
      CRM_WMS_REQUEST_TIMEOUT_MS: 700,
      CRM_WMS_OUTBOX_RETRY_DELAY_SECONDS: '1',
      CRM_WMS_OUTBOX_RETRY_DELAY_MAX_SECONDS: '2',
    });
    expect(result.ok && result.config).toMatchObject({
      baseUrl: 'http://wms.local:8090',
      timeoutMs: 700,
      retry: { retryDelaySeconds: 1, retryDelayMaxSeconds: 2 },
    });
  });

  it('names every bad value', () => {
    const result = readOutboundConfig({ CRM_WMS_BASE_URL: 'not a url', CRM_WMS_REQUEST_TIMEOUT_MS: 'soon' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => p.split(':')[0])).toEqual(['CRM_WMS_BASE_URL', 'CRM_WMS_REQUEST_TIMEOUT_MS']);
    expect(readOutboundConfig({ CRM_WMS_BASE_URL: 'http://wms.local' }).ok).toBe(false);
    expect(readOutboundConfig({ CRM_WMS_OUTBOX_RETRY_DELAY_SECONDS: '10', CRM_WMS_OUTBOX_RETRY_DELAY_MAX_SECONDS: '5' }).ok).toBe(false);
  });
});
