-- Proformas, the Balance Check Gate and contract drafts (stories 8, 40-45; docs/proformas.md).
-- Written only by /crm/proformas and /crm/contracts (and the cash pack on deal.won); item routes
-- only read. Every row belongs to the org of its deal (copied, never chosen). Re-runnable.
-- Single-column uniques (proformas.code, proformas.deal_id, contracts.deal_id) are the snapshot's.

-- ---------------------------------------------------------------------------------------------
-- proformas: drafted → sent → paid_confirmed, forward only; what a proforma says never changes.
alter table proformas drop constraint if exists proformas_status_check;
alter table proformas add constraint proformas_status_check check (status in ('drafted', 'sent', 'paid_confirmed'));
alter table proformas drop constraint if exists proformas_code_format;
alter table proformas add constraint proformas_code_format check (code ~ '^[A-Z]{3}[0-9]{4}PI[0-9A-HJKMNP-TV-Z]{8}$');
alter table proformas drop constraint if exists proformas_sent_check;
alter table proformas add constraint proformas_sent_check check (status = 'drafted' or (sent_at is not null and sent_by is not null));
alter table proformas drop constraint if exists proformas_paid_check;
alter table proformas add constraint proformas_paid_check
  check (status <> 'paid_confirmed' or (paid_confirmed_at is not null and payment_ids is not null and paid_note is not null));
create index if not exists proformas_org_status on proformas (org_id, status, issued_at desc);

create or replace function crm_proformas_lifecycle() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception using errcode = '23514', message = 'CRM_PROFORMA_KEPT: a proforma is never deleted';
  end if;
  if old.status = 'paid_confirmed' or (old.status = 'sent' and new.status = 'drafted')
     or (old.status = 'drafted' and new.status = 'paid_confirmed') then
    raise exception using errcode = '23514',
      message = 'CRM_PROFORMA_LIFECYCLE: a proforma goes drafted → sent → paid_confirmed, forward only';
  end if;
  return new;
end $$;
drop trigger if exists proformas_guard_1_lifecycle on proformas;
create trigger proformas_guard_1_lifecycle before update or delete on proformas for each row
  execute function crm_proformas_lifecycle();
drop trigger if exists proformas_guard_2_subject on proformas;
create trigger proformas_guard_2_subject before update on proformas for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: a proforma''s code, deal, lines and totals never change',
    'org_id', 'code', 'deal_id', 'customer_profile_id', 'lines', 'totals', 'issued_at', 'issued_by');
drop trigger if exists proformas_guard_3_org on proformas;
create trigger proformas_guard_3_org before insert on proformas for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a proforma belongs to its deal''s org', 'deal_id', 'deals', 'org_id', 'copy');
drop trigger if exists proformas_guard_4_code_of_org on proformas;
create trigger proformas_guard_4_code_of_org before insert on proformas for each row
  execute function crm_guard_code_of_org('CRM_CODE_ORG_MISMATCH: a proforma code starts with its own org''s code', '');

-- ---------------------------------------------------------------------------------------------
-- proforma_acknowledgements: the Balance Check Gate's record; append-only.
create index if not exists proforma_acknowledgements_proforma on proforma_acknowledgements (proforma_id, acknowledged_by, acknowledged_at desc);
drop trigger if exists proforma_acknowledgements_guard_1_append_only on proforma_acknowledgements;
create trigger proforma_acknowledgements_guard_1_append_only before update or delete on proforma_acknowledgements for each row
  execute function crm_guard_refuse('CRM_ACKNOWLEDGEMENT_APPEND_ONLY: a balance check acknowledgement is never changed or deleted');
drop trigger if exists proforma_acknowledgements_guard_2_org on proforma_acknowledgements;
create trigger proforma_acknowledgements_guard_2_org before insert on proforma_acknowledgements for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: an acknowledgement belongs to its proforma''s org', 'proforma_id', 'proformas', 'org_id', 'copy');

-- ---------------------------------------------------------------------------------------------
-- contracts: drafted → sent → signed_received (with the signed copy), or drafted/sent → waived
-- (with a note); signed_received and waived are final.
alter table contracts drop constraint if exists contracts_status_check;
alter table contracts add constraint contracts_status_check check (status in ('drafted', 'sent', 'signed_received', 'waived'));
alter table contracts drop constraint if exists contracts_signed_check;
alter table contracts add constraint contracts_signed_check
  check (status <> 'signed_received' or (signed_file is not null and signed_at is not null));
alter table contracts drop constraint if exists contracts_waived_check;
alter table contracts add constraint contracts_waived_check check (status <> 'waived' or (waived_at is not null and waive_note is not null));
create index if not exists contracts_org_status on contracts (org_id, status);

create or replace function crm_contracts_lifecycle() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception using errcode = '23514', message = 'CRM_CONTRACT_KEPT: a contract is never deleted';
  end if;
  if old.status in ('signed_received', 'waived') or (old.status = 'sent' and new.status = 'drafted') then
    raise exception using errcode = '23514',
      message = 'CRM_CONTRACT_LIFECYCLE: a contract goes drafted → sent → signed_received, or is waived; signed and waived are final';
  end if;
  return new;
end $$;
drop trigger if exists contracts_guard_1_lifecycle on contracts;
create trigger contracts_guard_1_lifecycle before update or delete on contracts for each row
  execute function crm_contracts_lifecycle();
drop trigger if exists contracts_guard_2_subject on contracts;
create trigger contracts_guard_2_subject before update on contracts for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: a contract''s deal never changes',
    'org_id', 'deal_id', 'customer_profile_id', 'created_at', 'created_by');
drop trigger if exists contracts_guard_3_org on contracts;
create trigger contracts_guard_3_org before insert on contracts for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a contract belongs to its deal''s org', 'deal_id', 'deals', 'org_id', 'copy');
