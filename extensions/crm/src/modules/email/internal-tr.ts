/**
 * Internal emails in Turkish (story 70) for staff whose Directus language is Turkish (language.ts
 * says who). Pure.
 *
 * The content of an internal email is built in English by the use case that causes it (a fixed
 * sentence, fact labels, section titles and columns, with the business's own values: names,
 * codes, amounts). This is its Turkish catalogue, gettext-style: the English text is the message
 * id, so the builders stay as they are and a string without a translation stays English rather
 * than disappearing (`untranslated` names it; the unit test keeps the list of the ops types'
 * strings complete). Values are the business's own and are never translated, except the few
 * enumerations listed in VALUES for their label (a customer called "Cash" stays "Cash").
 */
import type { Fact, InternalEmailData, Section } from './templates.js';

/** Whole strings: titles of sections, fact labels, columns, fixed sentences. */
const STRINGS: Record<string, string> = {
  // Fact labels and columns.
  'PO number': 'SAS numarası',
  PO: 'SAS',
  Gate: 'Kapı',
  Reason: 'Neden',
  Note: 'Not',
  'Overridden by': 'Blokajı kaldıran',
  At: 'Zaman',
  Override: 'Blokaj kaldırma',
  Supply: 'Tedarik',
  Type: 'Tür',
  Supplier: 'Tedarikçi',
  Milestone: 'Aşama',
  ETA: 'Tahmini varış',
  'Soft arrival confirmed': 'Ön varış onayı',
  Request: 'Talep',
  Deal: 'Fırsat',
  Quality: 'Kalite',
  Meters: 'Metre',
  Status: 'Durum',
  Customer: 'Müşteri',
  'Tax number': 'Vergi numarası',
  'Payment mode': 'Ödeme şekli',
  Currency: 'Para birimi',
  'Requested limit': 'Talep edilen limit',
  'Current limit': 'Mevcut limit',
  none: 'yok',
  'Ship date': 'Sevk tarihi',
  Payment: 'Ödeme',
  Contact: 'İletişim',
  'Buyer PO': 'Alıcı SAS',
  Lines: 'Satırlar',
  // Digests and the daily pack.
  'Open supplies': 'Açık tedarikler',
  'Central stock checks': 'Merkezi stok kontrolleri',
  'Shortage items': 'Eksik kalemler',
  'Pending approvals': 'Bekleyen onaylar',
  'Stale prices': 'Eskimiş fiyatlar',
  'Manufacturing supplies': 'Üretim tedarikleri',
  'Import supplies': 'İthalat tedarikleri',
  'Central stock check results': 'Merkezi stok kontrolü sonuçları',
  'No open manufacturing supply.': 'Açık üretim tedariki yok.',
  'No open import supply.': 'Açık ithalat tedariki yok.',
  'No central stock check this week.': 'Bu hafta merkezi stok kontrolü yapılmadı.',
  'No shortage this week.': 'Bu hafta eksik yok.',
  'Nothing waits for a decision.': 'Karar bekleyen bir şey yok.',
  'No stale price.': 'Eskimiş fiyat yok.',
  Result: 'Sonuç',
  Available: 'Mevcut',
  'Next step': 'Sonraki adım',
  'Send-back': 'Geri gönderim',
  Kind: 'Tür',
  Requested: 'Talep tarihi',
  Price: 'Fiyat',
  'Stale since': 'Eskime tarihi',
  Checks: 'Kontroller',
  Results: 'Sonuçlar',
  'Checked at': 'Kontrol zamanı',
  'No central stock check that day.': 'O gün merkezi stok kontrolü yapılmadı.',
  'Delivered orders': 'Teslim edilen siparişler',
  'Dispatch note': 'İrsaliye',
  Invoice: 'Fatura',
  'Invoice reference': 'Fatura referansı',
  Files: 'Dosyalar',
  Carrier: 'Kargo firması',
  Tracking: 'Takip',
  'Delivered at': 'Teslim zamanı',
  'No order was delivered that day.': 'O gün teslim edilen sipariş yok.',
  // Fixed sentences (intros).
  'The warehouse shipped past a shipment gate with an override. Review the reason below.':
    'Depo, bir sevkiyat kapısını blokaj kaldırarak geçti. Nedeni aşağıda inceleyin.',
  'A Sales Manager released this purchase order to the warehouse past a shipment gate with an override. Review the reason below.':
    'Bir Satış Müdürü bu satın alma siparişini bir sevkiyat kapısının blokajını kaldırarak depoya gönderdi. Nedeni aşağıda inceleyin.',
  'A new supply was registered in the warehouse system.': 'Depo sistemine yeni bir tedarik kaydedildi.',
  'The warehouse confirmed the soft arrival of this supply.': 'Depo bu tedarikin ön varışını onayladı.',
  'The soft arrival of this supply request was confirmed.': 'Bu tedarik talebinin ön varışı onaylandı.',
  'This supply is expected within the next days.': 'Bu tedarikin önümüzdeki günlerde gelmesi bekleniyor.',
  'A Sales Manager ordered supply for a deal line.': 'Bir Satış Müdürü bir fırsat satırı için tedarik siparişi verdi.',
  'Sales asked for supply for a deal line; a Sales Manager creates or rejects it.':
    'Satış, bir fırsat satırı için tedarik istedi; bir Satış Müdürü onu oluşturur ya da reddeder.',
  'A sales owner added a customer; it waits for a Sales Manager to review it before deals can use it.':
    'Bir satış sorumlusu müşteri ekledi; fırsatlarda kullanılmadan önce bir Satış Müdürünün incelemesini bekliyor.',
  'A new credit limit was requested and waits for a Sales Manager or Finance on /credit.':
    'Yeni bir kredi limiti talep edildi; /credit sayfasında bir Satış Müdürü ya da Finans kararını bekliyor.',
  'This purchase order passes every shipment gate and awaits shipment approval in the CRM (Shipment approval).':
    'Bu satın alma siparişi tüm sevkiyat kapılarından geçiyor ve CRM’de sevkiyat onayını bekliyor (Sevkiyat onayı).',
  'A customer sent a request through the order form.': 'Bir müşteri sipariş formu üzerinden talep gönderdi.',
  'A new customer sent the order form; it waits in Customers Pending Review (/credit) before deals can use it.':
    'Yeni bir müşteri sipariş formunu gönderdi; fırsatlarda kullanılmadan önce İnceleme Bekleyen Müşteriler’de (/credit) bekliyor.',
};

/** Strings with the business's values in them: an English pattern and its Turkish form. */
const PATTERNS: Array<[RegExp, string]> = [
  [/^PO (.+)$/s, 'SAS $1'],
  [/^supply request (.+)$/s, 'tedarik talebi $1'],
  [/^supply (.+)$/s, 'tedarik $1'],
  [/^week (.+)$/s, '$1. hafta'],
  [/^What needs attention this week, from (\S+) to (\S+)\.$/s, '$1 ile $2 arasında bu hafta ilgilenilmesi gerekenler.'],
  [/^Central stock check \(Abra\) results of (\S+)\.$/s, '$1 tarihli merkezi stok kontrolü (Abra) sonuçları.'],
  [
    /^Orders delivered on (\S+), with their documents\. The attached spreadsheet lists every line\.$/s,
    '$1 tarihinde teslim edilen siparişler ve belgeleri. Ekteki tablo her satırı listeler.',
  ],
];

/** Enumerations translated as values, only under these labels (English label → value → Turkish). */
const VALUES: Record<string, Record<string, string>> = {
  Type: { import: 'ithalat', manufacturing: 'üretim' },
  'Payment mode': { cash: 'peşin', credit: 'vadeli' },
  'Current limit': { none: 'yok' },
};

/** The Turkish of one string, or null when the catalogue has none. */
export function turkishOf(english: string): string | null {
  const whole = STRINGS[english];
  if (whole !== undefined) return whole;
  for (const [pattern, replacement] of PATTERNS) if (pattern.test(english)) return english.replace(pattern, replacement);
  return null;
}

/** The email's content in Turkish, and the strings that stayed English for want of a translation. */
export function internalInTurkish(data: InternalEmailData): { data: InternalEmailData; untranslated: string[] } {
  const untranslated: string[] = [];
  const tr = (english: string) => {
    const turkish = turkishOf(english);
    if (turkish === null) untranslated.push(english);
    return turkish ?? english;
  };
  const fact = (f: Fact): Fact => ({ label: tr(f.label), value: VALUES[f.label]?.[f.value] ?? f.value });
  const section = (s: Section): Section => ({ ...s, title: tr(s.title), columns: s.columns.map(tr), empty: tr(s.empty) });
  return {
    data: {
      subject: turkishOf(data.subject) ?? data.subject,
      intro: tr(data.intro),
      facts: data.facts.map(fact),
      sections: data.sections.map(section),
    },
    untranslated,
  };
}
