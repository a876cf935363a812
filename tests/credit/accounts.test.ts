/**
 * The running credit figures (`crm_derived`, schema-snapshots/constraints/410-credit-accounts.sql)
 * against the ledgers: after every kind of write (endpoints, raw SQL on each ledger, a won deal's
 * lines and price snapshots) no account drifts; two transactions writing one account at once both
 * count; a write with the triggers off is caught by the drift check and mended by the rebuild,
 * which otherwise changes nothing.
 */
import { randomUUID } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { creditAccountsDrift, exposureRows, rebuildCreditAccounts } from '../../extensions/crm/src/modules/credit/repository.js';
import { as, daysAgo, makeCustomer, makeDeal, orgId, orgScopeAllFor, retireCustomers, USERS } from './support.js';

orgScopeAllFor([USERS.finance]);

const connection = { host: '127.0.0.1', port: inject('crmDbPort'), database: 'crm', user: 'postgres', password: 'crm-embedded' };
let db: Knex;
let orgs: string[];
const today = () => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  db = knexFactory({ client: 'pg', connection, pool: { min: 0, max: 4 } });
  orgs = [await orgId('MOD'), await orgId('JTR')];
});

afterAll(async () => {
  await retireCustomers();
  await db.destroy();
});

/** No account of the profiles drifts; answers their running figures (TRY rows). */
async function noDrift(profileIds: string[]) {
  expect(await creditAccountsDrift(db, { orgIds: orgs, profileIds, today: today() })).toEqual([]);
  return (await exposureRows(db, { orgIds: orgs, profileIds, today: today() })).filter((r) => r.currency === 'TRY');
}

async function receivable(profileId: string, amount: string, dueDaysAgo: number, extra: Record<string, unknown> = {}) {
  const result = await as(USERS.finance, 'POST', '/crm/receivables', {
    customer_profile_id: profileId,
    currency: 'TRY',
    amount,
    due_date: daysAgo(dueDaysAgo),
    kind: 'invoice',
    reference: `INV-${randomUUID().slice(0, 8)}`,
    ...extra,
  });
  expect(result.status, result.text).toBe(201);
  return result.body.data.id as string;
}

describe('the running credit figures', () => {
  it('agree with the ledgers after every write through the endpoints', async () => {
    const { profiles } = await makeCustomer('Figures Tekstil', ['MOD'], 3);
    const p = profiles.MOD;
    await receivable(p, '100', 40);
    expect(await noDrift([p])).toMatchObject([{ receivables_outstanding: '100.0000', overdue: '100.0000', exposure: '100.0000' }]);

    const payment = await as(USERS.finance, 'POST', '/crm/payments', {
      customer_profile_id: p,
      currency: 'TRY',
      amount: '130',
      value_date: daysAgo(1),
      method: 'bank_transfer',
      reference: `PAY-${randomUUID().slice(0, 8)}`,
    });
    expect(payment.status, payment.text).toBe(201);
    expect(await noDrift([p])).toMatchObject([{ receivables_outstanding: '0.0000', unallocated_payments: '30.0000', overdue: '0.0000' }]);

    const limit = await as(USERS.finance, 'POST', '/crm/credit/limits', {
      customer_profile_id: p,
      currency: 'TRY',
      amount: '500',
      note: 'set',
    });
    expect(limit.status, limit.text).toBe(201);
    const deal = await makeDeal('MOD', p, '50', '12.5');
    expect((await as(USERS.manager, 'POST', `/crm/deals/${deal.id}/won`, { note: 'signed' })).status).toBe(200);
    expect(await noDrift([p])).toMatchObject([{ open_won: '625.0000', exposure: '595.0000', credit_limit: '500.0000', over_limit: true }]);

    // An invoice of the deal turns open won business into a receivable (the payment's credit takes 30 of it).
    const invoice = await receivable(p, '600', -30, { deal_id: deal.id });
    expect(await noDrift([p])).toMatchObject([
      { open_won: '25.0000', receivables_outstanding: '570.0000', unallocated_payments: '0.0000' },
    ]);
    const reversed = await as(USERS.finance, 'POST', `/crm/receivables/${invoice}/reverse`, { note: 'wrong amount' });
    expect(reversed.status, reversed.text).toBe(201);
    expect(await noDrift([p])).toMatchObject([
      { open_won: '625.0000', receivables_outstanding: '0.0000', unallocated_payments: '30.0000' },
    ]);

    const reversal = await as(USERS.finance, 'POST', `/crm/payments/${payment.body.data.id}/reverse`, { note: 'bounced' });
    expect(reversal.status, reversal.text).toBe(201);
    // The bounced payment reopens the first receivable it had settled.
    expect(await noDrift([p])).toMatchObject([
      { open_won: '625.0000', receivables_outstanding: '100.0000', unallocated_payments: '0.0000', exposure: '725.0000' },
    ]);
  });

  it('agree with the ledgers after raw SQL on every ledger and on a won deal (lines, snapshots)', async () => {
    const { profiles } = await makeCustomer('Raw SQL Tekstil', ['MOD']);
    const p = profiles.MOD;
    const deal = await makeDeal('MOD', p, '10', '10');
    expect((await as(USERS.manager, 'POST', `/crm/deals/${deal.id}/won`, {})).status).toBe(200);
    expect(await noDrift([p])).toMatchObject([{ open_won: '100.0000' }]);

    const line = (await db('deal_lines').where('deal_id', deal.id).first('id', 'org_id', 'quality_code')) as {
      id: string;
      org_id: string;
      quality_code: string;
    };
    await db('deal_lines').where('id', line.id).update({ meters: '20' });
    expect(await noDrift([p])).toMatchObject([{ open_won: '200.0000' }]);

    await db('deal_lines').insert({
      id: randomUUID(),
      deal_id: deal.id,
      line_no: 2,
      quality_code: line.quality_code,
      meters: '5',
      unit_price: '2',
      currency: 'TRY',
    });
    expect(await noDrift([p])).toMatchObject([{ open_won: '210.0000' }]);
    await db('deal_lines').where({ deal_id: deal.id, line_no: 2 }).delete();
    expect(await noDrift([p])).toMatchObject([{ open_won: '200.0000' }]);

    // A price snapshot prices the line (story 38): 20 m × 11.5.
    const listPrice = (await db('list_prices as l')
      .join('qualities as q', 'q.id', 'l.quality_id')
      .where('q.org_id', line.org_id)
      .first('l.id')) as { id: string };
    await db('price_snapshots').insert({
      list_price_id: listPrice.id,
      id: randomUUID(),
      org_id: line.org_id,
      deal_id: deal.id,
      deal_line_id: line.id,
      quality_code: line.quality_code,
      list_price: '11.5',
      list_currency: 'TRY',
      discount_pct: 0,
      unit_price: '11.5',
      currency: 'TRY',
      approved_at: new Date(),
      approval_request_ids: JSON.stringify([]),
      price_reference: 'list_price',
    });
    expect(await noDrift([p])).toMatchObject([{ open_won: '230.0000' }]);

    const receivableId = randomUUID();
    await db('receivables').insert({
      id: receivableId,
      customer_profile_id: p,
      currency: 'TRY',
      amount: '80',
      due_date: daysAgo(10),
      kind: 'invoice',
      reference: 'RAW-1',
      created_at: new Date(),
    });
    const paymentId = randomUUID();
    await db('payments').insert({
      id: paymentId,
      customer_profile_id: p,
      currency: 'TRY',
      amount: '50',
      value_date: daysAgo(1),
      method: 'cash',
      reference: `RAW-${randomUUID().slice(0, 8)}`,
      kind: 'payment',
      recorded_at: new Date(),
    });
    expect(await noDrift([p])).toMatchObject([{ receivables_outstanding: '80.0000', unallocated_payments: '50.0000', overdue: '80.0000' }]);
    await db('payment_allocations').insert({
      id: randomUUID(),
      payment_id: paymentId,
      receivable_id: receivableId,
      customer_profile_id: p,
      currency: 'TRY',
      amount: '50',
      created_at: new Date(),
    });
    expect(await noDrift([p])).toMatchObject([{ receivables_outstanding: '30.0000', unallocated_payments: '0.0000', overdue: '30.0000' }]);
  });

  it('count both of two transactions that write one account at once', async () => {
    const { profiles } = await makeCustomer('Race Tekstil', ['MOD']);
    const p = profiles.MOD;
    const first = new pg.Client(connection);
    const second = new pg.Client(connection);
    await first.connect();
    await second.connect();
    const insertPayment = (client: pg.Client, amount: string) =>
      client.query(
        `insert into payments (id, customer_profile_id, currency, amount, value_date, method, reference, kind, recorded_at)
         values (gen_random_uuid(), $1, 'TRY', $2, current_date, 'cash', $3, 'payment', now())`,
        [p, amount, `RACE-${randomUUID().slice(0, 8)}`],
      );
    try {
      await first.query('begin');
      await second.query('begin');
      await insertPayment(first, '10');
      const waiting = insertPayment(second, '5'); // waits for the first's account lock
      await new Promise((resolve) => setTimeout(resolve, 200));
      await first.query('commit');
      await waiting;
      await second.query('commit');
    } finally {
      await first.end();
      await second.end();
    }
    expect(await noDrift([p])).toMatchObject([{ unallocated_payments: '15.0000', exposure: '-15.0000' }]);
  });

  it('a write with the triggers off is found by the drift check and mended by the rebuild, which changes nothing else', async () => {
    const { profiles } = await makeCustomer('Drift Tekstil', ['MOD']);
    const p = profiles.MOD;
    await receivable(p, '40', 5);
    const before = await exposureRows(db, { orgIds: orgs, today: today() });
    await db.transaction(async (trx) => {
      await trx.raw('set local session_replication_role = replica');
      await trx('receivables').insert({
        id: randomUUID(),
        org_id: await orgId('MOD'),
        customer_profile_id: p,
        currency: 'TRY',
        amount: '7',
        due_date: daysAgo(5),
        kind: 'invoice',
        reference: 'UNSEEN',
        created_at: new Date(),
      });
    });
    const drift = await creditAccountsDrift(db, { orgIds: orgs, profileIds: [p], today: today() });
    expect(drift.map((d) => [d.key, d.running?.receivables_outstanding, d.ledgers?.receivables_outstanding])).toEqual([
      [`${p}/TRY`, '40.0000', '47.0000'],
    ]);
    expect(await rebuildCreditAccounts(db)).toBeGreaterThan(0);
    expect(await noDrift([p])).toMatchObject([{ receivables_outstanding: '47.0000' }]);
    const after = await exposureRows(db, { orgIds: orgs, today: today() });
    const others = (rows: typeof before) => rows.filter((r) => r.customer_profile_id !== p);
    expect(others(after)).toEqual(others(before));
    expect(await creditAccountsDrift(db, { orgIds: orgs, today: today() })).toEqual([]);
  });
});
