-- crm_group (issue #9, see constraints/050-crm-group.sql): a database made before it has orgs and
-- FX rates, and the snapshot adds orgs.group_id and fx_rates.group_id (NOT NULL, defaulting to the
-- group's id) with foreign keys to crm_group. Adding the columns fills every existing row with the
-- default (no UPDATE: fx_rates is append-only), but the foreign keys need the group row, which the
-- constraints insert only after the snapshot. So the table and its row are created first; bare
-- directus_collections/directus_fields rows make the snapshot's apply an update of them (Directus
-- refuses to create a collection or field whose table or column exists).
do $$
begin
  if to_regclass('public.orgs') is not null and to_regclass('public.crm_group') is null then
    create table crm_group (id uuid not null primary key);
    insert into crm_group (id) values ('a0000000-0000-4000-8000-000000000001');
    insert into directus_collections (collection) values ('crm_group') on conflict do nothing;
    insert into directus_fields (collection, field)
      select 'crm_group', 'id'
      where not exists (select 1 from directus_fields d where d.collection = 'crm_group' and d.field = 'id');
  end if;
end $$;
