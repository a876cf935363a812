/**
 * A minimal, deterministic YAML emitter for JSON-compatible values (block style).
 *
 * Hand-rolled so the contract needs no YAML dependency. It emits a strict subset of YAML 1.2 that
 * every YAML parser reads back to the same JSON value:
 *   - strings are plain only when they cannot be mistaken for anything else (letters, digits and a
 *     few safe punctuation marks, not starting with a digit or an indicator, not a YAML 1.1
 *     boolean/null word); everything else is a JSON-style double-quoted string, which is valid YAML;
 *   - numbers, booleans and null are written as in JSON;
 *   - empty objects/arrays are written inline as {} / [].
 */
import type { JsonValue } from '../canonical-json.js';

const PLAIN_SAFE = /^[A-Za-z_$/][A-Za-z0-9_$./ -]*$/;
const RESERVED_WORDS = new Set(['true', 'false', 'yes', 'no', 'on', 'off', 'y', 'n', 'null', '~']);
/**
 * Digits, underscores and dots with an optional exponent: YAML 1.1 number patterns make every part
 * optional, so a 1.1 parser reads even "E0" or "_1" as a number (found by the property test).
 */
const NUMBER_LIKE = /^[-+]?[0-9_.]*([eE][-+]?[0-9_]+)?$/;

function isPlainSafe(text: string): boolean {
  return PLAIN_SAFE.test(text) && !text.endsWith(' ') && !RESERVED_WORDS.has(text.toLowerCase()) && !NUMBER_LIKE.test(text);
}

function scalar(value: null | boolean | number | string): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean' || typeof value === 'number') return JSON.stringify(value);
  return isPlainSafe(value) ? value : JSON.stringify(value);
}

function isEmptyCollection(value: JsonValue): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

function isCollection(value: JsonValue): value is JsonValue[] | { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null;
}

function inline(value: JsonValue): string {
  if (Array.isArray(value)) return '[]';
  if (isCollection(value)) return '{}';
  return scalar(value);
}

/** Lines of a collection, without indentation of its own. */
function blockLines(value: JsonValue[] | { [key: string]: JsonValue }): string[] {
  const lines: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item) && !isEmptyCollection(item)) {
        const [first = '', ...rest] = blockLines(item);
        lines.push(`- ${first}`, ...rest.map((line) => `  ${line}`));
      } else {
        lines.push(`- ${inline(item)}`);
      }
    }
    return lines;
  }
  for (const [key, child] of Object.entries(value)) {
    const renderedKey = scalar(key);
    if (isCollection(child) && !isEmptyCollection(child)) {
      lines.push(`${renderedKey}:`, ...blockLines(child).map((line) => `  ${line}`));
    } else {
      lines.push(`${renderedKey}: ${inline(child)}`);
    }
  }
  return lines;
}

export function toYaml(value: JsonValue): string {
  if (!isCollection(value) || isEmptyCollection(value)) return `${inline(value)}\n`;
  return `${blockLines(value).join('\n')}\n`;
}
