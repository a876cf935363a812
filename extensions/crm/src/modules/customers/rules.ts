/**
 * Checks on customer profiles written through the item routes (a sales manager correcting the
 * name their org recorded). Pure: decided from the payload alone, so the answer is the same for
 * any profile id, reachable or not.
 */
import { CrmError } from '../../shared/errors.js';

type Payload = Record<string, unknown>;

/** The profile's legal name, when written: 2–255 characters once trimmed (stored trimmed). */
export function checkProfilePayload(payload: Payload): Payload {
  if (!('legal_name' in payload)) return payload;
  const value = payload['legal_name'];
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (trimmed.length < 2 || trimmed.length > 255) {
    const reason = 'must be 2–255 characters';
    throw new CrmError('invalid_input', 'INVALID_INPUT', `legal_name: ${reason}`, [{ field: 'legal_name', reason }]);
  }
  return { ...payload, legal_name: trimmed };
}
