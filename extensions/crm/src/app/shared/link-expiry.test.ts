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
    const days = ['7', '14', '30', '90', '365'].map((n) => ({ text: `crm.order_links.expiry.days:${n}`, value: n }));
    expect(linkExpiryItems(t)).toEqual([...days, { text: 'crm.order_links.expiry.never', value: 'never' }]);
  });
});
