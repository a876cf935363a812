-- WMS → CRM ingestion (stories 11, 16, 46-50, 68-70, 77-79, 81-83): the event ledger, sequence high-water marks and
-- the mirrors the WMS pipeline writes. Re-runnable (see 100-orgs-customers-deals.sql for the
-- conventions). The pipeline writes with set-based SQL (extensions/crm/src/modules/wms-inbound/
-- repository.ts); these rules hold for every route, raw SQL included.

-- ---------------------------------------------------------------------------------------------
-- inbound_events: an idempotency key is claimed by at most one applied/stale row. Rejected attempts
-- stay in the ledger for the record but do not claim the key (contract D-RESULTS: the sender fixes
-- the event and re-sends it under the same key), hence the partial unique index. The ingestion path
-- relies on its exact predicate (ON CONFLICT ... WHERE status <> 'rejected'). Rows are written once,
-- with their final status, in the statement that applies the event.
-- (Indexes here are partial or span several columns: Directus' schema diff reads a plain
-- single-column index as a field property and would try to drop it on the next start.)
create unique index if not exists inbound_events_claimed_key on inbound_events (idempotency_key) where status <> 'rejected';
alter table inbound_events drop constraint if exists inbound_events_status_check;
alter table inbound_events add constraint inbound_events_status_check
  check (status in ('applied', 'stale', 'rejected'));
alter table inbound_events drop constraint if exists inbound_events_error_iff_rejected;
alter table inbound_events add constraint inbound_events_error_iff_rejected
  check ((status = 'rejected') = (error is not null));

-- The ingestion's write statement decides from a read taken just before it; it checks the
-- assumptions it made with this function and aborts as a whole when one no longer holds. 40001
-- (serialization_failure) tells the caller to decide again from a fresh read, as for any other
-- serialization failure.
create or replace function crm_wms_expect(holds boolean, what text) returns boolean language plpgsql as $$
begin
  if holds is not true then
    raise exception using errcode = '40001', message = 'CRM_WMS_CONCURRENT_CHANGE: ' || what;
  end if;
  return true;
end $$;

-- Everything one delivery's decision depends on, read in one call (extensions/crm/src/modules/
-- wms-inbound/repository.ts, readDeliveryState): the stored delivery of the webhook-id, earlier
-- claims of the event keys, the sequence marks of their scopes, and the deals, deal lines and
-- purchase orders they name. Each lookup is an index probe; the function exists to keep it so
-- while saving the planning on every delivery:
--  - plan_cache_mode = force_generic_plan: the plan is made once per connection and reused. Left
--    to itself PostgreSQL re-plans a statement whose literal arrays make a fresh plan look
--    cheaper, which cost more than running it (measured);
--  - enable_seqscan = off: a cached plan made while these tables were nearly empty would otherwise
--    scan them whole, and keep doing so as they grow until the next ANALYZE (measured: 15 ms per
--    delivery on a new system under load). Every lookup here has its unique or primary-key index.
-- The settings apply inside this function only.
create or replace function crm_wms_read_state(p_webhook_id text, p_keys text[], p_scope_keys text[], p_deal_codes text[],
                                              p_line_ids uuid[], p_po_numbers text[])
returns table (delivery json, claims json, marks json, deals json, lines json, pos json)
language plpgsql stable
set plan_cache_mode = force_generic_plan
set enable_seqscan = off
as $$
begin
  return query select
    (select json_build_object('body_sha256', b.body_sha256, 'response', b.response)
       from wms_inbound_batches b where b.webhook_id = p_webhook_id),
    (select coalesce(json_agg(json_build_object('key', e.idempotency_key, 'fingerprint', e.fingerprint)), '[]'::json)
       from inbound_events e where e.idempotency_key = any(p_keys) and e.status <> 'rejected'),
    (select coalesce(json_agg(json_build_object('scope_key', m.scope_key, 'sequence', m.last_sequence)), '[]'::json)
       from wms_sequence_marks m where m.scope_key = any(p_scope_keys)),
    (select coalesce(json_agg(json_build_object('id', d.id, 'code', d.code, 'org_id', d.org_id)), '[]'::json)
       from deals d where d.code = any(p_deal_codes)),
    (select coalesce(json_agg(json_build_object('id', l.id, 'deal_id', l.deal_id, 'org_id', l.org_id)), '[]'::json)
       from deal_lines l where l.id = any(p_line_ids)),
    (select coalesce(json_agg(json_build_object('id', po.id, 'code', po.code, 'org_id', po.org_id, 'deal_id', po.deal_id,
                                                'released', po.released_at is not null)), '[]'::json)
       from purchase_orders po where po.code = any(p_po_numbers));
end $$;

-- wms_sequence_marks: 0 means "nothing applied yet" (sequences start at 1).
alter table wms_sequence_marks drop constraint if exists wms_sequence_marks_non_negative;
alter table wms_sequence_marks add constraint wms_sequence_marks_non_negative check (last_sequence >= 0);

-- ---------------------------------------------------------------------------------------------
-- stock_by_quality_cache: one row per owner org + quality + warehouse (story 81 scope keys).
create unique index if not exists stock_by_quality_cache_scope on stock_by_quality_cache (org_id, quality_code, warehouse_code);
alter table stock_by_quality_cache drop constraint if exists stock_by_quality_cache_figures;
alter table stock_by_quality_cache add constraint stock_by_quality_cache_figures check (
  on_hand_meters >= 0 and reserved_meters >= 0 and available_meters >= 0
  and available_meters + reserved_meters <= on_hand_meters
  and roll_count >= 0 and lot_count >= 0 and lot_count <= roll_count
);

-- ---------------------------------------------------------------------------------------------
-- Mirrors that point at CRM rows: the deal is in the mirror's org, the line is a line of the deal,
-- and the purchase order (po_id) is the released PO of that PO number, in the mirror's org and of
-- the mirror's deal. The pipeline resolves references before writing; this is the backstop for
-- every other route. Only released POs are linked: a draft may still be deleted, and the WMS never
-- heard of it.
create or replace function crm_wms_mirror_refs_guard() returns trigger language plpgsql as $$
declare
  deal_org uuid;
  line_deal uuid;
  po purchase_orders%rowtype;
  new_row jsonb := to_jsonb(new);
begin
  if new_row ? 'deal_id' and new_row ->> 'deal_id' is not null then
    select org_id into deal_org from deals where id = (new_row ->> 'deal_id')::uuid;
    if deal_org is distinct from new.org_id then
      raise exception using errcode = '23514',
        message = format('CRM_CROSS_ORG_REFERENCE: %s.deal_id must be a deal of the row''s org', tg_table_name);
    end if;
  end if;
  if new_row ? 'deal_line_id' and new_row ->> 'deal_line_id' is not null then
    select deal_id into line_deal from deal_lines where id = (new_row ->> 'deal_line_id')::uuid;
    if line_deal is null or line_deal is distinct from (new_row ->> 'deal_id')::uuid then
      raise exception using errcode = '23514',
        message = format('CRM_CROSS_ORG_REFERENCE: %s.deal_line_id must be a line of deal_id', tg_table_name);
    end if;
  end if;
  if new_row ? 'po_id' and new_row ->> 'po_id' is not null then
    select * into po from purchase_orders where id = (new_row ->> 'po_id')::uuid;
    if po.id is null or po.org_id is distinct from new.org_id or po.code is distinct from new_row ->> 'po_number'
        or po.released_at is null
        or (new_row ->> 'deal_id' is not null and po.deal_id is distinct from (new_row ->> 'deal_id')::uuid) then
      raise exception using errcode = '23514',
        message = format('CRM_CROSS_ORG_REFERENCE: %s.po_id must be the released purchase order of po_number, in the row''s org and deal', tg_table_name);
    end if;
  end if;
  return new;
end $$;

drop trigger if exists reservation_mirrors_refs on reservation_mirrors;
create trigger reservation_mirrors_refs before insert or update on reservation_mirrors
  for each row execute function crm_wms_mirror_refs_guard();
drop trigger if exists order_mirrors_refs on order_mirrors;
create trigger order_mirrors_refs before insert or update on order_mirrors
  for each row execute function crm_wms_mirror_refs_guard();
drop trigger if exists abra_check_lines_refs on abra_check_lines;
create trigger abra_check_lines_refs before insert or update on abra_check_lines
  for each row execute function crm_wms_mirror_refs_guard();
drop trigger if exists shortage_send_backs_refs on shortage_send_backs;
create trigger shortage_send_backs_refs before insert or update on shortage_send_backs
  for each row execute function crm_wms_mirror_refs_guard();
-- Gate overrides are append-only (below): checked once, when recorded.
drop trigger if exists shipment_gate_overrides_refs on shipment_gate_overrides;
create trigger shipment_gate_overrides_refs before insert on shipment_gate_overrides
  for each row execute function crm_wms_mirror_refs_guard();

-- po_id lookups (a PO's orders, reservations, overrides; the foreign key check when a draft PO is
-- deleted). Two columns: a single-column index would read as a field property to Directus.
create index if not exists order_mirrors_po on order_mirrors (po_id, org_id);
create index if not exists reservation_mirrors_po on reservation_mirrors (po_id, org_id);
create index if not exists shipment_gate_overrides_po on shipment_gate_overrides (po_id, org_id);

-- ---------------------------------------------------------------------------------------------
-- reservation_mirrors
create index if not exists reservation_mirrors_org_deal on reservation_mirrors (org_id, deal_id);
alter table reservation_mirrors drop constraint if exists reservation_mirrors_status_check;
alter table reservation_mirrors add constraint reservation_mirrors_status_check check (
  (status = 'active' and released_at is null)
  or (status = 'released' and released_at is not null and release_reason in ('shipped', 'cancelled', 'expired', 'manual'))
);
alter table reservation_mirrors drop constraint if exists reservation_mirrors_owner_org_format;
alter table reservation_mirrors add constraint reservation_mirrors_owner_org_format check (owner_org_code ~ '^[A-Z]{3}$');

-- order_mirrors
create index if not exists order_mirrors_org_deal on order_mirrors (org_id, deal_id);
alter table order_mirrors drop constraint if exists order_mirrors_status_check;
alter table order_mirrors add constraint order_mirrors_status_check
  check (status in ('picking', 'prepared', 'shipped', 'delivered', 'cancelled'));

-- abra_check_lines: story 49 fields; available_qty exactly when something was found (D-CHECK-EVENTS).
create index if not exists abra_check_lines_org_deal on abra_check_lines (org_id, deal_id);
alter table abra_check_lines drop constraint if exists abra_check_lines_result_check;
alter table abra_check_lines add constraint abra_check_lines_result_check check (
  (result in ('found', 'partial') and available_qty is not null)
  or (result = 'not_found' and available_qty is null)
);
alter table abra_check_lines drop constraint if exists abra_check_lines_next_step_check;
alter table abra_check_lines add constraint abra_check_lines_next_step_check check (proposed_next_step in
  ('transfer_from_central', 'ship_available', 'wait_for_supply', 'request_supply', 'substitute_quality', 'cancel_line'));

-- shortage_send_backs
create index if not exists shortage_send_backs_org_deal on shortage_send_backs (org_id, deal_id);
alter table shortage_send_backs drop constraint if exists shortage_send_backs_kind_check;
alter table shortage_send_backs add constraint shortage_send_backs_kind_check check (kind in ('no_on_hand', 'shortage'));

-- shipment_gate_overrides: an audit fact, never rewritten (story 38).
create index if not exists shipment_gate_overrides_org_po on shipment_gate_overrides (org_id, po_number);
drop trigger if exists shipment_gate_overrides_append_only on shipment_gate_overrides;
create trigger shipment_gate_overrides_append_only before update or delete on shipment_gate_overrides for each row
  execute function crm_guard_refuse('CRM_AUDIT_APPEND_ONLY: recorded gate overrides are never changed or deleted');
drop function if exists crm_shipment_gate_overrides_append_only();

-- ---------------------------------------------------------------------------------------------
-- supply_mirrors: one row per supply item (supply_id is unique in the snapshot), in the owner org
-- (stories 11, 68, 70). The contract's rules, kept for every route.
-- /supply-tracking reads each org's rows in ETA order from these (supply/repository.ts#supplyPage):
-- every row (state "all"), and the open ones (the predicate is supplyPage's "open", word for word;
-- its count is an index-only scan). They replace supply_mirrors_org_eta (org_id, eta_date), their prefix.
create index if not exists supply_mirrors_org_eta_ref on supply_mirrors (org_id, eta_date, supply_id);
create index if not exists supply_mirrors_open_eta on supply_mirrors (org_id, eta_date, supply_id)
  where soft_arrival_confirmed_at is null and milestone <> 'cancelled';
drop index if exists supply_mirrors_org_eta;
alter table supply_mirrors drop constraint if exists supply_mirrors_milestone_check;
alter table supply_mirrors add constraint supply_mirrors_milestone_check check (
  (supply_type = 'manufacturing' and milestone in ('ordered', 'in_production', 'production_completed', 'soft_arrival_confirmed', 'received', 'cancelled'))
  or (supply_type = 'import' and milestone in ('ordered', 'shipped_from_origin', 'at_port', 'customs_cleared', 'soft_arrival_confirmed', 'received', 'cancelled'))
);
alter table supply_mirrors drop constraint if exists supply_mirrors_soft_arrival_check;
alter table supply_mirrors add constraint supply_mirrors_soft_arrival_check
  check (milestone not in ('soft_arrival_confirmed', 'received') or soft_arrival_confirmed_at is not null);
alter table supply_mirrors drop constraint if exists supply_mirrors_sequence_check;
alter table supply_mirrors add constraint supply_mirrors_sequence_check check (sequence > 0);

-- wac_mirrors: one row per owner org + quality (the wac.changed scope keys), figures never negative.
create unique index if not exists wac_mirrors_scope on wac_mirrors (org_id, quality_code);
alter table wac_mirrors drop constraint if exists wac_mirrors_figures;
alter table wac_mirrors add constraint wac_mirrors_figures
  check (wac_try_per_meter >= 0 and valued_meters >= 0 and inventory_value_try >= 0);
alter table wac_mirrors drop constraint if exists wac_mirrors_cause_check;
alter table wac_mirrors add constraint wac_mirrors_cause_check
  check (cause in ('receipt', 'post_receipt_adjustment', 'stock_issue', 'recalculation'));
alter table wac_mirrors drop constraint if exists wac_mirrors_sequence_check;
alter table wac_mirrors add constraint wac_mirrors_sequence_check check (sequence > 0);

-- The Abra check history of a deal line (stories 46, 50; modules/fulfillment/stock-checks-repository.ts):
-- central_stock_check events looked up by the payload's deal_line_id.
create index if not exists inbound_events_stock_check_line on inbound_events (((event -> 'payload' ->> 'deal_line_id')))
  where event_type in ('central_stock_check.completed', 'central_stock_check.updated');
