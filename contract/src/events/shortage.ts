/**
 * Shortage send-back and the Sales Manager's decision (stories 10, 18, 47, 48).
 *
 * WMS → CRM  shortage.sent_back: the warehouse sends a deal back because it has no on-hand stock
 *            (or not enough) for some lines. Story 47: this is hard-blocked unless an Abra central
 *            stock check exists for each affected line. The contract enforces it by requiring the
 *            check record inside every affected line; a line without one is rejected with
 *            ABRA_CHECK_MISSING (story 48: only this send-back path carries the requirement; no
 *            other event asks for a check).
 * CRM → WMS  shortage.decided: the Sales Manager decides the outcome per line on the Shortage
 *            Decisions tab (stories 10, 18) and the WMS acts on it (ship what is available, wait,
 *            transfer from central, cancel the line...).
 *
 * Both are one-off facts (delta): each send-back is a new decision item, identified by the WMS's
 * send_back_id, and the decision answers exactly that send-back.
 */
import { z } from 'zod';
import { compareDecimals } from '../decimal.js';
import { boundedText, DealCode, entityId, Meters, OrgCode, PoNumber, QualityCode, UserRef, UtcDateTime } from '../primitives.js';
import { checkAvailableAgainstRequested, CentralStockCheckRecord, FulfilmentNextStep } from './central-stock-check.js';
import { defineUnsequencedEvent } from './define.js';
import { requireCodeOfOrg, requireUnique } from './rules.js';

export const SEND_BACK_KINDS = ['no_on_hand', 'shortage'] as const;

/** Field name of the required check; validate.ts maps its absence to ABRA_CHECK_MISSING. */
export const SEND_BACK_CHECK_FIELD = 'central_stock_check';

const SentBackLine = z
  .strictObject({
    deal_line_id: entityId('CRM deal line affected by the shortage.'),
    quality_code: QualityCode,
    requested_qty: Meters.describe('Meters the line needs.'),
    on_hand_qty: Meters.describe('Meters the warehouse has on hand for it. Rule: < requested_qty (otherwise it is no shortage).'),
    [SEND_BACK_CHECK_FIELD]: CentralStockCheckRecord.describe(
      'The Abra check of this line (story 47). Required: a missing check rejects the event with ABRA_CHECK_MISSING.',
    ),
  })
  .superRefine((line, ctx) => {
    if (compareDecimals(line.on_hand_qty, line.requested_qty) >= 0) {
      ctx.addIssue({ code: 'custom', path: ['on_hand_qty'], message: 'on_hand_qty must be below requested_qty' });
    }
    checkAvailableAgainstRequested(line.central_stock_check, line.requested_qty, ctx, [SEND_BACK_CHECK_FIELD]);
  });

export const ShortageSentBackPayload = z
  .strictObject({
    send_back_id: entityId('WMS id of this send-back; names the idempotency key.'),
    org_code: OrgCode.describe('Org of the deal. Rule: deal_code and po_number belong to it.'),
    deal_code: DealCode,
    po_number: PoNumber.optional().describe('PO being prepared, when the shortage surfaced during picking.'),
    kind: z.enum(SEND_BACK_KINDS).describe('"no_on_hand": nothing on hand; "shortage": less than needed.'),
    sent_back_at: UtcDateTime,
    sent_back_by: UserRef.describe('WMS user who sent the deal back.'),
    note: boundedText(1000, 'Explanation for the Sales Manager.').optional(),
    lines: z.array(SentBackLine).min(1).max(200).describe('Affected lines only, each deal_line_id once.'),
  })
  .superRefine((sendBack, ctx) => {
    requireCodeOfOrg(ctx, sendBack.deal_code, sendBack.org_code, ['deal_code']);
    if (sendBack.po_number) requireCodeOfOrg(ctx, sendBack.po_number, sendBack.org_code, ['po_number']);
    requireUnique(ctx, sendBack.lines, (line) => line.deal_line_id, ['lines'], 'deal_line_id');
  })
  .describe('A deal sent back to the CRM for lack of on-hand stock.');

export const shortageSentBack = defineUnsequencedEvent({
  type: 'shortage.sent_back',
  source: 'wms',
  summary: 'Send back (No On-Hand / Shortage): the warehouse cannot serve some deal lines.',
  description:
    'Creates an item on the Shortage Decisions tab of /fulfillment. Every affected line carries its Abra central ' +
    'stock check; the CRM rejects the event with ABRA_CHECK_MISSING if one is missing (stories 47, 48). ' +
    'Stories 10, 18, 47, 48.',
  stories: [10, 18, 47, 48],
  state: 'delta',
  payload: ShortageSentBackPayload,
  key: {
    entity: 'shortage',
    action: 'sent_back',
    idTemplate: '{send_back_id}',
    deriveId: (event) => event.payload.send_back_id,
  },
  ordering: {
    rationale: 'A one-off fact: each send-back is a new decision item; there is no earlier state it could overwrite.',
  },
});

const ShortageDecisionLine = z
  .strictObject({
    deal_line_id: entityId('Deal line of the send-back being decided.'),
    outcome: FulfilmentNextStep.describe('What the WMS is to do with the line.'),
    substitute_quality_code: QualityCode.optional().describe(
      'Replacement quality. Rule: present exactly when outcome is substitute_quality.',
    ),
    note: boundedText(1000, 'Instruction for the warehouse.').optional(),
  })
  .superRefine((line, ctx) => {
    if ((line.outcome === 'substitute_quality') !== (line.substitute_quality_code !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['substitute_quality_code'],
        message: 'substitute_quality_code is present exactly when outcome is substitute_quality',
      });
    }
  });

export const ShortageDecidedPayload = z
  .strictObject({
    send_back_id: entityId('The send-back this decision answers; names the idempotency key.'),
    org_code: OrgCode.describe('Org of the deal. Rule: deal_code belongs to it.'),
    deal_code: DealCode,
    decided_at: UtcDateTime,
    decided_by: UserRef.describe('Sales Manager who decided (story 18).'),
    lines: z.array(ShortageDecisionLine).min(1).max(200).describe('One decision per sent-back line, each deal_line_id once.'),
  })
  .superRefine((decision, ctx) => {
    requireCodeOfOrg(ctx, decision.deal_code, decision.org_code, ['deal_code']);
    requireUnique(ctx, decision.lines, (line) => line.deal_line_id, ['lines'], 'deal_line_id');
  })
  .describe("The Sales Manager's outcome for each line of a send-back.");

export const shortageDecided = defineUnsequencedEvent({
  type: 'shortage.decided',
  source: 'crm',
  summary: "Shortage decision: the Sales Manager's outcome per sent-back line.",
  description:
    'Sent when a Sales Manager resolves a Shortage Decisions item. Exactly one decision per send-back: a change of ' +
    'mind after the WMS acted needs a new send-back from the WMS. Stories 10, 18.',
  stories: [10, 18],
  state: 'delta',
  payload: ShortageDecidedPayload,
  key: {
    entity: 'shortage',
    action: 'decided',
    idTemplate: '{send_back_id}',
    deriveId: (event) => event.payload.send_back_id,
  },
  ordering: {
    rationale: 'A one-off answer to one send-back; a second decision for the same send-back is a key conflict.',
  },
});
