-- The generic guard triggers: one function per kind of rule, parameterised by the trigger's
-- arguments (TG_ARGV), used by the table files after this one. A table's rule reads as a trigger
-- declaration, e.g.
--
--   create trigger deal_lines_guard_1_deal before update on deal_lines for each row
--     execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: a deal line never moves to another deal', 'deal_id');
--
-- Every refusal is SQLSTATE 23514 (check_violation) with the message given, which starts with a
-- stable CRM code (see 100-orgs-customers-deals.sql). Columns are named by the caller and read
-- through to_jsonb(row), so one function serves every table; a column name the row does not have
-- is an error, not a silent pass. PostgreSQL fires the BEFORE triggers of one event in name order:
-- a table's guards are named <table>_guard_<n>_<what> so that they run in the order given, and a
-- statement that breaks two rules is refused with the first one's message.
-- Rules that are a table's own state machine (a PO's lifecycle, the pricing gate) stay functions
-- of their own in the table's file.

-- crm_guard_refuse(message): the operation is refused, always (append-only tables, final rows).
-- With a WHEN clause it refuses what the clause describes.
create or replace function crm_guard_refuse() returns trigger language plpgsql as $$
begin
  raise exception using errcode = '23514', message = tg_argv[0];
end $$;

-- crm_guard_columns(row, columns…): raises unless the row has every named column (a typo in a
-- trigger declaration must not turn a guard off).
create or replace function crm_guard_columns(row_data jsonb, names text[]) returns void language plpgsql immutable as $$
declare
  name text;
begin
  foreach name in array names loop
    if not row_data ? name then
      raise exception 'crm guard on a row without column "%"', name;
    end if;
  end loop;
end $$;

-- crm_guard_immutable(message, column, …): on UPDATE, none of the named columns changes (compared
-- as jsonb: a json column compares by content, numeric by value).
create or replace function crm_guard_immutable() returns trigger language plpgsql as $$
declare
  old_row jsonb := to_jsonb(old);
  new_row jsonb := to_jsonb(new);
  columns text[] := tg_argv[1:];
  name text;
begin
  perform crm_guard_columns(new_row, columns);
  foreach name in array columns loop
    if new_row -> name is distinct from old_row -> name then
      raise exception using errcode = '23514', message = tg_argv[0];
    end if;
  end loop;
  return new;
end $$;

-- crm_guard_matches(message, reference, table, column[, 'copy']): the row's `column` equals the
-- `column` of the `table` row (by id) that its `reference` column points at; a reference to no row
-- matches nothing. With 'copy' an empty `column` is filled in from there instead (an org_id is
-- copied from the parent, never chosen). Checked on INSERT, and on UPDATE when the reference or
-- the column changes.
create or replace function crm_guard_matches() returns trigger language plpgsql as $$
declare
  new_row jsonb := to_jsonb(new);
  reference text := tg_argv[1];
  target text := tg_argv[3];
  expected text;
begin
  perform crm_guard_columns(new_row, array[reference, target]);
  if tg_op = 'UPDATE' and new_row -> reference is not distinct from to_jsonb(old) -> reference
     and new_row -> target is not distinct from to_jsonb(old) -> target then
    return new;
  end if;
  execute format('select %I::text from %I where id = $1::uuid', target, tg_argv[2]) into expected using new_row ->> reference;
  if new_row ->> target is null and tg_argv[4] is not distinct from 'copy' then
    new := jsonb_populate_record(new, jsonb_build_object(target, expected));
  elsif new_row ->> target is distinct from expected then
    raise exception using errcode = '23514', message = tg_argv[0];
  end if;
  return new;
end $$;

-- crm_guard_code_of_org(message, separator[, required message]): the row's code starts with the
-- code of its own org (org_id), followed by `separator` ('' for deal and PO codes, '-' for
-- qualities). With a required message, a missing code is refused with it first.
create or replace function crm_guard_code_of_org() returns trigger language plpgsql as $$
declare
  new_row jsonb := to_jsonb(new);
  prefix text;
begin
  perform crm_guard_columns(new_row, array['code', 'org_id']);
  if new_row ->> 'code' is null and tg_argv[2] is not null then
    raise exception using errcode = '23514', message = tg_argv[2];
  end if;
  select o.code || tg_argv[1] into prefix from orgs o where o.id = (new_row ->> 'org_id')::uuid;
  if prefix is null or left(new_row ->> 'code', length(prefix)) is distinct from prefix then
    raise exception using errcode = '23514', message = tg_argv[0];
  end if;
  return new;
end $$;
