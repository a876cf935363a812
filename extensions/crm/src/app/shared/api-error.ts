/**
 * Turns what the API answered into something a person can act on: the message, the CRM code and
 * each field with its reason (CrmError bodies carry `extensions.fields`). Shared by every command
 * center (pricing, FX rates, WMS deliveries) so all show errors the same way. The server's texts
 * (and the fallbacks here, for no answer at all) stay English: the API speaks one language.
 */
export interface FieldReason {
  field: string;
  reason: string;
}

export interface ApiProblem {
  status: number | null;
  code: string | null;
  message: string;
  fields: FieldReason[];
}

interface ErrorBody {
  errors?: Array<{ message?: string; extensions?: { code?: string; fields?: FieldReason[] } }>;
}

export function apiProblem(error: unknown): ApiProblem {
  const response = (error as { response?: { status?: number; data?: ErrorBody } }).response;
  const first = response?.data?.errors?.[0];
  if (first) {
    return {
      status: response?.status ?? null,
      code: first.extensions?.code ?? null,
      message: first.message ?? 'The server refused the request.',
      fields: Array.isArray(first.extensions?.fields) ? first.extensions!.fields! : [],
    };
  }
  if (response?.status) {
    return { status: response.status, code: null, message: `The server answered ${response.status}.`, fields: [] };
  }
  // No response at all: network down, server restarting.
  return { status: null, code: null, message: (error as Error)?.message || 'The server could not be reached.', fields: [] };
}

/** The reason given for one field (exact path or its last segment, e.g. `items.0.price` → `price`). */
export function reasonFor(problem: ApiProblem | null, field: string): string | null {
  if (!problem) return null;
  const hit = problem.fields.find((f) => f.field === field || f.field.endsWith(`.${field}`));
  return hit ? hit.reason : null;
}

/** How long something has waited, in the largest unit that reads well: 12 min, 5 h, 3 d. */
export function ageParts(fromIso: string, nowIso: string): { n: number; unit: 'min' | 'h' | 'd' } {
  const minutes = Math.max(0, Math.floor((Date.parse(nowIso) - Date.parse(fromIso)) / 60_000));
  if (minutes < 60) return { n: minutes, unit: 'min' };
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return { n: hours, unit: 'h' };
  return { n: Math.floor(hours / 24), unit: 'd' };
}

export function formatDateTime(iso: string | null): string {
  if (!iso) return '–';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
