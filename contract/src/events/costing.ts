/**
 * Costing mirror, WMS → CRM (stories 77, 79), for a deployment whose costing runs outside the CRM.
 *
 * Decision D-COSTING: costing lives in the CRM (receipt.recorded, supplier invoices, adjustments;
 * docs/costing.md), which writes wac_mirrors itself. This event stays for a deployment whose
 * costing is elsewhere: WAC per owner org + quality in TRY, so that inventory value splits
 * correctly between JTR-owned and MOD-owned stock (story 79). A scope the CRM has costed is closed
 * to it (its mark is at the largest sequence): the event is then recorded stale for that scope.
 */
import { z } from 'zod';
import { entityId, Meters, MoneyAmount, OrgCode, QualityCode, UnitCost } from '../primitives.js';
import { defineSequencedEvent } from './define.js';
import { requireUnique } from './rules.js';

export const WAC_CHANGE_CAUSES = ['receipt', 'post_receipt_adjustment', 'stock_issue', 'recalculation'] as const;

const WacScope = z
  .strictObject({
    owner_org: OrgCode,
    quality_code: QualityCode,
    wac_try_per_meter: UnitCost.describe('Weighted average cost per meter in TRY, 4 decimals.'),
    valued_meters: Meters.describe('Meters on hand the WAC applies to (all warehouses of the owner org).'),
    inventory_value_try: MoneyAmount.describe(
      "Inventory value in TRY as booked by costing (not recomputed by the CRM: rounding is costing's call).",
    ),
  })
  .describe('WAC of one owner org + quality.');

export const WacChangedPayload = z
  .strictObject({
    costing_batch_id: entityId('Costing run that produced the figures; names the idempotency key.'),
    cause: z.enum(WAC_CHANGE_CAUSES).describe('What triggered the re-costing (story 78: duty/freight adjustments).'),
    scopes: z.array(WacScope).min(1).max(500).describe('Every owner org + quality re-costed, each once.'),
  })
  .superRefine((payload, ctx) => {
    requireUnique(ctx, payload.scopes, wacScopeKey, ['scopes'], 'scope');
  })
  .describe('New WAC figures after a costing run.');

export function wacScopeKey(scope: { owner_org: string; quality_code: string }): string {
  return `wac:${scope.owner_org}:${scope.quality_code}`;
}

export const wacChanged = defineSequencedEvent({
  type: 'wac.changed',
  source: 'wms',
  summary: 'Weighted average cost (TRY) per owner org + quality after a receipt or cost adjustment.',
  description:
    'For a deployment whose costing runs outside the CRM (D-COSTING). The CRM upserts its costing mirror per owner org + ' +
    'quality when the sequence is newer; profitability and inventory value reports read it. As with stock.changed, one ' +
    'sequence covers every scope of the event. A scope the CRM costs itself (after a receipt.recorded) is closed: the ' +
    'event is recorded stale for it. Stories 77, 79.',
  stories: [77, 79],
  state: 'absolute',
  payload: WacChangedPayload,
  key: {
    entity: 'wac',
    action: 'changed',
    idTemplate: '{costing_batch_id}',
    deriveId: (event) => event.payload.costing_batch_id,
  },
  ordering: {
    scope: 'owner_org + quality_code (each entry of payload.scopes)',
    scopeKeys: (event) => event.payload.scopes.map(wacScopeKey),
  },
});
