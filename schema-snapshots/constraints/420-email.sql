-- Email (stories 61-71, docs/email.md): the email outbox and the routing rules. Re-runnable (see
-- 100-orgs-customers-deals.sql for the conventions). The single-column unique index on
-- email_messages.idempotency_key is Directus' own (is_unique in the snapshot).

-- ---------------------------------------------------------------------------------------------
-- email_messages: one row per idempotency key (D-EMAIL-KEY); what an email is never changes once
-- it is prepared, only its delivery state does. Never deleted: it is the record of what was sent.
create index if not exists email_messages_org_state on email_messages (org_id, state, created_at);
create index if not exists email_messages_deal on email_messages (deal_id, created_at) where deal_id is not null;
-- The relay's queue: rows a trigger wrote that wait to be routed, rendered and queued. Two columns
-- on purpose: Directus reads a single-column index as the field's `is_indexed`, and the snapshot
-- (which says false) would then try to drop an index of its own name on the next apply.
create index if not exists email_messages_unprepared_queue on email_messages (created_at, id) where prepared_at is null;

alter table email_messages drop constraint if exists email_messages_state_check;
alter table email_messages add constraint email_messages_state_check
  check (state in ('pending', 'sending', 'sent', 'failed', 'dead', 'suppressed'));
alter table email_messages drop constraint if exists email_messages_suppressed_reason_check;
alter table email_messages add constraint email_messages_suppressed_reason_check
  check ((state = 'suppressed') = (suppressed_reason is not null)
     and (suppressed_reason is null or suppressed_reason in ('type_disabled', 'opted_out', 'policy', 'no_recipient')));
alter table email_messages drop constraint if exists email_messages_type_check;
alter table email_messages add constraint email_messages_type_check check (email_type in (
  'picking_started', 'prepared', 'shipped', 'delivered',
  'override_used', 'shipment_approval_needed', 'new_customer_pending_review', 'supply_request_created', 'eta_near',
  'soft_arrival_confirmed', 'credit_request_submitted', 'order_form_submitted',
  'weekly_digest', 'central_stock_check_digest', 'cost_daily_pack',
  'proforma_sent', 'order_form_confirmation', 'order_form_changes'));
alter table email_messages drop constraint if exists email_messages_audience_check;
alter table email_messages add constraint email_messages_audience_check check (audience in ('customer', 'internal'));
alter table email_messages drop constraint if exists email_messages_language_check;
alter table email_messages add constraint email_messages_language_check check (language in ('tr', 'en'));
alter table email_messages drop constraint if exists email_messages_attempts_check;
alter table email_messages add constraint email_messages_attempts_check check (attempts >= 0);
alter table email_messages drop constraint if exists email_messages_key_format;
alter table email_messages add constraint email_messages_key_format
  check (idempotency_key ~ '^crm:email:[A-Za-z0-9._-]{1,64}:[a-z][a-z0-9_]{0,31}:v[1-9][0-9]{0,3}$'
     and split_part(idempotency_key, ':', 4) = email_type);
-- The Message-ID is the key's (modules/email/keys.ts#messageIdOf): every copy of one email carries it.
alter table email_messages drop constraint if exists email_messages_message_id_of_key;
alter table email_messages add constraint email_messages_message_id_of_key
  check (message_id = '<' || replace(idempotency_key, ':', '.') || '@crm-mod-jtr>');
-- A prepared email that is not suppressed has its rendering and at least one recipient.
alter table email_messages drop constraint if exists email_messages_prepared_complete;
alter table email_messages add constraint email_messages_prepared_complete
  check (prepared_at is null or state in ('suppressed', 'dead')
     or (subject is not null and html_body is not null and text_body is not null
         and json_typeof(to_addresses) = 'array' and json_array_length(to_addresses) > 0));

drop trigger if exists email_messages_guard_1_subject on email_messages;
create trigger email_messages_guard_1_subject before update on email_messages for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: an email''s key, Message-ID, type and org never change',
                                       'idempotency_key', 'message_id', 'email_type', 'org_id', 'audience');
drop trigger if exists email_messages_keep on email_messages;
create trigger email_messages_keep before delete on email_messages for each row
  execute function crm_guard_refuse('CRM_EMAIL_OUTBOX_APPEND_ONLY: emails are the record of what was sent; they are never deleted');

-- ---------------------------------------------------------------------------------------------
-- email_routing_rules: one rule per org and email type.
create unique index if not exists email_routing_rules_org_type on email_routing_rules (org_id, email_type);
alter table email_routing_rules drop constraint if exists email_routing_rules_type_check;
-- order.tracking_updated has no email type at all (story 62): no configuration can name it.
alter table email_routing_rules add constraint email_routing_rules_type_check check (email_type in (
  'picking_started', 'prepared', 'shipped', 'delivered',
  'override_used', 'shipment_approval_needed', 'new_customer_pending_review', 'supply_request_created', 'eta_near',
  'soft_arrival_confirmed', 'credit_request_submitted', 'order_form_submitted',
  'weekly_digest', 'central_stock_check_digest', 'cost_daily_pack',
  'proforma_sent', 'order_form_confirmation', 'order_form_changes'));
alter table email_routing_rules drop constraint if exists email_routing_rules_policy_check;
alter table email_routing_rules add constraint email_routing_rules_policy_check check (policy in ('send', 'hold'));
drop trigger if exists email_routing_rules_guard_1_subject on email_routing_rules;
create trigger email_routing_rules_guard_1_subject before update on email_routing_rules for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: a routing rule''s org and email type never change', 'org_id', 'email_type');

-- ---------------------------------------------------------------------------------------------
-- Emails the WMS ingestion causes (docs/email.md#wms). The ingestion writes a delivery in one
-- guarded statement (docs/wms-inbound.md); these triggers add the email request to that same
-- statement, so it commits with the event or not at all, with no extra round trip. The request is
-- a row with prepared_at null; the email relay (modules/email/relay.ts) routes, renders and queues
-- it. The key names the fact (one shipped email per PO, ever), so a redelivered event, a second
-- event of the same kind or a replayed batch finds the key taken and adds nothing.
create or replace function crm_email_request(p_org uuid, p_type text, p_subject text, p_audience text,
                                             p_deal uuid, p_po uuid, p_po_number text, p_context json)
returns void language plpgsql as $$
begin
  -- A subject id the key grammar cannot carry must never fail the WMS delivery: no email then.
  if p_subject is null or p_subject !~ '^[A-Za-z0-9._-]{1,64}$' then
    raise warning 'crm_email_request: % for % not requested (id not usable in a key)', p_type, p_subject;
    return;
  end if;
  insert into email_messages (id, org_id, email_type, idempotency_key, message_id, state, audience, language,
                              deal_id, po_id, po_number, context, attempts, created_at)
  values (gen_random_uuid(), p_org, p_type, 'crm:email:' || p_subject || ':' || p_type || ':v1',
          '<crm.email.' || p_subject || '.' || p_type || '.v1@crm-mod-jtr>', 'pending', p_audience, 'en',
          p_deal, p_po, p_po_number, p_context, 0, now())
  on conflict (idempotency_key) do nothing;
end $$;

-- inbound_events: one ledger row per applied event, so every order status event of a batch asks
-- for its own email (a mirror row would only show the batch's last state). Stale and rejected
-- events ask for nothing. Only the four status events do; order.tracking_updated never (62).
create or replace function crm_order_event_email() returns trigger language plpgsql as $$
declare
  payload json := new.event -> 'payload';
  org uuid;
begin
  select id into org from orgs where code = payload ->> 'org_code';
  if org is null then
    return null;
  end if;
  perform crm_email_request(org, substr(new.event_type, 7), payload ->> 'po_number', 'customer',
    (select d.id from deals d where d.code = payload ->> 'deal_code' and d.org_id = org),
    (select po.id from purchase_orders po where po.code = payload ->> 'po_number' and po.org_id = org and po.released_at is not null),
    payload ->> 'po_number',
    json_build_object('po_number', payload ->> 'po_number', 'status', payload ->> 'status',
                      'carrier_name', payload -> 'carrier' ->> 'carrier_name', 'tracking_id', payload -> 'carrier' ->> 'tracking_id',
                      'tracking_url', payload -> 'carrier' ->> 'tracking_url', 'dispatch_note_number', payload ->> 'dispatch_note_number',
                      'picking_started_at', payload ->> 'picking_started_at', 'prepared_at', payload ->> 'prepared_at',
                      'shipped_at', payload ->> 'shipped_at', 'delivered_at', payload ->> 'delivered_at',
                      'event_key', new.idempotency_key));
  return null;
end $$;
drop trigger if exists order_mirrors_email on order_mirrors;
drop function if exists crm_order_mirror_email();
drop trigger if exists inbound_events_email on inbound_events;
create trigger inbound_events_email after insert on inbound_events for each row
  when (new.status = 'applied' and new.event_type in ('order.picking_started', 'order.prepared', 'order.shipped', 'order.delivered'))
  execute function crm_order_event_email();

-- shipment_gate_overrides (append-only): override_used to the org's recipients (story 70).
create or replace function crm_gate_override_email() returns trigger language plpgsql as $$
begin
  perform crm_email_request(new.org_id, 'override_used', new.override_id, 'internal',
    (select po.deal_id from purchase_orders po where po.id = new.po_id), new.po_id, new.po_number,
    json_build_object('override_id', new.override_id, 'po_number', new.po_number, 'gate', new.gate,
                      'reason_code', new.reason_code, 'note', new.note, 'overridden_by', new.overridden_by,
                      'overridden_at', new.overridden_at, 'event_key', new.source_event_key));
  return null;
end $$;
drop trigger if exists shipment_gate_overrides_email on shipment_gate_overrides;
create trigger shipment_gate_overrides_email after insert on shipment_gate_overrides for each row
  execute function crm_gate_override_email();

-- supply_mirrors: a new supply (supply_request_created) and its soft arrival (soft_arrival_confirmed).
create or replace function crm_supply_mirror_email() returns trigger language plpgsql as $$
declare
  facts json := json_build_object('supply_id', new.supply_id, 'supply_type', new.supply_type, 'supplier_name', new.supplier_name,
                                  'milestone', new.milestone, 'eta_date', new.eta_date, 'eta_text', new.eta_text,
                                  'soft_arrival_confirmed_at', new.soft_arrival_confirmed_at, 'event_key', new.source_event_key);
begin
  if tg_op = 'INSERT' then
    perform crm_email_request(new.org_id, 'supply_request_created', new.supply_id, 'internal', null, null, null, facts);
  end if;
  if new.soft_arrival_confirmed_at is not null and (tg_op = 'INSERT' or old.soft_arrival_confirmed_at is null) then
    perform crm_email_request(new.org_id, 'soft_arrival_confirmed', new.supply_id, 'internal', null, null, null, facts);
  end if;
  return null;
end $$;
drop trigger if exists supply_mirrors_email on supply_mirrors;
create trigger supply_mirrors_email after insert or update on supply_mirrors for each row
  execute function crm_supply_mirror_email();
