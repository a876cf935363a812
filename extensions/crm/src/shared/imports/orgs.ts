/**
 * The orgs of an import's rows, the same for every import: a row names its org by code, the caller
 * may import into some orgs (the importer's `orgIds`), and an org the caller may not import into
 * reads exactly like one that does not exist. Pure.
 */
import { keysOf, validateRows, type ImportSpec, type RawRow, type RowCheck, type Uniqueness, type ValidationResult } from './spec.js';

/** Every org by code; `allowed`: the caller may import into it. */
export type ImportOrgs = ReadonlyMap<string, { id: string; allowed: boolean }>;

export function importOrgs(orgs: ReadonlyArray<{ id: string; code: string }>, allowed: ReadonlySet<string>): ImportOrgs {
  return new Map(orgs.map((o) => [o.code, { id: o.id, allowed: allowed.has(o.id) }]));
}

/** The orgs the file's rows name (`org_code`, any case) where the caller may import: the catalogue to load. */
export function namedOrgIds(
  orgs: ReadonlyArray<{ id: string; code: string }>,
  allowed: ReadonlySet<string>,
  raw: readonly RawRow[],
): string[] {
  const named = new Set(raw.map((r) => r.cells['org_code']?.toUpperCase()).filter((c): c is string => !!c));
  return orgs.filter((o) => named.has(o.code) && allowed.has(o.id)).map((o) => o.id);
}

/**
 * The row check of `org_code`: the org when the caller may import into it; otherwise undefined and
 * `fail` with one reason whether the org is unknown or not the caller's, which lists the caller's
 * orgs: `"JTR" is not one of your <what> orgs (MOD)`.
 */
export function orgOfRow(orgs: ImportOrgs, what: string) {
  const mine =
    [...orgs]
      .filter(([, o]) => o.allowed)
      .map(([orgCode]) => orgCode)
      .sort()
      .join(', ') || 'none';
  return (orgCode: string | undefined, raw: RawRow, fail: (column: 'org_code', reason: string) => void) => {
    const org = orgCode ? orgs.get(orgCode) : undefined;
    if (orgCode && !org?.allowed) fail('org_code', `"${raw.cells['org_code']}" is not one of your ${what} orgs (${mine})`);
    return org?.allowed ? org : undefined;
  };
}

/**
 * What a row names (a customer by tax number, a quality by code), looked up in the row's org only,
 * so that one unknown there reads the same whether or not another org knows it: its id, or
 * `missing()` and undefined. Nothing to look up without the org or the name (reported already).
 */
export function inRowOrg(
  known: ReadonlyMap<string, string>,
  org: { id: string } | undefined,
  name: string | undefined,
  missing: () => void,
): string | undefined {
  if (!org || !name) return undefined;
  const id = known.get(`${org.id}|${name}`);
  if (id === undefined) missing();
  return id;
}

/** What `validateOrgRows` hands a row check besides the row: its org, and lookups in that org. */
export interface RowOrg {
  /** The row's org when the caller may import into it; otherwise undefined (the row failed on `org_code`). */
  org: { id: string } | undefined;
  /** `inRowOrg` in the row's org: the id `name` has there, or `missing()` and undefined. */
  inOrg(known: ReadonlyMap<string, string>, name: string | undefined, missing: () => void): string | undefined;
}

/**
 * `validateRows` for a sheet whose rows name their org in `org_code` (every import of the pipeline):
 * each row's org is read once, by `orgOfRow(orgs, what)` (a refused org fails the row on
 * `org_code`), before the import's own check runs with it; `unique` as for `validateRows`.
 */
export function validateOrgRows<S extends ImportSpec, Valid>(
  spec: S,
  rows: readonly RawRow[],
  how: { orgs: ImportOrgs; what: string; unique?: Uniqueness },
  check: (...args: [...Parameters<RowCheck<S, Valid>>, RowOrg]) => ReturnType<RowCheck<S, Valid>>,
): ValidationResult<Valid> {
  if (!keysOf(spec).includes('org_code')) throw new Error(`the sheet "${spec.sheet}" has no org_code column`);
  const orgOf = orgOfRow(how.orgs, how.what);
  const withOrg: RowCheck<S, Valid> = (cells, raw, fail) => {
    // The spec has an org_code column (checked above): its cell and its failure are the org's.
    const org = orgOf((cells as { org_code?: string }).org_code, raw, fail as (column: 'org_code', reason: string) => void);
    return check(cells, raw, fail, { org, inOrg: (known, name, missing) => inRowOrg(known, org, name, missing) });
  };
  return validateRows(spec, rows, withOrg, how.unique);
}
