/**
 * Query drift: the SQL each repository sends, committed in extensions/crm/queries/<domain>.sql,
 * so a changed query shows in review (as Immich does). A difference fails this test; after a
 * deliberate change, write the files again with `UPDATE_QUERIES=1 npx vitest run --project unit
 * extensions/crm/src/shared/queries.test.ts` and commit them with the change.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { recordingKnex } from '../testing/recording-knex.js';
import * as approvals from '../modules/approvals/repository.js';
import * as fx from '../modules/fx/repository.js';
import * as orgs from '../modules/orgs/repository.js';
import * as pricing from '../modules/pricing/repository.js';
import * as purchaseOrders from '../modules/purchase-orders/repository.js';
import * as credit from '../modules/credit/repository.js';
import * as payments from '../modules/payments/repository.js';
import * as costing from '../modules/costing/repository.js';
import * as email from '../modules/email/repository.js';
import * as orderForm from '../modules/order-form/repository.js';
import * as customers from '../modules/customers/repository.js';
import * as customerReview from '../modules/customers/review-repository.js';

const ID = '00000000-0000-4000-8000-000000000001';
const AT = new Date('2026-01-01T00:00:00Z');

type Call = [name: string, run: (db: Knex) => Promise<unknown>];

const DOMAINS: Record<string, Call[]> = {
  orgs: [
    ['loadUserOrgContext', (db) => orgs.loadUserOrgContext(db, ID)],
    ['orgCodeOf', (db) => orgs.orgCodeOf(db, ID)],
    ['allOrgIds', (db) => orgs.allOrgIds(db)],
    ['orgsByIds', (db) => orgs.orgsByIds(db, [ID])],
  ],
  approvals: [['lockApprovalRequests', (db) => approvals.lockApprovalRequests(db, [ID])]],
  fx: [
    ['rateRowAsOf', (db) => fx.rateRowAsOf(db, 'USDTRY', AT)],
    ['ratesAsOf', (db) => fx.ratesAsOf(db, AT)],
    ['rateHistory', (db) => fx.rateHistory(db, 'USDTRY', 10)],
    ['currentAndScheduled', (db) => fx.currentAndScheduled(db, AT)],
    ['insertRate', (db) => fx.insertRate(db, { pair: 'USDTRY', rate: '1', effectiveAt: AT, note: null, userId: null, recordedAt: AT })],
  ],
  pricing: [
    ['loadLine (locked)', (db) => pricing.loadLine(db, ID, true)],
    ['loadQuality', (db) => pricing.loadQuality(db, ID, 'Q')],
    ['loadListPrices', (db) => pricing.loadListPrices(db, ID)],
    ['orgBaseCurrency', (db) => pricing.orgBaseCurrency(db, ID)],
    ['loadCases', (db) => pricing.loadCases(db, ID)],
    ['governedOrgs', (db) => pricing.governedOrgs(db, [ID])],
    ['pricingInbox', (db) => pricing.pricingInbox(db, [ID])],
    ['staleListPrices', (db) => pricing.staleListPrices(db, [ID], AT)],
    ['qualitiesWithoutPrice', (db) => pricing.qualitiesWithoutPrice(db, [ID])],
    ['priceProblemCounts', (db) => pricing.priceProblemCounts(db, [ID], AT)],
    ['lockListPrices', (db) => pricing.lockListPrices(db, [ID])],
    ['confirmListPrices', (db) => pricing.confirmListPrices(db, [ID], { at: AT, userId: null, note: 'n' })],
    ['listPricesByIds', (db) => pricing.listPricesByIds(db, [ID], true)],
    ['qualitiesByIds', (db) => pricing.qualitiesByIds(db, [ID])],
    ['lockListPriceOf', (db) => pricing.lockListPriceOf(db, ID, 'TRY')],
    ['repriceListPrice', (db) => pricing.repriceListPrice(db, ID, { price: '1', at: AT, userId: null, note: 'n' })],
    [
      'insertListPrice',
      (db) => pricing.insertListPrice(db, { orgId: ID, qualityId: ID, currency: 'TRY', price: '1', at: AT, userId: null, note: 'n' }),
    ],
    ['setLinePricing', (db) => pricing.setLinePricing(db, ID, { pricing_status: 'approved', unit_price: '1' })],
    ['orgCodes', (db) => pricing.orgCodes(db)],
    ['importCatalogue', (db) => pricing.importCatalogue(db, [ID])],
    ['importedQualitiesGone', (db) => pricing.importedQualitiesGone(db, [])],
    ['upsertImportedListPrices', (db) => pricing.upsertImportedListPrices(db, [], { at: AT, userId: null, note: 'n' })],
    ['dealCustomerProfile', (db) => pricing.dealCustomerProfile(db, ID)],
    ['agreementsFor', (db) => pricing.agreementsFor(db, ID, ID)],
    ['loadAgreement (locked)', (db) => pricing.loadAgreement(db, ID, true)],
    ['agreementSubject', (db) => pricing.agreementSubject(db, ID, ID)],
    [
      'overlappingAgreements',
      (db) =>
        pricing.overlappingAgreements(
          db,
          { org_id: ID, customer_profile_id: ID, quality_id: ID, currency: 'TRY', except: ID },
          { valid_from: '2026-01-01', valid_to: null },
        ),
    ],
    [
      'insertAgreements',
      (db) =>
        pricing.insertAgreements(
          db,
          [
            {
              org_id: ID,
              customer_profile_id: ID,
              quality_id: ID,
              currency: 'TRY',
              price: '1',
              valid_from: '2026-01-01',
              valid_to: null,
              note: 'n',
            },
          ],
          { at: AT, userId: null },
        ),
    ],
    ['updateAgreement', (db) => pricing.updateAgreement(db, ID, { price: '1', note: 'n' }, { at: AT, userId: null })],
    ['agreementImportCatalogue', (db) => pricing.agreementImportCatalogue(db, [ID])],
  ],
  'purchase-orders': [
    ['loadDeal (locked)', (db) => purchaseOrders.loadDeal(db, ID, true)],
    ['dealLines', (db) => purchaseOrders.dealLines(db, ID)],
    ['dealLinesToOrder', (db) => purchaseOrders.dealLinesToOrder(db, ID)],
    ['purchaseOrderCodeTaken', (db) => purchaseOrders.purchaseOrderCodeTaken(db, 'MODPO00000000')],
    ['loadPurchaseOrder (locked)', (db) => purchaseOrders.loadPurchaseOrder(db, ID, true)],
    ['purchaseOrderLines', (db) => purchaseOrders.purchaseOrderLines(db, ID)],
    ['userLabel', (db) => purchaseOrders.userLabel(db, ID)],
  ],
  credit: [
    ['exposureRows', (db) => credit.exposureRows(db, { orgIds: [ID], today: '2026-01-01' })],
    [
      'exposureRows (profiles, customer)',
      (db) => credit.exposureRows(db, { orgIds: [ID], profileIds: [ID], customerId: ID, today: '2026-01-01' }),
    ],
    ['dealValueByCurrency', (db) => credit.dealValueByCurrency(db, ID)],
    ['creditTabs', (db) => credit.creditTabs(db, { orgIds: [ID], today: '2026-01-01' }, { limit: 200, offset: 0 })],
    ['exposureByOrgAndCurrency', (db) => credit.exposureByOrgAndCurrency(db, { orgIds: [ID], today: '2026-01-01' })],
    ['loadProfile', (db) => credit.loadProfile(db, ID)],
    ['lockCreditAccount', (db) => credit.lockCreditAccount(db, ID)],
    ['currentLimit', (db) => credit.currentLimit(db, ID, 'TRY')],
    ['lockCreditRequests', (db) => credit.lockCreditRequests(db, [ID])],
    [
      'decideCreditRequest',
      (db) => credit.decideCreditRequest(db, ID, { status: 'approved', decided_by: ID, decided_at: AT, decision_note: 'n' }),
    ],
    ['loadCreditBlock', (db) => credit.loadCreditBlock(db, ID)],
    ['overrideCreditBlock', (db) => credit.overrideCreditBlock(db, ID, ID, AT, 'n')],
    ['loadCreditDeal (locked)', (db) => credit.loadCreditDeal(db, ID, true)],
    ['blockedDeals', (db) => credit.blockedDeals(db, [ID], { limit: 200, offset: 0 })],
    ['pendingCreditRequests', (db) => credit.pendingCreditRequests(db, [ID], { limit: 200, offset: 0 })],
    ['dealsOfPurchaseOrders', (db) => credit.dealsOfPurchaseOrders(db, [ID])],
  ],
  payments: [
    ['takenReferences', (db) => payments.takenReferences(db, ID, ['R1'])],
    ['loadPayment', (db) => payments.loadPayment(db, ID)],
    ['purchaseOrderOrg', (db) => payments.purchaseOrderOrg(db, ID)],
    ['openReceivables', (db) => payments.openReceivables(db, ID, 'TRY')],
    ['openPayments', (db) => payments.openPayments(db, ID, 'TRY')],
    ['netAllocationsOf', (db) => payments.netAllocationsOf(db, ID)],
    ['loadReceivable', (db) => payments.loadReceivable(db, ID)],
    ['netAllocationsTo', (db) => payments.netAllocationsTo(db, ID)],
    ['dealOrg', (db) => payments.dealOrg(db, ID)],
    [
      'ledgerPage',
      (db) => payments.ledgerPage(db, { orgIds: [ID], customerProfileId: ID, from: '2026-01-01', to: '2026-02-01', limit: 10, offset: 0 }),
    ],
    ['allocationsOf', (db) => payments.allocationsOf(db, [ID])],
  ],
  costing: [
    ['loadPools', (db) => costing.loadPools(db, [{ org_id: ID, quality_code: 'Q' }])],
    ['lockCostingRun', (db) => costing.lockCostingRun(db)],
    ['bookNewReceipts', (db) => costing.bookNewReceipts(db, ID)],
    ['refreshWacMirrors', (db) => costing.refreshWacMirrors(db, [{ org_id: ID, quality_code: 'Q' }], { cause: 'receipt', runId: ID })],
    ['invoiceExists', (db) => costing.invoiceExists(db, ID, 'S', 'invoice', 'N')],
    ['loadInvoice', (db) => costing.loadInvoice(db, ID)],
    ['invoiceLineOrg', (db) => costing.invoiceLineOrg(db, ID)],
    ['loadInvoiceLine', (db) => costing.loadInvoiceLine(db, ID)],
    ['receiptQualities (locked)', (db) => costing.receiptQualities(db, ID, ['R'], true)],
    [
      'matchRollsToLine',
      (db) => costing.matchRollsToLine(db, { orgId: ID, receiptId: 'R', qualityCode: 'Q', lineId: ID, lineValueTry: '1.00' }),
    ],
    ['shippedRollsToIssue', (db) => costing.shippedRollsToIssue(db)],
    ['takeRollMeters', (db) => costing.takeRollMeters(db, [{ roll_cost_id: ID, meters: '1.00' }])],
    ['valuationAsOf', (db) => costing.valuationAsOf(db, [ID], AT)],
    ['profitabilityRows', (db) => costing.profitabilityRows(db, [ID])],
  ],
  email: [
    [
      'insertEmailRequest',
      (db) =>
        email.insertEmailRequest(db, {
          id: ID,
          org_id: ID,
          email_type: 'shipped',
          idempotency_key: 'crm:email:MODPO00000000:shipped:v1',
          message_id: '<crm.email.MODPO00000000.shipped.v1@crm-mod-jtr>',
          audience: 'customer',
          deal_id: ID,
          po_id: null,
          po_number: 'MODPO00000000',
          context: {},
        }),
    ],
    ['emailByKey', (db) => email.emailByKey(db, 'k')],
    ['emailsByKeys', (db) => email.emailsByKeys(db, ['k'])],
    ['lockUnpreparedEmails', (db) => email.lockUnpreparedEmails(db, 50)],
    [
      'markPrepared',
      (db) =>
        email.markPrepared(
          db,
          ID,
          {
            state: 'pending',
            suppressed_reason: null,
            language: 'tr',
            to_addresses: ['a@example.com'],
            cc_addresses: [],
            from_name: 'MOD',
            from_address: 'orders@mod.example.com',
            subject: 's',
            html_body: 'h',
            text_body: 't',
            attachments: null,
          },
          AT,
        ),
    ],
    ['setEmailJob', (db) => email.setEmailJob(db, ID, 'job', 'pending')],
    ['loadOrgBranding', (db) => email.loadOrgBranding(db, ID)],
    ['loadRule', (db) => email.loadRule(db, ID, 'shipped')],
    ['loadRules', (db) => email.loadRules(db, [ID])],
    ['lockRule', (db) => email.lockRule(db, ID, 'prepared')],
    [
      'upsertRule',
      (db) =>
        email.upsertRule(db, {
          id: ID,
          org_id: ID,
          email_type: 'prepared',
          enabled: true,
          to_addresses: [],
          cc_addresses: [],
          contact_roles: [],
          policy: 'send',
          updated_at: AT,
          updated_by: ID,
        }),
    ],
    ['loadOrgAdminEmails', (db) => email.loadOrgAdminEmails(db, ID)],
    ['loadDealCustomer', (db) => email.loadDealCustomer(db, ID)],
    ['loadEmail', (db) => email.loadEmail(db, ID)],
    ['claimForSending', (db) => email.claimForSending(db, ID, 'job', AT, AT)],
    ['finishAttempt (sent)', (db) => email.finishAttempt(db, ID, 'job', { state: 'sent', smtp_response: '250 OK', sent_at: AT })],
    ['markEmailDeadLettered', (db) => email.markEmailDeadLettered(db, ID, 'job')],
    ['emailOrgOf', (db) => email.emailOrgOf(db, ID)],
    ['lockEmail', (db) => email.lockEmail(db, ID)],
    ['listEmails', (db) => email.listEmails(db, { orgIds: [ID], state: 'dead', type: 'shipped', dealId: ID, limit: 50, offset: 0 })],
    ['loadEmailDetail', (db) => email.loadEmailDetail(db, ID)],
    ['orgsForDigests', (db) => email.orgsForDigests(db)],
    ['openSupplies', (db) => email.openSupplies(db, ID)],
    ['checksInPeriod', (db) => email.checksInPeriod(db, ID, { from: AT, to: AT })],
    ['shortagesInPeriod', (db) => email.shortagesInPeriod(db, ID, { from: AT, to: AT })],
    ['pendingApprovals', (db) => email.pendingApprovals(db, ID)],
    ['deliveredOrders', (db) => email.deliveredOrders(db, ID, { from: AT, to: AT })],
    ['suppliesDueWithin', (db) => email.suppliesDueWithin(db, '2026-01-01', '2026-01-04')],
    ['lockStaleClaims', (db) => email.lockStaleClaims(db, AT, 50)],
    [
      'markPreparedMany',
      (db) =>
        email.markPreparedMany(
          db,
          [
            {
              id: ID,
              jobId: 'job',
              fields: {
                state: 'pending',
                suppressed_reason: null,
                language: 'tr',
                to_addresses: ['ops@mod.example.com'],
                cc_addresses: [],
                from_name: 'MOD',
                from_address: 'crm@example.com',
                subject: 's',
                html_body: 'h',
                text_body: 't',
                attachments: null,
              },
            },
          ],
          AT,
        ),
    ],
    ['loadStaffLanguages', (db) => email.loadStaffLanguages(db, ['ayse@mod.example.com'])],
    ['invoiceReferences', (db) => email.invoiceReferences(db, ID, [ID], [ID])],
    ['orderFiles', (db) => email.orderFiles(db, ID, [ID])],
  ],
  'order-form': [
    ['findTokenByHash', (db) => orderForm.findTokenByHash(db, '0'.repeat(64))],
    ['loadToken (locked)', (db) => orderForm.loadToken(db, ID, true)],
    ['claimToken', (db) => orderForm.claimToken(db, ID, AT)],
    ['retireToken', (db) => orderForm.retireToken(db, ID, 'revoked', AT)],
    ['loadFormDeal', (db) => orderForm.loadFormDeal(db, ID, false)],
    ['loadFormDeal (locked)', (db) => orderForm.loadFormDeal(db, ID, true)],
    ['currentLines', (db) => orderForm.currentLines(db, ID)],
    // The same statement with and without the profile filter, for one org or several.
    ['listTokens (one org)', (db) => orderForm.listTokens(db, [ID], undefined)],
    ['listTokens (two orgs, one profile)', (db) => orderForm.listTokens(db, [ID, ID], ID)],
  ],
  customers: [
    ['orgExists', (db) => customers.orgExists(db, ID)],
    ['lockTaxNumber', (db) => customers.lockTaxNumber(db, '1234567890')],
    ['findOrCreateIdentity', (db) => customers.findOrCreateIdentity(db, { legal_name: 'N', tax_number: '1234567890', country: null }, ID)],
    ['profileIdInOrg', (db) => customers.profileIdInOrg(db, ID, ID)],
    ['lockIdentities', (db) => customers.lockIdentities(db, [ID, ID])],
    ['lockProfilesOf', (db) => customers.lockProfilesOf(db, [ID, ID])],
    ['moveProfilesAndDelete', (db) => customers.moveProfilesAndDelete(db, [ID], ID, ID)],
    // The review queue (review-repository.ts).
    ['pendingProfiles', (db) => customerReview.pendingProfiles(db, [ID])],
    ['lockProfiles', (db) => customerReview.lockProfiles(db, [ID, ID])],
    ['loadProfileRow', (db) => customerReview.loadProfileRow(db, ID)],
    ['dealsOfProfiles', (db) => customerReview.dealsOfProfiles(db, [ID, ID])],
  ],
};

async function render(domain: string, calls: Call[]): Promise<string> {
  const parts = [
    `-- Generated by extensions/crm/src/shared/queries.test.ts: the SQL of modules/${domain}/repository.ts${domain === 'customers' ? ' and review-repository.ts' : ''}. Do not edit.`,
  ];
  for (const [name, run] of calls) {
    const { db, statements } = recordingKnex();
    await run(db);
    parts.push(`\n-- ${name}\n${statements.map((s) => `${s};`).join('\n')}`);
    await db.destroy();
  }
  return `${parts.join('\n')}\n`;
}

describe('repository SQL', () => {
  for (const [domain, calls] of Object.entries(DOMAINS)) {
    it(`${domain}: matches queries/${domain}.sql`, async () => {
      const file = fileURLToPath(new URL(`../../queries/${domain}.sql`, import.meta.url));
      const sql = await render(domain, calls);
      if (process.env['UPDATE_QUERIES']) writeFileSync(file, sql);
      let committed = '';
      try {
        committed = readFileSync(file, 'utf8');
      } catch {
        // no file yet: the comparison below fails and says so
      }
      expect(sql, `queries/${domain}.sql is out of date: run with UPDATE_QUERIES=1 and commit it`).toBe(committed);
    });
  }
});
