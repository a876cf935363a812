/**
 * SQL of the Customers Pending Review queue (stories 54, 60).
 */
import type { Knex } from 'knex';

export interface PendingRow {
  id: string;
  org_id: string;
  legal_name: string;
  country: string | null;
  contacts: unknown;
  date_created: Date | null;
  deals: number;
  from_order_form: boolean;
  /** What the customer typed on the order form (a prospect's tax number), when it came from there. */
  submitted_tax_number: string | null;
}

/** The pending profiles of these orgs, oldest first, with their deals: one statement. */
export async function pendingProfiles(db: Knex, orgIds: string[]): Promise<PendingRow[]> {
  if (!orgIds.length) return [];
  const { rows } = await db.raw<{ rows: PendingRow[] }>(
    `select p.id, p.org_id, p.legal_name, p.country, p.contacts, p.date_created,
            count(d.id)::int as deals,
            coalesce(bool_or(d.submitted_from_form), false) as from_order_form,
            max(t.submission::jsonb -> 'prospect' ->> 'tax_number') as submitted_tax_number
       from customer_org_profiles p
       left join deals d on d.customer_profile_id = p.id
       left join order_form_tokens t on t.deal_id = d.id
      where p.status = 'pending_review' and p.org_id = any(?::uuid[])
      group by p.id
      order by p.date_created nulls first, p.id
      limit 500`,
    [orgIds],
  );
  return rows;
}

export async function lockProfiles(
  trx: Knex,
  ids: string[],
): Promise<Array<{ id: string; org_id: string; status: string; legal_name: string }>> {
  return trx('customer_org_profiles').whereIn('id', ids).orderBy('id').forUpdate().select('id', 'org_id', 'status', 'legal_name');
}

export async function loadProfileRow(
  db: Knex,
  id: string,
): Promise<{ id: string; org_id: string; status: string; legal_name: string } | undefined> {
  return db('customer_org_profiles').where('id', id).first('id', 'org_id', 'status', 'legal_name');
}

export async function dealsOfProfiles(
  trx: Knex,
  profileIds: string[],
): Promise<Array<{ id: string; customer_profile_id: string; status: string }>> {
  return trx('deals').whereIn('customer_profile_id', profileIds).orderBy('id').select('id', 'customer_profile_id', 'status');
}
