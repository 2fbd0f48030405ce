// JSON from the Java side carries Longs beyond 2^53 (userProfile.id is
// 8423922419416375296 in the seed); JSON.parse would silently round them. This
// parser keeps every integer exact: safe ones as numbers, larger ones as bigint.
import { parse, stringify } from 'lossless-json';

/** A parsed JSON value; integers beyond Number.MAX_SAFE_INTEGER are bigint. */
export type LosslessJsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | LosslessJsonValue[]
  | { [key: string]: LosslessJsonValue };

const INTEGER = /^-?\d+$/;

/**
 * Integers of more digits than this are no id of any kind (a Java Long has 19):
 * they are read as doubles (inexact, or ±Infinity), which every id check
 * refuses. Converting one of millions of digits to a bigint (and back to text
 * for a message) would take seconds of CPU per request.
 */
export const MAX_EXACT_INTEGER_DIGITS = 40;

// Integers stay numbers while exact, else become bigint; anything with a
// fraction or exponent is a double in Java too, so a JS number loses nothing.
function parseNumber(text: string): number | bigint {
  if (INTEGER.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
    return text.length - (text.startsWith('-') ? 1 : 0) > MAX_EXACT_INTEGER_DIGITS ? n : BigInt(text);
  }
  return Number(text);
}

/**
 * Parses JSON keeping big integers exact. Throws SyntaxError with the position
 * of the problem ("… at position 5") on malformed JSON; a repeated key keeps the
 * last value, as JSON.parse and Java's Jackson do.
 */
export function parseJsonLossless(text: string): LosslessJsonValue {
  return parse(text, null, {
    parseNumber,
    onDuplicateKey: ({ newValue }) => newValue,
  }) as LosslessJsonValue;
}

const DECIMAL = /^-?\d+$/;

/**
 * The exact decimal string of an integer id: a safe-integer number, a bigint, or a
 * string of digits (optional leading '-', canonicalised: "007" → "7", "-0" → "0");
 * null for anything else (fractions, unsafe numbers that may already be rounded, text).
 */
export function toExactDecimalString(value: unknown): string | null {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : null;
  if (typeof value === 'string' && DECIMAL.test(value)) {
    // Canonical digits without BigInt (linear, whatever the length): "007" → "7", "-0" → "0".
    const negative = value.startsWith('-');
    const digits = value.slice(negative ? 1 : 0).replace(/^0+(?=\d)/, '');
    return negative && digits !== '0' ? `-${digits}` : digits;
  }
  return null;
}

/** JSON text of a value, writing bigints as bare JSON numbers (JSON.stringify throws on them). */
export function stringifyJson(value: unknown, space?: number | string): string {
  // lossless-json returns undefined only for a top-level undefined or function, like JSON.stringify.
  return stringify(value, null, space) ?? 'null';
}
