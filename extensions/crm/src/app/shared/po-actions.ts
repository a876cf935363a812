/**
 * The purchase-order actions of the command centers (stories 31-37): confirm payment, approve the
 * shipment (release to the WMS), override one PO. One set of calls and rules for every page that
 * offers them (Shipment approval, /fulfillment): the server decides, the pages only choose what to
 * offer (the same rule as the release: purchase-orders/gates.ts#overridableByManager).
 */
import { pickPayments } from '../../modules/shipment-approval/payment.js';

export type PoActionKind = 'confirm' | 'approve' | 'override';

/** What a row must carry for the actions: the PO, its payment state and the gates blocking it. */
export interface PoActionRow {
  id: string;
  payment: {
    remaining: ReadonlyArray<{ currency: string; amount: string }>;
    candidate_payments: ReadonlyArray<{ id: string; currency: string; available: string }>;
  };
}

/** One PO's answer of a bulk call (the server's ItemResult without its result). */
export interface PoActionResult {
  po_id: string;
  ok: boolean;
  code?: string;
  message?: string;
}

interface Api {
  post: (url: string, body: unknown) => Promise<{ data: { data: { results: PoActionResult[] } } }>;
}

/**
 * The customer's payments not yet counted, shared out PO after PO so that no payment is offered
 * beyond what it has (pickPayments), keyed by PO id.
 */
export function paymentPicks(rows: readonly PoActionRow[]): Map<string, string[]> {
  return pickPayments(
    rows.map((r) => ({
      id: r.id,
      remaining: r.payment.remaining,
      candidates: r.payment.candidate_payments.map((p) => ({ id: p.id, currency: p.currency, available: p.available })),
    })),
  );
}

/** One action on one PO, with the note every audited action needs (the override's reason is the note). */
export async function runPoAction(api: Api, kind: PoActionKind, row: PoActionRow, note: string): Promise<void> {
  if (kind === 'confirm') {
    await api.post(`/crm/purchase-orders/${row.id}/confirm-payment`, { payment_ids: paymentPicks([row]).get(row.id), note });
  } else {
    await api.post(`/crm/purchase-orders/${row.id}/release`, kind === 'override' ? { note, override: { reason: note } } : { note });
  }
}

/**
 * Confirms payment for each PO on its own; a PO the customer has no payment left for is answered
 * here (NO_PAYMENT_TO_CONFIRM, `noPayment` its message) without asking the server.
 */
export async function bulkConfirmPayments(
  api: Api,
  rows: readonly PoActionRow[],
  note: string,
  noPayment: string,
): Promise<PoActionResult[]> {
  const picks = paymentPicks(rows);
  const withPayments = rows.filter((r) => picks.get(r.id)?.length);
  const without = rows
    .filter((r) => !picks.get(r.id)?.length)
    .map((r): PoActionResult => ({ po_id: r.id, ok: false, code: 'NO_PAYMENT_TO_CONFIRM', message: noPayment }));
  if (!withPayments.length) return without;
  const response = await api.post('/crm/purchase-orders/confirm-payment', {
    items: withPayments.map((r) => ({ po_id: r.id, payment_ids: picks.get(r.id), note })),
  });
  return [...response.data.data.results, ...without];
}

/** Approves (releases) each PO on its own. */
export async function bulkRelease(api: Api, ids: readonly string[], note: string): Promise<PoActionResult[]> {
  return (await api.post('/crm/purchase-orders/release', { ids: [...ids], note })).data.data.results;
}

/** What is still owed per currency while a payment is pending or partial (shown under the status). */
export function stillOwed(payment: { status: string; remaining: ReadonlyArray<{ currency: string; amount: string }> }) {
  return payment.status === 'pending' || payment.status === 'partial' ? payment.remaining.filter((x) => /[1-9]/.test(x.amount)) : [];
}
