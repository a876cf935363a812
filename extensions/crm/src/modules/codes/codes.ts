/**
 * Business codes (stories 6–8): org-prefixed and never sequential, so a code says which org it
 * belongs to but nothing about how many others exist.
 *
 *   deal      {ORG3}DL{CODE8}          e.g. MODDL7K2M9QXR
 *   PO        {ORG3}PO{CODE8}          e.g. JTRPOA1B2C3D4
 *   proforma  {ORG3}{YYYY}PI{CODE8}    e.g. MOD2026PI0Z8Y7X6W
 *
 * CODE8 is eight symbols of Crockford's base32 alphabet (no I, L, O, U: nothing to misread on a
 * phone call or a printed proforma), drawn from a CSPRNG: 32^8 ≈ 1.1 × 10^12 codes per org and
 * kind. Uniqueness is still enforced by the database; `generateUniqueCode` retries on collision.
 *
 * Pure: no I/O. The random source is injectable so tests can force collisions.
 */
import { randomInt } from 'node:crypto';

export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE8_PATTERN = '[0-9A-HJKMNP-TV-Z]{8}';

export type CodeKind = 'deal' | 'po' | 'proforma';

/** Returns an integer in [0, 32). Must be cryptographically secure in production. */
export type RandomSymbol = () => number;

export const secureRandomSymbol: RandomSymbol = () => randomInt(0, 32);

const ORG3 = /^[A-Z]{3}$/;

export const CODE_PATTERNS: Record<CodeKind, RegExp> = {
  deal: new RegExp(`^([A-Z]{3})DL(${CODE8_PATTERN})$`),
  po: new RegExp(`^([A-Z]{3})PO(${CODE8_PATTERN})$`),
  proforma: new RegExp(`^([A-Z]{3})(\\d{4})PI(${CODE8_PATTERN})$`),
};

export function generateCode8(random: RandomSymbol = secureRandomSymbol): string {
  let code = '';
  for (let i = 0; i < 8; i++) {
    const symbol = random();
    if (!Number.isInteger(symbol) || symbol < 0 || symbol >= 32) {
      throw new RangeError(`random symbol out of range: ${symbol}`);
    }
    code += CROCKFORD_ALPHABET[symbol];
  }
  return code;
}

export interface CodeParts {
  org: string;
  /** Required for proformas: the year of issue. */
  year?: number;
}

export function formatCode(kind: CodeKind, parts: CodeParts, code8: string): string {
  if (!ORG3.test(parts.org)) throw new RangeError(`org code must be three upper-case letters, got "${parts.org}"`);
  if (!new RegExp(`^${CODE8_PATTERN}$`).test(code8)) throw new RangeError(`not a CODE8: "${code8}"`);
  switch (kind) {
    case 'deal':
      return `${parts.org}DL${code8}`;
    case 'po':
      return `${parts.org}PO${code8}`;
    case 'proforma': {
      const year = parts.year;
      if (year === undefined || !Number.isInteger(year) || year < 2000 || year > 9999) {
        throw new RangeError(`a proforma code needs a four-digit year, got ${year}`);
      }
      return `${parts.org}${year}PI${code8}`;
    }
  }
}

export interface ParsedCode {
  kind: CodeKind;
  org: string;
  year?: number;
  code8: string;
}

export function parseCode(value: string): ParsedCode | null {
  const deal = CODE_PATTERNS.deal.exec(value);
  if (deal) return { kind: 'deal', org: deal[1]!, code8: deal[2]! };
  const po = CODE_PATTERNS.po.exec(value);
  if (po) return { kind: 'po', org: po[1]!, code8: po[2]! };
  const proforma = CODE_PATTERNS.proforma.exec(value);
  if (proforma) return { kind: 'proforma', org: proforma[1]!, year: Number(proforma[2]), code8: proforma[3]! };
  return null;
}

export class CodeSpaceExhaustedError extends Error {
  override name = 'CodeSpaceExhaustedError';
}

/**
 * Draws codes until `isTaken` says one is free. With a CSPRNG the first draw is free with
 * overwhelming probability; the loop exists for the rare collision and is bounded so that a
 * broken random source fails loudly instead of spinning.
 */
export async function generateUniqueCode(
  kind: CodeKind,
  parts: CodeParts,
  isTaken: (code: string) => Promise<boolean>,
  options: { random?: RandomSymbol; maxAttempts?: number } = {},
): Promise<string> {
  const maxAttempts = options.maxAttempts ?? 8;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const code = formatCode(kind, parts, generateCode8(options.random));
    if (!(await isTaken(code))) return code;
  }
  throw new CodeSpaceExhaustedError(`no free ${kind} code after ${maxAttempts} attempts`);
}
