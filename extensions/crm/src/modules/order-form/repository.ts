/**
 * Every SQL statement of the order form (stories 51-55). Tokens are the CRM's own records (only
 * their hash is stored), written with knex; deals, lines and customer profiles go through Directus'
 * ItemsService in the service.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { toListPrice } from '../pricing/repository.js';
import type { ListPrice } from '../pricing/rules.js';
import type { TokenStatus } from './tokens.js';

export interface TokenRecord {
  id: string;
  org_id: string;
  customer_profile_id: string | null;
  prospect_name: string | null;
  prospect_email: string | null;
  token_hash: string;
  status: TokenStatus;
  expires_at: Date | null;
  issued_by: string | null;
  issued_at: Date;
  used_at: Date | null;
  deal_id: string | null;
  submission: unknown;
}

export interface PublicToken extends TokenRecord {
  org_code: string;
  org_name: string;
  brand_color: string | null;
  logo: string | null;
  base_currency: string;
}

const TOKEN_COLUMNS = [
  't.id',
  't.org_id',
  't.customer_profile_id',
  't.prospect_name',
  't.prospect_email',
  't.token_hash',
  't.status',
  't.expires_at',
  't.issued_by',
  't.issued_at',
  't.used_at',
  't.deal_id',
  't.submission',
];

/** One unique-index probe by hash, with the org's branding: the same statement whether or not it exists. */
export async function findTokenByHash(db: Knex, hash: string): Promise<PublicToken | undefined> {
  return db('order_form_tokens as t')
    .join('orgs as o', 'o.id', 't.org_id')
    .where('t.token_hash', hash)
    .first([...TOKEN_COLUMNS, 'o.code as org_code', 'o.name as org_name', 'o.brand_color', 'o.logo', 'o.base_currency']);
}

export async function loadToken(db: Knex, id: string, lock = false): Promise<TokenRecord | undefined> {
  const q = db('order_form_tokens as t').where('t.id', id).first(TOKEN_COLUMNS);
  return lock ? q.forUpdate() : q;
}

export async function insertToken(
  trx: Knex,
  row: Omit<TokenRecord, 'used_at' | 'deal_id' | 'submission' | 'id'> & { replaces_id?: string | null },
): Promise<string> {
  const id = randomUUID();
  await trx('order_form_tokens').insert({ id, ...row, replaces_id: row.replaces_id ?? null });
  return id;
}

export async function retireToken(trx: Knex, id: string, status: 'revoked' | 'replaced', at: Date): Promise<void> {
  await trx('order_form_tokens').where({ id, status: 'active' }).update({ status, revoked_at: at });
}

/**
 * The one-time claim: only one of any number of concurrent submissions of a token updates the
 * row (the others wait on its lock and then find it `used`); expired tokens are never claimed.
 */
export async function claimToken(trx: Knex, id: string, at: Date): Promise<boolean> {
  const rows = await trx('order_form_tokens')
    .where({ id, status: 'active' })
    .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', at))
    .update({ status: 'used', used_at: at }, ['id']);
  return rows.length === 1;
}

export async function recordSubmission(
  trx: Knex,
  id: string,
  dealId: string,
  submission: Record<string, unknown>,
  sentLines: unknown[],
): Promise<void> {
  await trx('order_form_tokens')
    .where('id', id)
    .update({ deal_id: dealId, submission: JSON.stringify(submission), sent_version: 1, sent_lines: JSON.stringify(sentLines) });
}

export interface ProfileForToken {
  id: string;
  org_id: string;
  status: string;
  legal_name: string;
}

export async function loadProfile(db: Knex, id: string): Promise<ProfileForToken | undefined> {
  return db('customer_org_profiles').where('id', id).first('id', 'org_id', 'status', 'legal_name');
}

export async function orgExists(db: Knex, id: string): Promise<boolean> {
  return Boolean(await db('orgs').where('id', id).first('id'));
}

/** The org's qualities with their list prices, in one statement. */
export async function orgQualities(db: Knex, orgId: string): Promise<Array<{ code: string; name: string; prices: ListPrice[] }>> {
  const rows: Array<{
    code: string;
    name: string;
    lp_id: string | null;
    currency: ListPrice['currency'];
    price: string;
    confirmed_at: Date;
    stale_after: Date;
    in_stock: boolean;
  }> = await db('qualities as q')
    .leftJoin('list_prices as lp', 'lp.quality_id', 'q.id')
    .where('q.org_id', orgId)
    .orderBy('q.code')
    .select('q.code', 'q.name', 'lp.id as lp_id', 'lp.currency', 'lp.price', 'lp.confirmed_at', 'lp.stale_after', 'lp.in_stock');
  const byCode = new Map<string, { code: string; name: string; prices: ListPrice[] }>();
  for (const r of rows) {
    let q = byCode.get(r.code);
    if (!q) byCode.set(r.code, (q = { code: r.code, name: r.name, prices: [] }));
    if (r.lp_id) q.prices.push(toListPrice({ ...r, id: r.lp_id }));
  }
  return [...byCode.values()];
}

/**
 * A new identity for a prospect's tax number when no identity has it yet; undefined when one
 * exists (then the service records a placeholder identity instead: never a silent merge).
 */
export async function insertIdentityIfFree(
  trx: Knex,
  identity: { legal_name: string; tax_number: string; country: string | null },
): Promise<string | undefined> {
  const rows: Array<{ id: string }> = await trx('customers')
    .insert({ id: randomUUID(), ...identity, date_created: trx.fn.now() })
    .onConflict('tax_number')
    .ignore()
    .returning(['id']);
  return rows[0]?.id;
}

export interface LinkRow {
  id: string;
  org_id: string;
  org_code: string;
  customer_profile_id: string | null;
  /** The profile's legal name, or the prospect's name. */
  customer_name: string;
  prospect: boolean;
  prospect_email: string | null;
  status: TokenStatus;
  expires_at: Date | null;
  issued_at: Date;
  issued_by_name: string | null;
  used_at: Date | null;
  revoked_at: Date | null;
  deal_id: string | null;
  deal_code: string | null;
  /** The link this one replaced (regenerated from), and the link that replaced this one. */
  replaces_id: string | null;
  replaced_by_id: string | null;
}

/**
 * The newest `limit` links of the given orgs (optionally of one customer profile): never a token,
 * never a hash. One statement whatever the input (the org list is one array parameter, the
 * profile filter is `null` or an id), so the same text runs for every caller.
 */
export async function listTokens(db: Knex, orgIds: string[], customerProfileId: string | undefined, limit = 100): Promise<LinkRow[]> {
  const { rows } = await db.raw<{ rows: LinkRow[] }>(
    `select t.id, t.org_id, o.code as org_code, t.customer_profile_id,
            coalesce(p.legal_name, t.prospect_name, '') as customer_name, t.customer_profile_id is null as prospect,
            t.prospect_email, t.status, t.expires_at, t.issued_at,
            nullif(trim(concat_ws(' ', u.first_name, u.last_name)), '') as issued_by_name,
            t.used_at, t.revoked_at, t.deal_id, d.code as deal_code, t.replaces_id, n.id as replaced_by_id
       from order_form_tokens t
       join orgs o on o.id = t.org_id
       left join customer_org_profiles p on p.id = t.customer_profile_id
       left join directus_users u on u.id = t.issued_by
       left join deals d on d.id = t.deal_id
       left join order_form_tokens n on n.replaces_id = t.id
      where t.org_id = any(?::uuid[]) and (?::uuid is null or t.customer_profile_id = ?::uuid)
      order by t.issued_at desc, t.id
      limit ?`,
    [orgIds, customerProfileId ?? null, customerProfileId ?? null, limit],
  );
  return rows;
}

export async function insertAttachment(
  trx: Knex,
  row: {
    org_id: string;
    deal_id: string;
    token_id: string;
    file_id: string;
    file_name: string;
    mime_type: string;
    size_bytes: number;
    note: string | null;
    uploaded_at: Date;
  },
): Promise<string> {
  const id = randomUUID();
  await trx('order_form_attachments').insert({ id, ...row });
  return id;
}

export async function dealOrg(db: Knex, dealId: string): Promise<string | undefined> {
  return (await db('deals').where('id', dealId).first('org_id'))?.org_id;
}

export async function dealAttachments(db: Knex, dealId: string) {
  return db('order_form_attachments')
    .where('deal_id', dealId)
    .orderBy('uploaded_at')
    .select('id', 'file_name', 'mime_type', 'size_bytes', 'note', 'uploaded_at');
}

export async function loadAttachment(
  db: Knex,
  id: string,
): Promise<{ id: string; org_id: string; file_id: string; file_name: string; mime_type: string } | undefined> {
  return db('order_form_attachments').where('id', id).first('id', 'org_id', 'file_id', 'file_name', 'mime_type');
}

export interface FormDealForResend {
  token_id: string;
  org_id: string;
  deal_id: string;
  sent_version: number;
  sent_lines: unknown;
  submission: unknown;
}

/** The form link of a deal, locked (one resend at a time). */
/** A form deal's token row, what the customer was last sent; `lock` for the resend's transaction. */
export async function loadFormDeal(db: Knex, dealId: string, lock: boolean): Promise<FormDealForResend | undefined> {
  const query = db('order_form_tokens').where('deal_id', dealId);
  return (lock ? query.forUpdate() : query).first('id as token_id', 'org_id', 'deal_id', 'sent_version', 'sent_lines', 'submission');
}

export async function currentLines(db: Knex, dealId: string) {
  return db('deal_lines')
    .where('deal_id', dealId)
    .orderBy('line_no')
    .select('line_no', 'quality_code', 'meters', 'requested_date', 'unit_price', 'currency', 'notes');
}

export async function recordSent(trx: Knex, tokenId: string, version: number, lines: unknown[]): Promise<void> {
  await trx('order_form_tokens')
    .where('id', tokenId)
    .update({ sent_version: version, sent_lines: JSON.stringify(lines) });
}

export async function loadOrgName(db: Knex, orgId: string): Promise<string> {
  return (await db('orgs').where('id', orgId).first('name'))?.name ?? '';
}
