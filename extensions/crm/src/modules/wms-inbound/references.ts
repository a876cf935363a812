/**
 * CRM rows a WMS event points at: orgs (by code), deals (by code), deal lines (by id), purchase
 * orders (by PO number). Pure: the repository loads one index per delivery for all events at once
 * (one subselect per kind in the delivery's read statement), and each event is resolved against it
 * here.
 *
 * Decision (docs/wms-inbound.md): an event naming a deal or deal line the CRM does not know, or one
 * of another org than the event's org_code, is rejected with UNKNOWN_REFERENCE. A rejected event
 * does not claim its key and advances no sequence, so the WMS can re-send it once the reference
 * exists (or correct it). Mirrors therefore never hold a dangling or cross-org deal reference.
 *
 * PO numbers (decision, docs/wms-inbound.md "Purchase orders"): the mirror keeps the WMS's text and
 * links the CRM's purchase order by id (po_id) when the CRM released that PO to the WMS. A PO number
 * the CRM has not released is accepted with po_id null: the outbox commits a PO before the WMS can
 * hear of it, so "not yet" cannot happen, and what remains (orders the warehouse ran before the CRM
 * issued purchase orders) is warehouse state the command centers still need. A PO that contradicts
 * the event (another org's, or another deal's than the deal the event names) is rejected with
 * UNKNOWN_REFERENCE, exactly like a deal of another org: never a cross-org or cross-deal link.
 */
import { contractError, type ContractErrorDetail, type WmsToCrmEvent } from '@crm/contract';

export interface DealRef {
  readonly id: string;
  readonly org_id: string;
}

export interface DealLineRef {
  readonly id: string;
  readonly deal_id: string;
  readonly org_id: string;
}

export interface PurchaseOrderRef {
  readonly id: string;
  readonly org_id: string;
  readonly deal_id: string;
  /** Told to the WMS (released_at set; a PO cancelled after its release stays released here). */
  readonly released: boolean;
}

export interface ReferenceIndex {
  readonly orgIdByCode: ReadonlyMap<string, string>;
  readonly dealsByCode: ReadonlyMap<string, DealRef>;
  readonly linesById: ReadonlyMap<string, DealLineRef>;
  readonly posByCode: ReadonlyMap<string, PurchaseOrderRef>;
}

export interface ReferencesNeeded {
  readonly orgCodes: ReadonlySet<string>;
  readonly dealCodes: ReadonlySet<string>;
  readonly lineIds: ReadonlySet<string>;
  readonly poNumbers: ReadonlySet<string>;
}

export interface ResolvedReferences {
  /** Only for codes this event named and that resolved. */
  orgIdOf(code: string): string;
  /** Only for line ids this event named and that resolved. */
  lineIdOf(wmsDealLineId: string): string;
  /** The deal the event concerns, when it names one (or names a line or a known PO, for reservations). */
  readonly dealId?: string | undefined;
  /** The CRM purchase order of the event's po_number, when the CRM released it (else null). */
  readonly poId: string | null;
}

interface EventReferences {
  readonly orgCodes: readonly string[];
  /** The org whose deal/lines are named; deal and lines must belong to it. */
  readonly dealOrgCode?: string;
  readonly dealCode?: string | undefined;
  readonly lineIds: readonly string[];
  /** The PO number the event names; it must be a PO of dealOrgCode (and of the deal, if named). */
  readonly poNumber?: string | undefined;
}

/** CRM deal line ids are UUIDs; anything else cannot name one (and must not reach a uuid cast). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function couldBeDealLineId(value: string): boolean {
  return UUID.test(value);
}

export function referencesOf(event: WmsToCrmEvent): EventReferences {
  switch (event.event_type) {
    case 'stock.changed':
      return { orgCodes: event.payload.scopes.map((scope) => scope.owner_org), lineIds: [] };
    case 'wac.changed':
      return { orgCodes: event.payload.scopes.map((scope) => scope.owner_org), lineIds: [] };
    case 'supply.updated':
    case 'receipt.recorded':
      return { orgCodes: [event.payload.owner_org], lineIds: [] };
    case 'reservation.created':
    case 'reservation.updated':
    case 'reservation.released':
      return {
        orgCodes: [event.payload.org_code, event.payload.owner_org],
        dealOrgCode: event.payload.org_code,
        dealCode: event.payload.deal_code,
        lineIds: event.payload.deal_line_id === undefined ? [] : [event.payload.deal_line_id],
        poNumber: event.payload.po_number,
      };
    case 'order.picking_started':
    case 'order.prepared':
    case 'order.shipped':
    case 'order.tracking_updated':
    case 'order.delivered':
    case 'order.cancelled':
      return {
        orgCodes: [event.payload.org_code],
        dealOrgCode: event.payload.org_code,
        dealCode: event.payload.deal_code,
        lineIds: event.payload.lines.map((line) => line.deal_line_id),
        poNumber: event.payload.po_number,
      };
    case 'central_stock_check.completed':
    case 'central_stock_check.updated':
      return {
        orgCodes: [event.payload.org_code],
        dealOrgCode: event.payload.org_code,
        dealCode: event.payload.deal_code,
        lineIds: [event.payload.deal_line_id],
      };
    case 'shortage.sent_back':
      return {
        orgCodes: [event.payload.org_code],
        dealOrgCode: event.payload.org_code,
        dealCode: event.payload.deal_code,
        lineIds: event.payload.lines.map((line) => line.deal_line_id),
      };
    case 'shipment_gate.overridden':
      return { orgCodes: [event.payload.org_code], dealOrgCode: event.payload.org_code, lineIds: [], poNumber: event.payload.po_number };
  }
}

export function referencesNeeded(events: readonly WmsToCrmEvent[]): ReferencesNeeded {
  const orgCodes = new Set<string>();
  const dealCodes = new Set<string>();
  const lineIds = new Set<string>();
  const poNumbers = new Set<string>();
  for (const event of events) {
    const refs = referencesOf(event);
    refs.orgCodes.forEach((code) => orgCodes.add(code));
    if (refs.dealCode) dealCodes.add(refs.dealCode);
    refs.lineIds.filter(couldBeDealLineId).forEach((id) => lineIds.add(id.toLowerCase()));
    if (refs.poNumber) poNumbers.add(refs.poNumber);
  }
  return { orgCodes, dealCodes, lineIds, poNumbers };
}

export type ReferenceResolution =
  { readonly ok: true; readonly refs: ResolvedReferences } | { readonly ok: false; readonly error: ContractErrorDetail };

function unknown(message: string): ReferenceResolution {
  return { ok: false, error: contractError('UNKNOWN_REFERENCE', message) };
}

export function resolveReferences(event: WmsToCrmEvent, index: ReferenceIndex): ReferenceResolution {
  const wanted = referencesOf(event);
  for (const code of wanted.orgCodes) {
    if (!index.orgIdByCode.has(code)) return unknown(`org ${code} does not exist in this CRM`);
  }
  const dealOrgId = wanted.dealOrgCode === undefined ? undefined : index.orgIdByCode.get(wanted.dealOrgCode);

  let dealId: string | undefined;
  if (wanted.dealCode !== undefined) {
    const deal = index.dealsByCode.get(wanted.dealCode);
    // Another org's deal is reported exactly like a missing one.
    if (!deal || deal.org_id !== dealOrgId) return unknown(`deal ${wanted.dealCode} is not a deal of ${wanted.dealOrgCode}`);
    dealId = deal.id;
  }

  const lineIds = new Map<string, string>();
  for (const wmsLineId of wanted.lineIds) {
    const line = couldBeDealLineId(wmsLineId) ? index.linesById.get(wmsLineId.toLowerCase()) : undefined;
    const where = dealId !== undefined ? `deal ${wanted.dealCode}` : `org ${wanted.dealOrgCode}`;
    if (!line || line.org_id !== dealOrgId || (dealId !== undefined && line.deal_id !== dealId)) {
      return unknown(`deal line ${wmsLineId} is not a line of ${where}`);
    }
    lineIds.set(wmsLineId, line.id);
    // A reservation may name only the line: its deal is the line's deal.
    dealId ??= line.deal_id;
  }

  let poId: string | null = null;
  if (wanted.poNumber !== undefined) {
    const po = index.posByCode.get(wanted.poNumber);
    // Backstop: the contract already requires the PO number's prefix to be org_code, and the CRM's
    // PO numbers carry their own org's prefix, so this cannot happen with a consistent database.
    if (po && po.org_id !== dealOrgId) return unknown(`purchase order ${wanted.poNumber} is not a purchase order of ${wanted.dealOrgCode}`);
    if (po?.released) {
      if (dealId !== undefined && po.deal_id !== dealId) {
        return unknown(`purchase order ${wanted.poNumber} is not a purchase order of deal ${wanted.dealCode ?? dealId}`);
      }
      poId = po.id;
      // A reservation may name only the PO: its deal is the PO's deal.
      dealId ??= po.deal_id;
    }
    // Unknown, or a draft the WMS was never told about: accepted, po_id stays null (see the header).
  }

  return {
    ok: true,
    refs: {
      orgIdOf: (code) => {
        const id = index.orgIdByCode.get(code);
        if (id === undefined) throw new Error(`org ${code} was not resolved for this event`);
        return id;
      },
      lineIdOf: (wmsLineId) => {
        const id = lineIds.get(wmsLineId);
        if (id === undefined) throw new Error(`deal line ${wmsLineId} was not resolved for this event`);
        return id;
      },
      dealId,
      poId,
    },
  };
}
