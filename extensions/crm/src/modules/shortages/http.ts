/**
 * Shortage decisions (stories 10, 18): docs/supply-and-shortages.md. The read reports its SQL
 * statement count in Server-Timing (constant whatever the number of send-backs).
 */
import { FULFILMENT_NEXT_STEPS, QUALITY_CODE_PATTERN } from '@crm/contract';
import { z } from 'zod';
import { CrmError } from '../../shared/errors.js';
import { auditNote, distinctIds, pageQuery, pageRead, post, uuid, type AnyRoute } from '../../shared/http.js';
import { decideShortage, decideShortagesBulk, readShortages } from './service.js';

const SEND_BACK_ID = /^[A-Za-z0-9_-]{1,40}$/;
const sendBackId = z.string().regex(SEND_BACK_ID, 'is a WMS send_back_id: 1-40 characters of A-Z, a-z, 0-9, _ and -');
const note = auditNote('the decision is audited with a note');
const outcome = z.enum(FULFILMENT_NEXT_STEPS);
const quality = z.string().regex(QUALITY_CODE_PATTERN, 'is a quality code, e.g. MOD-POPLIN-120');

const DecideBody = z.strictObject({
  lines: z
    .array(
      z.strictObject({
        deal_line_id: z.string().min(1).max(40),
        outcome,
        substitute_quality_code: quality.optional(),
        note: z.string().trim().min(1).max(1000).optional(),
      }),
    )
    .min(1, 'decide every line of the send-back')
    .max(200),
  note,
});
const BulkBody = z.strictObject({
  send_back_ids: distinctIds('send-back', 200, sendBackId),
  outcome,
  substitute_quality_code: quality.optional(),
  note,
});
const ListQuery = z.strictObject({
  state: z.enum(['undecided', 'decided', 'all']).default('all'),
  deal_id: uuid.optional(),
  ...pageQuery({ max: 200, default: 50 }),
});

export const shortageRoutes: AnyRoute[] = [
  pageRead('/shortages', ListQuery, readShortages),
  post('/shortages/decide', { body: BulkBody }, (scope, { body }) => decideShortagesBulk(scope, body)),
  post('/shortages/:sendBackId/decide', { body: DecideBody }, (scope, { body, req }) => {
    const id = String(req.params['sendBackId'] ?? '');
    // A malformed id is answered like a missing one (the same code), before the service runs.
    if (!SEND_BACK_ID.test(id)) {
      throw new CrmError('invalid_input', 'SEND_BACK_NOT_FOUND', 'sendBackId: no such send-back', [
        { field: 'sendBackId', reason: 'is a WMS send_back_id: 1-40 characters of A-Z, a-z, 0-9, _ and -' },
      ]);
    }
    return decideShortage(scope, id, body);
  }),
];
