import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asAdmin, asUser, contextOf, expectRefusal, fakeScope, MOD } from '../../testing/fakes.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { lockMessage, requeueMessage, type OutboundMessageRow } from './outbox.js';
import { retryOutboundMessage } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn() }));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));
vi.mock('./outbox.js', () => ({ lockMessage: vi.fn(), requeueMessage: vi.fn() }));

const ID = '11111111-1111-4111-8111-111111111111';

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([]));
});

describe('retryOutboundMessage refusals', () => {
  it('401 without a login; 403 for anyone but the CRM admin, before the message is looked up', async () => {
    await expectRefusal(retryOutboundMessage(fakeScope(null).scope, ID, 'n'), 401, 'UNAUTHENTICATED');
    await expectRefusal(retryOutboundMessage(fakeScope(asUser).scope, ID, 'n'), 403, 'OUTBOUND_RETRY_NOT_ALLOWED');
    expect(lockMessage).not.toHaveBeenCalled();
  });

  it('404 for a missing message; 409 for one delivered or still waiting; nothing is requeued or audited', async () => {
    vi.mocked(lockMessage).mockResolvedValue(undefined);
    await expectRefusal(retryOutboundMessage(fakeScope(asAdmin).scope, ID, 'n'), 404, 'OUTBOUND_MESSAGE_NOT_FOUND', 'id');
    for (const status of ['delivered', 'pending'] as const) {
      vi.mocked(lockMessage).mockResolvedValue({
        id: ID,
        org_id: MOD,
        status,
        idempotency_key: 'k',
        attempts: 1,
        last_error: null,
      } as unknown as OutboundMessageRow);
      await expectRefusal(retryOutboundMessage(fakeScope(asAdmin).scope, ID, 'n'), 409, 'OUTBOUND_MESSAGE_NOT_RETRYABLE', 'id');
    }
    expect(requeueMessage).not.toHaveBeenCalled();
    expect(writeAudit).not.toHaveBeenCalled();
  });
});
