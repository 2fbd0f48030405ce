import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MESSAGE_STATUSES,
  type MessageStatus,
  contReadStateOf,
  higherStatus,
  statusFromClientCode,
  statusFromMsgSyncCode,
  statusRank,
} from '../../src/domain/status.ts';

const CODES: [number, MessageStatus][] = [
  [1, 'PENDING'],
  [2, 'SENT'],
  [3, 'DELIVERED'],
  [4, 'READ'],
];

test('statuses in scale order, ranked 0–3', () => {
  assert.deepEqual([...MESSAGE_STATUSES], ['PENDING', 'SENT', 'DELIVERED', 'READ']);
  assert.deepEqual(MESSAGE_STATUSES.map(statusRank), [0, 1, 2, 3]);
});

test('MSG_SYNC_MESSAGE codes: 1 "sent from the client" is PENDING, 3 delivered, 4 read', () => {
  for (const [code, status] of CODES) {
    assert.equal(statusFromMsgSyncCode(code), status);
    assert.equal(statusFromMsgSyncCode(String(code)), status);
  }
});

test('CLIENT_SYNC_MESSAGE_STATUS codes: 1 not on the server yet … 4 read', () => {
  for (const [code, status] of CODES) {
    assert.equal(statusFromClientCode(code), status);
    assert.equal(statusFromClientCode(String(code)), status);
  }
});

test('unknown codes are null', () => {
  for (const junk of [0, 5, -1, 99, 1.5, NaN, null, undefined, '', 'READ', ' 1', true, {}, 4n]) {
    assert.equal(statusFromMsgSyncCode(junk), null, String(junk));
    assert.equal(statusFromClientCode(junk), null, String(junk));
  }
});

test('higherStatus picks the further along, in either order', () => {
  for (const a of MESSAGE_STATUSES) {
    for (const b of MESSAGE_STATUSES) {
      const expected = MESSAGE_STATUSES[Math.max(MESSAGE_STATUSES.indexOf(a), MESSAGE_STATUSES.indexOf(b))];
      assert.equal(higherStatus(a, b), expected, `${a},${b}`);
    }
  }
  assert.equal(higherStatus('READ', 'DELIVERED'), 'READ');
  assert.equal(higherStatus('PENDING', 'SENT'), 'SENT');
});

test('contReadState is the string "1" only when READ', () => {
  assert.equal(contReadStateOf('READ'), '1');
  assert.equal(contReadStateOf('DELIVERED'), '0');
  assert.equal(contReadStateOf('SENT'), '0');
  assert.equal(contReadStateOf('PENDING'), '0');
});

