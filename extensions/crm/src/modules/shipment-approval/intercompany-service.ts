/**
 * Cross-ownership at shipment approval (stories 73, 74; docs/shipment-approval.md):
 *
 * - `intercompanyOf` loads, set-based for any number of POs, whether each ships the sister org's
 *   stock and the owner's finance verdict on the buyer (the intercompany gate's context);
 * - `createLinkedDeal` writes, inside the buyer's release transaction, the owner's internal deal
 *   (customer: the buyer as intercompany customer, at the transfer price) and its order, released
 *   with the buyer's PO, and the transfer record. The buyer's PO row is locked by the release and a
 *   unique source_po_id holds one transfer per PO: approving twice or two managers at once give one
 *   internal deal.
 *
 * The owner's figures never leave here towards the buyer: the gate context carries verdicts.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { writeAudit } from '../../shared/audit.js';
import { CrmError } from '../../shared/errors.js';
import { TRUSTED_WRITE, trustedItems, type RequestScope } from '../../shared/services.js';
import { requireAccess } from '../orgs/require-access.js';
import { loadPurchaseOrder } from '../purchase-orders/repository.js';
import { generateUniqueCode } from '../codes/codes.js';
import { exposureRows } from '../credit/repository.js';
import { creditToday } from '../credit/service.js';
import type { IntercompanyGateContext } from '../purchase-orders/gates.js';
import { purchaseOrderCodeTaken } from '../purchase-orders/repository.js';
import type { ShipTo } from '../wms-outbound/commands.js';
import {
  ownerFinanceVerdict,
  ownersOfLines,
  totalsByCurrency,
  transferLines,
  TRANSFER_PRICE_RULE,
  type CurrencyAmount,
  type LineOwnership,
  type TransferLine,
} from './intercompany.js';
import {
  dealCodeTaken,
  insertTransfer,
  intercompanyCustomersOf,
  lineOwnersOfPurchaseOrders,
  orgsByCode,
  pricedLinesOfPurchaseOrders,
  transferOfSourcePo,
  type TransferView,
} from './intercompany-repository.js';

export interface IntercompanyFacts {
  gate: IntercompanyGateContext;
  ownerOrgId: string | null;
  ownerOrgCode: string;
  customerProfileId: string | null;
  ownership: LineOwnership[];
  lines: TransferLine[];
  totals: CurrencyAmount[];
}

/**
 * For each PO: null when it ships only its own org's stock, else the facts of its transfer. At
 * most four statements whatever the number of POs (owners; then, only when some PO is
 * cross-owned, priced lines, intercompany customers, the owners' exposure of those customers).
 */
export async function intercompanyOf(
  db: Knex,
  pos: ReadonlyArray<{ id: string; org_id: string; org_code: string }>,
): Promise<Map<string, IntercompanyFacts | null>> {
  const result = new Map<string, IntercompanyFacts | null>(pos.map((po) => [po.id, null]));
  const owners = await lineOwnersOfPurchaseOrders(
    db,
    pos.map((po) => po.id),
  );
  const ownership = new Map<string, LineOwnership[]>();
  const crossOwned = pos.filter((po) => {
    const lines = ownersOfLines(
      po.org_code,
      owners.filter((o) => o.po_id === po.id),
    );
    ownership.set(po.id, lines);
    return lines.some((line) => line.owner !== po.org_code);
  });
  if (!crossOwned.length) return result;

  const priced = await pricedLinesOfPurchaseOrders(
    db,
    crossOwned.map((po) => po.id),
  );
  const customers = await intercompanyCustomersOf(db, [...new Set(crossOwned.map((po) => po.org_id))]);
  const exposure = customers.length
    ? await exposureRows(db, {
        orgIds: [...new Set(customers.map((c) => c.org_id))],
        profileIds: customers.map((c) => c.customer_profile_id),
        today: creditToday(),
      })
    : [];

  for (const po of crossOwned) {
    const lines = ownership.get(po.id)!;
    const ambiguousLines = lines.filter((line) => line.owner === null).length;
    // One owner per PO: every other owner named by its lines (the group has two orgs; a third
    // would make a PO with two sister owners ambiguous too).
    const others = [...new Set(lines.map((line) => line.owner).filter((o): o is string => o !== null && o !== po.org_code))];
    const ownerOrgCode = others[0] ?? '';
    const customer = customers.find((c) => c.buyer_org_id === po.org_id && c.org_code === ownerOrgCode);
    const transfer = transferLines(
      priced.filter((p) => p.po_id === po.id).map(({ po_id: _po, ...line }) => line),
      lines,
      po.org_code,
    );
    const totals = totalsByCurrency(transfer);
    const verdict = customer
      ? ownerFinanceVerdict(
          exposure
            .filter((e) => e.customer_profile_id === customer.customer_profile_id)
            .map((e) => ({ currency: e.currency, exposure: e.exposure, overdue: e.overdue, credit_limit: e.credit_limit })),
          totals,
        )
      : { overdue: [], overLimit: [] };
    result.set(po.id, {
      gate: {
        ambiguousLines: ambiguousLines + (others.length > 1 ? 1 : 0),
        // Only a known owner needs its intercompany customer (an ambiguous line names none).
        customerMissing: others.length > 0 && !customer,
        overdue: verdict.overdue.length > 0,
        overLimit: verdict.overLimit.length > 0,
      },
      ownerOrgId: customer?.org_id ?? null,
      ownerOrgCode,
      customerProfileId: customer?.customer_profile_id ?? null,
      ownership: lines,
      lines: transfer,
      totals,
    });
  }
  return result;
}

export interface LinkedDeal {
  deal_id: string;
  deal_code: string;
  po_id: string;
  po_code: string;
  owner_org_code: string;
  /** The internal order each cross-owned line of the buyer's PO names in po.released. */
  intercompany_po_number: string;
}

/**
 * Story 73: the owner's internal deal and order for a buyer's PO, in the buyer's release
 * transaction `trx` (the buyer's PO is locked by the caller). Written through Directus (activity
 * and revisions name the approving manager); the deal is won and the order released with the
 * transfer record (the database lets an internal deal and order reach those states only with it).
 */
export async function createLinkedDeal(
  scope: RequestScope,
  trx: Knex.Transaction,
  input: {
    po: { id: string; code: string; org_id: string; ship_date: string | Date; ship_to: ShipTo };
    facts: IntercompanyFacts;
    actorId: string;
    at: Date;
    overrideNote: string | null;
  },
): Promise<LinkedDeal> {
  const { po, facts, actorId, at } = input;
  const ownerOrgId = facts.ownerOrgId!;
  const dealId = randomUUID();
  const dealCode = await generateUniqueCode('deal', { org: facts.ownerOrgCode }, (candidate) => dealCodeTaken(trx, candidate));
  await trustedItems(scope, trx, 'deals').createOne(
    {
      id: dealId,
      org_id: ownerOrgId,
      code: dealCode,
      customer_profile_id: facts.customerProfileId,
      status: 'submitted',
      currency: facts.lines[0]!.currency,
      notes: `Intercompany transfer: stock of this org shipped on purchase order ${po.code} of the sister org (story 73). Price rule ${TRANSFER_PRICE_RULE}.`,
    },
    TRUSTED_WRITE,
  );
  const dealLines = trustedItems(scope, trx, 'deal_lines');
  const lineIds = new Map<string, string>();
  for (const [index, line] of facts.lines.entries()) {
    const id = randomUUID();
    lineIds.set(line.deal_line_id, id);
    await dealLines.createOne(
      {
        id,
        deal_id: dealId,
        org_id: ownerOrgId,
        line_no: index + 1,
        quality_code: line.quality_code,
        meters: line.meters,
        unit_price: line.unit_price,
        currency: line.currency,
        pricing_status: 'draft',
      },
      TRUSTED_WRITE,
    );
  }
  const poId = randomUUID();
  const poCode = await generateUniqueCode('po', { org: facts.ownerOrgCode }, (candidate) => purchaseOrderCodeTaken(trx, candidate));
  await trustedItems(scope, trx, 'purchase_orders').createOne(
    {
      id: poId,
      org_id: ownerOrgId,
      code: poCode,
      deal_id: dealId,
      status: 'draft',
      ship_date: po.ship_date,
      ship_to: po.ship_to,
      instructions: `Intercompany: shipped by the warehouse on purchase order ${po.code} of the sister org.`,
    },
    TRUSTED_WRITE,
  );
  const poLines = trustedItems(scope, trx, 'purchase_order_lines');
  for (const [index, line] of facts.lines.entries()) {
    await poLines.createOne(
      {
        id: randomUUID(),
        po_id: poId,
        deal_line_id: lineIds.get(line.deal_line_id),
        line_no: index + 1,
        quality_code: line.quality_code,
        meters: line.meters,
      },
      TRUSTED_WRITE,
    );
  }
  await insertTransfer(trx, {
    id: randomUUID(),
    org_id: ownerOrgId,
    buyer_org_id: po.org_id,
    source_po_id: po.id,
    deal_id: dealId,
    po_id: poId,
    price_rule: TRANSFER_PRICE_RULE,
    lines: facts.lines,
    override_note: input.overrideNote,
    created_by: actorId,
    created_at: at,
  });
  await trustedItems(scope, trx, 'deals').updateOne(dealId, { status: 'won' }, TRUSTED_WRITE);
  await trustedItems(scope, trx, 'purchase_orders').updateOne(
    poId,
    { status: 'released', released_at: at.toISOString(), released_by: actorId, release_note: `Intercompany transfer for ${po.code}` },
    TRUSTED_WRITE,
  );
  // Audited in the owner org: the buyer's users never read it.
  await writeAudit(trx, [
    {
      orgId: ownerOrgId,
      at,
      actor: actorId,
      action: 'intercompany.linked_deal_created',
      collection: 'deals',
      entityId: dealId,
      note: input.overrideNote,
      details: {
        deal_code: dealCode,
        po_code: poCode,
        source_po_code: po.code,
        price_rule: TRANSFER_PRICE_RULE,
        lines: facts.lines,
        totals: facts.totals,
        owner_rules_overridden: input.overrideNote !== null,
      },
    },
  ]);
  return {
    deal_id: dealId,
    deal_code: dealCode,
    po_id: poId,
    po_code: poCode,
    owner_org_code: facts.ownerOrgCode,
    intercompany_po_number: poCode,
  };
}

// ---------------------------------------------------------------------------------------------
// the owner split, grant-checked (story 73; docs/access-model.md "Stock owned by the sister org")

export interface StockOwnersView {
  po_id: string;
  /** Some line ships stock the PO's org does not own. */
  intercompany: boolean;
  lines: Array<{
    deal_line_id: string;
    stock: 'own' | 'intercompany' | 'ambiguous';
    /** The owner org, only for a caller granted in it (else null: "intercompany"). */
    owner_org: { code: string; name: string } | null;
  }>;
  /** The internal deal and order, only for a caller granted in the owner org. */
  linked: Omit<TransferView, 'source_po_id' | 'owner_org_id'> | null;
}

/**
 * `GET /crm/purchase-orders/:id/stock-owners`: who owns the stock each line of the PO ships. Any
 * caller who may approve the PO's shipment learns whether a line is the org's own stock or
 * intercompany; the owner org, and the internal deal created at approval, only a caller holding a
 * grant in the owner org (or the CRM admin). No grant in the PO's org: 404, as for no such PO.
 */
export async function readStockOwners(scope: RequestScope, poId: string): Promise<StockOwnersView> {
  const notFound = () =>
    new CrmError('not_found', 'PURCHASE_ORDER_NOT_FOUND', 'id: no such purchase order, or you may not do this there', [
      { field: 'id', reason: 'no such purchase order, or you may not do this there' },
    ]);
  const access = await requireAccess(scope, {
    org: async () => (await loadPurchaseOrder(scope.database, poId))?.org_id,
    capability: 'approval.decide_sales',
    notFound,
    forbidden: () =>
      new CrmError('forbidden', 'SHIPMENT_APPROVAL_NOT_ALLOWED', "id: your role in this purchase order's org cannot approve shipments", [
        { field: 'id', reason: 'only a Sales Manager of this org sees the stock owners of its purchase orders' },
      ]),
  });
  const po = (await loadPurchaseOrder(scope.database, poId))!;
  const owners = ownersOfLines(po.org_code, await lineOwnersOfPurchaseOrders(scope.database, [po.id]));
  const codes = [...new Set(owners.map((o) => o.owner).filter((o): o is string => o !== null && o !== po.org_code))];
  const orgs = await orgsByCode(scope.database, codes);
  const granted = (orgId: string) => access.admin || access.context.grants.some((g) => g.orgId === orgId);
  const transfer = await transferOfSourcePo(scope.database, po.id);
  return {
    po_id: po.id,
    intercompany: owners.some((o) => o.owner !== po.org_code),
    lines: owners.map((o) => {
      const org = orgs.find((x) => x.code === o.owner);
      return {
        deal_line_id: o.deal_line_id,
        stock: o.owner === null ? 'ambiguous' : o.owner === po.org_code ? 'own' : 'intercompany',
        owner_org: org && granted(org.id) ? { code: org.code, name: org.name } : null,
      };
    }),
    linked: transfer && granted(transfer.owner_org_id) ? (({ source_po_id: _s, owner_org_id: _o, ...rest }) => rest)(transfer) : null,
  };
}
