/**
 * The access model as code: roles, policies and permissions live in committed JSON under
 * `schema-snapshots/access/` and are applied through the REST API as the admin.
 *
 * - Policies listed there are owned by this repository: their permissions are synced exactly
 *   (missing ones created, changed ones updated, extra ones deleted), so a permission clicked
 *   together in the admin app on a managed policy does not survive the next start. That is the
 *   point: access changes go through review.
 * - The built-in Public policy is managed too (its permissions only): the CRM exposes nothing
 *   to anonymous users.
 * - Roles and policies that are not in the files (e.g. the Administrator created by bootstrap) are
 *   left alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from './config.js';
import type { DirectusApi } from './directus-api.js';

export const ACCESS_DIR = join(PROJECT_ROOT, 'schema-snapshots', 'access');
/** Fixed by Directus' permissions migration (20240806A). */
export const PUBLIC_POLICY_ID = 'abf8a154-5b1c-4a46-ac9c-7300570f4f17';

const json = z.record(z.string(), z.unknown()).nullable().default(null);

const PermissionSchema = z.strictObject({
  collection: z.string().min(1),
  action: z.enum(['create', 'read', 'update', 'delete', 'share']),
  fields: z.array(z.string()).nullable().default(null),
  permissions: json,
  validation: json,
  presets: json,
  /** Why this permission exists; kept in the file for reviewers, not sent to Directus. */
  why: z.string().optional(),
});

const PolicySchema = z.strictObject({
  id: z.uuid(),
  name: z.string().min(1),
  icon: z.string().default('badge'),
  description: z.string().nullable().default(null),
  admin_access: z.boolean().default(false),
  app_access: z.boolean().default(false),
  enforce_tfa: z.boolean().default(false),
  ip_access: z.array(z.string()).nullable().default(null),
  permissions: z.array(PermissionSchema),
});

const RoleSchema = z.strictObject({
  id: z.uuid(),
  name: z.string().min(1),
  icon: z.string().default('supervised_user_circle'),
  description: z.string().nullable().default(null),
  policies: z.array(z.uuid()),
});

export type PolicyFile = z.output<typeof PolicySchema>;
export type RoleFile = z.output<typeof RoleSchema>;
export type PermissionFile = z.output<typeof PermissionSchema>;

export interface AccessModel {
  roles: RoleFile[];
  policies: PolicyFile[];
}

export function loadAccessModel(dir = ACCESS_DIR): AccessModel {
  const policiesDir = join(dir, 'policies');
  const policies = readdirSync(policiesDir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const parsed = PolicySchema.safeParse(JSON.parse(readFileSync(join(policiesDir, name), 'utf8')));
      if (!parsed.success) throw new Error(`${join(policiesDir, name)}: ${z.prettifyError(parsed.error)}`);
      return parsed.data;
    });
  const rolesParsed = z.array(RoleSchema).safeParse(JSON.parse(readFileSync(join(dir, 'roles.json'), 'utf8')));
  if (!rolesParsed.success) throw new Error(`${join(dir, 'roles.json')}: ${z.prettifyError(rolesParsed.error)}`);
  const roles = rolesParsed.data;

  const policyIds = new Set(policies.map((p) => p.id));
  for (const role of roles) {
    for (const policy of role.policies) {
      if (!policyIds.has(policy)) throw new Error(`role "${role.name}" names unknown policy ${policy}`);
    }
  }
  for (const policy of policies) {
    const seen = new Set<string>();
    for (const permission of policy.permissions) {
      const key = `${permission.collection}:${permission.action}`;
      if (seen.has(key)) throw new Error(`policy "${policy.name}" has two ${key} permissions; merge them`);
      seen.add(key);
    }
  }
  return { roles, policies };
}

interface ExistingPermission {
  id: number;
  collection: string;
  action: string;
  fields: string[] | null;
  permissions: unknown;
  validation: unknown;
  presets: unknown;
}

function comparable(permission: Omit<PermissionFile, 'why'> | ExistingPermission) {
  return JSON.stringify({
    fields: permission.fields ? [...permission.fields].sort() : null,
    permissions: permission.permissions ?? null,
    validation: permission.validation ?? null,
    presets: permission.presets ?? null,
  });
}

export interface AccessApplyReport {
  created: number;
  updated: number;
  deleted: number;
}

async function upsert(api: DirectusApi, collection: 'policies' | 'roles', id: string, body: Record<string, unknown>): Promise<void> {
  const existing = await api.get<Array<Record<string, unknown>>>(
    `/${collection}?filter[id][_eq]=${id}&fields=${Object.keys(body).join(',')}`,
  );
  if (!existing.length) {
    await api.post(`/${collection}`, { id, ...body });
    return;
  }
  const changed = Object.entries(body).some(([key, value]) => JSON.stringify(existing[0]![key] ?? null) !== JSON.stringify(value ?? null));
  if (changed) await api.patch(`/${collection}/${id}`, body);
}

export async function applyAccessModel(api: DirectusApi, model: AccessModel = loadAccessModel()): Promise<AccessApplyReport> {
  const report: AccessApplyReport = { created: 0, updated: 0, deleted: 0 };

  for (const policy of model.policies) {
    const { permissions, id, ...row } = policy;
    // The Public policy row belongs to Directus; only its permissions are ours.
    if (id !== PUBLIC_POLICY_ID) await upsert(api, 'policies', id, row);

    const existing = await api.get<ExistingPermission[]>(
      `/permissions?filter[policy][_eq]=${id}&limit=-1&fields=id,collection,action,fields,permissions,validation,presets`,
    );
    const byKey = new Map(existing.map((p) => [`${p.collection}:${p.action}`, p]));
    const missing: Array<Record<string, unknown>> = [];
    for (const wanted of permissions) {
      const { why: _why, ...body } = wanted;
      const key = `${wanted.collection}:${wanted.action}`;
      const current = byKey.get(key);
      byKey.delete(key);
      if (!current) {
        missing.push({ ...body, policy: id });
      } else if (comparable(current) !== comparable(body)) {
        await api.patch(`/permissions/${current.id}`, body);
        report.updated++;
      }
    }
    // One request for all of a policy's new permissions (a first start creates them all): Directus
    // creates a batch in one transaction and clears its caches once, where a request per permission
    // cleared them each time (35 s of a first start under load, 147 requests).
    if (missing.length) {
      await api.post('/permissions', missing);
      report.created += missing.length;
    }
    const extra = [...byKey.values()].map((p) => p.id);
    if (extra.length) {
      await api.delete('/permissions', extra);
      report.deleted += extra.length;
    }
  }

  for (const role of model.roles) {
    const { policies, id, ...row } = role;
    await upsert(api, 'roles', id, row);
    const links = await api.get<Array<{ id: string; policy: string }>>(`/access?filter[role][_eq]=${id}&limit=-1&fields=id,policy`);
    const linked = new Set(links.map((l) => l.policy));
    const unlinked = policies.filter((policy) => !linked.has(policy));
    if (unlinked.length)
      await api.post(
        '/access',
        unlinked.map((policy) => ({ role: id, policy })),
      );
    const stale = links.filter((l) => !policies.includes(l.policy)).map((l) => l.id);
    if (stale.length) await api.delete('/access', stale);
  }
  return report;
}
