/**
 * What the order form accepts as files (stories 57, 58). Pure: checks on bytes, no I/O.
 *
 * - A file's type is what its bytes are, not what its name or the browser says: PDF (`%PDF-`), PNG,
 *   JPEG, an .xlsx workbook (a zip holding `[Content_Types].xml` and `xl/workbook.xml`), or CSV
 *   (UTF-8 text without NUL bytes). The name's extension must agree with the bytes.
 * - A zip (every .xlsx) is read from its central directory before anything is unpacked: at most
 *   `ZIP_LIMITS.entries` entries, `ZIP_LIMITS.unpackedBytes` unpacked in total, no entry packed more
 *   than `ZIP_LIMITS.ratio` to 1 (a zip bomb is refused without being opened).
 */
export const ATTACHMENT_LIMITS = { files: 5, bytesEach: 10 * 1024 * 1024, bytesTotal: 20 * 1024 * 1024, note: 500 } as const;
export const LINES_FILE_MAX_BYTES = 1024 * 1024;
export const ZIP_LIMITS = { entries: 500, unpackedBytes: 50 * 1024 * 1024, ratio: 200 } as const;

export type FileKind = 'pdf' | 'png' | 'jpeg' | 'xlsx' | 'csv';

export const MIME: Record<FileKind, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpeg: 'image/jpeg',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv',
};

const EXTENSIONS: Record<FileKind, readonly string[]> = {
  pdf: ['pdf'],
  png: ['png'],
  jpeg: ['jpg', 'jpeg'],
  xlsx: ['xlsx'],
  csv: ['csv'],
};

export interface ZipEntry {
  name: string;
  packed: number;
  unpacked: number;
}

export type ZipResult = { ok: true; entries: ZipEntry[] } | { ok: false; reason: 'not_zip' | 'zip_bomb' };

/** Reads a zip's central directory (End Of Central Directory record, then the entries). */
export function readZipDirectory(bytes: Buffer): ZipResult {
  if (bytes.length < 22 || bytes.readUInt32LE(0) !== 0x04034b50) return { ok: false, reason: 'not_zip' };
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return { ok: false, reason: 'not_zip' };
  const count = bytes.readUInt16LE(eocd + 10);
  const offset = bytes.readUInt32LE(eocd + 16);
  if (count === 0xffff || offset === 0xffffffff) return { ok: false, reason: 'zip_bomb' }; // zip64: never a form's workbook
  if (count > ZIP_LIMITS.entries) return { ok: false, reason: 'zip_bomb' };
  const entries: ZipEntry[] = [];
  let p = offset;
  let total = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > bytes.length || bytes.readUInt32LE(p) !== 0x02014b50) return { ok: false, reason: 'not_zip' };
    const packed = bytes.readUInt32LE(p + 20);
    const unpacked = bytes.readUInt32LE(p + 24);
    const nameLength = bytes.readUInt16LE(p + 28);
    const extra = bytes.readUInt16LE(p + 30);
    const comment = bytes.readUInt16LE(p + 32);
    const name = bytes.toString('utf8', p + 46, p + 46 + nameLength);
    total += unpacked;
    if (total > ZIP_LIMITS.unpackedBytes || unpacked > Math.max(packed, 1) * ZIP_LIMITS.ratio) return { ok: false, reason: 'zip_bomb' };
    entries.push({ name, packed, unpacked });
    p += 46 + nameLength + extra + comment;
  }
  return { ok: true, entries };
}

export type SniffResult = { ok: true; kind: FileKind } | { ok: false; reason: 'type' | 'extension' | 'zip_bomb' | 'empty' };

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

function isUtf8Text(bytes: Buffer): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** What a file is, by its bytes; refused when the bytes are none of the kinds or the name disagrees. */
export function sniff(name: string, bytes: Buffer, allowed: readonly FileKind[]): SniffResult {
  if (!bytes.length) return { ok: false, reason: 'empty' };
  let kind: FileKind | null = null;
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') kind = 'pdf';
  else if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) kind = 'png';
  else if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) kind = 'jpeg';
  else if (bytes.readUInt32LE(0) === 0x04034b50 || bytes.length < 4) {
    const zip = readZipDirectory(bytes);
    if (!zip.ok) return { ok: false, reason: zip.reason === 'zip_bomb' ? 'zip_bomb' : 'type' };
    const names = new Set(zip.entries.map((e) => e.name));
    if (names.has('[Content_Types].xml') && names.has('xl/workbook.xml')) kind = 'xlsx';
  } else if (isUtf8Text(bytes)) kind = 'csv';
  if (!kind || !allowed.includes(kind)) return { ok: false, reason: 'type' };
  if (!EXTENSIONS[kind].includes(extensionOf(name))) return { ok: false, reason: 'extension' };
  return { ok: true, kind };
}

/** A file name safe to store and show: its last path segment, control characters removed, at most 120 characters. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (cleaned || 'file').slice(-120);
}
