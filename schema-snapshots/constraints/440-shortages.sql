-- Shortage decisions (stories 10, 18; docs/supply-and-shortages.md).

-- ---------------------------------------------------------------------------------------------
-- shortage_decisions: append-only, one per send-back (shortage_send_back_id is unique in the
-- snapshot), in the send-back's org and deal, with a note; written only by /crm/shortages/*
-- together with its shortage.decided command in the outbox (the key is the contract's).
alter table shortage_decisions drop constraint if exists shortage_decisions_note_check;
alter table shortage_decisions add constraint shortage_decisions_note_check check (length(btrim(note)) > 0);
alter table shortage_decisions drop constraint if exists shortage_decisions_key_check;
alter table shortage_decisions add constraint shortage_decisions_key_check
  check (idempotency_key = 'crm:shortage:' || send_back_id || ':decided:v1');
alter table shortage_decisions drop constraint if exists shortage_decisions_lines_check;
alter table shortage_decisions add constraint shortage_decisions_lines_check
  check (json_typeof(lines) = 'array' and json_array_length(lines) > 0);
create index if not exists shortage_decisions_org_decided on shortage_decisions (org_id, decided_at);
drop trigger if exists shortage_decisions_guard_1_append_only on shortage_decisions;
create trigger shortage_decisions_guard_1_append_only before update or delete on shortage_decisions for each row
  execute function crm_guard_refuse('CRM_SHORTAGE_DECISION_APPEND_ONLY: a shortage decision is never changed or deleted');
drop trigger if exists shortage_decisions_guard_2_send_back on shortage_decisions;
create trigger shortage_decisions_guard_2_send_back before insert on shortage_decisions for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a shortage decision belongs to its send-back''s org', 'shortage_send_back_id', 'shortage_send_backs', 'org_id', 'copy');
drop trigger if exists shortage_decisions_guard_3_deal on shortage_decisions;
create trigger shortage_decisions_guard_3_deal before insert on shortage_decisions for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a shortage decision answers its send-back''s deal', 'shortage_send_back_id', 'shortage_send_backs', 'deal_id');

-- The decision reaches the WMS only through the outbox: no decision row without its command.
create or replace function crm_shortage_decisions_outbox() returns trigger language plpgsql as $$
begin
  if not exists (select 1 from outbound_messages where idempotency_key = new.idempotency_key and event_type = 'shortage.decided') then
    raise exception using errcode = '23514',
      message = 'CRM_SHORTAGE_DECISION_WITHOUT_COMMAND: a shortage decision is recorded with its shortage.decided command in the outbox';
  end if;
  return new;
end $$;
drop trigger if exists shortage_decisions_guard_4_outbox on shortage_decisions;
create trigger shortage_decisions_guard_4_outbox before insert on shortage_decisions for each row
  execute function crm_shortage_decisions_outbox();
