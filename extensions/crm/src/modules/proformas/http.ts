/**
 * `/crm/proformas*` and `/crm/contracts*` (stories 8, 40-45): the proformas of the Org Scope, one
 * proforma with its lines and totals, the Balance Check Gate (read, acknowledge), the PDF, sending,
 * paid confirmation; contracts sent, signed_received and waived. The cash pack's waivers travel
 * with `POST /crm/deals/:id/won` (purchase-orders/http.ts).
 */
import { z } from 'zod';
import { auditNote, get, orEmpty, pageQuery, post, uuid, type AnyRoute } from '../../shared/http.js';
import { CURRENCIES, PROFORMA_STATUSES } from './rules.js';
import {
  acknowledgeBalanceCheck,
  confirmContractSigned,
  confirmProformaPaid,
  downloadProforma,
  readBalanceCheck,
  readProforma,
  readProformas,
  sendContract,
  sendProforma,
  waiveContract,
} from './service.js';

const money = z.string().regex(/^-?\d{1,16}\.\d{4}$/, 'must be an amount with four decimals, as the balance check gave it');

const ListQuery = z.strictObject({
  status: z.enum(PROFORMA_STATUSES, { message: `must be one of ${PROFORMA_STATUSES.join(', ')}` }).optional(),
  ...pageQuery({ max: 200, default: 50, maxOffset: null }),
});

const Figures = z
  .array(
    z.strictObject({
      currency: z.enum(CURRENCIES, { message: `must be one of ${CURRENCIES.join(', ')}` }),
      total_open: money,
      overdue: money,
      available_limit: money.nullable(),
      requested_new: money,
      proforma_total: money,
    }),
  )
  .max(3);
const AcknowledgeBody = z.strictObject({ figures: Figures });
const SendBody = z.strictObject({
  message: z.string().trim().min(1).max(4000).optional(),
  warning_line: z.string().max(500).optional(),
  note: auditNote().optional(),
});
const MarkPaidBody = z.strictObject({
  payment_ids: z
    .array(uuid)
    .min(1, 'name the payment ledger entries that pay this proforma')
    .max(10)
    .refine((ids) => new Set(ids).size === ids.length, 'each payment at most once'),
  note: auditNote(),
});
const NoteBody = z.strictObject({ note: auditNote().optional() });
const SignedBody = z.strictObject({ file_id: uuid, note: auditNote() });
const WaiveBody = z.strictObject({ note: auditNote() });

export const proformaRoutes: AnyRoute[] = [
  get('/proformas', { query: ListQuery }, (scope, { query }) => readProformas(scope, query)),
  get('/proformas/:id', { id: 'PROFORMA_NOT_FOUND' }, (scope, { id }) => readProforma(scope, id)),
  get('/proformas/:id/balance-check', { id: 'PROFORMA_NOT_FOUND' }, (scope, { id }) => readBalanceCheck(scope, id)),
  post('/proformas/:id/balance-check', { id: 'PROFORMA_NOT_FOUND', body: AcknowledgeBody, status: 201 }, (scope, { id, body }) =>
    acknowledgeBalanceCheck(scope, id, body.figures),
  ),
  get('/proformas/:id/pdf', { id: 'PROFORMA_NOT_FOUND' }, (scope, { id }, res) => downloadProforma(scope, id, res)),
  post('/proformas/:id/send', { id: 'PROFORMA_NOT_FOUND', body: orEmpty(SendBody) }, (scope, { id, body }) =>
    sendProforma(scope, id, body),
  ),
  post('/proformas/:id/mark-paid', { id: 'PROFORMA_NOT_FOUND', body: MarkPaidBody }, (scope, { id, body }) =>
    confirmProformaPaid(scope, id, body),
  ),
  post('/contracts/:id/send', { id: 'CONTRACT_NOT_FOUND', body: orEmpty(NoteBody) }, (scope, { id, body }) =>
    sendContract(scope, id, body.note ?? null),
  ),
  post('/contracts/:id/signed', { id: 'CONTRACT_NOT_FOUND', body: SignedBody }, (scope, { id, body }) =>
    confirmContractSigned(scope, id, body),
  ),
  post('/contracts/:id/waive', { id: 'CONTRACT_NOT_FOUND', body: WaiveBody }, (scope, { id, body }) => waiveContract(scope, id, body.note)),
];
