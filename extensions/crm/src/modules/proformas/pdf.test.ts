import { describe, expect, it } from 'vitest';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { renderProformaPdf, type ProformaDocument } from './pdf.js';
import { proformaLines, proformaTotals } from './rules.js';

async function textOf(pdf: Buffer): Promise<string> {
  const task = getDocument({ data: new Uint8Array(pdf), useSystemFonts: false });
  const document = await task.promise;
  const pages: string[] = [];
  for (let n = 1; n <= document.numPages; n++) {
    const content = await (await document.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await task.destroy();
  return pages.join('\n');
}

describe('the proforma PDF', () => {
  it('carries the code, the lines, the totals per currency and Turkish letters as text', async () => {
    const lines = proformaLines([
      {
        line_no: 1,
        quality_code: 'MOD-POPLIN-120',
        meters: '100.5',
        line_unit_price: '9',
        line_currency: 'TRY',
        snapshot_unit_price: '12.3400',
        snapshot_currency: 'TRY',
        snapshot_discount_pct: '0',
      },
      {
        line_no: 2,
        quality_code: 'MOD-KETEN-150',
        meters: '20',
        line_unit_price: '4.5',
        line_currency: 'USD',
        snapshot_unit_price: null,
        snapshot_currency: null,
        snapshot_discount_pct: null,
      },
    ]);
    const doc: ProformaDocument = {
      code: 'MOD2026PI0Z8Y7X6W',
      issued_at: '2026-12-06T10:00:00.000Z',
      status: 'drafted',
      deal_code: 'MODDL7K2M9QXR',
      org: { code: 'MOD', name: 'MOD Tekstil', brand_color: '#1f6feb', email: 'satis@mod.example.com' },
      customer: { legal_name: 'Öztürk Şal Çorap Ğİı Tekstil A.Ş.', tax_number: '1234567890', country: 'TR' },
      lines,
      totals: proformaTotals(lines),
    };
    const pdf = await renderProformaPdf(doc);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await textOf(pdf);
    expect(text).toContain('MOD2026PI0Z8Y7X6W');
    expect(text).toContain('MOD Tekstil');
    expect(text).toContain('Öztürk Şal Çorap Ğİı Tekstil A.Ş.');
    expect(text).toContain('MOD-POPLIN-120');
    expect(text).toContain('MOD-KETEN-150');
    expect(text).toContain('1240.17 TRY'); // 100.50 × 12.34
    expect(text).toContain('90.00 USD');
    expect(text).toContain('Toplam / Total TRY');
    expect(text).toContain('Sipariş');
    // The font is embedded (a subset of DejaVu Sans), not a system font.
    expect(pdf.toString('latin1')).toMatch(/FontFile2/);
    expect(pdf.toString('latin1')).toMatch(/DejaVuSans/);
  });
});
