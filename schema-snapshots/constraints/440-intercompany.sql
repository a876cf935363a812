-- Cross-ownership (stories 73, 74; docs/shipment-approval.md#cross-ownership-jtr--mod).

-- ---------------------------------------------------------------------------------------------
-- intercompany_customers: the sister org as a customer of an org, once per pair; its profile is
-- a profile of the selling org.
create unique index if not exists intercompany_customers_pair_unique on intercompany_customers (org_id, buyer_org_id);
alter table intercompany_customers drop constraint if exists intercompany_customers_other_org;
alter table intercompany_customers add constraint intercompany_customers_other_org check (org_id <> buyer_org_id);
drop trigger if exists intercompany_customers_guard_1_profile on intercompany_customers;
create trigger intercompany_customers_guard_1_profile before insert or update on intercompany_customers for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: the intercompany customer is a profile of the selling org', 'customer_profile_id', 'customer_org_profiles', 'org_id');

-- ---------------------------------------------------------------------------------------------
-- intercompany_transfers: one per released purchase order that ships the other org's stock
-- (unique source_po_id, deal_id, po_id: single-column uniques live in the snapshot); the internal
-- deal and order are the owner's; the source PO is the buyer's. Never changed or deleted.
alter table intercompany_transfers drop constraint if exists intercompany_transfers_other_org;
alter table intercompany_transfers add constraint intercompany_transfers_other_org check (org_id <> buyer_org_id);
drop trigger if exists intercompany_transfers_guard_1_append_only on intercompany_transfers;
create trigger intercompany_transfers_guard_1_append_only before update or delete on intercompany_transfers for each row
  execute function crm_guard_refuse('CRM_INTERCOMPANY_APPEND_ONLY: an intercompany transfer is never changed or deleted');
drop trigger if exists intercompany_transfers_guard_2_deal on intercompany_transfers;
create trigger intercompany_transfers_guard_2_deal before insert on intercompany_transfers for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: the internal deal belongs to the stock owner org', 'deal_id', 'deals', 'org_id');
drop trigger if exists intercompany_transfers_guard_3_po on intercompany_transfers;
create trigger intercompany_transfers_guard_3_po before insert on intercompany_transfers for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: the internal order belongs to the stock owner org', 'po_id', 'purchase_orders', 'org_id');
-- The source PO is the buyer's (buyer_org_id): the shipment approval writes both from the locked PO.
