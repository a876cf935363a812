/**
 * Bulk payments import (stories 13, 39) on the one import pipeline (shared/imports): who may
 * import (Finance of the org; admins), what rows are checked against, and how they are applied:
 * all payments or none, each account locked and settled (oldest due first) as a recorded payment
 * is, every payment audited, the import audited as a whole by the pipeline.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { writeAudit } from '../../shared/audit.js';
import { CrmError } from '../../shared/errors.js';
import { importOrgs } from '../../shared/imports/orgs.js';
import { applyFailed, importPipeline, type ApplyContext, type Importer } from '../../shared/imports/pipeline.js';
import type { RawRow } from '../../shared/imports/spec.js';
import type { RequestScope } from '../../shared/services.js';
import { lockCreditAccount } from '../credit/repository.js';
import { requireImporter } from '../orgs/require-access.js';
import { PAYMENT_SPEC, validatePaymentRows, type ValidatedPayment } from './import-rows.js';
import { insertPayments, paymentImportCatalogue, takenReferences } from './repository.js';
import { settleAccount } from './service.js';

/** Finance of the org (and admins): the orgs where the caller records payments. */
function importer(scope: RequestScope): Promise<Importer> {
  return requireImporter(
    scope,
    'payment.record',
    () => new CrmError('forbidden', 'PAYMENT_NOT_ALLOWED', 'importing payments is for Finance: your roles do not include it'),
  );
}

async function validate(db: Knex, who: Importer, raw: RawRow[]) {
  const texts = (key: string) => [...new Set(raw.map((r) => r.cells[key]?.trim()).filter((v): v is string => !!v))];
  const catalogue = await paymentImportCatalogue(db, [...who.orgIds], texts('tax_number'), texts('reference'));
  return validatePaymentRows(raw, {
    orgs: importOrgs(catalogue.orgs, who.orgIds),
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
      throw applyFailed(failure, [{ field: 'reference', reason: failure }]);
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
    // The importer is always a signed-in user (requireImporter refuses anyone else).
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

export const paymentImports = importPipeline<ValidatedPayment>(PAYMENT_SPEC, {
  importer,
  validate,
  preview: ['row', 'org_code', 'currency', 'amount', 'value_date', 'method', 'reference', 'action'],
  apply,
});
