/**
 * The emails' words and layout (stories 63, 64, 68-71), rendered with liquidjs (the template library
 * Directus itself uses for its mails). Pure.
 *
 * - HTML escapes every output by default (`outputEscape: 'escape'`): a customer or supplier name
 *   with `<` or `&` in it is text, never markup. The plain-text part has its own engine that does
 *   not escape.
 * - Values that land in attributes are checked before they get there: the brand colour must be a
 *   hex colour, links must be http(s) URLs; anything else is left out.
 * - Customer emails are in the customer's language (Turkish or English); internal emails in
 *   English with Turkish facts kept as they are. All text is UTF-8; Turkish letters pass intact.
 * - Emails never show internal ids: templates receive only what the `*Data` types below name
 *   (PO numbers, codes, names), never a deal id or a UUID.
 */
import { Liquid, type Template } from 'liquidjs';
import { internalInTurkish } from './internal-tr.js';
import type { CustomerEmailType, DocumentEmailType, EmailType, Language } from './types.js';

const htmlEngine = new Liquid({ outputEscape: 'escape', strictFilters: true, ownPropertyOnly: true });
const textEngine = new Liquid({ strictFilters: true, ownPropertyOnly: true });

const cache = new Map<string, Template[]>();
function render(engine: Liquid, source: string, data: object): string {
  const key = `${engine === htmlEngine ? 'h' : 't'}:${source}`;
  let parsed = cache.get(key);
  if (!parsed) {
    parsed = engine.parse(source);
    cache.set(key, parsed);
  }
  return engine.renderSync(parsed, data) as string;
}

export interface Branding {
  /** The org's display name on emails (sender name, else the org name). */
  name: string;
  color: string | null;
  logoUrl: string | null;
  senderName: string | null;
  senderAddress: string | null;
}

export interface StatusEmailData {
  po_number: string;
  customer_name: string | null;
  carrier_name: string | null;
  tracking_id: string | null;
  tracking_url: string | null;
  dispatch_note_number: string | null;
  /** When it happened, as the WMS reported it. */
  at: string | null;
}

export interface Fact {
  label: string;
  value: string;
}
export interface Section {
  title: string;
  columns: string[];
  rows: string[][];
  /** Shown instead of an empty table. */
  empty: string;
}
export interface InternalEmailData {
  /** The subject line's specific part, e.g. "PO MODPO4X8Z1N6R". */
  subject: string;
  intro: string;
  facts: Fact[];
  sections: Section[];
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
const DEFAULT_COLOR = '#333333';

export function safeUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}

function formatAt(iso: string | null, language: Language): string | null {
  if (!iso) return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  return new Intl.DateTimeFormat(language === 'tr' ? 'tr-TR' : 'en-GB', {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: 'Europe/Istanbul',
  }).format(date);
}

// ---------------------------------------------------------------------------------------------
// Customer status emails.

const STATUS_WORDS: Record<Language, Record<CustomerEmailType, { subject: string; heading: string; body: string }>> = {
  en: {
    picking_started: {
      subject: 'We have started preparing your order {{ po_number }}',
      heading: 'Your order is being prepared',
      body: 'Our warehouse has started picking your order {{ po_number }}.',
    },
    prepared: {
      subject: 'Your order {{ po_number }} is ready for dispatch',
      heading: 'Your order is ready',
      body: 'Your order {{ po_number }} has been prepared and is waiting for dispatch.',
    },
    shipped: {
      subject: 'Your order {{ po_number }} has shipped',
      heading: 'Your order is on its way',
      body: 'Your order {{ po_number }} has been handed to the carrier.',
    },
    delivered: {
      subject: 'Your order {{ po_number }} has been delivered',
      heading: 'Your order has arrived',
      body: 'Your order {{ po_number }} has been delivered. Thank you for your business.',
    },
  },
  tr: {
    picking_started: {
      subject: '{{ po_number }} numaralı siparişinizin hazırlanmasına başlandı',
      heading: 'Siparişiniz hazırlanıyor',
      body: 'Depomuz {{ po_number }} numaralı siparişinizi toplamaya başladı.',
    },
    prepared: {
      subject: '{{ po_number }} numaralı siparişiniz sevkiyata hazır',
      heading: 'Siparişiniz hazır',
      body: '{{ po_number }} numaralı siparişiniz hazırlandı ve sevkiyatı bekliyor.',
    },
    shipped: {
      subject: '{{ po_number }} numaralı siparişiniz kargoya verildi',
      heading: 'Siparişiniz yola çıktı',
      body: '{{ po_number }} numaralı siparişiniz kargo firmasına teslim edildi.',
    },
    delivered: {
      subject: '{{ po_number }} numaralı siparişiniz teslim edildi',
      heading: 'Siparişiniz ulaştı',
      body: '{{ po_number }} numaralı siparişiniz teslim edildi. Bizi tercih ettiğiniz için teşekkür ederiz.',
    },
  },
};

const LABELS: Record<Language, Record<string, string>> = {
  en: {
    dear: 'Dear {{ customer_name }},',
    hello: 'Hello,',
    po_number: 'Order number',
    carrier: 'Carrier',
    tracking_id: 'Tracking number',
    track: 'Track your shipment',
    dispatch_note: 'Dispatch note',
    at: 'Date',
    footer: 'This email was sent by {{ brand.name }}. Please do not reply to this address.',
  },
  tr: {
    dear: 'Sayın {{ customer_name }},',
    hello: 'Merhaba,',
    po_number: 'Sipariş numarası',
    carrier: 'Kargo firması',
    tracking_id: 'Takip numarası',
    track: 'Gönderinizi takip edin',
    dispatch_note: 'İrsaliye numarası',
    at: 'Tarih',
    footer: 'Bu e-posta {{ brand.name }} tarafından gönderilmiştir. Lütfen bu adrese yanıt vermeyin.',
  },
};

const STATUS_HTML = `<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="margin:0;padding:0;background:#f4f4f4;font-family:Arial,Helvetica,sans-serif;color:#222">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="background:#ffffff;border-top:6px solid {{ color }}">
<tr><td style="padding:24px 24px 8px">{% if logo_url %}<img src="{{ logo_url }}" alt="{{ brand.name }}" height="48" style="display:block;border:0">{% else %}<div style="font-size:22px;font-weight:bold;color:{{ color }}">{{ brand.name }}</div>{% endif %}</td></tr>
<tr><td style="padding:8px 24px"><h1 style="font-size:20px;margin:0 0 12px;color:{{ color }}">{{ heading }}</h1>
<p style="margin:0 0 12px">{{ greeting }}</p><p style="margin:0 0 16px">{{ body }}</p>
<table role="presentation" cellpadding="6" cellspacing="0" style="border-collapse:collapse;font-size:14px">
<tr><td style="color:#666">{{ labels.po_number }}</td><td><strong>{{ po_number }}</strong></td></tr>
{% if carrier_name %}<tr><td style="color:#666">{{ labels.carrier }}</td><td>{{ carrier_name }}</td></tr>{% endif %}
{% if tracking_id %}<tr><td style="color:#666">{{ labels.tracking_id }}</td><td><strong>{{ tracking_id }}</strong></td></tr>{% endif %}
{% if dispatch_note_number %}<tr><td style="color:#666">{{ labels.dispatch_note }}</td><td>{{ dispatch_note_number }}</td></tr>{% endif %}
{% if at %}<tr><td style="color:#666">{{ labels.at }}</td><td>{{ at }}</td></tr>{% endif %}
</table>
{% if tracking_url %}<p style="margin:20px 0"><a href="{{ tracking_url }}" style="background:{{ color }};color:#ffffff;padding:10px 18px;text-decoration:none;border-radius:4px">{{ labels.track }}</a></p>{% endif %}
</td></tr>
<tr><td style="padding:16px 24px;font-size:12px;color:#888">{{ footer }}</td></tr>
</table></td></tr></table></body></html>
`;

const STATUS_TEXT = `{{ brand.name }}

{{ heading }}

{{ greeting }}

{{ body }}

{{ labels.po_number }}: {{ po_number }}
{% if carrier_name %}{{ labels.carrier }}: {{ carrier_name }}
{% endif %}{% if tracking_id %}{{ labels.tracking_id }}: {{ tracking_id }}
{% endif %}{% if dispatch_note_number %}{{ labels.dispatch_note }}: {{ dispatch_note_number }}
{% endif %}{% if at %}{{ labels.at }}: {{ at }}
{% endif %}{% if tracking_url %}
{{ labels.track }}: {{ tracking_url }}
{% endif %}
--
{{ footer }}
`;

export function renderStatusEmail(type: CustomerEmailType, language: Language, brand: Branding, data: StatusEmailData): RenderedEmail {
  const words = STATUS_WORDS[language][type];
  const raw = LABELS[language]!;
  const plain = { ...data, brand };
  // Words are ours, filled with the data as plain text; the HTML engine escapes them when output.
  const fill = (source: string) => render(textEngine, source, plain);
  const subject = fill(words.subject);
  const context = {
    lang: language,
    subject,
    brand,
    color: brand.color && HEX_COLOR.test(brand.color) ? brand.color : DEFAULT_COLOR,
    logo_url: safeUrl(brand.logoUrl),
    heading: fill(words.heading),
    greeting: data.customer_name ? fill(raw['dear']!) : raw['hello'],
    body: fill(words.body),
    labels: raw,
    footer: fill(raw['footer']!),
    po_number: data.po_number,
    carrier_name: data.carrier_name,
    tracking_id: data.tracking_id,
    tracking_url: safeUrl(data.tracking_url),
    dispatch_note_number: data.dispatch_note_number,
    at: formatAt(data.at, language),
  };
  return { subject, html: render(htmlEngine, STATUS_HTML, context), text: render(textEngine, STATUS_TEXT, context) };
}

// ---------------------------------------------------------------------------------------------
// Internal ops emails and digests: one layout of facts and tables.

export const INTERNAL_TITLES: Record<Exclude<EmailType, CustomerEmailType | DocumentEmailType>, string> = {
  override_used: 'Shipment gate overridden',
  shipment_approval_needed: 'Shipment approval needed',
  new_customer_pending_review: 'New customer pending review',
  supply_request_created: 'Supply request created',
  eta_near: 'Supply ETA near',
  soft_arrival_confirmed: 'Soft arrival confirmed',
  credit_request_submitted: 'Credit request submitted',
  order_form_submitted: 'Order form request received',
  weekly_digest: 'Weekly digest',
  central_stock_check_digest: 'Central stock check digest',
  cost_daily_pack: 'Cost Control Daily Pack',
};

/** The titles in Turkish, for staff whose Directus language is Turkish (internal-tr.ts has the rest). */
export const INTERNAL_TITLES_TR: Record<keyof typeof INTERNAL_TITLES, string> = {
  override_used: 'Sevkiyat kapısı blokajı kaldırıldı',
  shipment_approval_needed: 'Sevkiyat onayı gerekiyor',
  new_customer_pending_review: 'Yeni müşteri incelemeyi bekliyor',
  supply_request_created: 'Tedarik talebi oluşturuldu',
  eta_near: 'Tedarikin tahmini varışı yaklaşıyor',
  soft_arrival_confirmed: 'Ön varış onaylandı',
  credit_request_submitted: 'Kredi talebi gönderildi',
  order_form_submitted: 'Sipariş formu talebi alındı',
  weekly_digest: 'Haftalık özet',
  central_stock_check_digest: 'Merkezi stok kontrolü özeti',
  cost_daily_pack: 'Cost Control Daily Pack (Maliyet Kontrol Günlük Paketi)',
};

const INTERNAL_FOOTER: Record<Language, string> = {
  en: 'Sent by the CRM for {{ brand.name }} under your email routing rules.',
  tr: 'Bu e-posta, e-posta yönlendirme kurallarınız gereği {{ brand.name }} için CRM tarafından gönderildi.',
};

const INTERNAL_HTML = `<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#222;margin:0;padding:24px">
<div style="border-top:6px solid {{ color }};padding-top:12px">
<div style="font-size:13px;color:#666">{{ brand.name }}</div>
<h1 style="font-size:20px;margin:4px 0 12px;color:{{ color }}">{{ title }}</h1>
<p>{{ intro }}</p>
{% if facts.size > 0 %}<table cellpadding="6" cellspacing="0" style="border-collapse:collapse;font-size:14px">
{% for fact in facts %}<tr><td style="color:#666">{{ fact.label }}</td><td>{{ fact.value }}</td></tr>
{% endfor %}</table>{% endif %}
{% for section in sections %}<h2 style="font-size:16px;margin:20px 0 8px">{{ section.title }}</h2>
{% if section.rows.size > 0 %}<table cellpadding="6" cellspacing="0" border="1" style="border-collapse:collapse;font-size:13px;border-color:#ddd">
<tr>{% for column in section.columns %}<th align="left" style="background:#f4f4f4">{{ column }}</th>{% endfor %}</tr>
{% for row in section.rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</table>{% else %}<p style="color:#666">{{ section.empty }}</p>{% endif %}
{% endfor %}
<p style="font-size:12px;color:#888;margin-top:24px">{{ footer }}</p>
</div></body></html>
`;

const INTERNAL_TEXT = `{{ brand.name }}: {{ title }}

{{ intro }}
{% for fact in facts %}
{{ fact.label }}: {{ fact.value }}{% endfor %}
{% for section in sections %}
== {{ section.title }} ==
{% if section.rows.size > 0 %}{{ section.columns | join: " | " }}
{% for row in section.rows %}{{ row | join: " | " }}
{% endfor %}{% else %}{{ section.empty }}
{% endif %}{% endfor %}
--
{{ footer }}
`;

/**
 * An internal email in English, or in Turkish (the content through internal-tr.ts' catalogue;
 * names, codes and amounts as they are).
 */
export function renderInternalEmail(
  type: Exclude<EmailType, CustomerEmailType | DocumentEmailType>,
  brand: Branding,
  content: InternalEmailData,
  language: Language = 'en',
): RenderedEmail {
  const data = language === 'tr' ? internalInTurkish(content).data : content;
  const title = language === 'tr' ? INTERNAL_TITLES_TR[type] : INTERNAL_TITLES[type];
  const subject = `[${brand.name}] ${title}: ${data.subject}`;
  const context = {
    lang: language,
    footer: render(textEngine, INTERNAL_FOOTER[language], { brand }),
    subject,
    title,
    brand,
    color: brand.color && HEX_COLOR.test(brand.color) ? brand.color : DEFAULT_COLOR,
    intro: data.intro,
    facts: data.facts,
    sections: data.sections,
  };
  return { subject, html: render(htmlEngine, INTERNAL_HTML, context), text: render(textEngine, INTERNAL_TEXT, context) };
}

// ---------------------------------------------------------------------------------------------
// Documents a person sends to the customer (proforma_sent): the sender's own words, paragraph by
// paragraph (the overdue warning line of story 43 among them), and the document's facts.

export interface DocumentEmailData {
  /** The whole subject line, e.g. "Proforma MOD2026PI0Z8Y7X6W". */
  subject: string;
  paragraphs: string[];
  facts: Fact[];
}

export function isDocumentEmailData(value: unknown): value is DocumentEmailData {
  const v = value as DocumentEmailData | null;
  return !!v && typeof v.subject === 'string' && Array.isArray(v.paragraphs) && Array.isArray(v.facts);
}

const DOCUMENT_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#222;margin:0;padding:24px">
<div style="border-top:6px solid {{ color }};padding-top:12px">
<div style="font-size:20px;font-weight:bold;color:{{ color }}">{{ brand.name }}</div>
<h1 style="font-size:18px;margin:12px 0">{{ subject }}</h1>
{% for paragraph in paragraphs %}<p>{{ paragraph }}</p>
{% endfor %}{% if facts.size > 0 %}<table cellpadding="6" cellspacing="0" style="border-collapse:collapse;font-size:14px">
{% for fact in facts %}<tr><td style="color:#666">{{ fact.label }}</td><td>{{ fact.value }}</td></tr>
{% endfor %}</table>{% endif %}
<p style="font-size:12px;color:#888;margin-top:24px">{{ brand.name }}</p>
</div></body></html>
`;

const DOCUMENT_TEXT = `{{ brand.name }}

{{ subject }}
{% for paragraph in paragraphs %}
{{ paragraph }}
{% endfor %}{% for fact in facts %}
{{ fact.label }}: {{ fact.value }}{% endfor %}
--
{{ brand.name }}
`;

export function renderDocumentEmail(_type: DocumentEmailType, brand: Branding, data: DocumentEmailData): RenderedEmail {
  const context = {
    subject: data.subject,
    brand,
    color: brand.color && HEX_COLOR.test(brand.color) ? brand.color : DEFAULT_COLOR,
    paragraphs: data.paragraphs,
    facts: data.facts,
  };
  return { subject: data.subject, html: render(htmlEngine, DOCUMENT_HTML, context), text: render(textEngine, DOCUMENT_TEXT, context) };
}
