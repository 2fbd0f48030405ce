// The pool's fast parsers (src/db/row-types.ts) give exactly what pg-types
// gives, on values written the way PostgreSQL writes them (ISO DateStyle,
// any session zone; arrays quoted where PostgreSQL quotes) and on shapes
// they leave to pg-types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import pg from 'pg';
import { pgAddFields, rowTypes, textArray, timestamptz } from '../../src/db/row-types.ts';
import { createRequire } from 'node:module';

const pgTimestamptz = pg.types.getTypeParser(1184, 'text') as (v: string) => Date | number | null;
const pgTextArray = (pg.types.getTypeParser as (oid: number, format: 'text') => (v: string) => unknown)(1009, 'text');

const same = (a: unknown, b: unknown) => {
  if (a instanceof Date && b instanceof Date) return Object.is(a.getTime(), b.getTime());
  return JSON.stringify(a) === JSON.stringify(b);
};

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** A timestamptz as PostgreSQL prints it: fraction without trailing zeros, offset as +HH, +HH:MM or +HH:MM:SS. */
const printedTimestamptz = fc
  .record({
    year: fc.oneof(fc.integer({ min: 1000, max: 9999 }), fc.integer({ min: 1, max: 999 })),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    micros: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: 0, max: 999 }).map((ms) => ms * 1000)),
    sign: fc.constantFrom('+', '-'),
    offsetHours: fc.integer({ min: 0, max: 15 }),
    offsetMinutes: fc.constantFrom(0, 0, 30, 45),
    offsetSeconds: fc.constantFrom(0, 0, 0, 17),
    bc: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  })
  .map((t) => {
    const fraction = t.micros ? `.${pad(t.micros, 6)}`.replace(/0+$/, '') : '';
    let offset = `${t.sign}${pad(t.offsetHours, 2)}`;
    if (t.offsetMinutes || t.offsetSeconds) offset += `:${pad(t.offsetMinutes, 2)}`;
    if (t.offsetSeconds) offset += `:${pad(t.offsetSeconds, 2)}`;
    return `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)} ${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}${fraction}${offset}${t.bc ? ' BC' : ''}`;
  });

test('timestamptz: the same instant as pg-types for every value PostgreSQL prints', () => {
  fc.assert(
    fc.property(printedTimestamptz, (s) => {
      assert.ok(same(timestamptz(s), pgTimestamptz(s)), `${s}: ${String(timestamptz(s))} vs ${String(pgTimestamptz(s))}`);
    }),
    { numRuns: 20_000 },
  );
  for (const s of ['infinity', '-infinity', '2024-01-01 00:00:00+00', '2024-02-29 23:59:59.999999+14', '1970-01-01 00:00:00.5-00:30', '0099-01-01 00:00:00+00', '2024-01-01 00:00:00.1+08', '2024-01-01 00:00:00.29+00']) {
    assert.ok(same(timestamptz(s), pgTimestamptz(s)), s);
  }
});

/** An element as PostgreSQL writes it in a text[]: quoted when it must be. */
const element = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('NULL', 'null', '测试', '意向客户', 'a b', 'a,b', '{x}', 'x"y', 'back\\slash', '', ' ', 'tag-1'),
);
function printedArray(items: readonly (string | null)[]): string {
  const quote = (s: string) => (s === '' || /[{}",\\\s]/.test(s) || s.toUpperCase() === 'NULL' ? `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"` : s);
  return `{${items.map((e) => (e === null ? 'NULL' : quote(e))).join(',')}}`;
}

test('text[]: the same array as pg-types for every array PostgreSQL prints', () => {
  fc.assert(
    fc.property(fc.array(element, { maxLength: 6 }), (items) => {
      const s = printedArray(items);
      assert.deepEqual(textArray(s), pgTextArray(s), s);
      assert.deepEqual(textArray(s), items, s);
    }),
    { numRuns: 20_000 },
  );
  for (const s of ['{}', '{{a,b},{c,d}}', '[0:1]={a,b}', '{NULL}', '{"NULL"}', '{a}']) assert.deepEqual(textArray(s), pgTextArray(s), s);
});

test('rowTypes: int8 stays the exact string; other types are pg-types parsers', () => {
  const int8 = rowTypes.getTypeParser(20);
  for (const s of ['0', '9007199254740993', '-9223372036854775808']) assert.equal(int8(s), (pg.types.getTypeParser(20, 'text') as (v: string) => unknown)(s));
  assert.equal(rowTypes.getTypeParser(23), pg.types.getTypeParser(23, 'text'));
  assert.equal(rowTypes.getTypeParser(3802), pg.types.getTypeParser(3802, 'text'));
  assert.equal(rowTypes.getTypeParser(20, 'binary'), pg.types.getTypeParser(20, 'binary'));
});

// pg's Result.addFields replaced by one making a plain row template (see
// src/db/row-types.ts): rows must come out as pg's own would, property for
// property, for any field list PostgreSQL can describe.
type ResultLike = { addFields(f: unknown[]): void; parseRow(values: (string | null)[]): Record<string, unknown>; fields: unknown[] };
const Result = (pg as unknown as { Result: new (rowMode?: string, types?: unknown) => ResultLike }).Result;
const fieldName = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '0', '1', '10', '-1', '01', 'contact.id', 'contact.tags', 'id', ''),
);
test('row template: rows identical to pg\'s own addFields for generated field lists', () => {
  assert.equal(createRequire(import.meta.url)('pg/package.json').version, '8.23.1', 'pg upgraded: check that Result.addFields/parseRow are as src/db/row-types.ts assumes, then update this pin');
  fc.assert(
    fc.property(
      fc.array(fc.record({ name: fieldName, dataTypeID: fc.constantFrom(20, 25, 23, 1184, 1009, 3802, 16), value: fc.option(fc.constantFrom('1', 't', '{a,b}', '{"x":1}', '2024-01-01 12:00:00+08', 'text'), { nil: null }) }), { maxLength: 12 }),
      (cols) => {
        const fields = cols.map((c) => ({ name: c.name, dataTypeID: c.dataTypeID === 3802 || c.dataTypeID === 16 || c.dataTypeID === 23 ? 25 : c.dataTypeID, format: 'text' }));
        const values = cols.map((c, i) => (fields[i]!.dataTypeID === 1184 ? (c.value === null ? null : '2024-01-01 12:00:00.5+08') : fields[i]!.dataTypeID === 1009 ? (c.value === null ? null : '{a,"b c"}') : c.value));
        const ours = new Result(undefined, rowTypes);
        ours.addFields(fields);
        const theirs = new Result(undefined, rowTypes);
        pgAddFields.call(theirs as never, fields as never);
        for (let k = 0; k < 2; k++) {
          const a = ours.parseRow(values);
          const b = theirs.parseRow(values);
          assert.equal(Object.getPrototypeOf(a), Object.getPrototypeOf(b));
          assert.deepEqual(Reflect.ownKeys(a), Reflect.ownKeys(b));
          for (const key of Reflect.ownKeys(b)) assert.deepEqual(Object.getOwnPropertyDescriptor(a, key), Object.getOwnPropertyDescriptor(b, key), String(key));
        }
        assert.equal(Result.prototype.addFields === pgAddFields, false);
      },
    ),
    { numRuns: 5_000 },
  );
});
