/**
 * Story 39, customer pricing: customer price agreements (org × customer profile × quality ×
 * currency, valid from/to). Pricing managers add and change them (audited, never overlapping),
 * sales of the org read them and a MOD-only user never sees a JTR one; the bulk import through the
 * one import pipeline (every kind of invalid file, dry run, apply, isolation); and on a deal line
 * the agreed price in force is the reference before the list price, recorded in the snapshot.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminGet, baseUrl, http, tokenFor } from '../support/api.js';
import { closeDb, db, lineState, makeDeal, makeQuality, orgId } from './world.js';

afterAll(closeDb);

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const COLUMNS = ['org_code', 'tax_number', 'quality_code', 'currency', 'price', 'valid_from', 'valid_to', 'note'];
const PRICING = 'pricing@example.com';
const SALES = 'sales.mod@example.com';
const IMPORTS = '/crm/pricing/customer-price-imports';
const codeOf = (body: any) => body?.errors?.[0]?.extensions?.code;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

async function xlsx(rows: unknown[][], headings: string[] = COLUMNS): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('agreements');
  sheet.addRow(headings);
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

async function upload(token: string, body: Buffer | string, contentType = XLSX) {
  const response = await fetch(`${baseUrl()}${IMPORTS}?file_name=agreements.xlsx`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, text };
}

/** An active profile of the org with its customer's tax number. */
async function profileOf(org: 'MOD' | 'JTR', taxNumber?: string) {
  const filter = taxNumber ? `&filter[customer_id][tax_number][_eq]=${taxNumber}` : '';
  const [profile] = await adminGet<Array<{ id: string; customer_id: { tax_number: string } }>>(
    `/items/customer_org_profiles?filter[org_id][code][_eq]=${org}&filter[status][_eq]=active${filter}&fields=id,customer_id.tax_number&sort=id&limit=1`,
  );
  return { id: profile!.id, taxNumber: profile!.customer_id.tax_number };
}

const agreementsOf = (qualityId: string) =>
  db()('customer_price_agreements')
    .where('quality_id', qualityId)
    .orderBy('valid_from')
    .select(
      'currency',
      'price',
      db().raw(`to_char(valid_from, 'YYYY-MM-DD') as valid_from`),
      db().raw(`to_char(valid_to, 'YYYY-MM-DD') as valid_to`),
      'note',
    );

let pricing: string;
beforeAll(async () => {
  pricing = await tokenFor(PRICING);
});

describe('customer price agreements', () => {
  it('a pricing manager adds and changes them, audited and never overlapping; others are refused; sales read only their org', async () => {
    const quality = await makeQuality('MOD', [['TRY', '100.0000', 1]], 'AGR');
    const customer = await profileOf('MOD');
    const body = {
      customer_profile_id: customer.id,
      quality_id: quality.id,
      currency: 'TRY',
      price: '90.5',
      valid_from: day(-5),
      note: 'contract 7',
    };

    const created = await http('POST', '/crm/customer-price-agreements', pricing, body);
    expect(created.status, created.text).toBe(201);
    expect(created.body.data).toMatchObject({ currency: 'TRY', price: '90.5000', valid_from: day(-5), valid_to: null, note: 'contract 7' });
    const id = created.body.data.id as string;

    // Overlap: refused by the service (409) and, underneath, by the database for every writer.
    const clash = await http('POST', '/crm/customer-price-agreements', pricing, { ...body, valid_from: day(30), valid_to: day(40) });
    expect([clash.status, codeOf(clash.body)]).toEqual([409, 'AGREEMENT_OVERLAP']);
    await expect(
      db()('customer_price_agreements').insert({
        id: crypto.randomUUID(),
        org_id: await orgId('MOD'),
        customer_profile_id: customer.id,
        quality_id: quality.id,
        currency: 'TRY',
        price: '1',
        valid_from: day(100),
      }),
    ).rejects.toThrow(/CRM_AGREEMENT_OVERLAP/);

    // End it, then the next one may start the day after.
    const ended = await http('PATCH', `/crm/customer-price-agreements/${id}`, pricing, { valid_to: day(29), note: 'renegotiated' });
    expect(ended.status, ended.text).toBe(200);
    expect(ended.body.data).toMatchObject({ valid_to: day(29), price: '90.5000', note: 'renegotiated' });
    const next = await http('POST', '/crm/customer-price-agreements', pricing, { ...body, price: '88', valid_from: day(30) });
    expect(next.status, next.text).toBe(201);
    expect(await agreementsOf(quality.id)).toEqual([
      { currency: 'TRY', price: '90.5000', valid_from: day(-5), valid_to: day(29), note: 'renegotiated' },
      { currency: 'TRY', price: '88.0000', valid_from: day(30), valid_to: null, note: 'contract 7' },
    ]);
    const audit = await adminGet<Array<{ action: string; note: string; details: any }>>(
      `/items/audit_log?filter[entity_id][_eq]=${id}&fields=action,note,details&sort=occurred_at`,
    );
    expect(audit.map((a) => [a.action, a.note])).toEqual([
      ['customer_price_agreement.created', 'contract 7'],
      ['customer_price_agreement.changed', 'renegotiated'],
    ]);
    expect(audit[1]!.details.previous).toMatchObject({ valid_to: null, price: '90.5000' });

    // Bad input: 400 naming the field, nothing written.
    for (const [bad, field] of [
      [{ ...body, price: '0' }, 'price'],
      [{ ...body, price: '1.23456' }, 'price'],
      [{ ...body, currency: 'GBP' }, 'currency'],
      [{ ...body, valid_from: '2026-02-30' }, 'valid_from'],
      [{ ...body, valid_from: day(5), valid_to: day(4) }, 'valid_to'],
      [{ ...body, note: ' ' }, 'note'],
    ] as const) {
      const refused = await http('POST', '/crm/customer-price-agreements', pricing, bad);
      expect([refused.status, codeOf(refused.body)], JSON.stringify(bad)).toEqual([400, 'INVALID_INPUT']);
      expect(refused.body.errors[0].extensions.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    const badChange = await http('PATCH', `/crm/customer-price-agreements/${id}`, pricing, { valid_to: day(-6), note: 'x' });
    expect([badChange.status, codeOf(badChange.body)]).toEqual([400, 'INVALID_INPUT']);
    const otherOrgQuality = await makeQuality('JTR', [['TRY', '5.0000', 1]], 'AGX');
    const crossOrg = await http('POST', '/crm/customer-price-agreements', pricing, {
      ...body,
      quality_id: otherOrgQuality.id,
      valid_from: day(500),
    });
    expect([crossOrg.status, codeOf(crossOrg.body)]).toEqual([400, 'QUALITY_NOT_FOUND']);

    // Who: a sales owner and a sales manager may not (403); a JTR profile or agreement is, for a
    // MOD-only user, exactly a missing one (404).
    for (const email of [SALES, 'manager@example.com']) {
      const refused = await http('POST', '/crm/customer-price-agreements', await tokenFor(email), { ...body, valid_from: day(600) });
      expect([refused.status, codeOf(refused.body)], email).toEqual([403, 'AGREEMENT_NOT_ALLOWED']);
      const change = await http('PATCH', `/crm/customer-price-agreements/${id}`, await tokenFor(email), { price: '1', note: 'x' });
      expect([change.status, codeOf(change.body)], email).toEqual([403, 'AGREEMENT_NOT_ALLOWED']);
    }
    const jtrAgreement = await http('POST', '/crm/customer-price-agreements', pricing, {
      customer_profile_id: (await profileOf('JTR')).id,
      quality_id: otherOrgQuality.id,
      currency: 'EUR',
      price: '4.2',
      valid_from: day(-1),
      note: 'jtr',
    });
    expect(jtrAgreement.status, jtrAgreement.text).toBe(201);
    const salesToken = await tokenFor(SALES);
    const missingProfile = await http('POST', '/crm/customer-price-agreements', salesToken, {
      ...body,
      customer_profile_id: crypto.randomUUID(),
    });
    const jtrProfile = await http('POST', '/crm/customer-price-agreements', salesToken, {
      ...body,
      customer_profile_id: (await profileOf('JTR')).id,
    });
    expect([jtrProfile.status, jtrProfile.body]).toEqual([404, missingProfile.body]);
    const missing = await http('PATCH', `/crm/customer-price-agreements/${crypto.randomUUID()}`, salesToken, { price: '1', note: 'x' });
    const jtr = await http('PATCH', `/crm/customer-price-agreements/${jtrAgreement.body.data.id}`, salesToken, { price: '1', note: 'x' });
    expect([jtr.status, jtr.body]).toEqual([404, missing.body]);
    expect(codeOf(jtr.body)).toBe('AGREEMENT_NOT_FOUND');

    // Reads: MOD sales see the MOD agreements, never the JTR one (list, by id, aggregate, GraphQL).
    const modList = await http(
      'GET',
      `/items/customer_price_agreements?filter[quality_id][_in]=${quality.id},${otherOrgQuality.id}&fields=id`,
      salesToken,
    );
    expect(modList.body.data.map((a: { id: string }) => a.id).sort()).toEqual([id, next.body.data.id].sort());
    expect((await http('GET', `/items/customer_price_agreements/${jtrAgreement.body.data.id}`, salesToken)).status).toBe(403);
    const count = await http(
      'GET',
      `/items/customer_price_agreements?aggregate[count]=*&filter[quality_id][_eq]=${otherOrgQuality.id}`,
      salesToken,
    );
    expect(count.body.data).toEqual([{ count: '0' }]);
    const gql = await http('POST', '/graphql', salesToken, {
      query: `{ customer_price_agreements(filter: { quality_id: { id: { _eq: "${otherOrgQuality.id}" } } }) { id } }`,
    });
    expect(gql.body.data).toEqual({ customer_price_agreements: [] });
    const jtrSales = await http(
      'GET',
      `/items/customer_price_agreements?filter[id][_eq]=${jtrAgreement.body.data.id}&fields=id,price`,
      await tokenFor('sales.jtr@example.com'),
    );
    expect(jtrSales.body.data).toEqual([{ id: jtrAgreement.body.data.id, price: '4.2000' }]);
    // Item routes write nothing, not even for the pricing manager.
    expect((await http('PATCH', `/items/customer_price_agreements/${id}`, pricing, { price: '1' })).status).toBe(403);
    expect((await http('POST', '/items/customer_price_agreements', pricing, body)).status).toBe(403);
  });
});

describe('customer price import', () => {
  it('the template has the columns and hints; sales may not download it or upload', async () => {
    const response = await fetch(`${baseUrl()}/crm/pricing/customer-price-import-template`, {
      headers: { authorization: `Bearer ${pricing}` },
    });
    expect(response.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    expect(workbook.worksheets.map((w) => w.name)).toEqual(['agreements', 'hints']);
    expect((workbook.getWorksheet('agreements')!.getRow(1).values as unknown[]).slice(1)).toEqual(COLUMNS);
    expect(workbook.getWorksheet('hints')!.getColumn(1).values).toEqual(expect.arrayContaining(COLUMNS));
    for (const email of [SALES, 'manager@example.com', 'finance@example.com']) {
      const token = await tokenFor(email);
      const template = await http('GET', '/crm/pricing/customer-price-import-template', token);
      expect([template.status, codeOf(template.body)], email).toEqual([403, 'AGREEMENT_NOT_ALLOWED']);
      const refused = await upload(token, await xlsx([]));
      expect([refused.status, codeOf(refused.body)], email).toEqual([403, 'AGREEMENT_NOT_ALLOWED']);
    }
  });

  it('every kind of invalid file and row is refused or reported; nothing changes', async () => {
    const before = Number((await db()('customer_price_agreements').count('* as n'))[0]!.n);
    // Files refused before anything is stored.
    const notXlsx = await upload(pricing, Buffer.from('org_code,tax_number\nMOD,1'));
    expect([notXlsx.status, codeOf(notXlsx.body)]).toEqual([400, 'IMPORT_FILE_INVALID']);
    const wrongType = await upload(pricing, await xlsx([]), 'text/csv');
    expect([wrongType.status, codeOf(wrongType.body)]).toEqual([400, 'IMPORT_FILE_INVALID']);
    const headings = await upload(pricing, await xlsx([['MOD']], ['org_code', 'customer', ...COLUMNS.slice(2)]));
    expect([headings.status, codeOf(headings.body)]).toEqual([400, 'IMPORT_COLUMNS_INVALID']);
    expect(headings.body.errors[0].extensions.fields).toEqual([
      { field: 'columns.B', reason: 'must be headed "tax_number", found "customer"' },
    ]);
    const empty = await upload(pricing, await xlsx([]));
    expect([empty.status, codeOf(empty.body)]).toEqual([400, 'IMPORT_EMPTY']);

    // Row errors: every one with row, column and reason.
    const quality = await makeQuality('MOD', [['TRY', '50.0000', 1]], 'AGI');
    const mod = await profileOf('MOD');
    const existing = await http('POST', '/crm/customer-price-agreements', pricing, {
      customer_profile_id: mod.id,
      quality_id: quality.id,
      currency: 'TRY',
      price: '45',
      valid_from: day(10),
      valid_to: day(20),
      note: 'existing',
    });
    expect(existing.status, existing.text).toBe(201);
    // A tax number only JTR knows reads, in a MOD row, exactly like one nobody knows.
    const jtrOnly = 'DE811907980';
    const dry = await upload(
      pricing,
      await xlsx([
        ['XYZ', mod.taxNumber, quality.code, 'TRY', '1', day(0), null, null],
        ['MOD', jtrOnly, quality.code, 'TRY', '1', day(0), null, null],
        ['MOD', '0000000000', quality.code, 'TRY', '1', day(0), null, null],
        ['MOD', mod.taxNumber, 'MOD-NOPE', 'TRY', '1', day(0), null, null],
        ['MOD', mod.taxNumber, quality.code, 'GBP', '-1', '31.02.2026', null, null],
        ['MOD', mod.taxNumber, quality.code, 'TRY', '1', day(5), day(4), null],
        ['MOD', mod.taxNumber, quality.code, 'TRY', '1', day(15), day(25), null],
        ['MOD', mod.taxNumber, quality.code, 'USD', '1', day(0), null, null],
        ['MOD', mod.taxNumber, quality.code, 'USD', '2', day(100), null, null],
        ['MOD', mod.taxNumber, quality.code, 'EUR', '1', day(0), null, null, 'extra'],
      ]),
    );
    expect(dry.status, dry.text).toBe(201);
    expect(dry.body.data.errors).toEqual([
      { row: 2, column: 'org_code', reason: '"XYZ" is not one of your customer-pricing orgs (JTR, MOD)' },
      { row: 3, column: 'tax_number', reason: `no customer with tax number "${jtrOnly}" in MOD` },
      { row: 4, column: 'tax_number', reason: 'no customer with tax number "0000000000" in MOD' },
      { row: 5, column: 'quality_code', reason: 'no quality "MOD-NOPE" in MOD' },
      { row: 6, column: 'currency', reason: '"GBP" must be one of TRY, USD, EUR' },
      { row: 6, column: 'price', reason: expect.stringContaining('must be a positive decimal') },
      { row: 6, column: 'valid_from', reason: '"31.02.2026" must be a date, e.g. 2026-03-01 (a date cell or text YYYY-MM-DD)' },
      { row: 7, column: 'valid_to', reason: `must be on or after valid_from (${day(5)})` },
      {
        row: 8,
        column: 'valid_from',
        reason: `overlaps the agreement valid ${day(10)} to ${day(20)}: one agreement per customer, quality and currency on any day`,
      },
      { row: 10, column: 'valid_from', reason: `overlaps row 9 (${day(0)} to open end) for the same customer, quality and currency` },
      { row: 11, column: 'I', reason: 'has a value but no column heading: remove it' },
    ]);
    const apply = await http('POST', `${IMPORTS}/${dry.body.data.id}/apply`, pricing, { note: 'try' });
    expect([apply.status, codeOf(apply.body)]).toEqual([422, 'IMPORT_HAS_ERRORS']);
    expect(Number((await db()('customer_price_agreements').count('* as n'))[0]!.n)).toBe(before + 1);
  });

  it('dry run changes nothing; apply adds and reprices all rows or none, audited, once; imports of other orgs stay invisible', async () => {
    const quality = await makeQuality('MOD', [['TRY', '50.0000', 1]], 'AGA');
    const mod = await profileOf('MOD');
    const kept = await http('POST', '/crm/customer-price-agreements', pricing, {
      customer_profile_id: mod.id,
      quality_id: quality.id,
      currency: 'TRY',
      price: '45',
      valid_from: day(-30),
      valid_to: day(-1),
      note: 'old',
    });
    const rows = [
      ['mod', mod.taxNumber.toLowerCase(), quality.code.toLowerCase(), 'try', '44.5', day(-30), day(-1), 'repriced'],
      ['MOD', mod.taxNumber, quality.code, 'TRY', '43', day(0), null, null],
      ['MOD', mod.taxNumber, quality.code, 'USD', 1.2, day(0), day(90), 'usd deal'],
    ];
    const dry = await upload(pricing, await xlsx(rows));
    expect(dry.status, dry.text).toBe(201);
    expect(dry.body.data).toMatchObject({
      status: 'dry_run',
      error_count: 0,
      counts: { new: 2, changed: 1, unchanged: 0 },
      org_codes: ['MOD'],
    });
    expect(dry.body.data.preview[0]).toMatchObject({
      row: 2,
      action: 'changed',
      previous_price: '45.0000',
      price: '44.5000',
      tax_number: mod.taxNumber,
    });
    expect(await agreementsOf(quality.id)).toHaveLength(1);

    // Someone without the capability can neither read nor apply it.
    const foreign = await http('GET', `${IMPORTS}/${dry.body.data.id}`, await tokenFor(SALES));
    expect([foreign.status, codeOf(foreign.body)]).toEqual([403, 'AGREEMENT_NOT_ALLOWED']);

    const applied = await http('POST', `${IMPORTS}/${dry.body.data.id}/apply`, pricing, { note: 'spring contracts' });
    expect(applied.status, applied.text).toBe(200);
    expect(applied.body.data).toMatchObject({ status: 'applied', apply_note: 'spring contracts' });
    expect(await agreementsOf(quality.id)).toEqual([
      { currency: 'TRY', price: '44.5000', valid_from: day(-30), valid_to: day(-1), note: 'repriced' },
      { currency: 'TRY', price: '43.0000', valid_from: day(0), valid_to: null, note: 'spring contracts' },
      { currency: 'USD', price: '1.2000', valid_from: day(0), valid_to: day(90), note: 'usd deal' },
    ]);
    const audit = await db()('audit_log').whereRaw(`details->>'import_id' = ?`, [dry.body.data.id]).orderBy('action').select('action');
    expect(audit.map((a) => a.action)).toEqual([
      'customer_price_agreement.created',
      'customer_price_agreement.created',
      'customer_price_agreement.repriced',
    ]);
    expect(await adminGet(`/items/audit_log?filter[entity_id][_eq]=${dry.body.data.id}&fields=action`)).toEqual([
      { action: 'customer_price_import.applied' },
    ]);
    const again = await http('POST', `${IMPORTS}/${dry.body.data.id}/apply`, pricing, { note: 'again' });
    expect([again.status, codeOf(again.body)]).toEqual([409, 'IMPORT_ALREADY_APPLIED']);
    expect(kept.status).toBe(201);

    // The same file again: unchanged rows stay, a row that now overlaps is an error.
    const second = await upload(pricing, await xlsx(rows.slice(0, 1)));
    expect(second.body.data).toMatchObject({ error_count: 0, counts: { new: 0, changed: 0, unchanged: 1 } });

    // All or nothing: a row the database refuses at apply (its window taken meanwhile) fails the import.
    const racing = await upload(pricing, await xlsx([['MOD', mod.taxNumber, quality.code, 'EUR', '1', day(0), null, null]]));
    expect(racing.body.data.error_count).toBe(0);
    const meanwhile = await http('POST', '/crm/customer-price-agreements', pricing, {
      customer_profile_id: mod.id,
      quality_id: quality.id,
      currency: 'EUR',
      price: '1.1',
      valid_from: day(50),
      note: 'meanwhile',
    });
    expect(meanwhile.status).toBe(201);
    const failed = await http('POST', `${IMPORTS}/${racing.body.data.id}/apply`, pricing, { note: 'late' });
    expect([failed.status, codeOf(failed.body)]).toEqual([409, 'IMPORT_APPLY_FAILED']);
    expect((await http('GET', `${IMPORTS}/${racing.body.data.id}`, pricing)).body.data.status).toBe('failed');
    expect((await agreementsOf(quality.id)).filter((a) => a.currency === 'EUR')).toHaveLength(1);
  });
});

describe('deal lines priced from the agreement', () => {
  it('the agreed price in force is the reference before the list price; a discount below it still needs an approval', async () => {
    const quality = await makeQuality('MOD', [['TRY', '100.0000', 1]], 'AGD');
    const deal = await makeDeal(SALES, 'MOD', [{ quality_code: quality.code }, { quality_code: quality.code }]);
    expect(deal.status, deal.text).toBe(200);
    const [dealRow] = await adminGet<Array<{ customer_profile_id: string }>>(
      `/items/deals?filter[id][_eq]=${deal.body.data.id}&fields=customer_profile_id`,
    );
    const profileId = dealRow!.customer_profile_id;
    // One that has ended and one in force today.
    for (const [price, from, to] of [
      ['80', day(-60), day(-1)],
      ['90', day(0), null],
    ] as const) {
      const agreed = await http('POST', '/crm/customer-price-agreements', pricing, {
        customer_profile_id: profileId,
        quality_id: quality.id,
        currency: 'TRY',
        price,
        valid_from: from,
        valid_to: to,
        note: 'deal test',
      });
      expect(agreed.status, agreed.text).toBe(201);
    }
    const [plain, discounted] = deal.body.data.lines.sort((a: { line_no: number }, b: { line_no: number }) => a.line_no - b.line_no);
    const sales = await tokenFor(SALES);

    // No discount: approved at once at the agreed price (no manager approval needed).
    const submitted = await http('POST', `/crm/deal-lines/${plain.id}/pricing/submit`, sales, {});
    expect(submitted.status, submitted.text).toBe(200);
    expect(submitted.body.data).toMatchObject({ pricing_status: 'approved', required: [], unit_price: '90.0000' });
    const [snapshot] = await adminGet<Array<Record<string, unknown>>>(
      `/items/price_snapshots?filter[deal_line_id][_eq]=${plain.id}&fields=price_reference,agreed_price,customer_price_agreement_id,list_price,unit_price`,
    );
    expect(snapshot).toMatchObject({
      price_reference: 'customer_agreement',
      agreed_price: '90.0000',
      list_price: '100.0000',
      unit_price: '90.0000',
    });
    expect(snapshot!.customer_price_agreement_id).toEqual(expect.any(String));

    // 5 % below the agreement: a discount approval, then 85.5 from the agreed 90.
    const asked = await http('POST', `/crm/deal-lines/${discounted.id}/discount-request`, sales, { discount_pct: '5', note: 'volume' });
    expect(asked.body.data).toMatchObject({ pricing_status: 'pending_approval', required: ['discount'] });
    const decided = await http('POST', `/crm/approvals/${asked.body.data.requested[0]}/decision`, pricing, {
      decision: 'approved',
      note: 'ok',
    });
    expect(decided.status, decided.text).toBe(200);
    expect(await lineState(discounted.id)).toMatchObject({ pricing_status: 'approved', unit_price: '85.5000' });
    const [discountedSnapshot] = await adminGet<Array<Record<string, unknown>>>(
      `/items/price_snapshots?filter[deal_line_id][_eq]=${discounted.id}&fields=price_reference,agreed_price`,
    );
    expect(discountedSnapshot).toEqual({ price_reference: 'customer_agreement', agreed_price: '90.0000' });

    // A quality without an agreement for this customer: the list price stays the reference.
    const other = await makeQuality('MOD', [['TRY', '100.0000', 1]], 'AGN');
    const listDeal = await makeDeal(SALES, 'MOD', [{ quality_code: other.code }]);
    const listed = await http('POST', `/crm/deal-lines/${listDeal.body.data.lines[0].id}/pricing/submit`, sales, {});
    expect(listed.body.data).toMatchObject({ pricing_status: 'approved', unit_price: '100.0000' });
    const [listSnapshot] = await adminGet<Array<Record<string, unknown>>>(
      `/items/price_snapshots?filter[deal_line_id][_eq]=${listDeal.body.data.lines[0].id}&fields=price_reference,agreed_price,customer_price_agreement_id`,
    );
    expect(listSnapshot).toEqual({ price_reference: 'list_price', agreed_price: null, customer_price_agreement_id: null });
  });
});
