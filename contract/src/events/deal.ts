/**
 * deal.won, CRM → WMS (stories 29, 40, 47, 48).
 *
 * The stories name deal.won as a CRM moment (credit check, cash pack). Decision: the WMS hears of it
 * too. Story 48 lists "won" among the WMS paths (where the Abra check must *not* be enforced),
 * and the WMS can only check Abra central stock per deal line (story 49) and send deal lines back
 * (story 47) if it knows the deal lines, which exist before any PO does.
 *
 * What crosses: the deal lines (quality, meters) and credit_blocked, so the warehouse can plan and
 * reserve but knows no PO will come while the block stands (story 30). What does not cross: prices,
 * currency, payment terms: the WMS has no use for them and they are commercial data.
 */
import { z } from 'zod';
import { boundedText, DealCode, entityId, Meters, OrgCode, QualityCode, UtcDateTime } from '../primitives.js';
import { defineUnsequencedEvent } from './define.js';
import { requireCodeOfOrg, requireUnique } from './rules.js';

const WonDealLine = z.strictObject({
  deal_line_id: entityId('CRM deal line id; the WMS quotes it in checks, send-backs and PO lines.'),
  quality_code: QualityCode,
  meters: Meters.describe('Meters sold on this line.'),
});

export const DealWonPayload = z
  .strictObject({
    deal_code: DealCode,
    org_code: OrgCode.describe('Org of the deal (story 3). Rule: deal_code belongs to it.'),
    won_at: UtcDateTime,
    customer_ref: entityId('CRM customer id (global customer identity, story 4).'),
    customer_name: boundedText(200, 'Customer name for warehouse staff.'),
    credit_blocked: z
      .boolean()
      .describe('credit_blocked as set on deal.won (story 29): true = no PO will be released until a manager clears it.'),
    lines: z.array(WonDealLine).min(1).max(200).describe('Deal lines, each deal_line_id once.'),
  })
  .superRefine((deal, ctx) => {
    requireCodeOfOrg(ctx, deal.deal_code, deal.org_code, ['deal_code']);
    requireUnique(ctx, deal.lines, (line) => line.deal_line_id, ['lines'], 'deal_line_id');
  })
  .describe('A won deal, as the warehouse needs to know it.');

export const dealWon = defineUnsequencedEvent({
  type: 'deal.won',
  source: 'crm',
  summary: 'A deal was won: its lines are now demand the warehouse can plan, check and reserve for.',
  description:
    'Sent once per deal when it is marked won. The WMS may reserve stock and run Abra checks for its lines, but ' +
    'picks nothing before po.released. Later line changes reach the WMS through po.released (the PO is the ' +
    "warehouse's unit of work), so a deal is won exactly once in v1.0.23. Stories 29, 40, 47, 48.",
  stories: [29, 40, 47, 48],
  state: 'absolute',
  payload: DealWonPayload,
  key: {
    entity: 'deal',
    action: 'won',
    idTemplate: '{deal_code}',
    deriveId: (event) => event.payload.deal_code,
  },
  ordering: { rationale: 'Sent exactly once per deal; nothing later in the same scope can overtake it.' },
});
