/**
 * `POST /crm/customers` (stories 1, 4, 5): a customer identity and the org's profile of it.
 */
import { z } from 'zod';
import { auditNote, get, post, uuid, type AnyRoute } from '../../shared/http.js';
import { createCustomer, decidePendingCustomers, listPendingCustomers, mergeCustomers } from './service.js';

const NewCustomerBody = z.strictObject({
  legal_name: z.string().trim().min(2, 'must be at least 2 characters').max(255),
  tax_number: z
    .string()
    .trim()
    .regex(/^[A-Z0-9]{6,32}$/, 'must be 6–32 upper-case letters or digits, no spaces'),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code, e.g. TR')
    .nullable()
    .optional(),
  contacts: z
    .array(
      z.strictObject({
        name: z.string().trim().min(1, 'is required'),
        email: z.email({ message: 'must be an email address' }).optional(),
        phone: z.string().max(32).optional(),
        role: z.string().max(64).optional(),
      }),
    )
    .max(20)
    .optional(),
  profile: z.strictObject({
    org_id: uuid.optional(),
    payment_mode: z.enum(['cash', 'credit'], { message: 'must be cash or credit' }),
    billing_address: z.string().max(2000).nullable().optional(),
    shipping_address: z.string().max(2000).nullable().optional(),
    grace_days: z.number().int('must be a whole number').min(0).max(365).optional(),
  }),
});

const ReviewDecisionBody = z.strictObject({
  ids: z.array(uuid).min(1, 'name at least one customer').max(200, 'at most 200 customers at once'),
  decision: z.enum(['approve', 'reject', 'merge'], { message: 'must be approve, reject or merge' }),
  into: uuid.optional(),
  note: auditNote('a review decision is audited with a note'),
});

const CustomerMerge = z.strictObject({
  into: uuid,
  note: auditNote('a merge is audited with a note'),
});

export const customerRoutes: AnyRoute[] = [
  post('/customers', { body: NewCustomerBody }, (scope, { body }) => createCustomer(scope, body)),
  // CRM admin only: merges a duplicate identity into another (docs/access-model.md).
  post('/customers/:id/merge', { id: 'CUSTOMER_NOT_FOUND', body: CustomerMerge }, (scope, { id, body }) =>
    mergeCustomers(scope, id, body.into, body.note),
  ),
  // Customers Pending Review (stories 54, 60): the queue on /credit, decided by Sales Managers.
  get('/customers/pending-review', (scope) => listPendingCustomers(scope)),
  post('/customers/pending-review/decisions', { body: ReviewDecisionBody }, (scope, { body }) =>
    decidePendingCustomers(scope, [...new Set(body.ids)], body.decision, body.note, body.into),
  ),
];
