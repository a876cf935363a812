/**
 * Supply tracking (story 11): docs/supply-and-shortages.md. The read reports its SQL statement
 * count in Server-Timing (constant whatever the number of supplies).
 */
import { z } from 'zod';
import { auditNote, pageQuery, pageRead, post, uuid, type AnyRoute } from '../../shared/http.js';
import { MILESTONES, SUPPLY_TYPES } from './rules.js';
import { decideSupplyRequest, readSupply, requestSupply, updateSupplyRequest } from './service.js';

const note = auditNote('the change is audited with a note');
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'is a date YYYY-MM-DD')
  .refine(
    (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    'is not a calendar date',
  );
const details = {
  supplier_name: z.string().trim().min(1).max(200).nullable().optional(),
  eta_date: isoDate.nullable().optional(),
  eta_text: z.string().trim().min(1).max(200).nullable().optional(),
  supply_id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'is the WMS supply id: 1-40 characters of A-Z, a-z, 0-9, _ and -')
    .nullable()
    .optional(),
};
const RequestBody = z.strictObject({
  deal_line_id: uuid,
  supply_type: z.enum(SUPPLY_TYPES),
  meters: z
    .string()
    .regex(/^\d{1,12}(\.\d{1,2})?$/, 'is a number of meters with at most two decimals')
    .optional(),
  note,
});
const DecideBody = z.strictObject({ decision: z.enum(['create', 'reject']), note, ...details });
const UpdateBody = z.strictObject({ status: z.enum([...MILESTONES, 'cancelled']).optional(), note, ...details });
const PageQuery = z.strictObject({
  source: z.enum(['all', 'wms', 'crm']).default('all'),
  state: z.enum(['open', 'all']).default('open'),
  eta_near: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  ...pageQuery({ max: 200, default: 50 }),
});

export const supplyRoutes: AnyRoute[] = [
  pageRead('/supply', PageQuery, readSupply),
  post('/supply/requests', { status: 201, body: RequestBody }, (scope, { body }) => requestSupply(scope, body)),
  post('/supply/requests/:id/decide', { id: 'SUPPLY_REQUEST_NOT_FOUND', body: DecideBody }, (scope, { id, body }) =>
    decideSupplyRequest(scope, id, body),
  ),
  post('/supply/requests/:id/update', { id: 'SUPPLY_REQUEST_NOT_FOUND', body: UpdateBody }, (scope, { id, body }) =>
    updateSupplyRequest(scope, id, body),
  ),
];
