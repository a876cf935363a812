/**
 * SQL of creating and merging customers (service.ts): the global identity by tax number, the org's
 * profile, and the merge's locks and moves. The review queue's SQL is in review-repository.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

export async function orgExists(db: Knex, orgId: string): Promise<boolean> {
  return !!(await db('orgs').where('id', orgId).first('id'));
}

/** Serialises concurrent creations of the same tax number until the transaction ends. */
export async function lockTaxNumber(trx: Knex, taxNumber: string): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`customer:${taxNumber}`]);
}

/**
 * The identity of a tax number: the existing one, or a new one recorded with what the caller typed.
 * One statement either way (no read-then-write branch), without Directus' item service: a new
 * identity would otherwise leave activity and revisions that an existing one does not, and the
 * work done would differ with another org's knowledge. The identity is never updated here: its
 * name and country are the CRM admin's, and org users never read them. Always a row (undefined only
 * from a recording knex, queries.test.ts).
 */
export async function findOrCreateIdentity(
  trx: Knex,
  typed: { legal_name: string; tax_number: string; country: string | null },
  userId: string,
): Promise<string | undefined> {
  const result = await trx.raw<{ rows: Array<{ id: string }> }>(
    `with inserted as (
       insert into customers (id, legal_name, tax_number, country, date_created, user_created)
       values (?, ?, ?, ?, now(), ?)
       on conflict (tax_number) do nothing
       returning id
     )
     select id from inserted
     union all
     select id from customers where tax_number = ?
     limit 1`,
    [randomUUID(), typed.legal_name, typed.tax_number, typed.country, userId, typed.tax_number],
  );
  return result.rows[0]?.id;
}

/** The org's profile of an identity, if it has one (perhaps inactive). */
export async function profileIdInOrg(db: Knex, customerId: string, orgId: string): Promise<string | undefined> {
  return (await db('customer_org_profiles').where({ customer_id: customerId, org_id: orgId }).first('id'))?.id;
}

export interface IdentityRow {
  id: string;
  tax_number: string;
  legal_name: string;
  country: string | null;
}

/** The identities, locked in id order (two merges of the same pair cannot deadlock). */
export async function lockIdentities(trx: Knex, ids: readonly string[]): Promise<IdentityRow[]> {
  return trx('customers').whereIn('id', ids).orderBy('id').forUpdate().select('id', 'tax_number', 'legal_name', 'country');
}

export interface MergeProfileRow {
  id: string;
  customer_id: string;
  org_id: string;
  /** The org's code, for the refusal's message. */
  code: string;
}

/** The profiles of these identities with their org's code, locked. */
export async function lockProfilesOf(trx: Knex, customerIds: readonly string[]): Promise<MergeProfileRow[]> {
  return trx('customer_org_profiles as p')
    .join('orgs as o', 'o.id', 'p.org_id')
    .whereIn('p.customer_id', customerIds)
    .forUpdate('p')
    .select('p.id', 'p.customer_id', 'p.org_id', 'o.code');
}

/**
 * Moves the profiles to the kept identity and deletes the merged one. The profile guard lets
 * customer_id change only inside a merge: `crm.customer_merge` is on for these statements only.
 */
export async function moveProfilesAndDelete(trx: Knex, profileIds: readonly string[], keptId: string, mergedId: string): Promise<void> {
  await trx.raw("select set_config('crm.customer_merge', 'on', true)");
  if (profileIds.length)
    await trx('customer_org_profiles').whereIn('id', profileIds).update({ customer_id: keptId, date_updated: trx.fn.now() });
  await trx.raw("select set_config('crm.customer_merge', 'off', true)");
  await trx('customers').where('id', mergedId).delete();
}
