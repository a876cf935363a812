-- Pricing governance and FX rates (stories 12, 14, 15, 22–26, 38, 39). What Directus' snapshot
-- cannot express, enforced by PostgreSQL for every route. Re-runnable, like every constraints file.
-- Refusals start with a stable CRM code; the bundle's database.error hook maps them to a 400.

-- ---------------------------------------------------------------------------------------------
-- orgs: the stale threshold of list prices (story 23). 30 days unless the org says otherwise.
alter table orgs drop constraint if exists orgs_price_stale_days_range;
alter table orgs add constraint orgs_price_stale_days_range check (price_stale_days between 1 and 365);

-- ---------------------------------------------------------------------------------------------
-- fx_rates (story 14): append-only history. A correction is a new rate with a later effective_at
-- (or the same effective_at: the later-recorded one wins, see modules/fx/rates.ts).
alter table fx_rates drop constraint if exists fx_rates_pair_check;
alter table fx_rates add constraint fx_rates_pair_check check (pair in ('USDTRY', 'EURTRY'));
alter table fx_rates drop constraint if exists fx_rates_rate_positive;
alter table fx_rates add constraint fx_rates_rate_positive check (rate > 0);
create index if not exists fx_rates_pair_effective on fx_rates (pair, effective_at desc, date_created desc);

drop trigger if exists fx_rates_append_only on fx_rates;
create trigger fx_rates_append_only before update or delete on fx_rates for each row
  execute function crm_guard_refuse('CRM_FX_RATE_APPEND_ONLY: FX rates are never changed or deleted; add a new rate instead');
drop function if exists crm_fx_rates_append_only();

-- ---------------------------------------------------------------------------------------------
-- qualities: upper-case code that starts with the org's code, like deal codes; org never changes.
alter table qualities drop constraint if exists qualities_code_format;
alter table qualities add constraint qualities_code_format check (code ~ '^[A-Z]{3}-[A-Z0-9][A-Z0-9-]{0,59}$');
create index if not exists qualities_org_code on qualities (org_id, code);

drop trigger if exists qualities_guard on qualities;
drop function if exists crm_qualities_guard();
drop trigger if exists qualities_guard_1_subject on qualities;
create trigger qualities_guard_1_subject before update on qualities for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: a quality''s org_id and code never change', 'org_id', 'code');
drop trigger if exists qualities_guard_2_code_of_org on qualities;
create trigger qualities_guard_2_code_of_org before insert or update on qualities for each row
  execute function crm_guard_code_of_org('CRM_CODE_ORG_MISMATCH: a quality code starts with its own org''s code', '-');

-- ---------------------------------------------------------------------------------------------
-- stock_by_quality_cache (owned by WMS inbound, story 81): pricing only reads "in stock =
-- available_meters > 0 in any warehouse of the org", through this function and the trigger below.
-- Its scope index (org_id, quality_code, warehouse_code) serves the lookup.
create or replace function crm_quality_in_stock(p_org uuid, p_quality_code text) returns boolean language sql stable as $$
  select exists (select 1 from stock_by_quality_cache s
                 where s.org_id = p_org and s.quality_code = p_quality_code and s.available_meters > 0)
$$;

-- ---------------------------------------------------------------------------------------------
-- list_prices (stories 15, 22, 23): one per org × quality × currency, always in the quality's org.
-- stale_after and in_stock are maintained here, so the Directus row filters can say "visible to
-- sales" as `in_stock = false or stale_after > $NOW` on every read door.
create unique index if not exists list_prices_org_quality_currency on list_prices (org_id, quality_id, currency);
create index if not exists list_prices_stale on list_prices (org_id, in_stock, stale_after);
alter table list_prices drop constraint if exists list_prices_currency_check;
alter table list_prices add constraint list_prices_currency_check check (currency in ('TRY', 'USD', 'EUR'));
alter table list_prices drop constraint if exists list_prices_price_positive;
alter table list_prices add constraint list_prices_price_positive check (price > 0);

drop trigger if exists list_prices_guard on list_prices;
drop function if exists crm_list_prices_guard();
drop trigger if exists list_prices_guard_1_subject on list_prices;
create trigger list_prices_guard_1_subject before update on list_prices for each row
  execute function crm_guard_immutable('CRM_IMMUTABLE_FIELD: a list price''s org, quality and currency never change', 'quality_id', 'org_id', 'currency');
drop trigger if exists list_prices_guard_2_org on list_prices;
create trigger list_prices_guard_2_org before insert or update on list_prices for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a list price is in its quality''s org', 'quality_id', 'qualities', 'org_id', 'copy');

-- What a list price derives: confirmed now unless said otherwise, stale after the org's threshold,
-- in stock as the stock cache says.
create or replace function crm_list_prices_derive() returns trigger language plpgsql as $$
declare
  stale_days integer;
begin
  if new.confirmed_at is null then
    new.confirmed_at := now();
  end if;
  select price_stale_days into stale_days from orgs where id = new.org_id;
  new.stale_after := new.confirmed_at + make_interval(days => coalesce(stale_days, 30));
  new.in_stock := crm_quality_in_stock(new.org_id, (select q.code from qualities q where q.id = new.quality_id));
  return new;
end $$;
drop trigger if exists list_prices_guard_3_derive on list_prices;
create trigger list_prices_guard_3_derive before insert or update on list_prices for each row
  execute function crm_list_prices_derive();

-- A changed threshold moves every stale_after of the org.
create or replace function crm_orgs_price_stale_days_changed() returns trigger language plpgsql as $$
begin
  update list_prices set stale_after = confirmed_at + make_interval(days => new.price_stale_days) where org_id = new.id;
  return null;
end $$;
drop trigger if exists orgs_price_stale_days_changed on orgs;
create trigger orgs_price_stale_days_changed after update of price_stale_days on orgs
  for each row when (new.price_stale_days is distinct from old.price_stale_days)
  execute function crm_orgs_price_stale_days_changed();

-- A stock change flips in_stock of the org's list prices of that quality. Only a row that enters or
-- leaves "available > 0" (or moves to another org or quality) can flip it, so the triggers fire for
-- those rows alone (WHEN clauses cost no function call): the WMS rewrites stock rows constantly,
-- mostly without changing whether the quality is in stock. Prices already right are not rewritten.
-- Lock order (docs/wms-inbound.md, "No deadlocks"): the trigger fires once per stock row, in the
-- order the WMS ingestion writes them (org, quality, warehouse), and locks the list prices of one
-- org + quality in currency order (FOR UPDATE under ORDER BY), never in whatever order a plan
-- happens to return them: two deliveries touching the same qualities take the same locks in the
-- same order.
create or replace function crm_stock_refresh_list_prices() returns trigger language plpgsql as $$
begin
  -- The old row's quality may have left stock (or the row moved away from it): look at the rest.
  if tg_op = 'DELETE' or (tg_op = 'UPDATE' and (new.available_meters <= 0 or old.org_id is distinct from new.org_id
                                                 or old.quality_code is distinct from new.quality_code)) then
    update list_prices lp set in_stock = crm_quality_in_stock(old.org_id, old.quality_code)
     where lp.id in (select l.id from list_prices l join qualities q on q.id = l.quality_id
                      where l.org_id = old.org_id and q.code = old.quality_code
                        and l.in_stock is distinct from crm_quality_in_stock(old.org_id, old.quality_code)
                      order by l.currency for update of l)
       and lp.in_stock is distinct from crm_quality_in_stock(old.org_id, old.quality_code);
  end if;
  if tg_op = 'DELETE' then
    return null;
  end if;
  -- A row with meters available puts its quality in stock, whatever the other warehouses hold.
  if new.available_meters > 0 then
    update list_prices lp set in_stock = true
     where lp.id in (select l.id from list_prices l join qualities q on q.id = l.quality_id
                      where l.org_id = new.org_id and q.code = new.quality_code and l.in_stock is distinct from true
                      order by l.currency for update of l)
       and lp.in_stock is distinct from true;
  end if;
  return null;
end $$;
drop trigger if exists stock_by_quality_cache_pricing on stock_by_quality_cache;
drop trigger if exists stock_by_quality_cache_pricing_insert on stock_by_quality_cache;
create trigger stock_by_quality_cache_pricing_insert after insert on stock_by_quality_cache
  for each row when (new.available_meters > 0)
  execute function crm_stock_refresh_list_prices();
drop trigger if exists stock_by_quality_cache_pricing_update on stock_by_quality_cache;
create trigger stock_by_quality_cache_pricing_update after update on stock_by_quality_cache
  for each row when ((old.available_meters > 0) is distinct from (new.available_meters > 0)
                     or old.org_id is distinct from new.org_id or old.quality_code is distinct from new.quality_code)
  execute function crm_stock_refresh_list_prices();
drop trigger if exists stock_by_quality_cache_pricing_delete on stock_by_quality_cache;
create trigger stock_by_quality_cache_pricing_delete after delete on stock_by_quality_cache
  for each row when (old.available_meters > 0)
  execute function crm_stock_refresh_list_prices();

-- ---------------------------------------------------------------------------------------------
-- price_snapshots (story 38): immutable. created_txid ties a line's move to approved pricing to
-- the transaction that froze its price (see deal_lines_pricing_gate below).
alter table price_snapshots drop constraint if exists price_snapshots_discount_range;
alter table price_snapshots add constraint price_snapshots_discount_range check (discount_pct >= 0 and discount_pct < 100);
alter table price_snapshots drop constraint if exists price_snapshots_fx_complete;
alter table price_snapshots add constraint price_snapshots_fx_complete
  check ((fx_pair is null and fx_rate is null) or (fx_pair in ('USDTRY', 'EURTRY') and fx_rate > 0));
create index if not exists price_snapshots_line on price_snapshots (deal_line_id, approved_at desc);

drop trigger if exists price_snapshots_guard on price_snapshots;
create trigger price_snapshots_guard before update or delete on price_snapshots for each row
  execute function crm_guard_refuse('CRM_SNAPSHOT_IMMUTABLE: price snapshots are never changed or deleted');
drop function if exists crm_price_snapshots_guard();
drop trigger if exists price_snapshots_guard_org on price_snapshots;
create trigger price_snapshots_guard_org before insert on price_snapshots for each row
  execute function crm_guard_matches('CRM_CROSS_ORG_REFERENCE: a price snapshot is in its deal line''s org', 'deal_line_id', 'deal_lines', 'org_id');
create or replace function crm_price_snapshots_stamp() returns trigger language plpgsql as $$
begin
  new.created_txid := txid_current();
  return new;
end $$;
drop trigger if exists price_snapshots_stamp on price_snapshots;
create trigger price_snapshots_stamp before insert on price_snapshots for each row
  execute function crm_price_snapshots_stamp();

-- ---------------------------------------------------------------------------------------------
-- deal_lines pricing gate (story 26), for every route including an admin's item update:
-- * a line reaches 'approved' only in a transaction that wrote its price snapshot (the pricing
--   service does that after checking every required approval);
-- * changing priced terms (quality, currency, discount, unit price, meters) of a line that was
--   submitted, approved or rejected sends it back to draft, unless the same statement sets the
--   pricing status itself (the pricing service). An old approval never covers new terms.
-- * a priced line is never deleted: exposure reads its snapshot.
create or replace function crm_deal_lines_pricing_gate() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    if exists (select 1 from price_snapshots where deal_line_id = old.id) then
      raise exception using errcode = '23514', message = 'CRM_PRICED_LINE: a deal line with a price snapshot is never deleted';
    end if;
    return old;
  end if;
  if tg_op = 'UPDATE' and new.pricing_status is not distinct from old.pricing_status and old.pricing_status <> 'draft'
     and (new.quality_code is distinct from old.quality_code or new.currency is distinct from old.currency
          or new.discount_pct is distinct from old.discount_pct or new.unit_price is distinct from old.unit_price
          or new.meters is distinct from old.meters) then
    new.pricing_status := 'draft';
  end if;
  if new.pricing_status = 'approved' and (tg_op = 'INSERT' or old.pricing_status <> 'approved')
     and not exists (select 1 from price_snapshots where deal_line_id = new.id and created_txid = txid_current()) then
    raise exception using errcode = '23514',
      message = 'CRM_PRICING_APPROVAL_REQUIRED: a deal line reaches approved pricing only through the pricing approval flow';
  end if;
  return new;
end $$;
drop trigger if exists deal_lines_pricing_gate on deal_lines;
create trigger deal_lines_pricing_gate before insert or update or delete on deal_lines
  for each row execute function crm_deal_lines_pricing_gate();

-- ---------------------------------------------------------------------------------------------
-- pricing_approval_terms: one row per pricing approval request, written with it; never changed.
-- A plain index: a single-column unique index would read to Directus as is_unique and drift from
-- the snapshot. One terms row per request holds because the service writes both together.
-- Single-column indexes on approval_request_id and deal_line_id are Directus' (is_indexed in the
-- snapshot): an index created here would show up as drift in the snapshot.
drop trigger if exists pricing_approval_terms_immutable on pricing_approval_terms;
create trigger pricing_approval_terms_immutable before update on pricing_approval_terms for each row
  execute function crm_guard_refuse('CRM_IMMUTABLE_FIELD: the terms of a pricing approval request never change');
drop function if exists crm_pricing_approval_terms_immutable();

-- ---------------------------------------------------------------------------------------------
-- pricing_imports (story 39): bulk list-price imports, written only by /crm/pricing/imports.
alter table pricing_imports drop constraint if exists pricing_imports_status_check;
alter table pricing_imports add constraint pricing_imports_status_check check (status in ('validating', 'dry_run', 'applied', 'failed'));
alter table pricing_imports drop constraint if exists pricing_imports_counts_check;
alter table pricing_imports add constraint pricing_imports_counts_check check (
  total_rows >= 0 and processed_rows >= 0 and processed_rows <= 20000 and error_count >= 0
  and new_count >= 0 and changed_count >= 0 and unchanged_count >= 0);
-- Applied means applied by someone at some moment; only an applied import has those.
alter table pricing_imports drop constraint if exists pricing_imports_applied_check;
alter table pricing_imports add constraint pricing_imports_applied_check check ((status = 'applied') = (applied_at is not null));
create index if not exists pricing_imports_created on pricing_imports (created_by, created_at desc);
