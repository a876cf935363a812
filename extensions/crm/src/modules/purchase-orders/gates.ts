/**
 * Release gates (stories 30-37, 41, 74): the business checks a PO must pass before it is released
 * to the warehouse. Pure: the service loads a ReleaseContext and asks every gate in turn; any
 * refusal stops the release with a 422 naming each gate that said no, and nothing is written.
 *
 * Who may release at all (a Sales Manager of the PO's org, or the CRM admin) is checked by the
 * service before the gates run. The gates themselves come with later issues, each as one entry of
 * RELEASE_GATES and, where it needs data, one field of ReleaseContext:
 *   - credit block (stories 29, 30): refuse while the deal is credit_blocked, unless overridden
 *     (CREDIT_BLOCK_GATE), and while the customer is overdue now (CREDIT_OVERDUE_GATE);
 *   - payment confirmation per PO (stories 31-34): cash customers, and credit customers over limit
 *     or overdue, need a manager-confirmed payment;
 *   - contract signed/waived for cash deals (story 41);
 *   - cross-ownership (stories 73, 74): one stock owner per line and the intercompany customer
 *     (STOCK_OWNER_GATE), the owner's finance rules (INTERCOMPANY_GATE, dual-grant override).
 * A manager override (story 34) will be a release with an override note: gates marked overridable
 * then pass, and po.released carries release_basis "manager_override" with the note.
 */

export interface ReleaseContext {
  orgId: string;
  dealId: string;
  creditBlocked: boolean;
  /** Overdue per currency now (credit/service.ts#creditContextForRelease), evaluated live at release. */
  overdue: ReadonlyArray<{ currency: string; amount: string }>;
  /** A Sales Manager overrode this deal's credit block (stories 18, 30). */
  creditOverridden: boolean;
  /** Story 41: the cash pack's contract status of the deal; null when the deal is no cash deal (no contract). */
  cashContract?: 'drafted' | 'sent' | 'signed_received' | 'waived' | null | undefined;
  /**
   * Payment confirmation of this PO (stories 31-34; shipment-approval/payment.ts): whether one is
   * required now and why, and whether a Sales Manager has confirmed payments covering the PO.
   * Absent where the caller evaluates no payment (PO creation).
   */
  payment?: PaymentGateContext | undefined;
  /** A Sales Manager releases this one PO by override with a reason (story 37): overridable gates pass. */
  override?: boolean | undefined;
  /**
   * Cross-ownership (stories 73, 74; shipment-approval/intercompany.ts): the PO ships stock owned by
   * the sister org. Absent or null: the selling org's own stock. Carries verdicts only, never the
   * owner's figures: the refusal reaches the buyer's users.
   */
  intercompany?: IntercompanyGateContext | null | undefined;
}

export interface IntercompanyGateContext {
  /** Lines whose reservations belong to several owners (one po.released line names one owner). */
  ambiguousLines: number;
  /** The owner org keeps no intercompany customer for the buyer: the internal deal has no customer. */
  customerMissing: boolean;
  /** The buyer is overdue as the owner's customer (story 74). */
  overdue: boolean;
  /** The buyer would be over a credit limit of the owner with this transfer counted (story 74). */
  overLimit: boolean;
}

export interface PaymentGateContext {
  /** Why a confirmed payment is required now: cash customer, over limit, overdue; empty: not required. */
  requiredBecause: readonly string[];
  confirmed: boolean;
  /** Still to cover per currency (decimal strings), shown to the manager. */
  remaining: ReadonlyArray<{ currency: string; amount: string }>;
}

export interface GateRefusal {
  gate: string;
  reason: string;
}

export interface ReleaseGate {
  /** Stable name, reported as the refused "field" of the 422 (e.g. gates.credit_block). */
  name: string;
  /** A Sales Manager's override of one PO (story 37) lets this gate pass (the payment gate). */
  overridable?: boolean;
  check(context: ReleaseContext): GateRefusal | null;
}

/** Stories 29, 30: a credit-blocked deal is neither ordered nor released until a Sales Manager clears it. */
export const CREDIT_BLOCK_GATE: ReleaseGate = {
  name: 'credit_block',
  check: (context) =>
    context.creditBlocked
      ? { gate: 'credit_block', reason: 'the deal is credit blocked (overdue or over limit); a Sales Manager override clears it' }
      : null,
};

/**
 * Story 28: overdue > 0 is a hard block, evaluated live at release (a receivable may have fallen
 * due since deal.won). A Sales Manager's override of this deal's block stands.
 */
export const CREDIT_OVERDUE_GATE: ReleaseGate = {
  name: 'credit_overdue',
  check: (context) =>
    context.overdue.length && !context.creditOverridden
      ? {
          gate: 'credit_overdue',
          reason: `the customer has overdue receivables (${context.overdue.map((o) => `${o.amount} ${o.currency}`).join(', ')}); a Sales Manager override clears it`,
        }
      : null,
};

/**
 * Story 41: a cash deal's shipment waits for its contract: signed_received (the signed copy
 * received) or waived by a Sales Manager. Not overridable here; waiving is the manager's way.
 */
export const CONTRACT_SIGNED_GATE: ReleaseGate = {
  name: 'contract_signed',
  check: (context) =>
    context.cashContract == null || context.cashContract === 'signed_received' || context.cashContract === 'waived'
      ? null
      : {
          gate: 'contract_signed',
          reason: `the cash deal's contract is ${context.cashContract}; it must be signed_received (signed copy uploaded) or waived by a Sales Manager`,
        },
};

/**
 * Stories 31-34: a cash customer's PO, and a credit customer's PO while the customer is over a
 * limit or overdue, ships only after a Sales Manager confirmed payments covering it, unless a Sales
 * Manager releases that one PO by override with a reason (story 37).
 */
export const PAYMENT_GATE: ReleaseGate = {
  name: 'payment_confirmation',
  overridable: true,
  check: (context) => {
    const payment = context.payment;
    if (!payment || !payment.requiredBecause.length || payment.confirmed) return null;
    const left = payment.remaining.filter((r) => /[1-9]/.test(r.amount));
    return {
      gate: 'payment_confirmation',
      reason:
        `payment is required (${payment.requiredBecause.join(', ')}) and not confirmed for this purchase order` +
        (left.length ? `: ${left.map((r) => `${r.amount} ${r.currency}`).join(', ')} still to confirm` : '') +
        '; a Sales Manager confirms the payments, or overrides this one purchase order with a reason',
    };
  },
};

/**
 * Story 73: a cross-owned PO is released together with its internal deal, which needs one owner
 * per line and the buyer as the owner's intercompany customer. Not overridable: without them
 * there is nothing to create.
 */
export const STOCK_OWNER_GATE: ReleaseGate = {
  name: 'stock_owner',
  check: (context) => {
    const ic = context.intercompany;
    if (!ic) return null;
    const problems = [
      ...(ic.ambiguousLines
        ? [`${ic.ambiguousLines} line(s) hold reservations of more than one stock owner; the warehouse must settle them first`]
        : []),
      ...(ic.customerMissing ? ['the stock owner keeps no intercompany customer for this org; the CRM admin sets it up'] : []),
    ];
    return problems.length ? { gate: 'stock_owner', reason: `intercompany stock: ${problems.join('; ')}` } : null;
  },
};

/**
 * Story 74: the stock owner's finance rules: the buyer, as the owner's intercompany customer, is
 * overdue or would be over its limit with this transfer. Overridable only by a manager holding
 * the override in both orgs (checked by the release, not here). Names no figure and no org.
 */
export const INTERCOMPANY_GATE: ReleaseGate = {
  name: 'intercompany',
  overridable: true,
  check: (context) => {
    const ic = context.intercompany;
    if (!ic || (!ic.overdue && !ic.overLimit)) return null;
    const why = [...(ic.overdue ? ['overdue'] : []), ...(ic.overLimit ? ['over its credit limit with this transfer'] : [])];
    return {
      gate: 'intercompany',
      reason: `the stock owner's finance rules block this intercompany shipment (this org as intercompany customer: ${why.join(', ')}); a manager granted in both orgs may override it with a reason`,
    };
  },
};

/** The gates of every release, in order; later issues add theirs (see the list above). */
export const RELEASE_GATES: readonly ReleaseGate[] = [
  CREDIT_BLOCK_GATE,
  CREDIT_OVERDUE_GATE,
  CONTRACT_SIGNED_GATE,
  PAYMENT_GATE,
  STOCK_OWNER_GATE,
  INTERCOMPANY_GATE,
];

/** The gates of creating a PO (story 30): the credit block only. */
export const CREATE_GATES: readonly ReleaseGate[] = [CREDIT_BLOCK_GATE];

export function evaluateReleaseGates(context: ReleaseContext, gates: readonly ReleaseGate[] = RELEASE_GATES): GateRefusal[] {
  return gates
    .filter((gate) => !(context.override && gate.overridable))
    .map((gate) => gate.check(context))
    .filter((refusal): refusal is GateRefusal => refusal !== null);
}

/** The gates an override of this PO would let pass now (what the override is the basis for). */
export function overriddenGates(context: ReleaseContext, gates: readonly ReleaseGate[] = RELEASE_GATES): GateRefusal[] {
  return gates
    .filter((gate) => gate.overridable)
    .map((gate) => gate.check({ ...context, override: false }))
    .filter((refusal): refusal is GateRefusal => refusal !== null);
}

/**
 * Whether a manager's override of one PO (story 37) would release it, read from the refusals a
 * page shows: at least one gate blocks, and every blocking gate is overridable. The pages offer
 * the Override action by this rule, the release enforces it (a 409 otherwise).
 */
export function overridableByManager(refusals: ReadonlyArray<{ gate: string }>, gates: readonly ReleaseGate[] = RELEASE_GATES): boolean {
  const overridable = new Set(gates.filter((gate) => gate.overridable).map((gate) => gate.name));
  return refusals.length > 0 && refusals.every((refusal) => overridable.has(refusal.gate));
}
