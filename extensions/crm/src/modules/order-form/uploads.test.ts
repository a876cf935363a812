import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { readZipDirectory, safeFileName, sniff } from './uploads.js';

async function workbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('lines').addRow(['quality', 'meters']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A minimal zip with one stored entry whose directory claims `unpacked` bytes. */
function fakeZip(name: string, packed: number, unpacked: number): Buffer {
  const n = Buffer.from(name);
  const local = Buffer.alloc(30 + n.length);
  local.writeUInt32LE(0x04034b50, 0);
  n.copy(local, 30);
  const central = Buffer.alloc(46 + n.length);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt32LE(packed, 20);
  central.writeUInt32LE(unpacked, 24);
  central.writeUInt16LE(n.length, 28);
  n.copy(central, 46);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length, 12);
  end.writeUInt32LE(local.length, 16);
  return Buffer.concat([local, central, end]);
}

describe('order form uploads', () => {
  it('knows a file by its bytes, and the name must agree', async () => {
    const xlsx = await workbook();
    expect(sniff('lines.xlsx', xlsx, ['xlsx'])).toEqual({ ok: true, kind: 'xlsx' });
    expect(sniff('lines.pdf', xlsx, ['xlsx', 'pdf'])).toEqual({ ok: false, reason: 'extension' });
    expect(sniff('doc.pdf', Buffer.from('%PDF-1.7\n...'), ['pdf'])).toEqual({ ok: true, kind: 'pdf' });
    expect(sniff('fake.xlsx', Buffer.from('%PDF-1.7\n...'), ['xlsx'])).toEqual({ ok: false, reason: 'type' });
    expect(sniff('a.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]), ['png'])).toEqual({ ok: true, kind: 'png' });
    expect(sniff('a.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0]), ['jpeg'])).toEqual({ ok: true, kind: 'jpeg' });
    expect(sniff('a.csv', Buffer.from('quality;meters\nQ;1\n'), ['csv'])).toEqual({ ok: true, kind: 'csv' });
    expect(sniff('a.exe', Buffer.from([0x4d, 0x5a, 0x90, 0x00]), ['pdf', 'csv'])).toEqual({ ok: false, reason: 'type' });
    expect(sniff('a.csv', Buffer.alloc(0), ['csv'])).toEqual({ ok: false, reason: 'empty' });
    // A zip that is not a workbook (a renamed archive).
    expect(sniff('a.xlsx', fakeZip('readme.txt', 10, 10), ['xlsx'])).toEqual({ ok: false, reason: 'type' });
  });

  it('refuses a zip bomb from its directory, before unpacking', () => {
    expect(readZipDirectory(fakeZip('xl/workbook.xml', 1000, 1000)).ok).toBe(true);
    expect(readZipDirectory(fakeZip('xl/workbook.xml', 1000, 1000 * 201))).toEqual({ ok: false, reason: 'zip_bomb' });
    expect(readZipDirectory(fakeZip('xl/workbook.xml', 60_000_000, 60_000_000))).toEqual({ ok: false, reason: 'zip_bomb' });
    expect(sniff('bomb.xlsx', fakeZip('xl/workbook.xml', 100, 4_000_000_000), ['xlsx'])).toEqual({ ok: false, reason: 'zip_bomb' });
    expect(readZipDirectory(Buffer.from('PK\x03\x04 truncated'))).toEqual({ ok: false, reason: 'not_zip' });
  });

  it('keeps a safe file name', () => {
    expect(safeFileName('C:\\Users\\x\\Sipariş.pdf')).toBe('Sipariş.pdf');
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('\u0000')).toBe('file');
  });
});
