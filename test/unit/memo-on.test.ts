import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoOn } from '../../src/execution/memo-on.ts';

test('memoOn: made once per object and key, invisible to keys, spreads and JSON', () => {
  const a = Symbol('a');
  const b = Symbol('b');
  const object = { x: 1 };
  let made = 0;
  const first = memoOn(object, a, () => ({ n: ++made }));
  assert.equal(memoOn(object, a, () => ({ n: ++made })), first);
  assert.notEqual(memoOn(object, b, () => ({ n: ++made })), first);
  assert.equal(made, 2);
  assert.deepEqual(Object.keys(object), ['x']);
  assert.equal(JSON.stringify(object), '{"x":1}');
  assert.deepEqual(Object.getOwnPropertySymbols({ ...object }), [], 'a copy does not share the memo');
});

test('memoOn: frozen and sealed objects keep their memo beside them', () => {
  const key = Symbol('k');
  for (const object of [Object.freeze({ y: 2 }), Object.seal({ z: 3 }), Object.preventExtensions({})]) {
    let made = 0;
    const value = memoOn(object, key, () => ++made);
    assert.equal(memoOn(object, key, () => ++made), value);
    assert.equal(made, 1);
  }
});
