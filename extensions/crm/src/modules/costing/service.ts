/**
 * Costing use cases (stories 75-79, docs/costing.md): capture and post supplier invoices, match an
 * invoice line to a receipt (re-costing its provisional rolls), post a post-receipt adjustment,
 * run the costing (book new receipts, issue shipped stock at WAC), read the valuation by owner org.
 *
 * Who: the Costing role (`costing.manage`, `costing.read` in the org) and the CRM admin. Cost data
 * never reaches sales owners: the routes refuse them and no policy lets them read the collections.
 * Every write is one transaction with its audit entries; the SQL is in repository.ts, the rules
 * in rules.ts.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import {
  addDecimals,
  allocateDecimal,
  compareDecimals,
  isZeroDecimal,
  multiplyDecimals,
  roundDecimal,
  subtractDecimals,
} from '@crm/contract/decimal';
import { writeAudit, type AuditEntry } from '../../shared/audit.js';
import { CrmError } from '../../shared/errors.js';
import type { RequestScope } from '../../shared/services.js';
import { rateRowAsOf } from '../fx/repository.js';
import { requireAccess } from '../orgs/require-access.js';
import {
  allocateAdjustment,
  profitability,
  type RevenueLine,
  chooseFxRate,
  CostingRuleError,
  checkCreditNote,
  creditNoteValues,
  invoiceValues,
  issue,
  recost,
  unitCost,
  wacOf,
  type AllocationBasis,
  type Currency,
  type Pool,
} from './rules.js';
import {
  bookNewReceipts,
  creditedReceipts,
  creditedSoFar,
  lockCostingRun,
  lockInvoice,
  pendingCreditLines,
  insertAdjustment,
  insertEntries,
  insertInvoice,
  invoiceExists,
  invoiceLineOrg,
  loadInvoice,
  loadInvoiceLine,
  loadPools,
  matchRollsToLine,
  receiptQualities,
  refreshWacMirrors,
  shippedRollsToIssue,
  takeRollMeters,
  valuationAsOf,
  profitabilityRows,
  type EntryInput,
  type InvoiceLineRow,
} from './repository.js';

const forbidden = () =>
  new CrmError('forbidden', 'COSTING_NOT_ALLOWED', 'only the Costing role of that org (or the CRM admin) does costing');
const orgNotGranted = () =>
  new CrmError('invalid_input', 'ORG_NOT_GRANTED', 'org_id: no such org, or you may not do this there', [
    { field: 'org_id', reason: 'no such org, or you may not do this there' },
  ]);

/** A pure rule's refusal as the CRM error of the same code. */
function ruleError(error: unknown): never {
  if (error instanceof CostingRuleError) {
    const kind =
      error.code === 'FX_RATE_MISSING' ||
      error.code === 'ADJUSTMENT_BASIS_ZERO' ||
      error.code === 'ISSUE_EXCEEDS_STOCK' ||
      error.code === 'CREDIT_NOTE_EXCEEDS_INVOICE'
        ? 'gate_blocked'
        : 'invalid_input';
    throw new CrmError(kind, error.code, `${error.field}: ${error.message}`, [{ field: error.field, reason: error.message }]);
  }
  throw error;
}

function rule<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    return ruleError(error);
  }
}

// ---------------------------------------------------------------------------------------------
// Running the costing: new receipts, shipped stock (the automatic path and the operation)
// ---------------------------------------------------------------------------------------------

export interface CostingRun {
  run_id: string;
  receipt_scopes: number;
  issued_rolls: number;
}

type Scope = { org_id: string; quality_code: string };
const scopeKey = (s: Scope) => `${s.org_id}|${s.quality_code}`;

/**
 * Books the receipts the WMS reported (provisional value at the current WAC) and issues the
 * stock of shipped orders at WAC, then refreshes wac_mirrors of every scope touched. Runs inside
 * the caller's transaction; every costing write runs it first, and so does the Directus operation.
 */
export async function runCosting(trx: Knex, actor: string | null, runId = randomUUID()): Promise<CostingRun> {
  await lockCostingRun(trx);
  const receiptScopes = await bookNewReceipts(trx, actor);
  const shipped = await shippedRollsToIssue(trx);
  const issueScopes = new Map<string, Scope>();
  if (shipped.length) {
    for (const roll of shipped)
      issueScopes.set(scopeKey({ org_id: roll.owner_org_id, quality_code: roll.quality_code }), {
        org_id: roll.owner_org_id,
        quality_code: roll.quality_code,
      });
    const pools = new Map(
      (await loadPools(trx, [...issueScopes.values()])).map((p) => [scopeKey(p), { meters: p.meters, value: p.value }]),
    );
    // One issue per PO × owner org × quality × warehouse, valued from the pool of owner × quality.
    const groups = new Map<string, { po: string; selling: string; at: Date; scope: Scope; warehouse: string; meters: string }>();
    for (const roll of shipped) {
      const key = [roll.po_number, roll.owner_org_id, roll.quality_code, roll.warehouse_code].join('|');
      const group = groups.get(key);
      if (group) group.meters = addDecimals(group.meters, roll.meters);
      else
        groups.set(key, {
          po: roll.po_number,
          selling: roll.selling_org_id,
          at: new Date(roll.shipped_at),
          scope: { org_id: roll.owner_org_id, quality_code: roll.quality_code },
          warehouse: roll.warehouse_code,
          meters: roll.meters,
        });
    }
    const entries: EntryInput[] = [];
    for (const group of groups.values()) {
      const pool = pools.get(scopeKey(group.scope))!;
      // The WMS may ship more than costing holds (a roll measured longer at packing, stock the CRM
      // never received): the run never blocks on it; what costing holds leaves, and the note says so.
      const over = compareDecimals(group.meters, pool.meters) > 0;
      if (over) group.meters = pool.meters;
      const out = issue(pool, group.meters);
      pools.set(scopeKey(group.scope), out.pool);
      entries.push({
        org_id: group.scope.org_id,
        quality_code: group.scope.quality_code,
        warehouse_code: group.warehouse,
        occurred_at: group.at,
        kind: 'issue',
        meters: subtractDecimals('0', group.meters),
        value_try: isZeroDecimal(out.value) ? '0.00' : subtractDecimals('0', out.value),
        variance_try: '0.00',
        po_number: group.po,
        selling_org_id: group.selling,
        note: over ? `shipped at WAC ${wacOf(pool)} TRY/m; the WMS shipped more than costing held` : `shipped at WAC ${wacOf(pool)} TRY/m`,
        created_by: actor,
      });
    }
    await takeRollMeters(trx, shipped);
    await insertEntries(trx, entries);
  }
  await refreshWacMirrors(trx, receiptScopes, { cause: 'receipt', runId });
  await refreshWacMirrors(trx, [...issueScopes.values()], { cause: 'stock_issue', runId });
  return { run_id: runId, receipt_scopes: receiptScopes.length, issued_rolls: shipped.length };
}

/** POST /crm/costing/run: the costing of the caller's Org Scope is brought up to date (any org: it is one ledger). */
export async function runCostingNow(scope: RequestScope): Promise<CostingRun> {
  const access = await requireAccess(scope, { in: 'org_scope', capability: 'costing.manage', forbidden });
  return scope.database.transaction((trx) => runCosting(trx, access.userId));
}

// ---------------------------------------------------------------------------------------------
// Supplier invoices (story 75)
// ---------------------------------------------------------------------------------------------

export interface InvoiceInput {
  org_id: string;
  kind: 'invoice' | 'credit_note';
  credits_invoice_id?: string | undefined;
  supplier_name: string;
  invoice_number: string;
  invoice_date: string;
  currency: Currency;
  fx_rate?: string | undefined;
  fx_rate_note?: string | undefined;
  lines: Array<{ quality_code: string; meters: string; unit_price: string }>;
}

export async function captureInvoice(scope: RequestScope, input: InvoiceInput) {
  const access = await requireAccess(scope, {
    org: input.org_id,
    capability: 'costing.manage',
    notFound: orgNotGranted,
    forbidden,
  });
  return scope.database.transaction(async (trx) => {
    let fx: { rate: string; overridden: boolean; asOf: string | null };
    let values: ReturnType<typeof invoiceValues>;
    if (input.kind === 'credit_note') {
      const credited = input.credits_invoice_id === undefined ? undefined : await loadInvoice(trx, input.credits_invoice_id);
      // Another org's invoice is answered exactly like a missing one.
      if (!credited || credited.invoice.org_id !== input.org_id || credited.invoice.kind !== 'invoice') {
        throw new CrmError('invalid_input', 'INVOICE_NOT_FOUND', 'credits_invoice_id: no such posted invoice in this org', [
          { field: 'credits_invoice_id', reason: 'no such posted invoice in this org' },
        ]);
      }
      if (credited.invoice.currency !== input.currency || credited.invoice.supplier_name !== input.supplier_name) {
        throw new CrmError('invalid_input', 'CREDIT_NOTE_MISMATCH', "a credit note has its invoice's supplier and currency", [
          { field: 'currency', reason: `the invoice is ${credited.invoice.currency} from ${credited.invoice.supplier_name}` },
        ]);
      }
      // A credit note corrects at the invoice's own rate, so a full credit cancels to the kuruş.
      fx = { rate: credited.invoice.fx_rate, overridden: false, asOf: credited.invoice.fx_rate };
      const creditValues = rule(() =>
        creditNoteValues(
          input.lines.map((l) => ({ meters: l.meters, unitPrice: l.unit_price })),
          input.currency,
          credited.invoice.fx_rate,
        ),
      );
      values = creditValues;
      // Two credit notes of one invoice take turns: each sees what the other credited.
      await lockInvoice(trx, credited.invoice.id);
      const before = await creditedSoFar(trx, credited.invoice.id);
      rule(() =>
        checkCreditNote(
          credited.lines,
          before,
          input.lines.map((l, index) => ({ quality_code: l.quality_code, amount: creditValues.lines[index]!.amount })),
        ),
      );
    } else {
      const asOf =
        input.currency === 'TRY'
          ? null
          : await rateRowAsOf(trx, `${input.currency}TRY` as 'USDTRY' | 'EURTRY', endOfDay(input.invoice_date));
      const chosen = rule(() =>
        chooseFxRate({ currency: input.currency, asOfRate: asOf?.rate ?? null, requestedRate: input.fx_rate, note: input.fx_rate_note }),
      );
      fx = { ...chosen, asOf: asOf?.rate ?? null };
      values = rule(() =>
        invoiceValues(
          input.lines.map((l) => ({ meters: l.meters, unitPrice: l.unit_price })),
          input.currency,
          chosen.rate,
        ),
      );
    }
    if (await invoiceExists(trx, input.org_id, input.supplier_name, input.kind, input.invoice_number)) {
      throw new CrmError(
        'conflict',
        'INVOICE_NUMBER_EXISTS',
        `invoice_number: ${input.invoice_number} of this supplier is posted already`,
        [{ field: 'invoice_number', reason: 'already posted for this supplier in this org' }],
      );
    }
    const id = randomUUID();
    const postedAt = new Date();
    const lines: InvoiceLineRow[] = input.lines.map((line, index) => ({
      id: randomUUID(),
      org_id: input.org_id,
      invoice_id: id,
      line_no: index + 1,
      quality_code: line.quality_code,
      meters: roundDecimal(line.meters, 2),
      unit_price: roundDecimal(line.unit_price, 4),
      amount: values.lines[index]!.amount,
      amount_try: values.lines[index]!.amountTry,
    }));
    // The invoice as stored and as answered.
    const invoice = {
      id,
      org_id: input.org_id,
      kind: input.kind,
      supplier_name: input.supplier_name,
      invoice_number: input.invoice_number,
      invoice_date: input.invoice_date,
      currency: input.currency,
      fx_rate: fx.rate,
      fx_rate_as_of: fx.asOf,
    };
    await insertInvoice(
      trx,
      {
        ...invoice,
        credits_invoice_id: input.credits_invoice_id ?? null,
        fx_rate_note: fx.overridden ? input.fx_rate_note!.trim() : null,
        total_amount: values.total,
        total_try: values.totalTry,
        posted_at: postedAt,
        posted_by: access.userId,
      },
      lines,
    );
    const audit: AuditEntry[] = [
      {
        orgId: input.org_id,
        actor: access.userId,
        at: postedAt,
        action: input.kind === 'invoice' ? 'supplier_invoice.posted' : 'supplier_credit_note.posted',
        collection: 'supplier_invoices',
        entityId: id,
        note: fx.overridden ? input.fx_rate_note!.trim() : null,
        details: {
          supplier_name: input.supplier_name,
          invoice_number: input.invoice_number,
          currency: input.currency,
          fx_rate: fx.rate,
          fx_rate_as_of: fx.asOf,
          fx_rate_overridden: fx.overridden,
          total: values.total,
          total_try: values.totalTry,
        },
      },
    ];
    await writeAudit(trx, audit);
    // A credit note's cost effect: posted now for the qualities whose invoice lines are matched to
    // their receipts, later (by the match that completes the quality) for the others.
    const costEffect: CreditApplied[] = [];
    if (input.kind === 'credit_note') {
      for (const quality of [...new Set(lines.map((l) => l.quality_code))].sort()) {
        costEffect.push(
          ...(await applyCreditNotes(trx, access.userId, input.org_id, input.credits_invoice_id!, quality, postedAt)).applied,
        );
      }
    }
    return {
      ...invoice,
      fx_rate_overridden: fx.overridden,
      total_amount: values.total,
      total_try: values.totalTry,
      lines: lines.map(({ id: lineId, line_no, quality_code, meters, unit_price, amount, amount_try }) => ({
        id: lineId,
        line_no,
        quality_code,
        meters,
        unit_price,
        amount,
        amount_try,
      })),
      ...(input.kind === 'credit_note'
        ? {
            cost_effect: {
              applied: costEffect,
              pending: lines.filter((l) => !costEffect.some((a) => a.credit_line_id === l.id)).map((l) => l.id),
            },
          }
        : {}),
    };
  });
}

export interface CreditApplied {
  credit_line_id: string;
  quality_code: string;
  amount_try: string;
  variance_try: string;
  allocation: Array<{ receipt_id: string; share_try: string; to_stock_try: string; variance_try: string }>;
}

/**
 * Posts the cost effect of an invoice's pending credit note lines of one quality (story 75: an
 * invoice is corrected by credit note, and so is what it costed). Once every line of that quality
 * on the invoice is matched to its receipts, each credit line's TRY amount is split over those
 * receipts by their value and re-costs them as an adjustment does (rule 5: the share of the meters
 * still in stock goes into the pool, the share already shipped is a variance). Until then the credit
 * waits, and the match that completes the quality posts it. Entries of kind `credit_note` name the
 * credit line; audited `costing.credit_note_applied`. Returns what it applied and the pool after it
 * (none when nothing was applied), so a caller reports the WAC without reading the pool again.
 */
async function applyCreditNotes(
  trx: Knex,
  actor: string | null,
  orgId: string,
  invoiceId: string,
  qualityCode: string,
  at: Date,
): Promise<{ applied: CreditApplied[]; pool?: Pool }> {
  const pending = await pendingCreditLines(trx, invoiceId, qualityCode);
  if (!pending.length) return { applied: [] };
  const { unmatched, receipts } = await creditedReceipts(trx, invoiceId, qualityCode);
  if (unmatched > 0 || !receipts.length) return { applied: [] };
  const found = (await loadPools(trx, [{ org_id: orgId, quality_code: qualityCode }]))[0];
  let pool: Pool = { meters: found?.meters ?? '0.00', value: found?.value ?? '0.00' };
  const targets = receipts.map((r) => ({ key: r.receipt_id, value: r.value_try, meters: r.received_meters }));
  const applied: CreditApplied[] = [];
  const entries: EntryInput[] = [];
  for (const line of pending) {
    const shares = rule(() => allocateAdjustment(line.amount_try, targets, 'value'));
    const credit: CreditApplied = {
      credit_line_id: line.id,
      quality_code: qualityCode,
      amount_try: line.amount_try,
      variance_try: '0.00',
      allocation: [],
    };
    for (const receipt of receipts) {
      const share = shares.get(receipt.receipt_id)!;
      const out = rule(() => recost(pool, share, { receivedMeters: receipt.received_meters, remainingMeters: receipt.remaining_meters }));
      pool = out.pool;
      credit.variance_try = addDecimals(credit.variance_try, out.variance);
      credit.allocation.push({ receipt_id: receipt.receipt_id, share_try: share, to_stock_try: out.toStock, variance_try: out.variance });
      entries.push({
        org_id: orgId,
        quality_code: qualityCode,
        warehouse_code: receipt.warehouse_code,
        occurred_at: at,
        kind: 'credit_note',
        meters: '0.00',
        value_try: out.toStock,
        variance_try: out.variance,
        receipt_id: receipt.receipt_id,
        invoice_line_id: line.id,
        note: `credit note line ${line.line_no}`,
        created_by: actor,
      });
    }
    applied.push(credit);
  }
  await insertEntries(trx, entries);
  await refreshWacMirrors(trx, [{ org_id: orgId, quality_code: qualityCode }], { cause: 'recalculation', runId: randomUUID() });
  await writeAudit(
    trx,
    applied.map((credit) => ({
      orgId,
      actor,
      at,
      action: 'costing.credit_note_applied',
      collection: 'supplier_invoice_lines',
      entityId: credit.credit_line_id,
      note: null,
      details: { invoice_id: invoiceId, ...credit, wac_try_per_meter: wacOf(pool) },
    })),
  );
  return { applied, pool };
}

/** The as-of rate of an invoice date is the one in effect at the end of that day (UTC). */
function endOfDay(date: string): Date {
  return new Date(`${date}T23:59:59.999Z`);
}

// ---------------------------------------------------------------------------------------------
// Matching an invoice line to a receipt (story 76)
// ---------------------------------------------------------------------------------------------

const lineNotFound = () =>
  new CrmError('not_found', 'INVOICE_LINE_NOT_FOUND', 'id: no such invoice line, or you may not do this there', [
    { field: 'id', reason: 'no such invoice line, or you may not do this there' },
  ]);

export async function matchReceipt(scope: RequestScope, lineId: string, receiptId: string, note: string | undefined) {
  const access = await requireAccess(scope, {
    org: () => invoiceLineOrg(scope.database, lineId),
    capability: 'costing.manage',
    notFound: lineNotFound,
    forbidden,
  });
  return scope.database.transaction(async (trx) => {
    await runCosting(trx, access.userId);
    const line = (await loadInvoiceLine(trx, lineId))!;
    if (line.kind !== 'invoice') {
      throw new CrmError('conflict', 'INVOICE_LINE_NOT_MATCHABLE', 'a credit note line is not matched to receipts; post an adjustment');
    }
    const qualities = await receiptQualities(trx, line.org_id, [receiptId], true);
    if (!qualities.length) {
      throw new CrmError('not_found', 'RECEIPT_NOT_FOUND', "receipt_id: no such receipt in the invoice's org", [
        { field: 'receipt_id', reason: "no such receipt in the invoice's org" },
      ]);
    }
    const receipt = qualities.find((q) => q.quality_code === line.quality_code);
    if (!receipt) {
      throw new CrmError('gate_blocked', 'RECEIPT_QUALITY_MISMATCH', `receipt_id: the receipt holds no ${line.quality_code}`, [
        { field: 'receipt_id', reason: `the receipt holds no rolls of ${line.quality_code}` },
      ]);
    }
    if (receipt.provisional_rolls < receipt.rolls) {
      throw new CrmError(
        'conflict',
        'RECEIPT_ALREADY_MATCHED',
        `the ${line.quality_code} rolls of ${receiptId} are matched to an invoice line already`,
      );
    }
    const before = (await loadPools(trx, [{ org_id: line.org_id, quality_code: line.quality_code }]))[0]!;
    const matched = await matchRollsToLine(trx, {
      orgId: line.org_id,
      receiptId,
      qualityCode: line.quality_code,
      lineId,
      lineValueTry: line.amount_try,
    });
    const delta = subtractDecimals(matched.new_value, matched.old_value);
    const pool: Pool = { meters: before.meters, value: before.value };
    const out = rule(() => recost(pool, delta, { receivedMeters: receipt.received_meters, remainingMeters: receipt.remaining_meters }));
    const at = new Date();
    await insertEntries(trx, [
      {
        org_id: line.org_id,
        quality_code: line.quality_code,
        warehouse_code: receipt.warehouse_code,
        occurred_at: at,
        kind: 'invoice_match',
        meters: '0.00',
        value_try: out.toStock,
        variance_try: out.variance,
        receipt_id: receiptId,
        invoice_line_id: lineId,
        note: note ?? null,
        created_by: access.userId,
      },
    ]);
    await refreshWacMirrors(trx, [{ org_id: line.org_id, quality_code: line.quality_code }], {
      cause: 'recalculation',
      runId: randomUUID(),
    });
    // Credit notes of this invoice's quality that waited for its receipts take effect now.
    const credits = await applyCreditNotes(trx, access.userId, line.org_id, line.invoice_id, line.quality_code, at);
    await writeAudit(trx, [
      {
        orgId: line.org_id,
        actor: access.userId,
        at,
        action: 'costing.receipt_matched',
        collection: 'supplier_invoice_lines',
        entityId: lineId,
        note: note ?? null,
        details: {
          receipt_id: receiptId,
          quality_code: line.quality_code,
          rolls: matched.rolls,
          provisional_value_try: matched.old_value,
          invoice_value_try: matched.new_value,
          to_stock_try: out.toStock,
          variance_try: out.variance,
        },
      },
    ]);
    return {
      invoice_line_id: lineId,
      receipt_id: receiptId,
      quality_code: line.quality_code,
      rolls: matched.rolls,
      received_meters: receipt.received_meters,
      provisional_value_try: matched.old_value,
      invoice_value_try: matched.new_value,
      unit_cost_try: unitCost(matched.new_value, receipt.received_meters),
      to_stock_try: out.toStock,
      variance_try: out.variance,
      wac_try_per_meter: wacOf(credits.pool ?? out.pool),
      credit_notes_applied: credits.applied,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Post-receipt adjustments (story 78)
// ---------------------------------------------------------------------------------------------

export interface AdjustmentInput {
  org_id: string;
  kind: 'duty' | 'freight' | 'other';
  basis: AllocationBasis;
  currency: Currency;
  amount: string;
  fx_rate?: string | undefined;
  note: string;
  receipt_ids: string[];
}

export async function postAdjustment(scope: RequestScope, input: AdjustmentInput) {
  const access = await requireAccess(scope, { org: input.org_id, capability: 'costing.manage', notFound: orgNotGranted, forbidden });
  return scope.database.transaction(async (trx) => {
    await runCosting(trx, access.userId);
    const at = new Date();
    const asOf = input.currency === 'TRY' ? null : await rateRowAsOf(trx, `${input.currency}TRY` as 'USDTRY' | 'EURTRY', at);
    const fx = rule(() =>
      chooseFxRate({ currency: input.currency, asOfRate: asOf?.rate ?? null, requestedRate: input.fx_rate, note: input.note }),
    );
    const amountTry = invoiceValues([{ meters: '1', unitPrice: input.amount }], input.currency, fx.rate).totalTry;
    const receiptIds = [...new Set(input.receipt_ids)].sort();
    const rows = await receiptQualities(trx, input.org_id, receiptIds, true);
    const missing = receiptIds.filter((id) => !rows.some((row) => row.receipt_id === id));
    if (missing.length) {
      throw new CrmError(
        'not_found',
        'RECEIPT_NOT_FOUND',
        `receipt_ids: no such receipt in this org: ${missing.join(', ')}`,
        missing.map((id) => ({ field: `receipt_ids.${input.receipt_ids.indexOf(id)}`, reason: 'no such receipt in this org' })),
      );
    }
    const targets = rows.map((row) => ({
      key: `${row.receipt_id}|${row.quality_code}`,
      value: row.value_try,
      meters: row.received_meters,
      row,
    }));
    const shares = rule(() => allocateAdjustment(amountTry, targets, input.basis));
    const pools = new Map(
      (
        await loadPools(
          trx,
          [...new Set(rows.map((r) => r.quality_code))].map((quality_code) => ({ org_id: input.org_id, quality_code })),
        )
      ).map((p) => [p.quality_code, { meters: p.meters, value: p.value } as Pool]),
    );
    const id = randomUUID();
    const entries: EntryInput[] = [];
    const allocation: Array<Record<string, string>> = [];
    let variance = '0.00';
    for (const target of targets) {
      const share = shares.get(target.key)!;
      const out = rule(() =>
        recost(pools.get(target.row.quality_code)!, share, {
          receivedMeters: target.row.received_meters,
          remainingMeters: target.row.remaining_meters,
        }),
      );
      pools.set(target.row.quality_code, out.pool);
      variance = addDecimals(variance, out.variance);
      allocation.push({
        receipt_id: target.row.receipt_id,
        quality_code: target.row.quality_code,
        share_try: share,
        to_stock_try: out.toStock,
        variance_try: out.variance,
      });
      entries.push({
        org_id: input.org_id,
        quality_code: target.row.quality_code,
        warehouse_code: target.row.warehouse_code,
        occurred_at: at,
        kind: 'adjustment',
        meters: '0.00',
        value_try: out.toStock,
        variance_try: out.variance,
        receipt_id: target.row.receipt_id,
        adjustment_id: id,
        note: `${input.kind} by ${input.basis}`,
        created_by: access.userId,
      });
    }
    // What the adjustment is, as stored and as audited.
    const posted = {
      kind: input.kind,
      basis: input.basis,
      currency: input.currency,
      amount: input.amount,
      fx_rate: fx.rate,
      amount_try: amountTry,
      variance_try: variance,
    };
    await insertAdjustment(trx, {
      id,
      org_id: input.org_id,
      ...posted,
      receipt_ids: allocation,
      note: input.note,
      created_by: access.userId,
    });
    await insertEntries(trx, entries);
    const scopes = [...pools.keys()].sort().map((quality_code) => ({ org_id: input.org_id, quality_code }));
    await refreshWacMirrors(trx, scopes, { cause: 'post_receipt_adjustment', runId: id });
    await writeAudit(trx, [
      {
        orgId: input.org_id,
        actor: access.userId,
        at,
        action: 'costing.adjustment_posted',
        collection: 'costing_adjustments',
        entityId: id,
        note: input.note,
        details: { ...posted, allocation },
      },
    ]);
    return {
      id,
      kind: input.kind,
      basis: input.basis,
      amount_try: amountTry,
      fx_rate: fx.rate,
      variance_try: variance,
      allocation,
      wac: [...pools.entries()]
        .sort()
        .map(([quality_code, pool]) => ({ quality_code, wac_try_per_meter: wacOf(pool), meters: pool.meters, value_try: pool.value })),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Valuation by owner org (story 79)
// ---------------------------------------------------------------------------------------------

export async function readValuation(scope: RequestScope, asOf: Date) {
  const access = await requireAccess(scope, { in: 'org_scope', capability: 'costing.read', forbidden });
  const rows = await valuationAsOf(scope.database, access.orgIds, asOf);
  const orgs = new Map<string, { org_id: string; org_code: string; meters: string; value_try: string }>();
  const qualities = new Map<string, { org_code: string; quality_code: string; meters: string; value_try: string }>();
  for (const row of rows) {
    const org = orgs.get(row.org_id) ?? { org_id: row.org_id, org_code: row.org_code, meters: '0.00', value_try: '0.00' };
    org.meters = addDecimals(org.meters, row.meters);
    org.value_try = addDecimals(org.value_try, row.value_try);
    orgs.set(row.org_id, org);
    const key = `${row.org_code}|${row.quality_code}`;
    const quality = qualities.get(key) ?? { org_code: row.org_code, quality_code: row.quality_code, meters: '0.00', value_try: '0.00' };
    quality.meters = addDecimals(quality.meters, row.meters);
    quality.value_try = addDecimals(quality.value_try, row.value_try);
    qualities.set(key, quality);
  }
  return {
    as_of: asOf.toISOString(),
    orgs: [...orgs.values()],
    by_quality: [...qualities.values()].map((q) => ({ ...q, wac_try_per_meter: unitCost(q.value_try, q.meters) })),
    by_warehouse: rows,
    total_value_try: rows.length ? addDecimals(...rows.map((r) => r.value_try)) : '0.00',
  };
}

// ---------------------------------------------------------------------------------------------
// Profitability (story 80)
// ---------------------------------------------------------------------------------------------

export type ProfitabilityDimension = 'deal' | 'po' | 'customer' | 'quality' | 'org';

/**
 * Revenue (original currency, and TRY at the rate of the price snapshot, shown with every figure),
 * cost (the costing's issues at the owner's WAC at shipment) and margin, per shipped PO × quality
 * of the caller's selling orgs, and summed per deal, PO, customer, quality and org. A PO × quality
 * sold at two prices gets its cost split by meters. Lines without a rate to TRY are listed and left
 * out of the TRY sums, never converted at a guessed rate.
 */
export async function readProfitability(scope: RequestScope) {
  const access = await requireAccess(scope, { in: 'org_scope', capability: 'costing.read', forbidden });
  const rows = await profitabilityRows(scope.database, access.orgIds);
  // The cost of a PO × quality, split by meters over its price groups.
  const groups = new Map<string, number[]>();
  rows.forEach((row, index) => {
    const key = `${row.po_number}|${row.quality_code}`;
    groups.set(key, [...(groups.get(key) ?? []), index]);
  });
  const costs = new Array<string>(rows.length);
  for (const indexes of groups.values()) {
    const cost = rows[indexes[0]!]!.cost_try;
    const meters = indexes.map((i) => rows[i]!.meters);
    const parts = meters.every(isZeroDecimal) ? indexes.map(() => '0.00') : allocateDecimal(cost, meters, 2);
    indexes.forEach((i, k) => (costs[i] = indexes.length === 1 ? cost : parts[k]!));
  }
  const lines = rows.map((row, index) => {
    const revenue = roundDecimal(multiplyDecimals(row.meters, row.unit_price), 2);
    const revenueTry = row.fx_rate === null ? null : roundDecimal(multiplyDecimals(revenue, row.fx_rate), 2);
    return {
      org_code: row.org_code,
      deal_id: row.deal_id,
      deal_code: row.deal_code,
      customer: row.customer,
      po_number: row.po_number,
      quality_code: row.quality_code,
      shipped_at: row.shipped_at,
      meters: row.meters,
      unit_price: row.unit_price,
      currency: row.currency,
      revenue,
      fx_rate: row.fx_rate,
      fx_rate_source: row.fx_rate_source,
      revenue_try: revenueTry,
      cost_try: costs[index]!,
      margin_try: revenueTry === null ? null : subtractDecimals(revenueTry, costs[index]!),
    };
  });
  const summary = (dimension: ProfitabilityDimension) => {
    const keyOf = (line: (typeof lines)[number]) =>
      ({ deal: line.deal_code, po: line.po_number, customer: line.customer ?? '', quality: line.quality_code, org: line.org_code })[
        dimension
      ];
    const byKey = new Map<string, RevenueLine[]>();
    for (const line of lines) {
      if (line.fx_rate === null) continue;
      byKey.set(keyOf(line), [
        ...(byKey.get(keyOf(line)) ?? []),
        { amount: line.revenue, currency: line.currency, fxRate: line.fx_rate, costTry: line.cost_try },
      ]);
    }
    return [...byKey.entries()].map(([key, revenueLines]) => {
      const p = profitability(revenueLines);
      return {
        [dimension]: key,
        revenue_by_currency: p.revenueByCurrency,
        revenue_try: p.revenueTry,
        cost_try: p.costTry,
        margin_try: p.marginTry,
        margin_percent: p.marginPercent,
        rates_used: p.ratesUsed.map((r) => ({ currency: r.currency, fx_rate: r.fxRate })),
      };
    });
  };
  return {
    lines,
    rate_missing: lines
      .filter((line) => line.fx_rate === null)
      .map((line) => ({ po_number: line.po_number, quality_code: line.quality_code, currency: line.currency })),
    by_deal: summary('deal'),
    by_po: summary('po'),
    by_customer: summary('customer'),
    by_quality: summary('quality'),
    by_org: summary('org'),
  };
}
