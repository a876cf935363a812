import { describe, expect, it } from 'vitest';
import { readEmailConfig } from './config.js';
import { smtpTimeouts } from './worker.js';

describe('email configuration (Directus EMAIL_* names)', () => {
  it('SMTP as Directus typed it (numbers, booleans) or as strings', () => {
    for (const env of [
      {
        EMAIL_TRANSPORT: 'smtp',
        EMAIL_SMTP_HOST: '127.0.0.1',
        EMAIL_SMTP_PORT: 2525,
        EMAIL_SMTP_IGNORE_TLS: true,
        EMAIL_FROM: 'crm@mod.example.com',
      },
      {
        EMAIL_TRANSPORT: 'SMTP',
        EMAIL_SMTP_HOST: '127.0.0.1',
        EMAIL_SMTP_PORT: '2525',
        EMAIL_SMTP_IGNORE_TLS: 'true',
        EMAIL_FROM: 'crm@mod.example.com',
      },
    ]) {
      expect(readEmailConfig(env)).toEqual({
        ok: true,
        config: {
          smtp: { host: '127.0.0.1', port: 2525, user: undefined, password: undefined, secure: false, ignoreTls: true },
          from: 'crm@mod.example.com',
          publicUrl: null,
          retry: { retryLimit: 8, retryDelaySeconds: 10, retryDelayMaxSeconds: 900 },
          claimStaleMs: 90_000,
        },
      });
    }
  });

  it('no transport: nothing is sent, emails wait; the retry policy is tunable', () => {
    const result = readEmailConfig({
      CRM_EMAIL_OUTBOX_RETRY_LIMIT: '3',
      CRM_EMAIL_OUTBOX_RETRY_DELAY_SECONDS: 1,
      PUBLIC_URL: 'http://x.example.com/',
    });
    expect(result.ok && result.config.smtp).toBe(null);
    expect(result.ok && result.config.retry).toEqual({ retryLimit: 3, retryDelaySeconds: 1, retryDelayMaxSeconds: 900 });
    expect(result.ok && result.config.publicUrl).toBe('http://x.example.com');
  });

  it('the staleness of a send claim (EMAIL_OUTBOX_CLAIM_STALE_SECONDS), and the SMTP timeouts within it', () => {
    expect(readEmailConfig({ CRM_EMAIL_OUTBOX_CLAIM_STALE_SECONDS: '10' })).toMatchObject({ ok: true, config: { claimStaleMs: 10_000 } });
    const tooShort = readEmailConfig({ CRM_EMAIL_OUTBOX_CLAIM_STALE_SECONDS: '4' });
    expect(tooShort.ok).toBe(false);
    expect(!tooShort.ok && tooShort.problems[0]).toMatch(/^CRM_EMAIL_OUTBOX_CLAIM_STALE_SECONDS: /);
    const t = smtpTimeouts(90_000);
    expect(t).toEqual({ connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
    expect(t.connectionTimeout + t.greetingTimeout + t.socketTimeout).toBeLessThan(90_000);
  });

  it('names every bad variable', () => {
    expect(readEmailConfig({ EMAIL_TRANSPORT: 'smtp', EMAIL_SMTP_PORT: 'x', EMAIL_FROM: 'nope' })).toEqual({
      ok: false,
      problems: ['EMAIL_FROM: must be an email address', 'EMAIL_SMTP_PORT: must be a number'],
    });
    expect(readEmailConfig({ EMAIL_TRANSPORT: 'smtp' })).toEqual({
      ok: false,
      problems: ['EMAIL_SMTP_HOST: is required when EMAIL_TRANSPORT=smtp'],
    });
    // Directus' default transport (sendmail) is no SMTP for the CRM: emails wait as pending.
    expect(readEmailConfig({ EMAIL_TRANSPORT: 'sendmail' })).toMatchObject({ ok: true, config: { smtp: null } });
  });
});
