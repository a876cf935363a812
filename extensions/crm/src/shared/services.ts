/**
 * The slice of Directus' service layer the CRM's adapters use, passed in explicitly (never
 * imported), so every call states its accountability and its transaction.
 */
import type { Knex } from 'knex';
import type { Accountability } from './directus.js';
import { CrmError } from './errors.js';

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

export interface FilesServiceLike {
  uploadOne(stream: NodeJS.ReadableStream, data: Record<string, unknown>): Promise<string | number>;
}

export interface AssetsServiceLike {
  getAsset(id: string, transformation: unknown): Promise<{ stream: NodeJS.ReadableStream; file: { type: string | null } }>;
}

export interface CrmServices {
  ItemsService: ItemsServiceConstructor;
  UsersService: UsersServiceConstructor;
  /** Directus' files and assets services (the order form's attachments). */
  FilesService?: new (options: ServiceOptions) => FilesServiceLike;
  AssetsService?: new (options: ServiceOptions) => AssetsServiceLike;
}

/**
 * A stored file's bytes, as stored, through Directus' AssetsService (storage driver, file type).
 * The one way the CRM streams a file: no transformation is passed, because 11.17's getAsset reads
 * any object, even `{}`, as a transformation preset and fails on a file that is not an image.
 * The caller chooses the accountability and says why in a comment.
 */
export async function storedAsset(
  services: CrmServices,
  options: ServiceOptions,
  fileId: string,
): Promise<{ stream: NodeJS.ReadableStream; file: { type: string | null } }> {
  if (!services.AssetsService) throw new CrmError('unavailable', 'ASSETS_UNAVAILABLE', "Directus' assets service is not available");
  return new services.AssetsService(options).getAsset(fileId, undefined);
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

/**
 * The one trusted-write helper. The rule for writes (docs/architecture.md#writes):
 * - rows people also edit through the item API (deals, purchase orders and their lines, approval
 *   requests, customers and profiles, users) are written through Directus' ItemsService, so
 *   Directus' activity and revisions show every change, whoever made it;
 * - when a use case has authorised the change itself and item permissions (rightly) let no one
 *   make it, the write goes through `trustedItems`: elevated (it passes item permissions while
 *   activity and revisions still name the user) and with `TRUSTED_WRITE` (no item hooks: the rules
 *   hooks exist to refuse exactly these changes on item routes);
 * - the CRM's own ledgers and derived rows (audit_log via shared/audit.ts, the outbox, price
 *   snapshots, approval terms, list prices, the WMS mirrors) are written with knex by the module's
 *   repository: no user edits them through the item API and they keep their own history.
 */
export function trustedItems(scope: RequestScope, trx: Knex, collection: string): ItemsServiceLike {
  if (!scope.accountability) throw new CrmError('unauthenticated', 'UNAUTHENTICATED', 'log in first');
  return new scope.services.ItemsService(collection, { knex: trx, schema: scope.schema, accountability: elevated(scope.accountability) });
}
export const TRUSTED_WRITE = { emitEvents: false } as const;
