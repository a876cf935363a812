/**
 * The CRM → WMS commands of contract 1.0.23 as the CRM builds them (story 72). Pure: the callers
 * load the rows, these functions shape the envelopes, stamp the contract's idempotency key and
 * validate the result against the contract, so a command that would be refused by the WMS is
 * refused here instead, before anything is written.
 *
 * Keys are derived from the business identity only ({deal_code}, {po_number}), never from time or
 * attempt: the same business action always yields the same key, which is what lets the ledger's
 * unique index and the WMS's deduplication turn every retry into a no-op.
 */
import { CONTRACT_VERSION, expectedKeyFor, validateEvent, type ContractErrorDetail, type EventOfType } from '@crm/contract';

export type DealWonCommand = EventOfType<'deal.won'>;
export type PoReleasedCommand = EventOfType<'po.released'>;
export type PoCancelledCommand = EventOfType<'po.cancelled'>;
export type ShortageDecidedCommand = EventOfType<'shortage.decided'>;
export type OutboundCommand = DealWonCommand | PoReleasedCommand | PoCancelledCommand | ShortageDecidedCommand;

/**
 * po.released and po.cancelled share the ordering scope po_number (contract D-PO-RELEASE): a PO is
 * released once and cancelled at most once, so fixed sequences suffice and a cancellation always
 * outranks the release it cancels, even if the WMS receives them out of order.
 */
export const PO_SEQUENCE = { released: 1, cancelled: 2 } as const;

export class InvalidCommandError extends Error {
  override name = 'InvalidCommandError';
  constructor(readonly detail: ContractErrorDetail) {
    super(`${detail.code}: ${detail.message}`);
  }
}

/** Contract timestamps: UTC, "Z", at most milliseconds (Date#toISOString is exactly that). */
export function contractInstant(at: Date): string {
  return at.toISOString();
}

/**
 * PostgreSQL numeric(14,2) arrives as "1250.00"; the contract wants a decimal string without
 * exponent or leading zeros, at most two decimals. Normalising here keeps "0012.5" or "12.500"
 * from ever reaching the WMS.
 */
export function contractMeters(value: string | number): string {
  const text = typeof value === 'number' ? value.toFixed(2) : value.trim();
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new RangeError(`not a meter quantity: ${JSON.stringify(value)}`);
  const integer = match[1]!.replace(/^0+(?=\d)/, '');
  const decimals = (match[2] ?? '').replace(/0+$/, '');
  if (decimals.length > 2) throw new RangeError(`more than two decimals: ${JSON.stringify(value)}`);
  return decimals ? `${integer}.${decimals}` : integer;
}

function finish<C extends OutboundCommand>(draft: Omit<C, 'idempotency_key'>): C {
  const event = { idempotency_key: expectedKeyFor(draft as never), ...draft } as C;
  const result = validateEvent(event, { direction: 'crm_to_wms' });
  if (!result.ok) throw new InvalidCommandError(result.error);
  return event;
}

export function buildDealWon(input: {
  dealCode: string;
  orgCode: string;
  wonAt: Date;
  customerId: string;
  customerName: string;
  creditBlocked: boolean;
  lines: ReadonlyArray<{ id: string; qualityCode: string; meters: string }>;
}): DealWonCommand {
  return finish<DealWonCommand>({
    event_type: 'deal.won',
    contract_version: CONTRACT_VERSION,
    occurred_at: contractInstant(input.wonAt),
    source: 'crm',
    payload: {
      deal_code: input.dealCode,
      org_code: input.orgCode as DealWonCommand['payload']['org_code'],
      won_at: contractInstant(input.wonAt),
      customer_ref: input.customerId,
      customer_name: input.customerName.trim(),
      credit_blocked: input.creditBlocked,
      lines: input.lines.map((line) => ({ deal_line_id: line.id, quality_code: line.qualityCode, meters: contractMeters(line.meters) })),
    },
  });
}

export type ShipTo = PoReleasedCommand['payload']['ship_to'];

export function buildPoReleased(input: {
  poNumber: string;
  orgCode: string;
  dealCode: string;
  customerId: string;
  releasedAt: Date;
  approvedBy: string;
  /** A manager override carries its reason (story 34); without one all gates passed. */
  overrideNote?: string | undefined;
  shipDate: string;
  shipTo: ShipTo;
  instructions?: string | null | undefined;
  lines: ReadonlyArray<{
    dealLineId: string;
    qualityCode: string;
    meters: string;
    stockOwnerOrg: string;
    intercompanyPoNumber?: string | undefined;
  }>;
}): PoReleasedCommand {
  type Org = PoReleasedCommand['payload']['org_code'];
  return finish<PoReleasedCommand>({
    event_type: 'po.released',
    contract_version: CONTRACT_VERSION,
    occurred_at: contractInstant(input.releasedAt),
    source: 'crm',
    sequence: PO_SEQUENCE.released,
    payload: {
      po_number: input.poNumber,
      org_code: input.orgCode as Org,
      deal_code: input.dealCode,
      customer_ref: input.customerId,
      released_at: contractInstant(input.releasedAt),
      shipment_approved_by: input.approvedBy,
      ...(input.overrideNote
        ? { release_basis: 'manager_override' as const, override_note: input.overrideNote }
        : { release_basis: 'gates_passed' as const }),
      ship_date: input.shipDate,
      ship_to: input.shipTo,
      ...(input.instructions ? { instructions: input.instructions } : {}),
      lines: input.lines.map((line) => ({
        deal_line_id: line.dealLineId,
        quality_code: line.qualityCode,
        meters: contractMeters(line.meters),
        stock_owner_org: line.stockOwnerOrg as Org,
        ...(line.intercompanyPoNumber ? { intercompany_po_number: line.intercompanyPoNumber } : {}),
      })),
    },
  } as Omit<PoReleasedCommand, 'idempotency_key'>);
}

export function buildPoCancelled(input: {
  poNumber: string;
  orgCode: string;
  cancelledAt: Date;
  cancelledBy: string;
  reasonCode: PoCancelledCommand['payload']['reason_code'];
  note?: string | undefined;
}): PoCancelledCommand {
  return finish<PoCancelledCommand>({
    event_type: 'po.cancelled',
    contract_version: CONTRACT_VERSION,
    occurred_at: contractInstant(input.cancelledAt),
    source: 'crm',
    sequence: PO_SEQUENCE.cancelled,
    payload: {
      po_number: input.poNumber,
      org_code: input.orgCode as PoCancelledCommand['payload']['org_code'],
      cancelled_at: contractInstant(input.cancelledAt),
      cancelled_by: input.cancelledBy,
      reason_code: input.reasonCode,
      ...(input.note ? { note: input.note } : {}),
    },
  });
}

export type ShortageDecisionLine = ShortageDecidedCommand['payload']['lines'][number];

/** Stories 10, 18: the Sales Manager's outcome per sent-back line; key `crm:shortage:{send_back_id}:decided:v1`. */
export function buildShortageDecided(input: {
  sendBackId: string;
  orgCode: string;
  dealCode: string;
  decidedAt: Date;
  decidedBy: string;
  lines: readonly ShortageDecisionLine[];
}): ShortageDecidedCommand {
  return finish<ShortageDecidedCommand>({
    event_type: 'shortage.decided',
    contract_version: CONTRACT_VERSION,
    occurred_at: contractInstant(input.decidedAt),
    source: 'crm',
    payload: {
      send_back_id: input.sendBackId,
      org_code: input.orgCode as ShortageDecidedCommand['payload']['org_code'],
      deal_code: input.dealCode,
      decided_at: contractInstant(input.decidedAt),
      decided_by: input.decidedBy,
      lines: input.lines.map((line) => ({
        deal_line_id: line.deal_line_id,
        outcome: line.outcome,
        ...(line.substitute_quality_code ? { substitute_quality_code: line.substitute_quality_code } : {}),
        ...(line.note ? { note: line.note } : {}),
      })),
    },
  });
}
