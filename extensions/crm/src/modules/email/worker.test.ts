import type { Knex } from 'knex';
import type { JobWithMetadata } from 'pg-boss';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { requeueEmail } from './outbox.js';
import { claimForSending, finishAttempt, loadEmail, lockStaleClaims, type EmailRow } from './repository.js';
import { isPermanent, mailOf, rescueStaleClaims, RetryableEmailError, sendEmailJob, STALE_CLAIM_MS, type MailSender } from './worker.js';

vi.mock('./repository.js', () => ({
  claimForSending: vi.fn(),
  finishAttempt: vi.fn(),
  loadEmail: vi.fn(),
  lockUnpreparedEmails: vi.fn(),
  lockStaleClaims: vi.fn(),
  markEmailDeadLettered: vi.fn(),
  markPrepared: vi.fn(),
}));
vi.mock('./outbox.js', () => ({ prepareEmail: vi.fn(), requeueEmail: vi.fn() }));

const db = {} as Knex;
const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
const job = { id: 'job-1', data: { email_id: 'e1' } } as unknown as JobWithMetadata<unknown>;
const row = {
  id: 'e1',
  job_id: 'job-1',
  state: 'pending',
  idempotency_key: 'crm:email:MODPO1:shipped:v1',
  message_id: '<crm.email.MODPO1.shipped.v1@crm-mod-jtr>',
  to_addresses: ['a@example.com'],
  cc_addresses: [],
  from_name: 'MOD Tekstil',
  from_address: 'orders@mod.example.com',
  subject: 'Sipariş',
  html_body: '<p>h</p>',
  text_body: 't',
  attachments: null,
} as unknown as EmailRow;

function sender(result: Promise<{ response?: string }> = Promise.resolve({ response: '250 OK' })) {
  const sendMail = vi.fn<MailSender['sendMail']>(() => result);
  return { sendMail };
}

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(loadEmail).mockResolvedValue(row);
  vi.mocked(claimForSending).mockResolvedValue(row);
});

describe('sendEmailJob: never a second copy', () => {
  it('sends once with the deterministic Message-ID and records sent', async () => {
    const s = sender();
    await sendEmailJob(db, s, job, logger);
    expect(s.sendMail).toHaveBeenCalledTimes(1);
    expect(s.sendMail.mock.calls[0]![0]).toMatchObject({ messageId: row.message_id, headers: { 'X-CRM-Email-Key': row.idempotency_key } });
    expect(vi.mocked(finishAttempt).mock.calls[0]![3]).toMatchObject({ state: 'sent', smtp_response: '250 OK' });
    const [, , , , staleBefore] = vi.mocked(claimForSending).mock.calls[0]!;
    expect(Date.now() - (staleBefore as Date).getTime()).toBeGreaterThanOrEqual(STALE_CLAIM_MS);
  });

  it('does nothing for a superseded job, or a sent, dead or suppressed email', async () => {
    const s = sender();
    for (const r of [
      { ...row, job_id: 'job-0' },
      { ...row, state: 'sent' },
      { ...row, state: 'dead' },
      { ...row, state: 'suppressed' },
    ]) {
      // The claim is conditional on the job and the state: the database refuses it for these rows.
      vi.mocked(claimForSending).mockResolvedValueOnce(undefined);
      vi.mocked(loadEmail).mockResolvedValueOnce(r as EmailRow);
      await sendEmailJob(db, s, job, logger);
    }
    expect(s.sendMail).not.toHaveBeenCalled();
  });

  it('an attempt still running (a fresh sending claim) is never joined: the job retries later', async () => {
    const s = sender();
    vi.mocked(loadEmail).mockResolvedValue({ ...row, state: 'sending' } as EmailRow);
    vi.mocked(claimForSending).mockResolvedValue(undefined);
    await expect(sendEmailJob(db, s, job, logger)).rejects.toBeInstanceOf(RetryableEmailError);
    expect(s.sendMail).not.toHaveBeenCalled();
  });

  it('SMTP 5xx: dead at once; a connection error: failed and retried', async () => {
    const refused = Object.assign(new Error('550 mailbox unavailable'), { responseCode: 550 });
    await sendEmailJob(db, sender(Promise.reject(refused)), job, logger);
    expect(vi.mocked(finishAttempt).mock.calls[0]![3]).toMatchObject({ state: 'dead', last_error: '550 mailbox unavailable' });
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET' });
    await expect(sendEmailJob(db, sender(Promise.reject(down)), job, logger)).rejects.toBeInstanceOf(RetryableEmailError);
    expect(vi.mocked(finishAttempt).mock.calls[1]![3]).toMatchObject({ state: 'failed' });
    expect(isPermanent(Object.assign(new Error('busy'), { responseCode: 451 }))).toBe(false);
  });

  it('builds the mail from the row alone', () => {
    expect(mailOf(row)).toMatchObject({
      from: { name: 'MOD Tekstil', address: 'orders@mod.example.com' },
      to: ['a@example.com'],
      cc: undefined,
      subject: 'Sipariş',
      attachments: [],
    });
  });
});

describe('rescueStaleClaims: the emails of attempts that died', () => {
  it('hands each to a new job; one whose attempts keep dying is dead instead', async () => {
    const trx = {} as Knex;
    const withTransaction = { transaction: (work: (t: Knex) => Promise<unknown>) => work(trx) } as unknown as Knex;
    const at = new Date('2026-12-07T01:00:00Z');
    vi.mocked(lockStaleClaims).mockResolvedValue([
      { ...row, state: 'sending', attempts: 1, last_attempt_at: at },
      { ...row, id: 'e2', job_id: 'job-2', state: 'sending', attempts: 9, last_attempt_at: at },
    ] as EmailRow[]);
    // The clock stands still (Date only), so "claimed more than 10 s ago" is exactly now - 10 s.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-07T02:00:00Z') });
    try {
      expect(await rescueStaleClaims(withTransaction, logger, 10_000, 9)).toBe(2);
    } finally {
      vi.useRealTimers();
    }
    const [, staleBefore] = vi.mocked(lockStaleClaims).mock.calls[0]!;
    expect(staleBefore).toEqual(new Date('2026-12-07T01:59:50Z'));
    expect(vi.mocked(requeueEmail).mock.calls).toEqual([[trx, 'e1']]);
    expect(vi.mocked(finishAttempt).mock.calls).toEqual([
      [trx, 'e2', 'job-2', { state: 'dead', last_error: '9 attempts ended without an answer' }],
    ]);
  });
});
