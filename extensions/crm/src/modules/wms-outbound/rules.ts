/**
 * The outbox ledger is written only by the CRM's services and the delivery worker. Item routes
 * may read it (admins; sales managers of the org) but never create, change or delete a message:
 * a hand-made row would be a command the WMS never gets, a changed one a lie about what it got.
 * Retrying goes through POST /crm/outbound/:id/retry.
 */
import { CrmError } from '../../shared/errors.js';

export function refuseOutboxWriteThroughItems(): never {
  throw new CrmError(
    'invalid_input',
    'OUTBOX_READ_ONLY',
    'outbound messages are written by the CRM itself; retry one through POST /crm/outbound/:id/retry',
    [{ field: '(root)', reason: 'the outbox is read-only on item routes' }],
  );
}
