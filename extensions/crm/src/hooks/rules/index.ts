/**
 * Registers the CRM's server-side rules as Directus filter hooks, so they hold for every item
 * route: REST, GraphQL, nested writes, imports and flows.
 */
import { defineHook } from '@directus/extensions-sdk';
import type { Knex } from 'knex';
import { isCrmError, toDirectusError } from '../../shared/errors.js';
import type { Accountability } from '../../shared/directus.js';
import {
  beforeApprovalRequestCreate,
  beforeApprovalRequestUpdate,
  beforeDealCreate,
  beforeDealLineCreate,
  beforeDealLineUpdate,
  beforeDealUpdate,
  refuseAuditChange,
} from '../../modules/deals/rules.js';
import { beforeUserUpdate } from '../../modules/orgs/rules.js';
import { checkProfilePayload } from '../../modules/customers/rules.js';
import {
  beforePurchaseOrderUpdate,
  refusePurchaseOrderWriteThroughItems,
  refuseWinThroughItems,
} from '../../modules/purchase-orders/rules.js';
import { refuseOutboxWriteThroughItems } from '../../modules/wms-outbound/rules.js';
import { refuseEmailWriteThroughItems } from '../../modules/email/rules.js';
import { refusePaymentConfirmationThroughItems, refuseTransferThroughItems } from '../../modules/shipment-approval/rules.js';
import { checkQualityChange } from '../../modules/pricing/deal-line-rules.js';
import { crmErrorFromDatabase } from '../../modules/orgs/database-errors.js';
import {
  creditGateOnPurchaseOrderCreate,
  creditGateOnPurchaseOrderUpdate,
  refuseCreditBlockThroughItems,
} from '../../modules/credit/rules.js';

type Payload = Record<string, unknown>;
interface Context {
  database: Knex;
  accountability: Accountability | null;
}
interface Meta {
  keys?: Array<string | number>;
}

/** CrmErrors leave through Directus' error handler with their status, code and fields. */
function guarded<T>(work: () => Promise<T> | T): Promise<T> {
  return Promise.resolve()
    .then(work)
    .catch((error: unknown) => {
      throw isCrmError(error) ? toDirectusError(error) : error;
    });
}

const keysOf = (meta: Meta) => (meta.keys ?? []).map(String);

export default defineHook(({ filter }) => {
  filter('deals.items.create', (payload, _meta, ctx) =>
    guarded(() => beforeDealCreate(payload as Payload, (ctx as Context).database, (ctx as Context).accountability)),
  );
  filter('deals.items.update', (payload, meta, ctx) =>
    guarded(() => beforeDealUpdate(payload as Payload, keysOf(meta as Meta), (ctx as Context).database, (ctx as Context).accountability)),
  );
  filter('deal_lines.items.create', (payload, _meta, ctx) =>
    guarded(() => beforeDealLineCreate(payload as Payload, (ctx as Context).database, (ctx as Context).accountability)),
  );
  filter('deal_lines.items.update', (payload, _meta, ctx) =>
    guarded(() => beforeDealLineUpdate(payload as Payload, (ctx as Context).accountability)),
  );
  // Stories 22, 23: a changed quality must be one the caller may select (pricing module).
  filter('deal_lines.items.update', (payload, meta, ctx) =>
    guarded(async () => {
      await checkQualityChange(payload as Payload, keysOf(meta as Meta), (ctx as Context).database, (ctx as Context).accountability);
      return payload;
    }),
  );
  filter('approval_requests.items.create', (payload, _meta, ctx) =>
    guarded(() => beforeApprovalRequestCreate(payload as Payload, (ctx as Context).database, (ctx as Context).accountability)),
  );
  filter('approval_requests.items.update', (payload) => guarded(() => beforeApprovalRequestUpdate(payload as Payload)));
  // The name an org recorded for a customer (docs/access-model.md, "Customer identity").
  filter('customer_org_profiles.items.create', (payload) => guarded(() => checkProfilePayload(payload as Payload)));
  filter('customer_org_profiles.items.update', (payload) => guarded(() => checkProfilePayload(payload as Payload)));
  filter('audit_log.items.update', () => guarded(() => refuseAuditChange()));
  filter('audit_log.items.delete', () => guarded(() => refuseAuditChange()));
  filter('users.update', (payload, meta, ctx) =>
    guarded(() => beforeUserUpdate(payload as Payload, keysOf(meta as Meta), (ctx as Context).database, (ctx as Context).accountability)),
  );
  // Stories 29, 30: the credit gate answers first on item routes (422 with the gate name).
  filter('purchase_orders.items.create', (payload, _meta, ctx) =>
    guarded(() => creditGateOnPurchaseOrderCreate(payload as Payload, (ctx as Context).database, (ctx as Context).accountability)),
  );
  filter('purchase_orders.items.update', (payload, meta, ctx) =>
    guarded(() =>
      creditGateOnPurchaseOrderUpdate(payload as Payload, keysOf(meta as Meta), (ctx as Context).database, (ctx as Context).accountability),
    ),
  );
  filter('deals.items.update', (payload) => guarded(() => refuseCreditBlockThroughItems(payload as Payload)));
  // Story 72: states that reach the WMS change only through the /crm endpoints (outbox).
  filter('deals.items.create', (payload) => guarded(() => refuseWinThroughItems(payload as Payload)));
  filter('deals.items.update', (payload) => guarded(() => refuseWinThroughItems(payload as Payload)));
  filter('purchase_orders.items.create', () => guarded(() => refusePurchaseOrderWriteThroughItems()));
  filter('purchase_orders.items.update', (payload) => guarded(() => beforePurchaseOrderUpdate(payload as Payload)));
  for (const action of ['create', 'update', 'delete'] as const) {
    filter(`purchase_order_lines.items.${action}`, () => guarded(() => refusePurchaseOrderWriteThroughItems()));
    filter(`outbound_messages.items.${action}`, () => guarded(() => refuseOutboxWriteThroughItems()));
    filter(`email_messages.items.${action}`, () => guarded(() => refuseEmailWriteThroughItems()));
    filter(`email_routing_rules.items.${action}`, () => guarded(() => refuseEmailWriteThroughItems()));
    // Stories 33, 38: payment is confirmed per PO only through /crm (audited).
    filter(`po_payment_confirmations.items.${action}`, () => guarded(() => refusePaymentConfirmationThroughItems()));
    // Story 73: an intercompany transfer is written only by the shipment approval that creates its deal.
    filter(`intercompany_transfers.items.${action}`, () => guarded(() => refuseTransferThroughItems()));
  }
  // The database triggers' refusals (CRM_* messages) become 400s with their code instead of 500s.
  filter('database.error', (error) => {
    const mapped = crmErrorFromDatabase(error);
    return mapped ? (toDirectusError(mapped) as never) : error;
  });
});
