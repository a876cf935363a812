/**
 * One delivery attempt against the real WMS simulator (an HTTP server on a free port): the
 * verdicts the worker acts on, for answers the contract defines and for a WMS that is down or slow.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWmsSimulator, type WmsSimulator } from '../../../../../scripts/wms-simulator/server-lib.js';
import { buildPoReleased } from './commands.js';
import { batchFor, classifyResponse, commandsUrl, deliverBatch } from './delivery.js';

const secret = 'whsec_dGVzdC13bXMtd2ViaG9vay1zZWNyZXQtMTIzNDU2';
let simulator: WmsSimulator;

const command = buildPoReleased({
  poNumber: 'MODPO4X8Z1N6R',
  orgCode: 'MOD',
  dealCode: 'MODDL7K3M9Q2A',
  customerId: 'cust-1',
  releasedAt: new Date('2026-02-04T16:00:00Z'),
  approvedBy: 'manager@example.com',
  shipDate: '2026-02-06',
  shipTo: { name: 'Ege Depo', address_lines: ['OSB 1'], city: 'Bursa', country_code: 'TR' },
  lines: [{ dealLineId: 'line-1', qualityCode: 'SAT-120/B', meters: '250.00', stockOwnerOrg: 'MOD' }],
});
const batch = (batchId = 'job-1') => batchFor({ batchId, assembledAt: new Date('2026-02-04T16:00:01Z'), command });
const target = () => ({ baseUrl: simulator.url, secrets: [secret], timeoutMs: 300 });

beforeAll(async () => {
  simulator = await startWmsSimulator({ secrets: [secret] });
});
afterAll(async () => {
  await simulator.close();
});
beforeEach(() => simulator.reset());

describe('deliverBatch against the simulator', () => {
  it('delivers a signed batch once; the same batch again is answered from the stored response', async () => {
    expect(await deliverBatch(target(), batch())).toEqual({ kind: 'delivered', result: 'applied', httpStatus: 200 });
    expect(await deliverBatch(target(), batch())).toEqual({ kind: 'delivered', result: 'applied', httpStatus: 200 });
    expect(await deliverBatch(target(), batch('job-2'))).toEqual({ kind: 'delivered', result: 'duplicate', httpStatus: 200 });
    expect(simulator.snapshot().orders).toHaveLength(1);
  });

  it('5xx and timeouts are retryable, and a command applied after the timeout is not applied twice', async () => {
    simulator.control({ failFirst: 1, slowFirst: 1, delayMs: 600 });
    expect(await deliverBatch(target(), batch())).toMatchObject({
      kind: 'retryable',
      httpStatus: 503,
      error: expect.stringMatching(/SERVICE_UNAVAILABLE/),
    });
    expect(await deliverBatch(target(), batch())).toEqual({ kind: 'retryable', error: 'timed out after 300 ms' });
    await new Promise((done) => setTimeout(done, 500));
    expect(await deliverBatch(target(), batch())).toMatchObject({ kind: 'delivered' });
    expect(simulator.snapshot().orders).toHaveLength(1);
  });

  it('a wrong secret is a permanent refusal; a WMS that is not there is retryable', async () => {
    expect(await deliverBatch({ ...target(), secrets: ['whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC0xMjM0'] }, batch())).toMatchObject({
      kind: 'permanent',
      httpStatus: 401,
      error: expect.stringMatching(/^HTTP 401: INVALID_SIGNATURE/),
    });
    expect(await deliverBatch({ ...target(), baseUrl: 'http://127.0.0.1:9' }, batch())).toMatchObject({
      kind: 'retryable',
      error: expect.stringMatching(/^network error/),
    });
    expect(simulator.snapshot().orders).toHaveLength(0);
  });

  it('a rejected event is permanent, and can be re-sent under the same key once fixed', async () => {
    simulator.control({ rejectKeys: [command.idempotency_key] });
    expect(await deliverBatch(target(), batch())).toMatchObject({ kind: 'permanent', error: expect.stringMatching(/UNKNOWN_REFERENCE/) });
    simulator.control({ rejectKeys: [] });
    expect(await deliverBatch(target(), batch('job-retry'))).toMatchObject({ kind: 'delivered', result: 'applied' });
  });
});

describe('classifyResponse', () => {
  it('408, 429 and 5xx are retryable; other 4xx are permanent; 2xx without a contract body is delivered', () => {
    expect(classifyResponse(408, '').kind).toBe('retryable');
    expect(classifyResponse(429, '{"error":{"code":"RATE_LIMITED","message":"slow down"}}')).toMatchObject({
      kind: 'retryable',
      error: 'HTTP 429: RATE_LIMITED: slow down',
    });
    expect(classifyResponse(502, '<html>bad gateway</html>')).toMatchObject({
      kind: 'retryable',
      error: 'HTTP 502: <html>bad gateway</html>',
    });
    expect(classifyResponse(409, '{"error":{"code":"IDEMPOTENCY_KEY_CONFLICT","message":"other body"}}').kind).toBe('permanent');
    expect(classifyResponse(404, 'not found').kind).toBe('permanent');
    expect(classifyResponse(202, 'accepted')).toEqual({ kind: 'delivered', result: null, httpStatus: 202 });
  });

  it('keeps a base URL path prefix', () => {
    expect(commandsUrl('https://wms.example.com/api/')).toBe('https://wms.example.com/api/crm/commands');
  });
});
