import { describe, expect, it } from 'vitest';
import { amount, choice, code, isCalendarDay, optionalText, text } from './cells.js';
import { LIST_PRICE_SPEC } from '../../modules/pricing/import-rows.js';
import { importOrgs, inRowOrg, namedOrgIds, orgOfRow, validateOrgRows } from './orgs.js';
import { sheetImport, type RawRow } from './spec.js';

const reason = (result: { success: boolean; error?: { issues: Array<{ message: string }> } }) => result.error?.issues[0]?.message;

describe('the cells the imports share', () => {
  it('a code is upper case, a choice is read in any case, text is trimmed, empty cells are required', () => {
    expect(code.parse(' mod ')).toBe('MOD');
    expect(text.parse(' R1 ')).toBe('R1');
    expect(reason(code.safeParse(null))).toBe('is required');
    const currency = choice(['TRY', 'USD'] as const, 'upper');
    expect(currency.parse('usd')).toBe('USD');
    expect(reason(currency.safeParse('GBP'))).toBe('"GBP" must be one of TRY, USD');
    expect(choice(['cash', 'card'] as const, 'lower').parse('CASH')).toBe('cash');
    expect(optionalText(3).parse(null)).toBeNull();
    expect(reason(optionalText(3).safeParse('abcd'))).toBe('must be at most 3 characters');
  });

  it('an amount is positive, at most 10 integer and 4 fraction digits, normalised to 4 decimals, never a float', () => {
    expect(amount().parse('1250.5')).toBe('1250.5000');
    expect(amount().parse('9999999999.9999')).toBe('9999999999.9999');
    expect(reason(amount().safeParse('0'))).toBe('"0" must be a positive decimal with at most 10 integer and 4 fraction digits');
    expect(reason(amount('84.5000').safeParse('1.23456'))).toBe(
      '"1.23456" must be a positive decimal with at most 10 integer and 4 fraction digits, e.g. 84.5000',
    );
    expect(amount().safeParse('1e3').success).toBe(false);
  });

  it('a calendar day is YYYY-MM-DD and exists', () => {
    expect(isCalendarDay('2028-02-29')).toBe(true);
    expect(isCalendarDay('2026-02-29')).toBe(false);
    expect(isCalendarDay('2026-02-01T00:00:00Z')).toBe(false);
    expect(isCalendarDay('2026-2-1')).toBe(false);
  });
});

describe('the orgs of an import', () => {
  const ORGS = [
    { id: 'org-mod', code: 'MOD' },
    { id: 'org-jtr', code: 'JTR' },
  ];
  const raw = (org: string | null, row = 2): RawRow => ({ row, cells: { org_code: org }, extraCells: [] });

  it('an unknown org and one the caller may not import into read the same, naming the caller’s orgs', () => {
    const orgOf = orgOfRow(importOrgs(ORGS, new Set(['org-mod'])), 'payment');
    const failed: string[] = [];
    const fail = (_column: 'org_code', why: string) => failed.push(why);
    expect(orgOf('MOD', raw('mod'), fail)).toEqual({ id: 'org-mod', allowed: true });
    expect(orgOf('JTR', raw('JTR'), fail)).toBeUndefined();
    expect(orgOf('XYZ', raw('xyz'), fail)).toBeUndefined();
    expect(orgOf(undefined, raw(null), fail)).toBeUndefined();
    expect(failed).toEqual(['"JTR" is not one of your payment orgs (MOD)', '"xyz" is not one of your payment orgs (MOD)']);
    const none: string[] = [];
    orgOfRow(importOrgs(ORGS, new Set()), 'pricing')('MOD', raw('MOD'), (_c, why) => none.push(why));
    expect(none).toEqual(['"MOD" is not one of your pricing orgs (none)']);
  });

  it('the catalogue is loaded for the orgs the file names where the caller may import, only', () => {
    expect(namedOrgIds(ORGS, new Set(['org-mod', 'org-jtr']), [raw('mod'), raw('MOD', 3), raw(null, 4)])).toEqual(['org-mod']);
    expect(namedOrgIds(ORGS, new Set(['org-mod']), [raw('JTR')])).toEqual([]);
  });

  it('a name is looked up in the row’s org only; nothing to look up without the org or the name', () => {
    const known = new Map([['org-mod|Q1', 'q1']]);
    const missing: string[] = [];
    expect(inRowOrg(known, { id: 'org-mod' }, 'Q1', () => missing.push('Q1'))).toBe('q1');
    expect(inRowOrg(known, { id: 'org-jtr' }, 'Q1', () => missing.push('JTR Q1'))).toBeUndefined();
    expect(inRowOrg(known, undefined, 'Q1', () => missing.push('no org'))).toBeUndefined();
    expect(inRowOrg(known, { id: 'org-mod' }, undefined, () => missing.push('no name'))).toBeUndefined();
    expect(missing).toEqual(['JTR Q1']);
  });

  it('validateOrgRows: the row check gets the row’s org and lookups in it; a refused org fails the row on org_code', () => {
    const qualities = new Map([['org-mod|Q1', 'q1']]);
    const row = (n: number, org: string, quality: string): RawRow => ({
      row: n,
      cells: { org_code: org, quality_code: quality, currency: 'TRY', price: '1', note: null },
      extraCells: [],
    });
    const rowOrgs = {
      orgs: importOrgs(ORGS, new Set(['org-mod'])),
      what: 'pricing',
      unique: { column: 'quality_code', reason: (first: number) => `as row ${first}` },
    };
    const rows = [row(2, 'mod', 'q1'), row(3, 'JTR', 'Q1'), row(4, 'MOD', 'Q2'), row(5, 'MOD', 'Q1')];
    const result = validateOrgRows(LIST_PRICE_SPEC, rows, rowOrgs, (cells, raw, fail, { org, inOrg }) => {
      const quality = inOrg(qualities, cells.quality_code, () => fail('quality_code', `no quality "${cells.quality_code}"`));
      return { uniqueKey: quality ?? null, value: () => ({ row: raw.row, org_id: org!.id, quality }) };
    });
    expect(result.rows).toEqual([{ row: 2, org_id: 'org-mod', quality: 'q1' }]);
    expect(result.errors).toEqual([
      { row: 3, column: 'org_code', reason: '"JTR" is not one of your pricing orgs (MOD)' },
      { row: 4, column: 'quality_code', reason: 'no quality "Q2"' },
      { row: 5, column: 'quality_code', reason: 'as row 2' },
    ]);
    const orgless = { ...LIST_PRICE_SPEC, columns: LIST_PRICE_SPEC.columns.slice(1) };
    expect(() => validateOrgRows(orgless, [], rowOrgs, () => ({ uniqueKey: null, value: () => 1 }))).toThrow(
      'the sheet "prices" has no org_code column',
    );
  });
});

describe('sheetImport', () => {
  it('5 MiB, 1000 reported errors, and the notes in order: the example, the rules of the sheet, its own; the identity as given', () => {
    const identity = {
      table: 'thing_imports',
      auditAction: 'thing_import.applied',
      rowsName: 'things',
      notFound: { what: 'thing import', hiddenIn: 'where you do not import things' },
    };
    const spec = sheetImport({
      sheet: 'things',
      rowsNoun: 'thing rows',
      ...identity,
      maxRows: 20_000,
      templateFileName: 'things.xlsx',
      columns: [{ key: 'org_code', hint: 'MOD', cell: code }],
      example: 'MOD',
      notes: ['first', 'second'],
    });
    expect(spec).toMatchObject({ sheet: 'things', maxBytes: 5 * 1024 * 1024, maxRows: 20_000, maxReportedErrors: 1000, ...identity });
    expect(spec.templateNotes).toEqual([
      ['example', 'MOD'],
      ['rules', 'The first sheet ("things") is read; keep its headings exactly. At most 20000 rows and 5 MiB.'],
      ['', 'first'],
      ['', 'second'],
    ]);
  });
});
