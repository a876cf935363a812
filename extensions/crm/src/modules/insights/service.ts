/**
 * The figures of the Insights panels (the command centers' dashboard): counts per Human Gate, emails
 * failed or dead, WMS delivery health, supply ETA near, exposure per org and currency (credit.read;
 * credit/repository.ts#exposureByOrgAndCurrency, the /credit exposure summed), stale and missing
 * prices (pricing.govern; pricing/repository.ts#priceProblemCounts, the /pricing lists counted). Each figure is computed for the orgs of the
 * caller's Org Scope where their grant may see it (the same capability that opens its command
 * center), so a panel never shows, or counts, an org the viewer has no grant in, nor a figure their
 * role may not read there. A constant number of statements whatever the data.
 */
import type { RequestScope } from '../../shared/services.js';
import { readInSnapshot } from '../../shared/statements.js';
import { orgsInScope, type Capability } from '../orgs/access.js';
import { orgsByIds, allOrgIds } from '../orgs/repository.js';
import { requireAccess } from '../orgs/require-access.js';
import { exposureByOrgAndCurrency } from '../credit/repository.js';
import { creditToday } from '../credit/service.js';
import { priceProblemCounts } from '../pricing/repository.js';
import { etaNearWindow } from '../supply/rules.js';
import { deliveryCounts, emailProblemCounts, etaNearCounts, humanGateCounts, type OrgCount } from './repository.js';

export const FIGURE_NAMES = ['human_gates', 'emails', 'wms_delivery', 'supply_eta_near', 'exposure', 'prices'] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];

export interface Figure {
  org_code: string;
  key: string;
  count: number;
}

/** Exposure of one org in one currency (money as a decimal string, as /credit gives it). */
export interface ExposureFigure {
  org_code: string;
  currency: string;
  exposure: string;
  overdue: string;
  /** Customer profiles over their limit in this currency. */
  over_limit: number;
}

export interface Insights {
  orgs: string[];
  /** Each figure is null when the caller may see it in no org of the scope (the panel says so). */
  human_gates: Figure[] | null;
  emails: Figure[] | null;
  wms_delivery: Figure[] | null;
  /** Every grant sees it; null only when another figure was asked for (`?figure=`). */
  supply_eta_near: Figure[] | null;
  /** Per org and currency, where the caller reads credit (credit.read: Sales Managers, Finance). */
  exposure: ExposureFigure[] | null;
  /** Stale (in stock, past stale_after) and missing list prices per org, where the caller governs prices. */
  prices: Figure[] | null;
  statements: number;
  ms: number;
}

/**
 * `only`: one figure (a panel reads its own): the others are not computed and answered as null,
 * so a dashboard of six panels costs six small reads, not six times every figure.
 */
export async function readInsights(scope: RequestScope, only?: FigureName): Promise<Insights> {
  const wanted = (figure: FigureName) => only === undefined || only === figure;
  const counted = await readInSnapshot(scope.database, async (trx) => {
    const access = await requireAccess(scope, {}, trx);
    const { context } = access;
    const orgIds =
      access.admin && !context.grants.length ? await allOrgIds(trx) : orgsInScope(context.scope, context.activeOrg, context.grants);
    const where = (...capabilities: Capability[]) => orgIds.filter((org) => capabilities.some((c) => access.may(c, org)));
    const orgs = orgIds.length ? await orgsByIds(trx, orgIds) : [];
    // A figure not asked for is seen in no org: not computed, answered null.
    const whereFor = (figure: FigureName, ...capabilities: Capability[]) => (wanted(figure) ? where(...capabilities) : []);
    const by = {
      shortage: whereFor('human_gates', 'shortage.decide'),
      shipment: whereFor('human_gates', 'approval.decide_sales'),
      pricing: whereFor('human_gates', 'approval.decide_pricing', 'approval.decide_sales'),
      credit: whereFor('human_gates', 'credit.decide'),
      supply: whereFor('human_gates', 'supply.manage'),
    };
    const emailOrgs = whereFor('emails', 'email.read');
    const deliveryOrgs = whereFor('wms_delivery', 'approval.decide_sales');
    const creditOrgs = whereFor('exposure', 'credit.read');
    const pricingOrgs = whereFor('prices', 'pricing.govern');
    const now = new Date();
    return {
      orgs,
      anyGate: Object.values(by).some((ids) => ids.length),
      emailOrgs,
      deliveryOrgs,
      gates: await humanGateCounts(trx, by),
      emails: await emailProblemCounts(trx, emailOrgs),
      deliveries: await deliveryCounts(trx, deliveryOrgs),
      near: wanted('supply_eta_near') ? await etaNearCounts(trx, orgIds, etaNearWindow(now)) : null,
      creditOrgs,
      exposure: await exposureByOrgAndCurrency(trx, { orgIds: creditOrgs, today: creditToday(now) }),
      pricingOrgs,
      prices: await priceProblemCounts(trx, pricingOrgs, now),
    };
  });
  const r = counted.result;
  const codes = new Map(r.orgs.map((o) => [o.id, o.code]));
  const figures = (rows: OrgCount[]): Figure[] =>
    rows
      .filter((row) => codes.has(row.org_id))
      .map((row) => ({ org_code: codes.get(row.org_id)!, key: row.key, count: Number(row.n) }))
      .sort((a, b) => a.org_code.localeCompare(b.org_code) || a.key.localeCompare(b.key));
  return {
    orgs: r.orgs.map((o) => o.code).sort(),
    human_gates: r.anyGate ? figures(r.gates) : null,
    emails: r.emailOrgs.length ? figures(r.emails) : null,
    wms_delivery: r.deliveryOrgs.length ? figures(r.deliveries) : null,
    supply_eta_near: r.near ? figures(r.near) : null,
    exposure: r.creditOrgs.length
      ? r.exposure
          .filter((row) => codes.has(row.org_id))
          .map((row) => ({
            org_code: codes.get(row.org_id)!,
            currency: row.currency,
            exposure: row.exposure,
            overdue: row.overdue,
            over_limit: Number(row.over_limit),
          }))
          .sort((a, b) => a.org_code.localeCompare(b.org_code))
      : null,
    prices: r.pricingOrgs.length ? figures(r.prices) : null,
    statements: counted.statements,
    ms: counted.ms,
  };
}
