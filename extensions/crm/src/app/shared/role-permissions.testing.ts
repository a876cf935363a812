/**
 * For the module-bar tests: the roles and policies of the schema snapshot
 * (`schema-snapshots/access`), and what /permissions/me would say for a role (read access on
 * every collection one of its policies reads).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ModulePermissions } from './module-access.js';

const root = resolve(import.meta.dirname, '../../../../..');
const read = (path: string): unknown => JSON.parse(readFileSync(resolve(root, path), 'utf8'));

export const roles = read('schema-snapshots/access/roles.json') as Array<{ id: string; name: string; policies: string[] }>;

/** `permissionsOf(role)` over the named policies (those the tested modules depend on). */
export function permissionsFrom(policyNames: readonly string[]): (roleName: string) => ModulePermissions {
  const policies = policyNames.map(
    (name) =>
      read(`schema-snapshots/access/policies/${name}.json`) as { id: string; permissions: Array<{ collection: string; action: string }> },
  );
  return (roleName) => {
    const role = roles.find((r) => r.name === roleName)!;
    const out: ModulePermissions = {};
    for (const policy of policies.filter((p) => role.policies.includes(p.id))) {
      for (const p of policy.permissions) out[p.collection] = { ...(out[p.collection] ?? {}), [p.action]: { access: 'partial' } };
    }
    return out;
  };
}

export const userOf = (roleName: string) => ({ role: { id: roles.find((r) => r.name === roleName)!.id }, admin_access: false });
