/**
 * Customer price agreements (story 39), mounted by the crm endpoint:
 * `POST /crm/customer-price-agreements`, `PATCH /crm/customer-price-agreements/:id`, and the
 * import pipeline's routes under `/crm/pricing/customer-price-import*`.
 */
import { z } from 'zod';
import { auditNote, patch, post, uuid, type AnyRoute } from '../../shared/http.js';
import { importRoutes } from '../../shared/imports/http.js';
import { customerPriceImports, changeAgreement, createAgreement } from './agreements-service.js';
import { price } from './http.js';
import { CURRENCIES } from './input-rules.js';

const note = auditNote('every change of a customer price is audited with a note');
const day = z.iso.date({ message: 'must be a date, e.g. 2026-03-01' });

export const NewAgreementBody = z
  .strictObject({
    customer_profile_id: uuid,
    quality_id: uuid,
    currency: z.enum(CURRENCIES, { message: 'must be TRY, USD or EUR' }),
    price,
    valid_from: day,
    valid_to: day.nullable().default(null),
    note,
  })
  .refine((b) => b.valid_to === null || b.valid_to >= b.valid_from, { path: ['valid_to'], message: 'must be on or after valid_from' });

export const AgreementChangeBody = z.strictObject({
  price: price.optional(),
  valid_from: day.optional(),
  valid_to: day.nullable().optional(),
  note,
});

export const customerPriceRoutes: AnyRoute[] = [
  post('/customer-price-agreements', { body: NewAgreementBody, status: 201 }, (scope, { body }) => createAgreement(scope, body)),
  patch('/customer-price-agreements/:id', { id: 'AGREEMENT_NOT_FOUND', body: AgreementChangeBody }, (scope, { id, body }) =>
    changeAgreement(scope, id, body),
  ),
  ...importRoutes(customerPriceImports, {
    template: '/pricing/customer-price-import-template',
    imports: '/pricing/customer-price-imports',
    applies: 'customer prices',
  }),
];
