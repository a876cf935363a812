/**
 * FX rate reads and the one write (append). The as-of query is the SQL form of rates.ts#rateAsOf
 * (latest effective_at ≤ t, later recorded first) and is what every conversion uses.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { FX_PAIRS, type FxPair, type FxRate } from './rates.js';

interface FxRateRow {
  id: string;
  pair: FxPair;
  rate: string;
  effective_at: Date;
  date_created: Date;
  note: string | null;
  user_created: string | null;
}

export interface FxRateView {
  id: string;
  pair: FxPair;
  rate: string;
  effective_at: string;
  note: string | null;
  recorded_at: string;
  recorded_by: { id: string; name: string } | null;
}

export function toFxRate(row: Pick<FxRateRow, 'id' | 'pair' | 'rate' | 'effective_at' | 'date_created'>): FxRate {
  return { id: row.id, pair: row.pair, rate: row.rate, effectiveAt: new Date(row.effective_at), recordedAt: new Date(row.date_created) };
}

function view(row: FxRateRow & { first_name?: string | null; last_name?: string | null; email?: string | null }): FxRateView {
  const name = [row.first_name, row.last_name].filter(Boolean).join(' ') || row.email || '';
  return {
    id: row.id,
    pair: row.pair,
    rate: row.rate,
    effective_at: new Date(row.effective_at).toISOString(),
    note: row.note,
    recorded_at: new Date(row.date_created).toISOString(),
    recorded_by: row.user_created ? { id: row.user_created, name } : null,
  };
}

const COLUMNS = [
  'r.id',
  'r.pair',
  'r.rate',
  'r.effective_at',
  'r.date_created',
  'r.note',
  'r.user_created',
  'u.first_name',
  'u.last_name',
  'u.email',
];

export async function rateRowAsOf(db: Knex, pair: FxPair, at: Date): Promise<FxRateView | null> {
  const row = await db('fx_rates as r')
    .leftJoin('directus_users as u', 'u.id', 'r.user_created')
    .where('r.pair', pair)
    .where('r.effective_at', '<=', at)
    .orderBy([
      { column: 'r.effective_at', order: 'desc' },
      { column: 'r.date_created', order: 'desc' },
      { column: 'r.id', order: 'desc' },
    ])
    .first(COLUMNS);
  return row ? view(row) : null;
}

/** The rates as of `at` of every pair, for conversions (rates.ts#convertAsOf). */
export async function ratesAsOf(db: Knex, at: Date): Promise<FxRate[]> {
  const rows = await Promise.all(FX_PAIRS.map((pair) => rateRowAsOf(db, pair, at)));
  return rows
    .filter((r): r is FxRateView => r !== null)
    .map((r) => ({ id: r.id, pair: r.pair, rate: r.rate, effectiveAt: new Date(r.effective_at), recordedAt: new Date(r.recorded_at) }));
}

export async function rateHistory(db: Knex, pair: FxPair | null, limit: number): Promise<FxRateView[]> {
  const query = db('fx_rates as r')
    .leftJoin('directus_users as u', 'u.id', 'r.user_created')
    .orderBy([
      { column: 'r.effective_at', order: 'desc' },
      { column: 'r.date_created', order: 'desc' },
    ])
    .limit(limit)
    .select(COLUMNS);
  if (pair) query.where('r.pair', pair);
  return (await query).map(view);
}

/** The rate in force now and the next scheduled one (effective later), per pair. */
export async function currentAndScheduled(
  db: Knex,
  now: Date,
): Promise<Array<{ pair: FxPair; current: FxRateView | null; scheduled: FxRateView[] }>> {
  return Promise.all(
    FX_PAIRS.map(async (pair) => {
      const scheduled = await db('fx_rates as r')
        .leftJoin('directus_users as u', 'u.id', 'r.user_created')
        .where('r.pair', pair)
        .where('r.effective_at', '>', now)
        .orderBy('r.effective_at', 'asc')
        .limit(10)
        .select(COLUMNS);
      return { pair, current: await rateRowAsOf(db, pair, now), scheduled: scheduled.map(view) };
    }),
  );
}

export async function insertRate(
  trx: Knex,
  rate: { pair: FxPair; rate: string; effectiveAt: Date; note: string | null; userId: string | null; recordedAt: Date },
): Promise<string> {
  const id = randomUUID();
  await trx('fx_rates').insert({
    id,
    pair: rate.pair,
    rate: rate.rate,
    effective_at: rate.effectiveAt,
    note: rate.note,
    user_created: rate.userId,
    date_created: rate.recordedAt,
  });
  return id;
}
