/**
 * POST /wms/events as a use case: open the delivery (signature, batch), then apply it exactly once:
 * one read, a pure decision, one guarded write (see ingestion.ts for the steps). The WMS is authenticated by the signature alone; there is no Directus user,
 * so nothing here goes through ItemsService (which would also be far too slow per row: see
 * bench/ and docs/bench-wms-ingestion.md). The ledger, the mirrors and the stored response are
 * written by one statement, so a crash at any point leaves all of a delivery or none of it, and the
 * redelivery does the rest (or answers with the stored response).
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { CONTRACT_VERSION, contractError, type BatchResponse, type ContractErrorDetail } from '@crm/contract';
import { openDelivery, refusal, type DeliveryRefusal, type WebhookHeaders } from './delivery.js';
import { planDelivery, scopeKeysOf, triage, type Triage } from './ingestion.js';
import { referencesNeeded } from './references.js';
import {
  inTransaction,
  lockSequenceMarks,
  readDeliveryState,
  withConnection,
  writeDelivery,
  type SqlConnection,
  type StoredDelivery,
} from './repository.js';

export type DeliveryOutcome =
  | { readonly httpStatus: 200; readonly body: BatchResponse; readonly replayed: boolean }
  | { readonly httpStatus: number; readonly body: { error: ContractErrorDetail } };

/**
 * 40001: the write found that another delivery changed what this one was decided on (or a real
 * serialization failure); 40P01: a deadlock. Either way nothing was written: decide again.
 */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);
/**
 * Attempts that read and write without locks. A retry happens only when another delivery of the
 * same key or scope committed in between, so it is rare, but a large batch under a steady stream
 * of newer events for its scopes could keep losing that race: after these, the delivery takes the
 * marks of its scopes first (in a transaction), which no concurrent delivery can then advance.
 */
const OPTIMISTIC_ATTEMPTS = 2;
const MAX_ATTEMPTS = 6;

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function refused(outcome: DeliveryRefusal): DeliveryOutcome {
  return { httpStatus: outcome.httpStatus, body: { error: outcome.error } };
}

type OpenedDelivery = Extract<ReturnType<typeof openDelivery>, { ok: true }>;

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

  const delivery: PreparedDelivery = { opened, bodySha256: sha256(request.rawBody), triaged: triage(opened.events, opened.batch.events) };
  return withConnection(database, async (connection) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return attempt <= OPTIMISTIC_ATTEMPTS
          ? await applyDelivery(connection, delivery)
          : await inTransaction(connection, async () => {
              await lockSequenceMarks(connection, scopeKeysOf(delivery.triaged.candidates));
              return applyDelivery(connection, delivery);
            });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt < MAX_ATTEMPTS && typeof code === 'string' && RETRYABLE_SQLSTATES.has(code)) continue;
        throw error;
      }
    }
  });
}

interface PreparedDelivery {
  readonly opened: OpenedDelivery;
  readonly bodySha256: string;
  /** Step 1 depends on the request alone, so it is done once for all attempts. */
  readonly triaged: Triage;
}

/** One attempt: read, decide, write (two statements). */
async function applyDelivery(connection: SqlConnection, { opened, bodySha256, triaged }: PreparedDelivery): Promise<DeliveryOutcome> {
  const { batch, webhookId } = opened;
  const state = await readDeliveryState(connection, {
    webhookId,
    keys: triaged.candidates.map((c) => c.key),
    scopeKeys: scopeKeysOf(triaged.candidates),
    references: referencesNeeded(triaged.candidates.map((c) => c.event)),
  });
  if (state.delivery) return storedOutcome(webhookId, bodySha256, state.delivery);

  const plan = planDelivery(triaged, state, batch.events.length);
  const response: BatchResponse = { batch_id: batch.batch_id, contract_version: CONTRACT_VERSION, results: plan.results };
  await writeDelivery(connection, { webhookId, batchId: batch.batch_id, bodySha256, eventCount: batch.events.length, plan, response });
  return { httpStatus: 200, body: response, replayed: false };
}

/** The same webhook-id again: an identical body gets the stored response, another body a 409. */
function storedOutcome(webhookId: string, bodySha256: string, stored: StoredDelivery): DeliveryOutcome {
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
