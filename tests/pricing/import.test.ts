/**
 * Story 39: bulk list-price import. The template; a dry run that changes nothing and reports
 * per-row errors and new / changed / unchanged; apply all or nothing, audited; refusals for files
 * that are not .xlsx, too large, with wrong columns; who may import what; a 10k-row file.
 */
import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { adminGet, adminToken, baseUrl, http, login, tokenFor } from '../support/api.js';
import { closeDb, db, makeQuality, orgId } from './world.js';

afterAll(closeDb);

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const COLUMNS = ['org_code', 'quality_code', 'currency', 'price', 'note'];
const PRICING = 'pricing@example.com';
const SALES = 'sales.mod@example.com';

async function xlsx(rows: unknown[][], headings: string[] = COLUMNS): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('prices');
  sheet.addRow(headings);
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

async function upload(token: string, body: Buffer | string, contentType = XLSX) {
  const response = await fetch(`${baseUrl()}/crm/pricing/imports?file_name=prices.xlsx`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, text };
}

async function pricesOf(qualityId: string) {
  const rows = await db()('list_prices')
    .where('quality_id', qualityId)
    .orderBy('currency')
    .select('currency', 'price', 'confirmed_at', 'confirmed_by', 'confirmation_note');
  return rows.map((r) => ({ ...r, confirmed_at: new Date(r.confirmed_at).toISOString() }));
}

const codeOf = (body: any) => body?.errors?.[0]?.extensions?.code;

let pricingToken: string;
let pricingUserId: string;
beforeAll(async () => {
  pricingToken = await tokenFor(PRICING);
  pricingUserId = (await http('GET', '/users/me?fields=id', pricingToken)).body.data.id;
});

describe('template', () => {
  it('is an .xlsx with the columns, a hints sheet and a currency drop-down', async () => {
    const response = await fetch(`${baseUrl()}/crm/pricing/import-template`, { headers: { authorization: `Bearer ${pricingToken}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(XLSX);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    expect(workbook.worksheets.map((w) => w.name)).toEqual(['prices', 'hints']);
    const prices = workbook.getWorksheet('prices')!;
    expect((prices.getRow(1).values as unknown[]).slice(1)).toEqual(COLUMNS);
    expect(prices.actualRowCount).toBe(1);
    expect(prices.getCell('C2').dataValidation).toMatchObject({ type: 'list', formulae: ['"TRY,USD,EUR"'] });
    expect(workbook.getWorksheet('hints')!.getColumn(1).values).toEqual(expect.arrayContaining(COLUMNS));

    // The template filled in is accepted as it is (its 2,000 drop-down cells are blank rows).
    const quality = await makeQuality('MOD', [], 'TPL');
    prices.getRow(2).values = ['MOD', quality.code, 'TRY', '12.5', 'from the template'];
    const dry = await upload(pricingToken, Buffer.from(await workbook.xlsx.writeBuffer()));
    expect(dry.status, dry.text).toBe(201);
    expect(dry.body.data).toMatchObject({ total_rows: 1, error_count: 0, counts: { new: 1, changed: 0, unchanged: 0 } });
  });
});

describe('dry run and apply', () => {
  it('a valid file: the dry run changes nothing, apply sets every price, confirms and audits it, once', async () => {
    const changed = await makeQuality('MOD', [['TRY', '84.5000', 40]], 'IMP');
    const unchanged = await makeQuality('MOD', [['TRY', '10.0000', 3]], 'IMP');
    const fresh = await makeQuality('JTR', [], 'IMP');
    const before = { changed: await pricesOf(changed.id), unchanged: await pricesOf(unchanged.id), fresh: await pricesOf(fresh.id) };

    const file = await xlsx([
      ['MOD', changed.code, 'TRY', '90.25', 'spring list'],
      ['mod', changed.code.toLowerCase(), 'usd', 2.5, null],
      ['MOD', unchanged.code, 'TRY', 10, null],
      [],
      ['JTR', fresh.code, 'EUR', '3.1234', null],
    ]);
    const dry = await upload(pricingToken, file);
    expect(dry.status, dry.text).toBe(201);
    expect(dry.body.data).toMatchObject({
      status: 'dry_run',
      total_rows: 4,
      processed_rows: 4,
      error_count: 0,
      errors: [],
      counts: { new: 2, changed: 1, unchanged: 1 },
      org_codes: ['JTR', 'MOD'],
    });
    expect(dry.body.data.preview).toEqual([
      {
        row: 2,
        org_code: 'MOD',
        quality_code: changed.code,
        currency: 'TRY',
        price: '90.2500',
        previous_price: '84.5000',
        action: 'changed',
        note: 'spring list',
      },
      {
        row: 3,
        org_code: 'MOD',
        quality_code: changed.code,
        currency: 'USD',
        price: '2.5000',
        previous_price: null,
        action: 'new',
        note: null,
      },
      {
        row: 4,
        org_code: 'MOD',
        quality_code: unchanged.code,
        currency: 'TRY',
        price: '10.0000',
        previous_price: '10.0000',
        action: 'unchanged',
        note: null,
      },
      {
        row: 6,
        org_code: 'JTR',
        quality_code: fresh.code,
        currency: 'EUR',
        price: '3.1234',
        previous_price: null,
        action: 'new',
        note: null,
      },
    ]);
    // The dry run changed no price.
    expect({ changed: await pricesOf(changed.id), unchanged: await pricesOf(unchanged.id), fresh: await pricesOf(fresh.id) }).toEqual(
      before,
    );

    // Apply needs a note.
    const noNote = await http('POST', `/crm/pricing/imports/${dry.body.data.id}/apply`, pricingToken, {});
    expect(noNote.status).toBe(400);
    expect(await pricesOf(changed.id)).toEqual(before.changed);

    const applied = await http('POST', `/crm/pricing/imports/${dry.body.data.id}/apply`, pricingToken, { note: 'spring 2026 price list' });
    expect(applied.status, applied.text).toBe(200);
    expect(applied.body.data).toMatchObject({ status: 'applied', applied_by: pricingUserId, apply_note: 'spring 2026 price list' });

    const after = await pricesOf(changed.id);
    expect(after.map((p) => [p.currency, p.price, p.confirmed_by, p.confirmation_note])).toEqual([
      ['TRY', '90.2500', pricingUserId, 'spring list'],
      ['USD', '2.5000', pricingUserId, 'spring 2026 price list'],
    ]);
    expect(after[0]!.confirmed_at).not.toBe(before.changed[0]!.confirmed_at);
    // Unchanged prices are reconfirmed by the import (it says they still hold).
    const reconfirmed = (await pricesOf(unchanged.id))[0]!;
    expect(reconfirmed).toMatchObject({ price: '10.0000', confirmed_by: pricingUserId });
    expect(reconfirmed.confirmed_at).not.toBe(before.unchanged[0]!.confirmed_at);
    expect((await pricesOf(fresh.id)).map((p) => [p.currency, p.price])).toEqual([['EUR', '3.1234']]);

    const audit = await db()('audit_log')
      .whereRaw(`details->>'import_id' = ?`, [dry.body.data.id])
      .orderByRaw(`(details->>'row')::int`)
      .select('action', 'actor', 'note', 'details');
    expect(audit.map((a) => [a.action, a.actor, a.note, a.details.row, a.details.previous_price])).toEqual([
      ['list_price.repriced', pricingUserId, 'spring list', 2, '84.5000'],
      ['list_price.created', pricingUserId, 'spring 2026 price list', 3, null],
      ['list_price.reconfirmed', pricingUserId, 'spring 2026 price list', 4, '10.0000'],
      ['list_price.created', pricingUserId, 'spring 2026 price list', 6, null],
    ]);
    const importAudit = await db()('audit_log')
      .where({ entity_collection: 'pricing_imports', entity_id: dry.body.data.id })
      .select('action', 'actor', 'note');
    expect(importAudit).toEqual([{ action: 'list_price_import.applied', actor: pricingUserId, note: 'spring 2026 price list' }]);

    // A second apply is refused and changes nothing.
    const again = await http('POST', `/crm/pricing/imports/${dry.body.data.id}/apply`, pricingToken, { note: 'twice' });
    expect(again.status).toBe(409);
    expect(codeOf(again.body)).toBe('IMPORT_ALREADY_APPLIED');
    expect(await pricesOf(changed.id)).toEqual(after);
  });

  it('bad values: every row error is reported with row, column and reason; apply is refused; nothing changes', async () => {
    const quality = await makeQuality('MOD', [['TRY', '20.0000', 1]], 'IMP');
    const other = await makeQuality('MOD', [], 'IMP');
    const before = await pricesOf(quality.id);
    const file = await xlsx([
      ['XYZ', 'XYZ-NOPE', 'TRY', '1', null],
      ['MOD', 'MOD-DOES-NOT-EXIST', 'TRY', '1', null],
      ['MOD', quality.code, 'GBP', '1', null],
      ['MOD', quality.code, 'TRY', '-1', null],
      ['MOD', quality.code, 'USD', '1.23456', null],
      ['MOD', quality.code, 'EUR', 'abc', null],
      ['MOD', other.code, 'TRY', '0', null],
      ['MOD', other.code, 'USD', '21', null],
      ['MOD', other.code, 'USD', '22', null],
      ['MOD', null, 'TRY', '1', null],
    ]);
    const dry = await upload(pricingToken, file);
    expect(dry.status, dry.text).toBe(201);
    const errors = dry.body.data.errors.map((e: any) => [e.row, e.column, e.reason]);
    const priceRule = 'must be a positive decimal with at most 10 integer and 4 fraction digits, e.g. 84.5000';
    expect(errors).toEqual([
      [2, 'org_code', '"XYZ" is not one of your pricing orgs (JTR, MOD)'],
      [3, 'quality_code', 'no quality "MOD-DOES-NOT-EXIST" in MOD'],
      [4, 'currency', '"GBP" must be one of TRY, USD, EUR'],
      [5, 'price', `"-1" ${priceRule}`],
      [6, 'price', `"1.23456" ${priceRule}`],
      [7, 'price', `"abc" ${priceRule}`],
      [8, 'price', `"0" ${priceRule}`],
      [10, 'quality_code', 'duplicates row 9: one price per org, quality and currency'],
      [11, 'quality_code', 'is required'],
    ]);
    expect(dry.body.data).toMatchObject({ error_count: 9, counts: { new: 1, changed: 0, unchanged: 0 } });

    const apply = await http('POST', `/crm/pricing/imports/${dry.body.data.id}/apply`, pricingToken, { note: 'try anyway' });
    expect(apply.status).toBe(422);
    expect(codeOf(apply.body)).toBe('IMPORT_HAS_ERRORS');
    expect(await pricesOf(quality.id)).toEqual(before);
    expect(await pricesOf(other.id)).toEqual([]);
  });

  it('a failed apply (the catalogue moved after the dry run) changes nothing and marks the import failed', async () => {
    const kept = await makeQuality('MOD', [['TRY', '30.0000', 1]], 'IMP');
    const removed = await makeQuality('MOD', [], 'IMP');
    const before = await pricesOf(kept.id);
    const dry = await upload(
      pricingToken,
      await xlsx([
        ['MOD', kept.code, 'TRY', '31'],
        ['MOD', removed.code, 'TRY', '5'],
      ]),
    );
    expect(dry.status, dry.text).toBe(201);
    expect(dry.body.data.error_count).toBe(0);

    await db()('qualities').where('id', removed.id).delete();
    const apply = await http('POST', `/crm/pricing/imports/${dry.body.data.id}/apply`, pricingToken, {
      note: 'apply after the quality was removed',
    });
    expect(apply.status, apply.text).toBe(409);
    expect(codeOf(apply.body)).toBe('IMPORT_APPLY_FAILED');
    expect(apply.body.errors[0].message).toContain(removed.code);
    expect(await pricesOf(kept.id)).toEqual(before);
    expect(await db()('audit_log').whereRaw(`details->>'import_id' = ?`, [dry.body.data.id]).count({ n: '*' })).toEqual([{ n: '0' }]);

    const stored = await http('GET', `/crm/pricing/imports/${dry.body.data.id}`, pricingToken);
    expect(stored.body.data).toMatchObject({ status: 'failed', applied_at: null });
    expect(stored.body.data.failure).toContain(removed.code);
    const retry = await http('POST', `/crm/pricing/imports/${dry.body.data.id}/apply`, pricingToken, { note: 'again' });
    expect(codeOf(retry.body)).toBe('IMPORT_FAILED');
  });
});

describe('files that are refused', () => {
  async function refused(body: Buffer | string, contentType = XLSX) {
    const before = await db()('pricing_imports').count({ n: '*' });
    const result = await upload(pricingToken, body, contentType);
    // A refused file leaves no import record behind.
    expect(await db()('pricing_imports').count({ n: '*' })).toEqual(before);
    return result;
  }

  it('not an .xlsx', async () => {
    const result = await refused('org_code,quality_code,currency,price,note\nMOD,MOD-X,TRY,1,\n');
    expect(result.status).toBe(400);
    expect(codeOf(result.body)).toBe('IMPORT_FILE_INVALID');
    // A zip that is no workbook.
    const zipLike = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 7)]);
    const broken = await refused(zipLike);
    expect(broken.status).toBe(400);
    expect(codeOf(broken.body)).toBe('IMPORT_FILE_INVALID');
  });

  it('a body that is not sent as .xlsx', async () => {
    const result = await refused(await xlsx([['MOD', 'MOD-X', 'TRY', '1']]), 'text/csv');
    expect(result.status).toBe(400);
    expect(result.body.errors[0].extensions).toMatchObject({ code: 'IMPORT_FILE_INVALID', fields: [{ field: 'content-type' }] });
  });

  it('too large (over 5 MiB)', async () => {
    const result = await refused(Buffer.alloc(5 * 1024 * 1024 + 1, 1));
    expect(result.status).toBe(413);
    expect(codeOf(result.body)).toBe('IMPORT_TOO_LARGE');
  });

  it('too large while streamed (no content-length): refused once 5 MiB are read, and the answer arrives', async () => {
    const before = await db()('pricing_imports').count({ n: '*' });
    // A chunked body (the size is only known by reading it) on a connection of its own (agent: false),
    // so that no later request reuses the socket of a body the server stopped reading.
    const answer = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const request = httpRequest(
        `${baseUrl()}/crm/pricing/imports?file_name=prices.xlsx`,
        {
          method: 'POST',
          agent: false,
          headers: { authorization: `Bearer ${pricingToken}`, 'content-type': XLSX, 'transfer-encoding': 'chunked' },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (part: string) => (text += part));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      request.on('error', reject);
      const chunk = Buffer.alloc(256 * 1024, 1);
      let sent = 0;
      const pump = () => {
        while (sent < 6 * 1024 * 1024) {
          sent += chunk.length;
          if (!request.write(chunk)) return void request.once('drain', pump);
        }
        request.end();
      };
      pump();
    });
    expect(answer.status).toBe(413);
    expect(codeOf(answer.body)).toBe('IMPORT_TOO_LARGE');
    expect(await db()('pricing_imports').count({ n: '*' })).toEqual(before);
  });

  it('an extra, a missing or a misnamed column', async () => {
    const extra = await refused(await xlsx([['MOD', 'MOD-X', 'TRY', '1', null, 'x']], [...COLUMNS, 'discount']));
    expect(extra.status).toBe(400);
    expect(extra.body.errors[0].extensions).toEqual({
      code: 'IMPORT_COLUMNS_INVALID',
      fields: [
        { field: 'columns.F', reason: 'unexpected column "discount": the sheet has exactly org_code, quality_code, currency, price, note' },
      ],
    });

    const missing = await refused(await xlsx([['MOD', 'MOD-X', 'TRY', '1']], COLUMNS.slice(0, 4)));
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].extensions).toEqual({
      code: 'IMPORT_COLUMNS_INVALID',
      fields: [{ field: 'columns.E', reason: 'missing column "note"' }],
    });

    const misnamed = await refused(await xlsx([['MOD', 'MOD-X', 'TRY', '1']], ['org_code', 'quality', 'currency', 'price', 'note']));
    expect(misnamed.status).toBe(400);
    expect(misnamed.body.errors[0].extensions).toEqual({
      code: 'IMPORT_COLUMNS_INVALID',
      fields: [{ field: 'columns.B', reason: 'must be headed "quality_code", found "quality"' }],
    });
  });

  it('headings without rows', async () => {
    const result = await refused(await xlsx([]));
    expect(result.status).toBe(400);
    expect(codeOf(result.body)).toBe('IMPORT_EMPTY');
  });
});

describe('who may import what', () => {
  it('a sales user gets 403 for the template, uploads and imports', async () => {
    const sales = await tokenFor(SALES);
    const template = await http('GET', '/crm/pricing/import-template', sales);
    expect(template.status).toBe(403);
    expect(codeOf(template.body)).toBe('PRICING_NOT_ALLOWED');
    const result = await upload(sales, await xlsx([['MOD', 'MOD-X', 'TRY', '1']]));
    expect(result.status).toBe(403);
    expect(codeOf(result.body)).toBe('PRICING_NOT_ALLOWED');
  });

  it('a pricing manager without a grant in an org cannot price it, nor see or apply its imports', async () => {
    const admin = await adminToken();
    const [role] = await adminGet<Array<{ id: string }>>(`/roles?filter[name][_eq]=Pricing Manager&fields=id`);
    const email = `pricing.mod.${randomUUID().slice(0, 8)}@example.com`;
    const user = await http('POST', '/users', admin, {
      email,
      password: 'demo-password',
      role: role!.id,
      status: 'active',
      first_name: 'MOD only',
    });
    expect(user.status, user.text).toBe(200);
    const grant = await http('POST', '/items/org_grants', admin, {
      user_id: user.body.data.id,
      org_id: await orgId('MOD'),
      role: 'pricing_manager',
    });
    expect(grant.status, grant.text).toBe(200);
    const modOnly = await login(email);

    const jtrQuality = await makeQuality('JTR', [['TRY', '40.0000', 1]], 'IMP');
    const before = await pricesOf(jtrQuality.id);
    const dry = await upload(modOnly, await xlsx([['JTR', jtrQuality.code, 'TRY', '41']]));
    expect(dry.status, dry.text).toBe(201);
    expect(dry.body.data.errors).toEqual([{ row: 2, column: 'org_code', reason: '"JTR" is not one of your pricing orgs (MOD)' }]);
    expect((await http('POST', `/crm/pricing/imports/${dry.body.data.id}/apply`, modOnly, { note: 'no' })).status).toBe(422);

    // A JTR import made by someone else does not exist for this user.
    const jtrImport = await upload(pricingToken, await xlsx([['JTR', jtrQuality.code, 'TRY', '42']]));
    expect(jtrImport.status, jtrImport.text).toBe(201);
    const read = await http('GET', `/crm/pricing/imports/${jtrImport.body.data.id}`, modOnly);
    expect(read.status).toBe(404);
    const apply = await http('POST', `/crm/pricing/imports/${jtrImport.body.data.id}/apply`, modOnly, { note: 'not mine' });
    expect(apply.status).toBe(404);
    expect(codeOf(apply.body)).toBe('IMPORT_NOT_FOUND');
    expect(await pricesOf(jtrQuality.id)).toEqual(before);
  });
});

describe('a 10,000-row file', () => {
  it('is read, validated and applied', async () => {
    const mod = await orgId('MOD');
    const tag = randomUUID().slice(0, 6).toUpperCase();
    const qualities = Array.from({ length: 3334 }, (_, i) => ({
      id: randomUUID(),
      org_id: mod,
      code: `MOD-BULK${tag}-${i}`,
      name: `Bulk ${i}`,
    }));
    for (let i = 0; i < qualities.length; i += 1000) await db()('qualities').insert(qualities.slice(i, i + 1000));
    const rows: unknown[][] = [];
    for (const q of qualities)
      for (const currency of ['TRY', 'USD', 'EUR'])
        if (rows.length < 10_000)
          rows.push(['MOD', q.code, currency, `${(rows.length % 500) + 1}.${String(rows.length % 10_000).padStart(4, '0')}`, null]);
    const file = await xlsx(rows);

    const started = Date.now();
    const dry = await upload(pricingToken, file);
    const dryMs = Date.now() - started;
    expect(dry.status, dry.text.slice(0, 500)).toBe(201);
    expect(dry.body.data).toMatchObject({
      status: 'dry_run',
      total_rows: 10_000,
      processed_rows: 10_000,
      error_count: 0,
      counts: { new: 10_000, changed: 0, unchanged: 0 },
      preview_truncated: true,
    });

    const applyStarted = Date.now();
    const applied = await http('POST', `/crm/pricing/imports/${dry.body.data.id}/apply`, pricingToken, { note: 'bulk list' });
    const applyMs = Date.now() - applyStarted;
    expect(applied.status, applied.text.slice(0, 500)).toBe(200);
    const [stored] = await db()('list_prices')
      .whereIn(
        'quality_id',
        qualities.map((q) => q.id),
      )
      .count({ n: '*' });
    expect(Number(stored!.n)).toBe(10_000);
    console.info(`[import] 10,000 rows (${file.length} bytes): dry run ${dryMs} ms, apply ${applyMs} ms`);
  }, 180_000);
});

describe('price input of the command center', () => {
  it('a price that is not a decimal is a 400 naming the field, not a server error', async () => {
    const quality = await makeQuality('MOD', [], 'IMP');
    const result = await http('POST', '/crm/pricing/list-prices', pricingToken, {
      items: [{ quality_id: quality.id, currency: 'TRY', price: 'abc' }],
      note: 'typo',
    });
    expect(result.status, result.text).toBe(400);
    expect(result.body.errors[0].extensions.fields).toEqual([
      { field: 'items.0.price', reason: 'must be a decimal string with at most 10 integer and 4 fraction digits' },
    ]);
    expect(await pricesOf(quality.id)).toEqual([]);
  });
});
