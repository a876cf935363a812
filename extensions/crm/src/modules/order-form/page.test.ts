import { describe, expect, it } from 'vitest';
import { describeProblem, pickLanguage, renderConfirmationPage, renderDeadPage, renderFormPage } from './page.js';

const frame = {
  lang: 'en' as const,
  nonce: 'n0nce',
  brand: { name: 'MOD <Tekstil>', color: '#aa0000', logoUrl: null },
  selfPath: '/order-form/x',
};

describe('order form pages', () => {
  it('picks the language from ?lang, else the browser', () => {
    expect(pickLanguage('tr', 'en-US')).toBe('tr');
    expect(pickLanguage(undefined, 'de-DE,tr;q=0.8,en;q=0.5')).toBe('tr');
    expect(pickLanguage(undefined, 'en-GB,tr')).toBe('en');
    expect(pickLanguage('xx', undefined)).toBe('en');
  });

  it('escapes everything the customer or the org typed', () => {
    const html = renderFormPage({
      ...frame,
      action: '/order-form/x',
      csrf: 'c',
      prospect: true,
      qualities: [{ code: 'Q1', name: '<script>alert(1)</script>' }],
      today: '2026-12-06',
      echo: { m1: '"><img src=x onerror=alert(1)>', company: '<b>' },
      problems: [{ field: 'm1', reason: 'meters_format' }],
    });
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>');
    expect(html).toContain('MOD &lt;Tekstil&gt;');
    expect(html).toContain('Line 1 · Meters: write a number of meters');
    expect(html).toContain('<style nonce="n0nce">');
    expect(html).toContain('name="q20"');
    expect(html).not.toContain('name="q21"');
    expect(html).not.toMatch(/<script/i);
  });

  it("marks each row's own choice among the qualities, and only there (the options are rendered once)", () => {
    const html = renderFormPage({
      ...frame,
      action: '/order-form/x',
      csrf: 'c',
      prospect: false,
      qualities: [
        { code: 'Q1', name: 'one' },
        { code: 'Q$&2', name: 'two & <more>' },
        { code: 'Q3', name: 'three' },
      ],
      today: '2026-12-06',
      echo: { q2: 'Q$&2', q5: 'Q3', q7: 'NOT-LISTED' },
      problems: [],
    });
    const rows = [...html.matchAll(/<select id="q(\d+)"[^>]*>([\s\S]*?)<\/select>/g)].map((m) => [Number(m[1]), m[2]!] as const);
    expect(rows).toHaveLength(20);
    for (const [i, options] of rows) {
      expect(options.match(/<option /g)).toHaveLength(4);
      const selected = [...options.matchAll(/<option value="([^"]*)" selected>/g)].map((m) => m[1]);
      expect(selected, `row ${i}`).toEqual(i === 2 ? ['Q$&amp;2'] : i === 5 ? ['Q3'] : []);
    }
    expect(html).toContain('<option value="Q$&amp;2" selected>Q$&amp;2 · two &amp; &lt;more&gt;</option>');
  });

  it('shows the confirmation read-only and one neutral page for dead links', () => {
    const html = renderConfirmationPage({
      ...frame,
      lang: 'tr',
      lines: [{ line_no: 1, quality_code: 'Q1', meters: '10', requested_date: null, note: '<i>' }],
      note: null,
      submittedAt: new Date('2026-12-06T10:00:00Z'),
    });
    expect(html).toContain('Talebiniz alındı');
    expect(html).not.toContain('<form');
    expect(html).toContain('&lt;i&gt;');
    expect(renderDeadPage('en', 'a')).toBe(renderDeadPage('en', 'a'));
    expect(renderDeadPage('en', 'a')).not.toContain('<form');
    expect(describeProblem('tr', { field: 'contact_email', reason: 'email_format' })).toBe('E-posta adresiniz: bir e-posta adresi yazın');
  });
});
