/**
 * Every pg-boss queue the CRM uses, created at start-up. Names allow `[\w.\-/]` only (no colons).
 * A queue with a dead-letter queue moves a job there once its retries are exhausted, so a failed
 * delivery is kept for an admin to inspect and retry instead of vanishing.
 */
export interface QueueDefinition {
  name: string;
  deadLetter?: string;
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  /** Upper bound of the backoff delay, so a long outage does not push retries days apart. */
  retryDelayMaxSeconds?: number;
  /** How long a worker may hold a job before pg-boss considers it lost and retries it. */
  expireInSeconds?: number;
}

export const QUEUE_NAMES = {
  /** CRM → WMS commands and events (transactional outbox). */
  wmsOutbound: 'wms.outbound',
  wmsOutboundDead: 'wms.outbound.dead',
  /** Emails: one job per outbox row (modules/email, docs/email.md). */
  emailSend: 'email.send',
  emailSendDead: 'email.send.dead',
  /** Digests and the Cost Control Daily Pack, one run per org × kind × period (modules/email/digests.ts). */
  emailDigest: 'email.digest',
  /** The daily ETA-near scan of supplies (pg-boss schedule; modules/supply/eta-near.ts). */
  supplyEtaNear: 'supply.eta-near',
} as const;

/**
 * How often and how patiently the outbox retries a delivery. The defaults suit production (a WMS
 * outage of about an hour is ridden out before a message is given up as dead); tests and demos
 * tune them through the environment (see docs/wms-outbound.md).
 */
export interface OutboundRetryPolicy {
  retryLimit: number;
  retryDelaySeconds: number;
  retryDelayMaxSeconds: number;
}

export const DEFAULT_OUTBOUND_RETRY: OutboundRetryPolicy = { retryLimit: 8, retryDelaySeconds: 5, retryDelayMaxSeconds: 600 };

/** How patiently the email outbox retries an SMTP failure (EMAIL_OUTBOX_RETRY_* in .env). */
export const DEFAULT_EMAIL_RETRY: OutboundRetryPolicy = { retryLimit: 8, retryDelaySeconds: 10, retryDelayMaxSeconds: 900 };

export function buildQueues(
  outbound: OutboundRetryPolicy = DEFAULT_OUTBOUND_RETRY,
  email: OutboundRetryPolicy = DEFAULT_EMAIL_RETRY,
): QueueDefinition[] {
  return [
    // Dead-letter queues first: a queue's deadLetter must exist when the queue is created.
    { name: QUEUE_NAMES.wmsOutboundDead, retryLimit: 0 },
    {
      name: QUEUE_NAMES.wmsOutbound,
      deadLetter: QUEUE_NAMES.wmsOutboundDead,
      retryLimit: outbound.retryLimit,
      retryDelaySeconds: outbound.retryDelaySeconds,
      retryDelayMaxSeconds: outbound.retryDelayMaxSeconds,
      retryBackoff: true,
      expireInSeconds: 120,
    },
    { name: QUEUE_NAMES.emailSendDead, retryLimit: 0 },
    {
      name: QUEUE_NAMES.emailSend,
      deadLetter: QUEUE_NAMES.emailSendDead,
      retryLimit: email.retryLimit,
      retryDelaySeconds: email.retryDelaySeconds,
      retryDelayMaxSeconds: email.retryDelayMaxSeconds,
      retryBackoff: true,
      // Well above the SMTP timeouts (modules/email/worker.ts), so an attempt is never declared
      // lost while it still talks to the server.
      expireInSeconds: 120,
    },
    { name: QUEUE_NAMES.emailDigest, retryLimit: 3, retryDelaySeconds: 30, retryBackoff: true, expireInSeconds: 600 },
    // A failed scan is retried; whatever it already queued is found under its key and not sent twice.
    { name: QUEUE_NAMES.supplyEtaNear, retryLimit: 3, retryDelaySeconds: 60, retryBackoff: true, expireInSeconds: 600 },
  ];
}

export const QUEUES: readonly QueueDefinition[] = buildQueues();
