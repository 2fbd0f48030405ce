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
 *
 * Webhook bodies are tens of kilobytes, one per request: the JavaScript parser
 * of lossless-json took 18 µs per message. So one pass over the text first
 * finds the integers of 16 digits or more outside strings (the only ones that
 * may be beyond 2^53); JSON.parse then reads the text, those integers quoted
 * with a NUL mark that a reviver turns back into what parseNumber makes of
 * them (none: no reviver at all). Malformed text, a string that already
 * holds a NUL, or a document nested deeper than MAX_FAST_DEPTH goes to
 * lossless-json as before (its error positions, its depth limit).
 */
export function parseJsonLossless(text: string): LosslessJsonValue {
  const big = bigIntegerTokens(text);
  if (big) {
    try {
      if (big.length === 0) return JSON.parse(text) as LosslessJsonValue;
      const value = JSON.parse(markTokens(text, big)) as LosslessJsonValue;
      if (typeof value === 'string') return unmark(value);
      restoreMarked(value, big.length / 2);
      return value;
    } catch {
      // Malformed: the lossless parser says where.
    }
  }
  return parse(text, null, {
    parseNumber,
    onDuplicateKey: ({ newValue }) => newValue,
  }) as LosslessJsonValue;
}

/** Deeper documents go to lossless-json, whose recursion limit the callers already report ("nested too deeply"). */
const MAX_FAST_DEPTH = 256;
const SAFE_DIGITS = 15;
const NUL_MARK = '\\u0000';

/**
 * Start and end offsets of the integer tokens of more than 15 digits outside
 * strings ([] when there are none), or null when the fast path must not be
 * taken: a string holds an escaped NUL (it could pass for a mark) or the
 * document nests deeper than MAX_FAST_DEPTH. Malformed text is not detected
 * here: JSON.parse refuses it.
 */
export function bigIntegerTokens(text: string): number[] | null {
  const tokens: number[] = [];
  let depth = 0;
  const n = text.length;
  // Strings are most of a webhook body: their ends are found with indexOf
  // (native, fast), keeping the first backslash at or after the scan.
  let backslash = text.indexOf('\\');
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote < 0) {
          i = n; // unterminated: JSON.parse refuses it
          break;
        }
        if (backslash !== -1 && backslash < from) backslash = text.indexOf('\\', from);
        if (backslash === -1 || backslash > quote) {
          i = quote;
          break;
        }
        // An escape before the quote: skip the escaped character (it may be a quote).
        if (text.startsWith('u0000', backslash + 1)) return null;
        from = backslash + 2;
        backslash = text.indexOf('\\', from);
      }
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > MAX_FAST_DEPTH) return null;
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
    } else if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      const start = i;
      if (c === 45) i++;
      const digitsFrom = i;
      while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
      const next = i < n ? text.charCodeAt(i) : 0;
      const integer = next !== 46 /* . */ && next !== 101 /* e */ && next !== 69 /* E */;
      // A leading zero makes it malformed: left unmarked, JSON.parse refuses it.
      if (integer && i - digitsFrom > SAFE_DIGITS && text.charCodeAt(digitsFrom) !== 48) tokens.push(start, i);
      i--;
    }
  }
  return tokens;
}

function markTokens(text: string, tokens: number[]): string {
  let out = '';
  let from = 0;
  for (let k = 0; k < tokens.length; k += 2) {
    out += `${text.slice(from, tokens[k])}"${NUL_MARK}${text.slice(tokens[k], tokens[k + 1])}"`;
    from = tokens[k + 1]!;
  }
  return out + text.slice(from);
}

function unmark(value: string): LosslessJsonValue {
  return value.charCodeAt(0) === 0 ? parseNumber(value.slice(1)) : value;
}

/** Turns the marked strings of a parsed document back into numbers, in place; stops once `count` were found. Returns how many are left. */
function restoreMarked(node: LosslessJsonValue, count: number): number {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length && count > 0; i++) {
      const v = node[i]!;
      if (typeof v === 'string') {
        if (v.charCodeAt(0) === 0) (node[i] = unmark(v)), count--;
      } else if (v !== null && typeof v === 'object') count = restoreMarked(v, count);
    }
  } else if (node !== null && typeof node === 'object') {
    for (const key in node) {
      if (count === 0) break;
      const v = node[key]!;
      if (typeof v === 'string') {
        if (v.charCodeAt(0) === 0) {
          // defineProperty: an assignment to "__proto__" would set the prototype, not the own key JSON.parse made.
          Object.defineProperty(node, key, { value: unmark(v), writable: true, enumerable: true, configurable: true });
          count--;
        }
      } else if (v !== null && typeof v === 'object') count = restoreMarked(v, count);
    }
  }
  return count;
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
