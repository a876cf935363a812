/**
 * The order form's input (stories 53, 54, 57): the posted fields, checked strictly. Pure.
 *
 * Field names are flat so the page works without JavaScript: `q1`…`q20` (quality code), `m1`…
 * (meters), `d1`… (requested date), `n1`… (line note); `note` for the whole request; for a prospect
 * `company`, `tax_number`, `country`, `contact_name`, `contact_email`. A line whose four fields are
 * all blank is no line. Every problem is reported as `{ field, reason }`, the reason a message key
 * the page shows in the customer's language (page.ts), so one refusal lists every problem at once.
 */
export const MAX_LINES = 20;
export const MAX_NOTE = 1000;
export const MAX_LINE_NOTE = 500;
/** At most this many days ahead for a requested date. */
export const MAX_DAYS_AHEAD = 730;

export type Reason =
  | 'required'
  | 'quality_unknown'
  | 'meters_format'
  | 'meters_positive'
  | 'date_format'
  | 'date_past'
  | 'date_far'
  | 'too_long'
  | 'no_lines'
  | 'too_many_lines'
  | 'email_format'
  | 'tax_number_format'
  | 'country_format'
  | 'company_format'
  | 'unknown_field'
  | 'file_type'
  | 'file_extension'
  | 'file_too_large'
  | 'file_empty'
  | 'zip_bomb'
  | 'too_many_files'
  | 'sheet_unreadable';

export interface FormProblem {
  field: string;
  reason: Reason;
  /** Where in the uploaded lines file (57): its row and column; or what the reader said of the sheet. */
  sheet?: { row: number; column: string; key: string } | undefined;
  detail?: string | undefined;
}

export interface FormLine {
  line_no: number;
  quality_code: string;
  /** Decimal string with a dot, at most 2 fraction digits. */
  meters: string;
  /** YYYY-MM-DD or null. */
  requested_date: string | null;
  note: string | null;
}

export interface Prospect {
  company: string;
  tax_number: string;
  country: string | null;
  contact_name: string;
  contact_email: string;
}

export interface FormSubmission {
  lines: FormLine[];
  note: string | null;
  prospect: Prospect | null;
}

export type FormResult = { ok: true; value: FormSubmission } | { ok: false; problems: FormProblem[]; echo: Record<string, string> };

const METERS = /^\d{1,9}(?:[.,]\d{1,2})?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const EMAIL = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;
const TAX_NUMBER = /^[A-Z0-9]{6,32}$/;
const COUNTRY = /^[A-Z]{2}$/;
const LINE_FIELD = /^([qmdn])([1-9]\d?)$/;
const OTHER_FIELDS = new Set([
  'csrf',
  'lang',
  'action',
  'note',
  'company',
  'tax_number',
  'country',
  'contact_name',
  'contact_email',
  ...[1, 2, 3, 4, 5].map((n) => `attachment_note_${n}`),
]);

/** Days since 1970-01-01 of a YYYY-MM-DD that is a real calendar date, else null. */
export function dayNumber(value: string): number | null {
  const m = DATE.exec(value);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return Math.floor(t / 86_400_000);
}

function clean(value: string | undefined): string {
  return (value ?? '').replace(/\r\n/g, '\n').trim();
}

/** Normalises meters to a dot decimal; null when malformed. */
export function parseMeters(value: string): { ok: true; meters: string } | { ok: false; reason: Reason } {
  const v = value.replace(/\s/g, '');
  if (!METERS.test(v)) return { ok: false, reason: 'meters_format' };
  const meters = v.replace(',', '.');
  if (!/[1-9]/.test(meters)) return { ok: false, reason: 'meters_positive' };
  return { ok: true, meters: meters.replace(/^0+(?=\d)/, '') };
}

/**
 * Checks a posted form. `qualities` is the set of quality codes the org sells (what a sales owner
 * could pick); `today` the customer's day (UTC). `prospect`: the token is for a prospect, so the
 * company fields are required.
 */
export function parseForm(
  fields: Record<string, string>,
  options: { qualities: ReadonlySet<string>; today: Date; prospect: boolean },
): FormResult {
  const problems: FormProblem[] = [];
  const echo: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    const m = LINE_FIELD.exec(key);
    if (m ? Number(m[2]) > MAX_LINES : !OTHER_FIELDS.has(key)) {
      problems.push({ field: key.slice(0, 40), reason: m ? 'too_many_lines' : 'unknown_field' });
      continue;
    }
    echo[key] = value.slice(0, 2000);
  }
  const todayNumber = Math.floor(
    Date.UTC(options.today.getUTCFullYear(), options.today.getUTCMonth(), options.today.getUTCDate()) / 86_400_000,
  );

  const lines: FormLine[] = [];
  for (let i = 1; i <= MAX_LINES; i++) {
    const q = clean(fields[`q${i}`]).toUpperCase();
    const mText = clean(fields[`m${i}`]);
    const d = clean(fields[`d${i}`]);
    const n = clean(fields[`n${i}`]);
    if (!q && !mText && !d && !n) continue;
    let ok = true;
    if (!q) {
      problems.push({ field: `q${i}`, reason: 'required' });
      ok = false;
    } else if (!options.qualities.has(q)) {
      problems.push({ field: `q${i}`, reason: 'quality_unknown' });
      ok = false;
    }
    let meters = '';
    if (!mText) {
      problems.push({ field: `m${i}`, reason: 'required' });
      ok = false;
    } else {
      const parsed = parseMeters(mText);
      if (parsed.ok) meters = parsed.meters;
      else {
        problems.push({ field: `m${i}`, reason: parsed.reason });
        ok = false;
      }
    }
    if (d) {
      const day = dayNumber(d);
      if (day === null) problems.push({ field: `d${i}`, reason: 'date_format' });
      else if (day < todayNumber) problems.push({ field: `d${i}`, reason: 'date_past' });
      else if (day > todayNumber + MAX_DAYS_AHEAD) problems.push({ field: `d${i}`, reason: 'date_far' });
      if (day === null || day < todayNumber || day > todayNumber + MAX_DAYS_AHEAD) ok = false;
    }
    if (n.length > MAX_LINE_NOTE) {
      problems.push({ field: `n${i}`, reason: 'too_long' });
      ok = false;
    }
    if (ok) lines.push({ line_no: lines.length + 1, quality_code: q, meters, requested_date: d || null, note: n || null });
  }
  if (!lines.length && !problems.some((p) => /^[qmdn]\d/.test(p.field))) problems.push({ field: 'lines', reason: 'no_lines' });

  const note = clean(fields['note']);
  if (note.length > MAX_NOTE) problems.push({ field: 'note', reason: 'too_long' });

  let prospect: Prospect | null = null;
  if (options.prospect) {
    const company = clean(fields['company']);
    const taxNumber = clean(fields['tax_number']).toUpperCase().replace(/\s/g, '');
    const country = clean(fields['country']).toUpperCase();
    const contactName = clean(fields['contact_name']);
    const contactEmail = clean(fields['contact_email']);
    if (!company) problems.push({ field: 'company', reason: 'required' });
    else if (company.length < 2 || company.length > 255) problems.push({ field: 'company', reason: 'company_format' });
    if (!taxNumber) problems.push({ field: 'tax_number', reason: 'required' });
    else if (!TAX_NUMBER.test(taxNumber)) problems.push({ field: 'tax_number', reason: 'tax_number_format' });
    if (country && !COUNTRY.test(country)) problems.push({ field: 'country', reason: 'country_format' });
    if (!contactName) problems.push({ field: 'contact_name', reason: 'required' });
    else if (contactName.length > 255) problems.push({ field: 'contact_name', reason: 'too_long' });
    if (!contactEmail) problems.push({ field: 'contact_email', reason: 'required' });
    else if (contactEmail.length > 254 || !EMAIL.test(contactEmail)) problems.push({ field: 'contact_email', reason: 'email_format' });
    prospect = { company, tax_number: taxNumber, country: country || null, contact_name: contactName, contact_email: contactEmail };
  }

  if (problems.length) return { ok: false, problems, echo };
  return { ok: true, value: { lines, note: note || null, prospect } };
}
