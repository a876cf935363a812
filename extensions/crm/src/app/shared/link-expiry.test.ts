import { describe, expect, it } from 'vitest';
import { DEFAULT_LINK_EXPIRY, expiresInDays, linkExpiryItems } from './link-expiry.js';

describe('order form link expiry', () => {
  it('sends days as a number and never as null', () => {
    expect(expiresInDays('7')).toBe(7);
    expect(expiresInDays('365')).toBe(365);
    expect(expiresInDays('never')).toBeNull();
    expect(expiresInDays(DEFAULT_LINK_EXPIRY)).toBe(14);
  });
  it('offers every choice in the order shown, named in the language given', () => {
    const t = (key: string, values?: Record<string, unknown>) => (values ? `${key}:${String(values['n'])}` : key);
    expect(linkExpiryItems(t)).toEqual([
      { text: 'crm.order_links.expiry.days:7', value: '7' },
      { text: 'crm.order_links.expiry.days:14', value: '14' },
      { text: 'crm.order_links.expiry.days:30', value: '30' },
      { text: 'crm.order_links.expiry.days:90', value: '90' },
      { text: 'crm.order_links.expiry.days:365', value: '365' },
      { text: 'crm.order_links.expiry.never', value: 'never' },
    ]);
  });
});
