/**
 * Cross-field rules shared by several payloads. They run in zod refinements; since refinements do
 * not appear in JSON Schema, each rule is also stated in the description of the field it guards.
 */
import type { z } from 'zod';
import { orgOfCode } from '../primitives.js';

type RefinementContext = z.core.$RefinementCtx;
type Path = (string | number)[];

/** Deal codes, PO numbers and proforma codes start with their org; a mismatch is a mis-scoped row. */
export function requireCodeOfOrg(ctx: RefinementContext, code: string, org: string, path: Path): void {
  if (orgOfCode(code) !== org) {
    ctx.addIssue({ code: 'custom', path, message: `${code} does not belong to org ${org}` });
  }
}

/** Rejects duplicates in a list, naming the position of the second occurrence. */
export function requireUnique<T>(
  ctx: RefinementContext,
  items: readonly T[],
  identity: (item: T) => string,
  path: Path,
  what: string,
): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const id = identity(item);
    if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [...path, index], message: `duplicate ${what} ${id}` });
    seen.add(id);
  });
}
