-- Customer price agreements (story 39: "customer pricing"): the price an org agreed with one of
-- its customers for a quality and currency, valid from a day to a day (or open-ended). Written by
-- /crm/customer-price-agreements* and the customer-price import only (docs/pricing.md).
-- Re-runnable, like every constraints file; refusals start with a stable CRM code.

alter table customer_price_agreements drop constraint if exists customer_price_agreements_currency_check;
alter table customer_price_agreements add constraint customer_price_agreements_currency_check check (currency in ('TRY', 'USD', 'EUR'));
alter table customer_price_agreements drop constraint if exists customer_price_agreements_price_positive;
alter table customer_price_agreements add constraint customer_price_agreements_price_positive check (price > 0);
alter table customer_price_agreements drop constraint if exists customer_price_agreements_validity;
alter table customer_price_agreements add constraint customer_price_agreements_validity check (valid_to is null or valid_to >= valid_from);
create index if not exists customer_price_agreements_key
  on customer_price_agreements (org_id, customer_profile_id, quality_id, currency, valid_from);

-- What an agreement is about never changes (a different customer, quality or currency is another
-- agreement); its price, validity and note may.
drop trigger if exists customer_price_agreements_guard_1_subject on customer_price_agreements;
create trigger customer_price_agreements_guard_1_subject before update on customer_price_agreements for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: an agreement''s org, customer, quality and currency never change',
    'org_id', 'customer_profile_id', 'quality_id', 'currency');
-- The customer profile and the quality are the agreement's own org's.
drop trigger if exists customer_price_agreements_guard_2_profile_org on customer_price_agreements;
create trigger customer_price_agreements_guard_2_profile_org before insert or update on customer_price_agreements for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: an agreement''s customer profile is in its own org',
    'customer_profile_id', 'customer_org_profiles', 'org_id');
drop trigger if exists customer_price_agreements_guard_3_quality_org on customer_price_agreements;
create trigger customer_price_agreements_guard_3_quality_org before insert or update on customer_price_agreements for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: an agreement''s quality is in its own org',
    'quality_id', 'qualities', 'org_id');

-- No two agreements of one org × customer × quality × currency overlap in validity (days,
-- inclusive; an open end runs forever). An exclusion constraint would need btree_gist, which an
-- external PostgreSQL may not offer; this trigger serialises writers of one key with a
-- transaction-scoped advisory lock, so two concurrent writers cannot both pass the check.
create or replace function crm_customer_price_agreements_no_overlap() returns trigger language plpgsql as $$
declare
  clash record;
begin
  perform pg_advisory_xact_lock(hashtextextended(
    'customer_price_agreements|' || new.org_id || '|' || new.customer_profile_id || '|' || new.quality_id || '|' || new.currency, 0));
  select a.valid_from, a.valid_to into clash
    from customer_price_agreements a
   where a.org_id = new.org_id and a.customer_profile_id = new.customer_profile_id
     and a.quality_id = new.quality_id and a.currency = new.currency and a.id <> new.id
     and daterange(a.valid_from, a.valid_to, '[]') && daterange(new.valid_from, new.valid_to, '[]')
   limit 1;
  if found then
    raise exception using errcode = '23514', message = format(
      'CRM_AGREEMENT_OVERLAP: this customer already has an agreement for this quality and currency valid %s to %s',
      clash.valid_from, coalesce(clash.valid_to::text, 'open end'));
  end if;
  return new;
end $$;
drop trigger if exists customer_price_agreements_guard_4_no_overlap on customer_price_agreements;
create trigger customer_price_agreements_guard_4_no_overlap before insert or update on customer_price_agreements for each row
  execute function crm_customer_price_agreements_no_overlap();

-- customer_price_imports (story 39): bulk agreement imports, written only by /crm/pricing/customer-price-imports.
alter table customer_price_imports drop constraint if exists customer_price_imports_status_check;
alter table customer_price_imports add constraint customer_price_imports_status_check check (status in ('validating', 'dry_run', 'applied', 'failed'));
alter table customer_price_imports drop constraint if exists customer_price_imports_applied_check;
alter table customer_price_imports add constraint customer_price_imports_applied_check check ((status = 'applied') = (applied_at is not null));
create index if not exists customer_price_imports_created on customer_price_imports (created_by, created_at desc);

-- Deal-line pricing records which reference it used (docs/pricing.md, "Customer price agreements").
alter table price_snapshots drop constraint if exists price_snapshots_reference_check;
alter table price_snapshots add constraint price_snapshots_reference_check check (
  (price_reference = 'list_price' and customer_price_agreement_id is null and agreed_price is null)
  or (price_reference = 'customer_agreement' and customer_price_agreement_id is not null and agreed_price is not null));
