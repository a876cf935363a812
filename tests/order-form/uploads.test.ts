/**
 * The order form's files (stories 57, 58) through real HTTP: the Excel lines template and upload
 * (strict, every error with row, column and reason, a success indicator), and attachments that only
 * staff of the deal's org can read (never the customer, never another org, never /files or /assets).
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminGet, baseUrl, tokenFor } from '../support/api.js';
import { as, expectRefusal, makeCustomer, retireCustomers, USERS } from '../credit/support.js';
import { clientAddress, dealLines, formDeals, inDays, issued, openForm, type FormSession } from './support.js';

let profile: string;
beforeAll(async () => {
  profile = (await makeCustomer('Order Form Dosya Ltd', ['MOD'])).profiles.MOD;
});
afterAll(async () => {
  await retireCustomers();
});

async function workbook(rows: unknown[][], headings = ['quality', 'meters', 'requested_date', 'note']): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet('lines');
  sheet.addRow(headings);
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The page's list of problems, for assertion messages. */
function errorsOf(html: string): string {
  return [...html.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]).join(' | ') || html.slice(0, 300);
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

async function postMultipart(
  path: string,
  session: FormSession,
  fields: Record<string, string>,
  files: Record<string, { name: string; bytes: Buffer; type?: string }>,
  ip: string,
) {
  const form = new FormData();
  form.set('csrf', session.csrf);
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  for (const [k, f] of Object.entries(files))
    form.set(k, new Blob([new Uint8Array(f.bytes)], { type: f.type ?? 'application/octet-stream' }), f.name);
  const response = await fetch(`${baseUrl()}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: session.cookie, 'x-forwarded-for': ip },
    body: form,
  });
  return { status: response.status, html: await response.text(), headers: response.headers };
}

describe('Excel lines (57)', () => {
  it('the template is served for a live link only, with exactly the four columns', async () => {
    const link = await issued(USERS.salesMod, { customer_profile_id: profile });
    const response = await fetch(`${baseUrl()}${link.path}/template.xlsx`, { headers: { 'x-forwarded-for': clientAddress() } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await response.arrayBuffer()) as unknown as ArrayBuffer);
    expect(wb.worksheets[0]!.name).toBe('lines');
    expect((wb.worksheets[0]!.getRow(1).values as unknown[]).slice(1)).toEqual(['quality', 'meters', 'requested_date', 'note']);
    const dead = await fetch(`${baseUrl()}/order-form/${'B'.repeat(43)}/template.xlsx`, {
      headers: { 'x-forwarded-for': clientAddress() },
    });
    expect(dead.status).toBe(404);
  });

  it('reads a file into the form with a success indicator, or lists every error by row and column; nothing is sent', async () => {
    const link = await issued(USERS.salesMod, { customer_profile_id: profile });
    const ip = clientAddress();
    const session = await openForm(link.path, ip);
    const good = await workbook([
      ['MOD-POPLIN-120', '100', inDays(5), 'ilk'],
      ['MOD-SATEN-090', '20.5', null, null],
      ['MOD-KETEN-150', '7', null, 'son'],
    ]);
    const read = await postMultipart(
      link.path,
      session,
      { lang: 'en', action: 'read_lines' },
      { lines_file: { name: 'lines.xlsx', bytes: good } },
      ip,
    );
    expect(read.status, errorsOf(read.html)).toBe(200);
    expect(read.html).toContain('Read 3 lines from lines.xlsx');
    expect(read.html).toContain('<option value="MOD-SATEN-090" selected>');
    expect(read.html).toContain('value="20.5"');

    const bad = await workbook([
      ['MOD-POPLIN-120', '10', null, null],
      ['NOPE-1', '0', '2020-01-01', null],
      [null, 'x', null, null, 'extra'],
    ]);
    const refused = await postMultipart(
      link.path,
      session,
      { lang: 'en', action: 'read_lines' },
      { lines_file: { name: 'bad.xlsx', bytes: bad } },
      ip,
    );
    expect(refused.status).toBe(422);
    for (const message of [
      'Row 3, column A (quality): choose a quality from the list',
      'Row 3, column B (meters): must be more than zero',
      'Row 3, column C (requested_date): cannot be in the past',
      'Row 4, column A (quality): is required',
      'Row 4, column B (meters): write a number of meters',
      'Row 4, column E: is not a field of this form',
    ])
      expect(refused.html).toContain(message);
    expect(refused.html).not.toContain('Read 3 lines');

    const headings = await workbook([['MOD-POPLIN-120', '1']], ['quality', 'metre']);
    const wrongHeadings = await postMultipart(
      link.path,
      session,
      { lang: 'en', action: 'read_lines' },
      { lines_file: { name: 'h.xlsx', bytes: headings } },
      ip,
    );
    expect(wrongHeadings.status).toBe(422);
    expect(wrongHeadings.html).toContain('Excel file with lines (.xlsx, at most 1 MB): the file could not be used');

    const tooMany = await workbook(Array.from({ length: 21 }, () => ['MOD-POPLIN-120', '1']));
    const over = await postMultipart(
      link.path,
      session,
      { lang: 'en', action: 'read_lines' },
      { lines_file: { name: 'many.xlsx', bytes: tooMany } },
      ip,
    );
    expect(over.status).toBe(422);
    expect(over.html).toContain('more than 20 rows');

    const renamed = await postMultipart(
      link.path,
      session,
      { lang: 'en', action: 'read_lines' },
      { lines_file: { name: 'lines.xlsx', bytes: PDF } },
      ip,
    );
    expect(renamed.status).toBe(422);
    expect(renamed.html).toContain('Excel file with lines (.xlsx, at most 1 MB): only PDF');
    expect(await formDeals(profile)).toHaveLength(0);
  });
});

describe('attachments (58)', () => {
  it('bad files are refused with the slot and reason; nothing is created', async () => {
    const link = await issued(USERS.salesMod, { customer_profile_id: profile });
    const ip = clientAddress();
    const session = await openForm(link.path, ip);
    const exe = Buffer.concat([Buffer.from([0x4d, 0x5a, 0x90, 0x00]), Buffer.alloc(100)]);
    const r = await postMultipart(
      link.path,
      session,
      { lang: 'en', q1: 'MOD-POPLIN-120', m1: '5' },
      {
        attachment_1: { name: 'invoice.pdf', bytes: exe },
        attachment_2: { name: 'photo.png', bytes: PDF },
        attachment_3: { name: 'big.pdf', bytes: Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024)]) },
      },
      ip,
    );
    expect(r.status, r.html.slice(0, 300)).toBe(422);
    expect(r.html).toContain('File 1: only PDF, PNG, JPEG, Excel (.xlsx) or CSV files');
    expect(r.html).toContain('File 2: the file name does not match what the file is');
    expect(r.html).toContain('File 3: is too large');
    expect(await formDeals(profile)).toHaveLength(0);
  });

  it('a submission with an Excel file and an attachment: the lines, the file for staff of the org only, never back to the customer', async () => {
    const link = await issued(USERS.salesMod, { customer_profile_id: profile });
    const ip = clientAddress();
    const session = await openForm(link.path, ip);
    const lines = await workbook([
      ['MOD-POPLIN-120', '100', inDays(5), 'from excel'],
      ['MOD-SATEN-090', '20.5', null, null],
    ]);
    const sent = await postMultipart(
      link.path,
      session,
      { lang: 'en', action: 'send', attachment_note_1: 'our spec sheet' },
      { lines_file: { name: 'lines.xlsx', bytes: lines }, attachment_1: { name: 'spec.pdf', bytes: PDF, type: 'application/pdf' } },
      ip,
    );
    expect(sent.status, errorsOf(sent.html)).toBe(303);
    const [deal] = await formDeals(profile);
    expect((await dealLines(deal!.id)).map((l) => [l.quality_code, l.meters, l.notes])).toEqual([
      ['MOD-POPLIN-120', '100.00', 'from excel'],
      ['MOD-SATEN-090', '20.50', null],
    ]);
    const listed = await as(USERS.salesMod, 'GET', `/crm/deals/${deal!.id}/order-form-attachments`);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.data).toEqual([
      expect.objectContaining({ file_name: 'spec.pdf', mime_type: 'application/pdf', size_bytes: PDF.length, note: 'our spec sheet' }),
    ]);
    const attachmentId = listed.body.data[0].id as string;
    // Another org's user: as if it did not exist.
    expectRefusal(
      await as(USERS.salesJtr, 'GET', `/crm/order-form-attachments/${attachmentId}/file`),
      404,
      'ORDER_FORM_ATTACHMENT_NOT_FOUND',
    );
    expectRefusal(await as(USERS.salesJtr, 'GET', `/crm/deals/${deal!.id}/order-form-attachments`), 404, 'DEAL_NOT_FOUND');
    // The file belongs to no user: not readable through Directus' own routes by anyone but the admin.
    const [row] = await adminGet<Array<{ file_id: string }>>(
      `/items/order_form_attachments?filter[deal_id][_eq]=${deal!.id}&fields=file_id`,
    );
    const file = await adminGet<{ uploaded_by: string | null }>(`/files/${row!.file_id}?fields=uploaded_by`);
    expect(file.uploaded_by).toBeNull();
    expect((await as(USERS.salesMod, 'GET', `/files/${row!.file_id}`)).status).toBe(403);
    expect((await as(USERS.salesMod, 'GET', `/assets/${row!.file_id}`)).status).toBe(403);
    expect((await fetch(`${baseUrl()}/assets/${row!.file_id}`)).status).toBe(403);
    // The customer's confirmation does not list the files.
    const confirmation = await fetch(`${baseUrl()}${link.path}?lang=en`, { headers: { 'x-forwarded-for': ip } });
    const html = await confirmation.text();
    expect(html).toContain('Request received');
    expect(html).not.toContain('spec.pdf');
    expect(html).not.toContain(row!.file_id);
    // Staff of the org download it byte for byte, as an attachment, never sniffed.
    const download = await fetch(`${baseUrl()}/crm/order-form-attachments/${attachmentId}/file`, {
      headers: { authorization: `Bearer ${await tokenFor(USERS.salesMod)}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toContain("filename*=UTF-8''spec.pdf");
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await download.arrayBuffer()).equals(PDF)).toBe(true);
  });
});
