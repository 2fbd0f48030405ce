// How our pool turns PostgreSQL's text values into JavaScript: pg's own
// parsers (pg-types), with a faster path for the three types every page of
// messages carries per row — int8 (ids), timestamptz (times) and text[]
// (contact tags). pg-types runs a regular expression per int8 only to return
// the same string, parses each timestamp with three regular expressions and
// a Date set twice, and each text[] with a character-by-character parser:
// about 5 % of the server's CPU on the peer benchmark's page of 50 messages
// (bench/results/profile-read.md). Each fast path takes only the common
// shape and gives exactly what pg-types gives (test/unit/row-types.test.ts
// compares them on generated values); anything else goes to pg-types.
// Prisma's adapter parses its own queries with its own parsers: this is for
// the read path's `pool.query`.
import pg from 'pg';

type Parser = (value: string) => unknown;

/** int8: pg-types returns the text as is (a string, exact beyond 2^53). */
const int8: Parser = (value) => value;

const builtin = (oid: number): Parser => pg.types.getTypeParser(oid, 'text') as Parser;
const pgTimestamptz = builtin(1184);
const pgTextArray = builtin(1009);

// "2024-01-01 12:00:00.123456+08", "+05:30", "-03": PostgreSQL's ISO
// DateStyle output of a timestamptz in any session zone, years 1000–9999 AD,
// read character by character (a regular expression's match array per value
// was 25 KiB of garbage per page of 50 messages).

/** The decimal number of `length` digits at `at`, or -1 if one of them is not a digit. */
function digits(value: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** timestamptz: as postgres-date (its arithmetic, fraction included), for the common shape. */
export const timestamptz: Parser = (value) => {
  const n = value.length;
  if (n < 22 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45 || value.charCodeAt(10) !== 32 || value.charCodeAt(13) !== 58 || value.charCodeAt(16) !== 58) return pgTimestamptz(value);
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  const hour = digits(value, 11, 2);
  const minute = digits(value, 14, 2);
  const second = digits(value, 17, 2);
  if (year < 1000 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return pgTimestamptz(value);
  let i = 19;
  let ms = 0;
  if (value.charCodeAt(i) === 46 /* . */) {
    let j = i + 1;
    while (j < n && j - i <= 6 && value.charCodeAt(j) >= 48 && value.charCodeAt(j) <= 57) j++;
    if (j === i + 1) return pgTimestamptz(value);
    ms = 1000 * parseFloat(value.slice(i, j)); // as postgres-date: its rounding, to the same millisecond
    i = j;
  }
  const sign = value.charCodeAt(i);
  if ((sign !== 43 /* + */ && sign !== 45) /* - */ || (n !== i + 3 && n !== i + 6)) return pgTimestamptz(value);
  const offsetHours = digits(value, i + 1, 2);
  const offsetMinutes = n === i + 6 ? (value.charCodeAt(i + 3) === 58 ? digits(value, i + 4, 2) : -1) : 0;
  if (offsetHours < 0 || offsetMinutes < 0) return pgTimestamptz(value);
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return new Date(sign === 43 ? utc - offset : utc + offset);
};

/**
 * text[]: a one-dimensional array none of whose elements PostgreSQL had to
 * quote (no quote or backslash in the text) is its elements split on commas,
 * NULL being null; anything else (quoted elements, several dimensions,
 * explicit bounds) goes to pg-types.
 */
export const textArray: Parser = (value) => {
  if (value === '{}') return [];
  if (value.charCodeAt(0) !== 123 /* { */ || value.charCodeAt(1) === 123 || value.includes('"') || value.includes('\\')) return pgTextArray(value);
  const items: (string | null)[] = value.slice(1, -1).split(',');
  for (let i = 0; i < items.length; i++) if (items[i] === 'NULL') items[i] = null;
  return items;
};

/** The pool's `types`: the fast paths above, pg-types for everything else. */
export const rowTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): Parser {
    if (format !== 'binary') {
      if (oid === 20) return int8;
      if (oid === 1184) return timestamptz;
      if (oid === 1009) return textArray;
    }
    return pg.types.getTypeParser(oid, format as 'text') as Parser;
  },
};

// pg's Result.addFields (pg 8.23.1), run once per query result, builds its row
// template as `Object.create(null)` filled field by field: a dictionary-mode
// object, which the following `{ ...row }` copies on V8's slow path — 3 µs
// for a page's 14 columns, 7 µs for 30 (tmp bench: 0.4 and 0.8 µs with a
// plain literal), about 4 % of the server's CPU on a contact's profile. The
// same template as a plain object literal gives rows with the same own
// properties, in the same order, with the same values (each row is a spread
// of the template either way). A field named `__proto__` would set a plain
// object's prototype instead of making an own property: such results keep
// pg's own addFields. test/unit/row-types.test.ts compares the two on
// generated field lists, and pins pg's version so that an upgrade rechecks it.
type Field = { name: string; dataTypeID: number; format?: string };
interface PgResult {
  fields: Field[];
  _parsers: Parser[];
  _types?: { getTypeParser(oid: number, format?: string): Parser };
  _prebuiltEmptyResultObject: Record<string, null> | null;
  addFields(fields: Field[]): void;
}
const resultPrototype = (pg as unknown as { Result: { prototype: PgResult } }).Result.prototype;
export const pgAddFields = resultPrototype.addFields;

function addFields(this: PgResult, descriptions: Field[]): void {
  for (let i = 0; i < descriptions.length; i++) if (descriptions[i]!.name === '__proto__') return pgAddFields.call(this, descriptions);
  this.fields = descriptions;
  if (descriptions.length) this._parsers = new Array(descriptions.length);
  const types = this._types ?? pg.types;
  const row: Record<string, null> = {};
  for (let i = 0; i < descriptions.length; i++) {
    const desc = descriptions[i]!;
    row[desc.name] = null;
    this._parsers[i] = types.getTypeParser(desc.dataTypeID, (desc.format || 'text') as 'text') as Parser;
  }
  this._prebuiltEmptyResultObject = row;
}

/** Installed when this module loads (the pool imports it), for every pg result in the process. */
resultPrototype.addFields = addFields;
