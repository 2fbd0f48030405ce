// Profiles are updated only when they changed: comparing custom fields with
// what jsonb returns must not depend on key order (jsonb keeps its own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from '../../src/ingest/store.ts';

test('canonicalJson: same value, any key order → same text; a changed value → different text', () => {
  const sent = { 单行文本: 'caseId009', 多选: '[]', 日期: '', nested: { b: 1, a: [{ y: 2, x: 1 }] } };
  const fromJsonb = { 日期: '', 多选: '[]', nested: { a: [{ x: 1, y: 2 }], b: 1 }, 单行文本: 'caseId009' };
  assert.equal(canonicalJson(sent), canonicalJson(fromJsonb));
  assert.notEqual(canonicalJson(sent), canonicalJson({ ...fromJsonb, 日期: '2024-01-01' }));
  assert.notEqual(canonicalJson({ a: [1, 2] }), canonicalJson({ a: [2, 1] })); // arrays keep their order
  assert.equal(canonicalJson({ a: 'x\u0000y' }), '{"a":"xy"}');
});
