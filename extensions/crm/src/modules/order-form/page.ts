/**
 * The order form's pages (stories 51, 55, 57), server-rendered with liquidjs, every output
 * HTML-escaped (`outputEscape: 'escape'`). Pure: the caller passes everything shown.
 *
 * No script at all: the form is a plain HTML form (20 line rows, the last 17 in a <details>), so
 * nothing is fetched from anywhere else. The one stylesheet is inline under the response's CSP nonce.
 * Turkish and English: the browser's language, switchable with `?lang=`.
 */
import { Liquid, type Template } from 'liquidjs';
import { MAX_LINES, type FormLine, type FormProblem, type Reason } from './form.js';

export type Lang = 'tr' | 'en';

const engine = new Liquid({ outputEscape: 'escape', strictFilters: true, ownPropertyOnly: true });
const cache = new Map<string, Template[]>();
function render(source: string, data: object): string {
  let parsed = cache.get(source);
  if (!parsed) cache.set(source, (parsed = engine.parse(source)));
  return engine.renderSync(parsed, data) as string;
}

/** `tr` when the browser prefers Turkish over English, else `en`; `?lang=` wins. */
export function pickLanguage(query: unknown, acceptLanguage: string | undefined): Lang {
  if (query === 'tr' || query === 'en') return query;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim().toLowerCase();
    if (tag.startsWith('tr')) return 'tr';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

export const WORDS = {
  en: {
    title: 'Order request',
    intro: 'Tell us what you need. We will confirm prices and dates after reviewing your request.',
    company: 'Company name',
    tax_number: 'Tax number',
    country: 'Country (2 letters, e.g. TR)',
    contact_name: 'Your name',
    contact_email: 'Your email',
    you: 'About you',
    lines: 'Lines',
    line: 'Line',
    quality: 'Quality',
    choose: 'Choose…',
    meters: 'Meters',
    date: 'Requested date',
    line_note: 'Note',
    more_lines: 'More lines (up to 20)',
    note: 'Note for the whole request',
    submit: 'Send request',
    excel: 'Lines from Excel',
    excel_hint: 'Fill in the template and read it into the form: its lines come after the ones typed (20 in all). Check them, then send.',
    template: 'Download the Excel template (.xlsx)',
    lines_file: 'Excel file with lines (.xlsx, at most 1 MB)',
    read_file: 'Read the file',
    lines_read: 'Read {{count}} lines from {{file}}. Check them below, then send.',
    row: 'Row',
    column: 'column',
    attachments: 'Attachments',
    attachments_hint:
      'PDF, images, spreadsheets: up to 5 files, 10 MB each, 20 MB in all. Only our team sees them. Choose them last, just before sending.',
    attachment: 'File',
    attachment_note: 'Note for this file',
    errors: 'Please correct the following and send again:',
    confirmation_title: 'Request received',
    confirmation: 'Thank you. Your request was received and can no longer be changed here. We will contact you.',
    submitted_at: 'Sent on',
    dead_title: 'This link cannot be used',
    dead: 'This order form link is not valid. Please ask your contact for a new link.',
    refused_title: 'Request not accepted',
    try_again: 'Back to the form',
    language: 'Türkçe',
    field_labels: {} as Record<string, string>,
    reasons: {
      required: 'is required',
      quality_unknown: 'choose a quality from the list',
      meters_format: 'write a number of meters, e.g. 120 or 120.5',
      meters_positive: 'must be more than zero',
      date_format: 'write a date as YYYY-MM-DD',
      date_past: 'cannot be in the past',
      date_far: 'is more than two years ahead',
      too_long: 'is too long',
      no_lines: 'fill in at least one line',
      too_many_lines: 'at most 20 lines',
      email_format: 'write an email address',
      tax_number_format: '6-32 letters or digits',
      country_format: 'two letters, e.g. TR',
      company_format: '2-255 characters',
      unknown_field: 'is not a field of this form',
      file_type: 'only PDF, PNG, JPEG, Excel (.xlsx) or CSV files',
      file_extension: 'the file name does not match what the file is',
      file_too_large: 'is too large (at most 10 MB a file, 20 MB in all; 1 MB for the lines file)',
      file_empty: 'is empty',
      zip_bomb: 'is not a normal Excel file (it unpacks to far more than its size)',
      too_many_files: 'at most 5 attachments',
      sheet_unreadable: 'the file could not be used',
    } satisfies Record<Reason, string>,
    refusals: {
      rate_limited: 'Too many attempts. Please wait {{seconds}} seconds and try again.',
      csrf: 'This form was open too long or came from another page. Please reload the page and send it again.',
      too_large: 'The request is too large.',
      content_type: 'This request could not be read.',
    },
  },
  tr: {
    title: 'Sipariş talebi',
    intro: 'İhtiyacınızı bize iletin. Talebinizi inceledikten sonra fiyat ve tarihleri teyit edeceğiz.',
    company: 'Firma adı',
    tax_number: 'Vergi numarası',
    country: 'Ülke (2 harf, örn. TR)',
    contact_name: 'Adınız',
    contact_email: 'E-posta adresiniz',
    you: 'Bilgileriniz',
    lines: 'Satırlar',
    line: 'Satır',
    quality: 'Kalite',
    choose: 'Seçin…',
    meters: 'Metre',
    date: 'İstenen tarih',
    line_note: 'Not',
    more_lines: 'Daha fazla satır (en çok 20)',
    note: 'Talebin tamamı için not',
    submit: 'Talebi gönder',
    excel: "Excel'den satırlar",
    excel_hint: 'Şablonu doldurup forma okutun: satırları yazılanlardan sonra eklenir (toplam 20). Kontrol edip gönderin.',
    template: 'Excel şablonunu indirin (.xlsx)',
    lines_file: 'Satırları içeren Excel dosyası (.xlsx, en çok 1 MB)',
    read_file: 'Dosyayı oku',
    lines_read: '{{file}} dosyasından {{count}} satır okundu. Aşağıda kontrol edip gönderin.',
    row: 'Satır',
    column: 'sütun',
    attachments: 'Ekler',
    attachments_hint:
      'PDF, görsel, tablo: en çok 5 dosya, her biri 10 MB, toplam 20 MB. Yalnızca ekibimiz görür. Göndermeden hemen önce seçin.',
    attachment: 'Dosya',
    attachment_note: 'Bu dosya için not',
    errors: 'Lütfen aşağıdakileri düzeltip tekrar gönderin:',
    confirmation_title: 'Talebiniz alındı',
    confirmation: 'Teşekkürler. Talebiniz alındı ve artık buradan değiştirilemez. Sizinle iletişime geçeceğiz.',
    submitted_at: 'Gönderildiği tarih',
    dead_title: 'Bu bağlantı kullanılamıyor',
    dead: 'Bu sipariş formu bağlantısı geçerli değil. Lütfen yetkilinizden yeni bir bağlantı isteyin.',
    refused_title: 'Talep kabul edilmedi',
    try_again: 'Forma dön',
    language: 'English',
    field_labels: {} as Record<string, string>,
    reasons: {
      required: 'zorunludur',
      quality_unknown: 'listeden bir kalite seçin',
      meters_format: 'metre sayısı yazın, örn. 120 veya 120,5',
      meters_positive: 'sıfırdan büyük olmalı',
      date_format: 'tarihi YYYY-AA-GG olarak yazın',
      date_past: 'geçmiş bir tarih olamaz',
      date_far: 'iki yıldan daha ileri',
      too_long: 'çok uzun',
      no_lines: 'en az bir satır doldurun',
      too_many_lines: 'en çok 20 satır',
      email_format: 'bir e-posta adresi yazın',
      tax_number_format: '6-32 harf veya rakam',
      country_format: 'iki harf, örn. TR',
      company_format: '2-255 karakter',
      unknown_field: 'bu formun bir alanı değil',
      file_type: 'yalnızca PDF, PNG, JPEG, Excel (.xlsx) veya CSV dosyaları',
      file_extension: 'dosya adı dosyanın türüyle uyuşmuyor',
      file_too_large: 'çok büyük (dosya başına en çok 10 MB, toplam 20 MB; satır dosyası için 1 MB)',
      file_empty: 'boş',
      zip_bomb: 'normal bir Excel dosyası değil (boyutunun çok üstünde açılıyor)',
      too_many_files: 'en çok 5 ek',
      sheet_unreadable: 'dosya kullanılamadı',
    } satisfies Record<Reason, string>,
    refusals: {
      rate_limited: 'Çok fazla deneme. Lütfen {{seconds}} saniye bekleyip tekrar deneyin.',
      csrf: 'Bu form çok uzun süre açık kaldı ya da başka bir sayfadan geldi. Lütfen sayfayı yenileyip tekrar gönderin.',
      too_large: 'Talep çok büyük.',
      content_type: 'Bu talep okunamadı.',
    },
  },
};

export type Refusal = keyof (typeof WORDS)['en']['refusals'];

export interface Brand {
  name: string;
  color: string | null;
  logoUrl: string | null;
}

const HEX = /^#[0-9a-fA-F]{6}$/;

/** Where a problem is shown: "Line 3 · Meters: must be more than zero". */
export function describeProblem(lang: Lang, problem: FormProblem): string {
  const w = WORDS[lang];
  const m = /^([qmdn])(\d+)$/.exec(problem.field);
  const label = m
    ? `${w.line} ${m[2]} · ${{ q: w.quality, m: w.meters, d: w.date, n: w.line_note }[m[1] as 'q' | 'm' | 'd' | 'n']}`
    : ((
        {
          company: w.company,
          tax_number: w.tax_number,
          country: w.country,
          contact_name: w.contact_name,
          contact_email: w.contact_email,
          note: w.note,
          lines: w.lines,
        } as Record<string, string>
      )[problem.field] ?? problem.field);
  const attachment = /^attachment_(\d+)$/.exec(problem.field);
  const where = problem.sheet
    ? `${w.row} ${problem.sheet.row}, ${w.column} ${problem.sheet.column}${problem.sheet.key ? ` (${problem.sheet.key})` : ''}`
    : attachment
      ? `${w.attachment} ${attachment[1]}`
      : problem.field === 'lines_file'
        ? w.lines_file
        : label;
  return `${where}: ${w.reasons[problem.reason]}${problem.detail ? ` (${problem.detail})` : ''}`;
}

const LAYOUT = `<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{ title }} · {{ brand.name }}</title>
<style nonce="{{ nonce }}">
:root{--brand:{{ color }}}
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1d2329;background:#f4f6f8;font-size:16px;line-height:1.45}
header{background:#fff;border-top:6px solid var(--brand);padding:12px 16px;display:flex;align-items:center;gap:12px;justify-content:space-between}
header .org{display:flex;align-items:center;gap:10px;font-weight:700;font-size:18px;color:var(--brand)}
header img{max-height:40px;max-width:120px}
main{max-width:880px;margin:0 auto;padding:16px}
h1{font-size:22px;margin:8px 0 4px}
section{background:#fff;border-radius:8px;padding:16px;margin:14px 0;box-shadow:0 1px 2px rgba(0,0,0,.06)}
label{display:block;font-size:14px;color:#4a5560;margin:8px 0 4px}
input,select,textarea{width:100%;font:inherit;padding:9px 10px;border:1px solid #b9c2cb;border-radius:6px;background:#fff}
textarea{min-height:70px}
.grid{display:grid;gap:8px 12px;grid-template-columns:1fr 1fr}
.line{display:grid;gap:6px 10px;grid-template-columns:2.2fr 1fr 1.3fr 2fr;align-items:end;padding:10px 0;border-bottom:1px solid #e6eaee}
.line .no{grid-column:1/-1;font-weight:600;font-size:13px;color:#69737d}
.line label{margin:0 0 3px}
@media (max-width:640px){.grid{grid-template-columns:1fr}.line{grid-template-columns:1fr 1fr}.line .q,.line .n{grid-column:1/-1}}
.bad{border-color:#c62828;background:#fff5f5}
.errors{border-left:5px solid #c62828;background:#fff5f5}
.errors li{margin:2px 0}
.ok{border-left:5px solid #2e7d32;background:#f3fbf3}
button.secondary{background:#fff;color:var(--brand);border:2px solid var(--brand)}
button{background:var(--brand);color:#fff;border:0;border-radius:6px;padding:12px 22px;font:inherit;font-weight:600;cursor:pointer;width:100%;max-width:320px}
details summary{cursor:pointer;color:var(--brand);font-weight:600;margin:12px 0}
table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:8px 6px;border-bottom:1px solid #e6eaee;font-size:15px;vertical-align:top}
.lang{color:var(--brand);font-size:14px}
.muted{color:#69737d;font-size:14px}
</style></head>
<body><header><div class="org">{% if brand.logoUrl %}<img src="{{ brand.logoUrl }}" alt="">{% endif %}<span>{{ brand.name }}</span></div>
{% if switch_url %}<a class="lang" href="{{ switch_url }}" hreflang="{{ other_lang }}">{{ w.language }}</a>{% endif %}</header>
<main>{{ body | raw }}</main></body></html>`;

const LINE_ROW = `<div class="line" data-line="{{ i }}"><div class="no">{{ w.line }} {{ i }}</div>
<div class="q"><label for="q{{ i }}">{{ w.quality }}</label><select id="q{{ i }}" name="q{{ i }}"{% if bad[qk] %} class="bad" aria-invalid="true"{% endif %}><option value="">{{ w.choose }}</option>{{ options | raw }}</select></div>
<div><label for="m{{ i }}">{{ w.meters }}</label><input id="m{{ i }}" name="m{{ i }}" inputmode="decimal" autocomplete="off" value="{{ echo[mk] }}"{% if bad[mk] %} class="bad" aria-invalid="true"{% endif %}></div>
<div><label for="d{{ i }}">{{ w.date }}</label><input id="d{{ i }}" name="d{{ i }}" type="date" min="{{ today }}" value="{{ echo[dk] }}"{% if bad[dk] %} class="bad" aria-invalid="true"{% endif %}></div>
<div class="n"><label for="n{{ i }}">{{ w.line_note }}</label><input id="n{{ i }}" name="n{{ i }}" maxlength="500" value="{{ echo[nk] }}"{% if bad[nk] %} class="bad" aria-invalid="true"{% endif %}></div></div>`;

/**
 * The org's qualities as options, rendered once per page and copied into each of the 20 line rows
 * with that row's choice marked: rendering the loop in every row cost about 0.6 ms per quality on
 * one core (1.3 s for 2,000 qualities), time the whole server's event loop waited.
 */
const QUALITY_OPTIONS = `{% for q in qualities %}<option value="{{ q.code }}">{{ q.code }} · {{ q.name }}</option>{% endfor %}`;
const OPTION_OPEN = `<option value="{{ code }}">`;
const OPTION_SELECTED = `<option value="{{ code }}" selected>`;

const FORM = `<h1>{{ w.title }}</h1><p class="muted">{{ w.intro }}</p>
{% if problems.size > 0 %}<section class="errors" role="alert" id="errors"><strong>{{ w.errors }}</strong><ul>{% for p in problems %}<li>{{ p }}</li>{% endfor %}</ul></section>{% endif %}
{% if lines_read %}<section class="ok" role="status" id="lines-read"><strong>{{ lines_read }}</strong></section>{% endif %}
<form method="post" action="{{ action }}" accept-charset="utf-8" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="{{ csrf }}"><input type="hidden" name="lang" value="{{ lang }}">
{% if prospect %}<section><h2>{{ w.you }}</h2><div class="grid">
<div><label for="company">{{ w.company }}</label><input id="company" name="company" autocomplete="organization" value="{{ echo.company }}"{% if bad.company %} class="bad"{% endif %}></div>
<div><label for="tax_number">{{ w.tax_number }}</label><input id="tax_number" name="tax_number" value="{{ echo.tax_number }}"{% if bad.tax_number %} class="bad"{% endif %}></div>
<div><label for="contact_name">{{ w.contact_name }}</label><input id="contact_name" name="contact_name" autocomplete="name" value="{{ echo.contact_name }}"{% if bad.contact_name %} class="bad"{% endif %}></div>
<div><label for="contact_email">{{ w.contact_email }}</label><input id="contact_email" name="contact_email" type="email" autocomplete="email" value="{{ echo.contact_email }}"{% if bad.contact_email %} class="bad"{% endif %}></div>
<div><label for="country">{{ w.country }}</label><input id="country" name="country" maxlength="2" value="{{ echo.country }}"{% if bad.country %} class="bad"{% endif %}></div>
</div></section>{% endif %}
<section><h2>{{ w.excel }}</h2><p class="muted">{{ w.excel_hint }}</p><p><a href="{{ action }}/template.xlsx" download>{{ w.template }}</a></p>
<label for="lines_file">{{ w.lines_file }}</label><input id="lines_file" name="lines_file" type="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"{% if bad.lines_file %} class="bad"{% endif %}>
<p><button type="submit" name="action" value="read_lines" class="secondary">{{ w.read_file }}</button></p></section>
<section><h2>{{ w.lines }}</h2>{{ first_rows | raw }}<details{% if open_more %} open{% endif %}><summary>{{ w.more_lines }}</summary>{{ more_rows | raw }}</details></section>
<section><label for="note">{{ w.note }}</label><textarea id="note" name="note" maxlength="1000">{{ echo.note }}</textarea></section>
<section><h2>{{ w.attachments }}</h2><p class="muted">{{ w.attachments_hint }}</p>
{% for n in attachment_slots %}<div class="grid"><div><label for="attachment_{{ n }}">{{ w.attachment }} {{ n }}</label><input id="attachment_{{ n }}" name="attachment_{{ n }}" type="file" accept=".pdf,.png,.jpg,.jpeg,.xlsx,.csv"></div>
<div><label for="attachment_note_{{ n }}">{{ w.attachment_note }}</label><input id="attachment_note_{{ n }}" name="attachment_note_{{ n }}" maxlength="500" value="{{ echo[note_keys[forloop.index0]] }}"></div></div>{% endfor %}</section>
<button type="submit" name="action" value="send">{{ w.submit }}</button>
</form>`;

const CONFIRMATION = `<section class="ok" role="status" id="confirmation"><h1>{{ w.confirmation_title }}</h1><p>{{ w.confirmation }}</p>
<p class="muted">{{ w.submitted_at }}: {{ submitted_at }}</p></section>
<section><h2>{{ w.lines }}</h2><table><thead><tr><th>#</th><th>{{ w.quality }}</th><th>{{ w.meters }}</th><th>{{ w.date }}</th><th>{{ w.line_note }}</th></tr></thead><tbody>
{% for l in lines %}<tr><td>{{ l.line_no }}</td><td>{{ l.quality_code }}</td><td>{{ l.meters }}</td><td>{{ l.requested_date }}</td><td>{{ l.note }}</td></tr>{% endfor %}
</tbody></table>{% if note %}<p><strong>{{ w.note }}:</strong> {{ note }}</p>{% endif %}</section>`;

const MESSAGE = `<section class="{{ kind }}" role="alert"><h1>{{ heading }}</h1><p>{{ text }}</p>{% if back %}<p><a href="{{ back }}">{{ w.try_again }}</a></p>{% endif %}</section>`;

interface Frame {
  lang: Lang;
  nonce: string;
  brand: Brand;
  /** The page's own path, to build the language switch; null: no switch. */
  selfPath: string | null;
}

function layout(frame: Frame, title: string, bodyHtml: string): string {
  const other: Lang = frame.lang === 'tr' ? 'en' : 'tr';
  return render(LAYOUT, {
    lang: frame.lang,
    nonce: frame.nonce,
    title,
    brand: frame.brand,
    color: frame.brand.color && HEX.test(frame.brand.color) ? frame.brand.color : '#1f5fa8',
    w: WORDS[frame.lang],
    switch_url: frame.selfPath ? `${frame.selfPath}?lang=${other}` : null,
    other_lang: other,
    // Rendered by this module's own templates, every value in it escaped already: printed `| raw`.
    body: bodyHtml,
  });
}

export interface FormPage extends Frame {
  action: string;
  csrf: string;
  prospect: boolean;
  qualities: Array<{ code: string; name: string }>;
  today: string;
  echo: Record<string, string>;
  problems: FormProblem[];
  /** The lines file was read (57): how many lines, from which file. */
  linesRead?: { count: number; file: string } | null;
}

export function renderFormPage(page: FormPage): string {
  const w = WORDS[page.lang];
  const bad: Record<string, boolean> = {};
  for (const p of page.problems) bad[p.field] = true;
  const options = render(QUALITY_OPTIONS, { qualities: page.qualities });
  const optionsFor = (chosen: string | undefined) => {
    if (!chosen) return options;
    const selected = render(OPTION_SELECTED, { code: chosen });
    // A function, so that a `$` in a code is not read as a replacement pattern.
    return options.replace(render(OPTION_OPEN, { code: chosen }), () => selected);
  };
  const row = (i: number) =>
    render(LINE_ROW, {
      i,
      w,
      options: optionsFor(page.echo[`q${i}`]),
      echo: page.echo,
      bad,
      today: page.today,
      qk: `q${i}`,
      mk: `m${i}`,
      dk: `d${i}`,
      nk: `n${i}`,
    });
  const rows = (from: number, to: number) => {
    let html = '';
    for (let i = from; i <= to; i++) html += row(i);
    return html;
  };
  const openMore = Object.keys(page.echo).some((k) => /^[qmdn](\d+)$/.test(k) && Number(k.slice(1)) > 3 && page.echo[k]);
  const body = render(FORM, {
    w,
    lang: page.lang,
    action: page.action,
    csrf: page.csrf,
    prospect: page.prospect,
    echo: page.echo,
    bad,
    problems: page.problems.map((p) => describeProblem(page.lang, p)),
    first_rows: rows(1, 3),
    more_rows: rows(4, MAX_LINES),
    open_more: openMore,
    lines_read: page.linesRead
      ? w.lines_read.replace('{{count}}', String(page.linesRead.count)).replace('{{file}}', page.linesRead.file)
      : null,
    attachment_slots: [1, 2, 3, 4, 5],
    note_keys: [1, 2, 3, 4, 5].map((n) => `attachment_note_${n}`),
  });
  return layout(page, w.title, body);
}

export interface ConfirmationPage extends Frame {
  lines: FormLine[];
  note: string | null;
  submittedAt: Date;
}

export function renderConfirmationPage(page: ConfirmationPage): string {
  const w = WORDS[page.lang];
  const body = render(CONFIRMATION, {
    w,
    lines: page.lines,
    note: page.note,
    submitted_at: page.submittedAt.toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  });
  return layout(page, w.confirmation_title, body);
}

/** The one page for every dead token (expired, used elsewhere, revoked, replaced, unknown): no brand, no oracle. */
export function renderDeadPage(lang: Lang, nonce: string): string {
  const w = WORDS[lang];
  const frame: Frame = { lang, nonce, brand: { name: '', color: null, logoUrl: null }, selfPath: null };
  return layout(frame, w.dead_title, render(MESSAGE, { w, kind: 'errors', heading: w.dead_title, text: w.dead, back: null }));
}

export function renderRefusalPage(frame: Frame, refusal: Refusal, back: string | null, seconds = 0): string {
  const w = WORDS[frame.lang];
  const text = w.refusals[refusal].replace('{{seconds}}', String(seconds));
  return layout(frame, w.refused_title, render(MESSAGE, { w, kind: 'errors', heading: w.refused_title, text, back }));
}
