import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { digestPeriod, PACK_COLUMNS, packWorkbook } from './digests.js';

describe('digest periods (the id of the key)', () => {
  it('weekly: the ISO week before the run, Monday to Monday', () => {
    for (const at of ['2026-12-07T06:00:00Z', '2026-12-09T23:00:00Z', '2026-12-13T23:59:59Z']) {
      expect(digestPeriod('weekly_digest', new Date(at))).toEqual({
        from: new Date('2026-11-30T00:00:00Z'),
        to: new Date('2026-12-07T00:00:00Z'),
        name: '2026-W49',
      });
    }
  });

  it('daily kinds: the previous day', () => {
    for (const kind of ['cost_daily_pack', 'central_stock_check_digest'] as const) {
      expect(digestPeriod(kind, new Date('2026-01-01T05:00:00Z'))).toEqual({
        from: new Date('2025-12-31T00:00:00Z'),
        to: new Date('2026-01-01T00:00:00Z'),
        name: '2025-12-31',
      });
    }
  });
});

describe('the Cost Control Daily Pack spreadsheet (71)', () => {
  it('one row per order line with the order documents; a sheet of the attached files with their links', async () => {
    const buffer = await packWorkbook('2026-12-05', [
      {
        po_number: 'MODPO4X8Z1N6R',
        deal_code: 'MODDL12345678',
        dispatch_note_number: 'İRS-2026-000481',
        invoice_references: ['FTR-2026-0042', 'FTR-2026-0043'],
        files: [{ name: 'sipariş-föyü.pdf', url: 'https://crm.example.com/crm/order-form-attachments/f1/file' }],
        carrier_name: 'Aras Kargo',
        tracking_id: '3020117745',
        delivered_at: '2026-12-05T10:00:00.000Z',
        lines: [
          { quality_code: 'MOD-POPLIN-120', prepared_meters: '120.50' },
          { quality_code: 'MOD-KETEN-140', ordered_meters: '80.00' },
        ],
      },
      {
        po_number: 'MODPO00000001',
        deal_code: null,
        dispatch_note_number: null,
        invoice_references: [],
        files: [],
        carrier_name: null,
        tracking_id: null,
        delivered_at: null,
        lines: [],
      },
    ]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Delivered 2026-12-05')!;
    const values = (row: number) => (sheet.getRow(row).values as unknown[]).slice(1);
    expect(values(1)).toEqual(PACK_COLUMNS.map((c) => c.header));
    expect(sheet.rowCount).toBe(4);
    expect(values(2)).toEqual([
      'MODPO4X8Z1N6R',
      'MODDL12345678',
      'İRS-2026-000481',
      'FTR-2026-0042; FTR-2026-0043',
      'sipariş-föyü.pdf',
      'Aras Kargo',
      '3020117745',
      '2026-12-05T10:00:00.000Z',
      'MOD-POPLIN-120',
      '120.50',
    ]);
    expect(values(3).slice(8)).toEqual(['MOD-KETEN-140', '80.00']);
    // An order without lines keeps its row (documents), empty where it has none.
    expect(values(4)[0]).toBe('MODPO00000001');
    const files = workbook.getWorksheet('Files')!;
    expect(files.rowCount).toBe(2);
    expect(files.getRow(2).getCell(2).value).toBe('sipariş-föyü.pdf');
    expect(files.getRow(2).getCell(3).value).toEqual({
      text: 'https://crm.example.com/crm/order-form-attachments/f1/file',
      hyperlink: 'https://crm.example.com/crm/order-form-attachments/f1/file',
    });
  });
});
