/**
 * The payments ledger (stories 13, 15) through real HTTP: record, allocate oldest due first (or
 * the named PO first), reverse with a note (a reversal entry, never an edit), the ledger read with
 * allocations, duplicate references, roles, append-only for everyone, and a payment recorded while
 * a deal is being won (no lost update).
 */
import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { adminGet, adminToken, baseUrl, http, tokenFor } from '../support/api.js';
import { as, daysAgo, expectRefusal, makeCustomer, makeDeal, orgScopeAllFor, retireCustomers, USERS } from './support.js';

orgScopeAllFor([USERS.finance]);

afterAll(async () => {
  await retireCustomers();
});

const pay = (email: string, profileId: string, amount: string, reference: string, extra: Record<string, unknown> = {}) =>
  as(email, 'POST', '/crm/payments', {
    customer_profile_id: profileId,
    currency: 'TRY',
    amount,
    value_date: daysAgo(1),
    method: 'bank_transfer',
    reference,
    ...extra,
  });

async function owe(profileId: string, amount: string, dueDaysAgo: number, reference: string) {
  const result = await as(USERS.finance, 'POST', '/crm/receivables', {
    customer_profile_id: profileId,
    currency: 'TRY',
    amount,
    due_date: daysAgo(dueDaysAgo),
    kind: 'invoice',
    reference,
  });
  expect(result.status, result.text).toBe(201);
  return result.body.data.id as string;
}

async function figures(profileId: string) {
  const result = await as(USERS.finance, 'GET', `/crm/credit/exposure?customer_profile_id=${profileId}`);
  expect(result.status, result.text).toBe(200);
  const row = result.body.data.rows.find((r: { currency: string }) => r.currency === 'TRY');
  return { outstanding: row.receivables_outstanding, unallocated: row.unallocated_payments, exposure: row.exposure, overdue: row.overdue };
}

describe('the payments ledger', () => {
  it('records, allocates oldest due first, reverses with a note, and shows it all in the ledger', async () => {
    const { profiles } = await makeCustomer('Ledger Tekstil', ['MOD']);
    const old = await owe(profiles.MOD, '100', 50, 'INV-OLD');
    const recent = await owe(profiles.MOD, '200', 10, 'INV-NEW');
    expect(await figures(profiles.MOD)).toEqual({
      outstanding: '300.0000',
      unallocated: '0.0000',
      exposure: '300.0000',
      overdue: '300.0000',
    });

    // Who may record: Finance only; another org's profile is a profile that does not exist.
    const ref = `BANK-${randomUUID().slice(0, 8)}`;
    for (const email of [USERS.manager, USERS.salesMod, USERS.pricing]) {
      expectRefusal(await pay(email, profiles.MOD, '1', ref), 403, 'PAYMENT_NOT_ALLOWED', 'customer_profile_id');
    }
    expectRefusal(await pay(USERS.salesJtr, profiles.MOD, '1', ref), 400, 'CUSTOMER_PROFILE_NOT_FOUND', 'customer_profile_id');
    expectRefusal(await pay(USERS.finance, profiles.MOD, '0', ref), 400, 'INVALID_INPUT', 'amount');
    expectRefusal(await pay(USERS.finance, profiles.MOD, '-5', ref), 400, 'INVALID_INPUT', 'amount');
    expectRefusal(await pay(USERS.finance, profiles.MOD, '5', ref, { method: 'barter' }), 400, 'INVALID_INPUT', 'method');
    expectRefusal(await pay(USERS.finance, profiles.MOD, '5', ref, { value_date: '2026-02-30' }), 400, 'INVALID_INPUT', 'value_date');
    expectRefusal(await pay(USERS.finance, profiles.MOD, '5', ref, { po_id: randomUUID() }), 400, 'PURCHASE_ORDER_NOT_FOUND', 'po_id');

    const first = await pay(USERS.finance, profiles.MOD, '150', ref, { note: 'wire' });
    expect(first.status, first.text).toBe(201);
    expect(first.body.data.allocations).toEqual([
      { payment_id: first.body.data.id, receivable_id: old, amount: '100.0000' },
      { payment_id: first.body.data.id, receivable_id: recent, amount: '50.0000' },
    ]);
    expect(first.body.data.exposure).toMatchObject({ exposure: '150.0000', overdue: '150.0000' });
    // The reference is unique per org; nothing changes on a refusal.
    expectRefusal(await pay(USERS.finance, profiles.MOD, '150', ref), 409, 'PAYMENT_REFERENCE_TAKEN', 'reference');

    const second = await pay(USERS.finance, profiles.MOD, '250', `${ref}-2`);
    expect(second.body.data).toMatchObject({ unallocated: '100.0000', allocations: [{ receivable_id: recent, amount: '150.0000' }] });
    expect(await figures(profiles.MOD)).toEqual({
      outstanding: '0.0000',
      unallocated: '100.0000',
      exposure: '-100.0000',
      overdue: '0.0000',
    });

    // Reversal: Finance with a note; the second payment's credit settles what reopens.
    const reverse = (email: string, id: string, body: unknown = { note: 'bounced' }) =>
      as(email, 'POST', `/crm/payments/${id}/reverse`, body);
    expectRefusal(await reverse(USERS.manager, first.body.data.id), 403, 'PAYMENT_NOT_ALLOWED', 'id');
    expectRefusal(await reverse(USERS.salesJtr, first.body.data.id), 404, 'PAYMENT_NOT_FOUND', 'id');
    expectRefusal(await reverse(USERS.finance, first.body.data.id, {}), 400, 'INVALID_INPUT', 'note');
    const reversed = await reverse(USERS.finance, first.body.data.id);
    expect(reversed.status, reversed.text).toBe(201);
    expect(reversed.body.data).toMatchObject({
      amount: '-150.0000',
      reallocated: [{ payment_id: second.body.data.id, receivable_id: old, amount: '100.0000' }],
    });
    expect(await figures(profiles.MOD)).toEqual({ outstanding: '50.0000', unallocated: '0.0000', exposure: '50.0000', overdue: '50.0000' });
    expectRefusal(await reverse(USERS.finance, first.body.data.id), 409, 'PAYMENT_ALREADY_REVERSED', 'id');
    expectRefusal(await reverse(USERS.finance, reversed.body.data.id), 409, 'PAYMENT_IS_REVERSAL', 'id');
    const audit = await adminGet<Array<{ action: string; note: string }>>(
      `/items/audit_log?filter[entity_id][_eq]=${first.body.data.id}&fields=action,note&sort=occurred_at`,
    );
    expect(audit).toEqual([
      { action: 'payment.recorded', note: 'wire' },
      { action: 'payment.reversed', note: 'bounced' },
    ]);

    // The ledger: newest first, the reversal entry, what each payment settled.
    const ledger = await as(USERS.finance, 'GET', `/crm/payments?customer_profile_id=${profiles.MOD}`);
    expect(ledger.status, ledger.text).toBe(200);
    expect(ledger.body.data.total).toBe(3);
    const byId = new Map(ledger.body.data.entries.map((e: { id: string }) => [e.id, e]));
    expect(byId.get(first.body.data.id)).toMatchObject({ kind: 'payment', reversed_by: reversed.body.data.id, unallocated: '0.0000' });
    expect(byId.get(reversed.body.data.id)).toMatchObject({ kind: 'reversal', reverses_id: first.body.data.id, amount: '-150.0000' });
    expect((byId.get(second.body.data.id) as { allocations: unknown[] }).allocations).toHaveLength(2);
    expect((await as(USERS.manager, 'GET', `/crm/payments?customer_profile_id=${profiles.MOD}`)).body.data.total).toBe(3);
    expect((await as(USERS.finance, 'GET', `/crm/payments?customer_profile_id=${profiles.MOD}&from=${daysAgo(0)}`)).body.data.total).toBe(
      1,
    );
    expectRefusal(await as(USERS.salesMod, 'GET', '/crm/payments'), 403, 'PAYMENT_NOT_ALLOWED');
    expectRefusal(await as(USERS.finance, 'GET', '/crm/payments?limit=0'), 400, 'INVALID_INPUT', 'limit');

    // Never edited or deleted, not even by the admin; users cannot write the ledger at all.
    const admin = await adminToken();
    expectRefusal(await http('PATCH', `/items/payments/${second.body.data.id}`, admin, { amount: '1' }), 400, 'CREDIT_LEDGER_APPEND_ONLY');
    expectRefusal(await http('DELETE', `/items/payments/${second.body.data.id}`, admin), 400, 'CREDIT_LEDGER_APPEND_ONLY');
    expectRefusal(await http('DELETE', `/items/receivables/${old}`, admin), 400, 'CREDIT_LEDGER_APPEND_ONLY');
    expect((await as(USERS.finance, 'PATCH', `/items/payments/${second.body.data.id}`, { amount: '1' })).status).toBe(403);
    expect((await as(USERS.finance, 'POST', '/items/payments', { customer_profile_id: profiles.MOD })).status).toBe(403);
  });

  it('settles the named PO first', async () => {
    const { profiles } = await makeCustomer('PO Tekstil', ['MOD']);
    const deal = await makeDeal('MOD', profiles.MOD, '10.00', '1.0000');
    expect((await as(USERS.manager, 'POST', `/crm/deals/${deal.id}/won`, {})).status).toBe(200);
    const po = await as(USERS.manager, 'POST', '/crm/purchase-orders', {
      deal_id: deal.id,
      ship_date: '2026-12-20',
      ship_to: { name: 'Depo', address_lines: ['Cad. 1'], city: 'Bursa', country_code: 'TR' },
    });
    expect(po.status, po.text).toBe(201);
    const older = await owe(profiles.MOD, '40', 20, 'INV-A');
    const forPo = await as(USERS.finance, 'POST', '/crm/receivables', {
      customer_profile_id: profiles.MOD,
      currency: 'TRY',
      amount: '10',
      due_date: daysAgo(1),
      kind: 'invoice',
      reference: 'INV-PO',
      deal_id: deal.id,
      po_id: po.body.data.id,
    });
    expect(forPo.status, forPo.text).toBe(201);
    const paid = await pay(USERS.finance, profiles.MOD, '15', `PO-${randomUUID().slice(0, 8)}`, {
      po_id: po.body.data.id,
      proforma_ref: 'MOD2026PI0001',
    });
    expect(paid.body.data.allocations.map((a: { receivable_id: string; amount: string }) => [a.receivable_id, a.amount])).toEqual([
      [forPo.body.data.id, '10.0000'],
      [older, '5.0000'],
    ]);
    // The deal is invoiced in full: nothing of it is open won business any more.
    const rows = (await as(USERS.finance, 'GET', `/crm/credit/exposure?customer_profile_id=${profiles.MOD}`)).body.data.rows;
    expect(rows[0]).toMatchObject({ open_won: '0.0000', receivables_outstanding: '35.0000', exposure: '35.0000' });
  });

  it('reverses a receivable with a note: a reversal entry, its settlements given back, exposure at once', async () => {
    const { profiles } = await makeCustomer('Reversal Tekstil', ['MOD']);
    const wrong = await owe(profiles.MOD, '100', 50, 'INV-WRONG');
    const right = await owe(profiles.MOD, '200', 10, 'INV-RIGHT');
    const paid = await pay(USERS.finance, profiles.MOD, '150', `REV-${randomUUID().slice(0, 8)}`);
    expect(paid.status, paid.text).toBe(201);
    // A deal invoiced in full: the invoice's reversal makes it open won business again.
    const deal = await makeDeal('MOD', profiles.MOD, '10.00', '5.0000');
    expect((await as(USERS.manager, 'POST', `/crm/deals/${deal.id}/won`, {})).status).toBe(200);
    const invoice = await as(USERS.finance, 'POST', '/crm/receivables', {
      customer_profile_id: profiles.MOD,
      currency: 'TRY',
      amount: '50',
      due_date: daysAgo(-30),
      kind: 'invoice',
      reference: 'INV-DEAL',
      deal_id: deal.id,
    });
    expect(invoice.status, invoice.text).toBe(201);
    const row = async () =>
      (await as(USERS.finance, 'GET', `/crm/credit/exposure?customer_profile_id=${profiles.MOD}`)).body.data.rows.find(
        (r: { currency: string }) => r.currency === 'TRY',
      );
    expect(await row()).toMatchObject({ open_won: '0.0000', receivables_outstanding: '200.0000', exposure: '200.0000' });

    // Finance only (the admin too); no grant in the org answers exactly like a receivable that does not exist.
    const reverse = (email: string, id: string, body: unknown = { note: 'issued by mistake' }) =>
      as(email, 'POST', `/crm/receivables/${id}/reverse`, body);
    for (const email of [USERS.manager, USERS.salesMod, USERS.pricing]) {
      expectRefusal(await reverse(email, wrong), 403, 'PAYMENT_NOT_ALLOWED', 'id');
    }
    const hidden = await reverse(USERS.salesJtr, wrong);
    expectRefusal(hidden, 404, 'RECEIVABLE_NOT_FOUND', 'id');
    expect(hidden.text).toBe((await reverse(USERS.salesJtr, randomUUID())).text);
    expect((await reverse(USERS.nogrant, wrong)).text).toBe(hidden.text);
    expectRefusal(await reverse(USERS.finance, 'not-a-uuid'), 400, 'RECEIVABLE_NOT_FOUND');
    expectRefusal(await reverse(USERS.finance, wrong, {}), 400, 'INVALID_INPUT', 'note');
    expectRefusal(await reverse(USERS.finance, wrong, { note: '  ' }), 400, 'INVALID_INPUT', 'note');
    // Nothing changed on a refusal.
    expect(await row()).toMatchObject({ receivables_outstanding: '200.0000', exposure: '200.0000' });

    const reversed = await reverse(USERS.finance, wrong);
    expect(reversed.status, reversed.text).toBe(201);
    expect(reversed.body.data).toMatchObject({
      reverses_id: wrong,
      amount: '-100.0000',
      released_allocations: [{ payment_id: paid.body.data.id, receivable_id: wrong, amount: '-100.0000' }],
      reallocated: [{ payment_id: paid.body.data.id, receivable_id: right, amount: '100.0000' }],
      exposure: { receivables_outstanding: '100.0000', unallocated_payments: '0.0000', exposure: '100.0000', overdue: '50.0000' },
    });
    expect(await row()).toMatchObject({ receivables_outstanding: '100.0000', exposure: '100.0000', overdue: '50.0000' });
    // Idempotent: once only; a reversal entry is not reversed.
    expectRefusal(await reverse(USERS.finance, wrong), 409, 'RECEIVABLE_ALREADY_REVERSED', 'id');
    expectRefusal(await reverse(USERS.finance, reversed.body.data.id), 409, 'RECEIVABLE_IS_REVERSAL', 'id');
    expect(await row()).toMatchObject({ receivables_outstanding: '100.0000', exposure: '100.0000' });

    const entry = await adminGet<{ kind: string; amount: string; reverses_id: string; reference: string; note: string }>(
      `/items/receivables/${reversed.body.data.id}?fields=kind,amount,reverses_id,reference,note`,
    );
    expect(entry).toMatchObject({ kind: 'reversal', reverses_id: wrong, reference: 'INV-WRONG', note: 'issued by mistake' });
    expect(Number(entry.amount)).toBe(-100);
    const audit = await adminGet<Array<{ action: string; note: string | null }>>(
      `/items/audit_log?filter[entity_id][_eq]=${wrong}&fields=action,note&sort=occurred_at`,
    );
    expect(audit).toEqual([
      { action: 'receivable.recorded', note: null },
      { action: 'receivable.reversed', note: 'issued by mistake' },
    ]);

    // The deal's invoice reversed: its value is open won business again.
    const undone = await http('POST', `/crm/receivables/${invoice.body.data.id}/reverse`, await adminToken(), { note: 'wrong deal' });
    expect(undone.status, undone.text).toBe(201);
    expect(await row()).toMatchObject({ open_won: '50.0000', receivables_outstanding: '50.0000', exposure: '100.0000' });
  });

  it('a payment recorded while a deal is being won is never lost', async () => {
    const { profiles } = await makeCustomer('Race Tekstil', ['MOD']);
    expect(
      (
        await as(USERS.finance, 'POST', '/crm/credit/limits', {
          customer_profile_id: profiles.MOD,
          currency: 'TRY',
          amount: '1000',
          note: 'n',
        })
      ).status,
    ).toBe(201);
    await owe(profiles.MOD, '900', -30, 'INV-FUTURE');
    const deal = await makeDeal('MOD', profiles.MOD, '50.00', '10.0000');
    const [won, paid] = await Promise.all([
      as(USERS.manager, 'POST', `/crm/deals/${deal.id}/won`, {}),
      pay(USERS.finance, profiles.MOD, '600', `RACE-${randomUUID().slice(0, 8)}`),
    ]);
    expect(won.status, won.text).toBe(200);
    expect(paid.status, paid.text).toBe(201);
    // Either order is a correct serial history; the decision matches exactly one of them.
    if (won.body.data.credit_blocked) {
      expect(won.body.data.credit_block_reasons).toEqual([
        { code: 'over_limit', currency: 'TRY', exposure_with_deal: '1400.0000', credit_limit: '1000.0000' },
      ]);
    } else {
      expect(won.body.data.credit_block_reasons).toEqual([]);
    }
    expect(await figures(profiles.MOD)).toEqual({
      outstanding: '300.0000',
      unallocated: '0.0000',
      exposure: '800.0000',
      overdue: '0.0000',
    });
  });
});

describe('the payments import (stories 13, 39)', () => {
  const COLUMNS = ['org_code', 'tax_number', 'currency', 'amount', 'value_date', 'method', 'reference', 'proforma_ref', 'note'];
  async function xlsx(rows: unknown[][], headings = COLUMNS): Promise<Buffer> {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('payments');
    sheet.addRow(headings);
    for (const row of rows) sheet.addRow(row);
    return Buffer.from(await workbook.xlsx.writeBuffer());
  }
  async function upload(
    email: string,
    body: Buffer | string,
    contentType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ) {
    const response = await fetch(`${baseUrl()}/crm/payments/imports?file_name=payments.xlsx`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenFor(email)}`, 'content-type': contentType },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, text };
  }

  it('dry run with strict row errors, all or nothing, duplicate references refused, audited', async () => {
    const customer = await makeCustomer('Import Tekstil', ['MOD', 'JTR']);
    const [identity] = await adminGet<Array<{ tax_number: string }>>(
      `/items/customers?filter[id][_eq]=${customer.customerId}&fields=tax_number`,
    );
    const tax = identity!.tax_number;
    await owe(customer.profiles.MOD, '100', 30, 'INV-IMP');
    const taken = `TAKEN-${randomUUID().slice(0, 8)}`;
    expect((await pay(USERS.finance, customer.profiles.MOD, '1', taken)).status).toBe(201);
    const ref = (n: number) => `IMP-${n}-${randomUUID().slice(0, 6)}`;
    const good = [
      ['MOD', tax, 'TRY', '60', daysAgo(2), 'bank_transfer', ref(1), 'MOD2026PI0002', 'first'],
      ['MOD', tax, 'TRY', '50.5', daysAgo(1), 'cash', ref(2), null, null],
    ];

    // Who: Finance only.
    for (const email of [USERS.manager, USERS.salesMod]) {
      const refused = await upload(email, await xlsx(good));
      expect({ status: refused.status, code: refused.body.errors[0].extensions.code }).toEqual({
        status: 403,
        code: 'PAYMENT_NOT_ALLOWED',
      });
    }
    // Files that are not what they should be.
    expect((await upload(USERS.finance, 'not a spreadsheet')).body.errors[0].extensions.code).toBe('IMPORT_FILE_INVALID');
    expect((await upload(USERS.finance, await xlsx(good), 'text/csv')).body.errors[0].extensions.code).toBe('IMPORT_FILE_INVALID');
    expect((await upload(USERS.finance, await xlsx(good, [...COLUMNS.slice(0, 8), 'remark']))).body.errors[0].extensions.code).toBe(
      'IMPORT_COLUMNS_INVALID',
    );
    expect((await upload(USERS.finance, await xlsx([]))).body.errors[0].extensions.code).toBe('IMPORT_EMPTY');

    const dup = ref(3);
    const bad = await upload(
      USERS.finance,
      await xlsx([
        ...good,
        ['JTR', tax, 'TRY', '5', daysAgo(1), 'cash', ref(4), null, null],
        ['MOD', tax, 'TRY', '5', daysAgo(1), 'cash', taken, null, null],
        ['MOD', tax, 'TRY', '5', daysAgo(1), 'cash', dup, null, null],
        ['MOD', tax, 'TRY', '5', daysAgo(1), 'cash', dup, null, null],
        ['MOD', 'NO-SUCH', 'TRY', '-5', '2026-13-01', 'barter', ref(5), null, null],
      ]),
    );
    expect(bad.status, bad.text).toBe(201);
    expect(bad.body.data.errors.map((e: { row: number; column: string }) => `${e.row}:${e.column}`)).toEqual([
      '5:reference',
      '7:reference',
      '8:tax_number',
      '8:amount',
      '8:value_date',
      '8:method',
    ]);
    expectRefusal(
      await as(USERS.finance, 'POST', `/crm/payments/imports/${bad.body.data.id}/apply`, { note: 'no' }),
      422,
      'IMPORT_HAS_ERRORS',
    );

    const dry = await upload(USERS.finance, await xlsx(good));
    expect(dry.status, dry.text).toBe(201);
    expect(dry.body.data.errors).toEqual([]);
    expect((await as(USERS.manager, 'GET', `/crm/payments/imports/${dry.body.data.id}`)).status).toBe(403);
    const applied = await as(USERS.finance, 'POST', `/crm/payments/imports/${dry.body.data.id}/apply`, { note: 'December statement' });
    expect(applied.status, applied.text).toBe(200);
    expectRefusal(
      await as(USERS.finance, 'POST', `/crm/payments/imports/${dry.body.data.id}/apply`, { note: 'again' }),
      409,
      'IMPORT_ALREADY_APPLIED',
    );
    const ledger = (await as(USERS.finance, 'GET', `/crm/payments?customer_profile_id=${customer.profiles.MOD}`)).body.data;
    expect(ledger.total).toBe(3);
    expect(await figures(customer.profiles.MOD)).toMatchObject({ outstanding: '0.0000', unallocated: '11.5000', exposure: '-11.5000' });
    // The same file again: every reference is taken now.
    const again = await upload(USERS.finance, await xlsx(good));
    expect(again.body.data.errors.map((e: { column: string }) => e.column)).toEqual(['reference', 'reference']);
    const audits = await adminGet<Array<{ action: string }>>(`/items/audit_log?filter[entity_id][_eq]=${dry.body.data.id}&fields=action`);
    expect(audits).toEqual([{ action: 'payment_import.applied' }]);
  });
});
