/**
 * Without WMS_BASE_URL (the shared test system has none) commands are still recorded in the
 * outbox, in the same transaction as the business change, and wait as pending: nothing is lost and
 * nothing fails until a WMS address is configured.
 */
import { describe, expect, it } from 'vitest';
import { adminGet, http, tokenFor } from '../support/api.js';

describe('outbox without a WMS address', () => {
  it('records deal.won and leaves it pending, untried', async () => {
    const [deal] = await adminGet<Array<{ id: string; code: string }>>(
      '/items/deals?filter[status][_eq]=submitted&filter[org_id][code][_eq]=JTR&fields=id,code&limit=1',
    );
    const won = await http('POST', `/crm/deals/${deal!.id}/won`, await tokenFor('manager@example.com'), { note: 'offline WMS' });
    expect(won.status, won.text).toBe(200);
    const key = `crm:deal:${deal!.code}:won:v1`;
    // Long enough for a worker (polling every second) to have picked the job up if there were one.
    await new Promise((done) => setTimeout(done, 2500));
    const rows = await adminGet<Array<Record<string, unknown>>>(
      `/items/outbound_messages?filter[idempotency_key][_eq]=${key}&fields=status,attempts,last_attempt_at,event_type`,
    );
    expect(rows).toEqual([{ status: 'pending', attempts: 0, last_attempt_at: null, event_type: 'deal.won' }]);
  });
});
