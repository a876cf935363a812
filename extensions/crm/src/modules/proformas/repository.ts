/**
 * Every SQL statement of proformas, balance check acknowledgements and contracts (stories 8,
 * 40-45). These are the CRM's own documents: no one edits them through the item API (item routes
 * only read), so they are written with knex in the use case's transaction; triggers hold their
 * lifecycles (schema-snapshots/constraints/500-proformas.sql).
 */
import type { Knex } from 'knex';
import type { BalanceFigure, ContractStatus, DealLineForProforma, ProformaLine, ProformaStatus, ProformaTotal } from './rules.js';

const MONEY = 'numeric(20,4)';

export interface CashPackDeal {
  id: string;
  org_id: string;
  org_code: string;
  code: string;
  currency: string | null;
  customer_profile_id: string;
  payment_mode: 'cash' | 'credit';
}

export async function loadCashPackDeal(db: Knex, dealId: string): Promise<CashPackDeal | undefined> {
  return db('deals as d')
    .join('orgs as o', 'o.id', 'd.org_id')
    .join('customer_org_profiles as p', 'p.id', 'd.customer_profile_id')
    .where('d.id', dealId)
    .first('d.id', 'd.org_id', 'o.code as org_code', 'd.code', 'd.currency', 'd.customer_profile_id', 'p.payment_mode');
}

/** The deal's lines with the newest immutable price snapshot of each (story 38). */
export async function dealLinesForProforma(db: Knex, dealId: string): Promise<DealLineForProforma[]> {
  const { rows } = await db.raw(
    `select l.line_no, l.quality_code, l.meters::text as meters, l.unit_price::text as line_unit_price, l.currency as line_currency,
            s.unit_price::text as snapshot_unit_price, s.currency as snapshot_currency, s.discount_pct::text as snapshot_discount_pct
     from deal_lines l
     left join lateral (select s.unit_price, s.currency, s.discount_pct from price_snapshots s where s.deal_line_id = l.id
                        order by s.approved_at desc, s.id desc limit 1) s on true
     where l.deal_id = ?
     order by l.line_no nulls last, l.id`,
    [dealId],
  );
  return rows as DealLineForProforma[];
}

export async function proformaCodeTaken(db: Knex, code: string): Promise<boolean> {
  return Boolean(await db('proformas').where('code', code).first('id'));
}

export async function insertProforma(
  trx: Knex,
  row: {
    id: string;
    org_id: string;
    code: string;
    deal_id: string;
    customer_profile_id: string;
    lines: ProformaLine[];
    totals: ProformaTotal[];
    issued_at: Date;
    issued_by: string;
  },
): Promise<void> {
  await trx('proformas').insert({ ...row, status: 'drafted', lines: JSON.stringify(row.lines), totals: JSON.stringify(row.totals) });
}

export async function insertContract(
  trx: Knex,
  row: {
    id: string;
    org_id: string;
    deal_id: string;
    customer_profile_id: string;
    status: 'drafted' | 'waived';
    created_at: Date;
    created_by: string;
    waived_at: Date | null;
    waived_by: string | null;
    waive_note: string | null;
  },
): Promise<void> {
  await trx('contracts').insert(row);
}

export interface ProformaRow {
  id: string;
  org_id: string;
  org_code: string;
  org_name: string;
  org_brand_color: string | null;
  org_email: string | null;
  code: string;
  deal_id: string;
  deal_code: string;
  customer_profile_id: string;
  customer_id: string;
  legal_name: string;
  tax_number: string | null;
  country: string | null;
  status: ProformaStatus;
  lines: ProformaLine[];
  totals: ProformaTotal[];
  issued_at: Date;
  sent_at: Date | null;
  email_id: string | null;
  paid_confirmed_at: Date | null;
  payment_ids: string[] | null;
}

function parsed<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

function proformaQuery(db: Knex) {
  return db('proformas as f')
    .join('orgs as o', 'o.id', 'f.org_id')
    .join('deals as d', 'd.id', 'f.deal_id')
    .join('customer_org_profiles as p', 'p.id', 'f.customer_profile_id')
    .join('customers as c', 'c.id', 'p.customer_id')
    .select(
      'f.id',
      'f.org_id',
      'o.code as org_code',
      'o.name as org_name',
      'o.brand_color as org_brand_color',
      'o.email_sender_address as org_email',
      'f.code',
      'f.deal_id',
      'd.code as deal_code',
      'f.customer_profile_id',
      'p.customer_id',
      'p.legal_name',
      'c.tax_number',
      'c.country',
      'f.status',
      'f.lines',
      'f.totals',
      'f.issued_at',
      'f.sent_at',
      'f.email_id',
      'f.paid_confirmed_at',
      'f.payment_ids',
    );
}

function toProforma(row: Record<string, unknown> | undefined): ProformaRow | undefined {
  if (!row) return undefined;
  return {
    ...(row as unknown as ProformaRow),
    lines: parsed<ProformaLine[]>(row['lines']),
    totals: parsed<ProformaTotal[]>(row['totals']),
    payment_ids: row['payment_ids'] == null ? null : parsed<string[]>(row['payment_ids']),
  };
}

/** `lock`: the proforma row is locked for the rest of the transaction. */
export async function loadProforma(db: Knex, id: string, lock = false): Promise<ProformaRow | undefined> {
  const query = proformaQuery(db).where('f.id', id).first();
  return toProforma(await (lock ? query.forUpdate('f') : query));
}

export async function proformaOrg(db: Knex, id: string): Promise<string | undefined> {
  return (await db('proformas').where('id', id).first('org_id'))?.org_id as string | undefined;
}

export interface ProformaListRow {
  id: string;
  org_id: string;
  code: string;
  deal_id: string;
  deal_code: string;
  customer_profile_id: string;
  legal_name: string;
  status: ProformaStatus;
  totals: ProformaTotal[];
  issued_at: Date;
  /** The deal's contract (the cash pack's other half), for the page's contract actions; null when none. */
  contract_id: string | null;
  contract_status: ContractStatus | null;
  total: number;
}

/**
 * Proformas of the orgs, newest first, with the count. In `activeOnlyOrgIds` (roles that do not
 * see inactive customers, story 5) an inactive customer's proformas are left out.
 */
export async function listProformas(
  db: Knex,
  filter: {
    seeInactiveOrgIds: readonly string[];
    activeOnlyOrgIds: readonly string[];
    status?: ProformaStatus | undefined;
    limit: number;
    offset: number;
  },
): Promise<ProformaListRow[]> {
  const query = db('proformas as f')
    .join('deals as d', 'd.id', 'f.deal_id')
    .join('customer_org_profiles as p', 'p.id', 'f.customer_profile_id')
    .leftJoin('contracts as c', 'c.deal_id', 'f.deal_id')
    .where((where) =>
      where
        .whereIn('f.org_id', filter.seeInactiveOrgIds as string[])
        .orWhere((active) => active.whereIn('f.org_id', filter.activeOnlyOrgIds as string[]).whereNot('p.status', 'inactive')),
    )
    .select(
      'f.id',
      'f.org_id',
      'f.code',
      'f.deal_id',
      'd.code as deal_code',
      'f.customer_profile_id',
      'p.legal_name',
      'f.status',
      'f.totals',
      'f.issued_at',
      'c.id as contract_id',
      'c.status as contract_status',
      db.raw('count(*) over ()::int as total'),
    )
    .orderBy([
      { column: 'f.issued_at', order: 'desc' },
      { column: 'f.id', order: 'desc' },
    ])
    .limit(filter.limit)
    .offset(filter.offset);
  if (filter.status) query.where('f.status', filter.status);
  const rows = (await query) as Array<Record<string, unknown>>;
  return rows.map((row) => ({ ...(row as unknown as ProformaListRow), totals: parsed<ProformaTotal[]>(row['totals']) }));
}

/** Whether a customer profile is inactive (story 5: hidden from sales roles). */
export async function profileInactive(db: Knex, profileId: string): Promise<boolean> {
  return (await db('customer_org_profiles').where('id', profileId).first('status'))?.status === 'inactive';
}

/** Σ of the profile's pending credit requests per currency ("Requested New"). */
export async function pendingRequestedByCurrency(
  db: Knex,
  profileId: string,
): Promise<Array<{ currency: 'TRY' | 'USD' | 'EUR'; amount: string }>> {
  return db('credit_requests')
    .where({ customer_profile_id: profileId, status: 'pending' })
    .groupBy('currency')
    .select('currency', db.raw(`sum(requested_amount)::${MONEY}::text as amount`));
}

export async function insertAcknowledgement(
  trx: Knex,
  row: {
    id: string;
    org_id: string;
    proforma_id: string;
    customer_profile_id: string;
    figures: BalanceFigure[];
    acknowledged_by: string;
    acknowledged_at: Date;
  },
): Promise<void> {
  await trx('proforma_acknowledgements').insert({ ...row, figures: JSON.stringify(row.figures) });
}

export interface AcknowledgementRow {
  id: string;
  figures: BalanceFigure[];
  acknowledged_at: Date;
}

/** The caller's newest acknowledgement of this proforma's balance check. */
export async function latestAcknowledgement(db: Knex, proformaId: string, userId: string): Promise<AcknowledgementRow | undefined> {
  const row = await db('proforma_acknowledgements')
    .where({ proforma_id: proformaId, acknowledged_by: userId })
    .orderBy([
      { column: 'acknowledged_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .first('id', 'figures', 'acknowledged_at');
  return row ? { ...row, figures: parsed<BalanceFigure[]>(row.figures) } : undefined;
}

export async function markProformaSent(trx: Knex, id: string, fields: { sent_at: Date; sent_by: string; email_id: string }): Promise<void> {
  await trx('proformas')
    .where({ id })
    .update({ ...fields, status: 'sent' });
}

export async function markProformaPaid(
  trx: Knex,
  id: string,
  fields: { paid_confirmed_at: Date; paid_confirmed_by: string; payment_ids: string[]; paid_note: string },
): Promise<void> {
  await trx('proformas')
    .where({ id })
    .update({ ...fields, payment_ids: JSON.stringify(fields.payment_ids), status: 'paid_confirmed' });
}

export interface ContractRow {
  id: string;
  org_id: string;
  deal_id: string;
  deal_code: string;
  customer_profile_id: string;
  status: ContractStatus;
  signed_file: string | null;
}

export async function loadContract(db: Knex, id: string, lock = false): Promise<ContractRow | undefined> {
  const query = db('contracts as k')
    .join('deals as d', 'd.id', 'k.deal_id')
    .where('k.id', id)
    .first('k.id', 'k.org_id', 'k.deal_id', 'd.code as deal_code', 'k.customer_profile_id', 'k.status', 'k.signed_file');
  return lock ? query.forUpdate('k') : query;
}

export async function updateContract(trx: Knex, id: string, fields: Record<string, unknown>): Promise<void> {
  await trx('contracts').where({ id }).update(fields);
}

/** The contract status of a deal's cash pack (none: not a cash deal). */
export async function contractStatusOfDeal(db: Knex, dealId: string): Promise<ContractStatus | null> {
  return ((await db('contracts').where('deal_id', dealId).first('status'))?.status as ContractStatus | undefined) ?? null;
}

/** The contract status of many deals in one statement (deals without a contract are absent). */
export async function contractStatusesOfDeals(
  db: Knex,
  dealIds: readonly string[],
): Promise<Array<{ deal_id: string; status: ContractStatus }>> {
  if (!dealIds.length) return [];
  return db('contracts').whereIn('deal_id', dealIds).select('deal_id', 'status');
}

export async function fileExists(db: Knex, fileId: string): Promise<{ id: string; uploaded_by: string | null } | undefined> {
  return db('directus_files').where('id', fileId).first('id', 'uploaded_by');
}

/** Whether the user holds any grant in the org (a file they uploaded may serve that org). */
export async function userHasGrantIn(db: Knex, userId: string, orgId: string): Promise<boolean> {
  return Boolean(await db('org_grants').where({ user_id: userId, org_id: orgId }).first('id'));
}
