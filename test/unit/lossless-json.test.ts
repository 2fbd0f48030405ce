import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'lossless-json';
import { bigIntegerTokens, parseJsonLossless, stringifyJson, toExactDecimalString } from '../../src/domain/lossless-json.ts';

/** The reference: lossless-json alone, with the same number rule (safe integers as numbers, bigint beyond, doubles otherwise). */
function parseWithLosslessJson(text: string): unknown {
  return parse(text, null, {
    parseNumber: (t: string) => (/^-?\d+$/.test(t) && !Number.isSafeInteger(Number(t)) ? (t.replace('-', '').length > 40 ? Number(t) : BigInt(t)) : Number(t)),
    onDuplicateKey: ({ newValue }: { newValue: unknown }) => newValue,
  });
}

test('the seed userProfile.id survives exactly as a bigint', () => {
  const v = parseJsonLossless('{"userProfile":{"id":8423922419416375296,"name":"好友1"},"tenantId":1238}');
  assert.deepEqual(v, { userProfile: { id: 8423922419416375296n, name: '好友1' }, tenantId: 1238 });
  assert.equal(JSON.parse('8423922419416375296'), 8423922419416375000, 'what JSON.parse would have done');
});

test('integers: numbers while safe, bigint beyond', () => {
  assert.equal(parseJsonLossless('9007199254740991'), 9007199254740991);
  assert.equal(parseJsonLossless('-9007199254740991'), -9007199254740991);
  assert.equal(parseJsonLossless('9007199254740992'), 9007199254740992n);
  assert.equal(parseJsonLossless('-9007199254740993'), -9007199254740993n);
  assert.equal(parseJsonLossless('123456789012345678901234567890'), 123456789012345678901234567890n);
  assert.equal(parseJsonLossless('0'), 0);
  assert.equal(parseJsonLossless('1667295870936'), 1667295870936);
  assert.equal(typeof parseJsonLossless('42'), 'number');
});

test('fractions and exponents are plain numbers', () => {
  assert.equal(parseJsonLossless('1.5'), 1.5);
  assert.equal(parseJsonLossless('-0.25'), -0.25);
  assert.equal(parseJsonLossless('1e3'), 1000);
  assert.equal(parseJsonLossless('2.5E-3'), 0.0025);
  assert.equal(parseJsonLossless('1.0'), 1);
});

test('everything else parses like JSON.parse', () => {
  const text = '{"a":[1,"x",true,false,null,{"b":""}],"多选":"[]","esc":"\\u00e9\\n\\"","empty":{}}';
  assert.deepEqual(parseJsonLossless(text), JSON.parse(text));
  assert.equal(parseJsonLossless('"再见"'), '再见');
  assert.equal(parseJsonLossless('null'), null);
  assert.deepEqual(parseJsonLossless(' [ ] '), []);
});

test('a repeated key keeps the last value, like JSON.parse', () => {
  assert.deepEqual(parseJsonLossless('{"a":1,"a":2}'), { a: 2 });
});

test('__proto__ is an ordinary key, not a prototype', () => {
  const v = parseJsonLossless('{"__proto__":{"polluted":1}}') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.deepEqual(Object.keys(v), ['__proto__']);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('malformed JSON throws SyntaxError saying where', () => {
  const cases: [string, RegExp][] = [
    ['', /position 0/],
    ['{"a":', /position 5/],
    ['{"a":1,}', /position 7/],
    ['[1 2]', /position 3/],
    ['{"a":1}{', /position 7/],
    ['nul', /position 0/],
    ['"abc', /position 4/],
    ["{'a':1}", /position 1/],
    ['01', /position 1/],
  ];
  for (const [text, where] of cases) {
    assert.throws(() => parseJsonLossless(text), (e: unknown) => e instanceof SyntaxError && where.test(e.message), text);
  }
});

test('toExactDecimalString', () => {
  assert.equal(toExactDecimalString(8423922419416375296n), '8423922419416375296');
  assert.equal(toExactDecimalString(-5n), '-5');
  assert.equal(toExactDecimalString(1238), '1238');
  assert.equal(toExactDecimalString(0), '0');
  assert.equal(toExactDecimalString(-0), '0');
  assert.equal(toExactDecimalString(-42), '-42');
  assert.equal(toExactDecimalString(Number.MAX_SAFE_INTEGER), '9007199254740991');
  assert.equal(toExactDecimalString('8423922419416375296'), '8423922419416375296');
  assert.equal(toExactDecimalString('-8423922419416375296'), '-8423922419416375296');
  assert.equal(toExactDecimalString('007'), '7');
  assert.equal(toExactDecimalString('-0'), '0');
  for (const bad of [
    1.5, NaN, Infinity, 2 ** 53, 8423922419416375296, '', '-', '1.0', '1e3', ' 1', '1 ', '+1', '0x10', 'abc', null,
    undefined, true, {}, [1],
  ]) {
    assert.equal(toExactDecimalString(bad), null, String(bad));
  }
});

test('stringifyJson writes bigints as bare numbers', () => {
  assert.equal(stringifyJson({ id: 8423922419416375296n, n: 1, s: 'x' }), '{"id":8423922419416375296,"n":1,"s":"x"}');
  assert.equal(stringifyJson([1n, -2n, null, true]), '[1,-2,null,true]');
  assert.equal(stringifyJson('再见'), '"再见"');
  assert.equal(stringifyJson({ a: [1] }, 2), '{\n  "a": [\n    1\n  ]\n}');
  assert.equal(stringifyJson(undefined), 'null');
  // Otherwise as JSON.stringify: toJSON is honoured, NaN is null, undefined members are dropped.
  assert.equal(stringifyJson({ at: new Date(0), n: NaN, u: undefined }), '{"at":"1970-01-01T00:00:00.000Z","n":null}');
});

test('parse and stringify round-trip exactly', () => {
  const text = '{"accessToken":"e6e1","tenantId":1238,"data":[{"userProfile":{"id":8423922419416375296,"tags":["测试"]},"taskId":0,"taskInfoId":null,"x":-1.5}]}';
  assert.equal(stringifyJson(parseJsonLossless(text)), text);
});

test('integers of more than 40 digits are read as doubles, fast (no id has that many digits)', () => {
  const forty = '1234567890'.repeat(4);
  assert.equal(parseJsonLossless(forty), BigInt(forty));
  assert.equal(parseJsonLossless(`-${forty}`), -BigInt(forty));
  assert.equal(parseJsonLossless(`${forty}1`), Number(`${forty}1`));
  // Five million digits: a bigint would cost seconds to build and print; a double is immediate.
  const huge = parseJsonLossless(`{"id":${'9'.repeat(5_000_000)}}`) as { id: unknown };
  assert.equal(huge.id, Infinity);
  assert.equal(toExactDecimalString(huge.id), null);
});

test('toExactDecimalString canonicalises strings of digits of any length without BigInt', () => {
  assert.equal(toExactDecimalString('-007'), '-7');
  assert.equal(toExactDecimalString('000'), '0');
  assert.equal(toExactDecimalString('-000'), '0');
  const long = '1' + '0'.repeat(2_000_000);
  assert.equal(toExactDecimalString('000' + long), long);
});

test('the fast path (JSON.parse with marked big integers) gives what the lossless parser gives', () => {
  const cases = [
    '{"id":8423922419416375296,"s":"8423922419416375296","n":[-9223372036854775808,9007199254740991,9007199254740992,1.5e300,12345678901234567.5]}',
    '[1234567890123456,12345678901234567,-1234567890123456789012345678901234567890,12345678901234567890123456789012345678901]',
    '{"a":"\\"1234567890123456789\\"","b":"\\\\","c":1234567890123456789}',
    '{"__proto__":{"x":12345678901234567890},"k":1,"k":2}',
    '{"__proto__":12345678901234567890}',
    '"12345678901234567890"',
    '12345678901234567890',
    ' \n[ 99999999999999999999 , "x" ] ',
  ];
  for (const text of cases) {
    assert.ok(bigIntegerTokens(text) !== null, `fast path taken: ${text}`);
    assert.deepEqual(parseJsonLossless(text), parseWithLosslessJson(text), text);
  }
  assert.deepEqual(bigIntegerTokens('{"s":"12345678901234567890","n":12345678901234567890}'), [32, 52]);
});

test('the fast path steps aside for escaped NULs, deep nesting and malformed numbers', () => {
  assert.equal(bigIntegerTokens('{"a":"\\u0000123"}'), null);
  assert.equal(bigIntegerTokens('['.repeat(300) + ']'.repeat(300)), null);
  assert.deepEqual(parseJsonLossless('{"a":"\\u0000x","b":12345678901234567890}'), { a: '\u0000x', b: 12345678901234567890n });
  // A leading zero is malformed JSON, also when the integer is long: the lossless parser's error says where.
  assert.throws(() => parseJsonLossless('[01234567890123456789]'), /position 2/);
  assert.throws(() => parseJsonLossless('[12345678901234567890 1]'), /position 22/);
  assert.throws(() => parseJsonLossless('{"a":12345678901234567890,}'), /position 26/);
});

test('random documents: the fast path and the lossless parser agree', () => {
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  const value = (depth: number): string => {
    switch (depth > 3 ? rnd(4) : rnd(7)) {
      case 0: return String(rnd(1000) - 500);
      case 1: return (rnd(2) ? '-' : '') + String(1 + rnd(9)) + Array.from({ length: 10 + rnd(30) }, () => rnd(10)).join('');
      case 2: return JSON.stringify(Array.from({ length: rnd(8) }, () => '0123456789"\\\\ab\u00e9'[rnd(16)]).join(''));
      case 3: return ['true', 'false', 'null', '1.25', '-2e5'][rnd(5)]!;
      case 4: return `[${Array.from({ length: rnd(4) }, () => value(depth + 1)).join(',')}]`;
      default: return `{${Array.from({ length: rnd(4) }, (_, i) => `"${['k', '__proto__', 'constructor'][rnd(3)]}${rnd(2) ? '' : i}":${value(depth + 1)}`).join(',')}}`;
    }
  };
  for (let i = 0; i < 2000; i++) {
    const text = value(0);
    assert.deepEqual(parseJsonLossless(text), parseWithLosslessJson(text), text);
  }
});
