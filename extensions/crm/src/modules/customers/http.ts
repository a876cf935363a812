/**
 * `POST /crm/customers` (stories 1, 4, 5): a customer identity and the org's profile of it.
 */
import { z } from 'zod';
import { crmRoute, type AnyRoute } from '../../shared/http.js';
import { createCustomer, mergeCustomers } from './service.js';

const uuid = z.uuid({ message: 'must be a UUID' });

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

const CustomerMerge = z.strictObject({
  into: uuid,
  note: z.string().trim().min(1, 'is required: a merge is audited with a note').max(2000),
});

export const customerRoutes: AnyRoute[] = [
  crmRoute({ method: 'post', path: '/customers', body: NewCustomerBody, handle: (scope, { body }) => createCustomer(scope, body) }),
  // CRM admin only: merges a duplicate identity into another (docs/access-model.md).
  crmRoute({
    method: 'post',
    path: '/customers/:id/merge',
    id: 'CUSTOMER_NOT_FOUND',
    body: CustomerMerge,
    handle: (scope, { id, body }) => mergeCustomers(scope, id, body.into, body.note),
  }),
];
