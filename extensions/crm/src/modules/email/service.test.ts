import { beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asAdmin, asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { requeueEmail } from './outbox.js';
import {
  emailOrgOf,
  listEmails,
  loadOrgBranding,
  lockEmail,
  upsertRule,
  type EmailDetail,
  type EmailListItem,
  type EmailRow,
  type OrgBrandingRow,
} from './repository.js';
import type { EmailState } from './types.js';
import { readEmail, readEmails, retryEmail, runDigestsByHand, setRoutingRule, type RuleInput } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn() }));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));
vi.mock('./outbox.js', () => ({ requeueEmail: vi.fn(), toRoutingRule: vi.fn() }));
vi.mock('./digests.js', () => ({ runScheduled: vi.fn() }));
vi.mock('./repository.js', () => ({
  emailOrgOf: vi.fn(),
  listEmails: vi.fn(),
  loadEmailDetail: vi.fn(),
  loadOrgBranding: vi.fn(),
  loadRules: vi.fn(),
  lockEmail: vi.fn(),
  lockRule: vi.fn(),
  upsertRule: vi.fn(),
}));

const ID = '11111111-1111-4111-8111-111111111111';
const rule: RuleInput = { enabled: true, to_addresses: [], cc_addresses: [], contact_roles: [], policy: 'send', note: null };

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')]));
  vi.mocked(emailOrgOf).mockResolvedValue(MOD);
  vi.mocked(loadOrgBranding).mockResolvedValue({ id: MOD } as OrgBrandingRow);
});

describe('the types of what the reads answer follow their column lists', () => {
  it('a list item has the listed fields (org and deal codes joined in), a detail adds what it rendered', () => {
    expectTypeOf<EmailListItem['state']>().toEqualTypeOf<EmailState>();
    expectTypeOf<EmailListItem['org_code']>().toEqualTypeOf<string>();
    expectTypeOf<EmailListItem['deal_code']>().toEqualTypeOf<string | null>();
    expectTypeOf<EmailListItem['created_at']>().toEqualTypeOf<Date>();
    expectTypeOf<EmailListItem>().not.toHaveProperty('html_body');
    expectTypeOf<EmailListItem>().not.toHaveProperty('context');
    expectTypeOf<EmailDetail['html_body']>().toEqualTypeOf<string | null>();
    expectTypeOf<EmailDetail['from_address']>().toEqualTypeOf<string | null>();
  });
});

describe('email reads', () => {
  it('401 without a login; 403 for a role that cannot read emails', async () => {
    await expectRefusal(readEmails(fakeScope(null).scope, { limit: 1, offset: 0 }), 401, 'UNAUTHENTICATED');
    await expectRefusal(readEmails(fakeScope(asUser).scope, { limit: 1, offset: 0 }), 403, 'EMAIL_READ_NOT_ALLOWED');
    await expectRefusal(readEmail(fakeScope(asUser).scope, ID), 403, 'EMAIL_READ_NOT_ALLOWED');
    expect(listEmails).not.toHaveBeenCalled();
  });

  it('an email of an org without a grant is answered exactly like a missing one', async () => {
    vi.mocked(emailOrgOf).mockResolvedValueOnce(JTR);
    const other = await expectRefusal(readEmail(fakeScope(asUser).scope, ID), 404, 'EMAIL_NOT_FOUND', 'id');
    vi.mocked(emailOrgOf).mockResolvedValueOnce(undefined);
    const missing = await expectRefusal(readEmail(fakeScope(asUser).scope, ID), 404, 'EMAIL_NOT_FOUND', 'id');
    expect(other.message).toBe(missing.message);
  });
});

describe('retryEmail refusals', () => {
  it('401; 404 for another org or none; 403 for a non-admin; nothing requeued or audited', async () => {
    await expectRefusal(retryEmail(fakeScope(null).scope, ID, 'n'), 401, 'UNAUTHENTICATED');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')]));
    await expectRefusal(retryEmail(fakeScope(asUser).scope, ID, 'n'), 403, 'EMAIL_RETRY_NOT_ALLOWED');
    vi.mocked(emailOrgOf).mockResolvedValue(JTR);
    await expectRefusal(retryEmail(fakeScope(asUser).scope, ID, 'n'), 404, 'EMAIL_NOT_FOUND', 'id');
    expect(lockEmail).not.toHaveBeenCalled();
    expect(requeueEmail).not.toHaveBeenCalled();
    expect(writeAudit).not.toHaveBeenCalled();
  });

  it('409 for an email that is not dead (sent, suppressed, still retrying)', async () => {
    for (const state of ['sent', 'suppressed', 'pending', 'failed', 'sending'] as const) {
      vi.mocked(lockEmail).mockResolvedValue({
        id: ID,
        org_id: MOD,
        state,
        suppressed_reason: state === 'suppressed' ? 'opted_out' : null,
      } as EmailRow);
      await expectRefusal(retryEmail(fakeScope(asAdmin).scope, ID, 'n'), 409, 'EMAIL_NOT_RETRYABLE', 'id');
    }
    expect(requeueEmail).not.toHaveBeenCalled();
    expect(writeAudit).not.toHaveBeenCalled();
  });

  it('an org admin (crm_admin grant) retries a dead email, audited', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'crm_admin')]));
    vi.mocked(lockEmail).mockResolvedValue({ id: ID, org_id: MOD, state: 'dead', idempotency_key: 'k', attempts: 3 } as EmailRow);
    vi.mocked(requeueEmail).mockResolvedValue('job-2');
    await expect(retryEmail(fakeScope(asUser).scope, ID, 'SMTP fixed')).resolves.toMatchObject({ state: 'pending', job_id: 'job-2' });
    expect(vi.mocked(writeAudit).mock.calls[0]![1][0]).toMatchObject({ action: 'email.retried', orgId: MOD, note: 'SMTP fixed' });
  });
});

describe('setRoutingRule refusals', () => {
  it('only the org admin enables picking_started/prepared: 403 for a sales manager, 404 for another org', async () => {
    await expectRefusal(setRoutingRule(fakeScope(null).scope, MOD, 'prepared', rule), 401, 'UNAUTHENTICATED');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager'), grant(JTR, 'crm_admin')]));
    await expectRefusal(setRoutingRule(fakeScope(asUser).scope, MOD, 'prepared', rule), 403, 'EMAIL_RULES_NOT_ALLOWED');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'crm_admin')]));
    vi.mocked(loadOrgBranding).mockResolvedValue({ id: JTR } as OrgBrandingRow);
    await expectRefusal(setRoutingRule(fakeScope(asUser).scope, JTR, 'prepared', rule), 404, 'ORG_NOT_FOUND', 'org_id');
    vi.mocked(loadOrgBranding).mockResolvedValue(undefined);
    await expectRefusal(setRoutingRule(fakeScope(asAdmin).scope, JTR, 'prepared', rule), 404, 'ORG_NOT_FOUND', 'org_id');
    expect(upsertRule).not.toHaveBeenCalled();
    expect(writeAudit).not.toHaveBeenCalled();
  });

  it('400 for contact roles on an internal email', async () => {
    await expectRefusal(
      setRoutingRule(fakeScope(asAdmin).scope, MOD, 'override_used', { ...rule, contact_roles: ['logistics'] }),
      400,
      'INVALID_INPUT',
      'contact_roles',
    );
    expect(upsertRule).not.toHaveBeenCalled();
  });
});

describe('runDigestsByHand', () => {
  it('401; 403 for anyone but the CRM admin, nothing run', async () => {
    const { runScheduled } = await import('./digests.js');
    await expectRefusal(runDigestsByHand(fakeScope(null).scope, 'weekly_digest'), 401, 'UNAUTHENTICATED');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'crm_admin')]));
    await expectRefusal(runDigestsByHand(fakeScope(asUser).scope, 'weekly_digest'), 403, 'DIGEST_RUN_NOT_ALLOWED');
    expect(runScheduled).not.toHaveBeenCalled();
  });
});
