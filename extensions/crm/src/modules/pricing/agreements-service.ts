/**
 * Customer price agreements (story 39): add one, change one, and import many (on the one import
 * pipeline). Pricing managers keep the agreements of their orgs (`customer_price.manage`), the CRM
 * admin of every org; every change is audited with who, when, note and the previous values.
 * Sales read them through the item API (policies) and price deal lines with them (service.ts).
 *
 * The agreement's org is its customer profile's: a profile or agreement in an org without a grant
 * is answered like one that does not exist. A quality must be of the same org (else
 * QUALITY_NOT_FOUND, the same whether or not another org has such a quality). Two agreements of
 * one customer × quality × currency never overlap (AGREEMENT_OVERLAP here, a trigger beneath).
 */
import type { Knex } from 'knex';
import { writeAudit } from '../../shared/audit.js';
import { CrmError } from '../../shared/errors.js';
import { importOrgs, namedOrgIds } from '../../shared/imports/orgs.js';
import { applyFailed, importPipeline, previewOf, type ApplyContext, type Importer } from '../../shared/imports/pipeline.js';
import type { RawRow } from '../../shared/imports/spec.js';
import type { RequestScope } from '../../shared/services.js';
import { crmErrorFromDatabase } from '../orgs/database-errors.js';
import { requireAccess, requireImporter } from '../orgs/require-access.js';
import type { Currency } from '../fx/rates.js';
import { AGREEMENT_SPEC, validateAgreementRows, type ValidatedAgreementRow } from './agreement-import-rows.js';
import {
  agreementImportCatalogue,
  agreementSubject,
  insertAgreements,
  loadAgreement,
  orgCodes,
  overlappingAgreements,
  updateAgreement,
  type AgreementRow,
} from './repository.js';

const notAllowed = () =>
  new CrmError(
    'forbidden',
    'AGREEMENT_NOT_ALLOWED',
    'customer price agreements are kept by pricing managers: your role here does not include it',
  );

const overlap = (clash: { valid_from: string; valid_to: string | null }) =>
  new CrmError(
    'conflict',
    'AGREEMENT_OVERLAP',
    `this customer already has an agreement for this quality and currency valid ${clash.valid_from} to ${clash.valid_to ?? 'open end'}: end it first`,
    [{ field: 'valid_from', reason: 'overlaps another agreement of the same customer, quality and currency' }],
  );

/** The trigger's refusal (a concurrent writer got there first) as the same answer. */
async function refusedAsOverlap<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const mapped = crmErrorFromDatabase(error);
    if (mapped?.code === 'AGREEMENT_OVERLAP')
      throw new CrmError('conflict', 'AGREEMENT_OVERLAP', mapped.message, [{ field: 'valid_from', reason: mapped.message }]);
    throw error;
  }
}

export interface NewAgreement {
  customer_profile_id: string;
  quality_id: string;
  currency: Currency;
  price: string;
  valid_from: string;
  valid_to: string | null;
  note: string;
}

export interface AgreementChange {
  price?: string;
  valid_from?: string;
  valid_to?: string | null;
  note: string;
}

function viewOf(row: AgreementRow) {
  return { ...row };
}

export async function createAgreement(scope: RequestScope, input: NewAgreement) {
  let subject: Awaited<ReturnType<typeof agreementSubject>>;
  const actor = await requireAccess(scope, {
    org: async () => (subject = await agreementSubject(scope.database, input.customer_profile_id, input.quality_id))?.org_id,
    capability: 'customer_price.manage',
    notFound: () =>
      new CrmError('not_found', 'CUSTOMER_PROFILE_NOT_FOUND', 'customer_profile_id: no such customer profile, or one out of reach', [
        { field: 'customer_profile_id', reason: 'no such customer profile' },
      ]),
    forbidden: notAllowed,
  });
  const orgId = subject!.org_id;
  if (subject!.quality_org_id !== orgId)
    throw new CrmError('invalid_input', 'QUALITY_NOT_FOUND', "quality_id: no such quality in the customer profile's org", [
      { field: 'quality_id', reason: "no such quality in the customer profile's org" },
    ]);
  const at = new Date();
  return scope.database.transaction(async (trx) => {
    const row = {
      org_id: orgId,
      customer_profile_id: input.customer_profile_id,
      quality_id: input.quality_id,
      currency: input.currency,
      price: input.price,
      valid_from: input.valid_from,
      valid_to: input.valid_to,
      note: input.note,
    };
    const [clash] = await overlappingAgreements(trx, row, row);
    if (clash) throw overlap(clash);
    const [id] = await refusedAsOverlap(() => insertAgreements(trx, [row], { at, userId: actor.userId }));
    await writeAudit(trx, [
      {
        orgId,
        actor: actor.userId,
        at,
        action: 'customer_price_agreement.created',
        collection: 'customer_price_agreements',
        entityId: id!,
        note: input.note,
        details: {
          customer_profile_id: row.customer_profile_id,
          quality_id: row.quality_id,
          currency: row.currency,
          price: row.price,
          valid_from: row.valid_from,
          valid_to: row.valid_to,
        },
      },
    ]);
    return viewOf((await loadAgreement(trx, id!))!);
  });
}

export async function changeAgreement(scope: RequestScope, id: string, change: AgreementChange) {
  const actor = await requireAccess(scope, {
    org: async () => (await loadAgreement(scope.database, id))?.org_id,
    capability: 'customer_price.manage',
    notFound: () =>
      new CrmError('not_found', 'AGREEMENT_NOT_FOUND', 'no such customer price agreement, or one out of reach', [
        { field: 'id', reason: 'no such customer price agreement' },
      ]),
    forbidden: notAllowed,
  });
  const at = new Date();
  return scope.database.transaction(async (trx) => {
    const before = (await loadAgreement(trx, id, true))!;
    const after = {
      price: change.price ?? before.price,
      valid_from: change.valid_from ?? before.valid_from,
      valid_to: change.valid_to === undefined ? before.valid_to : change.valid_to,
    };
    if (after.valid_to !== null && after.valid_to < after.valid_from)
      throw new CrmError('invalid_input', 'INVALID_INPUT', `valid_to: must be on or after valid_from (${after.valid_from})`, [
        { field: 'valid_to', reason: `must be on or after valid_from (${after.valid_from})` },
      ]);
    const [clash] = await overlappingAgreements(trx, { ...before, except: id }, after);
    if (clash) throw overlap(clash);
    await refusedAsOverlap(() => updateAgreement(trx, id, { ...after, note: change.note }, { at, userId: actor.userId }));
    await writeAudit(trx, [
      {
        orgId: before.org_id,
        actor: actor.userId,
        at,
        action: 'customer_price_agreement.changed',
        collection: 'customer_price_agreements',
        entityId: id,
        note: change.note,
        details: {
          previous: { price: before.price, valid_from: before.valid_from, valid_to: before.valid_to, note: before.note },
          price: after.price,
          valid_from: after.valid_from,
          valid_to: after.valid_to,
        },
      },
    ]);
    return viewOf((await loadAgreement(trx, id))!);
  });
}

// --- the import (shared/imports)

/** What the dry-run report shows of a validated row, and its audit entry records. */
const SHOWN = [
  'row',
  'org_code',
  'tax_number',
  'quality_code',
  'currency',
  'price',
  'previous_price',
  'valid_from',
  'valid_to',
  'action',
  'note',
] as const satisfies ReadonlyArray<keyof ValidatedAgreementRow>;

/** Pricing managers (and admins): the orgs where the caller keeps customer prices. */
function importer(scope: RequestScope): Promise<Importer> {
  return requireImporter(scope, 'customer_price.manage', notAllowed);
}

/** What the managed orgs the file names know, then the rows checked against it. */
async function validate(db: Knex, who: Importer, raw: RawRow[]) {
  const orgs = await orgCodes(db);
  const { profiles, qualities, agreements } = await agreementImportCatalogue(db, namedOrgIds(orgs, who.orgIds, raw));
  return validateAgreementRows(raw, {
    orgs: importOrgs(orgs, who.orgIds),
    profiles: new Map(profiles.map((p) => [`${p.org_id}|${p.tax_number.toUpperCase()}`, p.id])),
    qualities: new Map(qualities.map((q) => [`${q.org_id}|${q.code}`, q.id])),
    agreements,
  });
}

/**
 * New rows are inserted, changed rows repriced, unchanged rows left; each written row audited.
 * The triggers refuse what moved since the dry run (an overlap, a profile or quality of another
 * org): the pipeline then marks the import failed and nothing changes.
 */
async function apply(trx: Knex.Transaction, rows: ValidatedAgreementRow[], ctx: ApplyContext): Promise<void> {
  const who = { at: ctx.at, userId: ctx.userId };
  const fresh = rows.filter((r) => r.action === 'new');
  const repriced = rows.filter((r) => r.action === 'changed');
  for (const r of repriced) {
    const current = await loadAgreement(trx, r.agreement_id!, true);
    if (!current || current.valid_from !== r.valid_from || current.valid_to !== r.valid_to) {
      const failure = `the agreement of row ${r.row} changed since the dry run`;
      throw applyFailed(failure, [{ field: `rows.${r.row}.valid_from`, reason: 'the agreement changed since the dry run' }]);
    }
    await updateAgreement(trx, r.agreement_id!, { price: r.price, note: r.note ?? ctx.note }, who);
  }
  const ids = await insertAgreements(
    trx,
    fresh.map((r) => ({
      org_id: r.org_id,
      customer_profile_id: r.customer_profile_id,
      quality_id: r.quality_id,
      currency: r.currency,
      price: r.price,
      valid_from: r.valid_from,
      valid_to: r.valid_to,
      note: r.note ?? ctx.note,
    })),
    who,
  );
  const written = [...fresh.map((r, i) => ({ r, id: ids[i]! })), ...repriced.map((r) => ({ r, id: r.agreement_id! }))];
  await writeAudit(
    trx,
    written.map(({ r, id }) => ({
      orgId: r.org_id,
      actor: ctx.userId,
      at: ctx.at,
      action: r.action === 'new' ? 'customer_price_agreement.created' : 'customer_price_agreement.repriced',
      collection: 'customer_price_agreements',
      entityId: id,
      note: r.note ?? ctx.note,
      details: { import_id: ctx.importId, ...previewOf(r, SHOWN) },
    })),
  );
}

export const customerPriceImports = importPipeline<ValidatedAgreementRow>(AGREEMENT_SPEC, {
  importer,
  validate,
  preview: SHOWN,
  apply,
});
