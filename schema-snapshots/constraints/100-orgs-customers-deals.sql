-- Orgs, grants, customers, deals, approvals, audit. What Directus' snapshot cannot express, enforced by PostgreSQL for every route (REST, GraphQL,
-- flows, imports, raw SQL). Applied after the snapshot on every start, in one transaction, so it
-- must stay re-runnable: CREATE ... IF NOT EXISTS, CREATE OR REPLACE, DROP ... IF EXISTS + ADD.
--
-- Errors raised here carry SQLSTATE 23514 (check_violation) or P0001 and a message that starts with
-- a stable CRM code ("CRM_CROSS_ORG_REFERENCE: ..."). The bundle's `database.error` hook turns
-- those into a 400 with that code; the hooks normally catch the same problems earlier with a
-- friendlier message, and these are the backstop.

-- ---------------------------------------------------------------------------------------------
-- orgs
alter table orgs drop constraint if exists orgs_code_format;
alter table orgs add constraint orgs_code_format check (code ~ '^[A-Z]{3}$');
alter table orgs drop constraint if exists orgs_base_currency_check;
alter table orgs add constraint orgs_base_currency_check check (base_currency in ('TRY', 'USD', 'EUR'));

-- ---------------------------------------------------------------------------------------------
-- org_grants: at most one grant per user and org; the role is one of the org roles.
create unique index if not exists org_grants_user_org_unique on org_grants (user_id, org_id);
create index if not exists org_grants_org_user on org_grants (org_id, user_id, role);
alter table org_grants drop constraint if exists org_grants_role_check;
alter table org_grants add constraint org_grants_role_check
  check (role in ('sales_owner', 'sales_manager', 'pricing_manager', 'finance', 'crm_admin', 'costing'));

-- ---------------------------------------------------------------------------------------------
-- customers / customer_org_profiles
alter table customers drop constraint if exists customers_country_format;
alter table customers add constraint customers_country_format check (country is null or country ~ '^[A-Z]{2}$');
-- What an org knows of a customer (its legal name, its country) is on the org's profile; the
-- identity's name and country are the CRM admin's (docs/access-model.md, "Customer identity").
alter table customer_org_profiles drop constraint if exists customer_org_profiles_country_format;
alter table customer_org_profiles add constraint customer_org_profiles_country_format check (country is null or country ~ '^[A-Z]{2}$');
alter table customer_org_profiles drop constraint if exists customer_org_profiles_legal_name_check;
alter table customer_org_profiles add constraint customer_org_profiles_legal_name_check check (char_length(btrim(legal_name)) >= 2);
create unique index if not exists customer_org_profiles_customer_org_unique on customer_org_profiles (customer_id, org_id);
create index if not exists customer_org_profiles_org_status on customer_org_profiles (org_id, status);
alter table customer_org_profiles drop constraint if exists customer_org_profiles_status_check;
alter table customer_org_profiles add constraint customer_org_profiles_status_check
  check (status in ('active', 'inactive', 'pending_review'));
alter table customer_org_profiles drop constraint if exists customer_org_profiles_payment_mode_check;
alter table customer_org_profiles add constraint customer_org_profiles_payment_mode_check
  check (payment_mode in ('cash', 'credit'));
alter table customer_org_profiles drop constraint if exists customer_org_profiles_grace_days_check;
alter table customer_org_profiles add constraint customer_org_profiles_grace_days_check check (grace_days >= 0);

-- A profile never moves to another org: deals and lines hang off it. It moves to another customer
-- only inside the CRM admin's merge of two identities (POST /crm/customers/:id/merge sets
-- crm.customer_merge for its own transaction).
create or replace function crm_customer_org_profiles_guard() returns trigger language plpgsql as $$
begin
  if new.org_id is distinct from old.org_id
     or (new.customer_id is distinct from old.customer_id and coalesce(current_setting('crm.customer_merge', true), '') <> 'on') then
    raise exception using errcode = '23514',
      message = 'CRM_IMMUTABLE_FIELD: a customer profile''s customer_id and org_id never change';
  end if;
  return new;
end $$;
drop trigger if exists customer_org_profiles_guard on customer_org_profiles;
-- Not crm_guard_immutable: the merge's exception makes this a rule of its own.
create trigger customer_org_profiles_guard before update on customer_org_profiles
  for each row execute function crm_customer_org_profiles_guard();

-- ---------------------------------------------------------------------------------------------
-- deals: the code is {ORG3}DL{CODE8} of the deal's own org; org_id and code never change; the
-- customer profile belongs to the deal's org.
create index if not exists deals_org_status on deals (org_id, status);
alter table deals drop constraint if exists deals_status_check;
alter table deals add constraint deals_status_check check (status in ('draft', 'submitted', 'won', 'lost', 'cancelled'));
alter table deals drop constraint if exists deals_currency_check;
alter table deals add constraint deals_currency_check check (currency in ('TRY', 'USD', 'EUR'));
alter table deals drop constraint if exists deals_code_format;
alter table deals add constraint deals_code_format check (code ~ '^[A-Z]{3}DL[0-9A-HJKMNP-TV-Z]{8}$');

-- The code: NOT NULL is enforced here rather than on the column, so that Directus' GraphQL create
-- input does not demand a code the server assigns (rules hook).
drop trigger if exists deals_guard on deals;
drop function if exists crm_deals_guard();
drop trigger if exists deals_guard_1_org on deals;
create trigger deals_guard_1_org before update on deals for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: a deal''s org_id never changes after creation', 'org_id');
drop trigger if exists deals_guard_2_code on deals;
create trigger deals_guard_2_code before update on deals for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: a deal''s code never changes after creation', 'code');
drop trigger if exists deals_guard_3_code_of_org on deals;
create trigger deals_guard_3_code_of_org before insert or update on deals for each row
  execute function crm_guard_code_of_org('CRM_CODE_ORG_MISMATCH: a deal code starts with its own org''s code', '',
                                         'CRM_CODE_REQUIRED: a deal code is assigned by the server on creation');
drop trigger if exists deals_guard_4_customer_profile on deals;
create trigger deals_guard_4_customer_profile before insert or update on deals for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: customer_profile_id must be a profile in the deal''s org',
                                     'customer_profile_id', 'customer_org_profiles', 'org_id');

-- ---------------------------------------------------------------------------------------------
-- deal_lines: always in the deal's org (org_id is copied from the deal, never chosen).
create index if not exists deal_lines_deal on deal_lines (deal_id, line_no);
alter table deal_lines drop constraint if exists deal_lines_meters_positive;
alter table deal_lines add constraint deal_lines_meters_positive check (meters > 0);
alter table deal_lines drop constraint if exists deal_lines_currency_check;
alter table deal_lines add constraint deal_lines_currency_check check (currency in ('TRY', 'USD', 'EUR'));
alter table deal_lines drop constraint if exists deal_lines_discount_range;
alter table deal_lines add constraint deal_lines_discount_range check (discount_pct is null or (discount_pct >= 0 and discount_pct < 100));
alter table deal_lines drop constraint if exists deal_lines_pricing_status_check;
alter table deal_lines add constraint deal_lines_pricing_status_check
  check (pricing_status in ('draft', 'pending_approval', 'approved', 'rejected'));

drop trigger if exists deal_lines_guard on deal_lines;
drop function if exists crm_deal_lines_guard();
drop trigger if exists deal_lines_guard_1_deal on deal_lines;
create trigger deal_lines_guard_1_deal before update on deal_lines for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: a deal line never moves to another deal', 'deal_id');
drop trigger if exists deal_lines_guard_2_org on deal_lines;
create trigger deal_lines_guard_2_org before insert or update on deal_lines for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a deal line''s org_id is its deal''s org_id', 'deal_id', 'deals', 'org_id', 'copy');

-- ---------------------------------------------------------------------------------------------
-- approval_requests: in the deal's org; a line, when given, belongs to that deal.
create index if not exists approval_requests_org_status on approval_requests (org_id, status, kind);
alter table approval_requests drop constraint if exists approval_requests_kind_check;
alter table approval_requests add constraint approval_requests_kind_check
  check (kind in ('discount', 'currency_exception', 'stale_price', 'shipment', 'payment_confirmation', 'credit_override'));
alter table approval_requests drop constraint if exists approval_requests_status_check;
alter table approval_requests add constraint approval_requests_status_check check (status in ('pending', 'approved', 'rejected'));
alter table approval_requests drop constraint if exists approval_requests_decision_complete;
alter table approval_requests add constraint approval_requests_decision_complete
  check (status = 'pending' or (decided_by is not null and decided_at is not null));

drop trigger if exists approval_requests_guard on approval_requests;
drop function if exists crm_approval_requests_guard();
drop trigger if exists approval_requests_guard_1_subject on approval_requests;
create trigger approval_requests_guard_1_subject before update on approval_requests for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: an approval request''s subject never changes', 'deal_id', 'deal_line_id', 'kind', 'org_id');
drop trigger if exists approval_requests_guard_2_decided on approval_requests;
create trigger approval_requests_guard_2_decided before update on approval_requests for each row when (old.status <> 'pending')
  execute function crm_guard_refuse('CRM_APPROVAL_DECIDED: a decided approval request is final');
drop trigger if exists approval_requests_guard_3_org on approval_requests;
create trigger approval_requests_guard_3_org before insert or update on approval_requests for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: an approval request''s org_id is its deal''s org_id', 'deal_id', 'deals', 'org_id', 'copy');
drop trigger if exists approval_requests_guard_4_line on approval_requests;
create trigger approval_requests_guard_4_line before insert or update on approval_requests for each row when (new.deal_line_id is not null)
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: deal_line_id must be a line of deal_id', 'deal_line_id', 'deal_lines', 'deal_id');

-- ---------------------------------------------------------------------------------------------
-- audit_log: append-only. Not even the admin API may rewrite history.
create index if not exists audit_log_entity on audit_log (entity_collection, entity_id, occurred_at);
drop trigger if exists audit_log_append_only on audit_log;
create trigger audit_log_append_only before update or delete on audit_log for each row
  execute function crm_guard_refuse('CRM_AUDIT_APPEND_ONLY: audit entries are never changed or deleted');
drop function if exists crm_audit_log_append_only();
