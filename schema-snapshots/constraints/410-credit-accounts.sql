-- Credit accounts: the running figures of every customer profile × currency (docs/credit.md,
-- "Running figures"), so /credit, the gates and the exposure endpoint read a few rows per account
-- instead of aggregating every won deal line, receivable, payment and allocation on each read.
--
-- A read model of the ledgers, in its own schema (`crm_derived`: Directus does not see it, so no
-- item route, policy or snapshot entry reaches it), kept by the triggers below in the same
-- transaction as the ledger write that changed it, whatever the route (endpoint, item API, raw
-- SQL). The figures are never incremented: every write recomputes the touched accounts, deals and
-- receivables from the ledgers, after locking the customer profiles (the lock of
-- credit/repository.ts#lockCreditAccount), so two transactions that touch one account take
-- turns and the second recomputes from what the first committed (READ COMMITTED: each statement of
-- crm_credit_refresh takes a fresh snapshot after the lock).
-- `crm_credit_rebuild()` recomputes everything (run here when the version below changes, and by
-- benches that load fixtures with triggers off); `credit/repository.ts#creditAccountsDrift`
-- compares the figures with the ledgers. Re-runnable.

create schema if not exists crm_derived;

create table if not exists crm_derived.versions (name text primary key, version int not null);

-- Per account: Σ receivables (reversals included), Σ payments (reversals included), Σ allocations,
-- open won business (Σ over the account's won deals of max(0, value − invoiced)), the newest limit.
-- A row exists for every account with a won deal, a receivable, a payment or a limit.
create table if not exists crm_derived.credit_accounts (
  customer_profile_id uuid not null,
  currency text not null,
  org_id uuid not null,
  receivables numeric not null,
  payments numeric not null,
  allocated numeric not null,
  open_won numeric not null,
  credit_limit numeric,
  primary key (customer_profile_id, currency)
);
create index if not exists credit_accounts_org on crm_derived.credit_accounts (org_id);

-- Per deal × currency: the won value (Σ meters × the newest snapshot's unit price, else the line's;
-- null while the deal is not won or has no line in the currency) and Σ receivables naming the deal.
create table if not exists crm_derived.credit_deals (
  deal_id uuid not null,
  currency text not null,
  customer_profile_id uuid not null,
  value numeric,
  invoiced numeric not null,
  primary key (deal_id, currency)
);
create index if not exists credit_deals_account on crm_derived.credit_deals (customer_profile_id, currency);

-- Per receivable with something outstanding: Σ of it and its reversals − Σ allocations to it
-- (receivables settled or reversed to zero have no row). Overdue is read from here, as of the day.
create table if not exists crm_derived.receivable_balances (
  receivable_id uuid primary key,
  customer_profile_id uuid not null,
  currency text not null,
  due_date date not null,
  outstanding numeric not null
);
create index if not exists receivable_balances_account on crm_derived.receivable_balances (customer_profile_id, currency);

-- The value of business per deal line, the one definition (crm_credit_refresh below and the
-- extension's credit/repository.ts#lineValues read it): the newest immutable price snapshot of the
-- line (story 38), else the line's own unit price (a line won without approved pricing still
-- counts), times its meters, in the snapshot's (else the line's) currency, for the deals named. A
-- SQL function rather than a view: a view would pin the columns it reads, and Directus' schema
-- apply (which alters columns) would then fail on them; a function's body is read when it runs.
-- Simple enough for the planner to inline.
drop view if exists crm_derived.deal_line_values;
create or replace function crm_derived.deal_line_values(p_deals uuid[])
returns table (deal_id uuid, customer_profile_id uuid, status text, deal_line_id uuid, currency text, value numeric)
language sql stable as $$
  select d.id, d.customer_profile_id, d.status::text, l.id, (coalesce(s.currency, l.currency))::text,
         coalesce(s.unit_price, l.unit_price, 0) * l.meters
  from deals d
  join deal_lines l on l.deal_id = d.id
  left join lateral (select s.unit_price, s.currency from price_snapshots s where s.deal_line_id = l.id
                     order by s.approved_at desc, s.id desc limit 1) s on true
  where d.id = any(p_deals)
$$;

-- ---------------------------------------------------------------------------------------------
-- crm_credit_refresh(profiles, deals, receivables): recomputes the named deals and receivables,
-- then every account of the named profiles and of the deals' profiles (now and as last recorded,
-- so a deal moved to another profile leaves the old one), from the ledgers.
create or replace function crm_credit_refresh(p_profiles uuid[], p_deals uuid[], p_receivables uuid[])
returns void language plpgsql as $$
begin
  p_profiles := array(
    select distinct p from unnest(
      coalesce(p_profiles, '{}')
      || array(select d.customer_profile_id from deals d where d.id = any(p_deals))
      || array(select c.customer_profile_id from crm_derived.credit_deals c where c.deal_id = any(p_deals))) p
    where p is not null);
  if cardinality(p_profiles) = 0 then
    return;
  end if;
  perform 1 from customer_org_profiles where id = any(p_profiles) order by id for no key update;

  if coalesce(cardinality(p_deals), 0) > 0 then
    delete from crm_derived.credit_deals where deal_id = any(p_deals);
    with won as (
      select v.deal_id, v.currency, sum(v.value) as value from crm_derived.deal_line_values(p_deals) v
      where v.status = 'won'
      group by 1, 2
    ),
    inv as (
      select r.deal_id, r.currency, sum(r.amount) as invoiced from receivables r where r.deal_id = any(p_deals) group by 1, 2
    ),
    k as (select deal_id, currency from won union select deal_id, currency from inv)
    insert into crm_derived.credit_deals (deal_id, currency, customer_profile_id, value, invoiced)
    select k.deal_id, k.currency, d.customer_profile_id, won.value, coalesce(inv.invoiced, 0)
    from k
    join deals d on d.id = k.deal_id
    left join won on won.deal_id = k.deal_id and won.currency = k.currency
    left join inv on inv.deal_id = k.deal_id and inv.currency = k.currency;
  end if;

  if coalesce(cardinality(p_receivables), 0) > 0 then
    delete from crm_derived.receivable_balances where receivable_id = any(p_receivables);
    insert into crm_derived.receivable_balances (receivable_id, customer_profile_id, currency, due_date, outstanding)
    select o.id, o.customer_profile_id, o.currency, o.due_date, b.outstanding
    from receivables o
    cross join lateral (
      select (select sum(r.amount) from receivables r where r.id = o.id or r.reverses_id = o.id)
             - coalesce((select sum(a.amount) from payment_allocations a where a.receivable_id = o.id), 0) as outstanding
    ) b
    where o.id = any(p_receivables) and o.reverses_id is null and b.outstanding <> 0;
  end if;

  delete from crm_derived.credit_accounts where customer_profile_id = any(p_profiles);
  with rec as (
    select customer_profile_id, currency, sum(amount) as amount from receivables
    where customer_profile_id = any(p_profiles) group by 1, 2
  ),
  paid as (
    select customer_profile_id, currency, sum(amount) as amount from payments
    where customer_profile_id = any(p_profiles) group by 1, 2
  ),
  alloc as (
    select customer_profile_id, currency, sum(amount) as amount from payment_allocations
    where customer_profile_id = any(p_profiles) group by 1, 2
  ),
  won as (
    select customer_profile_id, currency, sum(greatest(value - invoiced, 0)) as amount from crm_derived.credit_deals
    where customer_profile_id = any(p_profiles) and value is not null group by 1, 2
  ),
  limits as (
    select distinct on (customer_profile_id, currency) customer_profile_id, currency, amount from credit_limits
    where customer_profile_id = any(p_profiles)
    order by customer_profile_id, currency, set_at desc, id desc
  ),
  k as (
    select customer_profile_id, currency from rec union select customer_profile_id, currency from paid
    union select customer_profile_id, currency from won union select customer_profile_id, currency from limits
  )
  insert into crm_derived.credit_accounts (customer_profile_id, currency, org_id, receivables, payments, allocated, open_won, credit_limit)
  select k.customer_profile_id, k.currency, p.org_id, coalesce(rec.amount, 0), coalesce(paid.amount, 0), coalesce(alloc.amount, 0),
         coalesce(won.amount, 0), limits.amount
  from k
  join customer_org_profiles p on p.id = k.customer_profile_id
  left join rec on rec.customer_profile_id = k.customer_profile_id and rec.currency = k.currency
  left join paid on paid.customer_profile_id = k.customer_profile_id and paid.currency = k.currency
  left join alloc on alloc.customer_profile_id = k.customer_profile_id and alloc.currency = k.currency
  left join won on won.customer_profile_id = k.customer_profile_id and won.currency = k.currency
  left join limits on limits.customer_profile_id = k.customer_profile_id and limits.currency = k.currency;
end $$;

-- ---------------------------------------------------------------------------------------------
-- The triggers: one per ledger and event, statement-level with the statement's rows (a bulk
-- insert refreshes once), each naming what its rows touch. Deal lines and price snapshots count
-- only for won deals; a deal counts from the statement that wins it.
-- The four ledgers (append-only: inserts only). Each branch's statement is planned when first run,
-- so it may name the columns of its own table's rows.
create or replace function crm_credit_on_ledger() returns trigger language plpgsql as $$
begin
  if tg_table_name = 'receivables' then
    perform crm_credit_refresh(
      (select array_agg(distinct customer_profile_id) from new_rows),
      (select array_agg(distinct deal_id) from new_rows where deal_id is not null),
      (select array_agg(distinct coalesce(reverses_id, id)) from new_rows));
  elsif tg_table_name = 'payment_allocations' then
    perform crm_credit_refresh(
      (select array_agg(distinct customer_profile_id) from new_rows), null,
      (select array_agg(distinct receivable_id) from new_rows));
  else -- payments, credit_limits
    perform crm_credit_refresh((select array_agg(distinct customer_profile_id) from new_rows), null, null);
  end if;
  return null;
end $$;
drop trigger if exists receivables_credit_accounts on receivables;
create trigger receivables_credit_accounts after insert on receivables referencing new table as new_rows
  for each statement execute function crm_credit_on_ledger();
drop trigger if exists payments_credit_accounts on payments;
create trigger payments_credit_accounts after insert on payments referencing new table as new_rows
  for each statement execute function crm_credit_on_ledger();
drop trigger if exists payment_allocations_credit_accounts on payment_allocations;
create trigger payment_allocations_credit_accounts after insert on payment_allocations referencing new table as new_rows
  for each statement execute function crm_credit_on_ledger();
drop trigger if exists credit_limits_credit_accounts on credit_limits;
create trigger credit_limits_credit_accounts after insert on credit_limits referencing new table as new_rows
  for each statement execute function crm_credit_on_ledger();

-- Won business: the deals whose value a statement may have changed, then only those that are won
-- (or were: a deal that stops being won leaves its account). One function for the three tables,
-- branching on the table and the operation like crm_credit_on_ledger.
--   deals: inserted won, won or unwon by an update, or moved to another customer profile while won
--     (both profiles are refreshed); edits of other fields cost one scan of the statement's rows.
--   deal_lines: a line of a won deal added, removed, or with other meters, price or currency.
--   price_snapshots: a snapshot of a won deal's line (the line's price as agreed).
create or replace function crm_credit_on_won_business() returns trigger language plpgsql as $$
declare
  v_deals uuid[];
begin
  if tg_table_name = 'deals' then
    if tg_op = 'INSERT' then
      select array_agg(n.id) into v_deals from new_rows n where n.status = 'won';
    else
      select array_agg(n.id) into v_deals
      from new_rows n join old_rows o on o.id = n.id
      where (n.status = 'won' or o.status = 'won')
        and (n.status is distinct from o.status or n.customer_profile_id is distinct from o.customer_profile_id);
    end if;
  else
    if tg_table_name = 'price_snapshots' then
      select array_agg(distinct l.deal_id) into v_deals from new_rows n join deal_lines l on l.id = n.deal_line_id;
    elsif tg_op = 'INSERT' then
      select array_agg(distinct n.deal_id) into v_deals from new_rows n;
    elsif tg_op = 'DELETE' then
      select array_agg(distinct o.deal_id) into v_deals from old_rows o;
    else
      select array_agg(distinct n.deal_id) into v_deals
      from new_rows n join old_rows o on o.id = n.id
      where n.meters is distinct from o.meters or n.unit_price is distinct from o.unit_price or n.currency is distinct from o.currency;
    end if;
    select array_agg(d.id) into v_deals from deals d where d.id = any(v_deals) and d.status = 'won';
  end if;
  perform crm_credit_refresh(null, v_deals, null);
  return null;
end $$;
drop trigger if exists deals_credit_accounts_insert on deals;
create trigger deals_credit_accounts_insert after insert on deals referencing new table as new_rows
  for each statement execute function crm_credit_on_won_business();
drop trigger if exists deals_credit_accounts_update on deals;
create trigger deals_credit_accounts_update after update on deals referencing old table as old_rows new table as new_rows
  for each statement execute function crm_credit_on_won_business();
drop trigger if exists deal_lines_credit_accounts_insert on deal_lines;
create trigger deal_lines_credit_accounts_insert after insert on deal_lines referencing new table as new_rows
  for each statement execute function crm_credit_on_won_business();
drop trigger if exists deal_lines_credit_accounts_update on deal_lines;
create trigger deal_lines_credit_accounts_update after update on deal_lines referencing old table as old_rows new table as new_rows
  for each statement execute function crm_credit_on_won_business();
drop trigger if exists deal_lines_credit_accounts_delete on deal_lines;
create trigger deal_lines_credit_accounts_delete after delete on deal_lines referencing old table as old_rows
  for each statement execute function crm_credit_on_won_business();
drop trigger if exists price_snapshots_credit_accounts on price_snapshots;
create trigger price_snapshots_credit_accounts after insert on price_snapshots referencing new table as new_rows
  for each statement execute function crm_credit_on_won_business();
-- The three functions this one replaced (databases made before it).
drop function if exists crm_credit_on_deals();
drop function if exists crm_credit_on_deal_lines();
drop function if exists crm_credit_on_price_snapshots();

-- ---------------------------------------------------------------------------------------------
-- crm_credit_rebuild(): every account from the ledgers, 500 customer profiles at a time (each
-- batch through crm_credit_refresh, the one computation). Returns the number of profiles.
create or replace function crm_credit_rebuild() returns int language plpgsql as $$
declare
  v_batch uuid[];
  v_count int := 0;
begin
  truncate crm_derived.credit_accounts, crm_derived.credit_deals, crm_derived.receivable_balances;
  for v_batch in
    select array_agg(id) from (select id, (row_number() over (order by id) - 1) / 500 as b from customer_org_profiles) p group by b
  loop
    perform crm_credit_refresh(
      v_batch,
      (select array_agg(d.id) from deals d where d.customer_profile_id = any(v_batch)
         and (d.status = 'won' or exists (select 1 from receivables r where r.deal_id = d.id))),
      (select array_agg(r.id) from receivables r where r.customer_profile_id = any(v_batch) and r.reverses_id is null));
    v_count := v_count + cardinality(v_batch);
  end loop;
  return v_count;
end $$;

-- Version 1 of these figures: a database without them (or with another version) is rebuilt once.
do $$
begin
  if not exists (select 1 from crm_derived.versions where name = 'credit_accounts' and version = 1) then
    perform crm_credit_rebuild();
    insert into crm_derived.versions (name, version) values ('credit_accounts', 1)
      on conflict (name) do update set version = excluded.version;
  end if;
end $$;
