/**
 * Bulk list-price import (story 39) on the import pipeline (shared/imports): who may import, the
 * catalogue rows are checked against, and how validated rows are applied. Upload → dry run →
 * apply, the record table, progress and the audit of the import are the pipeline's.
 *
 * - Validation: against the orgs where the caller governs prices, their qualities and list prices.
 * - Apply: one set-based upsert (the repository), confirming each price (confirmed_at/by now,
 *   note), and one audit entry per price through writeAudit, with the import id. Refused, and the import marked failed, when a
 *   quality has left its org since the dry run.
 *
 * Who: pricing governors (sales and pricing managers) and admins, only for orgs where they govern
 * prices (not narrowed by Org Scope: the file names its orgs explicitly).
 */
import type { Knex } from 'knex';
import { compareDecimals } from '@crm/contract/decimal';
import { writeAudit } from '../../shared/audit.js';
import { CrmError } from '../../shared/errors.js';
import { importOrgs, namedOrgIds } from '../../shared/imports/orgs.js';
import { applyFailed, importPipeline, type ApplyContext, type Importer } from '../../shared/imports/pipeline.js';
import type { RawRow } from '../../shared/imports/spec.js';
import type { RequestScope } from '../../shared/services.js';
import { requireImporter } from '../orgs/require-access.js';
import { LIST_PRICE_SPEC, validateImportRows, type ValidatedRow } from './import-rows.js';
import { importCatalogue, importedQualitiesGone, orgCodes, upsertImportedListPrices } from './repository.js';

/** Pricing governors (and admins): the orgs where the caller governs prices. */
function importer(scope: RequestScope): Promise<Importer> {
  return requireImporter(
    scope,
    'pricing.govern',
    () =>
      new CrmError(
        'forbidden',
        'PRICING_NOT_ALLOWED',
        'importing list prices is for pricing and sales managers: your roles do not include it',
      ),
  );
}

/** The catalogue of the governed orgs the file names, then the rows checked against it. */
async function validate(db: Knex, who: Importer, raw: RawRow[]) {
  const orgs = await orgCodes(db);
  const { qualities, prices } = await importCatalogue(db, namedOrgIds(orgs, who.orgIds, raw));
  return validateImportRows(raw, {
    orgs: importOrgs(orgs, who.orgIds),
    qualities: new Map(qualities.map((q) => [`${q.org_id}|${q.code}`, q.id])),
    prices: new Map(prices.map((p) => [`${p.quality_id}|${p.currency}`, p.price])),
  });
}

/** All rows in one upsert, each audited; refused when the catalogue moved since the dry run. */
async function apply(trx: Knex.Transaction, validated: ValidatedRow[], ctx: ApplyContext): Promise<void> {
  const rows = validated.map((r) => ({
    row: r.row,
    org_id: r.org_id,
    quality_id: r.quality_id,
    quality_code: r.quality_code,
    currency: r.currency,
    price: r.price,
    note: r.note,
  }));

  // The catalogue may have moved since the dry run: every quality must still be in its org.
  const gone = await importedQualitiesGone(trx, rows);
  if (gone.length) {
    const failure = `quality ${gone.map((g) => `${g.quality_code} (row ${g.row})`).join(', ')} no longer exists`;
    throw applyFailed(
      failure,
      gone.map((g) => ({ field: `rows.${g.row}.quality_code`, reason: 'no longer exists' })),
    );
  }
  const written = await upsertImportedListPrices(trx, rows, { at: ctx.at, userId: ctx.userId, note: ctx.note });
  await writeAudit(
    trx,
    written.map((w) => ({
      orgId: w.org_id,
      at: ctx.at,
      actor: ctx.userId,
      action:
        w.previous_price === null
          ? 'list_price.created'
          : compareDecimals(w.previous_price, w.price) !== 0
            ? 'list_price.repriced'
            : 'list_price.reconfirmed',
      collection: 'list_prices',
      entityId: w.id,
      note: w.note ?? ctx.note,
      details: {
        import_id: ctx.importId,
        row: w.row,
        quality_code: w.quality_code,
        currency: w.currency,
        price: w.price,
        previous_price: w.previous_price,
      },
    })),
  );
}

export const listPriceImports = importPipeline<ValidatedRow>(LIST_PRICE_SPEC, {
  importer,
  validate,
  preview: ['row', 'org_code', 'quality_code', 'currency', 'price', 'previous_price', 'action', 'note'],
  apply,
});
