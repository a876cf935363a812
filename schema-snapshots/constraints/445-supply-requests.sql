-- Supply requests made in the CRM (story 11; docs/supply-and-shortages.md).

-- ---------------------------------------------------------------------------------------------
-- supply_requests: asked for a deal line by sales, created (ordered) or rejected by a Sales
-- Manager, whose milestones and ETA the CRM keeps until the WMS reports the supply (supply_id links
-- the mirror). Written only by /crm/supply/*; code {ORG3}SR{CODE8}, of its own org.
alter table supply_requests drop constraint if exists supply_requests_status_check;
alter table supply_requests add constraint supply_requests_status_check check (status in
  ('requested', 'rejected', 'ordered', 'in_production', 'shipped', 'soft_arrival_confirmed', 'received', 'cancelled'));
alter table supply_requests drop constraint if exists supply_requests_type_check;
alter table supply_requests add constraint supply_requests_type_check check (supply_type in ('manufacturing', 'import'));
alter table supply_requests drop constraint if exists supply_requests_meters_check;
alter table supply_requests add constraint supply_requests_meters_check check (meters > 0);
alter table supply_requests drop constraint if exists supply_requests_note_check;
alter table supply_requests add constraint supply_requests_note_check check (length(btrim(note)) > 0);
alter table supply_requests drop constraint if exists supply_requests_code_check;
alter table supply_requests add constraint supply_requests_code_check check (code ~ '^[A-Z]{3}SR[0-9A-HJKMNP-TV-Z]{8}$');
alter table supply_requests drop constraint if exists supply_requests_arrival_check;
alter table supply_requests add constraint supply_requests_arrival_check
  check (soft_arrival_confirmed_at is not null or status not in ('soft_arrival_confirmed', 'received'));
-- /supply-tracking reads each org's requests in ETA order (supply/repository.ts#supplyPage): every
-- request, and the open ones (the predicate is supplyPage's "open", word for word).
create index if not exists supply_requests_org_eta_ref on supply_requests (org_id, eta_date, code);
create index if not exists supply_requests_open_eta on supply_requests (org_id, eta_date, code)
  where status in ('requested', 'ordered', 'in_production', 'shipped');
drop index if exists supply_requests_org_eta;
create index if not exists supply_requests_org_status on supply_requests (org_id, status, requested_at);
drop trigger if exists supply_requests_guard_1_immutable on supply_requests;
create trigger supply_requests_guard_1_immutable before update on supply_requests for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: a supply request''s org, code, deal line and requester never change',
    'org_id', 'code', 'requested_by', 'requested_at');
drop trigger if exists supply_requests_guard_2_code on supply_requests;
create trigger supply_requests_guard_2_code before insert on supply_requests for each row
  execute function crm_guard_code_of_org('CRM_CODE_ORG_MISMATCH: a supply request code starts with its own org''s code', '');
drop trigger if exists supply_requests_guard_3_deal on supply_requests;
create trigger supply_requests_guard_3_deal before insert or update on supply_requests for each row when (new.deal_id is not null)
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a supply request belongs to its deal''s org', 'deal_id', 'deals', 'org_id');
drop trigger if exists supply_requests_guard_4_line on supply_requests;
create trigger supply_requests_guard_4_line before insert or update on supply_requests for each row when (new.deal_line_id is not null)
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a supply request''s line is a line of its deal', 'deal_line_id', 'deal_lines', 'deal_id');
drop trigger if exists supply_requests_guard_5_keep on supply_requests;
create trigger supply_requests_guard_5_keep before delete on supply_requests for each row
  execute function crm_guard_refuse('CRM_SUPPLY_REQUEST_KEPT: a supply request is never deleted (reject or cancel it)');
