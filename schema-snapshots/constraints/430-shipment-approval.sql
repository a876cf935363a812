-- Payment confirmation per PO and the shipment approval screen (stories 31-38; docs/shipment-approval.md).

-- ---------------------------------------------------------------------------------------------
-- po_payment_confirmations: append-only; one row per ledger payment a Sales Manager counted for a
-- purchase order. Same org, same customer and currency as the payment; positive amounts; written
-- only by /crm/purchase-orders/:id/confirm-payment (item routes refuse it, hooks/rules).
alter table po_payment_confirmations drop constraint if exists po_payment_confirmations_currency_check;
alter table po_payment_confirmations add constraint po_payment_confirmations_currency_check check (currency in ('TRY', 'USD', 'EUR'));
alter table po_payment_confirmations drop constraint if exists po_payment_confirmations_amount_check;
alter table po_payment_confirmations add constraint po_payment_confirmations_amount_check check (amount > 0);
alter table po_payment_confirmations drop constraint if exists po_payment_confirmations_note_check;
alter table po_payment_confirmations add constraint po_payment_confirmations_note_check check (length(btrim(note)) > 0);
-- payment_id is indexed in the snapshot (single-column indexes live there).
create index if not exists po_payment_confirmations_po on po_payment_confirmations (po_id, currency);
create index if not exists po_payment_confirmations_profile on po_payment_confirmations (customer_profile_id, payment_id);
drop trigger if exists po_payment_confirmations_guard_1_append_only on po_payment_confirmations;
create trigger po_payment_confirmations_guard_1_append_only before update or delete on po_payment_confirmations for each row
  execute function crm_guard_refuse('CRM_PAYMENT_CONFIRMATION_APPEND_ONLY: a payment confirmation is never changed or deleted');
drop trigger if exists po_payment_confirmations_guard_2_po on po_payment_confirmations;
create trigger po_payment_confirmations_guard_2_po before insert on po_payment_confirmations for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a payment confirmation belongs to its purchase order''s org', 'po_id', 'purchase_orders', 'org_id', 'copy');
drop trigger if exists po_payment_confirmations_guard_3_payment on po_payment_confirmations;
create trigger po_payment_confirmations_guard_3_payment before insert on po_payment_confirmations for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a confirmed payment is a payment of the purchase order''s org', 'payment_id', 'payments', 'org_id');
drop trigger if exists po_payment_confirmations_guard_4_profile on po_payment_confirmations;
create trigger po_payment_confirmations_guard_4_profile before insert on po_payment_confirmations for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a confirmed payment is a payment of the purchase order''s customer', 'payment_id', 'payments', 'customer_profile_id');
drop trigger if exists po_payment_confirmations_guard_5_currency on po_payment_confirmations;
create trigger po_payment_confirmations_guard_5_currency before insert on po_payment_confirmations for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a confirmed amount is in its payment''s currency', 'payment_id', 'payments', 'currency');

-- The shipment approval screen pages the drafts of the Org Scope by ship date (story 35).
create index if not exists purchase_orders_awaiting on purchase_orders (org_id, ship_date, code) where status = 'draft';
