/**
 * `.xlsx` exports of the valuation and profitability reads (story 80), with exceljs (as the import
 * pipeline, shared/imports/xlsx.ts). Amounts are written as the decimal strings they are (text
 * cells, right-aligned): a spreadsheet number is a float, and the kuruş must survive the export.
 * Every TRY figure of profitability sits beside the rate it used.
 */
import ExcelJS from 'exceljs';
import { XLSX_CONTENT_TYPE } from '../../shared/imports/xlsx.js';
import type { readProfitability, readValuation } from './service.js';

export { XLSX_CONTENT_TYPE };

type Valuation = Awaited<ReturnType<typeof readValuation>>;
type Profitability = Awaited<ReturnType<typeof readProfitability>>;

function sheet(workbook: ExcelJS.Workbook, name: string, header: string[], rows: Array<Array<string | null | undefined>>) {
  const ws = workbook.addWorksheet(name);
  ws.addRow(header).font = { bold: true };
  for (const row of rows) ws.addRow(row.map((cell) => cell ?? ''));
  ws.columns.forEach((column, index) => {
    column.width = Math.max(12, header[index]!.length + 2);
    column.alignment = index >= 2 ? { horizontal: 'right' } : { horizontal: 'left' };
  });
  ws.views = [{ state: 'frozen', ySplit: 1 }];
}

export async function valuationWorkbook(valuation: Valuation): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  sheet(
    workbook,
    'By warehouse',
    ['Owner org', 'Quality', 'Warehouse', 'Meters', 'Value TRY'],
    valuation.by_warehouse.map((r) => [r.org_code, r.quality_code, r.warehouse_code, r.meters, r.value_try]),
  );
  sheet(
    workbook,
    'By quality',
    ['Owner org', 'Quality', 'Meters', 'Value TRY', 'WAC TRY/m'],
    valuation.by_quality.map((r) => [r.org_code, r.quality_code, r.meters, r.value_try, r.wac_try_per_meter]),
  );
  sheet(
    workbook,
    'By owner org',
    ['Owner org', 'As of', 'Meters', 'Value TRY'],
    valuation.orgs.map((r) => [r.org_code, valuation.as_of, r.meters, r.value_try]),
  );
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export async function profitabilityWorkbook(report: Profitability): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  sheet(
    workbook,
    'Lines',
    [
      'Org',
      'Deal',
      'Customer',
      'PO',
      'Quality',
      'Meters',
      'Unit price',
      'Currency',
      'Revenue',
      'FX rate',
      'Rate source',
      'Revenue TRY',
      'Cost TRY',
      'Margin TRY',
    ],
    report.lines.map((l) => [
      l.org_code,
      l.deal_code,
      l.customer,
      l.po_number,
      l.quality_code,
      l.meters,
      l.unit_price,
      l.currency,
      l.revenue,
      l.fx_rate,
      l.fx_rate_source,
      l.revenue_try,
      l.cost_try,
      l.margin_try,
    ]),
  );
  const dims = [
    ['By deal', 'deal'],
    ['By PO', 'po'],
    ['By customer', 'customer'],
    ['By quality', 'quality'],
    ['By org', 'org'],
  ] as const;
  for (const [name, dim] of dims) {
    const rows = report[`by_${dim}`];
    sheet(
      workbook,
      name,
      [dim, 'Revenue (currency)', 'Revenue TRY', 'Cost TRY', 'Margin TRY', 'Margin %', 'Rates used'],
      rows.map((r) => [
        String(r[dim]),
        Object.entries(r.revenue_by_currency)
          .map(([c, v]) => `${c} ${v}`)
          .join('; '),
        r.revenue_try,
        r.cost_try,
        r.margin_try,
        r.margin_percent,
        r.rates_used.map((x) => `${x.currency}TRY ${x.fx_rate}`).join('; '),
      ]),
    );
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
