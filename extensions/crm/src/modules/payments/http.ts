/**
 * `/crm/payments*` and `/crm/receivables` (stories 13, 15): the payments ledger. Append-only:
 * a payment is reversed with a note, never edited or deleted.
 */
import { z } from 'zod';
import { IsoDate } from '@crm/contract/primitives';
import { auditNote, get, pageQuery, post, uuid, type AnyRoute } from '../../shared/http.js';
import { Currency, PositiveMoney } from '../credit/http.js';
import { PAYMENT_METHODS } from './repository.js';
import { readLedger, recordPayment, recordReceivable, reversePayment, reverseReceivable } from './service.js';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

const PaymentBody = z.strictObject({
  customer_profile_id: uuid,
  currency: Currency,
  amount: PositiveMoney,
  value_date: IsoDate,
  method: z.enum(PAYMENT_METHODS, { message: `must be one of ${PAYMENT_METHODS.join(', ')}` }),
  reference: text(120),
  proforma_ref: text(120).optional(),
  po_id: uuid.optional(),
  note: text(2000).optional(),
});
const ReverseBody = z.strictObject({ note: auditNote('a reversal is audited with a note') });
const ReceivableBody = z.strictObject({
  customer_profile_id: uuid,
  currency: Currency,
  amount: PositiveMoney,
  due_date: IsoDate,
  kind: z.enum(['opening_balance', 'invoice', 'proforma'], { message: 'must be opening_balance, invoice or proforma' }),
  reference: text(120),
  deal_id: uuid.optional(),
  po_id: uuid.optional(),
  note: text(2000).optional(),
});
const LedgerQuery = z.strictObject({
  org_id: uuid.optional(),
  customer_profile_id: uuid.optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
  ...pageQuery({ max: 500, default: 100 }),
});

export const paymentRoutes: AnyRoute[] = [
  get('/payments', { query: LedgerQuery }, (scope, { query }) => readLedger(scope, query)),
  post('/payments', { body: PaymentBody, status: 201 }, (scope, { body }) => recordPayment(scope, body)),
  post('/payments/:id/reverse', { id: 'PAYMENT_NOT_FOUND', body: ReverseBody, status: 201 }, (scope, { id, body }) =>
    reversePayment(scope, id, body.note),
  ),
  post('/receivables', { body: ReceivableBody, status: 201 }, (scope, { body }) => recordReceivable(scope, body)),
  post('/receivables/:id/reverse', { id: 'RECEIVABLE_NOT_FOUND', body: ReverseBody, status: 201 }, (scope, { id, body }) =>
    reverseReceivable(scope, id, body.note),
  ),
];
