// The JSON handed to chatgraph_store_batch: jsonb refuses \u0000, so NUL
// characters are dropped from strings, and nothing else changes — not even a
// literal backslash followed by "u0000".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonArgument } from '../../src/ingest/store.ts';

test('jsonArgument: plain values are JSON.stringify', () => {
  const value = [{ a: 'x', n: 1, d: new Date('2024-01-01T00:00:00Z'), nested: { tags: ['t'], none: null } }];
  assert.equal(jsonArgument(value), JSON.stringify(value));
});

test('jsonArgument: NUL characters are dropped from strings at any depth', () => {
  assert.equal(jsonArgument([{ content: 'a\u0000b', parsed: { text: ['\u0000x\u0000'] } }]), '[{"content":"ab","parsed":{"text":["x"]}}]');
});

test('jsonArgument: a literal backslash-u0000 is text, kept as it is', () => {
  const literal = 'C:\\u0000\\dir';
  assert.equal(JSON.parse(jsonArgument({ s: literal })).s, literal);
  assert.equal(JSON.parse(jsonArgument({ s: literal, t: 'a\u0000' })).s, literal);
  assert.equal(JSON.parse(jsonArgument({ s: literal, t: 'a\u0000' })).t, 'a');
});

test('jsonArgument: an unpaired surrogate becomes U+FFFD; pairs (emoji) are kept', () => {
  assert.equal(JSON.parse(jsonArgument({ a: 'x\uD800y', b: '\uDC00', c: '💥' })).a, 'x\uFFFDy');
  assert.deepEqual(JSON.parse(jsonArgument({ a: 'x\uD800y', b: '\uDC00', c: '💥' })), { a: 'x\uFFFDy', b: '\uFFFD', c: '💥' });
  assert.ok(!/\\u(?:0000|d[89a-f])/.test(jsonArgument([{ s: '\uD83D' }])));
});

test('jsonArgument: object keys are cleaned too (custom fields are the sender JSON)', () => {
  const value = [{ custom_fields: { 'k\u0000ey': 1, '\uD800': { 'in\u0000ner': 'v\uDFFF' } }, at: new Date('2024-01-01T00:00:00Z') }];
  assert.deepEqual(JSON.parse(jsonArgument(value)), [{ custom_fields: { key: 1, '\uFFFD': { inner: 'v\uFFFD' } }, at: '2024-01-01T00:00:00.000Z' }]);
});
