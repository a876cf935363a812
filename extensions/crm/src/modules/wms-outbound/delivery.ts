/**
 * One delivery attempt of one outbox message to the WMS: the contract's batch format, Standard
 * Webhooks signing, a timeout, and a verdict on the answer. No Directus, no knex: the worker
 * (worker.ts) owns the ledger and the retries.
 *
 * One delivery job, one batch: the batch id is the pg-boss job id and sent_at the job's creation,
 * so every automatic retry of a job sends identical bytes under the same webhook-id (the WMS
 * replays its stored answer, contract D-BATCH-KEY). An admin retry is a new job and so a new batch:
 * the WMS processes it afresh (a stored "rejected" answer is not replayed), while the event inside
 * keeps its idempotency key and is deduplicated by it, whatever batch carries it.
 */
import {
  BATCH_ENDPOINTS,
  BatchResponseSchema,
  CONTRACT_ERRORS,
  CONTRACT_VERSION,
  ErrorResponseSchema,
  batchKeyFor,
  isContractErrorCode,
  signRequest,
  type BatchRequest,
  type EventResultStatus,
} from '@crm/contract';
import type { OutboundCommand } from './commands.js';

export interface OutboundBatch {
  webhookId: string;
  body: string;
}

export function batchFor(delivery: { batchId: string; assembledAt: Date; command: OutboundCommand }): OutboundBatch {
  const batch: BatchRequest = {
    batch_id: delivery.batchId,
    source: 'crm',
    contract_version: CONTRACT_VERSION,
    sent_at: delivery.assembledAt.toISOString(),
    events: [delivery.command],
  };
  return { webhookId: batchKeyFor('crm', delivery.batchId), body: JSON.stringify(batch) };
}

/** The WMS command endpoint under its base URL (a base with a path prefix keeps the prefix). */
export function commandsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${BATCH_ENDPOINTS.crm_to_wms.path}`;
}

export type DeliveryOutcome =
  /** The WMS has the command: applied now, or seen before (duplicate/stale), per the contract. */
  | { kind: 'delivered'; result: Exclude<EventResultStatus, 'rejected'> | null; httpStatus: number }
  /** Re-sending the same request cannot succeed: the message is dead until someone acts. */
  | { kind: 'permanent'; error: string; httpStatus?: number }
  /** The WMS was unreachable, slow or failing: try again later with the same key. */
  | { kind: 'retryable'; error: string; httpStatus?: number };

function describeErrorBody(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text.slice(0, 300) || '(empty body)';
  }
  const error = ErrorResponseSchema.safeParse(parsed);
  if (!error.success) return text.slice(0, 300);
  const { code, message, detail_code } = error.data.error;
  return `${code}${detail_code ? `/${detail_code}` : ''}: ${message}`;
}

/**
 * The verdict on an HTTP answer. 2xx: delivered (the contract's per-event result tells applied
 * from duplicate; a rejected event is permanent unless its code is retryable). 408 and 429 are
 * the receiver asking to come back later; other 4xx say the request itself is wrong (signature,
 * schema, key conflict) and would fail the same way again. 5xx: the receiver's trouble, retried.
 */
export function classifyResponse(httpStatus: number, bodyText: string): DeliveryOutcome {
  if (httpStatus >= 200 && httpStatus < 300) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(bodyText);
    } catch {
      parsed = undefined;
    }
    const response = BatchResponseSchema.safeParse(parsed);
    // A 2xx is the WMS taking responsibility for the command; a body outside the contract does
    // not undo that, it only leaves the per-event result unknown.
    if (!response.success) return { kind: 'delivered', result: null, httpStatus };
    const result = response.data.results[0];
    if (!result) return { kind: 'delivered', result: null, httpStatus };
    if (result.status !== 'rejected') return { kind: 'delivered', result: result.status, httpStatus };
    const error = result.error!;
    const text = `event rejected: ${error.code}${error.detail_code ? `/${error.detail_code}` : ''}: ${error.message}`;
    const retryable = isContractErrorCode(error.code) && CONTRACT_ERRORS[error.code].retryable;
    return retryable ? { kind: 'retryable', error: text, httpStatus } : { kind: 'permanent', error: text, httpStatus };
  }
  const text = `HTTP ${httpStatus}: ${describeErrorBody(bodyText)}`;
  if (httpStatus === 408 || httpStatus === 429 || httpStatus >= 500) return { kind: 'retryable', error: text, httpStatus };
  return { kind: 'permanent', error: text, httpStatus };
}

export interface DeliveryTarget {
  baseUrl: string;
  /** Signing secrets; the first is current, the others are accepted during a rotation. */
  secrets: readonly string[];
  timeoutMs: number;
}

/**
 * Sends one batch and returns the verdict; never throws. `signal` aborts the attempt when the
 * worker shuts down (reported as retryable: the job will run again).
 */
export async function deliverBatch(target: DeliveryTarget, batch: OutboundBatch, signal?: AbortSignal): Promise<DeliveryOutcome> {
  const timeout = AbortSignal.timeout(target.timeoutMs);
  const headers = { 'content-type': 'application/json', ...signRequest(target.secrets, batch.webhookId, batch.body) };
  try {
    const response = await fetch(commandsUrl(target.baseUrl), {
      method: 'POST',
      headers,
      body: batch.body,
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      redirect: 'error',
    });
    const text = await response.text();
    return classifyResponse(response.status, text);
  } catch (error) {
    if (timeout.aborted) return { kind: 'retryable', error: `timed out after ${target.timeoutMs} ms` };
    if (signal?.aborted) return { kind: 'retryable', error: 'attempt aborted (worker stopping)' };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { kind: 'retryable', error: `network error: ${cause?.code ?? cause?.message ?? (error as Error).message}` };
  }
}
