/**
 * The runtime configuration, parsed once from the environment into a typed object.
 *
 * Every start-up path (npm start, the test harness, the benchmarks) goes through `loadConfig`, so a
 * bad environment is reported the same way everywhere: one message naming each variable that is
 * wrong and why, never a stack trace from deep inside Directus.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';

export const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');

/** Documented defaults; the README's env table lists the same values. */
export const DEFAULTS = {
  PORT: 8055,
  HOST: '0.0.0.0',
  CRM_DATA_DIR: '.data',
  EMBEDDED_PG_PORT: 54329,
  ADMIN_EMAIL: 'admin@example.com',
  DEMO_PASSWORD: 'demo-password',
  WMS_WEBHOOK_SECRET_DEMO: 'whsec_ZGVtby13bXMtd2ViaG9vay1zZWNyZXQtY2hhbmdlLW1l',
} as const;

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const port = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const nonEmpty = z.string().trim().min(1, 'must not be empty');

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: port.default(DEFAULTS.PORT),
    HOST: nonEmpty.default(DEFAULTS.HOST),
    PUBLIC_URL: z.url({ message: 'must be an absolute URL, e.g. https://crm.example.com' }).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),

    KEY: nonEmpty.optional(),
    SECRET: z.string().min(32, 'must be at least 32 characters (use `openssl rand -base64 48`)').optional(),
    ADMIN_EMAIL: z.email({ message: 'must be an email address' }).default(DEFAULTS.ADMIN_EMAIL),
    ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),

    CRM_DATA_DIR: nonEmpty.default(DEFAULTS.CRM_DATA_DIR),
    EMBEDDED_PG_PORT: port.default(DEFAULTS.EMBEDDED_PG_PORT),
    // false: the embedded server neither flushes to disk on commit nor at initdb (fsync,
    // synchronous_commit and full_page_writes off). For throwaway clusters only (the test suite, the
    // benchmarks): an OS crash or power loss can corrupt such a cluster. A crash of Directus or of
    // PostgreSQL itself loses nothing either way (the operating system still holds the writes).
    EMBEDDED_PG_DURABLE: booleanFlag.default(true),

    DB_HOST: nonEmpty.optional(),
    DB_PORT: port.default(5432),
    DB_DATABASE: nonEmpty.optional(),
    DB_USER: nonEmpty.optional(),
    DB_PASSWORD: z.string().optional(),
    DB_SSL: booleanFlag.default(false),
    // Connections Directus (and the WMS ingestion on its pool) may hold. PostgreSQL does best with
    // a few per core: more backends than that only take turns on the same cores (measured on 2
    // cores: 5 connections ingest about 15% more WMS events per second than Directus' default 10).
    DB_POOL_MAX: z.coerce
      .number({ message: 'must be a number' })
      .int('must be a whole number')
      .min(2, 'must be at least 2')
      .max(200, 'must be at most 200')
      .optional(),

    SEED_DEMO: booleanFlag.default(true),

    // After "ready", a Directus that exits unasked is started again after this many seconds,
    // doubled per exit within a short window (scripts/lib/system.ts). `never`: stop the CRM and exit
    // non-zero instead, for a supervisor (systemd, docker) that restarts the whole process itself.
    DIRECTUS_RESTART_DELAY_SECONDS: z
      .string()
      .trim()
      .default('2')
      .refine(
        (value) => value === 'never' || (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 3_600),
        'must be a whole number of seconds from 1 to 3600, or never',
      )
      .transform((value) => (value === 'never' ? ('never' as const) : Number(value))),

    // Several instances on one database (README, "Running two instances"): Directus' caches, rate
    // limiter, schedule synchronisation and message bus on this Redis. Empty: one instance, all of
    // them in its memory (the default).
    REDIS: z
      .url({ message: 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379' })
      .refine((value) => /^rediss?:\/\//.test(value), 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379')
      .optional(),
    // Where uploaded files are kept. Instances of one database must share it (a shared volume).
    UPLOADS_DIR: nonEmpty.optional(),

    WMS_WEBHOOK_SECRET: z.string().min(24, 'must be at least 24 characters').optional(),
    WMS_WEBHOOK_SECRET_PREVIOUS: z.string().min(24, 'must be at least 24 characters').optional(),
    WMS_BASE_URL: z.url({ message: 'must be an absolute URL of the WMS command endpoint' }).optional(),
    // Outbound delivery to the WMS (docs/wms-outbound.md): per-attempt timeout and retry backoff.
    WMS_REQUEST_TIMEOUT_MS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be a whole number')
      .min(100)
      .max(60_000)
      .default(10_000),
    WMS_OUTBOX_RETRY_LIMIT: z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(0).max(50).default(8),
    WMS_OUTBOX_RETRY_DELAY_SECONDS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be a whole number')
      .min(1)
      .max(3_600)
      .default(5),
    WMS_OUTBOX_RETRY_DELAY_MAX_SECONDS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be a whole number')
      .min(1)
      .max(86_400)
      .default(600),

    // Email (docs/email.md): Directus' own variable names, so password-reset mails and the CRM's
    // go the same way. No SMTP host: `npm start` runs a mail catcher on loopback (development).
    EMAIL_TRANSPORT: z.enum(['smtp'], { message: 'must be smtp (the CRM sends over SMTP), or empty for the mail catcher' }).optional(),
    EMAIL_FROM: z.email({ message: 'must be an email address' }).optional(),
    EMAIL_SMTP_HOST: nonEmpty.optional(),
    EMAIL_SMTP_PORT: port.optional(),
    EMAIL_SMTP_USER: z.string().optional(),
    EMAIL_SMTP_PASSWORD: z.string().optional(),
    EMAIL_SMTP_SECURE: booleanFlag.default(false),
    EMAIL_SMTP_IGNORE_TLS: booleanFlag.default(false),
    EMAIL_OUTBOX_RETRY_LIMIT: z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(0).max(50).default(8),
    EMAIL_OUTBOX_RETRY_DELAY_SECONDS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be a whole number')
      .min(1)
      .max(3_600)
      .default(10),
    EMAIL_OUTBOX_RETRY_DELAY_MAX_SECONDS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be a whole number')
      .min(1)
      .max(86_400)
      .default(900),
    // A `sending` claim older than this belongs to an attempt that died (docs/email.md); the SMTP
    // timeouts are derived from it so that a live attempt always ends first.
    EMAIL_OUTBOX_CLAIM_STALE_SECONDS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be a whole number')
      .min(5)
      .max(3_600)
      .default(90),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production') {
      for (const name of ['SECRET', 'KEY', 'ADMIN_PASSWORD', 'WMS_WEBHOOK_SECRET', 'PUBLIC_URL'] as const) {
        if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'is required when NODE_ENV=production' });
      }
      if (env.SEED_DEMO) {
        ctx.addIssue({
          code: 'custom',
          path: ['SEED_DEMO'],
          message: 'must be false when NODE_ENV=production (demo users have a public password)',
        });
      }
    }
    if (env.WMS_OUTBOX_RETRY_DELAY_MAX_SECONDS < env.WMS_OUTBOX_RETRY_DELAY_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['WMS_OUTBOX_RETRY_DELAY_MAX_SECONDS'],
        message: 'must not be below WMS_OUTBOX_RETRY_DELAY_SECONDS',
      });
    }
    if (env.EMAIL_OUTBOX_RETRY_DELAY_MAX_SECONDS < env.EMAIL_OUTBOX_RETRY_DELAY_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['EMAIL_OUTBOX_RETRY_DELAY_MAX_SECONDS'],
        message: 'must not be below EMAIL_OUTBOX_RETRY_DELAY_SECONDS',
      });
    }
    if (env.EMAIL_TRANSPORT === 'smtp' && !env.EMAIL_SMTP_HOST) {
      ctx.addIssue({ code: 'custom', path: ['EMAIL_SMTP_HOST'], message: 'is required when EMAIL_TRANSPORT=smtp' });
    }
    if (env.DB_HOST && !env.DB_DATABASE) {
      ctx.addIssue({ code: 'custom', path: ['DB_DATABASE'], message: 'is required when DB_HOST is set' });
    }
    if (env.DB_HOST && !env.DB_USER) {
      ctx.addIssue({ code: 'custom', path: ['DB_USER'], message: 'is required when DB_HOST is set' });
    }
  });

export type DatabaseTarget =
  | { kind: 'embedded'; dataDir: string; port: number; database: string; user: string; password: string; durable: boolean }
  | { kind: 'external'; host: string; port: number; database: string; user: string; password: string; ssl: boolean };

/**
 * Where emails go: a real SMTP server; in development without one, the mail catcher `npm start`
 * runs on loopback (scripts/lib/mail-catcher.ts); in production without one, nowhere (emails are
 * recorded and wait as pending until SMTP is configured).
 */
export type EmailTarget =
  | {
      kind: 'smtp';
      host: string;
      port: number;
      user: string | undefined;
      password: string | undefined;
      secure: boolean;
      ignoreTls: boolean;
    }
  | { kind: 'catcher' }
  | { kind: 'none' };

export interface RuntimeConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  publicUrl: string;
  logLevel: string;
  key: string;
  secret: string;
  adminEmail: string;
  adminPassword: string;
  dataDir: string;
  database: DatabaseTarget;
  /** Directus' database pool size (DB_POOL__MAX). */
  dbPoolMax: number;
  seedDemo: boolean;
  /** The first delay before Directus is started again after an unasked exit; `never`: no restart (system.ts). */
  directusRestartDelaySeconds: number | 'never';
  /** Redis for Directus' shared state when several instances serve one database; undefined: one instance, memory. */
  redis: string | undefined;
  /** Directus' local storage root (uploads); `$CRM_DATA_DIR/uploads` unless UPLOADS_DIR says otherwise. */
  uploadsDir: string;
  wmsWebhookSecret: string;
  /** Also accepted on POST /wms/events while the WMS switches to a new secret (rotation). */
  wmsWebhookSecretPrevious: string | undefined;
  wmsBaseUrl: string | undefined;
  wmsOutbound: { requestTimeoutMs: number; retryLimit: number; retryDelaySeconds: number; retryDelayMaxSeconds: number };
  email: {
    target: EmailTarget;
    from: string;
    retry: { retryLimit: number; retryDelaySeconds: number; retryDelayMaxSeconds: number };
    claimStaleSeconds: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Twice the cores plus one, the PostgreSQL wiki's rule of thumb for a server on local disk. */
export function defaultPoolSize(cores = availableParallelism()): number {
  return Math.max(3, 2 * cores + 1);
}

/** Development secrets are generated once and kept beside the data, so tokens survive restarts. */
function persistedDevSecrets(dataDir: string): { key: string; secret: string } {
  const file = join(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { key: string; secret: string };
  mkdirSync(dataDir, { recursive: true });
  const generated = { key: randomBytes(16).toString('hex'), secret: randomBytes(48).toString('base64url') };
  writeFileSync(file, JSON.stringify(generated, null, 2), { mode: 0o600 });
  return generated;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  // Treat empty strings as unset: `.env` files and compose files often carry `NAME=`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`));
  }
  const e = parsed.data;
  const dataDir = isAbsolute(e.CRM_DATA_DIR) ? e.CRM_DATA_DIR : resolve(PROJECT_ROOT, e.CRM_DATA_DIR);
  const devSecrets = e.KEY && e.SECRET ? undefined : persistedDevSecrets(dataDir);

  const database: DatabaseTarget = e.DB_HOST
    ? {
        kind: 'external',
        host: e.DB_HOST,
        port: e.DB_PORT,
        database: e.DB_DATABASE!,
        user: e.DB_USER!,
        password: e.DB_PASSWORD ?? '',
        ssl: e.DB_SSL,
      }
    : {
        kind: 'embedded',
        dataDir: join(dataDir, 'postgres'),
        port: e.EMBEDDED_PG_PORT,
        database: 'crm',
        user: 'postgres',
        // The embedded server listens on loopback only and its data directory is private to this
        // checkout; the password guards against other local users, not against the network.
        password: 'crm-embedded',
        durable: e.EMBEDDED_PG_DURABLE,
      };

  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    logLevel: e.LOG_LEVEL,
    key: e.KEY ?? devSecrets!.key,
    secret: e.SECRET ?? devSecrets!.secret,
    adminEmail: e.ADMIN_EMAIL,
    adminPassword: e.ADMIN_PASSWORD ?? DEFAULTS.DEMO_PASSWORD,
    dataDir,
    database,
    dbPoolMax: e.DB_POOL_MAX ?? defaultPoolSize(),
    seedDemo: e.SEED_DEMO,
    directusRestartDelaySeconds: e.DIRECTUS_RESTART_DELAY_SECONDS,
    redis: e.REDIS,
    uploadsDir: e.UPLOADS_DIR
      ? isAbsolute(e.UPLOADS_DIR)
        ? e.UPLOADS_DIR
        : resolve(PROJECT_ROOT, e.UPLOADS_DIR)
      : join(dataDir, 'uploads'),
    wmsWebhookSecret: e.WMS_WEBHOOK_SECRET ?? DEFAULTS.WMS_WEBHOOK_SECRET_DEMO,
    wmsWebhookSecretPrevious: e.WMS_WEBHOOK_SECRET_PREVIOUS,
    wmsBaseUrl: e.WMS_BASE_URL,
    wmsOutbound: {
      requestTimeoutMs: e.WMS_REQUEST_TIMEOUT_MS,
      retryLimit: e.WMS_OUTBOX_RETRY_LIMIT,
      retryDelaySeconds: e.WMS_OUTBOX_RETRY_DELAY_SECONDS,
      retryDelayMaxSeconds: e.WMS_OUTBOX_RETRY_DELAY_MAX_SECONDS,
    },
    email: {
      target: e.EMAIL_SMTP_HOST
        ? {
            kind: 'smtp',
            host: e.EMAIL_SMTP_HOST,
            port: e.EMAIL_SMTP_PORT ?? (e.EMAIL_SMTP_SECURE ? 465 : 587),
            user: e.EMAIL_SMTP_USER,
            password: e.EMAIL_SMTP_PASSWORD,
            secure: e.EMAIL_SMTP_SECURE,
            ignoreTls: e.EMAIL_SMTP_IGNORE_TLS,
          }
        : e.NODE_ENV === 'production'
          ? { kind: 'none' }
          : { kind: 'catcher' },
      from: e.EMAIL_FROM ?? 'no-reply@example.com',
      retry: {
        retryLimit: e.EMAIL_OUTBOX_RETRY_LIMIT,
        retryDelaySeconds: e.EMAIL_OUTBOX_RETRY_DELAY_SECONDS,
        retryDelayMaxSeconds: e.EMAIL_OUTBOX_RETRY_DELAY_MAX_SECONDS,
      },
      claimStaleSeconds: e.EMAIL_OUTBOX_CLAIM_STALE_SECONDS,
    },
  };
}
