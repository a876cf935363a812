/**
 * Release gates (stories 30-37, 41, 74): the business checks a PO must pass before it is released
 * to the warehouse. Pure: the service loads a ReleaseContext and asks every gate in turn; any
 * refusal stops the release with a 422 naming each gate that said no, and nothing is written.
 *
 * Who may release at all (a Sales Manager of the PO's org, or the CRM admin) is checked by the
 * service before the gates run. The gates themselves come with later issues, each as one entry of
 * RELEASE_GATES and, where it needs data, one field of ReleaseContext:
 *   - credit block (stories 29, 30): refuse while the deal is credit_blocked, unless overridden;
 *   - payment confirmation per PO (stories 31-34): cash customers, and credit customers over limit
 *     or overdue, need a manager-confirmed payment;
 *   - contract signed/waived for cash deals (story 41);
 *   - cross-ownership finance rules (story 74).
 * A manager override (story 34) will be a release with an override note: gates marked overridable
 * then pass, and po.released carries release_basis "manager_override" with the note.
 */

export interface ReleaseContext {
  orgId: string;
  dealId: string;
  creditBlocked: boolean;
}

export interface GateRefusal {
  gate: string;
  reason: string;
}

export interface ReleaseGate {
  /** Stable name, reported as the refused "field" of the 422 (e.g. gates.credit_block). */
  name: string;
  check(context: ReleaseContext): GateRefusal | null;
}

/** No gate yet besides the role check in the service; see the list above for what comes here. */
export const RELEASE_GATES: readonly ReleaseGate[] = [];

export function evaluateReleaseGates(context: ReleaseContext, gates: readonly ReleaseGate[] = RELEASE_GATES): GateRefusal[] {
  return gates.map((gate) => gate.check(context)).filter((refusal): refusal is GateRefusal => refusal !== null);
}
