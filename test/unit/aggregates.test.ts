// The roll-up rules' one source is prisma/sql/aggregates.sql; the migration
// that installs them carries the same text (test/unit/sql-sources.test.ts).
// Which roll-up answers which question, and the range checks, are pure and
// tested here; the numbers are compared with a GROUP BY recount in
// test/integration/aggregates.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCountRange, cuboidFor } from '../../src/read/aggregates.ts';
import { hasWholeHourOffsets } from '../../src/domain/local-time.ts';

test('cuboidFor: the smallest roll-up holding every split and filtered dimension', () => {
  const table = (...a: Parameters<typeof cuboidFor>) => cuboidFor(...a).table;
  assert.equal(table([], {}), '"MessageCountByDirection"');
  assert.equal(table([], {}, true), '"MessageCountByDirectionHour"');
  assert.equal(table(['direction'], { direction: 'INBOUND' }), '"MessageCountByDirection"');
  assert.equal(table(['status'], {}), '"MessageCountByKind"');
  assert.equal(table(['status'], {}, true), '"MessageCountByKindHour"');
  assert.equal(table([], { contentType: ['TEXT'], chatType: 'GROUP' }), '"MessageCountByKind"');
  assert.equal(table([], { contentType: [] }), '"MessageCountByDirection"', 'an empty list filters nothing');
  assert.equal(table(['direction'], { agentAccount: ['alice'] }, true), '"MessageCountFull"');
  assert.equal(table(['accountWhatsId'], {}), '"MessageCountFull"');
});

test('hasWholeHourOffsets: whole-hour zones, across DST too; not Kolkata or Kathmandu', () => {
  const jan = Date.UTC(2024, 0, 1), dec = Date.UTC(2024, 11, 31);
  assert.equal(hasWholeHourOffsets('Asia/Shanghai', jan, dec), true);
  assert.equal(hasWholeHourOffsets('America/New_York', jan, dec), true);
  assert.equal(hasWholeHourOffsets('UTC', jan, dec), true);
  assert.equal(hasWholeHourOffsets('Asia/Kolkata', jan, jan + 3_600_000), false);
  assert.equal(hasWholeHourOffsets('Asia/Kathmandu', jan, dec), false);
  // Lord Howe moves by half an hour: whole-hour offset in no season (+10:30 / +11).
  assert.equal(hasWholeHourOffsets('Australia/Lord_Howe', Date.UTC(2024, 5, 1), Date.UTC(2024, 5, 2)), false);
});

test('checkCountRange: quarter-hour bounds, from < to, at most 2400 buckets', () => {
  const d = (s: string) => new Date(s);
  assert.doesNotThrow(() => checkCountRange(d('2024-01-01T18:30:00Z'), d('2024-04-10T18:30:00Z'), 'HOUR'));
  assert.throws(() => checkCountRange(d('2024-01-01T00:00:00Z'), d('2024-05-01T00:00:00Z'), 'HOUR'), /at most 2400 buckets/);
  assert.doesNotThrow(() => checkCountRange(d('2020-01-01T00:00:00Z'), d('2026-01-01T00:00:00Z'), 'DAY'));
  assert.doesNotThrow(() => checkCountRange(d('2000-01-01T00:00:00Z'), d('2026-01-01T00:00:00Z'), 'RANGE'));
  assert.throws(() => checkCountRange(d('2024-01-01T00:10:00Z'), d('2024-01-02T00:00:00Z'), 'HOUR'), /from must be on a quarter hour/);
  assert.throws(() => checkCountRange(d('2024-01-01T00:00:00Z'), d('2024-01-02T00:00:01Z'), 'HOUR'), /to must be on a quarter hour/);
  assert.throws(() => checkCountRange(d('2024-01-01T00:00:00Z'), d('2024-01-01T00:00:00Z'), 'DAY'), /to must be after from/);
});
