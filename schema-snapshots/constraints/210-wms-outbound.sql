-- Purchase orders and the WMS outbox (story 72). What Directus' snapshot cannot express, enforced by
-- PostgreSQL for every route. Re-runnable (see 100-orgs-customers-deals.sql for the conventions).
--
-- The outbox cannot be bypassed: a deal becomes won, and a PO released or cancelled, only in a
-- transaction that has already written the matching command to outbound_messages under the
-- contract's idempotency key. The CRM endpoints do exactly that; an item route, a flow or raw SQL
-- that tries to flip the status alone is refused here.

-- ---------------------------------------------------------------------------------------------
-- outbound_messages: one row per idempotency key; what was sent never changes, only its delivery
-- state does.
create unique index if not exists outbound_messages_idempotency_key_unique on outbound_messages (idempotency_key);
create index if not exists outbound_messages_org_status on outbound_messages (org_id, status, enqueued_at);
create index if not exists outbound_messages_entity on outbound_messages (entity_collection, entity_id);
alter table outbound_messages drop constraint if exists outbound_messages_status_check;
alter table outbound_messages add constraint outbound_messages_status_check
  check (status in ('pending', 'delivered', 'failed', 'dead'));
alter table outbound_messages drop constraint if exists outbound_messages_attempts_check;
alter table outbound_messages add constraint outbound_messages_attempts_check check (attempts >= 0);
alter table outbound_messages drop constraint if exists outbound_messages_key_format;
alter table outbound_messages add constraint outbound_messages_key_format
  check (idempotency_key ~ '^crm:[a-z][a-z0-9_]{0,31}:[A-Za-z0-9._-]{1,64}:[a-z][a-z0-9_]{0,31}:v[1-9][0-9]{0,3}$');
alter table outbound_messages drop constraint if exists outbound_messages_payload_key;
alter table outbound_messages add constraint outbound_messages_payload_key
  check ((payload::jsonb ->> 'idempotency_key') = idempotency_key and (payload::jsonb ->> 'event_type') = event_type);

drop trigger if exists outbound_messages_guard on outbound_messages;
create trigger outbound_messages_guard before update on outbound_messages for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: an outbound message''s key, type, org, subject and payload never change',
                                       'idempotency_key', 'event_type', 'org_id', 'payload', 'entity_collection', 'entity_id');
drop function if exists crm_outbound_messages_guard();

drop trigger if exists outbound_messages_keep on outbound_messages;
create trigger outbound_messages_keep before delete on outbound_messages for each row
  execute function crm_guard_refuse('CRM_OUTBOX_APPEND_ONLY: outbound messages are the record of what the WMS was told; they are never deleted');
drop function if exists crm_outbound_messages_keep();

-- ---------------------------------------------------------------------------------------------
-- deals: "won" is reached only together with its deal.won command, and is final (a deal is won
-- exactly once in contract 1.0.23).
create or replace function crm_deals_won_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    if new.status = 'won' then
      raise exception using errcode = '23514',
        message = 'CRM_WIN_THROUGH_ENDPOINT: a deal is created open and won through POST /crm/deals/:id/won';
    end if;
    return new;
  end if;
  if old.status = 'won' and new.status is distinct from 'won' then
    raise exception using errcode = '23514', message = 'CRM_DEAL_WON_FINAL: a won deal stays won';
  end if;
  -- An internal deal of cross-ownership (story 73) is won with its transfer: the WMS learns of it
  -- through the buyer's po.released (intercompany_po_number), not through a deal.won of its own.
  if new.status = 'won' and old.status is distinct from 'won' and not exists (
      select 1 from outbound_messages where idempotency_key = 'crm:deal:' || new.code || ':won:v1')
     and not exists (select 1 from intercompany_transfers where deal_id = new.id) then
    raise exception using errcode = '23514',
      message = 'CRM_WIN_THROUGH_ENDPOINT: a deal is won through POST /crm/deals/:id/won, which tells the WMS';
  end if;
  return new;
end $$;
drop trigger if exists deals_won_guard on deals;
create trigger deals_won_guard before insert or update of status on deals
  for each row execute function crm_deals_won_guard();

-- ---------------------------------------------------------------------------------------------
-- purchase_orders: code {ORG3}PO{CODE8} of the PO's own org, unique; the deal is in the same org;
-- draft → released → cancelled or draft → cancelled, each step with its command in the outbox.
create unique index if not exists purchase_orders_code_unique on purchase_orders (code);
create index if not exists purchase_orders_deal on purchase_orders (deal_id, status);
create index if not exists purchase_orders_org_status on purchase_orders (org_id, status);
alter table purchase_orders drop constraint if exists purchase_orders_status_check;
alter table purchase_orders add constraint purchase_orders_status_check check (status in ('draft', 'released', 'cancelled'));
alter table purchase_orders drop constraint if exists purchase_orders_code_format;
alter table purchase_orders add constraint purchase_orders_code_format check (code ~ '^[A-Z]{3}PO[0-9A-HJKMNP-TV-Z]{8}$');
alter table purchase_orders drop constraint if exists purchase_orders_released_complete;
alter table purchase_orders add constraint purchase_orders_released_complete
  check (status <> 'released' or released_at is not null);
alter table purchase_orders drop constraint if exists purchase_orders_cancelled_complete;
alter table purchase_orders add constraint purchase_orders_cancelled_complete
  check (status <> 'cancelled' or (cancelled_at is not null and cancel_reason_code is not null));
alter table purchase_orders drop constraint if exists purchase_orders_cancel_reason_check;
alter table purchase_orders add constraint purchase_orders_cancel_reason_check check (cancel_reason_code is null
  or cancel_reason_code in ('customer_request', 'payment_not_received', 'credit_block', 'shortage', 'duplicate', 'other'));

drop trigger if exists purchase_orders_guard on purchase_orders;
drop function if exists crm_purchase_orders_guard();
drop trigger if exists purchase_orders_guard_1_subject on purchase_orders;
create trigger purchase_orders_guard_1_subject before update on purchase_orders for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: a purchase order''s org_id, code and deal_id never change', 'org_id', 'code', 'deal_id');

-- The lifecycle, the PO's own state machine.
create or replace function crm_purchase_orders_lifecycle() returns trigger language plpgsql as $$
declare
  required_key text;
begin
  if tg_op = 'DELETE' then
    if old.status <> 'draft' then
      raise exception using errcode = '23514', message = 'CRM_PO_NOT_DRAFT: only a draft purchase order can be deleted';
    end if;
    return old;
  end if;
  if tg_op = 'UPDATE' then
    if old.status <> 'draft' and (new.ship_date is distinct from old.ship_date or new.ship_to::jsonb is distinct from old.ship_to::jsonb
        or new.instructions is distinct from old.instructions or new.released_at is distinct from old.released_at
        or new.released_by is distinct from old.released_by) then
      raise exception using errcode = '23514',
        message = 'CRM_PO_NOT_DRAFT: a released or cancelled purchase order is what the WMS was told; it is not edited';
    end if;
    if new.status is distinct from old.status then
      if old.status = 'cancelled' or (old.status = 'released' and new.status <> 'cancelled') or new.status = 'draft' then
        raise exception using errcode = '23514',
          message = 'CRM_PO_STATUS_TRANSITION: a purchase order goes draft → released → cancelled, or draft → cancelled';
      end if;
      -- A draft the WMS never heard of is cancelled without a command; everything else needs one.
      required_key := case
        when new.status = 'released' then 'crm:po:' || new.code || ':released:v1'
        when old.status = 'released' and new.status = 'cancelled' then 'crm:po:' || new.code || ':cancelled:v1'
      end;
      -- An internal order of cross-ownership (story 73) is released with its transfer, inside the
      -- buyer's release: the buyer's po.released names it (intercompany_po_number).
      if required_key is not null and not exists (select 1 from outbound_messages where idempotency_key = required_key)
         and not (new.status = 'released' and exists (select 1 from intercompany_transfers where po_id = new.id)) then
        raise exception using errcode = '23514',
          message = 'CRM_RELEASE_THROUGH_ENDPOINT: purchase orders are released and cancelled through /crm/purchase-orders/:id/release and /cancel, which tell the WMS';
      end if;
    end if;
  else
    if new.status <> 'draft' then
      raise exception using errcode = '23514', message = 'CRM_RELEASE_THROUGH_ENDPOINT: a purchase order is created as a draft';
    end if;
  end if;
  return new;
end $$;
drop trigger if exists purchase_orders_guard_2_lifecycle on purchase_orders;
create trigger purchase_orders_guard_2_lifecycle before insert or update or delete on purchase_orders
  for each row execute function crm_purchase_orders_lifecycle();
drop trigger if exists purchase_orders_guard_3_code_of_org on purchase_orders;
create trigger purchase_orders_guard_3_code_of_org before insert or update on purchase_orders for each row
  execute function crm_guard_code_of_org('CRM_CODE_ORG_MISMATCH: a PO number starts with its own org''s code', '');
drop trigger if exists purchase_orders_guard_4_deal on purchase_orders;
create trigger purchase_orders_guard_4_deal before insert on purchase_orders for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a purchase order is in its deal''s org', 'deal_id', 'deals', 'org_id');

-- ---------------------------------------------------------------------------------------------
-- purchase_order_lines: in the PO's org (copied, never chosen); the deal line belongs to the PO's
-- deal; lines are fixed once the PO leaves draft.
create index if not exists purchase_order_lines_po on purchase_order_lines (po_id, line_no);
-- The single-column index on deal_line_id is Directus' own (is_indexed in the snapshot).
create unique index if not exists purchase_order_lines_po_deal_line_unique on purchase_order_lines (po_id, deal_line_id);
alter table purchase_order_lines drop constraint if exists purchase_order_lines_meters_positive;
alter table purchase_order_lines add constraint purchase_order_lines_meters_positive check (meters > 0);

drop trigger if exists purchase_order_lines_guard on purchase_order_lines;
drop function if exists crm_purchase_order_lines_guard();

-- The PO's own rules: lines change only while it is a draft; a line fulfils a line of its deal.
create or replace function crm_purchase_order_lines_of_po() returns trigger language plpgsql as $$
declare
  po record;
  line_deal uuid;
begin
  select org_id, deal_id, status into po from purchase_orders where id = (case when tg_op = 'DELETE' then old.po_id else new.po_id end);
  -- A cascading delete of a draft PO finds its PO already gone; nothing to protect then.
  if tg_op = 'DELETE' then
    if found and po.status <> 'draft' then
      raise exception using errcode = '23514', message = 'CRM_PO_NOT_DRAFT: lines of a released or cancelled purchase order are fixed';
    end if;
    return old;
  end if;
  if po.status is distinct from 'draft' then
    raise exception using errcode = '23514', message = 'CRM_PO_NOT_DRAFT: lines of a released or cancelled purchase order are fixed';
  end if;
  select deal_id into line_deal from deal_lines where id = new.deal_line_id;
  if line_deal is distinct from po.deal_id then
    raise exception using errcode = '23514', message = 'CRM_CROSS_ORG_REFERENCE: a PO line fulfils a line of the PO''s own deal';
  end if;
  return new;
end $$;
drop trigger if exists purchase_order_lines_guard_1_po on purchase_order_lines;
create trigger purchase_order_lines_guard_1_po before insert or update or delete on purchase_order_lines
  for each row execute function crm_purchase_order_lines_of_po();
drop trigger if exists purchase_order_lines_guard_2_subject on purchase_order_lines;
create trigger purchase_order_lines_guard_2_subject before update on purchase_order_lines for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: a PO line never moves to another PO or deal line', 'po_id', 'deal_line_id');
drop trigger if exists purchase_order_lines_guard_3_org on purchase_order_lines;
create trigger purchase_order_lines_guard_3_org before insert or update on purchase_order_lines for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a PO line''s org_id is its PO''s org_id', 'po_id', 'purchase_orders', 'org_id', 'copy');
