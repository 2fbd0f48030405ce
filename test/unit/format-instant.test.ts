// formatInstant (src/domain/ranges.ts) is toISOString, character for character.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EARLIEST_MS, MAX_INSTANT_MS, formatInstant } from '../../src/domain/ranges.ts';

test('formatInstant: toISOString for every instant, in range and out of it', () => {
  fc.assert(
    fc.property(fc.oneof(fc.integer({ min: EARLIEST_MS - 10 * 86_400_000, max: MAX_INSTANT_MS + 10 * 86_400_000 }), fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.integer({ min: 1.6e12, max: 1.9e12 })), (ms) => {
      const date = new Date(ms);
      assert.equal(formatInstant(date), date.toISOString());
    }),
    { numRuns: 50_000 },
  );
  for (const ms of [EARLIEST_MS, EARLIEST_MS - 1, MAX_INSTANT_MS, MAX_INSTANT_MS + 1, 0, -1, 86_399_999, 86_400_000, Date.UTC(2024, 1, 29, 23, 59, 59, 999)]) {
    assert.equal(formatInstant(new Date(ms)), new Date(ms).toISOString(), String(ms));
  }
  assert.throws(() => formatInstant(new Date(Number.NaN)), RangeError);
});
