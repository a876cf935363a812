/**
 * The slice of Directus' service layer the CRM's adapters use, passed in explicitly (never
 * imported), so every call states its accountability and its transaction.
 */
import type { Knex } from 'knex';
import type { Accountability } from './directus.js';

export interface ItemsServiceLike {
  readOne(key: string, query?: Record<string, unknown>): Promise<Record<string, unknown>>;
  readByQuery(query: Record<string, unknown>): Promise<Array<Record<string, unknown>>>;
  createOne(data: Record<string, unknown>, opts?: Record<string, unknown>): Promise<string>;
  updateOne(key: string, data: Record<string, unknown>, opts?: Record<string, unknown>): Promise<string>;
  updateMany(keys: string[], data: Record<string, unknown>, opts?: Record<string, unknown>): Promise<string[]>;
}

export interface ServiceOptions {
  knex: Knex;
  schema: unknown;
  accountability: Accountability | null;
}

export type ItemsServiceConstructor = new (collection: string, options: ServiceOptions) => ItemsServiceLike;
export type UsersServiceConstructor = new (options: ServiceOptions) => ItemsServiceLike;

export interface CrmServices {
  ItemsService: ItemsServiceConstructor;
  UsersService: UsersServiceConstructor;
}

export interface RequestScope {
  database: Knex;
  schema: unknown;
  accountability: Accountability | null;
  services: CrmServices;
}

/**
 * The caller's accountability with admin rights, for writes the caller is not permitted to make
 * through the item API but that a CRM endpoint has authorised itself (e.g. deciding an approval).
 * Keeps the user id, so Directus' activity and revisions still name the person who acted.
 */
export function elevated(accountability: Accountability): Accountability {
  return { ...accountability, admin: true };
}
