/**
 * Proformas, the Balance Check Gate and contract drafts of cash deals (stories 8, 17, 18, 40-45).
 *
 * - Cash pack (40): `createCashPack` runs inside the deal.won transaction (purchase-orders/service.ts
 *   #markDealWon): a cash customer's won deal gets its Proforma (drafted, lines and totals frozen
 *   from the price snapshots) and its Contract Draft, unless a Sales Manager waives either with a note.
 * - Balance Check Gate (42): before a proforma is downloaded or sent, the caller reads Total Open,
 *   Overdue, Available Limit and Requested New of the customer in the proforma's org and
 *   acknowledges exactly those figures; download and send are refused without an acknowledgement
 *   by the caller whose figures still equal the figures now.
 * - Sending (43, 44) goes through the email outbox (`proforma_sent`, key
 *   crm:email:{proforma code}:proforma_sent:v1) with the PDF attached; while anything is overdue the
 *   email carries the (editable) warning line.
 * - paid_confirmed (45): a Sales Manager names the payment ledger entries (same org, customer and
 *   currency) and confirms, with a note.
 * - Contracts (40, 41): drafted → sent → signed_received (the signed copy, a Directus file) or waived.
 *
 * Roles (modules/orgs/access.ts): sales owners and managers read, acknowledge, download and send;
 * only Sales Managers confirm paid, confirm signed and waive. Every change is audited.
 */
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import type { Knex } from 'knex';
import { writeAudit } from '../../shared/audit.js';
import { CrmError } from '../../shared/errors.js';
import type { RequestScope } from '../../shared/services.js';
import { readInSnapshot } from '../../shared/statements.js';
import { generateUniqueCode } from '../codes/codes.js';
import { creditToday } from '../credit/service.js';
import { exposureRows } from '../credit/repository.js';
import { enqueueEmail } from '../email/outbox.js';
import type { Capability } from '../orgs/access.js';
import { requireAccess, type Access } from '../orgs/require-access.js';
import { loadPayment } from '../payments/repository.js';
import { renderProformaPdf } from './pdf.js';
import {
  contractStatusOfDeal,
  dealLinesForProforma,
  fileExists,
  insertAcknowledgement,
  insertContract,
  insertProforma,
  latestAcknowledgement,
  listProformas,
  loadCashPackDeal,
  loadContract,
  loadProforma,
  markProformaPaid,
  markProformaSent,
  pendingRequestedByCurrency,
  profileInactive,
  proformaCodeTaken,
  proformaOrg,
  updateContract,
  userHasGrantIn,
  type ProformaRow,
} from './repository.js';
import {
  balanceFigures,
  contractTransition,
  CURRENCIES,
  formatMoney,
  overdueOf,
  overdueWarningLine,
  proformaLines,
  proformaTotals,
  proformaTransition,
  sameFigures,
  uncoveredCurrencies,
  type BalanceFigure,
  type ContractStatus,
  type Currency,
  type ProformaStatus,
} from './rules.js';

function fieldError(kind: ConstructorParameters<typeof CrmError>[0], code: string, field: string, reason: string): CrmError {
  return new CrmError(kind, code, `${field}: ${reason}`, [{ field, reason }]);
}

const proformaNotFound = () => fieldError('not_found', 'PROFORMA_NOT_FOUND', 'id', 'no such proforma, or you may not do this there');
const contractNotFound = () => fieldError('not_found', 'CONTRACT_NOT_FOUND', 'id', 'no such contract, or you may not do this there');

/**
 * The caller may do `capability` on the proforma: no grant in its org, no such proforma, or (for a
 * role that does not see inactive customers, story 5) an inactive customer's proforma → 404 alike.
 */
async function requireProformaAccess(scope: RequestScope, id: string, capability: Capability, forbidden: () => CrmError): Promise<Access> {
  const access = await requireAccess(scope, {
    org: () => proformaOrg(scope.database, id),
    capability,
    notFound: proformaNotFound,
    forbidden,
  });
  const row = (await loadProforma(scope.database, id))!;
  if (!access.may('customer.see_inactive', row.org_id) && (await profileInactive(scope.database, row.customer_profile_id))) {
    throw proformaNotFound();
  }
  return access;
}

// ---------------------------------------------------------------------------------------------
// cash pack on deal.won (story 40)

export interface CashPackWaivers {
  waive_proforma?: { note: string } | undefined;
  waive_contract?: { note: string } | undefined;
}

export interface CashPackResult {
  proforma: { id: string; code: string; status: 'drafted'; totals: ReturnType<typeof proformaTotals> } | null;
  contract: { id: string; status: 'drafted' | 'waived' } | null;
  waived: { proforma: boolean; contract: boolean };
}

/**
 * The refusal of waivers before the won transaction: waiving is a Sales Manager's (story 18), in
 * the deal's org. Called by markDealWon with the caller's access.
 */
export function checkCashPackWaivers(access: Access, orgId: string, waivers: CashPackWaivers): void {
  if ((waivers.waive_proforma || waivers.waive_contract) && !access.may('cash_pack.waive', orgId)) {
    const field = waivers.waive_proforma ? 'waive_proforma' : 'waive_contract';
    throw fieldError(
      'forbidden',
      'WAIVE_NOT_ALLOWED',
      field,
      'only a Sales Manager of this org waives the proforma or the contract of a cash deal',
    );
  }
}

/**
 * Story 40, inside the deal.won transaction `trx`: a cash customer's deal gets its Proforma and its
 * Contract Draft (each unless waived with a note), audited. A credit customer's deal gets neither
 * (null); waivers for it are refused (nothing to waive).
 */
export async function createCashPack(
  trx: Knex,
  input: { dealId: string; actorId: string; at: Date; waivers: CashPackWaivers },
): Promise<CashPackResult | null> {
  const deal = (await loadCashPackDeal(trx, input.dealId))!;
  const { waive_proforma: waiveProforma, waive_contract: waiveContract } = input.waivers;
  if (deal.payment_mode !== 'cash') {
    if (waiveProforma || waiveContract) {
      throw fieldError(
        'invalid_input',
        'NOT_A_CASH_DEAL',
        waiveProforma ? 'waive_proforma' : 'waive_contract',
        'the customer pays on credit: a won deal gets no cash pack to waive',
      );
    }
    return null;
  }
  const audit: Parameters<typeof writeAudit>[1][number][] = [];
  let proforma: CashPackResult['proforma'] = null;
  if (waiveProforma) {
    audit.push({
      orgId: deal.org_id,
      at: input.at,
      actor: input.actorId,
      action: 'cash_pack.proforma_waived',
      collection: 'deals',
      entityId: deal.id,
      note: waiveProforma.note,
      details: { code: deal.code },
    });
  } else {
    const lines = proformaLines(await dealLinesForProforma(trx, deal.id), CURRENCIES.find((c) => c === deal.currency) ?? 'TRY');
    const totals = proformaTotals(lines);
    const year = input.at.getUTCFullYear();
    const code = await generateUniqueCode('proforma', { org: deal.org_code, year }, (candidate) => proformaCodeTaken(trx, candidate));
    const id = randomUUID();
    await insertProforma(trx, {
      id,
      org_id: deal.org_id,
      code,
      deal_id: deal.id,
      customer_profile_id: deal.customer_profile_id,
      lines,
      totals,
      issued_at: input.at,
      issued_by: input.actorId,
    });
    audit.push({
      orgId: deal.org_id,
      at: input.at,
      actor: input.actorId,
      action: 'proforma.drafted',
      collection: 'proformas',
      entityId: id,
      note: null,
      details: { code, deal_id: deal.id, totals },
    });
    proforma = { id, code, status: 'drafted', totals };
  }
  const contractId = randomUUID();
  await insertContract(trx, {
    id: contractId,
    org_id: deal.org_id,
    deal_id: deal.id,
    customer_profile_id: deal.customer_profile_id,
    status: waiveContract ? 'waived' : 'drafted',
    created_at: input.at,
    created_by: input.actorId,
    waived_at: waiveContract ? input.at : null,
    waived_by: waiveContract ? input.actorId : null,
    waive_note: waiveContract?.note ?? null,
  });
  audit.push({
    orgId: deal.org_id,
    at: input.at,
    actor: input.actorId,
    action: waiveContract ? 'contract.waived' : 'contract.drafted',
    collection: 'contracts',
    entityId: contractId,
    note: waiveContract?.note ?? null,
    details: { deal_id: deal.id, deal_code: deal.code, on: 'deal.won' },
  });
  await writeAudit(trx, audit);
  return {
    proforma,
    contract: { id: contractId, status: waiveContract ? 'waived' : 'drafted' },
    waived: { proforma: !!waiveProforma, contract: !!waiveContract },
  };
}

/** The release gate's input (story 41): the deal's contract status, null when it is no cash deal. */
export function cashContractOfDeal(db: Knex, dealId: string): Promise<ContractStatus | null> {
  return contractStatusOfDeal(db, dealId);
}

// ---------------------------------------------------------------------------------------------
// reads

export interface ProformaView {
  id: string;
  org_id: string;
  code: string;
  deal_id: string;
  deal_code: string;
  customer_profile_id: string;
  customer_name: string;
  status: ProformaStatus;
  lines: ProformaRow['lines'];
  totals: ProformaRow['totals'];
  issued_at: string;
  sent_at: string | null;
  paid_confirmed_at: string | null;
  payment_ids: string[] | null;
}

function viewOf(row: ProformaRow): ProformaView {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: row.id,
    org_id: row.org_id,
    code: row.code,
    deal_id: row.deal_id,
    deal_code: row.deal_code,
    customer_profile_id: row.customer_profile_id,
    customer_name: row.legal_name,
    status: row.status,
    lines: row.lines,
    totals: row.totals,
    issued_at: new Date(row.issued_at).toISOString(),
    sent_at: iso(row.sent_at),
    paid_confirmed_at: iso(row.paid_confirmed_at),
    payment_ids: row.payment_ids,
  };
}

const readForbidden = () => fieldError('forbidden', 'PROFORMA_NOT_ALLOWED', 'id', "your role in this proforma's org cannot read proformas");

/** Proformas of the Org Scope (cash_pack.read), newest first. */
export async function readProformas(scope: RequestScope, query: { status?: ProformaStatus | undefined; limit: number; offset: number }) {
  const access = await requireAccess(scope, {
    in: 'org_scope',
    capability: 'cash_pack.read',
    forbidden: () => new CrmError('forbidden', 'PROFORMA_NOT_ALLOWED', 'your role cannot read proformas in the orgs of your Org Scope'),
  });
  const seeInactive = access.orgIds.filter((org) => access.may('customer.see_inactive', org));
  const activeOnly = access.orgIds.filter((org) => !seeInactive.includes(org));
  const rows = await listProformas(scope.database, { seeInactiveOrgIds: seeInactive, activeOnlyOrgIds: activeOnly, ...query });
  return {
    orgs: access.orgIds,
    total: rows[0]?.total ?? 0,
    items: rows.map(({ total: _total, issued_at, ...row }) => ({ ...row, issued_at: new Date(issued_at).toISOString() })),
  };
}

export async function readProforma(scope: RequestScope, id: string) {
  await requireProformaAccess(scope, id, 'cash_pack.read', readForbidden);
  const row = (await loadProforma(scope.database, id))!;
  return { ...viewOf(row), contract_status: await contractStatusOfDeal(scope.database, row.deal_id) };
}

// ---------------------------------------------------------------------------------------------
// Balance Check Gate (story 42)

const sendForbidden = () =>
  fieldError('forbidden', 'PROFORMA_SEND_NOT_ALLOWED', 'id', "your role in this proforma's org cannot download or send proformas");

async function currentFigures(db: Knex, row: ProformaRow): Promise<BalanceFigure[]> {
  const exposure = await exposureRows(db, { orgIds: [row.org_id], profileIds: [row.customer_profile_id], today: creditToday() });
  const requested = await pendingRequestedByCurrency(db, row.customer_profile_id);
  return balanceFigures(exposure, requested, row.totals);
}

function emailDraft(row: ProformaRow, figures: readonly BalanceFigure[]) {
  return {
    subject: `Proforma ${row.code}`,
    message: `Dear ${row.legal_name}, please find attached our proforma invoice ${row.code} for ${row.totals
      .map((t) => formatMoney(t.total, t.currency))
      .join(' + ')}.`,
    warning_line: overdueWarningLine(figures),
  };
}

export async function readBalanceCheck(scope: RequestScope, id: string) {
  const access = await requireProformaAccess(scope, id, 'cash_pack.send', sendForbidden);
  const counted = await readInSnapshot(scope.database, async (trx) => {
    const row = (await loadProforma(trx, id))!;
    const figures = await currentFigures(trx, row);
    const ack = await latestAcknowledgement(trx, id, access.userId);
    return {
      proforma_id: row.id,
      code: row.code,
      org_id: row.org_id,
      customer_profile_id: row.customer_profile_id,
      figures,
      overdue: overdueOf(figures),
      acknowledgement: ack
        ? {
            id: ack.id,
            acknowledged_at: new Date(ack.acknowledged_at).toISOString(),
            covers_current_figures: sameFigures(ack.figures, figures),
          }
        : null,
      email_draft: emailDraft(row, figures),
    };
  });
  return counted.result;
}

/**
 * The caller acknowledges the figures they were shown. They must equal the figures now: otherwise
 * 409 BALANCE_CHANGED and nothing is stored (read the balance check again).
 */
export async function acknowledgeBalanceCheck(scope: RequestScope, id: string, shown: BalanceFigure[]) {
  const access = await requireProformaAccess(scope, id, 'cash_pack.send', sendForbidden);
  return scope.database.transaction(async (trx) => {
    const row = (await loadProforma(trx, id, true))!;
    const figures = await currentFigures(trx, row);
    if (!sameFigures(shown, figures)) {
      throw fieldError(
        'conflict',
        'BALANCE_CHANGED',
        'figures',
        'the figures differ from the balance check now; read it again and acknowledge what it shows',
      );
    }
    const ackId = randomUUID();
    const at = new Date();
    await insertAcknowledgement(trx, {
      id: ackId,
      org_id: row.org_id,
      proforma_id: row.id,
      customer_profile_id: row.customer_profile_id,
      figures,
      acknowledged_by: access.userId,
      acknowledged_at: at,
    });
    await writeAudit(trx, [
      {
        orgId: row.org_id,
        at,
        actor: access.userId,
        action: 'proforma.balance_acknowledged',
        collection: 'proforma_acknowledgements',
        entityId: ackId,
        note: null,
        details: { proforma_id: row.id, code: row.code, figures },
      },
    ]);
    return { id: ackId, proforma_id: row.id, acknowledged_at: at.toISOString(), figures };
  });
}

/** Download and send need the caller's acknowledgement of the figures as they are now. */
async function requireAcknowledged(db: Knex, row: ProformaRow, userId: string): Promise<{ ackId: string; figures: BalanceFigure[] }> {
  const figures = await currentFigures(db, row);
  const ack = await latestAcknowledgement(db, row.id, userId);
  if (!ack) {
    throw fieldError(
      'gate_blocked',
      'BALANCE_CHECK_REQUIRED',
      'balance_check',
      'read and acknowledge the balance check (POST /crm/proformas/:id/balance-check) first',
    );
  }
  if (!sameFigures(ack.figures, figures)) {
    throw fieldError(
      'gate_blocked',
      'BALANCE_CHECK_REQUIRED',
      'balance_check',
      "the customer's balance changed since your acknowledgement; read and acknowledge it again",
    );
  }
  return { ackId: ack.id, figures };
}

function documentOf(row: ProformaRow) {
  return {
    code: row.code,
    issued_at: new Date(row.issued_at).toISOString(),
    status: row.status,
    deal_code: row.deal_code,
    org: { code: row.org_code, name: row.org_name, brand_color: row.org_brand_color, email: row.org_email },
    customer: { legal_name: row.legal_name, tax_number: row.tax_number, country: row.country },
    lines: row.lines,
    totals: row.totals,
  };
}

/** The PDF, written to the response (application/pdf). */
export async function downloadProforma(scope: RequestScope, id: string, res: Response): Promise<void> {
  const access = await requireProformaAccess(scope, id, 'cash_pack.send', sendForbidden);
  const pdf = await readInSnapshot(scope.database, async (trx) => {
    const row = (await loadProforma(trx, id))!;
    await requireAcknowledged(trx, row, access.userId);
    return { code: row.code, body: await renderProformaPdf(documentOf(row)) };
  });
  res.status(200);
  res.setHeader('Content-Type', 'application/pdf');
  res.setHeader('Content-Disposition', `attachment; filename="${pdf.result.code}.pdf"`);
  res.end(pdf.result.body);
}

export interface SendInput {
  message?: string | undefined;
  /** Story 43: the editable warning line; required (non-blank) while anything is overdue. */
  warning_line?: string | undefined;
  note?: string | undefined;
}

/** Sends the proforma through the email outbox (PDF attached): drafted → sent. */
export async function sendProforma(scope: RequestScope, id: string, input: SendInput) {
  const access = await requireProformaAccess(scope, id, 'cash_pack.send', sendForbidden);
  return scope.database.transaction(async (trx) => {
    const row = (await loadProforma(trx, id, true))!;
    const move = proformaTransition(row.status, 'sent');
    if (!move.ok) throw fieldError(move.kind, move.code, 'id', move.reason);
    const { ackId, figures } = await requireAcknowledged(trx, row, access.userId);
    const draft = emailDraft(row, figures);
    const overdue = overdueOf(figures);
    const warning = input.warning_line === undefined ? draft.warning_line : input.warning_line.trim() || null;
    if (overdue.length && !warning) {
      throw fieldError(
        'gate_blocked',
        'OVERDUE_WARNING_REQUIRED',
        'warning_line',
        `the customer has overdue ${overdue.map((o) => formatMoney(o.amount, o.currency)).join(', ')}: the email carries a warning line (edit it, do not remove it)`,
      );
    }
    const pdf = await renderProformaPdf(documentOf(row));
    const at = new Date();
    const email = await enqueueEmail(trx as Knex.Transaction, {
      orgId: row.org_id,
      type: 'proforma_sent',
      subject: row.code,
      dealId: row.deal_id,
      content: {
        subject: draft.subject,
        paragraphs: [input.message ?? draft.message, ...(warning ? [warning] : [])],
        facts: [
          { label: 'Proforma', value: row.code },
          ...row.totals.map((t) => ({ label: `Total ${t.currency}`, value: formatMoney(t.total, t.currency) })),
        ],
      },
      attachments: [{ filename: `${row.code}.pdf`, content_type: 'application/pdf', content: pdf.toString('base64') }],
    });
    await markProformaSent(trx, row.id, { sent_at: at, sent_by: access.userId, email_id: email.id });
    await writeAudit(trx, [
      {
        orgId: row.org_id,
        at,
        actor: access.userId,
        action: 'proforma.sent',
        collection: 'proformas',
        entityId: row.id,
        note: input.note ?? null,
        details: { code: row.code, acknowledgement_id: ackId, idempotency_key: email.idempotency_key, warning_line: warning },
      },
    ]);
    return {
      id: row.id,
      code: row.code,
      status: 'sent' as const,
      sent_at: at.toISOString(),
      warning_line: warning,
      email: { id: email.id, idempotency_key: email.idempotency_key, state: email.state, suppressed_reason: email.suppressed_reason },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// paid_confirmed (story 45)

export async function confirmProformaPaid(scope: RequestScope, id: string, input: { payment_ids: string[]; note: string }) {
  const access = await requireProformaAccess(scope, id, 'cash_pack.confirm', () =>
    fieldError('forbidden', 'PAYMENT_CONFIRM_NOT_ALLOWED', 'id', 'only a Sales Manager of this org confirms a proforma paid'),
  );
  return scope.database.transaction(async (trx) => {
    const row = (await loadProforma(trx, id, true))!;
    const move = proformaTransition(row.status, 'paid_confirmed');
    if (!move.ok) throw fieldError(move.kind, move.code, 'id', move.reason);
    const payments = [];
    for (const [index, paymentId] of input.payment_ids.entries()) {
      const payment = await loadPayment(trx, paymentId);
      // Another org's or another customer's payment reads like one that does not exist.
      if (!payment || payment.org_id !== row.org_id || payment.customer_profile_id !== row.customer_profile_id) {
        throw fieldError(
          'invalid_input',
          'PAYMENT_NOT_FOUND',
          `payment_ids.${index}`,
          "no such payment of this proforma's customer in its org",
        );
      }
      if (payment.kind !== 'payment' || payment.reversed_by) {
        throw fieldError(
          'gate_blocked',
          'PAYMENT_REVERSED',
          `payment_ids.${index}`,
          'a reversed payment (or a reversal entry) proves nothing',
        );
      }
      if (!row.totals.some((t) => t.currency === payment.currency)) {
        throw fieldError(
          'gate_blocked',
          'PAYMENT_CURRENCY_MISMATCH',
          `payment_ids.${index}`,
          `the payment is in ${payment.currency}; the proforma is in ${row.totals.map((t) => t.currency).join(', ')}`,
        );
      }
      payments.push(payment);
    }
    const missing = uncoveredCurrencies(
      row.totals,
      payments.map((p) => p.currency),
    );
    if (missing.length) {
      throw fieldError(
        'gate_blocked',
        'PAYMENT_CURRENCY_MISMATCH',
        'payment_ids',
        `no payment in ${missing.join(', ')}: name one payment per currency of the proforma`,
      );
    }
    const at = new Date();
    await markProformaPaid(trx, row.id, {
      paid_confirmed_at: at,
      paid_confirmed_by: access.userId,
      payment_ids: input.payment_ids,
      paid_note: input.note,
    });
    const paid: Partial<Record<Currency, string[]>> = {};
    for (const p of payments) (paid[p.currency as Currency] ??= []).push(p.amount);
    await writeAudit(trx, [
      {
        orgId: row.org_id,
        at,
        actor: access.userId,
        action: 'proforma.paid_confirmed',
        collection: 'proformas',
        entityId: row.id,
        note: input.note,
        details: {
          code: row.code,
          payments: payments.map((p) => ({ id: p.id, reference: p.reference, currency: p.currency, amount: p.amount })),
          totals: row.totals,
        },
      },
    ]);
    return {
      id: row.id,
      code: row.code,
      status: 'paid_confirmed' as const,
      paid_confirmed_at: at.toISOString(),
      payment_ids: input.payment_ids,
      totals: row.totals,
      payments: payments.map((p) => ({ id: p.id, currency: p.currency, amount: p.amount, reference: p.reference })),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// contracts (stories 40, 41)

async function requireContractAccess(scope: RequestScope, id: string, capability: Capability, forbidden: () => CrmError): Promise<Access> {
  const access = await requireAccess(scope, {
    org: async () => (await loadContract(scope.database, id))?.org_id,
    capability,
    notFound: contractNotFound,
    forbidden,
  });
  const row = (await loadContract(scope.database, id))!;
  if (!access.may('customer.see_inactive', row.org_id) && (await profileInactive(scope.database, row.customer_profile_id)))
    throw contractNotFound();
  return access;
}

async function changeContract(
  scope: RequestScope,
  id: string,
  to: 'sent' | 'signed_received' | 'waived',
  access: Access,
  note: string | null,
  fields: (at: Date) => Promise<Record<string, unknown>>,
) {
  return scope.database.transaction(async (trx) => {
    const row = (await loadContract(trx, id, true))!;
    const move = contractTransition(row.status, to);
    if (!move.ok) throw fieldError(move.kind, move.code, 'id', move.reason);
    const at = new Date();
    const changes = await fields(at);
    await updateContract(trx, row.id, { ...changes, status: to });
    await writeAudit(trx, [
      {
        orgId: row.org_id,
        at,
        actor: access.userId,
        action: `contract.${to}`,
        collection: 'contracts',
        entityId: row.id,
        note,
        details: {
          deal_id: row.deal_id,
          deal_code: row.deal_code,
          previous_status: row.status,
          ...('signed_file' in changes ? { signed_file: changes['signed_file'] } : {}),
        },
      },
    ]);
    return { id: row.id, deal_id: row.deal_id, status: to, at: at.toISOString() };
  });
}

export async function sendContract(scope: RequestScope, id: string, note: string | null) {
  const access = await requireContractAccess(scope, id, 'cash_pack.send', () =>
    fieldError('forbidden', 'CONTRACT_SEND_NOT_ALLOWED', 'id', "your role in this contract's org cannot send contracts"),
  );
  return changeContract(scope, id, 'sent', access, note, async (at) => ({ sent_at: at, sent_by: access.userId }));
}

/**
 * The signed copy received: a Sales Manager names the uploaded file (POST /files by anyone with a
 * grant in the contract's org, or the admin) and confirms. Clears the contract gate (story 41).
 */
export async function confirmContractSigned(scope: RequestScope, id: string, input: { file_id: string; note: string }) {
  const access = await requireContractAccess(scope, id, 'cash_pack.confirm', () =>
    fieldError('forbidden', 'CONTRACT_CONFIRM_NOT_ALLOWED', 'id', 'only a Sales Manager of this org confirms a contract signed_received'),
  );
  const contract = (await loadContract(scope.database, id))!;
  const file = await fileExists(scope.database, input.file_id);
  const uploaderMayShare =
    file &&
    (file.uploaded_by === access.userId ||
      (file.uploaded_by !== null && (await userHasGrantIn(scope.database, file.uploaded_by, contract.org_id))));
  if (!file || (!access.admin && !uploaderMayShare)) {
    throw fieldError(
      'invalid_input',
      'FILE_NOT_FOUND',
      'file_id',
      'no such file uploaded in this org: upload the signed copy first (POST /files)',
    );
  }
  return changeContract(scope, id, 'signed_received', access, input.note, async (at) => ({
    signed_file: input.file_id,
    signed_at: at,
    signed_by: access.userId,
    signed_note: input.note,
  }));
}

export async function waiveContract(scope: RequestScope, id: string, note: string) {
  const access = await requireContractAccess(scope, id, 'cash_pack.waive', () =>
    fieldError('forbidden', 'WAIVE_NOT_ALLOWED', 'id', 'only a Sales Manager of this org waives a contract'),
  );
  return changeContract(scope, id, 'waived', access, note, async (at) => ({ waived_at: at, waived_by: access.userId, waive_note: note }));
}
