/**
 * Goods receipts, WMS → CRM (stories 76, 77, 79).
 *
 * Goods arrive in the WMS; the CRM costs them (docs/costing.md). A receipt is a one-off fact:
 * these rolls/lots of these qualities, with these meters, entered this warehouse for this owner
 * org. The CRM records each roll once and gives it a receipt-basis unit cost in TRY from the
 * supplier invoice line it is matched to (provisional until then, story 76), from which it keeps
 * the WAC per owner org + quality (story 77) and the owner-org inventory value (story 79).
 * Supplier and invoice reference travel when the WMS knows them (the paperwork may follow the goods).
 */
import { z } from 'zod';
import { boundedText, entityId, LotId, Meters, OrgCode, QualityCode, RollId, UtcDateTime, WarehouseCode } from '../primitives.js';
import { isZeroDecimal } from '../decimal.js';
import { defineUnsequencedEvent } from './define.js';
import { requireUnique } from './rules.js';

/** Upper bound of rolls in one receipt: a container of fabric is a few hundred rolls. */
export const RECEIPT_ROLLS_MAX = 1000;

export const ReceiptRoll = z
  .strictObject({
    roll_id: RollId.describe('Roll id as labelled in the WMS; unique within the receipt.'),
    lot_id: LotId,
    quality_code: QualityCode,
    meters: Meters.describe('Meters received on this roll. Rule: greater than 0.'),
  })
  .superRefine((roll, ctx) => {
    if (isZeroDecimal(roll.meters)) ctx.addIssue({ code: 'custom', path: ['meters'], message: 'meters must be greater than 0' });
  })
  .describe('One roll of one lot received.');

export const ReceiptRecordedPayload = z
  .strictObject({
    receipt_id: entityId('WMS id of the goods receipt; names the idempotency key.'),
    owner_org: OrgCode.describe('Org that owns the received goods (the buyer on the supplier invoice).'),
    warehouse_code: WarehouseCode.describe('Warehouse the goods entered.'),
    received_at: UtcDateTime.describe('When the goods were booked into stock.'),
    supplier_name: boundedText(200, 'Mill or supplier, when the WMS knows it.').optional(),
    supplier_invoice_number: boundedText(64, "The supplier's invoice number, when the paperwork came with the goods.").optional(),
    supply_id: entityId('The supply item (supply.updated) these goods close, when there is one.').optional(),
    rolls: z
      .array(ReceiptRoll)
      .min(1)
      .max(RECEIPT_ROLLS_MAX)
      .describe(`Every roll received, 1-${RECEIPT_ROLLS_MAX}. Rule: each roll_id appears once.`),
  })
  .superRefine((payload, ctx) => {
    requireUnique(ctx, payload.rolls, (roll) => roll.roll_id, ['rolls'], 'roll_id');
  })
  .describe('A goods receipt: rolls/lots booked into a warehouse for an owner org.');

export const receiptRecorded = defineUnsequencedEvent({
  type: 'receipt.recorded',
  source: 'wms',
  summary: 'Goods received into a warehouse: rolls/lots with quality and meters, owner org, supplier and invoice when known.',
  description:
    'The CRM records every roll once (by receipt_id) and costs it: matched to a supplier invoice line, the roll gets its ' +
    'receipt-basis unit cost in TRY; before that its cost is provisional and re-costed when the invoice is matched. ' +
    'WAC per owner org + quality and the owner-org inventory value follow (stories 76, 77, 79). Stock levels still ' +
    'travel as stock.changed.',
  stories: [76, 77, 79],
  state: 'delta',
  payload: ReceiptRecordedPayload,
  key: {
    entity: 'receipt',
    action: 'recorded',
    idTemplate: '{receipt_id}',
    deriveId: (event) => event.payload.receipt_id,
  },
  ordering: {
    rationale:
      'A one-off fact: goods enter once. A correction is a new receipt (or a WMS stock adjustment), never an overwrite of the costed rolls.',
  },
});
