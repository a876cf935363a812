/**
 * The few Directus shapes our adapters use, typed narrowly so that modules do not depend on the
 * whole @directus/types surface.
 */
import type { Knex } from 'knex';

export interface Accountability {
  user?: string | null;
  role?: string | null;
  roles?: string[];
  admin?: boolean;
  app?: boolean;
  ip?: string | null;
}

export interface HookContext {
  database: Knex;
  accountability: Accountability | null;
  schema: unknown;
}

/**
 * Who is acting. `null` accountability means Directus itself (internal services, flows run as
 * system): such writes are trusted and skip user checks, but still get server-assigned fields.
 */
export function actorOf(
  accountability: Accountability | null,
): { kind: 'system' } | { kind: 'admin'; userId: string | null } | { kind: 'user'; userId: string } {
  if (!accountability) return { kind: 'system' };
  if (accountability.admin) return { kind: 'admin', userId: accountability.user ?? null };
  if (!accountability.user) return { kind: 'system' };
  return { kind: 'user', userId: accountability.user };
}
