/**
 * The one audit writer. `audit_log` is append-only (the rules hook refuses updates and deletes)
 * and written only by the server: every use case that changes business state writes its entries
 * here, in the transaction of the change, so there is an entry exactly when the change committed.
 *
 * Raw knex, not ItemsService: the log is the CRM's own record of who did what (it needs no
 * Directus activity or revisions of itself), and no user has a write permission on it.
 * The WMS ingestion writes its entries inside its single guarded statement instead
 * (wms-inbound/repository.ts), which is why it does not call this.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

export interface AuditEntry {
  /** null: group-wide data (FX rates); only admins read such entries. */
  orgId: string | null;
  actor: string | null;
  at: Date;
  action: string;
  collection: string;
  entityId: string;
  note: string | null;
  details: Record<string, unknown>;
}

const AUDIT_CHUNK = 5000;

/** Writes the entries in the caller's transaction; answers their ids, in the entries' order. */
export async function writeAudit(trx: Knex, entries: readonly AuditEntry[]): Promise<string[]> {
  if (!entries.length) return [];
  const ids = entries.map(() => randomUUID());
  const rows = entries.map((e, i) => ({
    id: ids[i],
    org_id: e.orgId,
    occurred_at: e.at,
    actor: e.actor,
    action: e.action,
    entity_collection: e.collection,
    entity_id: e.entityId,
    note: e.note,
    details: JSON.stringify(e.details),
  }));
  // PostgreSQL takes at most 65,535 parameters per statement (9 per entry): an import of 20,000
  // rows is written in chunks, all in the caller's transaction.
  for (let start = 0; start < rows.length; start += AUDIT_CHUNK) await trx('audit_log').insert(rows.slice(start, start + AUDIT_CHUNK));
  return ids;
}
