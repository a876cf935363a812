/**
 * The email settings, read from the environment Directus hands to the bundle. They are Directus'
 * own variables (EMAIL_TRANSPORT, EMAIL_FROM, EMAIL_SMTP_*), so one configuration serves Directus'
 * mails (password reset) and the CRM's; scripts/lib/config.ts validated them at start-up and set
 * them to the embedded mail catcher when none were given. The retry policy comes as
 * CRM_EMAIL_OUTBOX_* (EMAIL_OUTBOX_* in .env). Parsed with zod once; a bad value is logged and
 * sending stays off (emails wait as pending) rather than guessing.
 */
import { z } from 'zod';
import { DEFAULT_EMAIL_RETRY, type OutboundRetryPolicy } from '../../runtime/queues.js';

const whole = (min: number, max: number) =>
  z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(min).max(max);
const flag = z.preprocess(
  (v) => (typeof v === 'string' ? ['true', '1', 'yes'].includes(v.toLowerCase()) : v),
  z.boolean({ message: 'must be true or false' }),
);
const optionalText = z.preprocess(
  (v) => (v === '' || v === null ? undefined : typeof v === 'number' ? String(v) : v),
  z.string().optional(),
);

const EmailEnv = z.object({
  EMAIL_TRANSPORT: z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.string().optional()),
  EMAIL_FROM: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.email({ message: 'must be an email address' }).default('no-reply@example.com'),
  ),
  EMAIL_SMTP_HOST: optionalText,
  EMAIL_SMTP_PORT: whole(1, 65_535).optional(),
  EMAIL_SMTP_USER: optionalText,
  EMAIL_SMTP_PASSWORD: optionalText,
  EMAIL_SMTP_SECURE: flag.default(false),
  EMAIL_SMTP_IGNORE_TLS: flag.default(false),
  PUBLIC_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
  CRM_EMAIL_OUTBOX_RETRY_LIMIT: whole(0, 50).default(DEFAULT_EMAIL_RETRY.retryLimit),
  CRM_EMAIL_OUTBOX_RETRY_DELAY_SECONDS: whole(1, 3_600).default(DEFAULT_EMAIL_RETRY.retryDelaySeconds),
  CRM_EMAIL_OUTBOX_RETRY_DELAY_MAX_SECONDS: whole(1, 86_400).default(DEFAULT_EMAIL_RETRY.retryDelayMaxSeconds),
  CRM_EMAIL_OUTBOX_CLAIM_STALE_SECONDS: whole(5, 3_600).default(90),
});

export interface SmtpSettings {
  host: string;
  port: number;
  user: string | undefined;
  password: string | undefined;
  secure: boolean;
  ignoreTls: boolean;
}

export interface EmailConfig {
  /** null: no SMTP transport configured; emails are recorded and wait as pending. */
  smtp: SmtpSettings | null;
  from: string;
  /** Where the org logos are served from (`{publicUrl}/assets/{file}`). */
  publicUrl: string | null;
  retry: OutboundRetryPolicy;
  /** A `sending` claim older than this belongs to an attempt that died (worker.ts). */
  claimStaleMs: number;
}

export type EmailConfigResult = { ok: true; config: EmailConfig } | { ok: false; problems: string[] };

export function readEmailConfig(env: Record<string, unknown>): EmailConfigResult {
  const parsed = EmailEnv.safeParse(env);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) };
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.CRM_EMAIL_OUTBOX_RETRY_DELAY_MAX_SECONDS < e.CRM_EMAIL_OUTBOX_RETRY_DELAY_SECONDS) {
    problems.push('CRM_EMAIL_OUTBOX_RETRY_DELAY_MAX_SECONDS: must not be below CRM_EMAIL_OUTBOX_RETRY_DELAY_SECONDS');
  }
  // Any other transport (Directus' default is sendmail) means: no SMTP for the CRM; emails wait.
  const smtpWanted = e.EMAIL_TRANSPORT === 'smtp';
  if (smtpWanted && !e.EMAIL_SMTP_HOST) problems.push('EMAIL_SMTP_HOST: is required when EMAIL_TRANSPORT=smtp');
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    config: {
      smtp: smtpWanted
        ? {
            host: e.EMAIL_SMTP_HOST!,
            port: e.EMAIL_SMTP_PORT ?? (e.EMAIL_SMTP_SECURE ? 465 : 587),
            user: e.EMAIL_SMTP_USER,
            password: e.EMAIL_SMTP_PASSWORD,
            secure: e.EMAIL_SMTP_SECURE,
            ignoreTls: e.EMAIL_SMTP_IGNORE_TLS,
          }
        : null,
      from: e.EMAIL_FROM,
      publicUrl: e.PUBLIC_URL?.replace(/\/+$/, '') ?? null,
      retry: {
        retryLimit: e.CRM_EMAIL_OUTBOX_RETRY_LIMIT,
        retryDelaySeconds: e.CRM_EMAIL_OUTBOX_RETRY_DELAY_SECONDS,
        retryDelayMaxSeconds: e.CRM_EMAIL_OUTBOX_RETRY_DELAY_MAX_SECONDS,
      },
      claimStaleMs: e.CRM_EMAIL_OUTBOX_CLAIM_STALE_SECONDS * 1000,
    },
  };
}
