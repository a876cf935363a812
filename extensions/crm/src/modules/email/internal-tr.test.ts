import { describe, expect, it } from 'vitest';
import { internalData, staffLanguage } from './content.js';
import { internalInTurkish, turkishOf } from './internal-tr.js';
import { renderInternalEmail, type Branding, type InternalEmailData } from './templates.js';

const brand: Branding = { name: 'MOD Tekstil', color: '#1F4E79', logoUrl: null, senderName: null, senderAddress: null };

/**
 * The seven internal ops types (story 70) as their builders write them: content.ts for the WMS
 * triggers' types, and the sentences and labels of the use cases that hand their content in
 * (customers, credit, supply, shipment approval). A new label or sentence there belongs here and in
 * the catalogue, or this test names it.
 */
const opsContents: Array<[Parameters<typeof renderInternalEmail>[0], InternalEmailData]> = [
  [
    'override_used',
    internalData('override_used', {
      po_number: 'MODPO4X8Z1N6R',
      gate: 'payment',
      reason_code: 'customer_promise',
      note: 'Müşteri ödemeyi yarın yapacak',
      overridden_by: 'depo.şef',
      overridden_at: '2026-12-06T09:00:00Z',
      override_id: 'OVR-1',
    })!,
  ],
  [
    'supply_request_created',
    internalData('supply_request_created', {
      supply_id: 'SUP-1',
      supply_type: 'import',
      supplier_name: 'Çukurova Dokuma',
      milestone: 'ordered',
      eta_date: '2026-12-20',
    })!,
  ],
  ['soft_arrival_confirmed', internalData('soft_arrival_confirmed', { supply_id: 'SUP-1', soft_arrival_confirmed_at: '2026-12-06' })!],
  ['eta_near', internalData('eta_near', { supply_id: 'SUP-1', supply_type: 'manufacturing', eta_date: '2026-12-08' })!],
  [
    'new_customer_pending_review',
    {
      subject: 'Öztürk Şal Çorap',
      intro: 'A sales owner added a customer; it waits for a Sales Manager to review it before deals can use it.',
      facts: [
        { label: 'Customer', value: 'Öztürk Şal Çorap' },
        { label: 'Tax number', value: '1234567890' },
        { label: 'Payment mode', value: 'cash' },
      ],
      sections: [],
    },
  ],
  [
    'credit_request_submitted',
    {
      subject: 'Öztürk Şal Çorap TRY',
      intro: 'A new credit limit was requested and waits for a Sales Manager or Finance on /credit.',
      facts: [
        { label: 'Customer', value: 'Öztürk Şal Çorap' },
        { label: 'Currency', value: 'TRY' },
        { label: 'Requested limit', value: '500000.00 TRY' },
        { label: 'Current limit', value: 'none' },
        { label: 'Reason', value: 'Sezon siparişleri' },
      ],
      sections: [],
    },
  ],
  [
    'supply_request_created',
    {
      subject: 'supply request MODSR12345678',
      intro: 'Sales asked for supply for a deal line; a Sales Manager creates or rejects it.',
      facts: ['Request', 'Type', 'Deal', 'Quality', 'Meters', 'Status', 'Supplier', 'ETA', 'Note'].map((label) => ({ label, value: 'x' })),
      sections: [],
    },
  ],
  [
    'shipment_approval_needed',
    {
      subject: 'PO MODPO4X8Z1N6R',
      intro: 'This purchase order passes every shipment gate and awaits shipment approval in the CRM (Shipment approval).',
      facts: ['PO number', 'Deal', 'Customer', 'Ship date', 'Payment'].map((label) => ({ label, value: 'x' })),
      sections: [],
    },
  ],
];

describe('internal ops emails in Turkish (70)', () => {
  it('every sentence and label of the seven ops types has its Turkish', () => {
    for (const [type, content] of opsContents) {
      expect({ type, untranslated: internalInTurkish(content).untranslated }).toEqual({ type, untranslated: [] });
    }
    expect(turkishOf('A Sales Manager ordered supply for a deal line.')).toBe(
      'Bir Satış Müdürü bir fırsat satırı için tedarik siparişi verdi.',
    );
  });

  it('renders title, facts, values and footer in Turkish with the letters intact; names and codes as they are', () => {
    const [type, content] = opsContents[0]!;
    const email = renderInternalEmail(type, brand, content, 'tr');
    expect(email.subject).toBe('[MOD Tekstil] Sevkiyat kapısı blokajı kaldırıldı: SAS MODPO4X8Z1N6R');
    for (const part of [email.html, email.text]) {
      expect(part).toContain('Depo, bir sevkiyat kapısını blokaj kaldırarak geçti. Nedeni aşağıda inceleyin.');
      expect(part).toContain('SAS numarası');
      expect(part).toContain('Blokajı kaldıran');
      expect(part).toContain('depo.şef');
      expect(part).toContain('yönlendirme kurallarınız gereği');
      expect(part).not.toContain('Overridden by');
    }
    expect(email.html).toContain('<html lang="tr">');
    // Values: only the listed enumerations under their label; a customer's words never.
    const customer = renderInternalEmail('new_customer_pending_review', brand, opsContents[4]![1], 'tr');
    expect(customer.text).toContain('Ödeme şekli: peşin');
    expect(customer.subject).toBe('[MOD Tekstil] Yeni müşteri incelemeyi bekliyor: Öztürk Şal Çorap');
    const supply = renderInternalEmail('eta_near', brand, opsContents[3]![1], 'tr');
    expect(supply.subject).toBe('[MOD Tekstil] Tedarikin tahmini varışı yaklaşıyor: tedarik SUP-1');
    expect(supply.text).toContain('Tür: üretim');
    // English stays the default.
    expect(renderInternalEmail(type, brand, content).subject).toBe('[MOD Tekstil] Shipment gate overridden: PO MODPO4X8Z1N6R');
  });

  it('escapes in Turkish as in English', () => {
    const email = renderInternalEmail('new_customer_pending_review', brand, { ...opsContents[4]![1], subject: 'Ş & <b>Ç</b>' }, 'tr');
    expect(email.html).toContain('Ş &amp; &lt;b&gt;Ç&lt;/b&gt;');
  });
});

describe('staffLanguage: the Directus language of the recipients', () => {
  const users = new Map<string, string | null>([
    ['ayse@mod.example.com', 'tr-TR'],
    ['john@mod.example.com', 'en-US'],
    ['nolang@mod.example.com', null],
  ]);
  it('each user by their language; no language or no user: the project default; mixed: most, then the default', () => {
    expect(staffLanguage(['Ayse@mod.example.com'], users, 'en-US')).toBe('tr');
    expect(staffLanguage(['john@mod.example.com'], users, 'tr-TR')).toBe('en');
    expect(staffLanguage(['nolang@mod.example.com'], users, 'tr-TR')).toBe('tr');
    expect(staffLanguage(['ops@mod.example.com'], users, 'tr-TR')).toBe('tr');
    expect(staffLanguage(['ops@mod.example.com'], users, null)).toBe('en');
    expect(staffLanguage(['ayse@mod.example.com', 'nolang@mod.example.com', 'john@mod.example.com'], users, 'tr-TR')).toBe('tr');
    expect(staffLanguage(['ayse@mod.example.com', 'john@mod.example.com'], users, 'en-US')).toBe('en');
    expect(staffLanguage(['ayse@mod.example.com', 'john@mod.example.com'], users, 'tr-TR')).toBe('tr');
    expect(staffLanguage([], users, 'tr-TR')).toBe('tr');
  });
});
