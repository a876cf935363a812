/**
 * The outbox's settings, read from the environment Directus hands to the bundle (scripts/lib/
 * config.ts validated and renamed them: WMS_BASE_URL → CRM_WMS_BASE_URL, ...). Parsed with zod once
 * at start-up; a bad value is logged and delivery stays off rather than guessing.
 */
import { z } from 'zod';
import { DEFAULT_OUTBOUND_RETRY, type OutboundRetryPolicy } from '../../runtime/queues.js';

const whole = (min: number, max: number) =>
  z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(min).max(max);

const OutboundEnv = z.object({
  CRM_WMS_BASE_URL: z.preprocess((v) => (v === '' || v === null ? undefined : v), z.url({ message: 'must be an absolute URL' }).optional()),
  CRM_WMS_WEBHOOK_SECRET: z.string().min(24, 'must be at least 24 characters').optional(),
  // Well below the queue's expireInSeconds (120 s), so pg-boss never declares a job lost while an
  // attempt is still waiting for the WMS.
  CRM_WMS_REQUEST_TIMEOUT_MS: whole(100, 60_000).default(10_000),
  CRM_WMS_OUTBOX_RETRY_LIMIT: whole(0, 50).default(DEFAULT_OUTBOUND_RETRY.retryLimit),
  CRM_WMS_OUTBOX_RETRY_DELAY_SECONDS: whole(1, 3_600).default(DEFAULT_OUTBOUND_RETRY.retryDelaySeconds),
  CRM_WMS_OUTBOX_RETRY_DELAY_MAX_SECONDS: whole(1, 86_400).default(DEFAULT_OUTBOUND_RETRY.retryDelayMaxSeconds),
});

export interface OutboundConfig {
  /** Unset: nothing is delivered, messages wait as pending (docs/wms-outbound.md). */
  baseUrl: string | null;
  secret: string | null;
  timeoutMs: number;
  retry: OutboundRetryPolicy;
}

export type OutboundConfigResult = { ok: true; config: OutboundConfig } | { ok: false; problems: string[] };

export function readOutboundConfig(env: Record<string, unknown>): OutboundConfigResult {
  const parsed = OutboundEnv.safeParse(env);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) };
  }
  const e = parsed.data;
  if (e.CRM_WMS_OUTBOX_RETRY_DELAY_MAX_SECONDS < e.CRM_WMS_OUTBOX_RETRY_DELAY_SECONDS) {
    return { ok: false, problems: ['CRM_WMS_OUTBOX_RETRY_DELAY_MAX_SECONDS: must not be below CRM_WMS_OUTBOX_RETRY_DELAY_SECONDS'] };
  }
  if (e.CRM_WMS_BASE_URL && !e.CRM_WMS_WEBHOOK_SECRET) {
    return { ok: false, problems: ['CRM_WMS_WEBHOOK_SECRET: is required to sign commands when CRM_WMS_BASE_URL is set'] };
  }
  return {
    ok: true,
    config: {
      baseUrl: e.CRM_WMS_BASE_URL ?? null,
      secret: e.CRM_WMS_WEBHOOK_SECRET ?? null,
      timeoutMs: e.CRM_WMS_REQUEST_TIMEOUT_MS,
      retry: {
        retryLimit: e.CRM_WMS_OUTBOX_RETRY_LIMIT,
        retryDelaySeconds: e.CRM_WMS_OUTBOX_RETRY_DELAY_SECONDS,
        retryDelayMaxSeconds: e.CRM_WMS_OUTBOX_RETRY_DELAY_MAX_SECONDS,
      },
    },
  };
}
