/**
 * One typed error for everything the CRM refuses on purpose. Domain code throws it with a stable
 * `code`; only the HTTP edge (see http.ts) turns it into a status and a JSON body. Anything else
 * that escapes is an unexpected failure and is reported as 500 without internals.
 */
export type CrmErrorKind =
  | 'invalid_input' // 400: the request is malformed or fails validation
  | 'unauthenticated' // 401
  | 'forbidden' // 403: authenticated but not allowed
  | 'not_found' // 404: also used for rows the caller may not see, so existence cannot be inferred
  | 'conflict' // 409: e.g. same idempotency key with a different payload
  | 'gate_blocked' // 422: a business gate (credit, payment, pricing, contract, shipment) refuses
  | 'payload_too_large' // 413
  | 'unavailable'; // 503: a dependency (database, job queue) is down

const STATUS: Record<CrmErrorKind, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gate_blocked: 422,
  payload_too_large: 413,
  unavailable: 503,
};

export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `lines.3.meters`. */
  field: string;
  reason: string;
}

export class CrmError extends Error {
  override name = 'CrmError';
  constructor(
    readonly kind: CrmErrorKind,
    /** Stable, machine-readable, SCREAMING_SNAKE_CASE; documented in docs/errors.md. */
    readonly code: string,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }

  get status(): number {
    return STATUS[this.kind];
  }

  toJSON() {
    return {
      errors: [
        {
          message: this.message,
          extensions: { code: this.code, ...(this.fields.length ? { fields: this.fields } : {}) },
        },
      ],
    };
  }
}

export function isCrmError(error: unknown): error is CrmError {
  return error instanceof CrmError;
}

/**
 * Directus' own error handler (used for item routes, where our hooks run) recognises errors by
 * `name === 'DirectusError'` and serialises `status`, `code` and `extensions`. Hooks throw CrmErrors
 * through this adapter so that a refused item write answers like a refused custom-endpoint call.
 */
export function toDirectusError(error: CrmError): Error & { status: number; code: string; extensions: Record<string, unknown> } {
  const adapted = new Error(error.message) as Error & { status: number; code: string; extensions: Record<string, unknown> };
  adapted.name = 'DirectusError';
  adapted.status = error.status;
  adapted.code = error.code;
  adapted.extensions = error.fields.length ? { fields: error.fields } : {};
  return adapted;
}
