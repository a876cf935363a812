/**
 * The email use cases (stories 61-71): the Emails command center's reads (the outbox per org, one
 * email rendered), a deal's emails (its timeline), the admin retry of a dead email, and the
 * routing rules per org × type. Every one starts with `requireAccess`; an email or a rule of an
 * org the caller holds no grant in is answered exactly like a missing one.
 */
import { randomUUID } from 'node:crypto';
import { writeAudit } from '../../shared/audit.js';
import { CrmError } from '../../shared/errors.js';
import type { RequestScope } from '../../shared/services.js';
import { requireAccess } from '../orgs/require-access.js';
import { requeueEmail, toRoutingRule } from './outbox.js';
import {
  emailOrgOf,
  listEmails,
  loadEmailDetail,
  loadOrgBranding,
  loadRules,
  lockEmail,
  lockRule,
  upsertRule,
  type RuleRow,
} from './repository.js';
import { isEnabled } from './routing.js';
import { runScheduled, type ScheduledKind } from './digests.js';
import { EMAIL_TYPES, OPT_IN_EMAIL_TYPES, audienceOf, type EmailPolicy, type EmailState, type EmailType } from './types.js';

const emailNotFound = () =>
  new CrmError('not_found', 'EMAIL_NOT_FOUND', 'id: no such email, or not one you may see', [{ field: 'id', reason: 'no such email' }]);
const readForbidden = () => new CrmError('forbidden', 'EMAIL_READ_NOT_ALLOWED', "your role cannot read the org's emails");

export interface EmailListQuery {
  state?: EmailState | undefined;
  type?: EmailType | undefined;
  deal_id?: string | undefined;
  limit: number;
  offset: number;
}

/** The outbox of the orgs in the caller's Org Scope where they may read emails (newest first). */
export async function readEmails(scope: RequestScope, query: EmailListQuery) {
  const access = await requireAccess(scope, { in: 'org_scope', capability: 'email.read', forbidden: readForbidden });
  const rows = await listEmails(scope.database, {
    orgIds: access.orgIds,
    state: query.state,
    type: query.type,
    dealId: query.deal_id,
    limit: query.limit,
    offset: query.offset,
  });
  return { org_ids: access.orgIds, emails: rows };
}

/** One email as it was rendered (HTML and text), for the preview. */
export async function readEmail(scope: RequestScope, id: string) {
  await requireAccess(scope, {
    org: () => emailOrgOf(scope.database, id),
    capability: 'email.read',
    notFound: emailNotFound,
    forbidden: readForbidden,
  });
  return (await loadEmailDetail(scope.database, id))!;
}

export interface RetriedEmail {
  id: string;
  idempotency_key: string;
  state: 'pending';
  previous_state: 'dead';
  job_id: string;
}

/** An org admin hands a dead email back to the worker: same row, key and Message-ID; audited. */
export async function retryEmail(scope: RequestScope, id: string, note: string): Promise<RetriedEmail> {
  const actor = await requireAccess(scope, {
    org: () => emailOrgOf(scope.database, id),
    capability: 'email.manage',
    notFound: emailNotFound,
    forbidden: () => new CrmError('forbidden', 'EMAIL_RETRY_NOT_ALLOWED', "only the org's CRM admin retries emails"),
  });
  return scope.database.transaction(async (trx) => {
    const row = (await lockEmail(trx, id))!;
    if (row.state !== 'dead') {
      const reason =
        row.state === 'sent'
          ? 'it was sent already'
          : row.state === 'suppressed'
            ? `it was suppressed (${row.suppressed_reason}), not lost: change the routing rule instead`
            : 'it is still being sent or retried';
      throw new CrmError('conflict', 'EMAIL_NOT_RETRYABLE', `id: ${reason}`, [{ field: 'id', reason }]);
    }
    const jobId = await requeueEmail(trx, row.id);
    await writeAudit(trx, [
      {
        orgId: row.org_id,
        actor: actor.userId,
        at: new Date(),
        action: 'email.retried',
        collection: 'email_messages',
        entityId: row.id,
        note,
        details: { idempotency_key: row.idempotency_key, email_type: row.email_type, attempts: row.attempts, last_error: row.last_error },
      },
    ]);
    return { id: row.id, idempotency_key: row.idempotency_key, state: 'pending', previous_state: 'dead', job_id: jobId };
  });
}

export interface EffectiveRule {
  org_id: string;
  email_type: EmailType;
  audience: 'customer' | 'internal';
  /** false: no rule row; the defaults apply. */
  configured: boolean;
  enabled: boolean;
  to_addresses: string[];
  cc_addresses: string[];
  contact_roles: string[];
  policy: EmailPolicy;
  /** Whether the caller may change this rule (the org's CRM admin): the page offers "Edit" only then. */
  may_manage: boolean;
}

function effective(orgId: string, type: EmailType, row: RuleRow | undefined, mayManage: boolean): EffectiveRule {
  return {
    org_id: orgId,
    email_type: type,
    audience: audienceOf(type),
    configured: !!row,
    enabled: isEnabled(type, toRoutingRule(row)),
    to_addresses: row?.to_addresses ?? [],
    cc_addresses: row?.cc_addresses ?? [],
    contact_roles: row?.contact_roles ?? [],
    policy: row?.policy ?? 'send',
    may_manage: mayManage,
  };
}

/** Every email type of every org in scope, with its rule or the defaults. */
export async function readRoutingRules(scope: RequestScope) {
  const access = await requireAccess(scope, { in: 'org_scope', capability: 'email.read', forbidden: readForbidden });
  const rows = await loadRules(scope.database, access.orgIds);
  return access.orgIds.flatMap((orgId) =>
    EMAIL_TYPES.map((type) =>
      effective(
        orgId,
        type,
        rows.find((r) => r.org_id === orgId && r.email_type === type),
        access.may('email.manage', orgId),
      ),
    ),
  );
}

export interface RuleInput {
  enabled: boolean;
  to_addresses: string[];
  cc_addresses: string[];
  contact_roles: string[];
  policy: EmailPolicy;
  note: string | null;
}

/**
 * Sets an org's rule for one email type: only the org's admin (a crm_admin grant there, or the CRM
 * admin). Audited with the rule before and after; enabling picking_started/prepared is what stories
 * 62 and 66 reserve to them.
 */
export async function setRoutingRule(scope: RequestScope, orgId: string, type: EmailType, input: RuleInput): Promise<EffectiveRule> {
  const actor = await requireAccess(scope, {
    org: async () => (await loadOrgBranding(scope.database, orgId))?.id,
    capability: 'email.manage',
    notFound: () =>
      new CrmError('not_found', 'ORG_NOT_FOUND', 'org_id: no such org, or not one you may configure', [
        { field: 'org_id', reason: 'no such org' },
      ]),
    forbidden: () => new CrmError('forbidden', 'EMAIL_RULES_NOT_ALLOWED', "only the org's CRM admin changes its email routing"),
  });
  if (audienceOf(type) === 'internal' && input.contact_roles.length) {
    throw new CrmError('invalid_input', 'INVALID_INPUT', 'contact_roles: only customer emails go to customer contacts', [
      { field: 'contact_roles', reason: 'only customer emails go to customer contacts' },
    ]);
  }
  return scope.database.transaction(async (trx) => {
    const before = await lockRule(trx, orgId, type);
    const at = new Date();
    const ruleId = before?.id ?? randomUUID();
    const row = {
      id: ruleId,
      org_id: orgId,
      email_type: type,
      enabled: input.enabled,
      to_addresses: input.to_addresses,
      cc_addresses: input.cc_addresses,
      contact_roles: input.contact_roles,
      policy: input.policy,
      updated_at: at,
      updated_by: actor.userId,
    };
    await upsertRule(trx, row);
    const after = effective(orgId, type, row, true);
    const previous = effective(orgId, type, before, true);
    await writeAudit(trx, [
      {
        orgId,
        actor: actor.userId,
        at,
        action: 'email_rule.changed',
        collection: 'email_routing_rules',
        entityId: ruleId,
        note: input.note,
        details: {
          email_type: type,
          opt_in_type: OPT_IN_EMAIL_TYPES.includes(type),
          before: {
            enabled: previous.enabled,
            to: previous.to_addresses,
            cc: previous.cc_addresses,
            contact_roles: previous.contact_roles,
            policy: previous.policy,
          },
          after: {
            enabled: after.enabled,
            to: after.to_addresses,
            cc: after.cc_addresses,
            contact_roles: after.contact_roles,
            policy: after.policy,
          },
        },
      },
    ]);
    return after;
  });
}

/**
 * Runs one kind of digest for every org now, as the scheduled flow would (CRM admin only). Each
 * org × kind × period is sent once: a second run answers the existing emails (`created: false`).
 */
export async function runDigestsByHand(scope: RequestScope, kind: ScheduledKind) {
  await requireAccess(scope, {
    in: 'admin',
    forbidden: () => new CrmError('forbidden', 'DIGEST_RUN_NOT_ALLOWED', 'only the CRM admin runs digests by hand'),
  });
  return runScheduled(scope.database, kind, new Date());
}
