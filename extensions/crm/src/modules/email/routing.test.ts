import { describe, expect, it } from 'vitest';
import { route, type RoutingRule } from './routing.js';
import { EMAIL_TYPES } from './types.js';

const rule = (over: Partial<RoutingRule> = {}): RoutingRule => ({
  enabled: true,
  to: [],
  cc: [],
  contactRoles: [],
  policy: 'send',
  ...over,
});
const contacts = [
  { name: 'Ayşe Yılmaz', email: 'ayse@musteri.example.com', role: 'purchasing' },
  { name: 'Lojistik', email: 'lojistik@musteri.example.com', role: 'logistics' },
  { name: 'No mail', email: null, role: 'logistics' },
];
const customer = { optedOut: false, contacts };
const admins = ['admin.mod@example.com'];

describe('email routing', () => {
  it('shipped and delivered are on by default and go to every contact with an address', () => {
    for (const type of ['shipped', 'delivered'] as const) {
      expect(route({ type, rule: undefined, customer, orgAdmins: admins })).toEqual({
        kind: 'send',
        to: ['ayse@musteri.example.com', 'lojistik@musteri.example.com'],
        cc: [],
      });
    }
  });

  it('picking_started and prepared are off for every org until a rule enables them (62, 66)', () => {
    for (const type of ['picking_started', 'prepared'] as const) {
      expect(route({ type, rule: undefined, customer, orgAdmins: admins })).toEqual({ kind: 'suppressed', reason: 'type_disabled' });
      expect(route({ type, rule: rule(), customer, orgAdmins: admins }).kind).toBe('send');
    }
  });

  it('a disabled type is suppressed type_disabled; a held one policy (61)', () => {
    expect(route({ type: 'shipped', rule: rule({ enabled: false }), customer, orgAdmins: admins })).toEqual({
      kind: 'suppressed',
      reason: 'type_disabled',
    });
    expect(route({ type: 'shipped', rule: rule({ policy: 'hold' }), customer, orgAdmins: admins })).toEqual({
      kind: 'suppressed',
      reason: 'policy',
    });
    expect(route({ type: 'override_used', rule: rule({ policy: 'hold' }), orgAdmins: admins })).toEqual({
      kind: 'suppressed',
      reason: 'policy',
    });
  });

  it('an opted-out profile gets no shipped/delivered email, but an enabled prepared one (65)', () => {
    const optedOut = { ...customer, optedOut: true };
    expect(route({ type: 'shipped', rule: undefined, customer: optedOut, orgAdmins: admins })).toEqual({
      kind: 'suppressed',
      reason: 'opted_out',
    });
    expect(route({ type: 'delivered', rule: undefined, customer: optedOut, orgAdmins: admins })).toEqual({
      kind: 'suppressed',
      reason: 'opted_out',
    });
    expect(route({ type: 'prepared', rule: rule(), customer: optedOut, orgAdmins: admins }).kind).toBe('send');
  });

  it('contact roles narrow the customer recipients; the rule cc is added without repeats', () => {
    expect(
      route({
        type: 'shipped',
        rule: rule({ contactRoles: ['logistics'], cc: ['ops@mod.example.com', 'LOJISTIK@musteri.example.com'] }),
        customer,
        orgAdmins: admins,
      }),
    ).toEqual({ kind: 'send', to: ['lojistik@musteri.example.com'], cc: ['ops@mod.example.com'] });
  });

  it('no contact with an address, or no customer: no_recipient', () => {
    expect(route({ type: 'shipped', rule: undefined, customer: { optedOut: false, contacts: [] }, orgAdmins: admins })).toEqual({
      kind: 'suppressed',
      reason: 'no_recipient',
    });
    expect(route({ type: 'shipped', rule: undefined, customer: undefined, orgAdmins: admins })).toEqual({
      kind: 'suppressed',
      reason: 'no_recipient',
    });
  });

  it('internal emails go to the rule recipients, else to the org CRM admins (69); none: no_recipient', () => {
    expect(
      route({ type: 'override_used', rule: rule({ to: ['ops@mod.example.com'], cc: ['boss@mod.example.com'] }), orgAdmins: admins }),
    ).toEqual({
      kind: 'send',
      to: ['ops@mod.example.com'],
      cc: ['boss@mod.example.com'],
    });
    expect(route({ type: 'weekly_digest', rule: undefined, orgAdmins: admins })).toEqual({ kind: 'send', to: admins, cc: [] });
    expect(route({ type: 'eta_near', rule: rule({ to: ['not an address'] }), orgAdmins: [] })).toEqual({
      kind: 'suppressed',
      reason: 'no_recipient',
    });
  });

  it('no email type exists for tracking changes, so no rule can enable one (62)', () => {
    expect(EMAIL_TYPES as readonly string[]).not.toContain('tracking_updated');
    expect((EMAIL_TYPES as readonly string[]).filter((t) => t.includes('tracking'))).toEqual([]);
  });
});
