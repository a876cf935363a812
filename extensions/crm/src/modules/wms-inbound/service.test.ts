import { beforeEach, describe, expect, it, vi } from 'vitest';
import { batchKeyFor, signRequest } from '@crm/contract';
import { webhookHeadersOf } from './delivery.js';
import { readDeliveryState, withConnection, writeDelivery } from './repository.js';
import { receiveDelivery } from './service.js';

vi.mock('./repository.js', () => ({
  withConnection: vi.fn(async (_db: unknown, work: (c: unknown) => Promise<unknown>) => work({})),
  inTransaction: vi.fn(),
  lockSequenceMarks: vi.fn(),
  readDeliveryState: vi.fn(),
  writeDelivery: vi.fn(),
}));

const SECRET = 'whsec_dGVzdC1zZWNyZXQtZm9yLXVuaXQtdGVzdHMtMTIz';
const NOW = 1_770_000_000;
const raw = JSON.stringify({ batch_id: 'B-1', source: 'wms', contract_version: '1.0.23', sent_at: '2026-02-03T08:41:12Z', events: [{}] });
const database = {} as never;
const request = (headers: Record<string, string>, secrets = [SECRET]) => ({
  secrets,
  headers: webhookHeadersOf(headers),
  rawBody: Buffer.from(raw),
  nowSeconds: NOW,
});

beforeEach(() => vi.clearAllMocks());

describe('receiveDelivery refusals', () => {
  it('503 without a configured secret; 401 for a wrong signature; neither touches the database', async () => {
    const signed = signRequest(SECRET, batchKeyFor('wms', 'B-1'), raw, NOW);
    expect(await receiveDelivery(database, request(signed, []))).toMatchObject({
      httpStatus: 503,
      body: { error: { code: 'SERVICE_UNAVAILABLE' } },
    });
    const forged = signRequest('whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC0x', batchKeyFor('wms', 'B-1'), raw, NOW);
    expect(await receiveDelivery(database, request(forged))).toMatchObject({
      httpStatus: 401,
      body: { error: { code: 'INVALID_SIGNATURE' } },
    });
    expect(withConnection).not.toHaveBeenCalled();
  });

  it('409 IDEMPOTENCY_KEY_CONFLICT for a webhook-id delivered before with another body; nothing is written', async () => {
    vi.mocked(readDeliveryState).mockResolvedValue({ delivery: { bodySha256: 'another body', response: {} } } as never);
    const signed = signRequest(SECRET, batchKeyFor('wms', 'B-1'), raw, NOW);
    expect(await receiveDelivery(database, request(signed))).toMatchObject({
      httpStatus: 409,
      body: { error: { code: 'IDEMPOTENCY_KEY_CONFLICT' } },
    });
    expect(writeDelivery).not.toHaveBeenCalled();
  });
});
