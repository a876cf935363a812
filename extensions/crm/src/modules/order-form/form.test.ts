import { describe, expect, it } from 'vitest';
import { dayNumber, parseForm, parseMeters } from './form.js';

const today = new Date('2026-12-06T10:00:00Z');
const qualities = new Set(['Q100', 'Q200']);
const base = { qualities, today, prospect: false };

describe('order form input', () => {
  it('reads filled lines, skips blank ones, normalises meters and codes', () => {
    const r = parseForm({ q1: 'q100', m1: '12,5', d1: '2026-12-20', n1: ' blue ', q2: '', m2: '', q3: 'Q200', m3: '0100' }, base);
    expect(r).toEqual({
      ok: true,
      value: {
        lines: [
          { line_no: 1, quality_code: 'Q100', meters: '12.5', requested_date: '2026-12-20', note: 'blue' },
          { line_no: 2, quality_code: 'Q200', meters: '100', requested_date: null, note: null },
        ],
        note: null,
        prospect: null,
      },
    });
  });

  it('reports every problem with its field and reason', () => {
    const r = parseForm(
      {
        q1: 'NOPE',
        m1: 'abc',
        d1: '2026-02-30',
        q2: 'Q100',
        m2: '0',
        d2: '2026-12-05',
        q3: 'Q100',
        m3: '1',
        d3: '2030-01-01',
        m4: '5',
        x: '1',
        q21: 'Q100',
      },
      base,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(
      expect.arrayContaining([
        { field: 'x', reason: 'unknown_field' },
        { field: 'q21', reason: 'too_many_lines' },
        { field: 'q1', reason: 'quality_unknown' },
        { field: 'm1', reason: 'meters_format' },
        { field: 'd1', reason: 'date_format' },
        { field: 'm2', reason: 'meters_positive' },
        { field: 'd2', reason: 'date_past' },
        { field: 'd3', reason: 'date_far' },
        { field: 'q4', reason: 'required' },
      ]),
    );
    expect(r.problems).toHaveLength(9);
  });

  it('needs at least one line, and a short note', () => {
    const r = parseForm({ note: 'x'.repeat(1001) }, base);
    expect(r.ok ? [] : r.problems).toEqual([
      { field: 'lines', reason: 'no_lines' },
      { field: 'note', reason: 'too_long' },
    ]);
  });

  it('a prospect gives the company, tax number and a contact', () => {
    const bad = parseForm({ q1: 'Q100', m1: '1', tax_number: 'ab', country: 'Turkey', contact_email: 'nope' }, { ...base, prospect: true });
    expect(bad.ok ? [] : bad.problems).toEqual([
      { field: 'company', reason: 'required' },
      { field: 'tax_number', reason: 'tax_number_format' },
      { field: 'country', reason: 'country_format' },
      { field: 'contact_name', reason: 'required' },
      { field: 'contact_email', reason: 'email_format' },
    ]);
    const good = parseForm(
      {
        q1: 'Q100',
        m1: '1',
        company: 'Yeni Tekstil',
        tax_number: 'tr 123456',
        country: 'tr',
        contact_name: 'Ayşe',
        contact_email: 'a@b.tr',
      },
      { ...base, prospect: true },
    );
    expect(good.ok && good.value.prospect).toEqual({
      company: 'Yeni Tekstil',
      tax_number: 'TR123456',
      country: 'TR',
      contact_name: 'Ayşe',
      contact_email: 'a@b.tr',
    });
  });

  it('meters and dates', () => {
    expect(parseMeters('1.234')).toEqual({ ok: false, reason: 'meters_format' });
    expect(parseMeters('0,00')).toEqual({ ok: false, reason: 'meters_positive' });
    expect(parseMeters('007.50')).toEqual({ ok: true, meters: '7.50' });
    expect(dayNumber('2026-02-29')).toBeNull();
    expect(dayNumber('2028-02-29')).not.toBeNull();
  });
});
