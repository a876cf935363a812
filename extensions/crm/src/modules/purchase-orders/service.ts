/**
 * Winning deals and creating, releasing and cancelling purchase orders (stories 29-37, 72). Each
 * use case is one transaction that holds the business change, the command to the WMS in the
 * outbox (wms-outbound/outbox.ts) and the audit entry: all of them or none.
 *
 * These are the only ways to reach those states: item routes refuse them (rules.ts), and the
 * database refuses a won deal or a released/cancelled PO without its command in the outbox
 * (schema-snapshots/constraints/210-wms-outbound.sql).
 *
 * Roles: winning a deal and drafting a PO are sales work (deal.update: sales owner or manager of
 * the deal's org); releasing and cancelling a PO are the shipment approval of stories 17, 18, 35
 * (approval.decide_sales: the sales manager of the PO's org). The CRM admin may do all of it.
 */
import { randomUUID } from 'node:crypto';
import { writeAudit, type AuditEntry } from '../../shared/audit.js';
import { CrmError, isCrmError } from '../../shared/errors.js';
import { TRUSTED_WRITE, trustedItems, type RequestScope } from '../../shared/services.js';
import { generateUniqueCode } from '../codes/codes.js';
import type { Knex } from 'knex';
import { reachIn, type Capability } from '../orgs/access.js';
import { requireAccess, type Access } from '../orgs/require-access.js';
import {
  buildDealWon,
  buildPoCancelled,
  buildPoReleased,
  InvalidCommandError,
  type PoCancelledCommand,
  type ShipTo,
} from '../wms-outbound/commands.js';
import { crmErrorOfInvalidCommand, enqueueCommand, enqueueCommands, type EnqueuedCommand } from '../wms-outbound/outbox.js';
import { exposureRows, loadCreditBlocks } from '../credit/repository.js';
import { isOverdue } from '../credit/exposure.js';
import { contractStatusesOfDeals } from '../proformas/repository.js';
import { coverage, paymentRequiredBecause } from '../shipment-approval/payment.js';
import { creditContextForRelease, creditDecisionOnWon, creditToday, recordCreditBlock } from '../credit/service.js';
import {
  cashContractOfDeal,
  checkCashPackWaivers,
  createCashPack,
  type CashPackResult,
  type CashPackWaivers,
} from '../proformas/service.js';
import { CREATE_GATES, evaluateReleaseGates, overriddenGates, type GateRefusal, type ReleaseContext } from './gates.js';
import { announceReadyForApproval, paymentOfPurchaseOrder } from '../shipment-approval/context.js';
import { createLinkedDeal, intercompanyOf, type IntercompanyFacts } from '../shipment-approval/intercompany-service.js';
import { priceSnapshotsUsed, priceSnapshotsUsedOf, purchaseOrdersCovered, purchaseOrdersDue } from '../shipment-approval/repository.js';
import { enqueueEmail, poEmail, type EmailRequest } from '../email/outbox.js';
import { compareMeters, hasMeters, remainingMeters, toMeters } from './meters.js';
import {
  dealLines,
  dealLinesToOrder,
  loadDeal,
  loadPurchaseOrder,
  loadPurchaseOrders,
  purchaseOrderCodeTaken,
  purchaseOrderLines,
  purchaseOrderLinesOf,
  userLabel,
  type PurchaseOrderLine,
  type PurchaseOrderRow,
} from './repository.js';

function fieldError(kind: ConstructorParameters<typeof CrmError>[0], code: string, field: string, reason: string): CrmError {
  return new CrmError(kind, code, `${field}: ${reason}`, [{ field, reason }]);
}

/** The command builders refuse what the contract would refuse; that is the caller's data problem. */
function command<T>(eventType: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof InvalidCommandError) throw crmErrorOfInvalidCommand(error, eventType);
    throw error;
  }
}

/**
 * The `po.released` command of a PO, the one build for the single and the bulk release; `owner`
 * names each line's stock owner (and the owner's internal order, for the sister org's stock).
 */
function poReleasedCommand(
  po: PurchaseOrderRow,
  release: { releasedAt: Date; approvedBy: string; overrideNote: string | undefined },
  lines: readonly PurchaseOrderLine[],
  owner: (line: PurchaseOrderLine) => { stockOwnerOrg: string; intercompanyPoNumber?: string },
) {
  return command('po.released', () =>
    buildPoReleased({
      poNumber: po.code,
      orgCode: po.org_code,
      dealCode: po.deal_code,
      customerId: po.customer_id,
      ...release,
      shipDate: String(po.ship_date),
      shipTo: po.ship_to,
      instructions: po.instructions,
      lines: lines.map((line) => ({ dealLineId: line.deal_line_id, qualityCode: line.quality_code, meters: line.meters, ...owner(line) })),
    }),
  );
}

/** 422 naming each gate that refused (`gates.<name>`), the same shape on every route. */
function gateRefusal(code: string, what: string, refusals: readonly GateRefusal[]): CrmError {
  return new CrmError(
    'gate_blocked',
    code,
    `${what} refused: ${refusals.map((r) => `${r.gate}: ${r.reason}`).join('; ')}`,
    refusals.map((r) => ({ field: `gates.${r.gate}`, reason: r.reason })),
  );
}

function outboundSummary(message: EnqueuedCommand | null) {
  return message ? { id: message.id, idempotency_key: message.idempotency_key } : null;
}

// ---------------------------------------------------------------------------------------------
// deal.won

export interface WonDeal {
  id: string;
  code: string;
  status: 'won';
  won_at: string;
  credit_blocked: boolean;
  credit_block_reasons: Awaited<ReturnType<typeof creditDecisionOnWon>>;
  outbound_message: { id: string; idempotency_key: string } | null;
  /** Story 40: a cash deal's Proforma and Contract Draft (or their waivers); null for credit customers. */
  cash_pack: CashPackResult | null;
}

/**
 * The caller may do `capability` in the org of the deal `dealId`: no grant there (or no such deal)
 * answers `notFound`, a grant without the role answers `forbidden`.
 */
async function requireDealAccess(
  scope: RequestScope,
  dealId: string,
  capability: Capability,
  notFound: () => CrmError,
  forbidden: () => CrmError,
) {
  return requireAccess(scope, { org: async () => (await loadDeal(scope.database, dealId))?.org_id, capability, notFound, forbidden });
}

export async function markDealWon(
  scope: RequestScope,
  dealId: string,
  note: string | null,
  waivers: CashPackWaivers = {},
): Promise<WonDeal> {
  const actor = await requireDealAccess(
    scope,
    dealId,
    'deal.update',
    () => fieldError('not_found', 'DEAL_NOT_FOUND', 'id', 'no such deal, or you may not do this there'),
    () => fieldError('forbidden', 'WIN_NOT_ALLOWED', 'id', "your role in this deal's org cannot mark deals won"),
  );
  // Story 40: only a Sales Manager waives the cash pack's proforma or contract.
  checkCashPackWaivers(actor, (await loadDeal(scope.database, dealId))!.org_id, waivers);

  return scope.database.transaction(async (trx) => {
    // Locked: two clicks on "won" give one won deal and one deal.won.
    const deal = (await loadDeal(trx, dealId, true))!;
    if (deal.status === 'won') throw fieldError('conflict', 'DEAL_ALREADY_WON', 'id', 'the deal is won already');
    if (deal.status !== 'draft' && deal.status !== 'submitted') {
      throw fieldError('conflict', 'DEAL_NOT_OPEN', 'id', `a ${deal.status} deal cannot be won`);
    }
    const lines = await dealLines(trx, deal.id);
    if (!lines.length) throw fieldError('gate_blocked', 'DEAL_HAS_NO_LINES', 'lines', 'a deal is won with at least one line');

    const wonAt = new Date();
    // Stories 28, 29: overdue anywhere, or any currency over its limit with this deal counted,
    // blocks the deal's POs until a Sales Manager clears it. The customer's credit account is
    // locked here, so a payment recorded meanwhile is either in this decision or after it.
    const reasons = await creditDecisionOnWon(trx, deal, creditToday(wonAt));
    const creditBlocked = deal.credit_blocked || reasons.length > 0;
    const wonCommand = command('deal.won', () =>
      buildDealWon({
        dealCode: deal.code,
        orgCode: deal.org_code,
        wonAt,
        customerId: deal.customer_id,
        customerName: deal.customer_name,
        creditBlocked,
        lines: lines.map((line) => ({ id: line.id, qualityCode: line.quality_code, meters: String(line.meters) })),
      }),
    );
    const message = await enqueueCommand(trx, { orgId: deal.org_id, entityCollection: 'deals', entityId: deal.id, command: wonCommand });
    await trustedItems(scope, trx, 'deals').updateOne(deal.id, { status: 'won', credit_blocked: creditBlocked }, TRUSTED_WRITE);
    if (reasons.length) await recordCreditBlock(trx, deal, reasons, actor.userId, wonAt);
    // Story 40: the cash pack in the same transaction (a cash customer's Proforma and Contract Draft).
    const cashPack = await createCashPack(trx, { dealId: deal.id, actorId: actor.userId, at: wonAt, waivers });
    await writeAudit(trx, [
      {
        orgId: deal.org_id,
        at: wonAt,
        actor: actor.userId,
        action: 'deal.won',
        collection: 'deals',
        entityId: deal.id,
        note,
        details: { previous_status: deal.status, idempotency_key: message.idempotency_key, credit_blocked: creditBlocked },
      },
      ...(reasons.length
        ? [
            {
              orgId: deal.org_id,
              at: wonAt,
              actor: actor.userId,
              action: 'credit_block.set',
              collection: 'deals',
              entityId: deal.id,
              note: null,
              details: { code: deal.code, reasons },
            },
          ]
        : []),
    ]);
    return {
      id: deal.id,
      code: deal.code,
      status: 'won',
      won_at: wonAt.toISOString(),
      credit_blocked: creditBlocked,
      credit_block_reasons: reasons,
      outbound_message: outboundSummary(message),
      cash_pack: cashPack,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// purchase orders

export interface NewPurchaseOrder {
  deal_id: string;
  ship_date: string;
  ship_to: ShipTo;
  instructions?: string | undefined;
  /** Omitted: every deal line with meters left to order, all of them. */
  lines?: Array<{ deal_line_id: string; meters?: string | undefined }> | undefined;
  note?: string | undefined;
}

export interface PurchaseOrderView {
  id: string;
  code: string;
  org_id: string;
  deal_id: string;
  status: 'draft' | 'released' | 'cancelled';
  ship_date: string;
  lines: Array<{ id: string; deal_line_id: string; line_no: number; quality_code: string; meters: string }>;
  released_at?: string | undefined;
  cancelled_at?: string | undefined;
  outbound_message?: { id: string; idempotency_key: string } | null | undefined;
  /** Story 73: the release shipped the sister org's stock (its internal deal was created); never names it. */
  intercompany?: boolean | undefined;
}

export async function createPurchaseOrder(scope: RequestScope, input: NewPurchaseOrder): Promise<PurchaseOrderView> {
  const actor = await requireDealAccess(
    scope,
    input.deal_id,
    'deal.update',
    () => fieldError('invalid_input', 'DEAL_NOT_FOUND', 'deal_id', 'no such deal, or you may not do this there'),
    () => fieldError('forbidden', 'PURCHASE_ORDER_NOT_ALLOWED', 'deal_id', "your role in this deal's org cannot create purchase orders"),
  );

  return scope.database.transaction(async (trx) => {
    // Locked: concurrent POs of one deal must not both take the same remaining meters.
    const deal = (await loadDeal(trx, input.deal_id, true))!;
    if (deal.status !== 'won') throw fieldError('conflict', 'DEAL_NOT_WON', 'deal_id', 'purchase orders are created for won deals');
    const blocked = evaluateReleaseGates(
      { orgId: deal.org_id, dealId: deal.id, creditBlocked: deal.credit_blocked, overdue: [], creditOverridden: false, cashContract: null },
      CREATE_GATES,
    );
    if (blocked.length) throw gateRefusal('CREDIT_BLOCKED', 'purchase order', blocked);

    const toOrder = await dealLinesToOrder(trx, deal.id);
    const byId = new Map(toOrder.map((line) => [line.id, line]));
    const left = (line: (typeof toOrder)[number]) =>
      remainingMeters({ dealLineId: line.id, ordered: String(line.meters), onOpenPurchaseOrders: String(line.on_open_pos) });

    const wanted = input.lines
      ? input.lines.map((requested, index) => {
          const line = byId.get(requested.deal_line_id);
          if (!line) throw fieldError('invalid_input', 'DEAL_LINE_NOT_FOUND', `lines.${index}.deal_line_id`, 'no such line on this deal');
          const available = left(line);
          const meters = toMeters(requested.meters ?? available);
          if (!hasMeters(meters) || compareMeters(meters, available) > 0) {
            throw fieldError(
              'gate_blocked',
              'PO_LINE_EXCEEDS_DEAL_LINE',
              `lines.${index}.meters`,
              `${available} m of this deal line are left to order`,
            );
          }
          return { line, meters };
        })
      : toOrder.map((line) => ({ line, meters: left(line) })).filter((entry) => hasMeters(entry.meters));
    if (!wanted.length)
      throw fieldError('gate_blocked', 'NOTHING_LEFT_TO_ORDER', 'lines', 'every line of this deal is on purchase orders already');

    const code = await generateUniqueCode('po', { org: deal.org_code }, (candidate) => purchaseOrderCodeTaken(trx, candidate));
    const poId = randomUUID();
    await trustedItems(scope, trx, 'purchase_orders').createOne(
      {
        id: poId,
        org_id: deal.org_id,
        code,
        deal_id: deal.id,
        status: 'draft',
        ship_date: input.ship_date,
        ship_to: input.ship_to,
        instructions: input.instructions ?? null,
      },
      TRUSTED_WRITE,
    );
    const lineService = trustedItems(scope, trx, 'purchase_order_lines');
    const lines: PurchaseOrderView['lines'] = [];
    for (const [index, { line, meters }] of wanted.entries()) {
      const row = { id: randomUUID(), po_id: poId, deal_line_id: line.id, line_no: index + 1, quality_code: line.quality_code, meters };
      await lineService.createOne(row, TRUSTED_WRITE);
      lines.push({ id: row.id, deal_line_id: line.id, line_no: row.line_no, quality_code: line.quality_code, meters });
    }
    await writeAudit(trx, [
      {
        orgId: deal.org_id,
        at: new Date(),
        actor: actor.userId,
        action: 'purchase_order.created',
        collection: 'purchase_orders',
        entityId: poId,
        note: input.note ?? null,
        details: { code, deal_id: deal.id, lines: lines.map((l) => ({ deal_line_id: l.deal_line_id, meters: l.meters })) },
      },
    ]);
    // Story 37: a PO that passes every gate from the start is ready for shipment approval at once.
    const created = (await loadPurchaseOrder(trx, poId))!;
    const readiness = await releaseContextOf(trx, created);
    if (!evaluateReleaseGates(readiness).length) {
      await announceReadyForApproval(trx, created, readiness.payment?.requiredBecause.length ? 'confirmed' : 'not_required');
    }
    return { id: poId, code, org_id: deal.org_id, deal_id: deal.id, status: 'draft', ship_date: input.ship_date, lines };
  });
}

/**
 * The caller may release or cancel the PO: the shipment approval of its org (a Sales Manager). No
 * grant there (or no such PO) answers like a PO that does not exist; another role gets 403.
 */
function requirePurchaseOrderAccess(
  scope: RequestScope,
  poId: string,
  forbiddenCode: string,
  what: string,
  capability: Capability = 'approval.decide_sales',
) {
  return requireAccess(scope, {
    org: async () => (await loadPurchaseOrder(scope.database, poId))?.org_id,
    capability,
    notFound: () => fieldError('not_found', 'PURCHASE_ORDER_NOT_FOUND', 'id', 'no such purchase order, or you may not do this there'),
    forbidden: () => fieldError('forbidden', forbiddenCode, 'id', `only a Sales Manager of this org can ${what} purchase orders`),
  });
}

/** Story 37: a Sales Manager releases one PO past its overridable gates (payment) with a reason. */
export interface ReleaseOverride {
  reason: string;
}

/**
 * The gates of one PO now (stories 28-34), read in `trx`: the credit context and the payment of
 * the PO. The same evaluation serves the release and the shipment approval screen's "ready".
 */
export async function releaseContextOf(trx: Knex, po: PurchaseOrderRow, override = false): Promise<ReleaseContext> {
  return (await releaseFactsOf(trx, po, override)).context;
}

/** What releasing a PO answers, alone or in bulk (there, each PO's result). */
function releasedAnswer<Line>(
  po: { id: string; code: string; org_id: string; deal_id: string; ship_date: unknown },
  lines: Line[],
  releasedAt: Date,
  message: EnqueuedCommand | null,
  intercompany: boolean,
) {
  return {
    id: po.id,
    code: po.code,
    org_id: po.org_id,
    deal_id: po.deal_id,
    status: 'released' as const,
    ship_date: String(po.ship_date),
    lines,
    released_at: releasedAt.toISOString(),
    outbound_message: outboundSummary(message),
    intercompany,
  };
}

/**
 * The audit entry of a PO's release, alone or in bulk (`bulk`): the command's release basis and
 * idempotency key, the payment gate's facts, the prices the PO's value (and its payment) was
 * computed with (story 38), whether it shipped intercompany stock (story 73).
 */
function releasedEntry(
  po: { id: string; org_id: string; code: string },
  by: { at: Date; actor: string; note: string },
  command: { payload: { release_basis: unknown } },
  message: { idempotency_key: string },
  facts: { payment: ReleaseContext['payment'] | undefined; snapshots: unknown[]; intercompany: boolean; bulk?: true },
): AuditEntry {
  return {
    orgId: po.org_id,
    at: by.at,
    actor: by.actor,
    action: 'purchase_order.released',
    collection: 'purchase_orders',
    entityId: po.id,
    note: by.note,
    details: {
      code: po.code,
      release_basis: command.payload.release_basis,
      idempotency_key: message.idempotency_key,
      payment: facts.payment ?? null,
      price_snapshots: facts.snapshots,
      intercompany: facts.intercompany,
      ...(facts.bulk ? { bulk: true } : {}),
    },
  };
}

/**
 * The override_used email of a PO released past a gate (story 37; story 74: to the owner org of
 * intercompany stock, about its own order). Keyed by the PO's code: one per PO ever, as a PO is
 * released once. The facts: the PO and its deal, `facts` (the gate), the reason, who and when.
 */
function overrideUsedEmail(
  orgId: string,
  po: { id: string; code: string; deal_id: string; deal_code: string },
  intro: string,
  facts: Array<{ label: string; value: string }>,
  override: { reason: string; by: string; at: Date },
): EmailRequest {
  return poEmail('override_used', orgId, po, intro, [
    ...facts,
    { label: 'Reason', value: override.reason },
    { label: 'Overridden by', value: override.by },
    { label: 'At', value: override.at.toISOString() },
  ]);
}
/** The release context and, for a PO shipping the sister org's stock, its transfer (stories 73, 74). */
async function releaseFactsOf(
  trx: Knex,
  po: PurchaseOrderRow,
  override = false,
): Promise<{ context: ReleaseContext; intercompany: IntercompanyFacts | null }> {
  const credit = await creditContextForRelease(trx, { id: po.deal_id, org_id: po.org_id, customer_profile_id: po.customer_profile_id });
  const payment = await paymentOfPurchaseOrder(trx, po);
  const intercompany = (await intercompanyOf(trx, [po])).get(po.id) ?? null;
  return {
    context: {
      orgId: po.org_id,
      dealId: po.deal_id,
      creditBlocked: po.credit_blocked,
      ...credit,
      cashContract: await cashContractOfDeal(trx, po.deal_id),
      payment: payment.gate,
      override,
      intercompany: intercompany?.gate ?? null,
    },
    intercompany,
  };
}

export async function releasePurchaseOrder(
  scope: RequestScope,
  poId: string,
  note: string,
  override?: ReleaseOverride | undefined,
): Promise<PurchaseOrderView> {
  // An override is a right of its own (story 37: Sales Managers only, one PO at a time).
  const actor = override
    ? await requirePurchaseOrderAccess(scope, poId, 'OVERRIDE_NOT_ALLOWED', 'override the gates of', 'shipment.override')
    : await requirePurchaseOrderAccess(scope, poId, 'RELEASE_NOT_ALLOWED', 'release');

  return scope.database.transaction(async (trx) => {
    // Locked: the same release requested twice (double click, two managers) gives one release and
    // one po.released; the second caller sees the released PO and gets 409.
    const po = (await loadPurchaseOrder(trx, poId, true))!;
    if (po.status === 'released')
      throw fieldError('conflict', 'PURCHASE_ORDER_ALREADY_RELEASED', 'id', 'the purchase order is released already');
    if (po.status === 'cancelled')
      throw fieldError('conflict', 'PURCHASE_ORDER_CANCELLED', 'id', 'a cancelled purchase order cannot be released');

    // The gates again inside the transaction, on the locked PO (every route comes through here).
    const { context, intercompany } = await releaseFactsOf(trx, po, Boolean(override));
    const refusals = evaluateReleaseGates(context);
    if (refusals.length) throw gateRefusal('RELEASE_GATE_BLOCKED', 'release', refusals);
    const overridden = override ? overriddenGates(context) : [];
    if (override && !overridden.length) {
      throw fieldError(
        'conflict',
        'OVERRIDE_NOT_NEEDED',
        'override',
        'no overridable gate blocks this purchase order: release it without override',
      );
    }
    // Story 74: the stock owner's finance rules are overridden only by a manager who holds the
    // override in both orgs, in this same screen. The refusal names neither the owner nor figures.
    const intercompanyOverridden = overridden.some((g) => g.gate === 'intercompany');
    if (intercompanyOverridden && !(intercompany?.ownerOrgId && actor.may('shipment.override', intercompany.ownerOrgId))) {
      throw fieldError(
        'forbidden',
        'INTERCOMPANY_OVERRIDE_NOT_ALLOWED',
        'override',
        "the intercompany gate is overridden only by a manager granted in both this org and the stock owner's org",
      );
    }
    const overrideNote = override ? `${override.reason}`.slice(0, 1000) : undefined;
    const snapshots = await priceSnapshotsUsed(trx, po.id);

    const lines = await purchaseOrderLines(trx, po.id);
    const releasedAt = new Date();
    const approvedBy = await userLabel(trx, actor.userId);
    // Story 73: the owner's internal deal and order, in this transaction, before the command names it.
    const linked = intercompany
      ? await createLinkedDeal(scope, trx, {
          po,
          facts: intercompany,
          actorId: actor.userId,
          at: releasedAt,
          overrideNote: intercompanyOverridden ? (overrideNote ?? null) : null,
        })
      : null;
    const ownerOf = new Map((intercompany?.ownership ?? []).map((o) => [o.deal_line_id, o.owner]));
    // Each line names its stock owner; a line of the sister org's stock names the owner's internal
    // order (story 73, contract D-INTERCOMPANY).
    const releaseCommand = poReleasedCommand(po, { releasedAt, approvedBy, overrideNote }, lines, (line) => {
      const owner = ownerOf.get(line.deal_line_id) ?? po.org_code;
      return { stockOwnerOrg: owner, ...(linked && owner !== po.org_code ? { intercompanyPoNumber: linked.intercompany_po_number } : {}) };
    });
    const message = await enqueueCommand(trx, {
      orgId: po.org_id,
      entityCollection: 'purchase_orders',
      entityId: po.id,
      command: releaseCommand,
      stockOwnerOrgId: linked ? intercompany!.ownerOrgId : null,
    });
    if (!message.created) {
      // Cannot happen while the row lock and the status check above hold; refuse rather than
      // release a second time under an existing key.
      throw fieldError('conflict', 'PURCHASE_ORDER_ALREADY_RELEASED', 'id', 'a release of this purchase order was recorded already');
    }
    await trustedItems(scope, trx, 'purchase_orders').updateOne(
      po.id,
      { status: 'released', released_at: releasedAt.toISOString(), released_by: actor.userId, release_note: note },
      TRUSTED_WRITE,
    );
    await writeAudit(trx, [
      releasedEntry(po, { at: releasedAt, actor: actor.userId, note }, releaseCommand, message, {
        payment: context.payment,
        snapshots,
        // Story 73: only that the PO shipped intercompany stock; the owner's deal lives in the owner's org.
        intercompany: Boolean(linked),
      }),
      ...(override
        ? [
            {
              orgId: po.org_id,
              at: releasedAt,
              actor: actor.userId,
              action: 'purchase_order.override_used',
              collection: 'purchase_orders',
              entityId: po.id,
              note: override.reason,
              details: { code: po.code, overridden_gates: overridden, release_note: note, price_snapshots: snapshots },
            },
          ]
        : []),
    ]);
    if (override && linked && intercompanyOverridden) {
      // Story 74: the owner org learns that its finance rules were overridden (keyed by its own order).
      await enqueueEmail(
        trx,
        overrideUsedEmail(
          intercompany!.ownerOrgId!,
          { id: linked.po_id, code: linked.po_code, deal_id: linked.deal_id, deal_code: linked.deal_code },
          "A manager granted in both orgs approved an intercompany shipment of this org's stock past this org's finance rules (the buyer overdue or over its limit). Review the reason below.",
          [
            { label: 'Buyer PO', value: po.code },
            { label: 'Gate', value: 'intercompany' },
          ],
          { reason: override.reason, by: approvedBy, at: releasedAt },
        ),
      );
    }
    if (override) {
      await enqueueEmail(
        trx,
        overrideUsedEmail(
          po.org_id,
          po,
          'A Sales Manager released this purchase order to the warehouse past a shipment gate with an override. Review the reason below.',
          [{ label: 'Gate', value: overridden.map((g) => g.gate).join(', ') }],
          { reason: override.reason, by: approvedBy, at: releasedAt },
        ),
      );
    }
    return releasedAnswer(
      po,
      lines.map((line) => ({ ...line })),
      releasedAt,
      message,
      Boolean(linked),
    );
  });
}

export async function cancelPurchaseOrder(
  scope: RequestScope,
  poId: string,
  input: { reason_code: PoCancelledCommand['payload']['reason_code']; note: string },
): Promise<PurchaseOrderView> {
  const actor = await requirePurchaseOrderAccess(scope, poId, 'CANCEL_NOT_ALLOWED', 'cancel');

  return scope.database.transaction(async (trx) => {
    const po = (await loadPurchaseOrder(trx, poId, true))!;
    if (po.status === 'cancelled')
      throw fieldError('conflict', 'PURCHASE_ORDER_ALREADY_CANCELLED', 'id', 'the purchase order is cancelled already');

    const cancelledAt = new Date();
    let message: EnqueuedCommand | null = null;
    // A draft never reached the WMS, so there is nothing to tell it; a released PO is stopped with
    // po.cancelled, whose sequence outranks the release (contract D-PO-RELEASE).
    if (po.status === 'released') {
      const cancelledBy = await userLabel(trx, actor.userId);
      const cancelCommand = command('po.cancelled', () =>
        buildPoCancelled({
          poNumber: po.code,
          orgCode: po.org_code,
          cancelledAt,
          cancelledBy,
          reasonCode: input.reason_code,
          note: input.note,
        }),
      );
      message = await enqueueCommand(trx, {
        orgId: po.org_id,
        entityCollection: 'purchase_orders',
        entityId: po.id,
        command: cancelCommand,
      });
    }
    await trustedItems(scope, trx, 'purchase_orders').updateOne(
      po.id,
      {
        status: 'cancelled',
        cancelled_at: cancelledAt.toISOString(),
        cancelled_by: actor.userId,
        cancel_reason_code: input.reason_code,
        cancel_note: input.note,
      },
      TRUSTED_WRITE,
    );
    await writeAudit(trx, [
      {
        orgId: po.org_id,
        at: cancelledAt,
        actor: actor.userId,
        action: 'purchase_order.cancelled',
        collection: 'purchase_orders',
        entityId: po.id,
        note: input.note,
        details: {
          code: po.code,
          previous_status: po.status,
          reason_code: input.reason_code,
          idempotency_key: message?.idempotency_key ?? null,
        },
      },
    ]);
    const lines = await purchaseOrderLines(trx, po.id);
    return {
      id: po.id,
      code: po.code,
      org_id: po.org_id,
      deal_id: po.deal_id,
      status: 'cancelled',
      ship_date: String(po.ship_date),
      lines,
      cancelled_at: cancelledAt.toISOString(),
      outbound_message: outboundSummary(message),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// set-based: the gates of many POs, and the bulk release (story 37)

export interface ReleaseFacts {
  context: ReleaseContext;
  intercompany: IntercompanyFacts | null;
}

/**
 * `releaseContextOf` for many POs in a constant number of statements (exposure of their customers,
 * credit blocks, what each PO is due and covered, contracts, cross-ownership): the same context,
 * field for field, as the single release reads for one PO.
 */
export async function releaseContextsOf(db: Knex, pos: readonly PurchaseOrderRow[]): Promise<Map<string, ReleaseFacts>> {
  const result = new Map<string, ReleaseFacts>();
  if (!pos.length) return result;
  const poIds = pos.map((po) => po.id);
  const dealIds = [...new Set(pos.map((po) => po.deal_id))];
  const exposure = await exposureRows(db, {
    orgIds: [...new Set(pos.map((po) => po.org_id))],
    profileIds: [...new Set(pos.map((po) => po.customer_profile_id))],
    today: creditToday(),
  });
  const blocks = new Map((await loadCreditBlocks(db, dealIds)).map((b) => [b.deal_id, b.status]));
  const due = await purchaseOrdersDue(db, poIds);
  const covered = await purchaseOrdersCovered(db, poIds);
  const contracts = new Map((await contractStatusesOfDeals(db, dealIds)).map((c) => [c.deal_id, c.status]));
  const intercompany = await intercompanyOf(db, pos);
  for (const po of pos) {
    const mine = exposure.filter((e) => e.customer_profile_id === po.customer_profile_id);
    const requiredBecause = paymentRequiredBecause(po.payment_mode, mine);
    const cover = coverage(
      due.filter((d) => d.po_id === po.id).map(({ currency, amount }) => ({ currency, amount })),
      covered.filter((c) => c.po_id === po.id).map(({ currency, amount }) => ({ currency, amount })),
    );
    const facts = intercompany.get(po.id) ?? null;
    result.set(po.id, {
      context: {
        orgId: po.org_id,
        dealId: po.deal_id,
        creditBlocked: po.credit_blocked,
        overdue: mine.filter((r) => isOverdue(r.overdue)).map((r) => ({ currency: r.currency, amount: r.overdue })),
        creditOverridden: blocks.get(po.deal_id) === 'overridden',
        cashContract: contracts.get(po.deal_id) ?? null,
        payment: { requiredBecause, confirmed: cover.confirmed, remaining: cover.remaining },
        override: false,
        intercompany: facts?.gate ?? null,
      },
      intercompany: facts,
    });
  }
  return result;
}

type BulkItem =
  | { po_id: string; ok: true; result: PurchaseOrderView }
  | { po_id: string; ok: false; status: number; code: string; message: string; fields: Array<{ field: string; reason: string }> };

function refusedItem(poId: string, error: CrmError): BulkItem {
  return { po_id: poId, ok: false, status: error.status, code: error.code, message: error.message, fields: [...error.fields] };
}

/**
 * Story 37, set-based: approve the shipment of many POs in one request. Each PO is decided on its
 * own (the single release's access, status and gate checks, with the same answers), one refusal
 * never stops the others, and the answer lists each in the order asked. The POs that pass are
 * released together in one transaction: their rows locked in one statement, their context read in
 * a constant number of statements, their commands, PO updates and audit entries written in batched
 * statements. A PO that ships the sister org's stock (story 73) goes through the single release
 * after that transaction, since its internal deal is written with it.
 */
export async function releasePurchaseOrdersBulk(
  scope: RequestScope,
  access: Access,
  ids: readonly string[],
  note: string,
): Promise<BulkItem[]> {
  const answers = new Map<string, BulkItem>();
  const crossOwned: string[] = [];
  await scope.database.transaction(async (trx) => {
    const pos = new Map((await loadPurchaseOrders(trx, ids, true)).map((po) => [po.id, po]));
    const candidates: PurchaseOrderRow[] = [];
    for (const id of ids) {
      const po = pos.get(id);
      const reach = po && !access.admin ? reachIn(access.context.grants, po.org_id, 'approval.decide_sales') : po ? 'act' : 'none';
      if (!po || reach === 'none') {
        answers.set(
          id,
          refusedItem(
            id,
            fieldError('not_found', 'PURCHASE_ORDER_NOT_FOUND', 'id', 'no such purchase order, or you may not do this there'),
          ),
        );
      } else if (reach === 'see') {
        answers.set(
          id,
          refusedItem(
            id,
            fieldError('forbidden', 'RELEASE_NOT_ALLOWED', 'id', 'only a Sales Manager of this org can release purchase orders'),
          ),
        );
      } else if (po.status === 'released') {
        answers.set(
          id,
          refusedItem(id, fieldError('conflict', 'PURCHASE_ORDER_ALREADY_RELEASED', 'id', 'the purchase order is released already')),
        );
      } else if (po.status === 'cancelled') {
        answers.set(
          id,
          refusedItem(id, fieldError('conflict', 'PURCHASE_ORDER_CANCELLED', 'id', 'a cancelled purchase order cannot be released')),
        );
      } else {
        candidates.push(po);
      }
    }
    const facts = await releaseContextsOf(trx, candidates);
    const ready: PurchaseOrderRow[] = [];
    for (const po of candidates) {
      const { context, intercompany } = facts.get(po.id)!;
      const refusals = evaluateReleaseGates(context);
      if (refusals.length) answers.set(po.id, refusedItem(po.id, gateRefusal('RELEASE_GATE_BLOCKED', 'release', refusals)));
      else if (intercompany) crossOwned.push(po.id);
      else ready.push(po);
    }
    if (!ready.length) return;

    const readyIds = ready.map((po) => po.id);
    const lines = await purchaseOrderLinesOf(trx, readyIds);
    const snapshots = await priceSnapshotsUsedOf(trx, readyIds);
    const releasedAt = new Date();
    const approvedBy = await userLabel(trx, access.userId);
    const commands: Array<{ po: PurchaseOrderRow; command: ReturnType<typeof buildPoReleased> }> = [];
    for (const po of ready) {
      try {
        const releaseCommand = poReleasedCommand(
          po,
          { releasedAt, approvedBy, overrideNote: undefined },
          lines.filter((line) => line.po_id === po.id),
          () => ({ stockOwnerOrg: po.org_code }),
        );
        commands.push({ po, command: releaseCommand });
      } catch (error) {
        if (!isCrmError(error)) throw error;
        answers.set(po.id, refusedItem(po.id, error));
      }
    }
    if (!commands.length) return;
    const messages = await enqueueCommands(
      trx,
      commands.map(({ po, command: c }) => ({ orgId: po.org_id, entityCollection: 'purchase_orders', entityId: po.id, command: c })),
    );
    // Cannot happen while the row locks and the status checks above hold (see the single release).
    if (messages.some((m) => !m.created)) {
      throw fieldError(
        'conflict',
        'PURCHASE_ORDER_ALREADY_RELEASED',
        'id',
        'a release of one of these purchase orders was recorded already',
      );
    }
    const released = commands.map(({ po }) => po.id);
    await trustedItems(scope, trx, 'purchase_orders').updateMany(
      released,
      { status: 'released', released_at: releasedAt.toISOString(), released_by: access.userId, release_note: note },
      TRUSTED_WRITE,
    );
    await writeAudit(
      trx,
      commands.map(({ po, command: c }, index) =>
        releasedEntry(po, { at: releasedAt, actor: access.userId, note }, c, messages[index]!, {
          payment: facts.get(po.id)!.context.payment,
          snapshots: snapshots.filter((s) => s.po_id === po.id).map(({ po_id: _po, ...s }) => s),
          intercompany: false,
          bulk: true,
        }),
      ),
    );
    for (const [index, { po }] of commands.entries()) {
      answers.set(po.id, {
        po_id: po.id,
        ok: true,
        result: releasedAnswer(
          po,
          lines.filter((line) => line.po_id === po.id).map(({ po_id: _po, ...line }) => line),
          releasedAt,
          messages[index]!,
          false,
        ),
      });
    }
  });
  // Story 73: each cross-owned PO with its internal deal, through the single release (its own transaction).
  for (const id of crossOwned) {
    try {
      answers.set(id, { po_id: id, ok: true, result: await releasePurchaseOrder(scope, id, note) });
    } catch (error) {
      if (!isCrmError(error)) throw error;
      answers.set(id, refusedItem(id, error));
    }
  }
  return ids.map((id) => answers.get(id)!);
}
