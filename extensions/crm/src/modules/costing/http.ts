/**
 * `/crm/costing/*` routes (stories 75-79, docs/costing.md): the Costing role's writes and reads.
 */
import { z } from 'zod';
import { isDecimalString, isPositiveDecimal } from '@crm/contract/decimal';
import { IsoDate, QualityCode } from '@crm/contract/primitives';
import { get, orEmpty, post, uuid, type AnyRoute } from '../../shared/http.js';
import { profitabilityWorkbook, valuationWorkbook, XLSX_CONTENT_TYPE } from './exports.js';
import { captureInvoice, matchReceipt, postAdjustment, readProfitability, readValuation, runCostingNow } from './service.js';

const positive = (pattern: RegExp, example: string) =>
  z
    .string({ message: `must be a decimal string, e.g. "${example}"` })
    .regex(pattern, `must be a decimal string, e.g. "${example}"`)
    .refine((v) => !isDecimalString(v) || isPositiveDecimal(v), 'must be greater than zero');
const Meters = positive(/^\d{1,9}(\.\d{1,2})?$/, '250.50');
const UnitPrice = positive(/^\d{1,10}(\.\d{1,4})?$/, '2.4500');
const Amount = positive(/^\d{1,15}(\.\d{1,2})?$/, '3000.00');
const FxRate = positive(/^\d{1,8}(\.\d{1,6})?$/, '34.123400');
const Currency = z.enum(['TRY', 'USD', 'EUR'], { message: 'must be one of TRY, USD, EUR' });
const note = z.string().trim().min(1, 'must not be empty').max(2000);

const NewInvoice = z.strictObject({
  org_id: uuid,
  kind: z.enum(['invoice', 'credit_note']).default('invoice'),
  credits_invoice_id: uuid.optional(),
  supplier_name: z.string().trim().min(1).max(200),
  invoice_number: z.string().trim().min(1).max(64),
  invoice_date: IsoDate,
  currency: Currency,
  fx_rate: FxRate.optional(),
  fx_rate_note: note.optional(),
  lines: z
    .array(z.strictObject({ quality_code: QualityCode, meters: Meters, unit_price: UnitPrice }))
    .min(1, 'an invoice has at least one line')
    .max(500),
});

const MatchBody = z.strictObject({ receipt_id: z.string().trim().min(1).max(40), note: note.optional() });

const NewAdjustment = z.strictObject({
  org_id: uuid,
  kind: z.enum(['duty', 'freight', 'other'], { message: 'must be one of duty, freight, other' }),
  basis: z.enum(['value', 'meters'], { message: 'must be value or meters' }),
  currency: Currency,
  amount: Amount,
  fx_rate: FxRate.optional(),
  note: note,
  receipt_ids: z.array(z.string().trim().min(1).max(40)).min(1, 'name the receipts it concerns').max(500),
});

const ValuationQuery = z.strictObject({
  as_of: z.iso
    .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone' })
    .transform((v) => new Date(v))
    .optional(),
});

export const costingRoutes: AnyRoute[] = [
  post('/costing/invoices', { body: NewInvoice, status: 201 }, (scope, { body }) => captureInvoice(scope, body)),
  post('/costing/invoice-lines/:id/match', { id: 'INVOICE_LINE_NOT_FOUND', body: MatchBody }, (scope, { id, body }) =>
    matchReceipt(scope, id, body.receipt_id, body.note),
  ),
  post('/costing/adjustments', { body: NewAdjustment, status: 201 }, (scope, { body }) => postAdjustment(scope, body)),
  post('/costing/run', { body: orEmpty(z.strictObject({})) }, (scope) => runCostingNow(scope)),
  get('/costing/valuation', { query: ValuationQuery }, (scope, { query }) => readValuation(scope, query.as_of ?? new Date())),
  get('/costing/valuation.xlsx', { query: ValuationQuery }, async (scope, { query }, res) => {
    const file = await valuationWorkbook(await readValuation(scope, query.as_of ?? new Date()));
    res.setHeader('content-type', XLSX_CONTENT_TYPE);
    res.setHeader('content-disposition', 'attachment; filename="valuation.xlsx"');
    res.status(200).send(file);
  }),
  get('/costing/profitability', (scope) => readProfitability(scope)),
  get('/costing/profitability.xlsx', async (scope, _input, res) => {
    const file = await profitabilityWorkbook(await readProfitability(scope));
    res.setHeader('content-type', XLSX_CONTENT_TYPE);
    res.setHeader('content-disposition', 'attachment; filename="profitability.xlsx"');
    res.status(200).send(file);
  }),
];
