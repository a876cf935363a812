/**
 * The credit gate on item routes (stories 29, 30): REST, GraphQL and batch writes of purchase
 * orders. Item routes never create or release a PO (purchase-orders/rules.ts refuses both for
 * everyone); for a credit-blocked deal the refusal is the gate's own 422 with the gate name, as on
 * /crm/purchase-orders. The 422 is given only where the caller holds a grant in the deal's org:
 * anywhere else the answer stays the generic one, so nothing about other orgs' deals shows.
 *
 * A deal's credit_blocked changes only through deal.won and the Sales Manager override (trusted
 * writes skip these hooks); item routes refuse it for everyone, admins included.
 */
import type { Knex } from 'knex';
import { CrmError } from '../../shared/errors.js';
import { actorOf, type Accountability } from '../../shared/directus.js';
import { isUuid, relatedId } from '../../shared/ids.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { CREDIT_BLOCK_GATE, evaluateReleaseGates } from '../purchase-orders/gates.js';
import { loadPurchaseOrders, type PurchaseOrderRow } from '../purchase-orders/repository.js';
import { releaseContextsOf } from '../purchase-orders/service.js';
import { loadCreditDeal } from './repository.js';

type Payload = Record<string, unknown>;

const REASON = 'the deal is credit blocked (overdue or over limit); a Sales Manager override clears it';

function gate(code: 'CREDIT_BLOCKED'): CrmError {
  const field = `gates.${CREDIT_BLOCK_GATE.name}`;
  return new CrmError('gate_blocked', code, `${field}: ${REASON}`, [{ field, reason: REASON }]);
}

async function visible(db: Knex, accountability: Accountability | null, orgIds: readonly string[]): Promise<boolean> {
  const actor = actorOf(accountability);
  if (actor.kind !== 'user') return true;
  const { grants } = await loadUserOrgContext(db, actor.userId);
  return orgIds.some((org) => grants.some((g) => g.orgId === org));
}

/** purchase_orders.items.create */
export async function creditGateOnPurchaseOrderCreate(payload: Payload, db: Knex, accountability: Accountability | null): Promise<Payload> {
  const dealId = relatedId(payload['deal_id']);
  if (!isUuid(dealId)) return payload;
  const deal = await loadCreditDeal(db, dealId);
  if (deal?.credit_blocked && (await visible(db, accountability, [deal.org_id]))) throw gate('CREDIT_BLOCKED');
  return payload;
}

/**
 * purchase_orders.items.update releasing a PO: the release gates (credit block, overdue evaluated
 * live, payment confirmation), as POST /crm/purchase-orders/:id/release evaluates them.
 */
export async function creditGateOnPurchaseOrderUpdate(
  payload: Payload,
  keys: string[],
  db: Knex,
  accountability: Accountability | null,
): Promise<Payload> {
  if (payload['status'] !== 'released') return payload;
  // One set-based load for every key: the POs, the caller's grants, the gates' context.
  const ids = keys.filter(isUuid);
  const found = new Map((await loadPurchaseOrders(db, ids)).map((po) => [po.id, po]));
  if (!found.size) return payload;
  const actor = actorOf(accountability);
  const grants = actor.kind === 'user' ? (await loadUserOrgContext(db, actor.userId)).grants : null;
  const pos = ids
    .map((id) => found.get(id))
    .filter((po): po is PurchaseOrderRow => Boolean(po) && (!grants || grants.some((g) => g.orgId === po!.org_id)));
  const contexts = await releaseContextsOf(db, pos);
  for (const po of pos) {
    // Every release gate, the payment confirmation of stories 31-34 included, exactly as
    // POST /crm/purchase-orders/:id/release evaluates them.
    const refusals = evaluateReleaseGates(contexts.get(po.id)!.context);
    if (refusals.length) {
      throw new CrmError(
        'gate_blocked',
        'RELEASE_GATE_BLOCKED',
        `release refused: ${refusals.map((r) => `${r.gate}: ${r.reason}`).join('; ')}`,
        refusals.map((r) => ({ field: `gates.${r.gate}`, reason: r.reason })),
      );
    }
  }
  return payload;
}

/** deals.items.update: nobody sets credit_blocked through item routes. */
export function refuseCreditBlockThroughItems(payload: Payload): Payload {
  if ('credit_blocked' in payload) {
    const reason = 'is set on deal.won and cleared only by a Sales Manager override (POST /crm/deals/:id/credit-override)';
    throw new CrmError('invalid_input', 'CREDIT_BLOCK_THROUGH_ENDPOINT', `credit_blocked: ${reason}`, [
      { field: 'credit_blocked', reason },
    ]);
  }
  return payload;
}
