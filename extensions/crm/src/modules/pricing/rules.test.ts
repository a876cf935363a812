import { describe, expect, it } from 'vitest';
import type { FxRate } from '../fx/rates.js';
import {
  chooseListPrice,
  evaluatePricing,
  isQualityVisibleToSales,
  isVisibleToSales,
  priceLine,
  requiredApprovals,
  type ApprovalCase,
  type LineTerms,
  type ListPrice,
} from './rules.js';
import type { CustomerAgreement } from './agreements.js';

const now = new Date('2026-03-01T12:00:00Z');
const days = (n: number) => new Date(now.getTime() + n * 86_400_000);
const price = (over: Partial<ListPrice> = {}): ListPrice => ({
  id: 'lp-try',
  currency: 'TRY',
  price: '84.5000',
  confirmedAt: days(-10),
  staleAfter: days(20),
  inStock: true,
  ...over,
});
const terms = (over: Partial<LineTerms> = {}): LineTerms => ({ qualityCode: 'MOD-POPLIN-120', currency: 'TRY', discountPct: '0', ...over });
const approvalCase = (over: Partial<ApprovalCase> = {}): ApprovalCase => ({
  approvalRequestId: 'a1',
  kind: 'discount',
  status: 'approved',
  requestedAt: days(-1),
  decidedBy: 'manager',
  decidedAt: days(-1),
  qualityCode: 'MOD-POPLIN-120',
  currency: 'TRY',
  discountPct: '5.00',
  listPriceId: 'lp-try',
  listPriceConfirmedAt: days(-10),
  agreementId: null,
  ...over,
});

describe('sales visibility (stories 22, 23)', () => {
  it('hides a quality without any list price', () => {
    expect(isQualityVisibleToSales([], now)).toBe(false);
  });

  it('hides a stale price while the quality is in stock, and only then', () => {
    const stale = price({ staleAfter: days(-1) });
    expect(isVisibleToSales(stale, now)).toBe(false);
    expect(isVisibleToSales({ ...stale, inStock: false }, now)).toBe(true);
    expect(isVisibleToSales(price(), now)).toBe(true);
    // The boundary: stale from staleAfter on.
    expect(isVisibleToSales(price({ staleAfter: now }), now)).toBe(false);
    expect(isVisibleToSales(price({ staleAfter: new Date(now.getTime() + 1) }), now)).toBe(true);
  });

  it('shows a quality when one of its prices is visible', () => {
    expect(isQualityVisibleToSales([price({ staleAfter: days(-1) }), price({ id: 'usd', currency: 'USD' })], now)).toBe(true);
    expect(isQualityVisibleToSales([price({ staleAfter: days(-1) })], now)).toBe(false);
  });
});

describe('required approvals (story 26)', () => {
  it('needs nothing for a fresh list price in the line currency without discount', () => {
    expect(requiredApprovals(terms(), [price()], price(), 'TRY', now)).toEqual([]);
  });

  it('needs a discount approval for any discount above zero', () => {
    expect(requiredApprovals(terms({ discountPct: '0.01' }), [price()], price(), 'TRY', now)).toEqual(['discount']);
  });

  it('needs a currency exception for a currency without list price that is not the base', () => {
    const prices = [price()];
    expect(requiredApprovals(terms({ currency: 'EUR' }), prices, chooseListPrice(prices, 'EUR', 'TRY')!, 'TRY', now)).toEqual([
      'currency_exception',
    ]);
    const usd = [price({ id: 'usd', currency: 'USD', price: '2.2000' })];
    // A line in the base currency converts a USD list price without an exception.
    expect(requiredApprovals(terms({ currency: 'TRY' }), usd, chooseListPrice(usd, 'TRY', 'TRY')!, 'TRY', now)).toEqual([]);
  });

  it('needs a stale approval for a stale list price, in stock or not', () => {
    const stale = price({ staleAfter: days(-1), inStock: false });
    expect(requiredApprovals(terms({ discountPct: '3' }), [stale], stale, 'TRY', now)).toEqual(['discount', 'stale_price']);
  });
});

describe('evaluatePricing', () => {
  const t = terms({ discountPct: '5' });
  it('approves when every required kind has an approval for exactly these terms', () => {
    expect(evaluatePricing(['discount'], [approvalCase()], t, price()).status).toBe('approved');
  });

  it('does not count an approval given for other terms', () => {
    for (const other of [
      { discountPct: '4.99' },
      { currency: 'USD' as const },
      { qualityCode: 'MOD-SATEN-090' },
      { listPriceId: 'another' },
    ]) {
      const evaluation = evaluatePricing(['discount'], [approvalCase(other)], t, price());
      expect(evaluation.status).toBe('pending_approval');
      expect(evaluation.toRequest).toEqual(['discount']);
    }
  });

  it('ties a stale approval to the confirmation it was given for', () => {
    const stale = price({ staleAfter: days(-1) });
    const ok = approvalCase({ kind: 'stale_price', discountPct: '0' });
    expect(evaluatePricing(['stale_price'], [ok], terms(), stale).status).toBe('approved');
    expect(evaluatePricing(['stale_price'], [ok], terms(), { ...stale, confirmedAt: days(-5) }).status).toBe('pending_approval');
  });

  it('is pending while a request is open and rejected when the latest one was rejected', () => {
    expect(evaluatePricing(['discount'], [approvalCase({ status: 'pending' })], t, price())).toMatchObject({
      status: 'pending_approval',
      toRequest: [],
    });
    expect(evaluatePricing(['discount'], [approvalCase({ status: 'rejected' })], t, price())).toMatchObject({
      status: 'rejected',
      toRequest: ['discount'],
    });
    const both = [
      approvalCase({ status: 'rejected', requestedAt: days(-2) }),
      approvalCase({ approvalRequestId: 'a2', status: 'pending' }),
    ];
    expect(evaluatePricing(['discount'], both, t, price()).status).toBe('pending_approval');
  });

  it('needs every kind: one approval does not cover another kind', () => {
    const evaluation = evaluatePricing(['discount', 'stale_price'], [approvalCase()], t, price());
    expect(evaluation).toMatchObject({ status: 'pending_approval', toRequest: ['stale_price'] });
  });
});

describe('priceLine', () => {
  const rates: FxRate[] = [{ id: 'r1', pair: 'USDTRY', rate: '38.250000', effectiveAt: days(-3), recordedAt: days(-3) }];
  it('applies the discount exactly', () => {
    const result = priceLine(price(), terms({ discountPct: '7.5' }), rates, now);
    expect(result).toEqual({
      ok: true,
      priced: {
        reference: 'list_price',
        agreement: null,
        listPrice: '84.5',
        listCurrency: 'TRY',
        grossUnitPrice: '84.5000',
        unitPrice: '78.1625',
        fx: null,
      },
    });
  });

  it('converts with the rate as of the approval time', () => {
    const result = priceLine(price(), terms({ currency: 'USD' }), rates, now);
    expect(result).toMatchObject({ ok: true, priced: { unitPrice: '2.2092', fx: { pair: 'USDTRY', rate: { id: 'r1' } } } });
    expect(priceLine(price(), terms({ currency: 'USD' }), rates, days(-4))).toMatchObject({ ok: false });
  });
});

describe('customer price agreements as the reference (story 39)', () => {
  const agreed: CustomerAgreement = { id: 'ag-1', currency: 'USD', price: '2.1000', validFrom: '2026-01-01', validTo: null };
  const stale = price({ staleAfter: days(-1) });

  it('asks only for a discount below the agreement: no currency exception, no stale price', () => {
    // Without the agreement the USD line on a stale TRY-only price needs both.
    expect(requiredApprovals(terms({ currency: 'USD' }), [stale], stale, 'TRY', now)).toEqual(['currency_exception', 'stale_price']);
    expect(requiredApprovals(terms({ currency: 'USD' }), [stale], stale, 'TRY', now, agreed)).toEqual([]);
    expect(requiredApprovals(terms({ currency: 'USD', discountPct: '3' }), [stale], stale, 'TRY', now, agreed)).toEqual(['discount']);
  });

  it('prices from the agreed price, in its currency, without FX, and records the list price beside it', () => {
    expect(priceLine(price(), terms({ currency: 'USD', discountPct: '10' }), [], now, agreed)).toEqual({
      ok: true,
      priced: {
        reference: 'customer_agreement',
        agreement: { id: 'ag-1', price: '2.1' },
        listPrice: '84.5',
        listCurrency: 'TRY',
        grossUnitPrice: '2.1000',
        unitPrice: '1.8900',
        fx: null,
      },
    });
  });

  it('a discount approval covers only the reference it was asked for', () => {
    const line = terms({ currency: 'USD', discountPct: '5' });
    const offList = approvalCase({ currency: 'USD', agreementId: null });
    const offAgreement = approvalCase({ currency: 'USD', agreementId: 'ag-1' });
    expect(evaluatePricing(['discount'], [offList], line, price(), agreed).states.discount).toBe('missing');
    expect(evaluatePricing(['discount'], [offAgreement], line, price(), agreed).status).toBe('approved');
    expect(evaluatePricing(['discount'], [offAgreement], line, price(), null).states.discount).toBe('missing');
    expect(evaluatePricing(['discount'], [offAgreement], line, price(), { ...agreed, id: 'ag-2' }).states.discount).toBe('missing');
  });
});
