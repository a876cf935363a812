/**
 * Fakes for service unit tests (never imported by the bundle). A service under test gets a scope
 * whose database runs transactions but refuses every query: services orchestrate, so any SQL they
 * issue must come from a repository, which the test stubs with vi.mock. ItemsService calls are
 * recorded instead of written.
 */
import { expect } from 'vitest';
import type { Accountability } from '../shared/directus.js';
import { CrmError } from '../shared/errors.js';
import type { ItemsServiceLike, RequestScope } from '../shared/services.js';
import type { Grant, OrgRole } from '../modules/orgs/access.js';
import type { UserOrgContext } from '../modules/orgs/repository.js';

export const MOD = '00000000-0000-4000-8000-00000000000a';
export const JTR = '00000000-0000-4000-8000-00000000000b';
export const USER = '00000000-0000-4000-8000-0000000000e1';

export function grant(orgId: string, role: OrgRole): Grant {
  return { orgId, orgCode: orgId === MOD ? 'MOD' : orgId === JTR ? 'JTR' : 'X', role };
}

export function contextOf(
  grants: Grant[],
  activeOrg: string | null = grants[0]?.orgId ?? null,
  scope: 'active' | 'all' = 'all',
): UserOrgContext {
  return { userId: USER, activeOrg, scope, grants };
}

export const asUser: Accountability = { user: USER, role: 'r', admin: false };
export const asAdmin: Accountability = { user: USER, role: 'r', admin: true };

export interface ItemsCall {
  collection: string;
  method: string;
  args: unknown[];
  admin: boolean | undefined;
}

function noSql(): never {
  throw new Error('a service issued SQL itself: queries belong in its repository');
}

export function fakeScope(accountability: Accountability | null) {
  const itemCalls: ItemsCall[] = [];
  const trx = Object.assign(noSql, { raw: noSql });
  const database = Object.assign(noSql, {
    raw: noSql,
    transaction: async (work: (t: unknown) => Promise<unknown>) => work(trx),
  });
  class ItemsService implements ItemsServiceLike {
    constructor(
      private readonly collection: string,
      private readonly options: { accountability: Accountability | null },
    ) {}
    private record(method: string, args: unknown[]) {
      itemCalls.push({ collection: this.collection, method, args, admin: this.options.accountability?.admin });
    }
    async readOne(...args: unknown[]) {
      this.record('readOne', args);
      return {};
    }
    async readByQuery(...args: unknown[]) {
      this.record('readByQuery', args);
      return [];
    }
    async createOne(...args: unknown[]) {
      this.record('createOne', args);
      return String((args[0] as { id?: string }).id ?? 'created');
    }
    async updateOne(...args: unknown[]) {
      this.record('updateOne', args);
      return String(args[0]);
    }
    async updateMany(...args: unknown[]) {
      this.record('updateMany', args);
      return args[0] as string[];
    }
  }
  class UsersService extends ItemsService {
    constructor(options: { accountability: Accountability | null }) {
      super('directus_users', options);
    }
  }
  const scope = { database, schema: {}, accountability, services: { ItemsService, UsersService } } as unknown as RequestScope;
  return { scope, itemCalls };
}

/** Awaits a refusal and checks its status and code (and field, when given). */
export async function expectRefusal(promise: Promise<unknown>, status: number, code: string, field?: string): Promise<CrmError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${status} ${code}`).toBeInstanceOf(CrmError);
  const refusal = error as CrmError;
  expect({ status: refusal.status, code: refusal.code }).toEqual({ status, code });
  if (field !== undefined) expect(refusal.fields.map((f) => f.field)).toContain(field);
  return refusal;
}

/**
 * A refusal changes nothing: no Directus write (the item calls `fakeScope` recorded) and none of
 * the given writers (stubbed repository, outbox or audit functions) called.
 */
export function expectNothingWritten(itemCalls: readonly unknown[], writers: readonly unknown[]): void {
  expect(itemCalls).toEqual([]);
  for (const writer of writers) expect(writer).not.toHaveBeenCalled();
}
