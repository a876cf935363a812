/**
 * Bulk list-price import (story 39) on the import pipeline (shared/imports): who may import, the
 * catalogue rows are checked against, and how validated rows are applied. Upload → dry run →
 * apply, the record table, progress and the audit of the import are the pipeline's.
 *
 * - Validation: against the orgs where the caller governs prices, their qualities and list prices.
 * - Apply: set-based SQL (one upsert, one audit insert), confirming each price (confirmed_at/by
 *   now, note) and auditing it with the import id. Refused, and the import marked failed, when a
 *   quality has left its org since the dry run.
 *
 * Who: pricing governors (sales and pricing managers) and admins, only for orgs where they govern
 * prices (not narrowed by Org Scope: the file names its orgs explicitly).
 */
import type { Knex } from 'knex';
import { CrmError } from '../../shared/errors.js';
import { actorOf } from '../../shared/directus.js';
import { ImportApplyFailed, importPipeline, type ApplyContext, type Importer } from '../../shared/imports/pipeline.js';
import type { RawRow } from '../../shared/imports/spec.js';
import type { RequestScope } from '../../shared/services.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { orgsWithPricing } from './access.js';
import { LIST_PRICE_SPEC, validateImportRows, type ValidatedRow } from './import-rows.js';

async function importer(scope: RequestScope): Promise<Importer> {
  const actor = actorOf(scope.accountability);
  if (actor.kind === 'system') throw new CrmError('unauthenticated', 'UNAUTHENTICATED', 'log in first');
  if (actor.kind === 'admin') {
    const orgs: Array<{ id: string }> = await scope.database('orgs').select('id');
    return { userId: actor.userId, isAdmin: true, orgIds: new Set(orgs.map((o) => o.id)) };
  }
  const { grants } = await loadUserOrgContext(scope.database, actor.userId);
  const orgIds = orgsWithPricing(grants, 'pricing.govern');
  if (!orgIds.length)
    throw new CrmError(
      'forbidden',
      'PRICING_NOT_ALLOWED',
      'importing list prices is for pricing and sales managers: your roles do not include it',
    );
  return { userId: actor.userId, isAdmin: false, orgIds: new Set(orgIds) };
}

/** The catalogue of the governed orgs the file names, then the rows checked against it. */
async function validate(db: Knex, who: Importer, raw: RawRow[]) {
  const orgs: Array<{ id: string; code: string }> = await db('orgs').select('id', 'code');
  const named = new Set(raw.map((r) => r.cells['org_code']?.toUpperCase()).filter((c): c is string => !!c));
  const governedNamed = orgs.filter((o) => named.has(o.code) && who.orgIds.has(o.id)).map((o) => o.id);
  const qualities: Array<{ id: string; org_id: string; code: string }> = governedNamed.length
    ? await db('qualities').whereIn('org_id', governedNamed).select('id', 'org_id', 'code')
    : [];
  const prices: Array<{ quality_id: string; currency: string; price: string }> = governedNamed.length
    ? await db('list_prices').whereIn('org_id', governedNamed).select('quality_id', 'currency', 'price')
    : [];
  return validateImportRows(raw, {
    orgs: new Map(orgs.map((o) => [o.code, { id: o.id, governed: who.orgIds.has(o.id) }])),
    qualities: new Map(qualities.map((q) => [`${q.org_id}|${q.code}`, q.id])),
    prices: new Map(prices.map((p) => [`${p.quality_id}|${p.currency}`, p.price])),
  });
}

/** All rows in one statement pair; refused when the catalogue moved since the dry run. */
async function apply(trx: Knex.Transaction, rows: ValidatedRow[], ctx: ApplyContext): Promise<void> {
  const input = JSON.stringify(
    rows.map((r) => ({
      row: r.row,
      org_id: r.org_id,
      quality_id: r.quality_id,
      quality_code: r.quality_code,
      currency: r.currency,
      price: r.price,
      note: r.note,
    })),
  );

  // The catalogue may have moved since the dry run: every quality must still be in its org.
  const gone: Array<{ row: number; quality_code: string }> = (
    await trx.raw(
      `select i.row, i.quality_code
         from jsonb_to_recordset(?::jsonb) as i(row int, org_id uuid, quality_id uuid, quality_code text)
        where not exists (select 1 from qualities q where q.id = i.quality_id and q.org_id = i.org_id)
        order by i.row limit 5`,
      [input],
    )
  ).rows;
  if (gone.length) {
    const failure = `quality ${gone.map((g) => `${g.quality_code} (row ${g.row})`).join(', ')} no longer exists`;
    throw new ImportApplyFailed(
      failure,
      new CrmError(
        'conflict',
        'IMPORT_APPLY_FAILED',
        `applying failed and nothing was changed: ${failure}; upload the file again`,
        gone.map((g) => ({ field: `rows.${g.row}.quality_code`, reason: 'no longer exists' })),
      ),
    );
  }
  await upsertAndAudit(trx, input, ctx);
}

export const listPriceImports = importPipeline<ValidatedRow>({
  spec: LIST_PRICE_SPEC,
  table: 'pricing_imports',
  auditAction: 'list_price_import.applied',
  rowsName: 'prices',
  notFound: () =>
    new CrmError('not_found', 'IMPORT_NOT_FOUND', 'no such price import, or one for orgs where you do not govern prices', [
      { field: 'id', reason: 'no such price import' },
    ]),
  importer,
  validate,
  preview: (r) => ({
    row: r.row,
    org_code: r.org_code,
    quality_code: r.quality_code,
    currency: r.currency,
    price: r.price,
    previous_price: r.previous_price,
    action: r.action,
    note: r.note,
  }),
  apply,
});

/**
 * One upsert for every row, then one audit insert that knows each row's previous price. All CTEs
 * see the same snapshot, so `previous` holds the prices from before this statement.
 */
async function upsertAndAudit(trx: Knex, input: string, ctx: ApplyContext): Promise<void> {
  await trx.raw(
    `with input as (
       select * from jsonb_to_recordset(?::jsonb) as i(row int, org_id uuid, quality_id uuid, quality_code text, currency text, price numeric(14,4), note text)
     ),
     previous as (
       select p.id, p.quality_id, p.currency, p.price from list_prices p join input i on i.quality_id = p.quality_id and i.currency = p.currency and i.org_id = p.org_id
     ),
     upserted as (
       insert into list_prices (id, org_id, quality_id, currency, price, confirmed_at, confirmed_by, confirmation_note)
       select gen_random_uuid(), i.org_id, i.quality_id, i.currency, i.price, ?::timestamptz, ?::uuid, coalesce(i.note, ?)
         from input i
        -- The canonical lock order of list prices (org, quality code, currency), the one the WMS
        -- stock trigger takes them in (docs/wms-inbound.md, "No deadlocks"), not the file's order.
        order by i.org_id, i.quality_code, i.currency
       on conflict (org_id, quality_id, currency) do update
         set price = excluded.price, confirmed_at = excluded.confirmed_at, confirmed_by = excluded.confirmed_by, confirmation_note = excluded.confirmation_note
       returning id, org_id, quality_id, currency, price
     )
     insert into audit_log (id, org_id, occurred_at, actor, action, entity_collection, entity_id, note, details)
     select gen_random_uuid(), u.org_id, ?::timestamptz, ?::uuid,
            case when prev.id is null then 'list_price.created' when prev.price <> u.price then 'list_price.repriced' else 'list_price.reconfirmed' end,
            'list_prices', u.id::text, coalesce(i.note, ?),
            json_build_object('import_id', ?::text, 'row', i.row, 'quality_code', i.quality_code, 'currency', u.currency, 'price', u.price::text, 'previous_price', prev.price::text)
       from upserted u
       join input i on i.quality_id = u.quality_id and i.currency = u.currency
       left join previous prev on prev.quality_id = u.quality_id and prev.currency = u.currency`,
    [input, ctx.at, ctx.userId, ctx.note, ctx.at, ctx.userId, ctx.note, ctx.importId],
  );
}
