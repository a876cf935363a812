import { describe, expect, it } from 'vitest';
import type { Grant } from '../orgs/access.js';
import { checkCreditDecision } from './decisions.js';

const g = (orgId: string, role: Grant['role']): Grant => ({ orgId, orgCode: orgId, role });
const pending = { orgId: 'MOD', status: 'pending' as const };

describe('checkCreditDecision', () => {
  it('lets a Sales Manager, Finance and the admin decide a pending request', () => {
    expect(checkCreditDecision(pending, [g('MOD', 'sales_manager')])).toEqual({ ok: true });
    expect(checkCreditDecision(pending, [g('MOD', 'finance')])).toEqual({ ok: true });
    expect(checkCreditDecision(pending, null)).toEqual({ ok: true });
  });

  it('never lets a sales owner or pricing manager decide (story 17)', () => {
    expect(checkCreditDecision(pending, [g('MOD', 'sales_owner')])).toMatchObject({ ok: false, reason: 'not_allowed' });
    expect(checkCreditDecision(pending, [g('MOD', 'pricing_manager')])).toMatchObject({ ok: false, reason: 'not_allowed' });
  });

  it('answers another org and a missing request alike', () => {
    expect(checkCreditDecision(pending, [g('JTR', 'finance')])).toEqual(checkCreditDecision(undefined, [g('JTR', 'finance')]));
  });

  it('refuses a decided request', () => {
    expect(checkCreditDecision({ orgId: 'MOD', status: 'approved' }, null)).toMatchObject({ ok: false, reason: 'decided' });
  });
});
