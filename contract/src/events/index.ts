/**
 * The event catalogue: every event of contract v1.0.23, in both directions.
 *
 * EVENT_DEFINITIONS is the registry the generator, the validators and the key binding read. The
 * discriminated unions below list the same schemas explicitly (zod needs a literal tuple to keep
 * precise types); a test checks that registry and unions cover exactly the same event types.
 */
import { z } from 'zod';
import { centralStockCheckCompleted, centralStockCheckUpdated } from './central-stock-check.js';
import { wacChanged } from './costing.js';
import { receiptRecorded } from './receipt.js';
import { dealWon } from './deal.js';
import type { Direction, EventDefinition } from './define.js';
import { orderCancelled, orderDelivered, orderPickingStarted, orderPrepared, orderShipped, orderTrackingUpdated } from './order.js';
import { poCancelled, poReleased } from './po.js';
import { reservationCreated, reservationReleased, reservationUpdated } from './reservation.js';
import { shipmentGateOverridden } from './shipment-gate.js';
import { shortageDecided, shortageSentBack } from './shortage.js';
import { stockChanged } from './stock.js';
import { supplyUpdated } from './supply.js';

/** Catalogue order: WMS → CRM first, grouped by domain; then CRM → WMS. */
const definitions = [
  stockChanged,
  reservationCreated,
  reservationUpdated,
  reservationReleased,
  orderPickingStarted,
  orderPrepared,
  orderShipped,
  orderTrackingUpdated,
  orderDelivered,
  orderCancelled,
  centralStockCheckCompleted,
  centralStockCheckUpdated,
  shortageSentBack,
  shipmentGateOverridden,
  supplyUpdated,
  wacChanged,
  receiptRecorded,
  dealWon,
  poReleased,
  poCancelled,
  shortageDecided,
] as const;

export const EVENT_DEFINITIONS: readonly EventDefinition[] = definitions;

export type EventType = (typeof definitions)[number]['type'];
export const EVENT_TYPES = definitions.map((definition) => definition.type) as readonly EventType[];

const definitionsByType = new Map<string, EventDefinition>(definitions.map((definition) => [definition.type, definition]));

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && definitionsByType.has(value);
}

export function getEventDefinition(eventType: string): EventDefinition | undefined {
  return definitionsByType.get(eventType);
}

export function eventDefinitionsFor(direction: Direction): EventDefinition[] {
  return EVENT_DEFINITIONS.filter((definition) => definition.direction === direction);
}

/** Events the WMS sends to the CRM (POST /wms/events). */
export const WmsToCrmEventSchema = z.discriminatedUnion('event_type', [
  stockChanged.schema,
  reservationCreated.schema,
  reservationUpdated.schema,
  reservationReleased.schema,
  orderPickingStarted.schema,
  orderPrepared.schema,
  orderShipped.schema,
  orderTrackingUpdated.schema,
  orderDelivered.schema,
  orderCancelled.schema,
  centralStockCheckCompleted.schema,
  centralStockCheckUpdated.schema,
  shortageSentBack.schema,
  shipmentGateOverridden.schema,
  supplyUpdated.schema,
  wacChanged.schema,
  receiptRecorded.schema,
]);
export type WmsToCrmEvent = z.output<typeof WmsToCrmEventSchema>;

/** Commands the CRM sends to the WMS. */
export const CrmToWmsEventSchema = z.discriminatedUnion('event_type', [
  dealWon.schema,
  poReleased.schema,
  poCancelled.schema,
  shortageDecided.schema,
]);
export type CrmToWmsEvent = z.output<typeof CrmToWmsEventSchema>;

export const ContractEventSchema = z.discriminatedUnion('event_type', [...WmsToCrmEventSchema.options, ...CrmToWmsEventSchema.options]);
export type ContractEvent = z.output<typeof ContractEventSchema>;
export type EventOfType<T extends EventType> = Extract<ContractEvent, { event_type: T }>;

export * from './define.js';
export {
  centralStockCheckCompleted,
  centralStockCheckUpdated,
  dealWon,
  orderCancelled,
  orderDelivered,
  orderPickingStarted,
  orderPrepared,
  orderShipped,
  orderTrackingUpdated,
  poCancelled,
  poReleased,
  receiptRecorded,
  reservationCreated,
  reservationReleased,
  reservationUpdated,
  shipmentGateOverridden,
  shortageDecided,
  shortageSentBack,
  stockChanged,
  supplyUpdated,
  wacChanged,
};
