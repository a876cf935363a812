/**
 * The email outbox (stories 61-71), the same shape as the WMS command outbox
 * (wms-outbound/outbox.ts): an email is a row of `email_messages` under a unique idempotency key
 * (D-EMAIL-KEY), written in the transaction of the business change that causes it, and queued as a
 * pg-boss job in that same transaction (`enqueueOutboxJob`). A second request under the key adds
 * nothing and queues nothing.
 *
 * Two ways in, one preparation:
 * - `enqueueEmail(trx, request)`: a use case's transaction (digests, later issues' triggers).
 * - a trigger on the WMS mirrors (schema-snapshots/constraints/420-email.sql) writes the bare
 *   request in the ingestion's single statement; the relay (`relayEmails`, worker.ts) prepares and
 *   queues it in a transaction of its own moments later.
 * Preparing routes the email (routing.ts: enabled, policy, opt-out, recipients), renders it
 * (templates.ts) and either queues it (`pending`) or keeps it as `suppressed` with the reason.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { enqueueOutboxJob, enqueueOutboxJobs } from '../../runtime/job-queue.js';
import { QUEUE_NAMES } from '../../runtime/queues.js';
import { customerLanguage, internalData, staffLanguage, statusData } from './content.js';
import { emailKey, messageIdOf } from './keys.js';
import {
  emailByKey,
  insertEmailRequest,
  loadDealCustomer,
  loadOrgAdminEmails,
  loadOrgBranding,
  loadRule,
  loadStaffLanguages,
  markPrepared,
  markPreparedMany,
  setEmailJob,
  type EmailAttachment,
  type EmailRow,
  type PreparedFields,
  type RuleRow,
} from './repository.js';
import { route, type CustomerContact, type RoutingRule } from './routing.js';
import {
  isDocumentEmailData,
  renderDocumentEmail,
  renderInternalEmail,
  renderStatusEmail,
  type Branding,
  type DocumentEmailData,
  type InternalEmailData,
  type RenderedEmail,
} from './templates.js';
import { audienceOf, isCustomerType, isDocumentType, type EmailType } from './types.js';

/** What the job carries: only the row's id; the row is the truth. */
export interface EmailJobData {
  email_id: string;
}

export interface EmailRequest {
  orgId: string;
  type: EmailType;
  /** The id segment of the key: the one fact the email is about (keys.ts). */
  subject: string;
  dealId?: string | null;
  poId?: string | null;
  poNumber?: string | null;
  /** Internal emails: the ready content; document emails (proforma_sent): theirs; customer emails: the status facts. */
  content?: InternalEmailData | DocumentEmailData;
  facts?: Record<string, unknown>;
  attachments?: EmailAttachment[];
}

/**
 * An internal email about one purchase order, keyed by its code (one per PO and type ever): the
 * subject "PO {code}", `intro`, the facts "PO number" and "Deal" followed by `facts`.
 */
export function poEmail(
  type: EmailType,
  orgId: string,
  po: { id: string; code: string; deal_id: string; deal_code: string },
  intro: string,
  facts: Array<{ label: string; value: string }>,
): EmailRequest {
  return {
    orgId,
    type,
    subject: po.code,
    dealId: po.deal_id,
    poId: po.id,
    poNumber: po.code,
    content: {
      subject: `PO ${po.code}`,
      intro,
      facts: [{ label: 'PO number', value: po.code }, { label: 'Deal', value: po.deal_code }, ...facts],
      sections: [],
    },
  };
}

export interface EnqueuedEmail {
  id: string;
  idempotency_key: string;
  state: EmailRow['state'];
  suppressed_reason: EmailRow['suppressed_reason'];
  /** false: an email under this key existed already; nothing new was written or queued. */
  created: boolean;
}

let settings: { publicUrl: string | null; from: string } = { publicUrl: null, from: 'no-reply@example.com' };

/** Where links in emails point (PUBLIC_URL), or null when it is not configured. */
export function emailPublicUrl(): string | null {
  return settings.publicUrl;
}

/** Set once at start-up from the email configuration (hooks/runtime). */
export function configureEmailOutbox(next: { publicUrl: string | null; from: string }): void {
  settings = next;
}

export function toRoutingRule(row: RuleRow | undefined): RoutingRule | undefined {
  if (!row) return undefined;
  return {
    enabled: row.enabled,
    to: row.to_addresses ?? [],
    cc: row.cc_addresses ?? [],
    contactRoles: row.contact_roles ?? [],
    policy: row.policy,
  };
}

function contactsOf(value: unknown): CustomerContact[] {
  const list = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  return Array.isArray(list) ? (list as CustomerContact[]) : [];
}

/**
 * What preparing reads besides the row: an org's branding, its rule for a type, its CRM admins and
 * staff languages. The relay prepares a batch of rows with one of these, so a batch of one org's
 * emails reads each once instead of once per email; it lives no longer than the batch's transaction.
 */
export class PrepareLookups {
  private readonly memo = new Map<string, Promise<unknown>>();
  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let hit = this.memo.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = load();
      this.memo.set(key, hit);
    }
    return hit;
  }
  // Each read runs on the caller's (savepoint) transaction: the batch's connection.
  branding(db: Knex, orgId: string) {
    return this.once(`b:${orgId}`, () => loadOrgBranding(db, orgId));
  }
  rule(db: Knex, orgId: string, type: EmailType) {
    return this.once(`r:${orgId}:${type}`, () => loadRule(db, orgId, type));
  }
  admins(db: Knex, orgId: string) {
    return this.once(`a:${orgId}`, () => loadOrgAdminEmails(db, orgId));
  }
  staffLanguages(db: Knex, addresses: readonly string[]) {
    return this.once(`l:${[...addresses].sort().join(',')}`, () => loadStaffLanguages(db, addresses));
  }
}

/** Routes, renders and records the email; queues it unless suppressed. Runs in the caller's transaction. */
export async function prepareEmail(
  trx: Knex.Transaction,
  row: EmailRow,
  attachments: EmailAttachment[] | null = null,
  lookups: PrepareLookups = new PrepareLookups(),
): Promise<PreparedFields> {
  const fields = await planEmail(trx, row, attachments, lookups);
  // The job first, so that one update records the preparation and names its job.
  const jobId = fields.state === 'pending' ? await newEmailJob(trx, row.id) : null;
  await markPrepared(trx, row.id, fields, new Date(), jobId);
  return fields;
}

/**
 * Many prepared emails recorded at once (the relay's batch): one pg-boss insert for the jobs of
 * those to send, one update for all rows. Runs in the caller's transaction.
 */
export async function recordPreparedEmails(trx: Knex.Transaction, planned: ReadonlyArray<{ id: string; fields: PreparedFields }>) {
  const toSend = planned.filter((p) => p.fields.state === 'pending');
  const jobIds = await enqueueOutboxJobs(
    trx,
    QUEUE_NAMES.emailSend,
    toSend.map((p): EmailJobData => ({ email_id: p.id })),
  );
  const jobOf = new Map(toSend.map((p, i) => [p.id, jobIds[i]!]));
  await markPreparedMany(
    trx,
    planned.map((p) => ({ id: p.id, fields: p.fields, jobId: jobOf.get(p.id) ?? null })),
    new Date(),
  );
}

/** Routes and renders the email: what preparing records. Reads only. */
export async function planEmail(
  trx: Knex.Transaction,
  row: EmailRow,
  attachments: EmailAttachment[] | null = null,
  lookups: PrepareLookups = new PrepareLookups(),
): Promise<PreparedFields> {
  const type = row.email_type;
  const org = await lookups.branding(trx, row.org_id);
  const brand: Branding = {
    name: org?.email_sender_name || org?.name || org?.code || 'CRM',
    color: org?.brand_color ?? null,
    logoUrl: org?.logo && settings.publicUrl ? `${settings.publicUrl}/assets/${org.logo}` : null,
    senderName: org?.email_sender_name ?? null,
    senderAddress: org?.email_sender_address ?? null,
  };
  const rule = toRoutingRule(await lookups.rule(trx, row.org_id, type));
  const facts = row.context ?? {};
  let rendered: RenderedEmail | null;
  let routing;
  let language: 'tr' | 'en';
  if (isDocumentType(type) || isCustomerType(type)) {
    // To the customer: the contacts of the deal's customer profile, in the customer's language.
    const customer = row.deal_id ? await loadDealCustomer(trx, row.deal_id) : undefined;
    language = customerLanguage(customer?.email_language, customer?.country);
    routing = route({
      type,
      rule,
      customer: customer && { optedOut: !!customer.status_email_opt_out, contacts: contactsOf(customer.contacts) },
      orgAdmins: [],
    });
    if (isDocumentType(type)) {
      // A document a person sends: the sender's own words.
      const content = facts['content'];
      rendered = isDocumentEmailData(content) ? renderDocumentEmail(type, brand, content) : null;
    } else {
      rendered = renderStatusEmail(type, language, brand, statusData(type, facts, customer?.legal_name ?? null));
    }
  } else {
    routing = route({ type, rule, orgAdmins: await lookups.admins(trx, row.org_id) });
    // Staff read their emails in their Directus language (content.ts#staffLanguage).
    const recipients = routing.kind === 'send' ? [...routing.to, ...routing.cc] : [];
    const staff = await lookups.staffLanguages(trx, recipients);
    language = staffLanguage(recipients, staff.languages, staff.projectDefault);
    const content = internalData(type, facts);
    rendered = content ? renderInternalEmail(type, brand, content, language) : null;
  }
  const fields: PreparedFields = {
    state: routing.kind === 'send' && rendered ? 'pending' : 'suppressed',
    suppressed_reason: routing.kind === 'suppressed' ? routing.reason : rendered ? null : 'policy',
    language,
    to_addresses: routing.kind === 'send' ? routing.to : [],
    cc_addresses: routing.kind === 'send' ? routing.cc : [],
    from_name: brand.senderName ?? brand.name,
    from_address: brand.senderAddress ?? settings.from,
    subject: rendered?.subject ?? null,
    html_body: rendered?.html ?? null,
    text_body: rendered?.text ?? null,
    attachments,
  };
  return fields;
}

function newEmailJob(trx: Knex.Transaction, emailId: string): Promise<string> {
  const data: EmailJobData = { email_id: emailId };
  return enqueueOutboxJob(trx, QUEUE_NAMES.emailSend, data, `email ${emailId}`);
}

async function queueEmail(trx: Knex.Transaction, emailId: string): Promise<string> {
  const jobId = await newEmailJob(trx, emailId);
  await setEmailJob(trx, emailId, jobId, 'pending');
  return jobId;
}

/**
 * Records, prepares and queues an email inside `trx`, once per key: a second call with the same
 * type and subject answers the existing email and changes nothing.
 */
export async function enqueueEmail(trx: Knex.Transaction, request: EmailRequest): Promise<EnqueuedEmail> {
  const key = emailKey(request.type, request.subject);
  const row = await insertEmailRequest(trx, {
    id: randomUUID(),
    org_id: request.orgId,
    email_type: request.type,
    idempotency_key: key,
    message_id: messageIdOf(key),
    audience: audienceOf(request.type),
    deal_id: request.dealId ?? null,
    po_id: request.poId ?? null,
    po_number: request.poNumber ?? null,
    context: { ...(request.facts ?? {}), ...(request.content ? { content: request.content } : {}) },
  });
  if (!row) {
    const existing = (await emailByKey(trx, key))!;
    return { id: existing.id, idempotency_key: key, state: existing.state, suppressed_reason: existing.suppressed_reason, created: false };
  }
  const prepared = await prepareEmail(trx, row, request.attachments ?? null);
  return { id: row.id, idempotency_key: key, state: prepared.state, suppressed_reason: prepared.suppressed_reason, created: true };
}

/** Hands a failed or dead email to a fresh job: same row, same key, same Message-ID. */
export async function requeueEmail(trx: Knex.Transaction, emailId: string): Promise<string> {
  return queueEmail(trx, emailId);
}
