/**
 * Shared value schemas of contract v1.0.23.
 *
 * Every schema here is a plain zod schema without transforms, so that it converts 1:1 into JSON
 * Schema (generated/json-schema). Cross-field rules (refinements) do not survive that conversion;
 * each one is therefore also spelled out in the field's description, which the catalogue prints.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Organisations and currencies
// ---------------------------------------------------------------------------------------------

/**
 * The two sister companies. Deliberately an enum and not "any three uppercase letters": an unknown
 * org code reaching the CRM would be a row that no org grant (RLS) covers. Adding an org is a
 * contract change on both sides, so it goes through a contract version bump.
 */
export const ORG_CODES = ['MOD', 'JTR'] as const;
export type OrgCode = (typeof ORG_CODES)[number];
export const OrgCode = z.enum(ORG_CODES).describe('Org code of a sister company: three uppercase letters, one of MOD, JTR.');

export const CURRENCIES = ['TRY', 'USD', 'EUR'] as const;
export type Currency = (typeof CURRENCIES)[number];
export const Currency = z.enum(CURRENCIES).describe('ISO 4217 currency code: TRY, USD or EUR.');

// ---------------------------------------------------------------------------------------------
// Decimal strings: money and meters never travel as JSON numbers
// ---------------------------------------------------------------------------------------------

/**
 * Unsigned decimal string with bounded integer digits and bounded scale. No sign, no exponent, no
 * leading zeros ("007"), no trailing dot ("5."), no leading dot (".5"); trailing fraction zeros are
 * allowed ("1250.50") because amounts are customarily written with their full scale.
 */
export function decimalPattern(maxIntegerDigits: number, maxScale: number): RegExp {
  return new RegExp(`^(?:0|[1-9][0-9]{0,${maxIntegerDigits - 1}})(?:\\.[0-9]{1,${maxScale}})?$`);
}

/** A string matching `pattern`, described for the catalogue and the JSON Schema. */
function patterned(pattern: RegExp, description: string) {
  return z.string().regex(pattern).describe(description);
}

/** Meters: centimetre precision is the finest a roll is measured to. Up to 999,999,999.99 m. */
export const METERS_SCALE = 2;
export const METERS_PATTERN = decimalPattern(9, METERS_SCALE);
export const Meters = patterned(
  METERS_PATTERN,
  'Length in meters as a decimal string, at most 2 decimals, e.g. "1250.50". Never a JSON number.',
);

/** Money amounts (totals, invoice values): two decimals, up to 15 integer digits. */
export const MONEY_SCALE = 2;
export const MONEY_AMOUNT_PATTERN = decimalPattern(15, MONEY_SCALE);
export const MoneyAmount = patterned(
  MONEY_AMOUNT_PATTERN,
  'Money amount as a decimal string, at most 2 decimals, e.g. "1250.50". Never a JSON number.',
);

/**
 * Unit costs (e.g. weighted average cost per meter) need more precision than totals, otherwise
 * multiplying a rounded unit cost by thousands of meters drifts from the booked total.
 */
export const UNIT_COST_SCALE = 4;
export const UNIT_COST_PATTERN = decimalPattern(12, UNIT_COST_SCALE);
export const UnitCost = patterned(
  UNIT_COST_PATTERN,
  'Unit cost as a decimal string, at most 4 decimals, e.g. "84.1250". Never a JSON number.',
);

export const Money = z
  .strictObject({ amount: MoneyAmount, currency: Currency })
  .describe('An amount together with its currency; amounts of different currencies are never summed.');

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

/**
 * ISO-8601 UTC instant with a literal "Z" and at most millisecond precision. Offsets such as
 * "+03:00" are refused on purpose: both systems compare timestamps as strings in logs and in the
 * signature freshness check, which only works if there is one spelling per instant.
 */
export const UTC_DATETIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

function isRealUtcInstant(value: string): boolean {
  const [datePart = '', timePart = ''] = value.slice(0, 19).split('T');
  return isRealCalendarDate(datePart) && isRealClockTime(timePart);
}

function isRealClockTime(value: string): boolean {
  const [hours = NaN, minutes = NaN, seconds = NaN] = value.split(':').map(Number);
  return hours <= 23 && minutes <= 59 && seconds <= 59; // no leap seconds: JS Date cannot hold them
}

export const ISO_DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

function isRealCalendarDate(value: string): boolean {
  const [year = NaN, month = NaN, day = NaN] = value.split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC silently rolls 2026-02-30 over to March; a round trip detects that.
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export const UtcDateTime = z
  .string()
  .regex(UTC_DATETIME_PATTERN)
  .refine(isRealUtcInstant, { message: 'not a real calendar instant' })
  .meta({ format: 'date-time' })
  .describe('UTC instant, ISO-8601 with "Z", at most milliseconds, e.g. "2026-01-30T09:15:00Z".');

export const IsoDate = z
  .string()
  .regex(ISO_DATE_PATTERN)
  .refine(isRealCalendarDate, { message: 'not a real calendar date' })
  .meta({ format: 'date' })
  .describe('Calendar date YYYY-MM-DD (no time zone: a business day), e.g. "2026-02-14".');

// ---------------------------------------------------------------------------------------------
// Business codes (stories 6-8): org-prefixed, non-sequential, Crockford base32
// ---------------------------------------------------------------------------------------------

/** Crockford base32: digits and uppercase letters without I, L, O, U (no look-alikes, no words). */
export const CROCKFORD_BASE32_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE8 = '[0-9A-HJKMNP-TV-Z]{8}';
const ORG3 = `(?:${ORG_CODES.join('|')})`;

export const DEAL_CODE_PATTERN = new RegExp(`^${ORG3}DL${CODE8}$`);
export const PO_NUMBER_PATTERN = new RegExp(`^${ORG3}PO${CODE8}$`);
/** The year is the proforma's issue year; 20YY keeps typos such as "0226" out. */
export const PROFORMA_CODE_PATTERN = new RegExp(`^${ORG3}20[0-9]{2}PI${CODE8}$`);

export const DealCode = patterned(DEAL_CODE_PATTERN, 'Deal code {ORG3}DL{CODE8}, CODE8 = 8 Crockford base32 chars, e.g. "MODDL7K3M9Q2A".');
export const PoNumber = patterned(PO_NUMBER_PATTERN, 'PO number {ORG3}PO{CODE8}, CODE8 = 8 Crockford base32 chars, e.g. "MODPO4X8Z1N6R".');
export const ProformaCode = patterned(PROFORMA_CODE_PATTERN, 'Proforma code {ORG3}{YYYY}PI{CODE8}, e.g. "JTR2026PI0F5C8W2H".');

/** The org a deal/PO/proforma code belongs to is its first three characters. */
export function orgOfCode(code: string): string {
  return code.slice(0, 3);
}

// ---------------------------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------------------------

/**
 * Identifiers minted by one system and quoted by the other (transaction batches, reservations,
 * deal lines, send-backs, ...). No dot and no colon: such ids become the `{id}` segment of an
 * idempotency key, and repeatable events append ".{sequence}" to them, which stays unambiguous
 * only if the id itself cannot contain a dot.
 */
export const ENTITY_ID_MAX_LENGTH = 40;
export const ENTITY_ID_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_-]{0,${ENTITY_ID_MAX_LENGTH - 1}}$`);
export function entityId(description: string) {
  return z.string().regex(ENTITY_ID_PATTERN).describe(`${description} 1-40 chars of [A-Za-z0-9_-].`);
}
export const EntityId = entityId('Opaque identifier minted by the sending system.');

/** Quality (fabric article) code as printed on labels, e.g. "SAT-120/B". Uppercase is canonical. */
export const QUALITY_CODE_PATTERN = /^[A-Z0-9][A-Z0-9._/-]{0,31}$/;
export const QualityCode = patterned(QUALITY_CODE_PATTERN, 'Fabric quality code, uppercase, 1-32 chars of [A-Z0-9._/-], e.g. "SAT-120/B".');

export const WAREHOUSE_CODE_PATTERN = /^[A-Z][A-Z0-9_-]{1,15}$/;
export const WarehouseCode = z.string().regex(WAREHOUSE_CODE_PATTERN).describe('WMS warehouse code, uppercase, 2-16 chars, e.g. "IST-01".');

/** Roll and lot ids come from supplier labels, which use slashes and dots, so they allow those. */
export const ROLL_OR_LOT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,47}$/;
export const RollId = z.string().regex(ROLL_OR_LOT_ID_PATTERN).describe('Roll id as labelled in the WMS, 1-48 chars of [A-Za-z0-9._/-].');
export const LotId = patterned(ROLL_OR_LOT_ID_PATTERN, 'Lot (dye lot) id as labelled in the WMS, 1-48 chars of [A-Za-z0-9._/-].');

// ---------------------------------------------------------------------------------------------
// Counters and text
// ---------------------------------------------------------------------------------------------

/**
 * Monotonic sequence within an ordering scope (story 83). A positive safe integer; gaps are
 * allowed, repeats and decreases are not.
 */
export const Sequence = z.int().min(1).describe('Positive safe integer, strictly increasing per ordering scope and sender; gaps allowed.');

export const Count = z.int().min(0).describe('Non-negative integer count.');

/** Free text that is neither empty nor padded; padding makes "same payload" comparisons flaky. */
export function boundedText(maxLength: number, description: string) {
  return z
    .string()
    .min(1)
    .max(maxLength)
    .regex(/^\S(?:[\s\S]*\S)?$/)
    .describe(`${description} 1-${maxLength} chars, no leading/trailing whitespace.`);
}

/** A person as the sending system names them (user code or display name), for audit trails. */
export const UserRef = boundedText(120, 'Person who acted, as recorded by the sending system (user code or name).');

export const COUNTRY_CODE_PATTERN = /^[A-Z]{2}$/;
export const CountryCode = z.string().regex(COUNTRY_CODE_PATTERN).describe('ISO 3166-1 alpha-2 country code, e.g. "TR".');

export const Url = z
  .string()
  .max(2048)
  .regex(/^https:\/\/[^\s]+$/)
  .describe('Absolute https URL, at most 2048 chars.');
