import { describe, expect, it } from 'vitest';
import type { Grant } from '../orgs/access.js';
import { APPROVAL_KINDS, checkDecision, type ApprovalSubject } from './decisions.js';

const MOD = 'org-mod';
const JTR = 'org-jtr';
const grant = (role: Grant['role'], orgId = MOD): Grant => ({ orgId, orgCode: orgId === MOD ? 'MOD' : 'JTR', role });
const pending = (kind: ApprovalSubject['kind'], orgId = MOD): ApprovalSubject => ({ id: 'a1', orgId, kind, status: 'pending' });

describe('checkDecision', () => {
  it('never lets a sales owner decide, whatever the kind (story 17)', () => {
    for (const kind of APPROVAL_KINDS) {
      expect(checkDecision(pending(kind), [grant('sales_owner')])).toMatchObject({ ok: false, reason: 'not_allowed' });
    }
  });

  it('lets a sales manager decide every kind in their org', () => {
    for (const kind of APPROVAL_KINDS) expect(checkDecision(pending(kind), [grant('sales_manager')])).toEqual({ ok: true });
  });

  it('lets a pricing manager decide pricing cases only', () => {
    for (const kind of ['discount', 'currency_exception', 'stale_price'] as const) {
      expect(checkDecision(pending(kind), [grant('pricing_manager')])).toEqual({ ok: true });
    }
    for (const kind of ['shipment', 'payment_confirmation', 'credit_override'] as const) {
      expect(checkDecision(pending(kind), [grant('pricing_manager')])).toMatchObject({ ok: false, reason: 'not_allowed' });
    }
  });

  it('keeps payment confirmation to sales managers (story 33)', () => {
    expect(checkDecision(pending('payment_confirmation'), [grant('finance')])).toMatchObject({ ok: false, reason: 'not_allowed' });
  });

  it('answers "not found" for a request in an org without a grant, even for a manager elsewhere', () => {
    expect(checkDecision(pending('discount', JTR), [grant('sales_manager', MOD)])).toMatchObject({ ok: false, reason: 'not_found' });
    expect(checkDecision(pending('discount', JTR), [])).toMatchObject({ ok: false, reason: 'not_found' });
  });

  it('decides a request once', () => {
    const decided: ApprovalSubject = { ...pending('discount'), status: 'approved' };
    expect(checkDecision(decided, [grant('sales_manager')])).toMatchObject({ ok: false, reason: 'already_decided' });
    expect(checkDecision(decided, null)).toMatchObject({ ok: false, reason: 'already_decided' });
    expect(checkDecision(pending('shipment'), null)).toEqual({ ok: true });
  });
});
