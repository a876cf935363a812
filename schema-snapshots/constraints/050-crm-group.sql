-- The group (issue #9): one crm_group row, the companies' group. orgs.group_id and
-- fx_rates.group_id point to it (NOT NULL, defaulting to its id in the snapshot), so the app-user
-- policy reads an FX rate through `group_id.orgs.grants.user_id = $CURRENT_USER`: a user without
-- any grant reads no rate, and the filter is joins in the read's own SQL statement (no per-request
-- lookup of the user's grants). Created here, after the snapshot and before the demo data; the
-- upgrade 002-crm-group.sql creates it earlier on a database whose orgs and rates already hold rows.
insert into crm_group (id) values ('a0000000-0000-4000-8000-000000000001') on conflict (id) do nothing;
alter table crm_group drop constraint if exists crm_group_single_row;
alter table crm_group add constraint crm_group_single_row check (id = 'a0000000-0000-4000-8000-000000000001');
