/**
 * Project settings and Directus flows as code: `flows/settings.json` and one JSON file per flow in
 * `flows/`. Flows in the files are owned by this repository (synced exactly, operations included);
 * flows created in the admin app that are not in the files are left alone.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from './config.js';
import type { DirectusApi } from './directus-api.js';

export const FLOWS_DIR = join(PROJECT_ROOT, 'flows');

const OperationSchema = z.strictObject({
  id: z.uuid(),
  key: z.string().regex(/^[a-z0-9_]+$/, 'lower-case letters, digits and _ only'),
  name: z.string(),
  type: z.string(),
  position_x: z.number().int(),
  position_y: z.number().int(),
  options: z.record(z.string(), z.unknown()).default({}),
  resolve: z.uuid().nullable().default(null),
  reject: z.uuid().nullable().default(null),
});

const FlowSchema = z
  .strictObject({
    id: z.uuid(),
    name: z.string().min(1),
    icon: z.string().default('bolt'),
    color: z.string().nullable().default(null),
    description: z.string().nullable().default(null),
    status: z.enum(['active', 'inactive']),
    trigger: z.enum(['event', 'schedule', 'operation', 'webhook', 'manual']),
    accountability: z.enum(['all', 'activity']).nullable().default('all'),
    options: z.record(z.string(), z.unknown()).default({}),
    /** The first operation to run. */
    operation: z.uuid().nullable(),
    operations: z.array(OperationSchema),
  })
  .superRefine((flow, ctx) => {
    const ids = new Set(flow.operations.map((o) => o.id));
    const refs = [flow.operation, ...flow.operations.flatMap((o) => [o.resolve, o.reject])].filter(Boolean) as string[];
    for (const ref of refs) if (!ids.has(ref)) ctx.addIssue({ code: 'custom', message: `operation ${ref} is referenced but not defined` });
  });

const SettingsSchema = z.record(z.string(), z.unknown());

export type FlowFile = z.output<typeof FlowSchema>;

export function loadFlows(dir = FLOWS_DIR): { settings: Record<string, unknown>; flows: FlowFile[] } {
  const settingsFile = join(dir, 'settings.json');
  const settings = existsSync(settingsFile) ? SettingsSchema.parse(JSON.parse(readFileSync(settingsFile, 'utf8'))) : {};
  const flows = readdirSync(dir)
    .filter((name) => name.endsWith('.json') && name !== 'settings.json')
    .sort()
    .map((name) => {
      const parsed = FlowSchema.safeParse(JSON.parse(readFileSync(join(dir, name), 'utf8')));
      if (!parsed.success) throw new Error(`${join(dir, name)}: ${z.prettifyError(parsed.error)}`);
      return parsed.data;
    });
  return { settings, flows };
}

const FLOW_FIELDS = ['name', 'icon', 'color', 'description', 'status', 'trigger', 'accountability', 'options', 'operation'] as const;
const OPERATION_FIELDS = ['id', 'key', 'name', 'type', 'position_x', 'position_y', 'options', 'resolve', 'reject'] as const;

function pick(row: Record<string, unknown>, fields: readonly string[]) {
  return Object.fromEntries(fields.map((f) => [f, row[f] ?? null]));
}

/** True when the stored flow already equals the file, so a restart writes nothing. */
async function flowIsCurrent(api: DirectusApi, flow: FlowFile): Promise<boolean> {
  const stored = await api.get<Array<Record<string, unknown> & { operations: Array<Record<string, unknown>> }>>(
    `/flows?filter[id][_eq]=${flow.id}&fields=${[...FLOW_FIELDS, ...OPERATION_FIELDS.map((f) => `operations.${f}`)].join(',')}`,
  );
  if (!stored.length) return false;
  const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a['id']).localeCompare(String(b['id']));
  const normalise = (f: Record<string, unknown> & { operations: Array<Record<string, unknown>> }) =>
    JSON.stringify({ ...pick(f, FLOW_FIELDS), operations: f.operations.map((o) => pick(o, OPERATION_FIELDS)).sort(byId) });
  return normalise(stored[0]!) === normalise(flow as unknown as Record<string, unknown> & { operations: Array<Record<string, unknown>> });
}

export async function applyFlow(api: DirectusApi, flow: FlowFile): Promise<void> {
  if (await flowIsCurrent(api, flow)) return;
  const { operations, operation, id, ...row } = flow;
  const existing = await api.get<Array<{ id: string }>>(`/flows?filter[id][_eq]=${id}&fields=id`);
  // Detach the entry operation first so operations can be replaced without dangling references.
  if (existing.length) await api.patch(`/flows/${id}`, { ...row, operation: null });
  else await api.post('/flows', { id, ...row, operation: null });

  const current = await api.get<Array<{ id: string }>>(`/operations?filter[flow][_eq]=${id}&limit=-1&fields=id`);
  if (current.length) {
    // Unlink before deleting: operations reference each other through resolve/reject.
    await api.patch('/operations', { keys: current.map((o) => o.id), data: { resolve: null, reject: null } });
    await api.delete(
      '/operations',
      current.map((o) => o.id),
    );
  }
  for (const op of operations) await api.post('/operations', { ...op, flow: id, resolve: null, reject: null });
  for (const op of operations) {
    if (op.resolve || op.reject) await api.patch(`/operations/${op.id}`, { resolve: op.resolve, reject: op.reject });
  }
  await api.patch(`/flows/${id}`, { operation });
}

/**
 * Flows this repository once owned and has retired: removed from databases that still hold them.
 * - The daily "Supply ETA near" flow: the scan runs on a pg-boss schedule now (modules/supply/worker.ts).
 */
export const RETIRED_FLOW_IDS = ['0f95140a-b1fd-530d-a640-f4b05b4aba8f'] as const;

export async function applySettingsAndFlows(api: DirectusApi, dir = FLOWS_DIR): Promise<void> {
  const { settings, flows } = loadFlows(dir);
  if (Object.keys(settings).length) {
    const current = await api.get<Record<string, unknown>>(`/settings?fields=${Object.keys(settings).join(',')}`);
    const changed = Object.entries(settings).some(([k, v]) => JSON.stringify(current[k] ?? null) !== JSON.stringify(v));
    if (changed) await api.patch('/settings', settings);
  }
  for (const flow of flows) await applyFlow(api, flow);
  const retired = await api.get<Array<{ id: string }>>(`/flows?filter[id][_in]=${RETIRED_FLOW_IDS.join(',')}&fields=id`);
  if (retired.length)
    await api.delete(
      '/flows',
      retired.map((f) => f.id),
    );
}
