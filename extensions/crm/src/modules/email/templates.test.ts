import { describe, expect, it } from 'vitest';
import { renderInternalEmail, renderStatusEmail, type Branding, type StatusEmailData } from './templates.js';

const brand: Branding = {
  name: 'MOD Tekstil',
  color: '#1F4E79',
  logoUrl: 'https://crm.example.com/assets/logo-file',
  senderName: 'MOD Tekstil',
  senderAddress: 'orders@mod.example.com',
};
const shipped: StatusEmailData = {
  po_number: 'MODPO4X8Z1N6R',
  customer_name: 'Öztürk Şal & Çorap <Ltd>',
  carrier_name: 'Aras Kargo',
  tracking_id: '3020117745',
  tracking_url: 'https://kargotakip.araskargo.com.tr/?code=3020117745',
  dispatch_note_number: 'IRS-2026-000481',
  at: '2026-02-06T14:05:00Z',
};

describe('customer status emails', () => {
  it('shipped carries branding, po_number, tracking_id, carrier and the tracking link (64), in HTML and text', () => {
    const email = renderStatusEmail('shipped', 'en', brand, shipped);
    expect(email.subject).toBe('Your order MODPO4X8Z1N6R has shipped');
    for (const part of [email.html, email.text]) {
      expect(part).toContain('MODPO4X8Z1N6R');
      expect(part).toContain('3020117745');
      expect(part).toContain('Aras Kargo');
      expect(part).toContain('MOD Tekstil');
    }
    expect(email.html).toContain('#1F4E79');
    expect(email.html).toContain('src="https://crm.example.com/assets/logo-file"');
    expect(email.html).toContain('href="https://kargotakip.araskargo.com.tr/?code=3020117745"');
    expect(email.text).toContain('Track your shipment: https://kargotakip.araskargo.com.tr/?code=3020117745');
  });

  it('Turkish: letters intact in subject and body', () => {
    const email = renderStatusEmail('shipped', 'tr', brand, shipped);
    expect(email.subject).toBe('MODPO4X8Z1N6R numaralı siparişiniz kargoya verildi');
    expect(email.text).toContain('Sayın Öztürk Şal & Çorap <Ltd>,');
    expect(email.text).toContain('Takip numarası: 3020117745');
    expect(email.html).toContain('Siparişiniz yola çıktı');
    expect(email.html).toContain('İrsaliye numarası');
    const delivered = renderStatusEmail('delivered', 'tr', brand, shipped);
    expect(delivered.subject).toBe('MODPO4X8Z1N6R numaralı siparişiniz teslim edildi');
    expect(delivered.text).toContain('teşekkür ederiz');
  });

  it('escapes by default: names are text in HTML, never markup; bad colours and links are left out', () => {
    const email = renderStatusEmail(
      'delivered',
      'en',
      { ...brand, color: 'red;background:url(x)', logoUrl: 'javascript:alert(1)' },
      {
        ...shipped,
        carrier_name: '<script>alert(1)</script>',
        tracking_url: 'javascript:alert(1)',
      },
    );
    expect(email.html).toContain('Dear Öztürk Şal &amp; Çorap &lt;Ltd&gt;,');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('javascript:');
    expect(email.html).not.toContain('red;background');
    expect(email.html).toContain('#333333');
  });

  it('shows no internal ids: only what the data names', () => {
    const email = renderStatusEmail('shipped', 'en', brand, shipped);
    expect(email.html).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
  });
});

describe('internal emails', () => {
  it('render facts and sections, escaped, with a subject naming the org', () => {
    const email = renderInternalEmail('override_used', brand, {
      subject: 'PO MODPO4X8Z1N6R',
      intro: 'The warehouse shipped past a gate.',
      facts: [
        { label: 'Gate', value: 'credit' },
        { label: 'Note', value: 'Müşteri onayı <var>' },
      ],
      sections: [{ title: 'Lines', columns: ['Quality', 'Meters'], rows: [['SAT-120/B', '250.00']], empty: 'none' }],
    });
    expect(email.subject).toBe('[MOD Tekstil] Shipment gate overridden: PO MODPO4X8Z1N6R');
    expect(email.html).toContain('Müşteri onayı &lt;var&gt;');
    expect(email.text).toContain('Note: Müşteri onayı <var>');
    expect(email.text).toContain('Quality | Meters\nSAT-120/B | 250.00');
  });
});
