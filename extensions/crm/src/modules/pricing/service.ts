/**
 * The pricing approval flow of a deal line (stories 25, 26, 38).
 *
 * - submit: works out which approvals the line needs (discount, currency exception, stale price),
 *   asks for the missing ones and moves the line to pending_approval; a line that needs none is
 *   approved at once from its list price.
 * - discount request: sets the discount and always asks a manager (a new request every time).
 * - after a decision (called by modules/approvals/service.ts in the deciding transaction): a line
 *   whose every case is approved reaches approved pricing with an immutable price snapshot; a
 *   rejected case makes the line rejected.
 *
 * The database holds the same line: a line becomes approved only in a transaction that wrote its
 * snapshot (deal_lines_pricing_gate), and new terms send an approved line back to draft.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { writeAudit } from '../../shared/audit.js';
import { CrmError } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import type { RequestScope } from '../../shared/services.js';
import { roundDecimal } from '@crm/contract/decimal';
import { ratesAsOf } from '../fx/repository.js';
import { requireAccess } from '../orgs/require-access.js';
import { agreementInForce, pricingDay, type CustomerAgreement } from './agreements.js';
import {
  agreementsFor,
  createPricingRequest,
  dealCustomerProfile,
  insertPriceSnapshot,
  loadCases,
  loadLine,
  loadListPrices,
  loadQuality,
  orgBaseCurrency,
  setLinePricing,
  type LineRow,
} from './repository.js';
import {
  chooseListPrice,
  evaluatePricing,
  isQualityVisibleToSales,
  priceLine,
  requiredApprovals,
  type LineTerms,
  type ListPrice,
  type PricingKind,
} from './rules.js';

export interface LinePricingView {
  deal_line_id: string;
  pricing_status: LineRow['pricing_status'];
  required: PricingKind[];
  states: Record<string, string>;
  requested: string[];
  snapshot_id: string | null;
  unit_price: string | null;
}

const lineNotFound = () =>
  new CrmError('not_found', 'DEAL_LINE_NOT_FOUND', 'no such deal line, or you may not do this there', [
    { field: 'id', reason: 'no such deal line, or you may not do this there' },
  ]);

function termsOf(line: LineRow): LineTerms {
  return { qualityCode: line.quality_code, currency: line.currency, discountPct: roundDecimal(line.discount_pct ?? '0', 2) };
}

/**
 * The caller may ask for pricing approvals on this line: sales roles of the line's org, admins.
 * The line is read (and locked) in the use case's transaction; a line in an org the caller holds
 * no grant in answers like a line that does not exist.
 */
async function authoriseRequester(
  scope: RequestScope,
  trx: Knex,
  lineId: string,
): Promise<{ line: LineRow; userId: string | null; seesAll: boolean }> {
  let line: LineRow | undefined;
  const access = await requireAccess(
    scope,
    {
      org: async () => {
        line = isUuid(lineId) ? await loadLine(trx, lineId, true) : undefined;
        return line?.org_id;
      },
      capability: 'approval.request',
      notFound: lineNotFound,
      forbidden: () => new CrmError('forbidden', 'PRICING_REQUEST_NOT_ALLOWED', 'your role in this org cannot ask for pricing approvals'),
    },
    trx,
  );
  return { line: line!, userId: access.userId, seesAll: access.may('quality.see_all', line!.org_id) };
}

interface LinePricingContext {
  prices: ListPrice[];
  chosen: ListPrice;
  /** The customer price agreement in force at the pricing moment, in the line's currency (story 39). */
  agreement: CustomerAgreement | null;
  required: PricingKind[];
}

/** The customer's agreement for the line's quality and currency in force at `at`, if any. */
async function agreementOf(db: Knex, line: LineRow, qualityId: string, at: Date): Promise<CustomerAgreement | null> {
  const profileId = await dealCustomerProfile(db, line.deal_id);
  if (!profileId) return null;
  return agreementInForce(await agreementsFor(db, profileId, qualityId), line.currency, pricingDay(at));
}

/** The line's quality and list prices; what sales may not see answers like a missing quality. */
async function pricingContext(db: Knex, line: LineRow, seesAll: boolean, now: Date): Promise<LinePricingContext> {
  const quality = await loadQuality(db, line.org_id, line.quality_code);
  const prices = quality ? await loadListPrices(db, quality.id) : [];
  if (!quality || (!seesAll && !isQualityVisibleToSales(prices, now))) {
    throw new CrmError('invalid_input', 'QUALITY_NOT_FOUND', "quality_code: no such quality in the deal's org", [
      { field: 'quality_code', reason: "no such quality in the deal's org" },
    ]);
  }
  const base = await orgBaseCurrency(db, line.org_id);
  const chosen = chooseListPrice(prices, line.currency, base);
  if (!chosen) {
    throw new CrmError(
      'gate_blocked',
      'NO_LIST_PRICE',
      `${line.quality_code} has no list price in this org: a pricing manager sets one first (story 22)`,
      [{ field: 'quality_code', reason: 'has no list price in this org' }],
    );
  }
  const agreement = await agreementOf(db, line, quality.id, now);
  return { prices, chosen, agreement, required: requiredApprovals(termsOf(line), prices, chosen, base, now, agreement) };
}

/**
 * Moves the line to approved pricing: prices it with the FX rates as of `at`, writes the snapshot,
 * then the status (the database accepts 'approved' only after the snapshot in this transaction).
 */
async function approveLine(
  trx: Knex,
  line: LineRow,
  ctx: LinePricingContext,
  approvalIds: string[],
  approverId: string | null,
  at: Date,
  basis: 'list_price' | 'customer_agreement' | 'manager_approval',
): Promise<{ snapshotId: string; unitPrice: string }> {
  const terms = termsOf(line);
  const priced = priceLine(ctx.chosen, terms, ctx.agreement ? [] : await ratesAsOf(trx, at), at, ctx.agreement);
  if (!priced.ok)
    throw new CrmError('gate_blocked', 'FX_RATE_MISSING', `cannot price ${line.quality_code} in ${line.currency}: ${priced.message}`, [
      { field: 'currency', reason: priced.message },
    ]);
  const snapshotId = randomUUID();
  await insertPriceSnapshot(trx, {
    id: snapshotId,
    org_id: line.org_id,
    deal_id: line.deal_id,
    deal_line_id: line.id,
    quality_code: line.quality_code,
    list_price_id: ctx.chosen.id,
    list_price: priced.priced.listPrice,
    list_currency: priced.priced.listCurrency,
    discount_pct: terms.discountPct,
    unit_price: priced.priced.unitPrice,
    currency: line.currency,
    fx_pair: priced.priced.fx?.pair ?? null,
    fx_rate: priced.priced.fx?.rate.rate ?? null,
    fx_rate_id: priced.priced.fx?.rate.id ?? null,
    fx_effective_at: priced.priced.fx?.rate.effectiveAt ?? null,
    approved_by: approverId,
    approved_at: at,
    approval_request_ids: JSON.stringify(approvalIds),
    price_reference: priced.priced.reference,
    customer_price_agreement_id: priced.priced.agreement?.id ?? null,
    agreed_price: priced.priced.agreement?.price ?? null,
  });
  await setLinePricing(trx, line.id, { pricing_status: 'approved', unit_price: priced.priced.unitPrice });
  await writeAudit(trx, [
    {
      orgId: line.org_id,
      actor: approverId,
      at,
      action: 'pricing.line_approved',
      collection: 'deal_lines',
      entityId: line.id,
      note:
        basis === 'list_price'
          ? 'list price without discount or exception: no manager approval needed'
          : basis === 'customer_agreement'
            ? 'agreed customer price without discount: no manager approval needed'
            : null,
      details: {
        snapshot_id: snapshotId,
        basis,
        price_reference: priced.priced.reference,
        customer_price_agreement_id: priced.priced.agreement?.id ?? null,
        approval_request_ids: approvalIds,
        unit_price: priced.priced.unitPrice,
        currency: line.currency,
      },
    },
  ]);
  return { snapshotId, unitPrice: priced.priced.unitPrice };
}

async function settle(
  trx: Knex,
  line: LineRow,
  ctx: LinePricingContext,
  userId: string | null,
  note: string,
  now: Date,
  forceDiscountRequest: boolean,
): Promise<LinePricingView> {
  const terms = termsOf(line);
  const evaluation = evaluatePricing(ctx.required, await loadCases(trx, line.id), terms, ctx.chosen, ctx.agreement);
  const kinds = new Set(evaluation.toRequest);
  if (forceDiscountRequest) kinds.add('discount');
  const requested: string[] = [];
  for (const kind of [...kinds]) {
    requested.push(
      await createPricingRequest(trx, {
        line,
        kind,
        note,
        userId,
        at: now,
        discountPct: terms.discountPct,
        listPrice: ctx.chosen,
        agreement: ctx.agreement,
      }),
    );
  }
  if (requested.length) {
    await writeAudit(trx, [
      {
        orgId: line.org_id,
        actor: userId,
        at: now,
        action: 'pricing.approval_requested',
        collection: 'deal_lines',
        entityId: line.id,
        note,
        details: { kinds: [...kinds], approval_request_ids: requested, ...terms },
      },
    ]);
  }
  if (!requested.length && evaluation.status === 'approved') {
    const basis = ctx.required.length ? 'manager_approval' : ctx.agreement ? 'customer_agreement' : 'list_price';
    const approvedBy = evaluation.approvals.map((a) => a.decidedBy).at(-1) ?? userId;
    const { snapshotId, unitPrice } = await approveLine(
      trx,
      line,
      ctx,
      evaluation.approvals.map((a) => a.approvalRequestId),
      approvedBy,
      now,
      basis,
    );
    return {
      deal_line_id: line.id,
      pricing_status: 'approved',
      required: ctx.required,
      states: evaluation.states,
      requested,
      snapshot_id: snapshotId,
      unit_price: unitPrice,
    };
  }
  await setLinePricing(trx, line.id, { pricing_status: 'pending_approval' });
  return {
    deal_line_id: line.id,
    pricing_status: 'pending_approval',
    required: ctx.required,
    states: evaluation.states,
    requested,
    snapshot_id: null,
    unit_price: line.unit_price,
  };
}

export async function submitLinePricing(scope: RequestScope, lineId: string, note: string): Promise<LinePricingView> {
  return scope.database.transaction(async (trx) => {
    const { line, userId, seesAll } = await authoriseRequester(scope, trx, lineId);
    if (line.pricing_status === 'approved') {
      throw new CrmError(
        'conflict',
        'PRICING_ALREADY_APPROVED',
        'this line already has approved pricing; change its terms to price it again',
      );
    }
    const now = new Date();
    return settle(trx, line, await pricingContext(trx, line, seesAll, now), userId, note, now, false);
  });
}

/** Story 25: always creates a manager approval item for the discount. */
export async function requestDiscount(scope: RequestScope, lineId: string, discountPct: string, note: string): Promise<LinePricingView> {
  return scope.database.transaction(async (trx) => {
    const { line, userId, seesAll } = await authoriseRequester(scope, trx, lineId);
    const now = new Date();
    // The new discount first (the database sends a submitted or approved line back to draft when
    // its terms change), then the requests for exactly these terms.
    await setLinePricing(trx, line.id, { discount_pct: discountPct });
    const updated = (await loadLine(trx, line.id, true))!;
    return settle(trx, updated, await pricingContext(trx, updated, seesAll, now), userId, note, now, true);
  });
}

/**
 * Called inside the transaction that decided approval requests: re-evaluates each pending line the
 * decided pricing requests belong to. A request for terms the line no longer has changes nothing.
 */
export async function recomputeLinesAfterDecision(
  trx: Knex,
  decided: Array<{ kind: string; deal_line_id: string | null }>,
  deciderId: string | null,
  decidedAt: Date,
): Promise<void> {
  const lineIds = [
    ...new Set(
      decided
        .filter((d) => d.deal_line_id && ['discount', 'currency_exception', 'stale_price'].includes(d.kind))
        .map((d) => d.deal_line_id!),
    ),
  ];
  for (const lineId of lineIds.sort()) {
    const line = await loadLine(trx, lineId, true);
    if (!line || line.pricing_status !== 'pending_approval') continue;
    const quality = await loadQuality(trx, line.org_id, line.quality_code);
    const prices = quality ? await loadListPrices(trx, quality.id) : [];
    const base = await orgBaseCurrency(trx, line.org_id);
    const chosen = chooseListPrice(prices, line.currency, base);
    if (!chosen || !quality) continue;
    const agreement = await agreementOf(trx, line, quality.id, decidedAt);
    const ctx = { prices, chosen, agreement, required: requiredApprovals(termsOf(line), prices, chosen, base, decidedAt, agreement) };
    const evaluation = evaluatePricing(ctx.required, await loadCases(trx, line.id), termsOf(line), chosen, agreement);
    if (evaluation.status === 'approved') {
      await approveLine(
        trx,
        line,
        ctx,
        evaluation.approvals.map((a) => a.approvalRequestId),
        deciderId,
        decidedAt,
        'manager_approval',
      );
    } else if (evaluation.status === 'rejected') {
      await setLinePricing(trx, line.id, { pricing_status: 'rejected' });
    }
  }
}
