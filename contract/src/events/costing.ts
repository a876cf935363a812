/**
 * Costing mirror, WMS → CRM (stories 76-79).
 *
 * Receipts (and so receipt-basis roll/lot costs) live where goods arrive, in the WMS/costing side.
 * The CRM only needs the result: the weighted average cost (WAC) per quality in TRY, per owner org
 * so that inventory value splits correctly between JTR-owned and MOD-owned stock (story 79), and
 * "available to CRM via mirrors" (story 77). Supplier invoices, FX selection and the audit of
 * adjustments (stories 75, 78) stay on the costing side and are not part of this contract.
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
    'The CRM upserts its costing mirror per owner org + quality when the sequence is newer; profitability and ' +
    'inventory value reports read it. As with stock.changed, one sequence covers every scope of the event. ' +
    'Stories 77, 79.',
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
