/**
 * The order form's use cases (stories 51-55, 59).
 *
 * Staff side (`/crm/order-form-tokens`, sales owners and managers of the org): issue a link for a
 * customer profile or a prospect, regenerate it (the old token dies in the same transaction),
 * revoke it. The token is answered once, at issue; only its hash is kept.
 *
 * Customer side (the public `/order-form/:token` endpoint, no Directus login): the token is the
 * only credential. `openOrderForm` tells which page to show; `submitOrderForm` creates, in one
 * transaction, the claim of the token, the customer (a prospect becomes a `pending_review`
 * customer of the token's org only), the deal (`submitted_from_form=true`) with its lines, the
 * audit entry and the emails. A refused submission changes nothing.
 */
import type { Knex } from 'knex';
import { CrmError } from '../../shared/errors.js';
import { writeAudit } from '../../shared/audit.js';
import { isUuid } from '../../shared/ids.js';
import { elevated, storedAsset, type CrmServices, type RequestScope } from '../../shared/services.js';
import { generateUniqueCode } from '../codes/codes.js';
import { enqueueEmail } from '../email/outbox.js';
import { resolveNewRecordOrg } from '../orgs/access.js';
import { requireAccess } from '../orgs/require-access.js';
import { isQualityVisibleToSales } from '../pricing/rules.js';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { diffLines, diffRows, type LineChange, type SentLine } from './diff.js';
import { MAX_LINES, parseForm, type FormLine, type FormProblem, type FormSubmission } from './form.js';
import { readLinesFile, sheetPlace, type ReadLines } from './lines-file.js';
import { ATTACHMENT_LIMITS, LINES_FILE_MAX_BYTES, MIME, safeFileName, sniff, type FileKind } from './uploads.js';
import {
  claimToken,
  findTokenByHash,
  currentLines,
  dealAttachments,
  dealOrg,
  loadOrgName,
  loadFormDeal,
  recordSent,
  insertAttachment,
  loadAttachment,
  insertIdentityIfFree,
  insertToken,
  listTokens,
  loadProfile,
  loadToken,
  orgExists,
  orgQualities,
  recordSubmission,
  retireToken,
  type LinkRow,
  type PublicToken,
} from './repository.js';
import { orgsByIds } from '../orgs/repository.js';
import { expiryOf, generateToken, hashToken, hashesMatch, isTokenShaped, linkState, tokenView, type LinkState } from './tokens.js';
import type { Lang } from './page.js';

// ---------------------------------------------------------------------------------------------
// Staff side

export interface IssueInput {
  org_id?: string | undefined;
  customer_profile_id?: string | undefined;
  prospect_name?: string | undefined;
  prospect_email?: string | undefined;
  /** Days until the link expires; null: never (story 52). */
  expires_in_days: number | null;
}

export interface IssuedToken {
  id: string;
  org_id: string;
  customer_profile_id: string | null;
  status: 'active';
  expires_at: string | null;
  /** The secret, answered only here: the CRM keeps its hash alone. */
  token: string;
  /** The path of the page; the app prefixes its own origin to show a copyable link. */
  path: string;
}

const tokenNotFound = () =>
  new CrmError('not_found', 'ORDER_FORM_TOKEN_NOT_FOUND', 'id: no such order form link, or you may not do this there', [
    { field: 'id', reason: 'no such order form link, or you may not do this there' },
  ]);
const issueForbidden = () => new CrmError('forbidden', 'ORDER_FORM_NOT_ALLOWED', 'your role in this org cannot issue order form links');
const profileNotFound = () =>
  new CrmError(
    'invalid_input',
    'CUSTOMER_PROFILE_NOT_FOUND',
    'customer_profile_id: no such customer profile, or you may not do this there',
    [{ field: 'customer_profile_id', reason: 'no such customer profile, or you may not do this there' }],
  );

export const ORDER_FORM_PATH = '/order-form';

export async function issueOrderFormToken(scope: RequestScope, input: IssueInput, now = new Date()): Promise<IssuedToken> {
  if (!input.customer_profile_id && !input.prospect_name) {
    throw new CrmError('invalid_input', 'INVALID_INPUT', 'customer_profile_id: name a customer profile, or prospect_name for a prospect', [
      { field: 'customer_profile_id', reason: 'name a customer profile, or prospect_name for a prospect' },
    ]);
  }
  let orgId: string;
  let actorId: string;
  if (input.customer_profile_id) {
    const profileId = input.customer_profile_id;
    const actor = await requireAccess(scope, {
      org: async () => (await loadProfile(scope.database, profileId))?.org_id,
      capability: 'order_form.issue',
      notFound: profileNotFound,
      forbidden: issueForbidden,
    });
    orgId = (await loadProfile(scope.database, profileId))!.org_id;
    if (input.org_id && input.org_id !== orgId) throw profileNotFound();
    actorId = actor.userId;
  } else {
    const actor = await requireAccess(scope);
    if (actor.admin) {
      orgId = input.org_id ?? actor.context.activeOrg ?? '';
      if (!isUuid(orgId) || !(await orgExists(scope.database, orgId)))
        throw new CrmError('invalid_input', 'ORG_REQUIRED', 'org_id: name an existing org', [
          { field: 'org_id', reason: 'name an existing org' },
        ]);
    } else {
      const resolved = resolveNewRecordOrg(input.org_id, actor.context.activeOrg, actor.context.grants, 'order_form.issue');
      if (!resolved.ok)
        throw new CrmError('invalid_input', resolved.code, resolved.message, [{ field: 'org_id', reason: resolved.message }]);
      orgId = resolved.orgId;
    }
    actorId = actor.userId;
  }
  return scope.database.transaction(async (trx) => {
    const issued = await createToken(trx, {
      orgId,
      customerProfileId: input.customer_profile_id ?? null,
      prospectName: input.prospect_name ?? null,
      prospectEmail: input.prospect_email ?? null,
      expiresAt: expiryOf(input.expires_in_days, now),
      actorId,
      now,
      replacesId: null,
    });
    await writeAudit(trx, [
      {
        orgId,
        actor: actorId,
        at: now,
        action: 'order_form.token_issued',
        collection: 'order_form_tokens',
        entityId: issued.id,
        note: null,
        details: { customer_profile_id: issued.customer_profile_id, prospect: !input.customer_profile_id, expires_at: issued.expires_at },
      },
    ]);
    return issued;
  });
}

async function createToken(
  trx: Knex,
  t: {
    orgId: string;
    customerProfileId: string | null;
    prospectName: string | null;
    prospectEmail: string | null;
    expiresAt: Date | null;
    actorId: string;
    now: Date;
    replacesId: string | null;
  },
): Promise<IssuedToken> {
  const token = generateToken();
  const id = await insertToken(trx, {
    org_id: t.orgId,
    customer_profile_id: t.customerProfileId,
    prospect_name: t.prospectName,
    prospect_email: t.prospectEmail,
    token_hash: hashToken(token),
    status: 'active',
    expires_at: t.expiresAt,
    issued_by: t.actorId,
    issued_at: t.now,
    replaces_id: t.replacesId,
  });
  return {
    id,
    org_id: t.orgId,
    customer_profile_id: t.customerProfileId,
    status: 'active',
    expires_at: t.expiresAt?.toISOString() ?? null,
    token,
    path: `${ORDER_FORM_PATH}/${token}`,
  };
}

async function staffToken(scope: RequestScope, id: string) {
  return requireAccess(scope, {
    org: async () => (await loadToken(scope.database, id))?.org_id,
    capability: 'order_form.issue',
    notFound: tokenNotFound,
    forbidden: issueForbidden,
  });
}

/**
 * A new link for the same customer (or prospect) and org; the old token is `replaced` in the same
 * transaction, so it is dead the moment the new one exists. `expires_in_days` as at issue.
 */
export async function regenerateOrderFormToken(
  scope: RequestScope,
  id: string,
  input: { expires_in_days: number | null; note?: string | undefined },
  now = new Date(),
): Promise<IssuedToken> {
  const actor = await staffToken(scope, id);
  return scope.database.transaction(async (trx) => {
    const old = (await loadToken(trx, id, true))!;
    if (old.status !== 'active')
      throw new CrmError('conflict', 'ORDER_FORM_TOKEN_NOT_ACTIVE', `the link is ${old.status}: only an active link is regenerated`);
    await retireToken(trx, id, 'replaced', now);
    const issued = await createToken(trx, {
      orgId: old.org_id,
      customerProfileId: old.customer_profile_id,
      prospectName: old.prospect_name,
      prospectEmail: old.prospect_email,
      expiresAt: expiryOf(input.expires_in_days, now),
      actorId: actor.userId,
      now,
      replacesId: id,
    });
    await writeAudit(trx, [
      {
        orgId: old.org_id,
        actor: actor.userId,
        at: now,
        action: 'order_form.token_regenerated',
        collection: 'order_form_tokens',
        entityId: issued.id,
        note: input.note || null,
        details: { replaces: id, expires_at: issued.expires_at },
      },
    ]);
    return issued;
  });
}

export async function revokeOrderFormToken(scope: RequestScope, id: string, note: string | null, now = new Date()) {
  const actor = await staffToken(scope, id);
  return scope.database.transaction(async (trx) => {
    const old = (await loadToken(trx, id, true))!;
    if (old.status !== 'active')
      throw new CrmError('conflict', 'ORDER_FORM_TOKEN_NOT_ACTIVE', `the link is ${old.status}: only an active link is revoked`);
    await retireToken(trx, id, 'revoked', now);
    await writeAudit(trx, [
      {
        orgId: old.org_id,
        actor: actor.userId,
        at: now,
        action: 'order_form.token_revoked',
        collection: 'order_form_tokens',
        entityId: id,
        note,
        details: {},
      },
    ]);
    return { id, status: 'revoked' as const };
  });
}

export interface OrderFormLinkView extends Omit<LinkRow, 'expires_at' | 'issued_at' | 'used_at' | 'revoked_at'> {
  state: LinkState;
  expires_at: string | null;
  issued_at: string;
  used_at: string | null;
  revoked_at: string | null;
}

export interface OrderFormLinks {
  /** The orgs of the caller's Org Scope where they issue links (what the list covers, and where a new link may go). */
  orgs: Array<{ id: string; code: string; name: string }>;
  /** The newest 100 links of those orgs, newest first: never a token, never a hash. */
  links: OrderFormLinkView[];
  now: string;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/**
 * The links of the caller's Org Scope (story 52): the orgs in scope where their role issues links
 * (sales owners, sales managers; the CRM admin: every org in scope), never another org's.
 */
export async function listOrderFormTokens(
  scope: RequestScope,
  query: { customer_profile_id?: string | undefined },
  now = new Date(),
): Promise<OrderFormLinks> {
  const actor = await requireAccess(scope, { in: 'org_scope', capability: 'order_form.issue', forbidden: issueForbidden });
  const [orgs, rows] = await Promise.all([
    orgsByIds(scope.database, actor.orgIds),
    listTokens(scope.database, actor.orgIds, query.customer_profile_id),
  ]);
  return {
    orgs: orgs.sort((a, b) => a.code.localeCompare(b.code)),
    links: rows.map((r) => ({
      ...r,
      state: linkState(r, now),
      expires_at: iso(r.expires_at),
      issued_at: iso(r.issued_at)!,
      used_at: iso(r.used_at),
      revoked_at: iso(r.revoked_at),
    })),
    now: now.toISOString(),
  };
}

// ---------------------------------------------------------------------------------------------
// Customer side (public; the token is the credential)

export interface PublicContext {
  database: Knex;
  schema: unknown;
  services: CrmServices;
}

export type OpenedForm =
  | { view: 'dead' }
  | { view: 'open'; token: PublicToken; qualities: Array<{ code: string; name: string }> }
  | { view: 'submitted'; token: PublicToken; submission: StoredSubmission };

export interface StoredSubmission {
  lines: FormLine[];
  note: string | null;
  submitted_at: string;
  lang: Lang;
  /** What was attached (names and notes only: the files are internal and never shown back). */
  attachments?: Array<{ name: string; note: string | null }>;
}

/**
 * Looks a presented token up: one hash, one index probe, one constant-time comparison, whatever the
 * token. A malformed token is hashed and compared like any other (against the dummy), so its
 * answer costs the same.
 */
export async function lookUpToken(db: Knex, presented: string): Promise<PublicToken | undefined> {
  const hash = hashToken(presented);
  const row = isTokenShaped(presented) ? await findTokenByHash(db, hash) : await findTokenByHash(db, hashToken('not-a-token'));
  const match = hashesMatch(row?.token_hash, hash);
  return match && isTokenShaped(presented) ? row : undefined;
}

/** The qualities a sales owner of the org could pick (priced, not stale while in stock): never more. */
export async function sellableQualities(db: Knex, orgId: string, now: Date): Promise<Array<{ code: string; name: string }>> {
  return (await orgQualities(db, orgId)).filter((q) => isQualityVisibleToSales(q.prices, now)).map(({ code, name }) => ({ code, name }));
}

export async function openOrderForm(db: Knex, presented: string, now = new Date()): Promise<OpenedForm> {
  const token = await lookUpToken(db, presented);
  const view = tokenView(token, now);
  if (view === 'dead' || !token) return { view: 'dead' };
  if (view === 'submitted') return { view: 'submitted', token, submission: storedSubmission(token.submission) };
  return { view: 'open', token, qualities: await sellableQualities(db, token.org_id, now) };
}

function storedSubmission(value: unknown): StoredSubmission {
  const v = (typeof value === 'string' ? JSON.parse(value) : value) as StoredSubmission | null;
  return v ?? { lines: [], note: null, submitted_at: new Date(0).toISOString(), lang: 'en' };
}

export type SubmitResult =
  | { kind: 'dead' }
  | { kind: 'submitted' }
  | {
      kind: 'invalid';
      problems: FormProblem[];
      echo: Record<string, string>;
      linesRead: { count: number; file: string } | null;
    }
  | { kind: 'created'; dealId: string; customerProfileId: string; newCustomer: boolean };

export interface UploadedFile {
  name: string;
  bytes: Buffer;
  /** The limit of its kind was passed while reading: refused whatever the bytes read so far. */
  truncated?: boolean;
}

export interface FormFiles {
  linesFile?: UploadedFile | undefined;
  /** By slot, 1-5. */
  attachments?: Map<number, UploadedFile> | undefined;
}

interface CheckedAttachment {
  slot: number;
  name: string;
  bytes: Buffer;
  kind: FileKind;
  note: string | null;
}

const LINE_KEY = /^[qmdn]\d+$/;

/** Reads the lines file into the form's line fields (they replace typed lines), or says why not. */
async function applyLinesFile(
  fields: Record<string, string>,
  file: UploadedFile,
): Promise<{ ok: true; fields: Record<string, string>; read: ReadLines } | { ok: false; problem: FormProblem }> {
  if (file.truncated || file.bytes.length > LINES_FILE_MAX_BYTES)
    return { ok: false, problem: { field: 'lines_file', reason: 'file_too_large' } };
  const kind = sniff(file.name, file.bytes, ['xlsx']);
  if (!kind.ok) {
    const reason =
      kind.reason === 'zip_bomb'
        ? 'zip_bomb'
        : kind.reason === 'empty'
          ? 'file_empty'
          : kind.reason === 'extension'
            ? 'file_extension'
            : 'file_type';
    return { ok: false, problem: { field: 'lines_file', reason } };
  }
  // The file's lines come after the lines already typed (renumbered without gaps), up to 20 in all.
  const typed: Array<Record<'q' | 'm' | 'd' | 'n', string>> = [];
  for (let i = 1; i <= MAX_LINES; i++) {
    const line = { q: fields[`q${i}`] ?? '', m: fields[`m${i}`] ?? '', d: fields[`d${i}`] ?? '', n: fields[`n${i}`] ?? '' };
    if (Object.values(line).some((v) => v.trim())) typed.push(line);
  }
  const read = await readLinesFile(file.bytes, typed.length + 1);
  if (!read.ok) return { ok: false, problem: { field: 'lines_file', reason: 'sheet_unreadable', detail: read.reason } };
  if (typed.length + read.read.rows.filter((r) => r !== undefined).length > MAX_LINES)
    return { ok: false, problem: { field: 'lines_file', reason: 'too_many_lines' } };
  const rest = Object.fromEntries(Object.entries(fields).filter(([k]) => !LINE_KEY.test(k)));
  const renumbered: Record<string, string> = {};
  typed.forEach((line, i) => {
    for (const [k, v] of Object.entries(line)) renumbered[`${k}${i + 1}`] = v;
  });
  return { ok: true, fields: { ...rest, ...renumbered, ...read.read.fields }, read: read.read };
}

function checkAttachments(
  files: Map<number, UploadedFile>,
  fields: Record<string, string>,
): { checked: CheckedAttachment[]; problems: FormProblem[] } {
  const checked: CheckedAttachment[] = [];
  const problems: FormProblem[] = [];
  let total = 0;
  for (const [slot, file] of [...files.entries()].sort(([a], [b]) => a - b)) {
    const field = `attachment_${slot}`;
    if (slot < 1 || slot > ATTACHMENT_LIMITS.files) {
      problems.push({ field, reason: 'too_many_files' });
      continue;
    }
    total += file.bytes.length;
    if (file.truncated || file.bytes.length > ATTACHMENT_LIMITS.bytesEach || total > ATTACHMENT_LIMITS.bytesTotal) {
      problems.push({ field, reason: 'file_too_large' });
      continue;
    }
    const kind = sniff(file.name, file.bytes, ['pdf', 'png', 'jpeg', 'xlsx', 'csv']);
    if (!kind.ok) {
      problems.push({
        field,
        reason:
          kind.reason === 'zip_bomb'
            ? 'zip_bomb'
            : kind.reason === 'empty'
              ? 'file_empty'
              : kind.reason === 'extension'
                ? 'file_extension'
                : 'file_type',
      });
      continue;
    }
    const note = (fields[`attachment_note_${slot}`] ?? '').trim();
    if (note.length > ATTACHMENT_LIMITS.note) {
      problems.push({ field: `attachment_note_${slot}`, reason: 'too_long' });
      continue;
    }
    checked.push({ slot, name: safeFileName(file.name), bytes: file.bytes, kind: kind.kind, note: note || null });
  }
  return { checked, problems };
}

export async function submitOrderForm(
  ctx: PublicContext,
  presented: string,
  fields: Record<string, string>,
  lang: Lang,
  now = new Date(),
  files: FormFiles = {},
): Promise<SubmitResult> {
  const opened = await openOrderForm(ctx.database, presented, now);
  if (opened.view === 'dead') return { kind: 'dead' };
  if (opened.view === 'submitted') return { kind: 'submitted' };
  const token = opened.token;
  const { action, ...input } = fields;
  const problems: FormProblem[] = [];
  let formFields = input;
  let read: ReadLines | null = null;
  let linesRead: { count: number; file: string } | null = null;
  if (files.linesFile && files.linesFile.bytes.length + (files.linesFile.truncated ? 1 : 0) > 0) {
    const applied = await applyLinesFile(input, files.linesFile);
    if (applied.ok) {
      formFields = applied.fields;
      read = applied.read;
      linesRead = { count: applied.read.rows.filter((r) => r !== undefined).length, file: safeFileName(files.linesFile.name) };
    } else problems.push(applied.problem);
  }
  const parsed = parseForm(formFields, {
    qualities: new Set(opened.qualities.map((q) => q.code)),
    today: now,
    prospect: !token.customer_profile_id,
  });
  const echo = parsed.ok ? Object.fromEntries(Object.entries(formFields).map(([k, v]) => [k, v.slice(0, 2000)])) : parsed.echo;
  if (!parsed.ok) {
    for (const problem of parsed.problems) {
      const sheet = read ? sheetPlace(problem, read) : null;
      problems.push(sheet ? { ...problem, sheet } : problem);
    }
  }
  const attachments = checkAttachments(files.attachments ?? new Map(), input);
  problems.push(...attachments.problems);
  // "Read the file" (57): the lines go back into the form, with what was read or what is wrong; nothing is sent.
  if (action === 'read_lines') return { kind: 'invalid', problems, echo, linesRead: problems.length ? null : linesRead };
  if (problems.length || !parsed.ok) return { kind: 'invalid', problems, echo, linesRead: null };

  return ctx.database.transaction(async (trx) => {
    // One of any number of concurrent submissions wins; the rest see `used` (the confirmation).
    if (!(await claimToken(trx, token.id, now))) {
      const again = await loadToken(trx, token.id);
      return again?.status === 'used' ? { kind: 'submitted' as const } : { kind: 'dead' as const };
    }
    return createSubmission(ctx, trx, token, parsed.value, lang, now, attachments.checked);
  });
}

/**
 * Directus' ItemsService without accountability: the customer has no Directus login, and the
 * token (claimed above, in this transaction) is what authorised this write. Directus' activity and
 * revisions record it as a system write; the audit entry names the token. Item hooks are off
 * (`emitEvents: false`): they exist to refuse exactly the server-assigned fields written here.
 */
function systemItems(ctx: PublicContext, trx: Knex, collection: string) {
  return new ctx.services.ItemsService(collection, { knex: trx, schema: ctx.schema, accountability: null });
}
const NO_HOOKS = { emitEvents: false } as const;

async function createSubmission(
  ctx: PublicContext,
  trx: Knex.Transaction,
  token: PublicToken,
  form: FormSubmission,
  lang: Lang,
  now: Date,
  attachments: CheckedAttachment[],
): Promise<SubmitResult> {
  let profileId = token.customer_profile_id;
  let newCustomer = false;
  let identityTaxNumber: string | null = null;
  if (!profileId) {
    // A prospect: a new customer of this org only, pending review (story 54). If another identity
    // has the tax number already, it is never joined silently: a placeholder identity holds the
    // profile until a reviewer merges it (the typed tax number is in the submission and the audit).
    const p = form.prospect!;
    let customerId = await insertIdentityIfFree(trx, { legal_name: p.company, tax_number: p.tax_number, country: p.country });
    identityTaxNumber = customerId ? p.tax_number : null;
    if (!customerId) {
      customerId = await insertIdentityIfFree(trx, {
        legal_name: p.company,
        tax_number: `FORM${token.id.replaceAll('-', '').slice(0, 20).toUpperCase()}`,
        country: p.country,
      });
    }
    profileId = String(
      await systemItems(ctx, trx, 'customer_org_profiles').createOne(
        {
          customer_id: customerId,
          org_id: token.org_id,
          legal_name: p.company,
          ...(p.country ? { country: p.country } : {}),
          status: 'pending_review',
          payment_mode: 'cash',
          grace_days: 0,
          contacts: [{ name: p.contact_name, email: p.contact_email, role: 'order_form' }],
          owner: token.issued_by,
          email_language: lang,
        },
        NO_HOOKS,
      ),
    );
    newCustomer = true;
  }

  const code = await generateUniqueCode('deal', { org: token.org_code }, async (candidate) =>
    Boolean(await trx('deals').where('code', candidate).first('id')),
  );
  const currency = token.base_currency;
  const dealId = String(
    await systemItems(ctx, trx, 'deals').createOne(
      {
        org_id: token.org_id,
        code,
        customer_profile_id: profileId,
        owner: token.issued_by,
        status: 'submitted',
        currency,
        submitted_from_form: true,
        pending_review: newCustomer,
        notes: form.note,
        lines: form.lines.map((l) => ({
          line_no: l.line_no,
          quality_code: l.quality_code,
          meters: l.meters,
          currency,
          requested_date: l.requested_date,
          notes: l.note,
        })),
      },
      NO_HOOKS,
    ),
  );
  // Attachments (58): Directus files uploaded by no user, so no user can read them through
  // /files or /assets (the app policy reads only a user's own uploads); staff read them through
  // /crm. The file row is in this transaction; a rollback leaves at most an unreferenced blob.
  const fileIds: string[] = [];
  if (attachments.length) {
    // Without accountability for the reason above (the customer has no Directus user).
    const filesService = new ctx.services.FilesService!({ knex: trx, schema: ctx.schema, accountability: null });
    for (const a of attachments) {
      const fileId = String(
        await filesService.uploadOne(Readable.from(a.bytes), {
          storage: 'local',
          filename_download: a.name,
          title: a.name,
          type: MIME[a.kind],
        }),
      );
      fileIds.push(fileId);
      await insertAttachment(trx, {
        org_id: token.org_id,
        deal_id: dealId,
        token_id: token.id,
        file_id: fileId,
        file_name: a.name,
        mime_type: MIME[a.kind],
        size_bytes: a.bytes.length,
        note: a.note,
        uploaded_at: now,
      });
    }
  }
  const stored: StoredSubmission = {
    lines: form.lines,
    note: form.note,
    submitted_at: now.toISOString(),
    lang,
    attachments: attachments.map((a) => ({ name: a.name, note: a.note })),
  };
  // What the customer was sent (version 1), in the shape the resend compares (diff.ts).
  const sentLines: SentLine[] = form.lines.map((l) => ({
    line_no: l.line_no,
    quality_code: l.quality_code,
    meters: l.meters,
    requested_date: l.requested_date,
    unit_price: null,
    currency,
    note: l.note,
  }));
  await recordSubmission(trx, token.id, dealId, { ...stored, prospect: form.prospect }, sentLines);
  await writeAudit(trx, [
    {
      orgId: token.org_id,
      actor: null,
      at: now,
      action: 'order_form.submitted',
      collection: 'deals',
      entityId: dealId,
      note: null,
      details: {
        token_id: token.id,
        customer_profile_id: profileId,
        new_customer: newCustomer,
        lines: form.lines.length,
        attachments: fileIds,
        ...(form.prospect ? { prospect: form.prospect, identity_tax_number: identityTaxNumber } : {}),
      },
    },
  ]);

  const words = CONFIRMATION_WORDS[lang];
  // The customer's confirmation (story 59): no deal id, no deal code (the key names the token row).
  await enqueueEmail(trx, {
    orgId: token.org_id,
    type: 'order_form_confirmation',
    subject: token.id,
    dealId,
    content: {
      subject: `${words.subject} · ${token.org_name}`,
      paragraphs: [words.thanks, words.next],
      facts: form.lines.map((l) => ({
        label: `${words.line} ${l.line_no}`,
        value: `${l.quality_code} · ${l.meters} m${l.requested_date ? ` · ${l.requested_date}` : ''}${l.note ? ` · ${l.note}` : ''}`,
      })),
    },
  });
  const customerName = form.prospect?.company ?? (await loadProfile(trx, profileId))?.legal_name ?? '';
  const facts = [
    { label: 'Customer', value: customerName },
    { label: 'Deal', value: code },
    { label: 'Lines', value: String(form.lines.length) },
  ];
  if (newCustomer) {
    await enqueueEmail(trx, {
      orgId: token.org_id,
      type: 'new_customer_pending_review',
      subject: profileId,
      content: {
        subject: customerName,
        intro: 'A new customer sent the order form; it waits in Customers Pending Review (/credit) before deals can use it.',
        facts: [
          ...facts,
          { label: 'Tax number', value: form.prospect!.tax_number },
          { label: 'Contact', value: `${form.prospect!.contact_name} <${form.prospect!.contact_email}>` },
        ],
        sections: [],
      },
    });
  }
  await enqueueEmail(trx, {
    orgId: token.org_id,
    type: 'order_form_submitted',
    subject: code,
    dealId,
    content: { subject: `${code} · ${customerName}`, intro: 'A customer sent a request through the order form.', facts, sections: [] },
  });
  return { kind: 'created', dealId, customerProfileId: profileId, newCustomer };
}

const CONFIRMATION_WORDS = {
  en: {
    subject: 'We received your order request',
    thanks: 'Thank you. We received your request with the lines below.',
    next: 'We will review it and contact you to confirm prices and dates.',
    line: 'Line',
  },
  tr: {
    subject: 'Sipariş talebinizi aldık',
    thanks: 'Teşekkürler. Aşağıdaki satırlarla talebinizi aldık.',
    next: 'Talebinizi inceleyip fiyat ve tarihleri teyit etmek için sizinle iletişime geçeceğiz.',
    line: 'Satır',
  },
};

// ---------------------------------------------------------------------------------------------
// Staff side: a form deal's attachments (58), internal only.

const attachmentNotFound = () =>
  new CrmError('not_found', 'ORDER_FORM_ATTACHMENT_NOT_FOUND', 'id: no such attachment, or you may not do this there', [
    { field: 'id', reason: 'no such attachment, or you may not do this there' },
  ]);
const dealNotFound = () =>
  new CrmError('not_found', 'DEAL_NOT_FOUND', 'id: no such deal, or you may not do this there', [
    { field: 'id', reason: 'no such deal, or you may not do this there' },
  ]);
const attachmentsForbidden = () =>
  new CrmError('forbidden', 'ORDER_FORM_NOT_ALLOWED', "your role in this deal's org cannot read its attachments");

export async function listDealAttachments(scope: RequestScope, dealId: string) {
  await requireAccess(scope, {
    org: () => dealOrg(scope.database, dealId),
    capability: 'deal.update',
    notFound: dealNotFound,
    forbidden: attachmentsForbidden,
  });
  return dealAttachments(scope.database, dealId);
}

/** Streams one attachment to a staff member of its org (Directus' assets service, elevated: the file has no uploader). */
export async function downloadAttachment(scope: RequestScope, id: string, res: import('express').Response): Promise<void> {
  await requireAccess(scope, {
    org: async () => (await loadAttachment(scope.database, id))?.org_id,
    capability: 'deal.update',
    notFound: attachmentNotFound,
    forbidden: attachmentsForbidden,
  });
  const attachment = (await loadAttachment(scope.database, id))!;
  // Authorised above through the grant in the attachment's org; the file belongs to no user, so
  // Directus' own file permissions would refuse it: elevated (the user's id kept).
  const asset = await storedAsset(
    scope.services,
    { knex: scope.database, schema: scope.schema, accountability: elevated(scope.accountability!) },
    attachment.file_id,
  );
  res.setHeader('Content-Type', attachment.mime_type);
  res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(attachment.file_name)}`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  await pipeline(asset.stream, res);
}

// ---------------------------------------------------------------------------------------------
// Resend with a diff (56): staff changed a form deal; the customer gets a table of what changed.

export interface ResendResult {
  deal_id: string;
  version: number;
  changes: LineChange[];
  email_id: string;
}

function asDay(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).slice(0, 10);
}

/** What a resend would send (the GET route): the version the customer has and the changes since. */
export interface ResendPreview {
  deal_id: string;
  version_sent: number;
  changes: LineChange[];
}

/** Resending (and its preview) needs deal.update in the deal's org; any other caller: DEAL_NOT_FOUND. */
function requireResendAccess(scope: RequestScope, dealId: string) {
  return requireAccess(scope, {
    org: () => dealOrg(scope.database, dealId),
    capability: 'deal.update',
    notFound: dealNotFound,
    forbidden: () => new CrmError('forbidden', 'ORDER_FORM_NOT_ALLOWED', "your role in this deal's org cannot resend it to the customer"),
  });
}

/**
 * The one computation of what changed since the customer was last sent the deal: the form deal's
 * token row, the lines as they are now (in the shape sent) and their diff (diff.ts). `lock` inside
 * the resend's transaction; the preview reads without it and writes nothing.
 */
async function pendingChanges(db: Knex, dealId: string, lock: boolean) {
  const form = await loadFormDeal(db, dealId, lock);
  if (!form)
    throw new CrmError(
      'conflict',
      'DEAL_NOT_FROM_ORDER_FORM',
      'the deal did not come from the order form: there is no customer submission to resend',
    );
  const rows = await currentLines(db, dealId);
  const now: SentLine[] = rows.map((l) => ({
    line_no: l.line_no,
    quality_code: l.quality_code,
    meters: String(l.meters),
    requested_date: asDay(l.requested_date),
    unit_price: l.unit_price === null ? null : String(l.unit_price),
    currency: l.currency,
    note: l.notes,
  }));
  const sentRaw = typeof form.sent_lines === 'string' ? JSON.parse(form.sent_lines) : form.sent_lines;
  const before = (Array.isArray(sentRaw) ? sentRaw : []).map((l: SentLine & { note?: string | null }) => ({ ...l }));
  return { form, now, changes: diffLines(before, now) };
}

export async function previewOrderFormResend(scope: RequestScope, dealId: string): Promise<ResendPreview> {
  await requireResendAccess(scope, dealId);
  const { form, changes } = await pendingChanges(scope.database, dealId, false);
  return { deal_id: dealId, version_sent: form.sent_version, changes };
}

export async function resendOrderForm(scope: RequestScope, dealId: string, note: string | null): Promise<ResendResult> {
  const actor = await requireResendAccess(scope, dealId);
  return scope.database.transaction(async (trx) => {
    const { form, now, changes } = await pendingChanges(trx, dealId, true);
    if (!changes.length)
      throw new CrmError('conflict', 'ORDER_FORM_NOTHING_CHANGED', 'nothing the customer sees changed since the last version sent');
    const submission = storedSubmission(form.submission);
    const lang = submission.lang === 'tr' ? 'tr' : 'en';
    const version = form.sent_version + 1;
    const words = CHANGES_WORDS[lang];
    const org = await loadOrgName(trx, form.org_id);
    const email = await enqueueEmail(trx, {
      orgId: form.org_id,
      type: 'order_form_changes',
      subject: `${form.token_id}.v${version}`,
      dealId,
      content: {
        subject: `${words.subject} · ${org}`,
        paragraphs: [words.intro, ...(note ? [note] : [])],
        facts: diffRows(changes, lang),
      },
    });
    await recordSent(trx, form.token_id, version, now);
    await writeAudit(trx, [
      {
        orgId: form.org_id,
        actor: actor.userId,
        at: new Date(),
        action: 'order_form.resent',
        collection: 'deals',
        entityId: dealId,
        note,
        details: { version, email_id: email.id, changes },
      },
    ]);
    return { deal_id: dealId, version, changes, email_id: email.id };
  });
}

const CHANGES_WORDS = {
  en: { subject: 'Changes to your order request', intro: 'We updated your request. What changed since the version we last sent you:' },
  tr: {
    subject: 'Sipariş talebinizdeki değişiklikler',
    intro: 'Talebinizi güncelledik. Size en son gönderdiğimiz sürümden bu yana değişenler:',
  },
};
