/**
 * Bulk payments import (stories 13, 39) on the one import pipeline (shared/imports): who may
 * import (Finance of the org; admins), what rows are checked against, and how they are applied:
 * all payments or none, each account locked and settled (oldest due first) as a recorded payment
 * is, every payment audited, the import audited as a whole by the pipeline.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { writeAudit } from '../../shared/audit.js';
import { actorOf } from '../../shared/directus.js';
import { CrmError } from '../../shared/errors.js';
import { ImportApplyFailed, importPipeline, type ApplyContext, type Importer } from '../../shared/imports/pipeline.js';
import type { RawRow } from '../../shared/imports/spec.js';
import type { RequestScope } from '../../shared/services.js';
import { lockCreditAccount } from '../credit/repository.js';
import { orgsWith } from '../orgs/access.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { PAYMENT_SPEC, validatePaymentRows, type ValidatedPayment } from './import-rows.js';
import { allOrgs, insertPayments, paymentImportCatalogue, takenReferences } from './repository.js';
import { settleAccount } from './service.js';

async function importer(scope: RequestScope): Promise<Importer> {
  const actor = actorOf(scope.accountability);
  if (actor.kind === 'system') throw new CrmError('unauthenticated', 'UNAUTHENTICATED', 'log in first');
  if (actor.kind === 'admin')
    return { userId: actor.userId, isAdmin: true, orgIds: new Set((await allOrgs(scope.database)).map((o) => o.id)) };
  const { grants } = await loadUserOrgContext(scope.database, actor.userId);
  const orgIds = orgsWith(grants, 'payment.record');
  if (!orgIds.length)
    throw new CrmError('forbidden', 'PAYMENT_NOT_ALLOWED', 'importing payments is for Finance: your roles do not include it');
  return { userId: actor.userId, isAdmin: false, orgIds: new Set(orgIds) };
}

async function validate(db: Knex, who: Importer, raw: RawRow[]) {
  const texts = (key: string) => [...new Set(raw.map((r) => r.cells[key]?.trim()).filter((v): v is string => !!v))];
  const catalogue = await paymentImportCatalogue(db, [...who.orgIds], texts('tax_number'), texts('reference'));
  return validatePaymentRows(raw, {
    orgs: new Map(catalogue.orgs.map((o) => [o.code, { id: o.id, allowed: who.orgIds.has(o.id) }])),
    profiles: new Map(catalogue.profiles.map((p) => [`${p.org_id}|${p.tax_number}`, p.id])),
    takenReferences: new Set(catalogue.taken.map((t) => `${t.org_id}|${t.reference}`)),
  });
}

async function apply(trx: Knex.Transaction, rows: ValidatedPayment[], ctx: ApplyContext): Promise<void> {
  // Accounts locked in one order (profile id), as every payment use case locks them.
  const profiles = [...new Set(rows.map((r) => r.customer_profile_id))].sort();
  for (const profile of profiles) await lockCreditAccount(trx, profile);
  for (const orgId of [...new Set(rows.map((r) => r.org_id))]) {
    const refs = rows.filter((r) => r.org_id === orgId).map((r) => r.reference);
    const taken = await takenReferences(trx, orgId, refs);
    if (taken.length) {
      const failure = `reference ${taken.slice(0, 5).join(', ')} was recorded since the dry run`;
      throw new ImportApplyFailed(
        failure,
        new CrmError('conflict', 'IMPORT_APPLY_FAILED', `applying failed and nothing was changed: ${failure}; upload the file again`, [
          { field: 'reference', reason: failure },
        ]),
      );
    }
  }
  const payments = rows.map((r) => ({
    id: randomUUID(),
    org_id: r.org_id,
    customer_profile_id: r.customer_profile_id,
    currency: r.currency,
    amount: r.amount,
    value_date: r.value_date,
    method: r.method,
    reference: r.reference,
    kind: 'payment' as const,
    reverses_id: null,
    proforma_ref: r.proforma_ref,
    po_id: null,
    note: r.note ?? ctx.note,
    // The importer is always a signed-in user (importer() refuses anyone else).
    recorded_by: ctx.userId as string,
    recorded_at: ctx.at,
  }));
  await insertPayments(trx, payments);
  const accounts = new Map(payments.map((p) => [`${p.customer_profile_id}|${p.currency}`, p]));
  for (const account of accounts.values()) await settleAccount(trx, account, ctx.at);
  await writeAudit(
    trx,
    payments.map((p, i) => ({
      orgId: p.org_id,
      at: ctx.at,
      actor: ctx.userId,
      action: 'payment.recorded',
      collection: 'payments',
      entityId: p.id,
      note: p.note,
      details: { import_id: ctx.importId, row: rows[i]!.row, amount: p.amount, currency: p.currency, reference: p.reference },
    })),
  );
}

export const paymentImports = importPipeline<ValidatedPayment>({
  spec: PAYMENT_SPEC,
  table: 'payment_imports',
  auditAction: 'payment_import.applied',
  rowsName: 'payments',
  notFound: () =>
    new CrmError('not_found', 'IMPORT_NOT_FOUND', 'no such payment import, or one for orgs where you do not record payments', [
      { field: 'id', reason: 'no such payment import' },
    ]),
  importer,
  validate,
  preview: (r) => ({
    row: r.row,
    org_code: r.org_code,
    currency: r.currency,
    amount: r.amount,
    value_date: r.value_date,
    method: r.method,
    reference: r.reference,
    action: r.action,
  }),
  apply,
});
