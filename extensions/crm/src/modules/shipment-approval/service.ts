/**
 * Payment confirmation per PO and the unified shipment approval screen (stories 31-38).
 *
 * - Confirm payment (single and bulk): a Sales Manager of the PO's org references ledger payments
 *   of the PO's customer; each counts for what the PO still needs in its currency (payment.ts).
 *   One transaction per PO: the PO locked, then the customer's credit account (the lock payments
 *   take), so two confirmations never count one payment twice. Audited with the payments and the
 *   price snapshots the PO's value was computed with; a PO that becomes ready sends
 *   `shipment_approval_needed`.
 * - Approve shipment (single: purchase-orders/service.ts#releasePurchaseOrder; bulk here): each PO
 *   decided on its own, one refusal never stops the others, the answer lists each.
 * - The screen: the POs awaiting approval in the Org Scope, with payment and credit context, every
 *   gate that still blocks and the next action, in a constant number of statements.
 */
import { randomUUID } from 'node:crypto';
import { addDecimals } from '@crm/contract/decimal';
import { writeAudit } from '../../shared/audit.js';
import { CrmError, isCrmError } from '../../shared/errors.js';
import { readInSnapshot } from '../../shared/statements.js';
import type { RequestScope } from '../../shared/services.js';
import { creditToday } from '../credit/service.js';
import { exposureRows, type ExposureRow } from '../credit/repository.js';
import { isOverdue } from '../credit/exposure.js';
import { requireAccess } from '../orgs/require-access.js';
import { evaluateReleaseGates, type GateRefusal } from '../purchase-orders/gates.js';
import { loadPurchaseOrder } from '../purchase-orders/repository.js';
import { releaseContextOf, releasePurchaseOrdersBulk, type PurchaseOrderView } from '../purchase-orders/service.js';
import { lockCreditAccount } from '../credit/repository.js';
import { announceReadyForApproval, paymentOfPurchaseOrder } from './context.js';
import { intercompanyOf, type IntercompanyFacts } from './intercompany-service.js';
import {
  coverage,
  nextAction,
  paymentRequiredBecause,
  paymentStatus,
  planConfirmation,
  type Coverage,
  type CurrencyAmount,
  type NextAction,
  type PaymentStatus,
} from './payment.js';
import {
  awaitingApproval,
  awaitingCount,
  candidatePayments,
  insertConfirmations,
  paymentsForConfirmation,
  priceSnapshotsUsed,
  purchaseOrdersCovered,
  purchaseOrdersDue,
  type AwaitingRow,
  type CandidatePayment,
} from './repository.js';

function fieldError(kind: ConstructorParameters<typeof CrmError>[0], code: string, field: string, reason: string): CrmError {
  return new CrmError(kind, code, `${field}: ${reason}`, [{ field, reason }]);
}

// ---------------------------------------------------------------------------------------------
// confirm payment

export interface PaymentConfirmationInput {
  payment_ids: string[];
  note: string;
}

export interface ConfirmedPayment {
  po_id: string;
  code: string;
  payment_status: PaymentStatus;
  due: CurrencyAmount[];
  covered: CurrencyAmount[];
  remaining: CurrencyAmount[];
  counted: Array<{ payment_id: string; currency: string; amount: string }>;
  /** Nothing blocks the shipment approval any more. */
  ready: boolean;
  blocking_gates: GateRefusal[];
  confirmed_at: string;
}

export async function confirmPurchaseOrderPayment(
  scope: RequestScope,
  poId: string,
  input: PaymentConfirmationInput,
): Promise<ConfirmedPayment> {
  const actor = await requireAccess(scope, {
    org: async () => (await loadPurchaseOrder(scope.database, poId))?.org_id,
    capability: 'payment.confirm',
    notFound: () => fieldError('not_found', 'PURCHASE_ORDER_NOT_FOUND', 'id', 'no such purchase order, or you may not do this there'),
    forbidden: () =>
      fieldError('forbidden', 'PAYMENT_CONFIRM_NOT_ALLOWED', 'id', 'only a Sales Manager of this org confirms payment of purchase orders'),
  });
  return scope.database.transaction(async (trx) => {
    const po = (await loadPurchaseOrder(trx, poId, true))!;
    if (po.status !== 'draft') {
      throw fieldError('conflict', 'PURCHASE_ORDER_NOT_AWAITING', 'id', `a ${po.status} purchase order awaits no payment confirmation`);
    }
    await lockCreditAccount(trx, po.customer_profile_id);
    const found = new Map((await paymentsForConfirmation(trx, input.payment_ids)).map((p) => [p.id, p]));
    const referenced = input.payment_ids.map((id, index) => {
      const payment = found.get(id);
      // Another org's payment is answered exactly like one that does not exist.
      if (!payment || payment.org_id !== po.org_id || payment.kind !== 'payment') {
        throw fieldError('invalid_input', 'PAYMENT_NOT_FOUND', `payment_ids.${index}`, 'no such payment in the ledger of this org');
      }
      if (payment.customer_profile_id !== po.customer_profile_id) {
        throw fieldError(
          'gate_blocked',
          'PAYMENT_OF_ANOTHER_CUSTOMER',
          `payment_ids.${index}`,
          "the payment is not this purchase order's customer's",
        );
      }
      if (payment.reversed) throw fieldError('gate_blocked', 'PAYMENT_REVERSED', `payment_ids.${index}`, 'the payment was reversed');
      return { id: payment.id, currency: payment.currency, available: payment.available };
    });
    const before = await paymentOfPurchaseOrder(trx, po);
    if (before.coverage.confirmed) {
      throw fieldError('conflict', 'PAYMENT_ALREADY_CONFIRMED', 'id', 'the payment of this purchase order is confirmed already');
    }
    const plan = planConfirmation(before.coverage.remaining, referenced);
    if (plan.problems.length) {
      throw new CrmError(
        'gate_blocked',
        'PAYMENT_NOT_APPLICABLE',
        `payment_ids: ${plan.problems.map((p) => `${p.index}: ${p.reason}`).join('; ')}`,
        plan.problems.map((p) => ({ field: `payment_ids.${p.index}`, reason: p.reason })),
      );
    }
    const at = new Date();
    await insertConfirmations(
      trx,
      plan.rows.map((row) => ({
        ...row,
        id: randomUUID(),
        org_id: po.org_id,
        po_id: po.id,
        customer_profile_id: po.customer_profile_id,
        note: input.note,
        confirmed_by: actor.userId,
        confirmed_at: at,
      })),
    );
    const after = coverage(before.coverage.due, [...before.coverage.covered, ...plan.rows]);
    const status = paymentStatus(before.requiredBecause, after);
    const context = await releaseContextOf(trx, po);
    const blocking = evaluateReleaseGates(context);
    await writeAudit(trx, [
      {
        orgId: po.org_id,
        at,
        actor: actor.userId,
        action: 'purchase_order.payment_confirmed',
        collection: 'purchase_orders',
        entityId: po.id,
        note: input.note,
        details: {
          code: po.code,
          payments: plan.rows,
          due: after.due,
          remaining: after.remaining,
          payment_status: status,
          required_because: before.requiredBecause,
          price_snapshots: await priceSnapshotsUsed(trx, po.id),
        },
      },
    ]);
    if (!blocking.length) await announceReadyForApproval(trx, po, status);
    return {
      po_id: po.id,
      code: po.code,
      payment_status: status,
      due: after.due,
      covered: sumByCurrency(after.covered),
      remaining: after.remaining,
      counted: plan.rows,
      ready: !blocking.length,
      blocking_gates: blocking,
      confirmed_at: at.toISOString(),
    };
  });
}

function sumByCurrency(amounts: readonly CurrencyAmount[]): CurrencyAmount[] {
  const sums = new Map<string, string>();
  for (const a of amounts) sums.set(a.currency, addDecimals(sums.get(a.currency) ?? '0', a.amount));
  return [...sums].map(([currency, amount]) => ({ currency, amount }));
}

// ---------------------------------------------------------------------------------------------
// bulk: each PO decided on its own

export type ItemResult<T> =
  | ({ po_id: string; ok: true } & { result: T })
  | { po_id: string; ok: false; status: number; code: string; message: string; fields: Array<{ field: string; reason: string }> };

export interface BulkResult<T> {
  results: Array<ItemResult<T>>;
  succeeded: number;
  refused: number;
}

async function eachOnItsOwn<T>(ids: readonly string[], run: (id: string, index: number) => Promise<T>): Promise<BulkResult<T>> {
  const results: Array<ItemResult<T>> = [];
  for (const [index, poId] of ids.entries()) {
    try {
      results.push({ po_id: poId, ok: true, result: await run(poId, index) });
    } catch (error) {
      if (!isCrmError(error)) throw error;
      results.push({ po_id: poId, ok: false, status: error.status, code: error.code, message: error.message, fields: [...error.fields] });
    }
  }
  const succeeded = results.filter((r) => r.ok).length;
  return { results, succeeded, refused: results.length - succeeded };
}

/** Story 37: confirm payment of many POs; each is its own transaction and its own answer. */
export async function confirmPaymentsBulk(
  scope: RequestScope,
  items: ReadonlyArray<{ po_id: string; payment_ids: string[]; note: string }>,
): Promise<BulkResult<ConfirmedPayment>> {
  await requireAnyOrg(scope, 'payment.confirm', 'PAYMENT_CONFIRM_NOT_ALLOWED', 'only Sales Managers confirm payment of purchase orders');
  return eachOnItsOwn(
    items.map((i) => i.po_id),
    (poId, index) => confirmPurchaseOrderPayment(scope, poId, items[index]!),
  );
}

/**
 * Story 37: approve shipment of many POs (no override in bulk); each PO decided on its own and
 * answered on its own, the releases written set-based (purchase-orders/service.ts#releasePurchaseOrdersBulk).
 */
export async function releaseBulk(scope: RequestScope, ids: readonly string[], note: string): Promise<BulkResult<PurchaseOrderView>> {
  const access = await requireAnyOrg(scope, 'approval.decide_sales', 'RELEASE_NOT_ALLOWED', 'only Sales Managers approve shipments');
  const results = await releasePurchaseOrdersBulk(scope, access, ids, note);
  const succeeded = results.filter((r) => r.ok).length;
  return { results, succeeded, refused: results.length - succeeded };
}

/** A role that holds the capability nowhere is refused as a whole (403), before any PO is looked at. */
async function requireAnyOrg(scope: RequestScope, capability: 'payment.confirm' | 'approval.decide_sales', code: string, why: string) {
  return requireAccess(scope, { in: 'granted', capability, forbidden: () => new CrmError('forbidden', code, why) });
}

// ---------------------------------------------------------------------------------------------
// the screen (stories 35, 36)

export interface ApprovalRow {
  id: string;
  code: string;
  org_id: string;
  org_code: string;
  deal_id: string;
  deal_code: string;
  customer_profile_id: string;
  customer_name: string;
  ship_date: string;
  payment_mode: string;
  credit: {
    blocked: boolean;
    block_status: string | null;
    per_currency: Array<Pick<ExposureRow, 'currency' | 'credit_limit' | 'exposure' | 'overdue' | 'over_limit'>>;
  };
  payment: {
    status: PaymentStatus;
    required_because: string[];
    due: CurrencyAmount[];
    covered: CurrencyAmount[];
    remaining: CurrencyAmount[];
    candidate_payments: Array<Omit<CandidatePayment, 'customer_profile_id'>>;
  };
  /** Contract status of a cash deal (story 41: signed_received or waived lets it ship); null without one. */
  contract: AwaitingRow['contract_status'];
  /** Story 73: the PO ships the sister org's stock (never which org: GET /crm/purchase-orders/:id/stock-owners). */
  intercompany: boolean;
  blocking_gates: GateRefusal[];
  next_action: NextAction;
}

export interface ShipmentApprovalPage {
  orgs: string[];
  today: string;
  total: number;
  limit: number;
  offset: number;
  counts: Record<'ready' | 'payment_pending' | 'credit_blocked', number>;
  may: { confirm_payment: boolean; approve: boolean; override: boolean };
  rows: ApprovalRow[];
  statements: number;
  ms: number;
}

/**
 * The POs awaiting shipment approval in the Org Scope (one page) with everything the manager
 * decides on. Six statements whatever the number of POs, deals or payments (plus the caller's
 * grants): the page, its total, exposure of its customers, what the page's POs are due and covered, and the
 * customers' open payments; the gates are the release's own pure gates on that data.
 */
export async function readShipmentApproval(scope: RequestScope, query: { limit: number; offset: number }): Promise<ShipmentApprovalPage> {
  const access = await requireAccess(scope, {
    in: 'org_scope',
    capability: 'approval.decide_sales',
    forbidden: () =>
      new CrmError(
        'forbidden',
        'SHIPMENT_APPROVAL_NOT_ALLOWED',
        'only Sales Managers see the shipment approval of the orgs of your Org Scope',
      ),
  });
  const today = creditToday();
  const counted = await readInSnapshot(scope.database, async (trx) => {
    const page = await awaitingApproval(trx, access.orgIds, query.limit, query.offset);
    const total = await awaitingCount(trx, access.orgIds);
    const poIds = page.map((r) => r.id);
    const profileIds = [...new Set(page.map((r) => r.customer_profile_id))];
    const exposure = profileIds.length ? await exposureRows(trx, { orgIds: access.orgIds, profileIds, today }) : [];
    const due = await purchaseOrdersDue(trx, poIds);
    const covered = await purchaseOrdersCovered(trx, poIds);
    const candidates = await candidatePayments(trx, profileIds);
    // Stories 73, 74: which POs ship the sister org's stock, and the owner's verdict (no figures).
    const intercompany = await intercompanyOf(trx, page);
    return { page, total, exposure, due, covered, candidates, intercompany };
  });
  const { page, total, exposure, due, covered, candidates, intercompany } = counted.result;
  const rows = page.map((row) => assembleRow(row, exposure, due, covered, candidates, intercompany.get(row.id) ?? null));
  const inAny = (capability: Parameters<typeof access.may>[0]) => access.admin || access.orgIds.some((org) => access.may(capability, org));
  return {
    orgs: access.orgIds,
    today,
    total,
    limit: query.limit,
    offset: query.offset,
    counts: {
      ready: rows.filter((r) => !r.blocking_gates.length).length,
      payment_pending: rows.filter((r) => r.blocking_gates.some((g) => g.gate === 'payment_confirmation')).length,
      credit_blocked: rows.filter((r) => r.credit.blocked).length,
    },
    may: { confirm_payment: inAny('payment.confirm'), approve: inAny('approval.decide_sales'), override: inAny('shipment.override') },
    rows,
    statements: counted.statements,
    ms: counted.ms,
  };
}

/** One PO of the screen with its gates and next action (also the /fulfillment payment and shipment tabs). */
export function assembleRow(
  row: AwaitingRow,
  exposure: readonly ExposureRow[],
  due: ReadonlyArray<CurrencyAmount & { po_id: string }>,
  covered: ReadonlyArray<CurrencyAmount & { po_id: string }>,
  candidates: readonly CandidatePayment[],
  intercompany: IntercompanyFacts | null,
): ApprovalRow {
  const mine = exposure.filter((e) => e.customer_profile_id === row.customer_profile_id);
  const requiredBecause = paymentRequiredBecause(row.payment_mode, mine);
  const cover: Coverage = coverage(
    due.filter((d) => d.po_id === row.id).map(({ currency, amount }) => ({ currency, amount })),
    covered.filter((c) => c.po_id === row.id).map(({ currency, amount }) => ({ currency, amount })),
  );
  const dueCurrencies = new Set(cover.due.map((d) => d.currency));
  const open = candidates
    .filter((c) => c.customer_profile_id === row.customer_profile_id && dueCurrencies.has(c.currency))
    .map(({ customer_profile_id: _profile, ...c }) => c);
  const blocking = evaluateReleaseGates({
    orgId: row.org_id,
    dealId: row.deal_id,
    creditBlocked: row.credit_blocked,
    overdue: mine.filter((r) => isOverdue(r.overdue)).map((r) => ({ currency: r.currency, amount: r.overdue })),
    creditOverridden: row.credit_block_status === 'overridden',
    cashContract: row.contract_status,
    payment: { requiredBecause, confirmed: cover.confirmed, remaining: cover.remaining },
    intercompany: intercompany?.gate ?? null,
  });
  return {
    id: row.id,
    code: row.code,
    org_id: row.org_id,
    org_code: row.org_code,
    deal_id: row.deal_id,
    deal_code: row.deal_code,
    customer_profile_id: row.customer_profile_id,
    customer_name: row.customer_name,
    ship_date: row.ship_date,
    payment_mode: row.payment_mode,
    credit: {
      blocked: row.credit_blocked,
      block_status: row.credit_block_status,
      per_currency: mine.map((e) => ({
        currency: e.currency,
        credit_limit: e.credit_limit,
        exposure: e.exposure,
        overdue: e.overdue,
        over_limit: e.over_limit,
      })),
    },
    payment: {
      status: paymentStatus(requiredBecause, cover),
      required_because: requiredBecause,
      due: cover.due,
      covered: cover.covered,
      remaining: cover.remaining,
      candidate_payments: open,
    },
    contract: row.contract_status,
    intercompany: intercompany !== null,
    blocking_gates: blocking,
    next_action: nextAction(
      blocking.map((g) => g.gate),
      open.length,
    ),
  };
}
