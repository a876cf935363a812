/**
 * Abra central stock checks, WMS → CRM (stories 46-50).
 *
 * When the warehouse cannot serve a deal line from on-hand stock, WMS staff check the Abra central
 * stock for it and record the result per deal line (story 49): checked_at, checked_by, result,
 * available_qty (only when something was found), proposed_next_step and an optional ETA text.
 * The WMS emits central_stock_check.completed for the first result of a line and
 * central_stock_check.updated for every revision (story 50); the CRM renders the latest one on the
 * deal/fulfillment panel (story 46).
 *
 * The same check record is embedded in every line of a shortage send-back (shortage.ts), which is
 * how story 47 ("no send-back without an Abra check per affected line") becomes checkable.
 */
import { z } from 'zod';
import { compareDecimals, isZeroDecimal } from '../decimal.js';
import { boundedText, DealCode, entityId, Meters, OrgCode, QualityCode, UserRef, UtcDateTime } from '../primitives.js';
import { defineSequencedEvent } from './define.js';
import { requireCodeOfOrg } from './rules.js';

export const CENTRAL_STOCK_CHECK_RESULTS = ['found', 'partial', 'not_found'] as const;
export type CentralStockCheckResult = (typeof CENTRAL_STOCK_CHECK_RESULTS)[number];

/**
 * What should happen to a line that cannot be served from on-hand stock. The WMS proposes one in
 * the check; a Sales Manager decides one in shortage.decided. One list for both, so that the
 * decision screen can pre-select the proposal.
 */
export const FULFILMENT_NEXT_STEPS = [
  'transfer_from_central',
  'ship_available',
  'wait_for_supply',
  'request_supply',
  'substitute_quality',
  'cancel_line',
] as const;
export type FulfilmentNextStep = (typeof FULFILMENT_NEXT_STEPS)[number];
export const FulfilmentNextStep = z.enum(FULFILMENT_NEXT_STEPS);

const checkFields = {
  checked_at: UtcDateTime.describe('When the Abra check was made.'),
  checked_by: UserRef.describe('WMS user who made the Abra check.'),
  proposed_next_step: FulfilmentNextStep.describe('What the warehouse proposes for the line.'),
  eta_text: boundedText(200, 'Free-text ETA, e.g. "2 weeks" or "early March".').optional(),
};

const foundFields = {
  result: z.literal('found').describe('Abra holds at least the requested quantity.'),
  available_qty: Meters.describe('Meters available at Abra. Rule: ≥ requested_qty.'),
};
const partialFields = {
  result: z.literal('partial').describe('Abra holds some, but less than requested.'),
  available_qty: Meters.describe('Meters available at Abra. Rule: > 0 and < requested_qty.'),
};
const notFoundFields = {
  result: z.literal('not_found').describe('Abra holds none; available_qty is absent.'),
};

/** The check as recorded, without the deal line it belongs to (embedded in send-back lines). */
export const CentralStockCheckRecord = z
  .discriminatedUnion('result', [
    z.strictObject({ ...foundFields, ...checkFields }),
    z.strictObject({ ...partialFields, ...checkFields }),
    z.strictObject({ ...notFoundFields, ...checkFields }),
  ])
  .describe('An Abra central stock check (story 49). available_qty is present exactly when result is found or partial.');
export type CentralStockCheckRecord = z.output<typeof CentralStockCheckRecord>;

/** found ⇒ available ≥ requested; partial ⇒ 0 < available < requested. Exact decimal comparison. */
export function checkAvailableAgainstRequested(
  check: CentralStockCheckRecord,
  requestedQty: string,
  ctx: z.core.$RefinementCtx,
  path: (string | number)[],
): void {
  if (check.result === 'found' && compareDecimals(check.available_qty, requestedQty) < 0) {
    ctx.addIssue({ code: 'custom', path: [...path, 'available_qty'], message: 'found requires available_qty ≥ requested_qty' });
  }
  if (check.result === 'partial' && (isZeroDecimal(check.available_qty) || compareDecimals(check.available_qty, requestedQty) >= 0)) {
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'available_qty'],
      message: 'partial requires 0 < available_qty < requested_qty',
    });
  }
}

const dealLineFields = {
  org_code: OrgCode.describe('Org of the deal. Rule: deal_code belongs to it.'),
  deal_code: DealCode,
  deal_line_id: entityId('CRM deal line that was checked.'),
  quality_code: QualityCode,
  requested_qty: Meters.describe('Meters the deal line needs (quantities are meters throughout).'),
};

export const CentralStockCheckPayload = z
  .discriminatedUnion('result', [
    z.strictObject({ ...dealLineFields, ...foundFields, ...checkFields }),
    z.strictObject({ ...dealLineFields, ...partialFields, ...checkFields }),
    z.strictObject({ ...dealLineFields, ...notFoundFields, ...checkFields }),
  ])
  .superRefine((check, ctx) => {
    requireCodeOfOrg(ctx, check.deal_code, check.org_code, ['deal_code']);
    checkAvailableAgainstRequested(check, check.requested_qty, ctx, []);
  })
  .describe('Abra central stock check of one deal line. available_qty is present exactly when result is found or partial.');

const checkOrdering = {
  scope: 'deal_line_id',
  scopeKeys: (event: { payload: { deal_line_id: string } }) => [`central_stock_check:${event.payload.deal_line_id}`],
};

export const centralStockCheckCompleted = defineSequencedEvent({
  type: 'central_stock_check.completed',
  source: 'wms',
  summary: 'First Abra central stock check result for a deal line.',
  description:
    'Sent once per deal line, when the WMS records its first Abra check. The CRM stores the check on the deal line ' +
    'and renders it on the fulfillment panel (stories 46, 49, 50).',
  stories: [46, 47, 49, 50],
  state: 'absolute',
  payload: CentralStockCheckPayload,
  key: {
    entity: 'central_stock_check',
    action: 'completed',
    idTemplate: '{deal_line_id}',
    deriveId: (event) => event.payload.deal_line_id,
  },
  ordering: checkOrdering,
});

export const centralStockCheckUpdated = defineSequencedEvent({
  type: 'central_stock_check.updated',
  source: 'wms',
  summary: 'Revised Abra central stock check result for a deal line.',
  description:
    "Sent for every later revision of a line's check (re-check, new ETA). It replaces the stored check when its " +
    'sequence is newer. A line can be revised many times, so the key id includes the sequence. Stories 46, 49, 50.',
  stories: [46, 47, 49, 50],
  state: 'absolute',
  payload: CentralStockCheckPayload,
  key: {
    entity: 'central_stock_check',
    action: 'updated',
    idTemplate: '{deal_line_id}.{sequence}',
    deriveId: (event) => `${event.payload.deal_line_id}.${event.sequence}`,
  },
  ordering: checkOrdering,
});
