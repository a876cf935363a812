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
  /** How long a worker may hold a job before pg-boss considers it lost and retries it. */
  expireInSeconds?: number;
}

export const QUEUE_NAMES = {
  /** CRM → WMS commands and events (transactional outbox). */
  wmsOutbound: 'wms.outbound',
  wmsOutboundDead: 'wms.outbound.dead',
} as const;

export const QUEUES: readonly QueueDefinition[] = [
  // Dead-letter queues first: a queue's deadLetter must exist when the queue is created.
  { name: QUEUE_NAMES.wmsOutboundDead, retryLimit: 0 },
  {
    name: QUEUE_NAMES.wmsOutbound,
    deadLetter: QUEUE_NAMES.wmsOutboundDead,
    retryLimit: 8,
    retryDelaySeconds: 5,
    retryBackoff: true,
    expireInSeconds: 120,
  },
];
