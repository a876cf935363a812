/**
 * The payments ledger (stories 13, 15): record a payment, reverse one with a note, record a
 * receivable, read the ledger with allocations. A payment is allocated to the customer's
 * receivables of its org and currency at once (allocation.ts), so it reduces exposure at once.
 * Nothing is ever edited or deleted: a reversal is an entry of its own (database triggers refuse
 * anything else).
 *
 * Each write locks the customer's credit account (credit/repository.ts#lockCreditAccount), the
 * same lock deal.won takes, so a payment recorded while a deal is being won is never lost.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { subtractDecimals } from '@crm/contract/decimal';
import { writeAudit } from '../../shared/audit.js';
import { CrmError } from '../../shared/errors.js';
import { readInSnapshot } from '../../shared/statements.js';
import type { RequestScope } from '../../shared/services.js';
import type { CreditCurrency } from '../credit/exposure.js';
import { creditToday, requireProfileAccess } from '../credit/service.js';
import { exposureRows, loadProfile, lockCreditAccount } from '../credit/repository.js';
import { requireAccess } from '../orgs/require-access.js';
import { allocate, reversalAllocations, type Allocation } from './allocation.js';
import {
  allocationsOf,
  dealOrg,
  insertAllocations,
  insertPayments,
  insertReceivable,
  ledgerPage,
  loadPayment,
  loadReceivable,
  netAllocationsTo,
  netAllocationsOf,
  openPayments,
  openReceivables,
  purchaseOrderOrg,
  takenReferences,
  type NewReceivableRow,
  type PaymentFields,
  type PaymentRow,
  type ReceivableRow,
} from './repository.js';

function fieldError(kind: ConstructorParameters<typeof CrmError>[0], code: string, field: string, reason: string): CrmError {
  return new CrmError(kind, code, `${field}: ${reason}`, [{ field, reason }]);
}

const paymentNotAllowed = () =>
  fieldError('forbidden', 'PAYMENT_NOT_ALLOWED', 'customer_profile_id', 'only Finance records payments and receivables in the ledger');

/** Allocates what is unallocated to what is outstanding on one account (org × profile × currency). */
export async function settleAccount(trx: Knex, account: { customer_profile_id: string; currency: CreditCurrency }, at: Date) {
  const receivables = await openReceivables(trx, account.customer_profile_id, account.currency);
  const payments = await openPayments(trx, account.customer_profile_id, account.currency);
  const allocations = allocate(receivables, payments);
  await insertAllocations(trx, account, allocations, at, randomUUID);
  return allocations;
}

async function accountExposure(trx: Knex, orgId: string, profileId: string, currency: CreditCurrency) {
  const rows = await exposureRows(trx, { orgIds: [orgId], profileIds: [profileId], today: creditToday() });
  return rows.find((r) => r.currency === currency) ?? null;
}

/** A payment as the API takes it: the ledger's fields (the org is the profile's), the rest optional. */
export interface NewPayment extends Pick<
  PaymentFields,
  'customer_profile_id' | 'currency' | 'amount' | 'value_date' | 'method' | 'reference'
> {
  proforma_ref?: string | undefined;
  po_id?: string | undefined;
  note?: string | undefined;
}

export interface RecordedPayment {
  id: string;
  org_id: string;
  customer_profile_id: string;
  currency: CreditCurrency;
  amount: string;
  reference: string;
  allocations: Allocation[];
  unallocated: string;
  exposure: Awaited<ReturnType<typeof accountExposure>>;
}

/**
 * What recording a payment and a receivable share; only the entry itself differs. Under the
 * account's lock: the entry's checks in the profile's org, the entry written, the account settled
 * (oldest due first), the entry audited with the allocations it took part in, and the answer with
 * the account's exposure after.
 */
async function recordEntry<Answer extends object>(
  scope: RequestScope,
  input: { customer_profile_id: string; currency: CreditCurrency; amount: string; note?: string | undefined },
  entry: {
    /** Refuses what the entry names outside the profile's org (or a reference taken there). */
    check: (trx: Knex, orgId: string) => Promise<void>;
    insert: (trx: Knex, row: { id: string; org_id: string; by: string; at: Date }) => Promise<void>;
    /** Of the allocations settling made, the ones the entry took part in. */
    allocationsOf: (allocations: Allocation[], id: string) => Allocation[];
    audit: { action: string; collection: string; details: Record<string, unknown> };
    answer: (allocations: Allocation[]) => Answer;
  },
) {
  const actor = await requireProfileAccess(scope, input.customer_profile_id, 'payment.record', paymentNotAllowed);
  return scope.database.transaction(async (trx) => {
    await lockCreditAccount(trx, input.customer_profile_id);
    const profile = (await loadProfile(trx, input.customer_profile_id))!;
    await entry.check(trx, profile.org_id);
    const id = randomUUID();
    const at = new Date();
    await entry.insert(trx, { id, org_id: profile.org_id, by: actor.userId, at });
    const settled = await settleAccount(trx, { customer_profile_id: profile.id, currency: input.currency }, at);
    const allocations = entry.allocationsOf(settled, id);
    await writeAudit(trx, [
      {
        orgId: profile.org_id,
        at,
        actor: actor.userId,
        action: entry.audit.action,
        collection: entry.audit.collection,
        entityId: id,
        note: input.note ?? null,
        details: {
          customer_profile_id: profile.id,
          currency: input.currency,
          amount: input.amount,
          ...entry.audit.details,
          allocations,
        },
      },
    ]);
    return {
      id,
      org_id: profile.org_id,
      customer_profile_id: profile.id,
      currency: input.currency,
      amount: input.amount,
      ...entry.answer(allocations),
      exposure: await accountExposure(trx, profile.org_id, profile.id, input.currency),
    };
  });
}

async function requirePurchaseOrderIn(trx: Knex, poId: string | undefined, orgId: string): Promise<void> {
  if (poId && (await purchaseOrderOrg(trx, poId)) !== orgId) {
    throw fieldError('invalid_input', 'PURCHASE_ORDER_NOT_FOUND', 'po_id', "no such purchase order in this customer's org");
  }
}

/** Records one payment (the org is its customer profile's) and allocates it. Audited. */
export async function recordPayment(scope: RequestScope, input: NewPayment): Promise<RecordedPayment> {
  return recordEntry(scope, input, {
    check: async (trx, orgId) => {
      await requirePurchaseOrderIn(trx, input.po_id, orgId);
      if ((await takenReferences(trx, orgId, [input.reference])).length) {
        throw fieldError(
          'conflict',
          'PAYMENT_REFERENCE_TAKEN',
          'reference',
          'a payment with this reference is recorded in this org already',
        );
      }
    },
    insert: (trx, { id, org_id, by, at }) =>
      insertPayments(trx, [
        {
          id,
          org_id,
          customer_profile_id: input.customer_profile_id,
          currency: input.currency,
          amount: input.amount,
          value_date: input.value_date,
          method: input.method,
          reference: input.reference,
          kind: 'payment',
          reverses_id: null,
          proforma_ref: input.proforma_ref ?? null,
          po_id: input.po_id ?? null,
          note: input.note ?? null,
          recorded_by: by,
          recorded_at: at,
        },
      ]),
    allocationsOf: (allocations, id) => allocations.filter((a) => a.payment_id === id),
    audit: {
      action: 'payment.recorded',
      collection: 'payments',
      details: {
        value_date: input.value_date,
        method: input.method,
        reference: input.reference,
        po_id: input.po_id ?? null,
        proforma_ref: input.proforma_ref ?? null,
      },
    },
    answer: (mine) => ({
      reference: input.reference,
      allocations: mine,
      unallocated: mine.reduce((left, a) => subtractDecimals(left, a.amount), input.amount),
    }),
  });
}

export interface NewReceivable {
  customer_profile_id: string;
  currency: CreditCurrency;
  amount: string;
  due_date: string;
  kind: NewReceivableRow['kind'];
  reference: string;
  deal_id?: string | undefined;
  po_id?: string | undefined;
  note?: string | undefined;
}

/**
 * Records what a customer owes (an opening balance, an invoice; proformas of issue #13 will call
 * this too) and settles it from unallocated payments at once. Audited.
 */
export async function recordReceivable(scope: RequestScope, input: NewReceivable) {
  return recordEntry(scope, input, {
    check: async (trx, orgId) => {
      if (input.deal_id && (await dealOrg(trx, input.deal_id)) !== orgId) {
        throw fieldError('invalid_input', 'DEAL_NOT_FOUND', 'deal_id', "no such deal in this customer's org");
      }
      await requirePurchaseOrderIn(trx, input.po_id, orgId);
    },
    insert: (trx, { id, org_id, by, at }) =>
      insertReceivable(trx, {
        id,
        org_id,
        customer_profile_id: input.customer_profile_id,
        currency: input.currency,
        amount: input.amount,
        due_date: input.due_date,
        kind: input.kind,
        reference: input.reference,
        deal_id: input.deal_id ?? null,
        po_id: input.po_id ?? null,
        note: input.note ?? null,
        created_by: by,
        created_at: at,
      }),
    // Every allocation settling made, as a receivable has always answered.
    allocationsOf: (allocations) => allocations,
    audit: { action: 'receivable.recorded', collection: 'receivables', details: { due_date: input.due_date, kind: input.kind } },
    answer: (allocations) => ({ due_date: input.due_date, allocations }),
  });
}

export interface ReversedEntry {
  id: string;
  reverses_id: string;
  amount: string;
  released_allocations: Allocation[];
  reallocated: Allocation[];
  exposure: Awaited<ReturnType<typeof accountExposure>>;
}

/** What differs between reversing a payment and reversing a receivable; the steps are the same. */
interface Ledger<Row extends PaymentRow | ReceivableRow> {
  load: (db: Knex, id: string) => Promise<Row | undefined>;
  /** The allocations the entry took part in, net per pair: the reversal gives them back. */
  netAllocations: (trx: Knex, id: string) => Promise<Allocation[]>;
  /** Writes the reversal entry: the negative amount, the entry's own references kept. */
  insertReversal: (trx: Knex, entry: Row, reversal: { id: string; amount: string; note: string; at: Date; by: string }) => Promise<void>;
  audit: { action: string; collection: string; details: (entry: Row) => Record<string, unknown> };
  refusals: { notFound: () => CrmError; forbidden: () => CrmError; isReversal: () => CrmError; alreadyReversed: () => CrmError };
}

const PAYMENTS: Ledger<PaymentRow> = {
  load: loadPayment,
  netAllocations: netAllocationsOf,
  insertReversal: (trx, payment, reversal) =>
    insertPayments(trx, [
      {
        id: reversal.id,
        org_id: payment.org_id,
        customer_profile_id: payment.customer_profile_id,
        currency: payment.currency,
        amount: reversal.amount,
        value_date: creditToday(reversal.at),
        method: payment.method,
        reference: payment.reference,
        kind: 'reversal',
        reverses_id: payment.id,
        proforma_ref: payment.proforma_ref,
        po_id: payment.po_id,
        note: reversal.note,
        recorded_by: reversal.by,
        recorded_at: reversal.at,
      },
    ]),
  audit: {
    action: 'payment.reversed',
    collection: 'payments',
    details: (payment) => ({ amount: payment.amount, currency: payment.currency, reference: payment.reference }),
  },
  refusals: {
    notFound: () => fieldError('not_found', 'PAYMENT_NOT_FOUND', 'id', 'no such payment, or you may not do this there'),
    forbidden: () => fieldError('forbidden', 'PAYMENT_NOT_ALLOWED', 'id', 'only Finance reverses payments'),
    isReversal: () => fieldError('conflict', 'PAYMENT_IS_REVERSAL', 'id', 'a reversal entry is not reversed; record a payment'),
    alreadyReversed: () => fieldError('conflict', 'PAYMENT_ALREADY_REVERSED', 'id', 'the payment is reversed already'),
  },
};

const RECEIVABLES: Ledger<ReceivableRow> = {
  load: loadReceivable,
  netAllocations: netAllocationsTo,
  insertReversal: (trx, receivable, reversal) =>
    insertReceivable(trx, {
      id: reversal.id,
      org_id: receivable.org_id,
      customer_profile_id: receivable.customer_profile_id,
      currency: receivable.currency,
      amount: reversal.amount,
      due_date: receivable.due_date,
      kind: 'reversal',
      reverses_id: receivable.id,
      reference: receivable.reference,
      deal_id: receivable.deal_id,
      po_id: receivable.po_id,
      note: reversal.note,
      created_by: reversal.by,
      created_at: reversal.at,
    }),
  audit: {
    action: 'receivable.reversed',
    collection: 'receivables',
    details: (receivable) => ({
      amount: receivable.amount,
      currency: receivable.currency,
      reference: receivable.reference,
      kind: receivable.kind,
      deal_id: receivable.deal_id,
    }),
  },
  refusals: {
    notFound: () => fieldError('not_found', 'RECEIVABLE_NOT_FOUND', 'id', 'no such receivable, or you may not do this there'),
    forbidden: () => fieldError('forbidden', 'PAYMENT_NOT_ALLOWED', 'id', 'only Finance reverses receivables'),
    isReversal: () => fieldError('conflict', 'RECEIVABLE_IS_REVERSAL', 'id', 'a reversal entry is not reversed; record a receivable'),
    alreadyReversed: () => fieldError('conflict', 'RECEIVABLE_ALREADY_REVERSED', 'id', 'the receivable is reversed already'),
  },
};

/**
 * Reverses a payment with a note: a reversal entry (the negative amount, the same reference), the
 * negatives of its allocations, then what other payments can settle of the reopened receivables.
 */
export function reversePayment(scope: RequestScope, paymentId: string, note: string): Promise<ReversedEntry> {
  return reverseLedgerEntry(scope, PAYMENTS, paymentId, note);
}

/**
 * Reverses a receivable with a note (Finance): receivables are never edited or deleted, so a
 * wrong or cancelled one gets a reversal entry (the negative amount, the same reference, due date,
 * deal and PO), the payments that settled it get their allocations back (negatives), and the
 * account is settled again: what they paid may settle another receivable. Exposure follows at once
 * (an invoiced deal's value counts as open won business again). Audited.
 */
export function reverseReceivable(scope: RequestScope, receivableId: string, note: string): Promise<ReversedEntry> {
  return reverseLedgerEntry(scope, RECEIVABLES, receivableId, note);
}

/**
 * The one reversal of either ledger: nothing is edited or deleted, so the entry gets a reversal
 * entry of its own, its allocations are given back (negatives, so they net to zero) and the account
 * is settled again. The entry is read once for the access check and once more under the account's
 * lock (what is decided must be what the lock protects).
 */
async function reverseLedgerEntry<Row extends PaymentRow | ReceivableRow>(
  scope: RequestScope,
  ledger: Ledger<Row>,
  entryId: string,
  note: string,
): Promise<ReversedEntry> {
  let seen: Row | undefined;
  const actor = await requireAccess(scope, {
    org: async () => (seen = await ledger.load(scope.database, entryId))?.org_id,
    capability: 'payment.record',
    notFound: ledger.refusals.notFound,
    forbidden: ledger.refusals.forbidden,
  });
  return scope.database.transaction(async (trx) => {
    await lockCreditAccount(trx, seen!.customer_profile_id);
    const entry = (await ledger.load(trx, entryId))!;
    if (entry.kind === 'reversal') throw ledger.refusals.isReversal();
    if (entry.reversed_by) throw ledger.refusals.alreadyReversed();
    const id = randomUUID();
    const at = new Date();
    const amount = subtractDecimals('0', entry.amount);
    await ledger.insertReversal(trx, entry, { id, amount, note, at, by: actor.userId });
    const account = { customer_profile_id: entry.customer_profile_id, currency: entry.currency };
    const released = reversalAllocations(await ledger.netAllocations(trx, entry.id));
    await insertAllocations(trx, account, released, at, randomUUID);
    const reallocated = await settleAccount(trx, account, at);
    await writeAudit(trx, [
      {
        orgId: entry.org_id,
        at,
        actor: actor.userId,
        action: ledger.audit.action,
        collection: ledger.audit.collection,
        entityId: entry.id,
        note,
        details: { reversal_id: id, ...ledger.audit.details(entry), released, reallocated },
      },
    ]);
    return {
      id,
      reverses_id: entry.id,
      amount,
      released_allocations: released,
      reallocated,
      exposure: await accountExposure(trx, entry.org_id, entry.customer_profile_id, entry.currency),
    };
  });
}

/** The ledger within the Org Scope (story 13), filtered by org, customer profile and value date. */
export async function readLedger(
  scope: RequestScope,
  filter: {
    org_id?: string | undefined;
    customer_profile_id?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
    limit: number;
    offset: number;
  },
) {
  const access = await requireAccess(scope, {
    in: 'org_scope',
    capability: 'credit.read',
    forbidden: () =>
      new CrmError('forbidden', 'PAYMENT_NOT_ALLOWED', 'your role cannot read the payments ledger in the orgs of your Org Scope'),
  });
  // An org outside the scope narrows to nothing, exactly like an org without payments.
  const orgIds = filter.org_id ? access.orgIds.filter((o) => o === filter.org_id) : access.orgIds;
  const counted = await readInSnapshot(scope.database, async (trx) => {
    const entries = await ledgerPage(trx, {
      orgIds,
      customerProfileId: filter.customer_profile_id,
      from: filter.from,
      to: filter.to,
      limit: filter.limit,
      offset: filter.offset,
    });
    const allocations = await allocationsOf(
      trx,
      entries.map((e) => e.id),
    );
    return { entries, allocations };
  });
  const { entries, allocations } = counted.result;
  return {
    orgs: access.orgIds,
    may_record: access.admin || access.orgIds.some((org) => access.may('payment.record', org)),
    total: entries[0]?.total ?? 0,
    entries: entries.map(({ total: _total, ...entry }) => ({
      ...entry,
      allocations: allocations.filter((a) => a.payment_id === entry.id),
    })),
    statements: counted.statements,
  };
}
