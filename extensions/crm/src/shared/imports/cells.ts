/**
 * The cells the imports share (payments, list prices, customer price agreements): one schema per
 * kind of cell, so every import reads a code, a choice, an amount or a day the same way and says
 * the same when it cannot. Pure: zod and the one decimal module. Cells come in as the text
 * `cellText` made of them (trimmed; a number as the decimal it shows), or null when empty.
 */
import { z } from 'zod';
import { isPositiveDecimal, roundDecimal } from '@crm/contract/decimal';

/** Text; an empty cell is refused. */
export const required = z.string({ error: 'is required' });

/** Text as typed, trimmed. */
export const text = required.transform((value) => value.trim());

/** A code (org, quality, a customer's tax number where it is not case sensitive): upper case. */
export const code = required.transform((value) => value.trim().toUpperCase());

/** Optional text of at most `max` characters; null when empty. */
export const optionalText = (max: number) => z.string().max(max, `must be at most ${max} characters`).nullable();

/** One of `values`, in any case; read as the values are written (`letters`). */
export function choice<V extends string>(values: readonly V[], letters: 'upper' | 'lower') {
  const normal = (value: string) => (letters === 'upper' ? value.toUpperCase() : value.toLowerCase());
  return required
    .refine((value) => (values as readonly string[]).includes(normal(value)), {
      error: (issue) => `"${String(issue.input)}" must be one of ${values.join(', ')}`,
    })
    .transform((value) => normal(value) as V);
}

const AMOUNT = /^\d{1,10}(\.\d{1,4})?$/;

/**
 * A positive amount (money, a price per meter) with at most 10 integer and 4 fraction digits, never
 * a float: normalised to numeric(14,4)'s 4 fraction digits. `example` ends the reason of a refusal.
 */
export function amount(example?: string) {
  const rule = `must be a positive decimal with at most 10 integer and 4 fraction digits${example ? `, e.g. ${example}` : ''}`;
  return required
    .refine((value) => AMOUNT.test(value) && isPositiveDecimal(value), { error: (issue) => `"${String(issue.input)}" ${rule}` })
    .transform((value) => roundDecimal(value, 4));
}

/** Whether `day` is YYYY-MM-DD and a day of the calendar (2026-02-30 is not). */
export function isCalendarDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
}
