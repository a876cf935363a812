/**
 * WMS Manager gate override, WMS → CRM (stories 20, 38, 70).
 *
 * The CRM's gates normally stop a PO before it reaches the WMS. After release, the WMS still holds
 * a PO at a gate when a condition is not met on its side (ship date not set or not reached, payment
 * confirmation pending for a PO released under a CRM override, a credit block raised after
 * release, shipment approval withdrawn). A WMS Manager may override such a hold with a reason code
 * when operationally required (story 20). The CRM must see every override: it is logged with
 * who/when/note (story 38) and triggers the internal override_used email (story 70).
 */
import { z } from 'zod';
import { boundedText, entityId, OrgCode, PoNumber, UserRef, UtcDateTime } from '../primitives.js';
import { defineUnsequencedEvent } from './define.js';
import { requireCodeOfOrg } from './rules.js';

/** Named after the Human Gates tabs of /fulfillment (story 10) plus the credit block (story 30). */
export const SHIPMENT_GATES = ['payment_confirmation', 'shipment_approval', 'ship_date_required', 'credit_block'] as const;

export const GATE_OVERRIDE_REASON_CODES = [
  'customer_pickup_on_site',
  'payment_proof_presented',
  'management_instruction',
  'carrier_slot_expiring',
  'other',
] as const;

export const ShipmentGateOverriddenPayload = z
  .strictObject({
    override_id: entityId('WMS id of this override; names the idempotency key.'),
    org_code: OrgCode.describe('Org of the PO. Rule: po_number belongs to it.'),
    po_number: PoNumber,
    gate: z.enum(SHIPMENT_GATES).describe('The gate that was overridden.'),
    reason_code: z.enum(GATE_OVERRIDE_REASON_CODES).describe('Why (story 20).'),
    note: boundedText(1000, 'Mandatory explanation (story 38: every override is logged with a note).'),
    overridden_by: UserRef.describe('WMS Manager who overrode the gate.'),
    overridden_at: UtcDateTime,
  })
  .superRefine((override, ctx) => requireCodeOfOrg(ctx, override.po_number, override.org_code, ['po_number']))
  .describe('A WMS Manager override of a shipment gate.');

export const shipmentGateOverridden = defineUnsequencedEvent({
  type: 'shipment_gate.overridden',
  source: 'wms',
  summary: 'A WMS Manager overrode a shipment gate for a PO, with reason code and note.',
  description:
    'The CRM appends the override to the PO/deal audit log (who, when, reason, note) and sends the internal ' +
    'override_used email. It does not change any gate state in the CRM. Stories 20, 38, 70.',
  stories: [20, 38, 70],
  state: 'delta',
  payload: ShipmentGateOverriddenPayload,
  key: {
    entity: 'shipment_gate',
    action: 'overridden',
    idTemplate: '{override_id}',
    deriveId: (event) => event.payload.override_id,
  },
  ordering: { rationale: 'A one-off audit fact; overrides are appended, never overwritten.' },
});
