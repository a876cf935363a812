/**
 * `/crm/*`: the CRM's own HTTP routes. Thin: parse with zod, call a module service with the
 * caller's accountability, respond. Errors are mapped to HTTP in shared/http.ts only.
 */
import { defineEndpoint } from '@directus/extensions-sdk';
import { z } from 'zod';
import { CONTRACT_VERSION } from '@crm/contract/version';
import { parseInput, route } from '../../shared/http.js';
import { jobQueueStatus, missingQueues } from '../../runtime/job-queue.js';
import { requestScope, requireLogin, type DirectusRequest } from '../../shared/request.js';
import { readOrgContext, switchOrgContext } from '../../modules/orgs/service.js';
import { createCustomer, mergeCustomers } from '../../modules/customers/service.js';
import { decideApprovals } from '../../modules/approvals/service.js';
import { ORG_SCOPES } from '../../modules/orgs/access.js';
import { registerFxRoutes } from '../../modules/fx/http.js';
import { registerPricingRoutes } from '../../modules/pricing/http.js';
import { registerPricingImportRoutes } from '../../modules/pricing/import-http.js';
import { cancelPurchaseOrder, createPurchaseOrder, markDealWon, releasePurchaseOrder } from '../../modules/purchase-orders/service.js';
import { retryOutboundMessage } from '../../modules/wms-outbound/service.js';
import { readFulfillmentDeals } from '../../modules/fulfillment/service.js';
import { FulfillmentDealsQuery } from '../../modules/fulfillment/query.js';
import { serverTimingOf } from '../../shared/statements.js';
import { IsoDate } from '@crm/contract/primitives';
// The contract's own schemas for what travels to the WMS unchanged (ship_to, reason codes): no drift.
import { PO_CANCELLATION_REASONS, PoReleasedPayload } from '@crm/contract/events/po';

const uuid = z.uuid({ message: 'must be a UUID' });

const OrgContextChange = z
  .strictObject({
    active_org: uuid.nullable().optional(),
    scope: z.enum(ORG_SCOPES, { message: `must be one of ${ORG_SCOPES.join(', ')}` }).optional(),
  })
  .refine((v) => v.active_org !== undefined || v.scope !== undefined, { message: 'name active_org, scope or both' });

const NewCustomerBody = z.strictObject({
  legal_name: z.string().trim().min(2, 'must be at least 2 characters').max(255),
  tax_number: z
    .string()
    .trim()
    .regex(/^[A-Z0-9]{6,32}$/, 'must be 6–32 upper-case letters or digits, no spaces'),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code, e.g. TR')
    .nullable()
    .optional(),
  contacts: z
    .array(
      z.strictObject({
        name: z.string().trim().min(1, 'is required'),
        email: z.email({ message: 'must be an email address' }).optional(),
        phone: z.string().max(32).optional(),
        role: z.string().max(64).optional(),
      }),
    )
    .max(20)
    .optional(),
  profile: z.strictObject({
    org_id: uuid.optional(),
    payment_mode: z.enum(['cash', 'credit'], { message: 'must be cash or credit' }),
    billing_address: z.string().max(2000).nullable().optional(),
    shipping_address: z.string().max(2000).nullable().optional(),
    grace_days: z.number().int('must be a whole number').min(0).max(365).optional(),
  }),
});

const CustomerMerge = z.strictObject({
  into: uuid,
  note: z.string().trim().min(1, 'is required: a merge is audited with a note').max(2000),
});

const Decision = z.strictObject({
  decision: z.enum(['approved', 'rejected'], { message: 'must be approved or rejected' }),
  note: z.string().trim().min(1, 'is required: every decision is audited with a note').max(2000),
});
const BulkDecision = Decision.extend({
  ids: z.array(uuid).min(1, 'name at least one approval request').max(200, 'at most 200 at a time'),
});

// Story 72: changes that reach the WMS. Notes are audited; release and cancellation need one.
const auditNote = (max: number) => z.string().trim().min(1, 'is required: the action is audited with a note').max(max);
const DealWon = z.strictObject({ note: auditNote(2000).optional() });
const Meters = z
  .string()
  .regex(/^(0|[1-9]\d{0,8})(\.\d{1,2})?$/, 'must be meters as a decimal string with at most two decimals, e.g. "250.50"')
  .refine((v) => Number(v) > 0, 'must be more than zero');
const NewPurchaseOrder = z.strictObject({
  deal_id: uuid,
  ship_date: IsoDate,
  ship_to: PoReleasedPayload.shape.ship_to,
  instructions: z.string().trim().min(1).max(1000).optional(),
  lines: z
    .array(z.strictObject({ deal_line_id: uuid, meters: Meters.optional() }))
    .min(1, 'name at least one line, or leave lines out to order everything left')
    .max(200)
    .refine((lines) => new Set(lines.map((l) => l.deal_line_id)).size === lines.length, 'each deal line at most once')
    .optional(),
  note: auditNote(2000).optional(),
});
const ReleaseBody = z.strictObject({ note: auditNote(2000) });
const CancelBody = z.strictObject({
  reason_code: z.enum(PO_CANCELLATION_REASONS, { message: `must be one of ${PO_CANCELLATION_REASONS.join(', ')}` }),
  note: auditNote(1000),
});
const RetryBody = z.strictObject({ note: auditNote(2000) });

export default defineEndpoint({
  id: 'crm',
  handler: (router, { database, logger, services }) => {
    const scopeOf = (req: DirectusRequest) => requestScope(req, database, services);

    // Public like Directus' own /server/health: it reports states, never data.
    router.get(
      '/health',
      route(logger, async (_req, res) => {
        const started = process.hrtime.bigint();
        let databaseCheck: { status: 'ok' | 'error'; latency_ms?: number; error?: string };
        try {
          await database.raw('select 1');
          databaseCheck = { status: 'ok', latency_ms: Number(process.hrtime.bigint() - started) / 1e6 };
        } catch (error) {
          databaseCheck = { status: 'error', error: (error as Error).message };
        }

        const queue = jobQueueStatus();
        let missing: string[] = [];
        if (queue.state === 'started') {
          missing = await missingQueues().catch(() => ['(queue lookup failed)']);
        }
        const jobQueueCheck = {
          status: queue.state === 'started' && missing.length === 0 ? ('ok' as const) : ('error' as const),
          state: queue.state,
          queues: queue.queues,
          ...(missing.length ? { missing_queues: missing } : {}),
          ...(queue.error ? { error: queue.error } : {}),
        };

        // Ready only once the start path has finished (access model, flows, demo data applied):
        // scripts/lib/readiness.ts writes the marker; it is in the database so that every
        // instance on it answers the same. Missing table or row: never provisioned.
        let provisioningCheck: { status: 'ok' | 'error'; state: string; finished_at?: string };
        if (databaseCheck.status !== 'ok') {
          provisioningCheck = { status: 'error', state: 'unknown' };
        } else {
          try {
            const rows = await database.raw<{ rows: Array<{ state: string; finished_at: Date | null }> }>(
              'select state, finished_at from crm_runtime.start_state where id',
            );
            const row = rows.rows[0];
            provisioningCheck = row
              ? { status: row.state === 'ready' ? 'ok' : 'error', state: row.state, ...(row.finished_at ? { finished_at: new Date(row.finished_at).toISOString() } : {}) }
              : { status: 'error', state: 'not_provisioned' };
          } catch (error) {
            provisioningCheck = { status: 'error', state: (error as { code?: string }).code === '42P01' ? 'not_provisioned' : 'unknown' };
          }
        }

        const ok = databaseCheck.status === 'ok' && jobQueueCheck.status === 'ok' && provisioningCheck.status === 'ok';
        res.status(ok ? 200 : 503);
        return {
          status: ok ? 'ok' : 'error',
          contract_version: CONTRACT_VERSION,
          checks: { database: databaseCheck, job_queue: jobQueueCheck, provisioning: provisioningCheck },
        };
      }),
    );

    router.get(
      '/me/org-context',
      route(logger, async (req) => {
        requireLogin(req);
        return { data: await readOrgContext(scopeOf(req)) };
      }),
    );

    router.patch(
      '/me/org-context',
      route(logger, async (req) => {
        requireLogin(req);
        const change = parseInput(OrgContextChange, req.body);
        return { data: await switchOrgContext(scopeOf(req), change) };
      }),
    );

    router.post(
      '/customers',
      route(logger, async (req) => {
        requireLogin(req);
        const body = parseInput(NewCustomerBody, req.body);
        return { data: await createCustomer(scopeOf(req), body) };
      }),
    );

    // CRM admin only: merges a duplicate identity into another (docs/access-model.md).
    router.post(
      '/customers/:id/merge',
      route(logger, async (req) => {
        requireLogin(req);
        const id = parseInput(uuid, req.params['id'], 'CUSTOMER_NOT_FOUND');
        const body = parseInput(CustomerMerge, req.body);
        return { data: await mergeCustomers(scopeOf(req), id, body.into, body.note) };
      }),
    );

    router.post(
      '/approvals/:id/decision',
      route(logger, async (req) => {
        requireLogin(req);
        const id = parseInput(uuid, req.params['id'], 'APPROVAL_NOT_FOUND');
        const body = parseInput(Decision, req.body);
        const [result] = await decideApprovals(scopeOf(req), [id], body.decision, body.note);
        return { data: result };
      }),
    );

    // Pricing governance and FX rates (stories 12, 14, 24–26, 39): docs/pricing.md.
    registerFxRoutes(router, logger, scopeOf);
    registerPricingRoutes(router, logger, scopeOf);
    registerPricingImportRoutes(router, logger, scopeOf);

    router.post(
      '/approvals/decisions',
      route(logger, async (req) => {
        requireLogin(req);
        const body = parseInput(BulkDecision, req.body);
        const ids = [...new Set(body.ids)];
        return { data: await decideApprovals(scopeOf(req), ids, body.decision, body.note) };
      }),
    );

    // /fulfillment command center read (stories 9, 10, 16): docs/fulfillment-read.md. The number of
    // SQL statements the read issued goes out in Server-Timing: it stays the same for any page size.
    router.get(
      '/fulfillment/deals',
      route(logger, async (req, res) => {
        requireLogin(req);
        const query = parseInput(FulfillmentDealsQuery, req.query);
        const counted = await readFulfillmentDeals(scopeOf(req), query);
        res.setHeader('Server-Timing', serverTimingOf('db', counted));
        return counted.result;
      }),
    );

    // --- WMS outbound (story 72): each call is one transaction with its command in the outbox.
    router.post(
      '/deals/:id/won',
      route(logger, async (req) => {
        requireLogin(req);
        const id = parseInput(uuid, req.params['id'], 'DEAL_NOT_FOUND');
        const body = parseInput(DealWon, req.body ?? {});
        return { data: await markDealWon(scopeOf(req), id, body.note ?? null) };
      }),
    );

    router.post(
      '/purchase-orders',
      route(logger, async (req, res) => {
        requireLogin(req);
        const body = parseInput(NewPurchaseOrder, req.body);
        const created = await createPurchaseOrder(scopeOf(req), body);
        res.status(201);
        return { data: created };
      }),
    );

    router.post(
      '/purchase-orders/:id/release',
      route(logger, async (req) => {
        requireLogin(req);
        const id = parseInput(uuid, req.params['id'], 'PURCHASE_ORDER_NOT_FOUND');
        const body = parseInput(ReleaseBody, req.body);
        return { data: await releasePurchaseOrder(scopeOf(req), id, body.note) };
      }),
    );

    router.post(
      '/purchase-orders/:id/cancel',
      route(logger, async (req) => {
        requireLogin(req);
        const id = parseInput(uuid, req.params['id'], 'PURCHASE_ORDER_NOT_FOUND');
        const body = parseInput(CancelBody, req.body);
        return { data: await cancelPurchaseOrder(scopeOf(req), id, body) };
      }),
    );

    router.post(
      '/outbound/:id/retry',
      route(logger, async (req) => {
        requireLogin(req);
        const id = parseInput(uuid, req.params['id'], 'OUTBOUND_MESSAGE_NOT_FOUND');
        const body = parseInput(RetryBody, req.body);
        return { data: await retryOutboundMessage(scopeOf(req), id, body.note) };
      }),
    );
  },
});
