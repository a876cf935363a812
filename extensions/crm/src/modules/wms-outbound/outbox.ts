/**
 * The transactional outbox (story 72): a command to the WMS is written to outbound_messages and
 * queued as a pg-boss job in the caller's transaction, the same one as the business change that
 * causes it. Either all three commit (the change, the ledger row, the job) or none does.
 *
 * The ledger's unique idempotency_key is what makes "a retry never creates a second PO" hold on
 * the CRM side: the same business action always yields the same key (commands.ts), and a second
 * insert under it does nothing and queues nothing. The WMS deduplicates by the same key on its side.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { CrmError } from '../../shared/errors.js';
import { enqueueOutboxJob, enqueueOutboxJobs } from '../../runtime/job-queue.js';
import { QUEUE_NAMES } from '../../runtime/queues.js';
import { InvalidCommandError, type OutboundCommand } from './commands.js';

export const OUTBOUND_STATUSES = ['pending', 'delivered', 'failed', 'dead'] as const;
export type OutboundStatus = (typeof OUTBOUND_STATUSES)[number];

export interface OutboundMessageRow {
  id: string;
  org_id: string;
  idempotency_key: string;
  event_type: string;
  entity_collection: string;
  entity_id: string;
  payload: OutboundCommand;
  status: OutboundStatus;
  attempts: number;
  last_error: string | null;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  delivery_result: string | null;
  job_id: string | null;
  enqueued_at: Date;
}

/** What the delivery job carries: only the ledger row's id; the row is the truth. */
export interface OutboundJobData {
  message_id: string;
}

export interface EnqueuedCommand {
  id: string;
  idempotency_key: string;
  /** false: a message under this key existed already; nothing new was written or queued. */
  created: boolean;
}

/** A command the contract would refuse is a data problem of the business record: 422, named fields. */
export function crmErrorOfInvalidCommand(error: InvalidCommandError, eventType: string): CrmError {
  const issues = error.detail.issues ?? [];
  return new CrmError(
    'gate_blocked',
    'WMS_COMMAND_INVALID',
    `the ${eventType} command for the WMS would not satisfy the integration contract: ${error.message}`,
    issues.length
      ? issues.map((issue) => ({ field: issue.path || '(root)', reason: issue.message }))
      : [{ field: '(root)', reason: error.message }],
  );
}

async function queueJob(trx: Knex.Transaction, messageId: string): Promise<string> {
  const data: OutboundJobData = { message_id: messageId };
  return enqueueOutboxJob(trx, QUEUE_NAMES.wmsOutbound, data, `outbound message ${messageId}`);
}

/**
 * Records and queues a command inside `trx`. Call it before the status change it announces: the
 * database refuses a won deal or a released/cancelled PO without its ledger row
 * (schema-snapshots/constraints/210-wms-outbound.sql).
 */
export async function enqueueCommand(
  trx: Knex.Transaction,
  input: {
    orgId: string;
    entityCollection: string;
    entityId: string;
    command: OutboundCommand;
    /** Story 73: the sister org whose stock the command ships; only users also granted there read the message. */
    stockOwnerOrgId?: string | null | undefined;
  },
): Promise<EnqueuedCommand> {
  const { command } = input;
  const inserted: Array<{ id: string }> = await trx('outbound_messages')
    .insert({
      id: randomUUID(),
      org_id: input.orgId,
      idempotency_key: command.idempotency_key,
      event_type: command.event_type,
      entity_collection: input.entityCollection,
      entity_id: input.entityId,
      payload: JSON.stringify(command),
      status: 'pending',
      attempts: 0,
      ...(input.stockOwnerOrgId ? { stock_owner_org_id: input.stockOwnerOrgId } : {}),
    })
    .onConflict('idempotency_key')
    .ignore()
    .returning('id');
  if (!inserted.length) {
    const existing = await trx('outbound_messages').where('idempotency_key', command.idempotency_key).first('id');
    return { id: existing.id as string, idempotency_key: command.idempotency_key, created: false };
  }
  const id = inserted[0]!.id;
  const jobId = await queueJob(trx, id);
  await trx('outbound_messages').where('id', id).update({ job_id: jobId });
  return { id, idempotency_key: command.idempotency_key, created: true };
}

/**
 * `enqueueCommand` for many commands at once (bulk release): one insert of the rows, one insert of
 * their jobs, one update naming each row's job, whatever the number of commands. A key that exists
 * already is answered `created: false` and queues nothing, as for one command.
 */
export async function enqueueCommands(
  trx: Knex.Transaction,
  inputs: ReadonlyArray<{ orgId: string; entityCollection: string; entityId: string; command: OutboundCommand }>,
): Promise<EnqueuedCommand[]> {
  if (!inputs.length) return [];
  const inserted: Array<{ id: string; idempotency_key: string }> = await trx('outbound_messages')
    .insert(
      inputs.map((input) => ({
        id: randomUUID(),
        org_id: input.orgId,
        idempotency_key: input.command.idempotency_key,
        event_type: input.command.event_type,
        entity_collection: input.entityCollection,
        entity_id: input.entityId,
        payload: JSON.stringify(input.command),
        status: 'pending',
        attempts: 0,
      })),
    )
    .onConflict('idempotency_key')
    .ignore()
    .returning(['id', 'idempotency_key']);
  const jobIds = await enqueueOutboxJobs(
    trx,
    QUEUE_NAMES.wmsOutbound,
    inserted.map((row): OutboundJobData => ({ message_id: row.id })),
  );
  if (inserted.length) {
    await trx.raw(
      `update outbound_messages m set job_id = v.job_id
       from unnest(?::uuid[], ?::text[]) as v(id, job_id) where m.id = v.id`,
      [inserted.map((row) => row.id), jobIds],
    );
  }
  const created = new Map(inserted.map((row) => [row.idempotency_key, row.id]));
  const existing = inputs.filter((input) => !created.has(input.command.idempotency_key));
  const found = existing.length
    ? new Map(
        (
          await trx('outbound_messages')
            .whereIn(
              'idempotency_key',
              existing.map((input) => input.command.idempotency_key),
            )
            .select('id', 'idempotency_key')
        ).map((row: { id: string; idempotency_key: string }) => [row.idempotency_key, row.id]),
      )
    : new Map<string, string>();
  return inputs.map((input) => {
    const key = input.command.idempotency_key;
    const id = created.get(key);
    return id ? { id, idempotency_key: key, created: true } : { id: found.get(key)!, idempotency_key: key, created: false };
  });
}

/**
 * Hands a failed or dead message to a fresh job, same row and same key (the WMS sees a retry, not
 * a new command). The previous job, if pg-boss still holds one in retry, becomes a no-op: the
 * worker only acts for the job the row names.
 */
export async function requeueMessage(trx: Knex.Transaction, messageId: string): Promise<string> {
  const jobId = await queueJob(trx, messageId);
  await trx('outbound_messages').where('id', messageId).update({ job_id: jobId, status: 'pending' });
  return jobId;
}

/** The message, locked for the rest of the transaction (an admin retry decides on it once). */
export async function lockMessage(trx: Knex.Transaction, messageId: string): Promise<OutboundMessageRow | undefined> {
  return trx('outbound_messages').where('id', messageId).forUpdate().first();
}
