import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WmsToCrmEvent } from '@crm/contract';
import { referencesNeeded, resolveReferences, type ReferenceIndex } from './references.js';

const EXAMPLES = join(import.meta.dirname, '../../../../../contract/examples');
const example = (name: string) => JSON.parse(readFileSync(join(EXAMPLES, `${name}.json`), 'utf8')) as WmsToCrmEvent;

const MOD = '00000000-0000-4000-8000-00000000000a';
const JTR = '00000000-0000-4000-8000-00000000000b';
const index = (posByCode: ReferenceIndex['posByCode'] = new Map()): ReferenceIndex => ({
  orgIdByCode: new Map([
    ['MOD', MOD],
    ['JTR', JTR],
  ]),
  dealsByCode: new Map(),
  linesById: new Map(),
  posByCode,
});

describe('references of a delivery', () => {
  it('collects the PO numbers of orders, reservations and gate overrides, once each', () => {
    const needed = referencesNeeded([
      example('order.shipped'),
      example('shipment_gate.overridden'),
      example('supply.updated'),
      example('wac.changed'),
    ]);
    expect([...needed.poNumbers]).toEqual(['MODPO4X8Z1N6R']);
    // Supply and WAC name only their owner orgs.
    expect([...needed.orgCodes].sort()).toEqual(['JTR', 'MOD']);
  });

  it('supply and WAC name no PO and resolve to po_id null', () => {
    for (const name of ['supply.updated', 'wac.changed']) {
      const resolution = resolveReferences(example(name), index());
      expect(resolution.ok && resolution.refs.poId).toBeNull();
    }
  });

  it('a gate override links a released PO of its org, refuses one of another org, and leaves others unlinked', () => {
    const override = example('shipment_gate.overridden');
    const po = (org_id: string, released: boolean) => new Map([['MODPO4X8Z1N6R', { id: 'po-1', org_id, deal_id: 'deal-1', released }]]);
    const linked = resolveReferences(override, index(po(MOD, true)));
    expect(linked.ok && linked.refs.poId).toBe('po-1');
    const draft = resolveReferences(override, index(po(MOD, false)));
    expect(draft.ok && draft.refs.poId).toBeNull();
    const unknown = resolveReferences(override, index());
    expect(unknown.ok && unknown.refs.poId).toBeNull();
    const foreign = resolveReferences(override, index(po(JTR, true)));
    expect(foreign).toMatchObject({ ok: false, error: { code: 'UNKNOWN_REFERENCE' } });
  });
});
