-- Run before the snapshot is applied, so a database made by an earlier version can take schema
-- changes Directus cannot apply to tables that hold rows. Re-runnable: each step checks first.
--
-- customer_org_profiles.legal_name / country (issue 9.5): what an org knows of a customer is on
-- its profile. Directus cannot add a NOT NULL column to a table with rows, so existing profiles
-- start from the identity's name and country (what every org saw of it before this change).
do $$
begin
  if to_regclass('public.customer_org_profiles') is not null
     and not exists (select 1 from information_schema.columns
                     where table_schema = 'public' and table_name = 'customer_org_profiles' and column_name = 'legal_name') then
    alter table customer_org_profiles add column legal_name varchar(255), add column country varchar(2);
    update customer_org_profiles p set legal_name = c.legal_name, country = c.country from customers c where c.id = p.customer_id;
    alter table customer_org_profiles alter column legal_name set not null;
    -- Directus creates a field the snapshot has and directus_fields lacks, and would refuse it
    -- ("already exists"): a bare meta row makes the snapshot's apply an update of the field.
    insert into directus_fields (collection, field)
      select 'customer_org_profiles', f from unnest(array['legal_name', 'country']) as f
      where not exists (select 1 from directus_fields d where d.collection = 'customer_org_profiles' and d.field = f);
  end if;
end $$;
