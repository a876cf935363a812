/**
 * Stock levels, WMS → CRM (stories 16, 81, 83).
 *
 * The WMS owns stock; the CRM keeps `stock_by_quality_cache` so that command centers and the sales
 * quality list never call the WMS per row (story 16). The event carries the *absolute* figures of
 * every scope a WMS transaction batch touched, never "+40 m": a lost or reordered delta would
 * corrupt the cache for good, whereas a lost absolute snapshot is repaired by the next one.
 */
import { z } from 'zod';
import { compareDecimals, isZeroDecimal, addDecimals } from '../decimal.js';
import { Count, entityId, Meters, OrgCode, QualityCode, WarehouseCode } from '../primitives.js';
import { defineSequencedEvent } from './define.js';
import { requireUnique } from './rules.js';

/** Upper bound of scopes in one event: a stock count of a whole warehouse is split by the WMS. */
export const STOCK_SCOPES_MAX = 500;

export const StockScopeSnapshot = z
  .strictObject({
    owner_org: OrgCode.describe('Org that owns the stock (JTR-owned stock may be sold by MOD, story 73).'),
    quality_code: QualityCode,
    warehouse_code: WarehouseCode,
    on_hand_meters: Meters.describe('Meters physically on hand in this scope after the batch.'),
    reserved_meters: Meters.describe('Meters of on hand held by WMS reservations. Rule: reserved ≤ on hand.'),
    available_meters: Meters.describe(
      'Meters sellable now: on hand minus reserved minus blocked (quarantine, damage). Rule: available + reserved ≤ on hand.',
    ),
    roll_count: Count.describe('Rolls on hand. Rule: 0 exactly when on_hand_meters is 0.'),
    lot_count: Count.describe('Distinct lots on hand. Rule: lot_count ≤ roll_count, and ≥ 1 when rolls exist.'),
  })
  .superRefine((scope, ctx) => {
    if (compareDecimals(addDecimals(scope.available_meters, scope.reserved_meters), scope.on_hand_meters) > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['available_meters'],
        message: 'available_meters + reserved_meters exceeds on_hand_meters',
      });
    }
    if ((scope.roll_count === 0) !== isZeroDecimal(scope.on_hand_meters)) {
      ctx.addIssue({ code: 'custom', path: ['roll_count'], message: 'roll_count is 0 exactly when on_hand_meters is 0' });
    }
    if (scope.lot_count > scope.roll_count || (scope.roll_count > 0 && scope.lot_count === 0)) {
      ctx.addIssue({ code: 'custom', path: ['lot_count'], message: 'lot_count must be between 1 and roll_count when rolls exist' });
    }
  })
  .describe('Absolute stock figures of one scope (owner org + quality + warehouse).');

export const STOCK_CHANGE_CAUSES = ['receipt', 'shipment', 'reservation', 'transfer', 'adjustment', 'stock_count', 'return'] as const;

export const StockChangedPayload = z
  .strictObject({
    transaction_batch_id: entityId('WMS transaction batch that produced the change; names the idempotency key.'),
    cause: z
      .enum(STOCK_CHANGE_CAUSES)
      .describe('What kind of WMS transaction it was; informational (the figures are absolute either way).'),
    scopes: z
      .array(StockScopeSnapshot)
      .min(1)
      .max(STOCK_SCOPES_MAX)
      .describe(`Every scope the batch touched, 1-${STOCK_SCOPES_MAX}. Rule: each scope appears once.`),
  })
  .superRefine((payload, ctx) => {
    requireUnique(ctx, payload.scopes, stockScopeKey, ['scopes'], 'scope');
  });

export function stockScopeKey(scope: { owner_org: string; quality_code: string; warehouse_code: string }): string {
  return `stock:${scope.owner_org}:${scope.quality_code}:${scope.warehouse_code}`;
}

export const stockChanged = defineSequencedEvent({
  type: 'stock.changed',
  source: 'wms',
  summary: 'Absolute stock figures of every owner org + quality + warehouse scope a WMS transaction batch touched.',
  description:
    'Emitted by the WMS after each committed transaction batch (receipt, pick, reservation, transfer, count...). ' +
    'The CRM upserts one stock_by_quality_cache row per scope whose stored sequence is lower than the event sequence, ' +
    'and records the other scopes as stale without touching them. The same sequence number applies to every scope of ' +
    'the event, so the WMS must draw it from a counter that increases for each scope it touches (a single stock-ledger ' +
    'counter does). Stories 16, 81, 83.',
  stories: [16, 81, 83],
  state: 'absolute',
  payload: StockChangedPayload,
  key: {
    entity: 'stock',
    action: 'changed',
    idTemplate: '{transaction_batch_id}',
    deriveId: (event) => event.payload.transaction_batch_id,
  },
  ordering: {
    scope: 'owner_org + quality_code + warehouse_code (each entry of payload.scopes)',
    scopeKeys: (event) => event.payload.scopes.map(stockScopeKey),
  },
});
