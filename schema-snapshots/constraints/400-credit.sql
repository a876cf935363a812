-- Credit, exposure and the payments ledger (stories 2, 13, 15, 18, 27-30, 60; docs/credit.md).
-- Ledgers are append-only: a correction is a reversal entry, never an edit or a delete. Every row
-- belongs to the org of its customer profile (copied, never chosen). Re-runnable.

-- ---------------------------------------------------------------------------------------------
-- credit_limits: append-only history; the newest row per profile × currency is the limit.
alter table credit_limits drop constraint if exists credit_limits_currency_check;
alter table credit_limits add constraint credit_limits_currency_check check (currency in ('TRY', 'USD', 'EUR'));
alter table credit_limits drop constraint if exists credit_limits_amount_check;
alter table credit_limits add constraint credit_limits_amount_check check (amount >= 0);
alter table credit_limits drop constraint if exists credit_limits_source_check;
alter table credit_limits add constraint credit_limits_source_check
  check ((source = 'finance' and credit_request_id is null) or (source = 'credit_request' and credit_request_id is not null));
create index if not exists credit_limits_profile_currency on credit_limits (customer_profile_id, currency, set_at desc, id desc);
drop trigger if exists credit_limits_guard_1_append_only on credit_limits;
create trigger credit_limits_guard_1_append_only before update or delete on credit_limits for each row
  execute function crm_guard_refuse('CRM_CREDIT_LEDGER_APPEND_ONLY: a credit limit is never changed or deleted; set a new one');
drop trigger if exists credit_limits_guard_2_org on credit_limits;
create trigger credit_limits_guard_2_org before insert on credit_limits for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a credit limit belongs to its customer profile''s org', 'customer_profile_id', 'customer_org_profiles', 'org_id', 'copy');

-- ---------------------------------------------------------------------------------------------
-- credit_requests: pending until decided once; a decided request never changes again.
alter table credit_requests drop constraint if exists credit_requests_currency_check;
alter table credit_requests add constraint credit_requests_currency_check check (currency in ('TRY', 'USD', 'EUR'));
alter table credit_requests drop constraint if exists credit_requests_amount_check;
alter table credit_requests add constraint credit_requests_amount_check check (requested_amount >= 0);
alter table credit_requests drop constraint if exists credit_requests_status_check;
alter table credit_requests add constraint credit_requests_status_check check (status in ('pending', 'approved', 'rejected'));
alter table credit_requests drop constraint if exists credit_requests_decided_check;
alter table credit_requests add constraint credit_requests_decided_check
  check (status = 'pending' or (decided_at is not null and decision_note is not null));
create index if not exists credit_requests_org_status on credit_requests (org_id, status, requested_at);
drop trigger if exists credit_requests_guard_1_decided on credit_requests;
create trigger credit_requests_guard_1_decided before update or delete on credit_requests for each row when (old.status <> 'pending')
  execute function crm_guard_refuse('CRM_CREDIT_REQUEST_DECIDED: a decided credit request never changes');
drop trigger if exists credit_requests_guard_2_subject on credit_requests;
create trigger credit_requests_guard_2_subject before update on credit_requests for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: a credit request''s subject never changes',
    'org_id', 'customer_profile_id', 'currency', 'requested_amount', 'current_amount', 'reason', 'requested_by', 'requested_at');
drop trigger if exists credit_requests_guard_3_org on credit_requests;
create trigger credit_requests_guard_3_org before insert on credit_requests for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a credit request belongs to its customer profile''s org', 'customer_profile_id', 'customer_org_profiles', 'org_id', 'copy');

-- ---------------------------------------------------------------------------------------------
-- credit_blocks: one per deal (unique deal_id in the snapshot); blocked → overridden, once.
alter table credit_blocks drop constraint if exists credit_blocks_status_check;
alter table credit_blocks add constraint credit_blocks_status_check check (status in ('blocked', 'overridden'));
alter table credit_blocks drop constraint if exists credit_blocks_override_check;
alter table credit_blocks add constraint credit_blocks_override_check
  check (status = 'blocked' or (overridden_at is not null and override_note is not null));
create index if not exists credit_blocks_org_status on credit_blocks (org_id, status);
drop trigger if exists credit_blocks_guard_1_final on credit_blocks;
create trigger credit_blocks_guard_1_final before update or delete on credit_blocks for each row when (old.status <> 'blocked')
  execute function crm_guard_refuse('CRM_CREDIT_BLOCK_FINAL: an overridden credit block never changes');
drop trigger if exists credit_blocks_guard_2_subject on credit_blocks;
create trigger credit_blocks_guard_2_subject before update on credit_blocks for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: a credit block''s subject never changes',
    'org_id', 'deal_id', 'customer_profile_id', 'reasons', 'blocked_at', 'blocked_by');
drop trigger if exists credit_blocks_guard_3_org on credit_blocks;
create trigger credit_blocks_guard_3_org before insert on credit_blocks for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a credit block belongs to its deal''s org', 'deal_id', 'deals', 'org_id', 'copy');

-- ---------------------------------------------------------------------------------------------
-- receivables: append-only; a reversal entry (negative, reverses_id unique) undoes one.
alter table receivables drop constraint if exists receivables_currency_check;
alter table receivables add constraint receivables_currency_check check (currency in ('TRY', 'USD', 'EUR'));
alter table receivables drop constraint if exists receivables_kind_check;
alter table receivables add constraint receivables_kind_check check (kind in ('opening_balance', 'invoice', 'proforma', 'reversal'));
alter table receivables drop constraint if exists receivables_amount_sign;
alter table receivables add constraint receivables_amount_sign
  check ((kind = 'reversal' and amount < 0 and reverses_id is not null) or (kind <> 'reversal' and amount > 0 and reverses_id is null));
-- deal_id is indexed in the snapshot.
create index if not exists receivables_profile_currency on receivables (customer_profile_id, currency, due_date, created_at);
drop trigger if exists receivables_guard_1_append_only on receivables;
create trigger receivables_guard_1_append_only before update or delete on receivables for each row
  execute function crm_guard_refuse('CRM_CREDIT_LEDGER_APPEND_ONLY: a receivable is never changed or deleted; record a reversal entry');
drop trigger if exists receivables_guard_2_org on receivables;
create trigger receivables_guard_2_org before insert on receivables for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a receivable belongs to its customer profile''s org', 'customer_profile_id', 'customer_org_profiles', 'org_id', 'copy');
drop trigger if exists receivables_guard_3_deal on receivables;
create trigger receivables_guard_3_deal before insert on receivables for each row when (new.deal_id is not null)
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a receivable''s deal is in its org', 'deal_id', 'deals', 'org_id');

-- ---------------------------------------------------------------------------------------------
-- payments: append-only; reference unique per org among payments (the reversal entry repeats it).
alter table payments drop constraint if exists payments_currency_check;
alter table payments add constraint payments_currency_check check (currency in ('TRY', 'USD', 'EUR'));
alter table payments drop constraint if exists payments_kind_check;
alter table payments add constraint payments_kind_check check (kind in ('payment', 'reversal'));
alter table payments drop constraint if exists payments_method_check;
alter table payments add constraint payments_method_check check (method in ('bank_transfer', 'cash', 'cheque', 'card', 'other'));
alter table payments drop constraint if exists payments_amount_sign;
alter table payments add constraint payments_amount_sign
  check ((kind = 'reversal' and amount < 0 and reverses_id is not null) or (kind = 'payment' and amount > 0 and reverses_id is null));
create unique index if not exists payments_org_reference on payments (org_id, reference) where kind = 'payment';
create index if not exists payments_profile_currency on payments (customer_profile_id, currency, value_date, recorded_at);
create index if not exists payments_org_value_date on payments (org_id, value_date desc, recorded_at desc);
drop trigger if exists payments_guard_1_append_only on payments;
create trigger payments_guard_1_append_only before update or delete on payments for each row
  execute function crm_guard_refuse('CRM_CREDIT_LEDGER_APPEND_ONLY: a payment is never changed or deleted; record a reversal entry');
drop trigger if exists payments_guard_2_org on payments;
create trigger payments_guard_2_org before insert on payments for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a payment belongs to its customer profile''s org', 'customer_profile_id', 'customer_org_profiles', 'org_id', 'copy');
drop trigger if exists payments_guard_3_po on payments;
create trigger payments_guard_3_po before insert on payments for each row when (new.po_id is not null)
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a payment''s purchase order is in its org', 'po_id', 'purchase_orders', 'org_id');

-- ---------------------------------------------------------------------------------------------
-- payment_allocations: append-only; a payment's reversal adds the negative of its allocations.
alter table payment_allocations drop constraint if exists payment_allocations_amount_check;
alter table payment_allocations add constraint payment_allocations_amount_check check (amount <> 0);
-- payment_id and receivable_id are indexed in the snapshot (single-column indexes live there).
create index if not exists payment_allocations_profile_currency on payment_allocations (customer_profile_id, currency);
drop trigger if exists payment_allocations_guard_1_append_only on payment_allocations;
create trigger payment_allocations_guard_1_append_only before update or delete on payment_allocations for each row
  execute function crm_guard_refuse('CRM_CREDIT_LEDGER_APPEND_ONLY: an allocation is never changed or deleted');
drop trigger if exists payment_allocations_guard_2_payment on payment_allocations;
create trigger payment_allocations_guard_2_payment before insert on payment_allocations for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: an allocation belongs to its payment''s org', 'payment_id', 'payments', 'org_id', 'copy');
drop trigger if exists payment_allocations_guard_3_receivable on payment_allocations;
create trigger payment_allocations_guard_3_receivable before insert on payment_allocations for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: an allocation settles a receivable of its org', 'receivable_id', 'receivables', 'org_id');

-- ---------------------------------------------------------------------------------------------
-- payment_imports (stories 13, 39): bulk payment imports on the shared pipeline (docs/imports.md),
-- the same record columns as pricing_imports; written only by /crm/payments/imports.
alter table payment_imports drop constraint if exists payment_imports_status_check;
alter table payment_imports add constraint payment_imports_status_check check (status in ('validating', 'dry_run', 'applied', 'failed'));
alter table payment_imports drop constraint if exists payment_imports_applied_check;
alter table payment_imports add constraint payment_imports_applied_check check ((status = 'applied') = (applied_at is not null));
create index if not exists payment_imports_created on payment_imports (created_by, created_at desc);
