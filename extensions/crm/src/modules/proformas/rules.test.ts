import { describe, expect, it } from 'vitest';
import {
  balanceFigures,
  contractSettled,
  contractTransition,
  overdueWarningLine,
  proformaLines,
  proformaTotals,
  proformaTransition,
  sameFigures,
  uncoveredCurrencies,
  type DealLineForProforma,
} from './rules.js';

const line = (over: Partial<DealLineForProforma>): DealLineForProforma => ({
  line_no: 1,
  quality_code: 'MOD-POPLIN-120',
  meters: '100.00',
  line_unit_price: '10.0000',
  line_currency: 'TRY',
  snapshot_unit_price: null,
  snapshot_currency: null,
  snapshot_discount_pct: null,
  ...over,
});

describe('proforma lines and totals (stories 38, 44)', () => {
  it('prices from the newest snapshot, else the line; exact decimals, one total per currency', () => {
    const lines = proformaLines([
      line({ meters: '0.10', line_unit_price: '0.2000' }),
      line({ meters: '0.20', line_unit_price: '0.1000' }),
      line({ meters: '12.5', snapshot_unit_price: '84.5', snapshot_currency: 'USD', snapshot_discount_pct: '5.00' }),
      line({ meters: '3', line_unit_price: null, line_currency: null }),
    ]);
    expect(lines.map((l) => [l.line_no, l.currency, l.unit_price, l.amount, l.priced_from])).toEqual([
      [1, 'TRY', '0.2000', '0.0200', 'line'],
      [2, 'TRY', '0.1000', '0.0200', 'line'],
      [3, 'USD', '84.5000', '1056.2500', 'snapshot'],
      [4, 'TRY', '0.0000', '0.0000', 'line'],
    ]);
    // 0.02 + 0.02 is 0.04 exactly, never 0.04000000000000001.
    expect(proformaTotals(lines)).toEqual([
      { currency: 'TRY', total: '0.0400' },
      { currency: 'USD', total: '1056.2500' },
    ]);
  });
});

describe('the Balance Check Gate (story 42) and the warning line (43)', () => {
  const exposure = [
    { currency: 'TRY' as const, exposure: '1250.5', overdue: '250.5', credit_limit: '2000' },
    { currency: 'EUR' as const, exposure: '-10', overdue: '0', credit_limit: null },
  ];
  const figures = balanceFigures(exposure, [{ currency: 'USD', amount: '5000' }], [{ currency: 'TRY', total: '1000.0000' }]);

  it('shows Total Open, Overdue, Available Limit and Requested New per currency', () => {
    expect(figures).toEqual([
      {
        currency: 'TRY',
        total_open: '1250.5000',
        overdue: '250.5000',
        available_limit: '749.5000',
        requested_new: '0.0000',
        proforma_total: '1000.0000',
      },
      {
        currency: 'USD',
        total_open: '0.0000',
        overdue: '0.0000',
        available_limit: null,
        requested_new: '5000.0000',
        proforma_total: '0.0000',
      },
      {
        currency: 'EUR',
        total_open: '-10.0000',
        overdue: '0.0000',
        available_limit: null,
        requested_new: '0.0000',
        proforma_total: '0.0000',
      },
    ]);
  });

  it('an acknowledgement covers exactly the figures shown', () => {
    expect(sameFigures(figures, structuredClone(figures))).toBe(true);
    const changed = structuredClone(figures);
    changed[0]!.overdue = '250.4000';
    expect(sameFigures(figures, changed)).toBe(false);
    expect(sameFigures(figures, figures.slice(1))).toBe(false);
  });

  it('warns only while something is overdue, with amount and currency', () => {
    expect(overdueWarningLine(figures)).toBe('Please settle outstanding 250.50 TRY (overdue on your account).');
    expect(overdueWarningLine(figures, 'tr')).toContain('250.50 TRY');
    expect(overdueWarningLine(figures.slice(1))).toBeNull();
  });
});

describe('lifecycles (stories 41, 44, 45)', () => {
  it('proformas go drafted → sent → paid_confirmed, once each', () => {
    expect(proformaTransition('drafted', 'sent')).toEqual({ ok: true });
    expect(proformaTransition('sent', 'paid_confirmed')).toEqual({ ok: true });
    expect(proformaTransition('drafted', 'paid_confirmed')).toMatchObject({ ok: false, code: 'PROFORMA_NOT_SENT' });
    expect(proformaTransition('sent', 'sent')).toMatchObject({ ok: false, code: 'PROFORMA_ALREADY_SENT' });
    expect(proformaTransition('paid_confirmed', 'sent')).toMatchObject({ ok: false, code: 'PROFORMA_ALREADY_PAID' });
  });

  it('contracts end signed_received or waived', () => {
    expect(contractTransition('drafted', 'signed_received')).toEqual({ ok: true });
    expect(contractTransition('sent', 'waived')).toEqual({ ok: true });
    expect(contractTransition('sent', 'sent')).toMatchObject({ ok: false, code: 'CONTRACT_ALREADY_SENT' });
    expect(contractTransition('waived', 'signed_received')).toMatchObject({ ok: false, code: 'CONTRACT_FINAL' });
    expect(contractTransition('signed_received', 'waived')).toMatchObject({ ok: false, code: 'CONTRACT_FINAL' });
    expect(['drafted', 'sent', 'signed_received', 'waived'].filter((s) => contractSettled(s as never))).toEqual([
      'signed_received',
      'waived',
    ]);
  });

  it('mark-paid needs a payment in every currency of the proforma', () => {
    const totals = [
      { currency: 'TRY' as const, total: '10.0000' },
      { currency: 'USD' as const, total: '5.0000' },
    ];
    expect(uncoveredCurrencies(totals, ['TRY'])).toEqual(['USD']);
    expect(uncoveredCurrencies(totals, ['USD', 'TRY'])).toEqual([]);
  });
});
