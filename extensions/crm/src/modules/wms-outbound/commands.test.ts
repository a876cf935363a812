import { describe, expect, it } from 'vitest';
import { validateEvent } from '@crm/contract';
import { buildDealWon, buildPoCancelled, buildPoReleased, contractMeters, InvalidCommandError, PO_SEQUENCE } from './commands.js';

const at = new Date('2026-02-04T16:00:00.123Z');
const release = {
  poNumber: 'MODPO4X8Z1N6R',
  orgCode: 'MOD',
  dealCode: 'MODDL7K3M9Q2A',
  customerId: '0b7d3c38-64f5-4c59-9f7c-7d4d0c5e9a11',
  releasedAt: at,
  approvedBy: 'manager@example.com',
  shipDate: '2026-02-06',
  shipTo: { name: 'Ege Depo', address_lines: ['OSB 1'], city: 'Bursa', country_code: 'TR' },
  lines: [{ dealLineId: '5c2f0a47-1b7e-4d8e-9a57-2f8a9f3f0c01', qualityCode: 'SAT-120/B', meters: '250.00', stockOwnerOrg: 'MOD' }],
};

describe('outbound commands', () => {
  it('stamps the contract key derived from the business identity only', () => {
    const first = buildPoReleased(release);
    const later = buildPoReleased({ ...release, releasedAt: new Date('2026-03-01T00:00:00Z'), approvedBy: 'someone.else' });
    expect(first.idempotency_key).toBe('crm:po:MODPO4X8Z1N6R:released:v1');
    expect(later.idempotency_key).toBe(first.idempotency_key);
    expect(first).toMatchObject({ source: 'crm', sequence: PO_SEQUENCE.released, occurred_at: '2026-02-04T16:00:00.123Z' });
    expect(validateEvent(first, { direction: 'crm_to_wms' }).ok).toBe(true);
  });

  it('a cancellation outranks the release of the same PO', () => {
    const cancelled = buildPoCancelled({
      poNumber: 'MODPO4X8Z1N6R',
      orgCode: 'MOD',
      cancelledAt: at,
      cancelledBy: 'manager@example.com',
      reasonCode: 'customer_request',
      note: 'moved',
    });
    expect(cancelled.idempotency_key).toBe('crm:po:MODPO4X8Z1N6R:cancelled:v1');
    expect(cancelled.sequence).toBeGreaterThan(buildPoReleased(release).sequence);
  });

  it('builds deal.won with credit_blocked and meter strings', () => {
    const won = buildDealWon({
      dealCode: 'JTRDL7K3M9Q2A',
      orgCode: 'JTR',
      wonAt: at,
      customerId: 'cust-1',
      customerName: '  Ege Tekstil  ',
      creditBlocked: true,
      lines: [{ id: 'line-1', qualityCode: 'GAB-300', meters: '80.50' }],
    });
    expect(won.idempotency_key).toBe('crm:deal:JTRDL7K3M9Q2A:won:v1');
    expect(won.payload).toMatchObject({ customer_name: 'Ege Tekstil', credit_blocked: true, lines: [{ meters: '80.5' }] });
    expect('sequence' in won).toBe(false);
  });

  it('refuses what the WMS would refuse, naming the field', () => {
    const bad = () => buildPoReleased({ ...release, dealCode: 'JTRDL7K3M9Q2A' });
    expect(bad).toThrow(InvalidCommandError);
    try {
      bad();
    } catch (error) {
      expect((error as InvalidCommandError).detail.code).toBe('VALIDATION_FAILED');
      expect((error as InvalidCommandError).detail.issues?.map((i) => i.path)).toContain('payload.deal_code');
    }
    expect(() => buildPoReleased({ ...release, lines: [{ ...release.lines[0]!, qualityCode: 'lower case' }] })).toThrow(
      InvalidCommandError,
    );
  });

  it('normalises meters to the contract form', () => {
    expect(contractMeters('1250.00')).toBe('1250');
    expect(contractMeters('0012.50')).toBe('12.5');
    expect(contractMeters('0.05')).toBe('0.05');
    expect(contractMeters(7)).toBe('7');
    expect(() => contractMeters('1.234')).toThrow(RangeError);
    expect(() => contractMeters('-1')).toThrow(RangeError);
  });
});
