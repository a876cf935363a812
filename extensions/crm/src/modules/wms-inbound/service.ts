/**
 * POST /wms/events as a use case: open the delivery (signature, batch), then apply it exactly once
 * in one transaction. The WMS is authenticated by the signature alone; there is no Directus user,
 * so nothing here goes through ItemsService (which would also be far too slow per row: see
 * bench/ and docs/bench-wms-ingestion.md). The ledger, the mirrors and the stored response commit
 * together, so a crash at any point leaves all of a delivery or none of it, and the redelivery
 * does the rest.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import {
  CONTRACT_VERSION,
  contractError,
  orderingScopeKeys,
  type BatchResponse,
  type ContractErrorDetail,
  type WmsToCrmEvent,
} from '../../../../../contract/src/index.js';
import { openDelivery, refusal, type DeliveryRefusal, type WebhookHeaders } from './delivery.js';
import {
  applyReferences,
  classifyClaims,
  collectWrites,
  ledgerOutcomes,
  orderedResults,
  planSequences,
  scopeKeysToLock,
  sequenceOf,
  triage,
} from './ingestion.js';
import { referencesNeeded } from './references.js';
import { claimDelivery, loadReferences, lockSequenceMarks, readStoredDelivery, writeDelivery, type LedgerInsert } from './repository.js';

export type DeliveryOutcome =
  | { readonly httpStatus: 200; readonly body: BatchResponse; readonly replayed: boolean }
  | { readonly httpStatus: number; readonly body: { error: ContractErrorDetail } };

/** PostgreSQL answers these when two transactions collide; the whole delivery is simply run again. */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 4;

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function refused(outcome: DeliveryRefusal): DeliveryOutcome {
  return { httpStatus: outcome.httpStatus, body: { error: outcome.error } };
}

export async function receiveDelivery(
  database: Knex,
  request: { secrets: readonly string[]; headers: WebhookHeaders; rawBody: Buffer; nowSeconds?: number },
): Promise<DeliveryOutcome> {
  if (request.secrets.length === 0) {
    return refused(refusal('SERVICE_UNAVAILABLE', 'the CRM has no WMS webhook secret configured'));
  }
  const opened = openDelivery({
    secrets: request.secrets,
    headers: request.headers,
    rawBody: request.rawBody,
    nowSeconds: request.nowSeconds ?? Math.floor(Date.now() / 1000),
  });
  if (!opened.ok) return refused(opened);

  const bodySha256 = sha256(request.rawBody);
  for (let attempt = 1; ; attempt++) {
    try {
      return await database.transaction((trx) => applyDelivery(trx, opened, bodySha256));
    } catch (error) {
      // Thrown inside the transaction, so knex has rolled back this attempt's claims already.
      if (error instanceof StoredDelivery) return error.outcome;
      const code = (error as { code?: unknown }).code;
      if (attempt < MAX_ATTEMPTS && typeof code === 'string' && RETRYABLE_SQLSTATES.has(code)) continue;
      throw error;
    }
  }
}

/** Thrown to roll back a transaction that turned out to be a retry of a stored delivery. */
class StoredDelivery extends Error {
  constructor(readonly outcome: DeliveryOutcome) {
    super('delivery seen before');
  }
}

async function applyDelivery(
  trx: Knex.Transaction,
  opened: Extract<ReturnType<typeof openDelivery>, { ok: true }>,
  bodySha256: string,
): Promise<DeliveryOutcome> {
  const { batch, events: validated, webhookId } = opened;
  const { results, candidates, ledgerRejections } = triage(validated, batch.events);

  const ledger: LedgerInsert[] = [
    ...candidates.map((c) => ({
      key: c.key,
      event_type: c.event.event_type,
      sequence: sequenceOf(c.event) ?? null,
      occurred_at: c.event.occurred_at,
      fingerprint: c.fingerprint,
      status: 'pending' as const,
      error: null,
      event: c.event,
    })),
    ...ledgerRejections.map((r) => ({
      key: r.key,
      event_type: r.eventType.slice(0, 64),
      sequence: null,
      occurred_at: null,
      fingerprint: sha256(JSON.stringify(r.event)),
      status: 'rejected' as const,
      error: r.error,
      event: r.event,
    })),
  ];

  const claim = await claimDelivery(
    trx,
    { webhookId, batchId: batch.batch_id, bodySha256, eventCount: batch.events.length },
    ledger,
    candidates.map((c) => c.key),
  );
  if (!claim.batchClaimed) throw new StoredDelivery(await storedOutcome(trx, webhookId, bodySha256));

  const claimed = classifyClaims(candidates, claim.claimed, claim.stored, results);
  const index = await loadReferences(trx, referencesNeeded(claimed.map((c) => c.event)));
  const { resolved, unresolved } = applyReferences(claimed, index, results);
  const stored = await lockSequenceMarks(trx, scopeKeysToLock(resolved, (event: WmsToCrmEvent) => orderingScopeKeys(event)));
  const { planned, marks } = planSequences(resolved, stored, results);

  const response: BatchResponse = {
    batch_id: batch.batch_id,
    contract_version: CONTRACT_VERSION,
    results: orderedResults(results, batch.events.length),
  };
  await writeDelivery(trx, {
    webhookId,
    writes: collectWrites(planned),
    marks,
    ledger: ledgerOutcomes(planned, unresolved, results),
    response,
  });
  return { httpStatus: 200, body: response, replayed: false };
}

/** The same webhook-id again: an identical body gets the stored response, another body a 409. */
async function storedOutcome(trx: Knex.Transaction, webhookId: string, bodySha256: string): Promise<DeliveryOutcome> {
  const stored = await readStoredDelivery(trx, webhookId);
  if (!stored) throw new Error(`delivery ${webhookId} was neither claimed nor stored`);
  if (stored.bodySha256 !== bodySha256) {
    return {
      httpStatus: 409,
      body: {
        error: contractError('IDEMPOTENCY_KEY_CONFLICT', `${webhookId} was delivered before with a different body; nothing was changed`),
      },
    };
  }
  return { httpStatus: 200, body: stored.response as BatchResponse, replayed: true };
}
