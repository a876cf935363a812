/**
 * Maps the refusals raised by the triggers in schema-snapshots/constraints/ to CrmErrors. Their
 * messages start with a stable code: "CRM_CROSS_ORG_REFERENCE: <reason>".
 */
import { CrmError } from '../../shared/errors.js';

const CRM_MESSAGE = /^CRM_([A-Z_]+): (.+)$/s;

export function crmErrorFromDatabase(error: unknown): CrmError | null {
  const message = (error as { message?: unknown })?.message;
  if (typeof message !== 'string') return null;
  // knex prefixes the SQL text: "insert into ... - CRM_X: reason"
  const tail = message.includes(' - CRM_') ? message.slice(message.indexOf(' - CRM_') + 3) : message;
  const match = CRM_MESSAGE.exec(tail);
  if (!match) return null;
  return new CrmError('invalid_input', match[1]!, match[2]!);
}
