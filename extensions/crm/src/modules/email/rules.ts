/**
 * The email outbox and the routing rules are written only by the CRM: item routes may read them
 * (Directus admins) but never create, change or delete a row. A hand-made email row would be one
 * nobody queued, a changed one a lie about what was sent, and a rule changed around
 * POST /crm/emails/rules would skip its audit entry.
 */
import { CrmError } from '../../shared/errors.js';

export function refuseEmailWriteThroughItems(): never {
  throw new CrmError(
    'invalid_input',
    'EMAILS_READ_ONLY',
    'emails and email routing rules are written by the CRM itself: use POST /crm/emails/rules and POST /crm/emails/:id/retry',
    [{ field: '(root)', reason: 'read-only on item routes' }],
  );
}
