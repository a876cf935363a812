/**
 * The receiving half of the WMS simulator: a real HTTP server that plays the WMS side of
 * POST /crm/commands (contract 1.0.23), for the demo and for the CRM's outbound tests.
 *
 * What it does, in the contract's order:
 *   1. optional fault injection (see SimulatorFaults): answer 5xx (or any status) before anything
 *      is read, or hold a request for a while before processing it, so a sender's timeout fires
 *      although the WMS goes on to apply the command (the "response lost" case);
 *   2. Standard Webhooks signature and timestamp (contract/src/signature.ts);
 *   3. batch deduplication by webhook-id: an identical retry gets the stored response replayed, the
 *      same id with another body is IDEMPOTENCY_KEY_CONFLICT;
 *   4. batch schema and per-event validation (contract parseBatchRequest);
 *   5. per-event deduplication by idempotency key (duplicate / key conflict), sequence ordering per
 *      po_number with cancellation tombstones (stale), then applied;
 *   6. HTTP 200 with one result per event.
 *
 * State (keys, scope sequences, orders, deals, received log) lives in memory and, with
 * `stateFile`, in a JSON file that survives restarts. The /_control, /_received and /_reset
 * routes are for tests and demos: the server listens on loopback by default and has no other auth.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  BATCH_ENDPOINTS,
  CONTRACT_VERSION,
  contractError,
  eventFingerprint,
  httpStatusOf,
  MAX_BATCH_BODY_BYTES,
  parseBatchRequest,
  verifySignature,
  WEBHOOK_HEADERS,
  type BatchResponse,
  type ContractErrorCode,
  type EventResult,
} from '@crm/contract';

/** An event's payload, validated against the contract before the simulator reads it; stored as it came. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- validated against the contract before; stored as it came
type ContractPayload = Record<string, any>;

/** Which contract error a refused request carries, by HTTP status, for injected failures. */
const INJECTED_ERROR_CODES: Readonly<Record<number, ContractErrorCode>> = {
  400: 'MALFORMED_BATCH',
  401: 'INVALID_SIGNATURE',
  409: 'IDEMPOTENCY_KEY_CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  422: 'UNSUPPORTED_CONTRACT_VERSION',
  429: 'RATE_LIMITED',
  500: 'INTERNAL_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

export const SimulatorFaults = z.strictObject({
  /** The next N command requests are answered `failStatus` before anything is read or applied. */
  failFirst: z.number().int().min(0).max(1000).optional(),
  /** Status of the injected failures (default 503 SERVICE_UNAVAILABLE). */
  failStatus: z
    .number()
    .int()
    .refine((status) => status in INJECTED_ERROR_CODES, { message: `one of ${Object.keys(INJECTED_ERROR_CODES).join(', ')}` })
    .optional(),
  /** After the failures, the next N requests wait `delayMs` before they are processed (and applied). */
  slowFirst: z.number().int().min(0).max(1000).optional(),
  delayMs: z.number().int().min(0).max(120_000).optional(),
  /** Events under these keys are rejected with UNKNOWN_REFERENCE (a permanent, per-event refusal). */
  rejectKeys: z.array(z.string().min(1).max(200)).max(1000).optional(),
});
export type SimulatorFaults = z.output<typeof SimulatorFaults>;

export interface WmsSimulatorOptions extends SimulatorFaults {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Accepted signing secrets; the CRM's WMS_WEBHOOK_SECRET must be one of them. */
  secrets: readonly string[];
  /** Persist deduplication state and the received log here (JSON), and load it on start. */
  stateFile?: string;
  log?: (line: string) => void;
}

export interface ReceivedCommand {
  received_at: string;
  batch_id: string;
  webhook_id: string;
  index: number;
  idempotency_key: string | null;
  event_type: string | null;
  status: EventResult['status'];
  error_code?: string;
  event: unknown;
}

export interface SimulatedOrder {
  po_number: string;
  org_code: string;
  deal_code: string | null;
  status: 'released' | 'cancelled';
  /** Cancelled before its release arrived: a late release is stale and never resurrects it. */
  tombstone: boolean;
  lines: unknown[];
  released_at: string | null;
  cancelled_at: string | null;
}

interface SimulatorState {
  /** idempotency key → canonical fingerprint of the applied (or stale-recorded) event */
  keys: Record<string, string>;
  /** ordering scope → highest sequence seen */
  sequences: Record<string, number>;
  /** webhook-id → { body hash, stored 200 response } */
  batches: Record<string, { bodyHash: string; response: BatchResponse }>;
  orders: Record<string, SimulatedOrder>;
  deals: Record<string, { deal_code: string; org_code: string; won_at: string; lines: unknown[] }>;
  received: ReceivedCommand[];
}

export interface RequestCounters {
  total: number;
  failed: number;
  slowed: number;
  accepted: number;
  refused: number;
}

export interface WmsSimulatorSnapshot {
  commands: ReceivedCommand[];
  orders: SimulatedOrder[];
  deals: SimulatorState['deals'][string][];
  requests: RequestCounters;
  faults: Required<Omit<SimulatorFaults, 'rejectKeys'>> & { rejectKeys: string[] };
}

export interface WmsSimulator {
  url: string;
  port: number;
  snapshot(): WmsSimulatorSnapshot;
  control(faults: SimulatorFaults): void;
  reset(): void;
  close(): Promise<void>;
}

const emptyState = (): SimulatorState => ({ keys: {}, sequences: {}, batches: {}, orders: {}, deals: {}, received: [] });

function loadState(file: string | undefined): SimulatorState {
  if (!file || !existsSync(file)) return emptyState();
  return { ...emptyState(), ...(JSON.parse(readFileSync(file, 'utf8')) as Partial<SimulatorState>) };
}

function saveState(file: string | undefined, state: SimulatorState): void {
  if (!file) return;
  // Written next to the target and renamed: a crash never leaves half a file behind.
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${file}.tmp`, file);
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function refuse(res: ServerResponse, code: ContractErrorCode, message: string, extra: Parameters<typeof contractError>[2] = {}): void {
  send(res, httpStatusOf(code), { error: contractError(code, message, extra) });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function startWmsSimulator(options: WmsSimulatorOptions): Promise<WmsSimulator> {
  if (!options.secrets.length) throw new Error('the WMS simulator needs at least one signing secret');
  const initial = SimulatorFaults.safeParse({
    failFirst: options.failFirst,
    failStatus: options.failStatus,
    slowFirst: options.slowFirst,
    delayMs: options.delayMs,
    rejectKeys: options.rejectKeys,
  });
  if (!initial.success)
    throw new Error(`invalid faults: ${initial.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const log = options.log ?? (() => undefined);
  const state = loadState(options.stateFile);
  const counters: RequestCounters = { total: 0, failed: 0, slowed: 0, accepted: 0, refused: 0 };
  const faults = {
    failFirst: options.failFirst ?? 0,
    failStatus: options.failStatus ?? 503,
    slowFirst: options.slowFirst ?? 0,
    delayMs: options.delayMs ?? 2_000,
    rejectKeys: [...(options.rejectKeys ?? [])],
  };

  function applyEvent(event: {
    idempotency_key: string;
    event_type: string;
    sequence?: number;
    payload: ContractPayload;
  }): EventResult['status'] {
    const scope = event.event_type.startsWith('po.') ? `po:${event.payload['po_number']}` : null;
    if (scope && event.sequence !== undefined) {
      const stored = state.sequences[scope];
      if (stored !== undefined && event.sequence <= stored) return 'stale';
      state.sequences[scope] = event.sequence;
    }
    const p = event.payload;
    switch (event.event_type) {
      case 'deal.won':
        state.deals[p['deal_code']] = { deal_code: p['deal_code'], org_code: p['org_code'], won_at: p['won_at'], lines: p['lines'] };
        break;
      case 'po.released':
        state.orders[p['po_number']] = {
          po_number: p['po_number'],
          org_code: p['org_code'],
          deal_code: p['deal_code'],
          status: 'released',
          tombstone: false,
          lines: p['lines'],
          released_at: p['released_at'],
          cancelled_at: null,
        };
        break;
      case 'po.cancelled': {
        const existing = state.orders[p['po_number']];
        state.orders[p['po_number']] = existing
          ? { ...existing, status: 'cancelled', cancelled_at: p['cancelled_at'] }
          : {
              po_number: p['po_number'],
              org_code: p['org_code'],
              deal_code: null,
              status: 'cancelled',
              tombstone: true,
              lines: [],
              released_at: null,
              cancelled_at: p['cancelled_at'],
            };
        break;
      }
      default:
        // shortage.decided and future commands: deduplicated and acknowledged, nothing to model.
        break;
    }
    return 'applied';
  }

  async function handleCommands(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.total++;
    if (faults.failFirst > 0) {
      faults.failFirst--;
      counters.failed++;
      const code = INJECTED_ERROR_CODES[faults.failStatus]!;
      log(`← injected ${faults.failStatus} ${code} (${faults.failFirst} more to fail)`);
      req.resume();
      if (code === 'RATE_LIMITED') res.setHeader('retry-after', '1');
      return send(res, faults.failStatus, { error: contractError(code, `simulated failure (${faults.failStatus})`) });
    }
    let raw: string;
    try {
      raw = await readBody(req, MAX_BATCH_BODY_BYTES);
    } catch (error) {
      counters.refused++;
      if (error instanceof BodyTooLarge) return refuse(res, 'PAYLOAD_TOO_LARGE', `the body exceeds ${MAX_BATCH_BODY_BYTES} bytes`);
      throw error;
    }
    if (faults.slowFirst > 0) {
      faults.slowFirst--;
      counters.slowed++;
      log(`… holding a request for ${faults.delayMs} ms (${faults.slowFirst} more to slow down)`);
      // The command is still processed afterwards: a sender that timed out meanwhile retries, and
      // must then get "duplicate", never a second PO.
      await sleep(faults.delayMs);
    }

    const headers = {
      id: header(req, WEBHOOK_HEADERS.id),
      timestamp: header(req, WEBHOOK_HEADERS.timestamp),
      signature: header(req, WEBHOOK_HEADERS.signature),
    };
    const signature = verifySignature(options.secrets, headers, raw);
    if (!signature.ok) {
      counters.refused++;
      return refuse(res, signature.code === 'MISSING_SIGNATURE' ? 'MISSING_WEBHOOK_HEADERS' : signature.code, signature.message);
    }
    const webhookId = headers.id!;
    const bodyHash = sha256(raw);
    const seenBatch = state.batches[webhookId];
    if (seenBatch) {
      if (seenBatch.bodyHash !== bodyHash) {
        counters.refused++;
        return refuse(res, 'IDEMPOTENCY_KEY_CONFLICT', 'this webhook-id was delivered before with a different body');
      }
      counters.accepted++;
      log(`← replayed the stored response of ${webhookId}`);
      return send(res, 200, seenBatch.response);
    }

    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      counters.refused++;
      return refuse(res, 'MALFORMED_BATCH', 'the body is not JSON');
    }
    const parsed = parseBatchRequest(body, { direction: 'crm_to_wms', webhookId });
    if (!parsed.ok) {
      counters.refused++;
      return send(res, parsed.httpStatus, { error: parsed.error });
    }

    const receivedAt = new Date().toISOString();
    const results: EventResult[] = parsed.events.map((validation, index) => {
      const original = parsed.batch.events[index];
      const record = (status: EventResult['status'], key: string | null, type: string | null, errorCode?: string) =>
        state.received.push({
          received_at: receivedAt,
          batch_id: parsed.batch.batch_id,
          webhook_id: webhookId,
          index,
          idempotency_key: key,
          event_type: type,
          status,
          ...(errorCode ? { error_code: errorCode } : {}),
          event: original,
        });
      if (!validation.ok) {
        record('rejected', validation.idempotency_key ?? null, validation.event_type ?? null, validation.error.code);
        return {
          index,
          ...(validation.idempotency_key ? { idempotency_key: validation.idempotency_key } : {}),
          status: 'rejected',
          error: validation.error,
        };
      }
      const event = validation.event as unknown as {
        idempotency_key: string;
        event_type: string;
        sequence?: number;
        occurred_at: string;
        payload: ContractPayload;
      };
      const key = event.idempotency_key;
      const fingerprint = eventFingerprint(event);
      const known = state.keys[key];
      if (known !== undefined) {
        if (known === fingerprint) {
          record('duplicate', key, event.event_type);
          return { index, idempotency_key: key, status: 'duplicate' };
        }
        const error = contractError('IDEMPOTENCY_KEY_CONFLICT', 'this key was applied before with a different event');
        record('rejected', key, event.event_type, error.code);
        return { index, idempotency_key: key, status: 'rejected', error };
      }
      if (faults.rejectKeys.includes(key)) {
        const error = contractError('UNKNOWN_REFERENCE', 'simulated: the WMS does not know what this command refers to');
        record('rejected', key, event.event_type, error.code);
        return { index, idempotency_key: key, status: 'rejected', error };
      }
      const status = applyEvent(event);
      // Stale events are recorded under their key too (contract D-STALE-RECORDED).
      state.keys[key] = fingerprint;
      record(status, key, event.event_type);
      return { index, idempotency_key: key, status };
    });

    const response: BatchResponse = { batch_id: parsed.batch.batch_id, contract_version: CONTRACT_VERSION, results };
    state.batches[webhookId] = { bodyHash, response };
    saveState(options.stateFile, state);
    counters.accepted++;
    log(`← ${results.map((r) => `${r.idempotency_key ?? `#${r.index}`} ${r.status}`).join(', ')}`);
    send(res, 200, response);
  }

  function snapshot(): WmsSimulatorSnapshot {
    return {
      commands: state.received.map((entry) => ({ ...entry })),
      orders: Object.values(state.orders).map((order) => ({ ...order })),
      deals: Object.values(state.deals).map((deal) => ({ ...deal })),
      requests: { ...counters },
      faults: { ...faults, rejectKeys: [...faults.rejectKeys] },
    };
  }

  function control(change: SimulatorFaults): void {
    const valid = SimulatorFaults.parse(change);
    Object.assign(faults, Object.fromEntries(Object.entries(valid).filter(([, value]) => value !== undefined)));
  }

  function reset(): void {
    Object.assign(state, emptyState());
    Object.assign(counters, { total: 0, failed: 0, slowed: 0, accepted: 0, refused: 0 });
    Object.assign(faults, { failFirst: 0, failStatus: 503, slowFirst: 0, delayMs: 2_000, rejectKeys: [] });
    saveState(options.stateFile, state);
  }

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    const work = async () => {
      if (req.method === BATCH_ENDPOINTS.crm_to_wms.method && path === BATCH_ENDPOINTS.crm_to_wms.path) return handleCommands(req, res);
      if (req.method === 'GET' && path === '/_received') return send(res, 200, snapshot());
      if (req.method === 'GET' && path === '/_health') return send(res, 200, { status: 'ok', contract_version: CONTRACT_VERSION });
      if (req.method === 'POST' && path === '/_reset') {
        reset();
        return send(res, 200, snapshot());
      }
      if (req.method === 'POST' && path === '/_control') {
        let change: unknown;
        try {
          change = JSON.parse(await readBody(req, 64 * 1024));
        } catch {
          return send(res, 400, { error: { code: 'MALFORMED_CONTROL', message: 'the body must be a JSON object of faults' } });
        }
        const parsed = SimulatorFaults.safeParse(change);
        if (!parsed.success) {
          return send(res, 400, {
            error: {
              code: 'MALFORMED_CONTROL',
              message: 'invalid faults',
              issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
            },
          });
        }
        control(parsed.data);
        return send(res, 200, snapshot().faults);
      }
      send(res, 404, { error: { code: 'NOT_FOUND', message: `${req.method} ${path} is not a WMS simulator route` } });
    };
    work().catch((error: unknown) => {
      log(`✗ ${(error as Error).stack ?? String(error)}`);
      send(res, 500, { error: contractError('INTERNAL_ERROR', 'simulator failure; nothing was applied') });
    });
  });

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => done());
  });
  const address = server.address() as AddressInfo;
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    snapshot,
    control,
    reset,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
