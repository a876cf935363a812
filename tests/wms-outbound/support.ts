/**
 * A CRM of its own for the outbound tests, pointed at an in-process WMS simulator (the shared
 * system of tests/setup/global.ts has no WMS_BASE_URL), with retry delays short enough to watch a
 * message fail, back off and succeed within seconds. Real processes, real HTTP, real PostgreSQL.
 */
import { rmSync } from 'node:fs';
import pg from 'pg';
import { expect } from 'vitest';
import { startWmsSimulator, type WmsSimulator } from '../../scripts/wms-simulator/server-lib.js';
import { installedDataDir } from '../support/installed.js';
import { freePort, startSystemProcess, type StartedSystem } from '../support/processes.js';

export const WMS_SECRET = 'whsec_b3V0Ym91bmQtdGVzdC1zZWNyZXQtMDEyMzQ1Njc4OQ==';
/** Per attempt; the simulator's slow answers take longer, so they time out. */
export const REQUEST_TIMEOUT_MS = 700;

export interface OutboundWorld {
  url: string;
  simulator: WmsSimulator;
  db: pg.Pool;
  stop(): Promise<void>;
}

export async function startOutboundWorld(): Promise<OutboundWorld> {
  const simulator = await startWmsSimulator({ secrets: [WMS_SECRET] });
  // An installed system with the demo data (a copy of the run's template, tests/support/installed.ts).
  const dataDir = await installedDataDir('outbound');
  const pgPort = await freePort();
  let system: StartedSystem;
  try {
    system = await startSystemProcess({
      CRM_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(pgPort),
      SEED_DEMO: 'true',
      WMS_WEBHOOK_SECRET: WMS_SECRET,
      WMS_BASE_URL: simulator.url,
      WMS_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      WMS_OUTBOX_RETRY_LIMIT: '6',
      WMS_OUTBOX_RETRY_DELAY_SECONDS: '1',
      WMS_OUTBOX_RETRY_DELAY_MAX_SECONDS: '1',
    });
  } catch (error) {
    await simulator.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const db = new pg.Pool({ host: '127.0.0.1', port: pgPort, database: 'crm', user: 'postgres', password: 'crm-embedded', max: 2 });
  return {
    url: system.url,
    simulator,
    db,
    async stop() {
      await db.end();
      const code = await system.stop();
      await simulator.close();
      if (code !== 0) console.error(`outbound system exited with ${code}:\n${system.output().slice(-4000)}`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
  text: string;
}

export function client(baseUrl: string) {
  const tokens = new Map<string, string>();
  async function request<T = any>(method: string, path: string, token?: string, body?: unknown): Promise<HttpResult<T>> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T, text };
  }
  async function tokenFor(email: string): Promise<string> {
    let token = tokens.get(email);
    if (!token) {
      const login = await request('POST', '/auth/login', undefined, { email, password: 'demo-password' });
      if (login.status !== 200) throw new Error(`login ${email}: ${login.status} ${login.text}`);
      token = login.body.data.access_token as string;
      tokens.set(email, token);
    }
    return token;
  }
  /** A request as a demo user. */
  async function as<T = any>(email: string, method: string, path: string, body?: unknown): Promise<HttpResult<T>> {
    return request<T>(method, path, await tokenFor(email), body);
  }
  async function adminGet<T = any>(path: string): Promise<T> {
    const result = await as('admin@example.com', 'GET', path);
    if (result.status !== 200) throw new Error(`admin GET ${path}: ${result.status} ${result.text}`);
    return result.body.data as T;
  }
  return { request, as, adminGet };
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export interface LedgerRow {
  id: string;
  idempotency_key: string;
  event_type: string;
  status: 'pending' | 'delivered' | 'failed' | 'dead';
  attempts: number;
  last_error: string | null;
  delivery_result: string | null;
  payload: any;
  job_id: string | null;
}

export async function ledgerRows(db: pg.Pool, key: string): Promise<LedgerRow[]> {
  return (await db.query('select * from outbound_messages where idempotency_key = $1', [key])).rows;
}

export async function ledgerRow(db: pg.Pool, key: string): Promise<LedgerRow> {
  const rows = await ledgerRows(db, key);
  expect(rows, `one ledger row under ${key}`).toHaveLength(1);
  return rows[0]!;
}

/** Waits until the message under `key` reaches `status` (delivered or dead are final). */
export async function settled(db: pg.Pool, key: string, status: 'delivered' | 'dead', timeoutMs = 30_000): Promise<LedgerRow> {
  const row = await eventually(
    `${key} to be delivered or dead`,
    async () => {
      const [found] = await ledgerRows(db, key);
      return found && (found.status === 'delivered' || found.status === 'dead') ? found : undefined;
    },
    timeoutMs,
  );
  expect(row.status, `${key}: ${row.last_error}`).toBe(status);
  return row;
}

/** Nothing left to deliver: so the next injected faults hit the request the test means. */
export async function outboxIdle(db: pg.Pool): Promise<void> {
  await eventually('the outbox to be idle', async () => {
    const { rows } = await db.query(`select count(*)::int as n from outbound_messages where status in ('pending', 'failed')`);
    return rows[0].n === 0 ? true : undefined;
  });
}

export type Client = ReturnType<typeof client>;

export interface OrgFixture {
  orgId: string;
  /** An active credit customer profile of the org, for new deals (a cash customer's POs wait for payment confirmation, story 31). */
  profileId: string;
}

export async function orgFixture(api: Client, code: 'MOD' | 'JTR'): Promise<OrgFixture> {
  const [org] = await api.adminGet<Array<{ id: string }>>(`/items/orgs?filter[code][_eq]=${code}&fields=id`);
  const [profile] = await api.adminGet<Array<{ id: string }>>(
    `/items/customer_org_profiles?filter[org_id][code][_eq]=${code}&filter[status][_eq]=active&filter[payment_mode][_eq]=credit&fields=id&sort=id&limit=1`,
  );
  return { orgId: org!.id, profileId: profile!.id };
}

export interface Deal {
  id: string;
  code: string;
}

/**
 * A fresh submitted deal with lines (quality code, meters), created through the item API as the
 * admin, so that pricing rules on which qualities sales may pick stay out of the outbound tests' way.
 */
export async function newDeal(api: Client, org: OrgFixture, lines: Array<[string, string]>): Promise<Deal> {
  const created = await api.as('admin@example.com', 'POST', '/items/deals?fields=id,code', {
    org_id: org.orgId,
    customer_profile_id: org.profileId,
    status: 'submitted',
    currency: 'TRY',
    lines: lines.map(([quality_code, meters], index) => ({
      line_no: index + 1,
      quality_code,
      meters,
      unit_price: '80.0000',
      currency: 'TRY',
    })),
  });
  expect(created.status, created.text).toBe(200);
  return created.body.data as Deal;
}

/**
 * Story 41: a cash customer's won deal has a contract draft that holds its release until signed or
 * waived. Tests about the outbox release such deals: the Sales Manager waives it (no-op for a
 * credit customer's deal, which has none).
 */
export async function waiveCashContract(api: Client, won: { cash_pack?: { contract?: { id: string; status: string } | null } | null }) {
  const contract = won.cash_pack?.contract;
  if (!contract || contract.status !== 'drafted') return;
  const waived = await api.as('manager@example.com', 'POST', `/crm/contracts/${contract.id}/waive`, {
    note: 'test fixture: contract on file',
  });
  if (waived.status !== 200) throw new Error(`waive contract: ${waived.status} ${waived.text}`);
}
