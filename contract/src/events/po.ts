/**
 * PO commands, CRM → WMS (stories 30-37, 41, 72-74).
 *
 * po.released is the only way work reaches the warehouse: the CRM sends it after Shipment Approval,
 * i.e. once payment/credit/contract gates are passed or overridden by a manager (stories 30-37, 41).
 * Story 72: retries must never create duplicate POs, which the key crm:po:{po_number}:released:v1
 * guarantees (one PO number, one release).
 *
 * Cross-ownership (story 73): a MOD PO may ship JTR-owned stock. Each line names the stock owner,
 * and a line whose owner is another org names the internal PO the CRM created between the two
 * orgs, so the warehouse can book the intercompany transfer against it.
 */
import { z } from 'zod';
import {
  boundedText,
  CountryCode,
  DealCode,
  entityId,
  IsoDate,
  Meters,
  OrgCode,
  PoNumber,
  QualityCode,
  UserRef,
  UtcDateTime,
} from '../primitives.js';
import { defineSequencedEvent } from './define.js';
import { requireCodeOfOrg, requireUnique } from './rules.js';

const ShipTo = z
  .strictObject({
    name: boundedText(200, 'Consignee.'),
    address_lines: z.array(boundedText(200, 'Address line.')).min(1).max(3),
    city: boundedText(100, 'City.'),
    postal_code: boundedText(20, 'Postal code.').optional(),
    country_code: CountryCode,
    contact_name: boundedText(120, 'Contact at delivery.').optional(),
    contact_phone: boundedText(40, 'Phone at delivery.').optional(),
  })
  .describe("Delivery address from the customer's org-scoped profile (story 4).");

const ReleasedPoLine = z
  .strictObject({
    deal_line_id: entityId('CRM deal line this PO line fulfils.'),
    quality_code: QualityCode,
    meters: Meters.describe('Meters to ship (the warehouse packs whole rolls; it reports actual meters in order.prepared).'),
    stock_owner_org: OrgCode.describe('Org whose stock is to be shipped (story 73).'),
    intercompany_po_number: PoNumber.optional().describe(
      'Internal PO of the stock owner towards the selling org. Rule: present exactly when stock_owner_org differs from org_code, and it belongs to stock_owner_org.',
    ),
  })
  .describe('One line to pick.');

export const RELEASE_BASES = ['gates_passed', 'manager_override'] as const;

export const PoReleasedPayload = z
  .strictObject({
    po_number: PoNumber,
    org_code: OrgCode.describe('Selling org. Rule: po_number and deal_code belong to it.'),
    deal_code: DealCode,
    customer_ref: entityId('CRM customer id.'),
    released_at: UtcDateTime,
    shipment_approved_by: UserRef.describe('Sales Manager who approved the shipment (stories 17, 35).'),
    release_basis: z.enum(RELEASE_BASES).describe('Whether all gates passed or a manager override released the PO (story 34).'),
    override_note: boundedText(
      1000,
      'The override reason (story 38). Rule: present exactly when release_basis is manager_override.',
    ).optional(),
    ship_date: IsoDate.describe('Planned ship date (Ship Date Required gate, story 10).'),
    ship_to: ShipTo,
    instructions: boundedText(1000, 'Packing/delivery instructions for the warehouse.').optional(),
    lines: z.array(ReleasedPoLine).min(1).max(200).describe('Lines to pick, each deal_line_id once.'),
  })
  .superRefine((po, ctx) => {
    requireCodeOfOrg(ctx, po.po_number, po.org_code, ['po_number']);
    requireCodeOfOrg(ctx, po.deal_code, po.org_code, ['deal_code']);
    requireUnique(ctx, po.lines, (line) => line.deal_line_id, ['lines'], 'deal_line_id');
    if ((po.release_basis === 'manager_override') !== (po.override_note !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['override_note'],
        message: 'override_note is present exactly when release_basis is manager_override',
      });
    }
    po.lines.forEach((line, index) => {
      const crossOwnership = line.stock_owner_org !== po.org_code;
      if (crossOwnership !== (line.intercompany_po_number !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['lines', index, 'intercompany_po_number'],
          message: 'intercompany_po_number is present exactly when stock_owner_org differs from org_code',
        });
      } else if (line.intercompany_po_number) {
        requireCodeOfOrg(ctx, line.intercompany_po_number, line.stock_owner_org, ['lines', index, 'intercompany_po_number']);
      }
    });
  })
  .describe('A PO released to the warehouse for picking.');

export const PO_CANCELLATION_REASONS = [
  'customer_request',
  'payment_not_received',
  'credit_block',
  'shortage',
  'duplicate',
  'other',
] as const;

export const PoCancelledPayload = z
  .strictObject({
    po_number: PoNumber,
    org_code: OrgCode.describe('Org of the PO. Rule: po_number belongs to it.'),
    cancelled_at: UtcDateTime,
    cancelled_by: UserRef,
    reason_code: z.enum(PO_CANCELLATION_REASONS),
    note: boundedText(1000, 'Explanation.').optional(),
  })
  .superRefine((po, ctx) => requireCodeOfOrg(ctx, po.po_number, po.org_code, ['po_number']))
  .describe('Cancellation of a released PO.');

const poOrdering = {
  scope: 'po_number',
  scopeKeys: (event: { payload: { po_number: string } }) => [`po:${event.payload.po_number}`],
};

export const poReleased = defineSequencedEvent({
  type: 'po.released',
  source: 'crm',
  summary: 'A PO is released to the warehouse for picking, after shipment approval.',
  description:
    'The WMS creates the picking order. Exactly one release per po_number (story 72); changes to a released PO are ' +
    'made by cancelling it and releasing a new PO. Never sent while credit_blocked or payment is pending unless a ' +
    'manager override was used (stories 30, 34). Stories 30-37, 41, 72-74.',
  stories: [30, 31, 32, 33, 34, 35, 36, 37, 41, 72, 73, 74],
  state: 'absolute',
  payload: PoReleasedPayload,
  key: {
    entity: 'po',
    action: 'released',
    idTemplate: '{po_number}',
    deriveId: (event) => event.payload.po_number,
  },
  ordering: poOrdering,
});

export const poCancelled = defineSequencedEvent({
  type: 'po.cancelled',
  source: 'crm',
  summary: 'A released PO is cancelled by the CRM.',
  description:
    'The WMS stops picking, releases the reservations and confirms with order.cancelled. Its sequence is above the ' +
    'release of the same PO; a WMS that has not seen the release yet keeps the cancellation as a tombstone, so the ' +
    'late release is stale and never resurrects the PO.',
  stories: [72],
  state: 'absolute',
  payload: PoCancelledPayload,
  key: {
    entity: 'po',
    action: 'cancelled',
    idTemplate: '{po_number}',
    deriveId: (event) => event.payload.po_number,
  },
  ordering: poOrdering,
});
