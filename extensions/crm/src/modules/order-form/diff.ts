/**
 * What changed in a form deal since the customer was last sent it (story 56). Pure.
 *
 * Lines are matched by `line_no`; for each, the fields the customer sees (quality, meters,
 * requested date, unit price and currency, note) before → after; lines added and removed.
 * Decimals are compared as numbers written the same way (`40.5` equals `40.50`).
 */
export interface SentLine {
  line_no: number;
  quality_code: string;
  meters: string;
  requested_date: string | null;
  unit_price?: string | null | undefined;
  currency?: string | null | undefined;
  note?: string | null | undefined;
}

export const DIFF_FIELDS = ['quality_code', 'meters', 'requested_date', 'unit_price', 'currency', 'note'] as const;
export type DiffField = (typeof DIFF_FIELDS)[number];

export type LineChange =
  | { kind: 'added'; line_no: number; after: SentLine }
  | { kind: 'removed'; line_no: number; before: SentLine }
  | { kind: 'changed'; line_no: number; fields: Array<{ field: DiffField; before: string | null; after: string | null }> };

function normal(field: DiffField, value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  const text = String(value);
  if ((field === 'meters' || field === 'unit_price') && /^-?\d+(\.\d+)?$/.test(text)) {
    const [int, frac = ''] = text.split('.');
    const f = frac.replace(/0+$/, '');
    return f ? `${int}.${f}` : int!;
  }
  return text;
}

export function diffLines(before: readonly SentLine[], after: readonly SentLine[]): LineChange[] {
  const old = new Map(before.map((l) => [l.line_no, l]));
  const now = new Map(after.map((l) => [l.line_no, l]));
  const numbers = [...new Set([...old.keys(), ...now.keys()])].sort((a, b) => a - b);
  const changes: LineChange[] = [];
  for (const n of numbers) {
    const b = old.get(n);
    const a = now.get(n);
    if (!b && a) changes.push({ kind: 'added', line_no: n, after: a });
    else if (b && !a) changes.push({ kind: 'removed', line_no: n, before: b });
    else if (a && b) {
      const fields = DIFF_FIELDS.map((field) => ({ field, before: normal(field, b[field]), after: normal(field, a[field]) })).filter(
        (f) => f.before !== f.after,
      );
      if (fields.length) changes.push({ kind: 'changed', line_no: n, fields });
    }
  }
  return changes;
}

const LABELS = {
  en: {
    line: 'Line',
    added: 'added',
    removed: 'removed',
    quality_code: 'quality',
    meters: 'meters',
    requested_date: 'date',
    unit_price: 'unit price',
    currency: 'currency',
    note: 'note',
  },
  tr: {
    line: 'Satır',
    added: 'eklendi',
    removed: 'çıkarıldı',
    quality_code: 'kalite',
    meters: 'metre',
    requested_date: 'tarih',
    unit_price: 'birim fiyat',
    currency: 'para birimi',
    note: 'not',
  },
} as const;

function describeLine(l: SentLine): string {
  return [
    l.quality_code,
    `${normal('meters', l.meters)} m`,
    l.requested_date,
    l.unit_price ? `${normal('unit_price', l.unit_price)} ${l.currency ?? ''}`.trim() : null,
    l.note,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** The table rows of the email: one per changed line, "before → after" per field. */
export function diffRows(changes: readonly LineChange[], lang: 'tr' | 'en'): Array<{ label: string; value: string }> {
  const w = LABELS[lang];
  return changes.map((c) => {
    const label = `${w.line} ${c.line_no}`;
    if (c.kind === 'added') return { label, value: `${w.added}: ${describeLine(c.after)}` };
    if (c.kind === 'removed') return { label, value: `${w.removed}: ${describeLine(c.before)}` };
    return { label, value: c.fields.map((f) => `${w[f.field]}: ${f.before ?? '–'} → ${f.after ?? '–'}`).join('; ') };
  });
}
