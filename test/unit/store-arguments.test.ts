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
