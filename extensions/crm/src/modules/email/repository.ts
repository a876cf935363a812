/**
 * Every SQL statement of the email domain (the outbox, routing rules, what emails are rendered
 * from). The outbox and the rules are the CRM's own ledgers: written with knex here, never through
 * the item API (docs/architecture.md, rule 4). Callers hand in the database or their transaction.
 */
import type { Knex } from 'knex';
import type { EmailPolicy, EmailState, EmailType, Language, SuppressionReason, Audience } from './types.js';

export interface EmailRow {
  id: string;
  org_id: string;
  email_type: EmailType;
  idempotency_key: string;
  message_id: string;
  state: EmailState;
  suppressed_reason: SuppressionReason | null;
  audience: Audience;
  language: Language;
  to_addresses: string[] | null;
  cc_addresses: string[] | null;
  from_name: string | null;
  from_address: string | null;
  subject: string | null;
  html_body: string | null;
  text_body: string | null;
  deal_id: string | null;
  po_id: string | null;
  po_number: string | null;
  context: Record<string, unknown> | null;
  attachments: EmailAttachment[] | null;
  prepared_at: Date | null;
  attempts: number;
  last_error: string | null;
  last_attempt_at: Date | null;
  sent_at: Date | null;
  smtp_response: string | null;
  job_id: string | null;
  created_at: Date;
}

export interface EmailAttachment {
  filename: string;
  content_type: string;
  /** base64 */
  content: string;
}

export interface NewEmailRow {
  id: string;
  org_id: string;
  email_type: EmailType;
  idempotency_key: string;
  message_id: string;
  audience: Audience;
  deal_id: string | null;
  po_id: string | null;
  po_number: string | null;
  context: Record<string, unknown>;
}

function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** The row under its key, inserted unless the key is taken: false when it existed already. */
export async function insertEmailRequest(trx: Knex, row: NewEmailRow): Promise<EmailRow | undefined> {
  const inserted: EmailRow[] = await trx('email_messages')
    .insert({ ...row, context: JSON.stringify(row.context), state: 'pending', language: 'en', attempts: 0 })
    .onConflict('idempotency_key')
    .ignore()
    .returning('*');
  return inserted[0];
}

export async function emailByKey(db: Knex, key: string): Promise<EmailRow | undefined> {
  return db('email_messages').where('idempotency_key', key).first();
}

/** The emails of many keys in one statement (the eta_near scan skips the keys already taken). */
export async function emailsByKeys(
  db: Knex,
  keys: readonly string[],
): Promise<Array<Pick<EmailRow, 'id' | 'idempotency_key' | 'state' | 'suppressed_reason'>>> {
  if (!keys.length) return [];
  return db('email_messages').whereIn('idempotency_key', keys).select('id', 'idempotency_key', 'state', 'suppressed_reason');
}

/** Requests written by triggers (prepared_at null), oldest first; rows another relay holds are skipped. */
export async function lockUnpreparedEmails(trx: Knex, limit: number): Promise<EmailRow[]> {
  return trx('email_messages').whereNull('prepared_at').orderBy('created_at').limit(limit).forUpdate().skipLocked();
}

/**
 * Emails whose attempt died, locked for the rescue: `sending` with a claim older than
 * `staleBefore`, or `pending|failed` while their job has been active since before then (a worker
 * fetched it and died before claiming the row; pg-boss would only notice at the job's expiry).
 */
export async function lockStaleClaims(trx: Knex, staleBefore: Date, limit: number): Promise<EmailRow[]> {
  return trx('email_messages as m')
    .where((q) =>
      q
        .where((s) => s.where('m.state', 'sending').andWhere('m.last_attempt_at', '<', staleBefore))
        .orWhere((s) =>
          s
            .whereIn('m.state', ['pending', 'failed'])
            .whereExists((j) =>
              j
                .select(trx.raw('1'))
                .from('pgboss.job as j')
                .where('j.name', 'email.send')
                .whereRaw('j.id = m.job_id::uuid')
                .where('j.state', 'active')
                .where('j.started_on', '<', staleBefore),
            ),
        ),
    )
    .orderBy('m.created_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .select('m.*');
}

export interface PreparedFields {
  /** dead: the relay could not prepare it (the reason goes to last_error). */
  state: 'pending' | 'suppressed' | 'dead';
  suppressed_reason: SuppressionReason | null;
  language: Language;
  to_addresses: string[];
  cc_addresses: string[];
  from_name: string | null;
  from_address: string | null;
  subject: string | null;
  html_body: string | null;
  text_body: string | null;
  attachments: EmailAttachment[] | null;
}

export async function markPrepared(trx: Knex, id: string, fields: PreparedFields, at: Date, jobId: string | null = null): Promise<void> {
  await trx('email_messages')
    .where('id', id)
    .update({
      ...fields,
      ...(jobId ? { job_id: jobId } : {}),
      to_addresses: jsonOrNull(fields.to_addresses),
      cc_addresses: jsonOrNull(fields.cc_addresses),
      attachments: jsonOrNull(fields.attachments),
      prepared_at: at,
    });
}

/** `markPrepared` for many rows in one statement (the relay's batch). */
export async function markPreparedMany(
  trx: Knex,
  rows: ReadonlyArray<{ id: string; fields: PreparedFields; jobId: string | null }>,
  at: Date,
): Promise<void> {
  if (!rows.length) return;
  const values = rows.map(({ id, fields, jobId }) => ({
    ...fields,
    id,
    job_id: jobId,
    to_addresses: fields.to_addresses,
    cc_addresses: fields.cc_addresses,
    attachments: fields.attachments ?? null,
  }));
  await trx.raw(
    `update email_messages m
        set state = v.state, suppressed_reason = v.suppressed_reason, language = v.language,
            to_addresses = v.to_addresses, cc_addresses = v.cc_addresses, from_name = v.from_name,
            from_address = v.from_address, subject = v.subject, html_body = v.html_body, text_body = v.text_body,
            attachments = v.attachments, job_id = coalesce(v.job_id, m.job_id), prepared_at = ?
       from json_to_recordset(?::json) as v(id uuid, state text, suppressed_reason text, language text, to_addresses json,
                                            cc_addresses json, from_name text, from_address text, subject text,
                                            html_body text, text_body text, attachments json, job_id text)
      where m.id = v.id`,
    [at, JSON.stringify(values)],
  );
}

export async function setEmailJob(trx: Knex, id: string, jobId: string, state: 'pending'): Promise<void> {
  await trx('email_messages').where('id', id).update({ job_id: jobId, state });
}

export interface OrgBrandingRow {
  id: string;
  code: string;
  name: string;
  brand_color: string | null;
  logo: string | null;
  email_sender_name: string | null;
  email_sender_address: string | null;
}

export async function loadOrgBranding(db: Knex, orgId: string): Promise<OrgBrandingRow | undefined> {
  return db('orgs').where('id', orgId).first('id', 'code', 'name', 'brand_color', 'logo', 'email_sender_name', 'email_sender_address');
}

export interface RuleRow {
  id: string;
  org_id: string;
  email_type: EmailType;
  enabled: boolean;
  to_addresses: string[] | null;
  cc_addresses: string[] | null;
  contact_roles: string[] | null;
  policy: EmailPolicy;
  updated_at: Date | null;
  updated_by: string | null;
}

export async function loadRule(db: Knex, orgId: string, type: EmailType): Promise<RuleRow | undefined> {
  return db('email_routing_rules').where({ org_id: orgId, email_type: type }).first();
}

export async function loadRules(db: Knex, orgIds: readonly string[]): Promise<RuleRow[]> {
  return db('email_routing_rules').whereIn('org_id', orgIds).orderBy(['org_id', 'email_type']);
}

export async function lockRule(trx: Knex, orgId: string, type: EmailType): Promise<RuleRow | undefined> {
  return trx('email_routing_rules').where({ org_id: orgId, email_type: type }).forUpdate().first();
}

export async function upsertRule(
  trx: Knex,
  rule: Omit<RuleRow, 'updated_at' | 'updated_by' | 'id'> & { id: string; updated_at: Date; updated_by: string },
): Promise<void> {
  await trx('email_routing_rules')
    .insert({
      ...rule,
      to_addresses: jsonOrNull(rule.to_addresses),
      cc_addresses: jsonOrNull(rule.cc_addresses),
      contact_roles: jsonOrNull(rule.contact_roles),
    })
    .onConflict(['org_id', 'email_type'])
    .merge(['enabled', 'to_addresses', 'cc_addresses', 'contact_roles', 'policy', 'updated_at', 'updated_by']);
}

/** The org's CRM admins (org grants with role crm_admin, active users): the fallback recipients. */
export async function loadOrgAdminEmails(db: Knex, orgId: string): Promise<string[]> {
  const rows: Array<{ email: string | null }> = await db('org_grants as g')
    .join('directus_users as u', 'u.id', 'g.user_id')
    .where({ 'g.org_id': orgId, 'g.role': 'crm_admin', 'u.status': 'active' })
    .orderBy('u.email')
    .select('u.email');
  return rows.map((r) => r.email).filter((e): e is string => !!e);
}

/**
 * The Directus language of the users behind these addresses (lower-cased email → language, null
 * when the user chose none) and the project's default language, in one statement.
 */
export async function loadStaffLanguages(
  db: Knex,
  addresses: readonly string[],
): Promise<{ languages: Map<string, string | null>; projectDefault: string | null }> {
  const { rows } = (await db.raw(
    `select lower(u.email) as email, u.language, (select s.default_language from directus_settings s limit 1) as project_default
       from (select 1) one left join directus_users u on lower(u.email) = any(?::text[]) and u.status = 'active'`,
    [addresses.map((a) => a.toLowerCase())],
  )) as { rows: Array<{ email: string | null; language: string | null; project_default: string | null }> };
  const languages = new Map<string, string | null>();
  for (const row of rows) if (row.email) languages.set(row.email, row.language);
  return { languages, projectDefault: rows[0]?.project_default ?? null };
}

export interface DealCustomerRow {
  legal_name: string;
  country: string | null;
  contacts: unknown;
  status_email_opt_out: boolean;
  email_language: string | null;
}

/** The deal's customer profile in the deal's org (contacts, opt-out, language) and the customer's name. */
export async function loadDealCustomer(db: Knex, dealId: string): Promise<DealCustomerRow | undefined> {
  return db('deals as d')
    .join('customer_org_profiles as p', 'p.id', 'd.customer_profile_id')
    .join('customers as c', 'c.id', 'p.customer_id')
    .where('d.id', dealId)
    .first('c.legal_name', 'c.country', 'p.contacts', 'p.status_email_opt_out', 'p.email_language');
}

// ---------------------------------------------------------------------------------------------
// The send worker.

export async function loadEmail(db: Knex, id: string): Promise<EmailRow | undefined> {
  return db('email_messages').where('id', id).first();
}

/**
 * Takes the email for one attempt by the job the row names: pending or failed, or `sending` left
 * behind by an attempt that died (older than `staleBefore`). Answers undefined when it is not this
 * job's to send (another job, sent, dead, suppressed, or an attempt still running).
 */
export async function claimForSending(db: Knex, id: string, jobId: string, at: Date, staleBefore: Date): Promise<EmailRow | undefined> {
  const rows: EmailRow[] = await db('email_messages')
    .where({ id, job_id: jobId })
    .andWhere((q) =>
      q.whereIn('state', ['pending', 'failed']).orWhere((s) => s.where('state', 'sending').andWhere('last_attempt_at', '<', staleBefore)),
    )
    .update({ state: 'sending', attempts: db.raw('attempts + 1'), last_attempt_at: at })
    .returning('*');
  return rows[0];
}

export async function finishAttempt(
  db: Knex,
  id: string,
  jobId: string,
  outcome: { state: 'sent'; smtp_response: string; sent_at: Date } | { state: 'failed' | 'dead'; last_error: string },
): Promise<void> {
  await db('email_messages')
    .where({ id, job_id: jobId, state: 'sending' })
    .update(outcome.state === 'sent' ? { ...outcome, last_error: null } : outcome);
}

export async function markEmailDeadLettered(db: Knex, id: string, jobId: string): Promise<void> {
  await db('email_messages').where({ id, job_id: jobId }).whereIn('state', ['pending', 'failed', 'sending']).update({ state: 'dead' });
}

// ---------------------------------------------------------------------------------------------
// Reads of the command center and the deal timeline; the admin retry.

export async function emailOrgOf(db: Knex, id: string): Promise<string | undefined> {
  const row: { org_id: string } | undefined = await db('email_messages').where('id', id).first('org_id');
  return row?.org_id;
}

export async function lockEmail(trx: Knex, id: string): Promise<EmailRow | undefined> {
  return trx('email_messages').where('id', id).forUpdate().first();
}

export interface EmailListFilter {
  orgIds: readonly string[];
  state?: EmailState | undefined;
  type?: EmailType | undefined;
  dealId?: string | undefined;
  limit: number;
  offset: number;
}

const LIST_COLUMNS = [
  'e.id',
  'e.org_id',
  'o.code as org_code',
  'e.email_type',
  'e.idempotency_key',
  'e.message_id',
  'e.state',
  'e.suppressed_reason',
  'e.audience',
  'e.language',
  'e.to_addresses',
  'e.cc_addresses',
  'e.subject',
  'e.deal_id',
  'd.code as deal_code',
  'e.po_number',
  'e.attempts',
  'e.last_error',
  'e.sent_at',
  'e.created_at',
] as const;

/** A column's name in the answer: `e.state` → `state`, `o.code as org_code` → `org_code`. */
type Selected<C extends string> = C extends `${string} as ${infer Alias}` ? Alias : C extends `${string}.${infer Field}` ? Field : C;
type Listed = Selected<(typeof LIST_COLUMNS)[number]>;

/** An email of the outbox list (LIST_COLUMNS: the type follows the list). */
export type EmailListItem = Pick<EmailRow, Exclude<Listed, 'org_code' | 'deal_code'>> & { org_code: string; deal_code: string | null };
/** One email with what it rendered, for the preview. */
export type EmailDetail = EmailListItem &
  Pick<EmailRow, (typeof DETAIL_COLUMNS)[number] extends `e.${infer F extends keyof EmailRow}` ? F : never>;

const DETAIL_COLUMNS = ['e.html_body', 'e.text_body', 'e.from_name', 'e.from_address'] as const;

export async function listEmails(db: Knex, filter: EmailListFilter): Promise<EmailListItem[]> {
  const q = db('email_messages as e')
    .join('orgs as o', 'o.id', 'e.org_id')
    .leftJoin('deals as d', 'd.id', 'e.deal_id')
    .whereIn('e.org_id', filter.orgIds)
    .whereNotNull('e.prepared_at');
  if (filter.state) q.where('e.state', filter.state);
  if (filter.type) q.where('e.email_type', filter.type);
  if (filter.dealId) q.where('e.deal_id', filter.dealId);
  return q
    .orderBy([
      { column: 'e.created_at', order: 'desc' },
      { column: 'e.id', order: 'desc' },
    ])
    .limit(filter.limit)
    .offset(filter.offset)
    .select(...LIST_COLUMNS);
}

export async function loadEmailDetail(db: Knex, id: string): Promise<EmailDetail | undefined> {
  return db('email_messages as e')
    .join('orgs as o', 'o.id', 'e.org_id')
    .leftJoin('deals as d', 'd.id', 'e.deal_id')
    .where('e.id', id)
    .first(...LIST_COLUMNS, ...DETAIL_COLUMNS);
}

// ---------------------------------------------------------------------------------------------
// Digests and the Cost Control Daily Pack: one statement per section and org, whatever the size of
// the org (each is an index range scan narrowed by org_id).

export interface Period {
  from: Date;
  to: Date;
}

export async function orgsForDigests(db: Knex): Promise<Array<{ id: string; code: string }>> {
  return db('orgs').orderBy('code').select('id', 'code');
}

/** Manufacturing and import supplies not yet arrived (soft arrival not confirmed), by ETA. */
export async function openSupplies(db: Knex, orgId: string, limit = 200) {
  return db('supply_mirrors')
    .where('org_id', orgId)
    .whereNull('soft_arrival_confirmed_at')
    .orderBy([{ column: 'eta_date', order: 'asc', nulls: 'last' }, { column: 'supply_id' }])
    .limit(limit)
    .select('supply_id', 'supply_type', 'supplier_name', 'milestone', 'eta_date', 'eta_text');
}

/** Central stock checks (Abra) answered in the period. */
export async function checksInPeriod(db: Knex, orgId: string, period: Period, limit = 500) {
  return db('abra_check_lines as a')
    .leftJoin('deals as d', 'd.id', 'a.deal_id')
    .where('a.org_id', orgId)
    .where('a.checked_at', '>=', period.from)
    .where('a.checked_at', '<', period.to)
    .orderBy('a.checked_at')
    .limit(limit)
    .select('d.code as deal_code', 'a.quality_code', 'a.result', 'a.available_qty', 'a.proposed_next_step', 'a.eta_text', 'a.checked_at');
}

/** Shortage send-backs of the period. */
export async function shortagesInPeriod(db: Knex, orgId: string, period: Period, limit = 500) {
  return db('shortage_send_backs as s')
    .leftJoin('deals as d', 'd.id', 's.deal_id')
    .where('s.org_id', orgId)
    .where('s.sent_back_at', '>=', period.from)
    .where('s.sent_back_at', '<', period.to)
    .orderBy('s.sent_back_at')
    .limit(limit)
    .select('s.send_back_id', 'd.code as deal_code', 's.po_number', 's.kind', 's.sent_back_at');
}

/** Approval requests still waiting for a decision. */
export async function pendingApprovals(db: Knex, orgId: string, limit = 500) {
  return db('approval_requests as r')
    .join('deals as d', 'd.id', 'r.deal_id')
    .where({ 'r.org_id': orgId, 'r.status': 'pending' })
    .orderBy('r.date_created')
    .limit(limit)
    .select('d.code as deal_code', 'r.kind', 'r.date_created');
}

/** Orders the WMS reported delivered in the period, with their document references. */
export async function deliveredOrders(db: Knex, orgId: string, period: Period) {
  return db('order_mirrors as m')
    .leftJoin('deals as d', 'd.id', 'm.deal_id')
    .where('m.org_id', orgId)
    .where('m.status', 'delivered')
    .where('m.delivered_at', '>=', period.from)
    .where('m.delivered_at', '<', period.to)
    .orderBy('m.delivered_at')
    .select(
      'm.po_number',
      'm.po_id',
      'm.deal_id',
      'd.code as deal_code',
      'm.dispatch_note_number',
      'm.carrier_name',
      'm.tracking_id',
      'm.delivered_at',
      'm.lines',
    );
}

/**
 * The invoice references of these POs (receivables of kind `invoice` naming the PO, or naming the
 * deal without a PO), leaving out invoices a reversal undid. One statement for the day's orders.
 */
export async function invoiceReferences(
  db: Knex,
  orgId: string,
  poIds: readonly string[],
  dealIds: readonly string[],
): Promise<Array<{ po_id: string | null; deal_id: string | null; reference: string }>> {
  if (!poIds.length && !dealIds.length) return [];
  return db('receivables as r')
    .where('r.org_id', orgId)
    .where('r.kind', 'invoice')
    .whereNotNull('r.reference')
    .where((q) =>
      q
        .whereIn('r.po_id', poIds.length ? poIds : ['00000000-0000-0000-0000-000000000000'])
        .orWhere((d) => d.whereNull('r.po_id').whereIn('r.deal_id', dealIds.length ? dealIds : ['00000000-0000-0000-0000-000000000000'])),
    )
    .whereNotExists((q) => q.select(db.raw('1')).from('receivables as x').whereRaw('x.reverses_id = r.id'))
    .orderBy(['r.created_at', 'r.reference'])
    .select('r.po_id', 'r.deal_id', 'r.reference');
}

/** The files attached to these deals' orders (the order form's attachments), one statement. */
export async function orderFiles(
  db: Knex,
  orgId: string,
  dealIds: readonly string[],
): Promise<Array<{ id: string; deal_id: string; file_name: string; mime_type: string; size_bytes: number }>> {
  if (!dealIds.length) return [];
  return db('order_form_attachments')
    .where('org_id', orgId)
    .whereIn('deal_id', dealIds)
    .orderBy(['uploaded_at', 'file_name'])
    .select('id', 'deal_id', 'file_name', 'mime_type', 'size_bytes');
}

/** Supplies of every org due within the window and not yet arrived: the eta_near check. */
export async function suppliesDueWithin(db: Knex, from: string, to: string) {
  return db('supply_mirrors')
    .whereNull('soft_arrival_confirmed_at')
    .where('eta_date', '>=', from)
    .where('eta_date', '<=', to)
    .orderBy(['org_id', 'supply_id'])
    .select('org_id', 'supply_id', 'supply_type', 'supplier_name', 'milestone', 'eta_date', 'eta_text');
}
