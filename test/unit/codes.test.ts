import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CHAT_TYPES,
  DIRECTIONS,
  ORIGINS,
  actionTypeOf,
  chatTypeCodeOf,
  chatTypeFromCode,
  directionFromActionType,
  originFromCode,
  senderCodeOf,
} from '../../src/domain/codes.ts';

const JUNK: unknown[] = [null, undefined, '', ' 1', '1.0', 'PC', true, 1.5, NaN, {}, [1], 1n];

test('enum values match the Prisma schema', () => {
  assert.deepEqual([...DIRECTIONS], ['OUTBOUND', 'INBOUND']);
  assert.deepEqual([...CHAT_TYPES], ['PRIVATE', 'GROUP']);
  assert.deepEqual([...ORIGINS], ['PC', 'APP', 'WEB']);
});

test('actionType: 1 sent by the agent, 2 received', () => {
  assert.equal(directionFromActionType(1), 'OUTBOUND');
  assert.equal(directionFromActionType(2), 'INBOUND');
  assert.equal(directionFromActionType('1'), 'OUTBOUND');
  assert.equal(directionFromActionType('2'), 'INBOUND');
  assert.equal(actionTypeOf('OUTBOUND'), 1);
  assert.equal(actionTypeOf('INBOUND'), 2);
  for (const code of [0, 3, -1, ...JUNK]) assert.equal(directionFromActionType(code), null, String(code));
});

test('chatType: 1 private, 2 group', () => {
  assert.equal(chatTypeFromCode(1), 'PRIVATE');
  assert.equal(chatTypeFromCode(2), 'GROUP');
  assert.equal(chatTypeFromCode('2'), 'GROUP');
  assert.equal(chatTypeCodeOf('PRIVATE'), 1);
  assert.equal(chatTypeCodeOf('GROUP'), 2);
  for (const code of [0, 3, -1, ...JUNK]) assert.equal(chatTypeFromCode(code), null, String(code));
});

test('originType: 1 pc, 2 app, 3 web', () => {
  assert.equal(originFromCode(1), 'PC');
  assert.equal(originFromCode(2), 'APP');
  assert.equal(originFromCode(3), 'WEB');
  assert.equal(originFromCode('3'), 'WEB');
  for (const code of [0, 4, -1, ...JUNK]) assert.equal(originFromCode(code), null, String(code));
});

test('every value round-trips through its code', () => {
  for (const d of DIRECTIONS) assert.equal(directionFromActionType(actionTypeOf(d)), d);
  for (const c of CHAT_TYPES) assert.equal(chatTypeFromCode(chatTypeCodeOf(c)), c);
});

test('retrievePastRecords sender: 1 the contact, 0 the agent', () => {
  assert.equal(senderCodeOf('INBOUND'), 1);
  assert.equal(senderCodeOf('OUTBOUND'), 0);
});
