// The ingest normalisers without a database: every required field, wrong JSON
// types, unknown codes, boundaries, exact ids; mergeBatch; webhook signatures.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { parseJsonLossless, type LosslessJsonValue } from '../../src/domain/lossless-json.ts';
import { readMsgSyncEnvelope, normaliseMsgSync, MSG_SYNC_MAX_ITEMS } from '../../src/ingest/msg-sync.ts';
import { normaliseClientSync, CLIENT_SYNC_MAX_MESSAGES } from '../../src/ingest/client-sync.ts';
import { normaliseStatusSync, STATUS_SYNC_MAX_ITEMS } from '../../src/ingest/status-sync.ts';
import { normaliseApiMessages, normaliseApiStatusUpdates, type ApiMessageInput } from '../../src/ingest/api-input.ts';
import { IngestValidationError, describeFieldErrors, type FieldError, type MessageInput } from '../../src/ingest/model.ts';
import { MAX_ERRORS } from '../../src/ingest/fields.ts';
import { mergeBatch } from '../../src/ingest/batch.ts';
import {
  SIGNATURE_TOLERANCE_MS,
  bodySignature,
  checkTimestamp,
  msgSyncAccessToken,
  safeEqual,
  verifyBodySignature,
  verifyMsgSyncToken,
} from '../../src/auth/webhook-signatures.ts';
import type { MessageStatus } from '../../src/domain/status.ts';
import { seed } from '../support/seeds.ts';

const ZONE = 'Asia/Shanghai';
type Obj = { [key: string]: LosslessJsonValue };

// ---------------------------------------------------------------- helpers

/** The errors a call throws (fails the test when it does not throw IngestValidationError). */
function errorsOf(fn: () => unknown): FieldError[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof IngestValidationError, `expected IngestValidationError, got ${String(err)}`);
    return err.errors;
  }
  assert.fail('expected an IngestValidationError, nothing was thrown');
}

/** Exactly one error, with this path and message. */
function assertOneError(fn: () => unknown, field: string, message: string | RegExp, index: number | null = 0): void {
  const errors = errorsOf(fn);
  assert.equal(errors.length, 1, `expected one error, got ${JSON.stringify(errors)}`);
  const [e] = errors;
  assert.equal(e!.field, field);
  assert.equal(e!.index, index);
  if (typeof message === 'string') assert.equal(e!.message, message);
  else assert.match(e!.message, message);
}

function profile(overrides: Obj = {}): Obj {
  return {
    id: 8423922419416375296n,
    name: '好友1',
    whatsApp: '447759820897',
    username: 'testlsl001',
    extendsMap: '{"k":"v"}',
    income: '',
    profession: '',
    desc: '',
    tags: ['a', 'b'],
    email: '',
    address: '北京',
    ...overrides,
  };
}

function msgItem(overrides: Obj = {}): Obj {
  return {
    id: 'sync-1',
    messageId: 'wamid-1',
    userName: 'agent1',
    whatsId: '8617633819542@c.us',
    friendWhatsId: '8615601882491@c.us',
    currentWhatsId: '8617633819542@c.us',
    actionType: 1,
    chatType: 1,
    messageStatus: 3,
    content: 'hello',
    contentType: 0,
    originType: 2,
    sendTime: '2022-10-31 16:25:42',
    userProfile: profile(),
    taskId: 0,
    taskInfoId: 0,
    ...overrides,
  };
}

const TS = 1_667_295_870_936;

function envelope(data: LosslessJsonValue[], overrides: Obj = {}): Obj {
  return { accessToken: 'ab'.repeat(32), tenantId: 1238, timestamp: TS, data, ...overrides };
}

function msgSync(items: LosslessJsonValue[], zone = ZONE): MessageInput[] {
  return normaliseMsgSync(readMsgSyncEnvelope(envelope(items)), zone);
}

function one(item: Obj): MessageInput {
  const out = msgSync([item]);
  assert.equal(out.length, 1);
  return out[0]!;
}

function without(o: Obj, key: string): Obj {
  const copy = { ...o };
  delete copy[key];
  return copy;
}

function clientItem(overrides: Obj = {}, entries: LosslessJsonValue[] = [clientEntry()]): Obj {
  return { userId: '82', whatsApp: '86172272727', friendWhatsApp: '61191828282', actionType: 1, chatType: 1, taskId: 'task1', taskInfoId: 'info1', content: entries, ...overrides };
}

function clientEntry(overrides: Obj = {}): Obj {
  return { type: 1, text: 'hello', messageId: 'cm-1', time: 1_689_129_792_000, ...overrides };
}

function statusItem(overrides: Obj = {}): Obj {
  return { userId: '82', taskId: '', taskInfoId: '', messageStatus: 2, messageId: 'sm-1', ...overrides };
}

// ---------------------------------------------------------------- MSG_SYNC envelope

describe('MSG_SYNC envelope', () => {
  test('a body that is not an object is refused as a whole', () => {
    for (const [body, type] of [[[], 'an array'], ['x', 'a string'], [null, 'null'], [5, 'a number'], [true, 'a boolean']] as [LosslessJsonValue, string][]) {
      assertOneError(() => readMsgSyncEnvelope(body), 'body', `must be a JSON object, got ${type}`, null);
    }
  });

  for (const field of ['accessToken', 'tenantId', 'timestamp', 'data']) {
    test(`missing ${field} → "${field}: is required"`, () => {
      assertOneError(() => readMsgSyncEnvelope(without(envelope([]), field)), field, 'is required', null);
      assertOneError(() => readMsgSyncEnvelope({ ...envelope([]), [field]: null }), field, 'is required', null);
    });
  }

  test('every envelope problem is reported at once', () => {
    const errors = errorsOf(() => readMsgSyncEnvelope({}));
    assert.deepEqual(errors.map((e) => e.field), ['accessToken', 'tenantId', 'timestamp', 'data']);
    assert.ok(errors.every((e) => e.index === null));
  });

  test('wrong types', () => {
    assertOneError(() => readMsgSyncEnvelope(envelope([], { accessToken: 5 })), 'accessToken', 'must be a string, got a number', null);
    assertOneError(() => readMsgSyncEnvelope(envelope([], { accessToken: '' })), 'accessToken', 'must not be empty', null);
    assertOneError(() => readMsgSyncEnvelope(envelope([], { tenantId: 'abc' })), 'tenantId', 'must be an integer id, got a string', null);
    assertOneError(() => readMsgSyncEnvelope(envelope([], { tenantId: 12.5 })), 'tenantId', 'must be an integer id, got a number', null);
    assertOneError(() => readMsgSyncEnvelope(envelope([], { timestamp: '1667295870936' })), 'timestamp', 'must be an integer, got a string', null);
    assertOneError(() => readMsgSyncEnvelope(envelope([], { timestamp: 1.5 })), 'timestamp', 'must be an integer, got a number', null);
    assertOneError(() => readMsgSyncEnvelope(envelope([], { timestamp: -1 })), 'timestamp', 'must be at least 0', null);
    assertOneError(() => readMsgSyncEnvelope(envelope([], { timestamp: 2n ** 60n })), 'timestamp', 'must be an integer, got a number', null);
    assertOneError(() => readMsgSyncEnvelope(envelope([], { data: {} })), 'data', 'must be an array, got an object', null);
    assertOneError(() => readMsgSyncEnvelope(envelope([], { data: 'x' })), 'data', 'must be an array, got a string', null);
    assertOneError(() => readMsgSyncEnvelope(envelope([], { accessToken: 'a'.repeat(257) })), 'accessToken', 'must be at most 256 characters', null);
  });

  test('tenantId: a number, a digit string, or a bigint beyond 2^53 — all exact', () => {
    assert.equal(readMsgSyncEnvelope(envelope([])).tenantId, 1238n);
    assert.equal(readMsgSyncEnvelope(envelope([], { tenantId: '1238' })).tenantId, 1238n);
    assert.equal(readMsgSyncEnvelope(envelope([], { tenantId: 9223372036854775807n })).tenantId, 9223372036854775807n);
    const parsed = parseJsonLossless('{"accessToken":"x","tenantId":9007199254740993,"timestamp":1,"data":[]}');
    assert.equal(readMsgSyncEnvelope(parsed).tenantId, 9007199254740993n);
  });

  test(`data: 0 items is fine (nothing to store), ${MSG_SYNC_MAX_ITEMS} is the most, 51 is refused`, () => {
    assert.deepEqual(msgSync([]), []);
    const fifty = Array.from({ length: 50 }, (_, i) => msgItem({ messageId: `m${i}`, id: `s${i}` }));
    assert.equal(msgSync(fifty).length, 50);
    const fiftyOne = Array.from({ length: 51 }, (_, i) => msgItem({ messageId: `m${i}` }));
    assertOneError(() => readMsgSyncEnvelope(envelope(fiftyOne)), 'data', 'must have at most 50 items, got 51', null);
  });
});

// ---------------------------------------------------------------- MSG_SYNC items

describe('MSG_SYNC items', () => {
  const requiredStrings = ['id', 'messageId', 'userName', 'whatsId', 'friendWhatsId', 'currentWhatsId', 'content', 'sendTime'];
  const requiredCodes = ['actionType', 'chatType', 'messageStatus', 'contentType', 'originType'];

  for (const field of [...requiredStrings, ...requiredCodes, 'userProfile']) {
    test(`missing ${field} → data[0].${field}: is required (absent and null alike)`, () => {
      assertOneError(() => msgSync([without(msgItem(), field)]), `data[0].${field}`, 'is required');
      assertOneError(() => msgSync([msgItem({ [field]: null })]), `data[0].${field}`, 'is required');
    });
  }

  for (const field of requiredStrings) {
    test(`${field} of the wrong JSON type is refused`, () => {
      assertOneError(() => msgSync([msgItem({ [field]: 12 })]), `data[0].${field}`, 'must be a string, got a number');
      assertOneError(() => msgSync([msgItem({ [field]: true })]), `data[0].${field}`, 'must be a string, got a boolean');
      assertOneError(() => msgSync([msgItem({ [field]: ['x'] })]), `data[0].${field}`, 'must be a string, got an array');
      assertOneError(() => msgSync([msgItem({ [field]: { a: 1 } })]), `data[0].${field}`, 'must be a string, got an object');
    });
    test(`${field} with a NUL character is refused`, () => {
      assertOneError(() => msgSync([msgItem({ [field]: 'a\u0000b' })]), `data[0].${field}`, 'must not contain NUL characters (\\u0000)');
    });
  }

  for (const field of requiredStrings.filter((f) => f !== 'content')) {
    test(`${field} blank ("" or spaces) is refused`, () => {
      assertOneError(() => msgSync([msgItem({ [field]: '' })]), `data[0].${field}`, 'must not be empty');
      assertOneError(() => msgSync([msgItem({ [field]: '   ' })]), `data[0].${field}`, 'must not be empty');
    });
  }

  test('content may be empty, may be long (1,000,000 characters) but not longer', () => {
    assert.equal(one(msgItem({ content: '' })).content, '');
    assert.equal(one(msgItem({ content: 'x'.repeat(1_000_000) })).content.length, 1_000_000);
    assertOneError(() => msgSync([msgItem({ content: 'x'.repeat(1_000_001) })]), 'data[0].content', 'must be at most 1000000 characters');
  });

  test('over-long strings: exactly the maximum is fine, one more is refused', () => {
    const limits: [string, number][] = [['id', 128], ['messageId', 256], ['userName', 256], ['whatsId', 256], ['friendWhatsId', 256], ['currentWhatsId', 256], ['sendTime', 64]];
    for (const [field, max] of limits) {
      if (field !== 'sendTime') assert.doesNotThrow(() => msgSync([msgItem({ [field]: 'a'.repeat(max) })]), field);
      assertOneError(() => msgSync([msgItem({ [field]: 'a'.repeat(max + 1) })]), `data[0].${field}`, `must be at most ${max} characters`);
    }
  });

  for (const field of requiredCodes) {
    test(`${field}: a string, a fraction or a boolean is not an integer code`, () => {
      for (const [value, type] of [['1', 'a string'], [1.5, 'a number'], [true, 'a boolean'], [[1], 'an array']] as [LosslessJsonValue, string][]) {
        assertOneError(() => msgSync([msgItem({ [field]: value })]), `data[0].${field}`, new RegExp(`^must be an integer code \\(.*\\), got ${type}$`));
      }
    });
  }

  test('unknown codes are refused with the list of known ones', () => {
    const cases: [string, number, string][] = [
      ['actionType', 0, 'unknown code 0 (expected 1 sent, 2 received)'],
      ['actionType', 3, 'unknown code 3 (expected 1 sent, 2 received)'],
      ['chatType', 0, 'unknown code 0 (expected 1 private, 2 group)'],
      ['chatType', 3, 'unknown code 3 (expected 1 private, 2 group)'],
      ['messageStatus', 0, 'unknown code 0 (expected 1 sent from the client, 2 sent, 3 delivered, 4 read)'],
      ['messageStatus', 5, 'unknown code 5 (expected 1 sent from the client, 2 sent, 3 delivered, 4 read)'],
      ['messageStatus', -1, 'unknown code -1 (expected 1 sent from the client, 2 sent, 3 delivered, 4 read)'],
      ['contentType', 5, 'unknown code 5 (expected 0 text, 1 image, 2 video, 3 audio, 4 file, 6 contact card, 7 sticker, 9 quote)'],
      ['contentType', 42, 'unknown code 42 (expected 0 text, 1 image, 2 video, 3 audio, 4 file, 6 contact card, 7 sticker, 9 quote)'],
      ['contentType', -1, 'unknown code -1 (expected 0 text, 1 image, 2 video, 3 audio, 4 file, 6 contact card, 7 sticker, 9 quote)'],
      ['originType', 0, 'unknown code 0 (expected 1 pc, 2 app, 3 web)'],
      ['originType', 4, 'unknown code 4 (expected 1 pc, 2 app, 3 web)'],
    ];
    for (const [field, code, message] of cases) assertOneError(() => msgSync([msgItem({ [field]: code })]), `data[0].${field}`, message);
  });

  test('known codes decode: direction, chat type, status, origin, content type (msgPage numbering plus client-only codes)', () => {
    assert.equal(one(msgItem({ actionType: 1 })).direction, 'OUTBOUND');
    assert.equal(one(msgItem({ actionType: 2 })).direction, 'INBOUND');
    assert.equal(one(msgItem({ chatType: 1 })).chatType, 'PRIVATE');
    assert.equal(one(msgItem({ chatType: 2 })).chatType, 'GROUP');
    const statuses: [number, MessageStatus][] = [[1, 'PENDING'], [2, 'SENT'], [3, 'DELIVERED'], [4, 'READ']];
    for (const [code, status] of statuses) assert.equal(one(msgItem({ messageStatus: code })).status, status);
    assert.deepEqual([1, 2, 3].map((c) => one(msgItem({ originType: c })).origin), ['PC', 'APP', 'WEB']);
    const types: [number, string][] = [[0, 'TEXT'], [1, 'IMAGE'], [2, 'VIDEO'], [3, 'AUDIO'], [4, 'FILE'], [6, 'CONTACT_CARD'], [7, 'STICKER'], [9, 'QUOTE'], [8, 'CALL'], [10, 'CARD_LINK'], [11, 'DIVERT_LINK'], [12, 'VOICE_NOTE'], [13, 'LOCATION'], [14, 'CONTACT_CARDS'], [15, 'GIF'], [99, 'UNSUPPORTED']];
    for (const [code, type] of types) {
      const m = one(msgItem({ contentType: code, content: '{}' }));
      assert.equal(m.contentType, type, `code ${code}`);
      assert.equal(m.legacyContentType, code);
    }
  });

  test('sendTime: a local time in the configured zone; malformed or impossible ones are refused', () => {
    assert.equal(one(msgItem()).chatTime.toISOString(), '2022-10-31T08:25:42.000Z');
    assert.equal(msgSync([msgItem()], 'UTC')[0]!.chatTime.toISOString(), '2022-10-31T16:25:42.000Z');
    assert.equal(one(msgItem({ sendTime: '2022-10-31T16:25:42' })).chatTime.toISOString(), '2022-10-31T08:25:42.000Z');
    assert.equal(one(msgItem({ sendTime: '2024-02-29 00:00:00' })).chatTime.toISOString(), '2024-02-28T16:00:00.000Z');
    for (const bad of ['2022-02-30 10:00:00', '2023-02-29 10:00:00', '2022-10-31 24:00:00', '2022-10-31 23:60:00', '2022-13-01 00:00:00', '2022-10-31', '1667295870936', '31/10/2022 16:25:42', 'yesterday']) {
      assertOneError(() => msgSync([msgItem({ sendTime: bad })]), 'data[0].sendTime', `must be a local time "YYYY-MM-DD HH:mm:ss", got "${bad}"`);
    }
    assertOneError(() => msgSync([msgItem({ sendTime: 1_667_295_870_936 })]), 'data[0].sendTime', 'must be a string, got a number');
  });

  test('the status time is the envelope timestamp, not sendTime', () => {
    const m = one(msgItem());
    assert.equal(m.statusAt.getTime(), TS);
    assert.equal(m.source, 'MSG_SYNC');
  });

  test('userProfile: required object; its id is required and must be an integer', () => {
    assertOneError(() => msgSync([msgItem({ userProfile: 'x' })]), 'data[0].userProfile', 'must be an object, got a string');
    assertOneError(() => msgSync([msgItem({ userProfile: [] })]), 'data[0].userProfile', 'must be an object, got an array');
    assertOneError(() => msgSync([msgItem({ userProfile: without(profile(), 'id') })]), 'data[0].userProfile.id', 'is required');
    assertOneError(() => msgSync([msgItem({ userProfile: profile({ id: null }) })]), 'data[0].userProfile.id', 'is required');
    assertOneError(() => msgSync([msgItem({ userProfile: profile({ id: '' }) })]), 'data[0].userProfile.id', 'is required');
    assertOneError(() => msgSync([msgItem({ userProfile: profile({ id: 1.5 }) })]), 'data[0].userProfile.id', 'must be an integer id, got a number');
    assertOneError(() => msgSync([msgItem({ userProfile: profile({ id: 'abc' }) })]), 'data[0].userProfile.id', 'must be an integer id, got a string');
    assertOneError(() => msgSync([msgItem({ userProfile: profile({ id: true }) })]), 'data[0].userProfile.id', 'must be an integer id, got a boolean');
  });

  test('userProfile.id beyond 2^53 stays exact: bigint, digit string, and through parseJsonLossless', () => {
    assert.equal(one(msgItem()).contact!.externalId, '8423922419416375296');
    assert.equal(one(msgItem({ userProfile: profile({ id: '8423922419416375296' }) })).contact!.externalId, '8423922419416375296');
    assert.equal(one(msgItem({ userProfile: profile({ id: '007' }) })).contact!.externalId, '7');
    assert.equal(one(msgItem({ userProfile: profile({ id: 42 }) })).contact!.externalId, '42');
    const text = JSON.stringify(envelope([msgItem({ userProfile: profile({ id: 0 }) })])).replace('"id":0', '"id":9223372036854775807');
    const parsed = normaliseMsgSync(readMsgSyncEnvelope(parseJsonLossless(text)), ZONE);
    assert.equal(parsed[0]!.contact!.externalId, '9223372036854775807');
    // JSON.parse would have rounded it: the normaliser must not be handed a rounded unsafe number silently.
    assertOneError(() => msgSync([msgItem({ userProfile: profile({ id: 2 ** 60 }) })]), 'data[0].userProfile.id', 'must be an integer id, got a number');
  });

  test('userProfile fields: "" means none, tags must be strings, extendsMap must be a JSON object string', () => {
    const c = one(msgItem()).contact!;
    assert.equal(c.name, '好友1');
    assert.equal(c.whatsId, '447759820897');
    assert.equal(c.whatsIdBare, '447759820897');
    assert.equal(c.ownerName, 'testlsl001');
    assert.equal(c.income, null);
    assert.equal(c.email, null);
    assert.equal(c.address, '北京');
    assert.deepEqual(c.tags, ['a', 'b']);
    assert.deepEqual(c.customFields, { k: 'v' });
    assert.equal(c.extendsMap, '{"k":"v"}');
    assert.equal(one(msgItem({ userProfile: profile({ whatsApp: '447759820897@c.us' }) })).contact!.whatsIdBare, '447759820897');
    assert.deepEqual(one(msgItem({ userProfile: without(profile(), 'tags') })).contact!.tags, []);
    assertOneError(() => msgSync([msgItem({ userProfile: profile({ tags: 'a' }) })]), 'data[0].userProfile.tags', 'must be an array of strings, got a string');
    assertOneError(() => msgSync([msgItem({ userProfile: profile({ tags: ['a', 5] }) })]), 'data[0].userProfile.tags[1]', 'must be a string, got a number');
    assertOneError(() => msgSync([msgItem({ userProfile: profile({ tags: ['a\u0000'] }) })]), 'data[0].userProfile.tags[0]', 'must not contain NUL characters (\\u0000)');
    assertOneError(() => msgSync([msgItem({ userProfile: profile({ extendsMap: '{oops' }) })]), 'data[0].userProfile.extendsMap', 'must be a JSON string of an object (it does not parse as JSON)');
    assertOneError(() => msgSync([msgItem({ userProfile: profile({ extendsMap: '[]' }) })]), 'data[0].userProfile.extendsMap', 'must be a JSON string of an object');
    assertOneError(() => msgSync([msgItem({ userProfile: profile({ extendsMap: { a: 1 } }) })]), 'data[0].userProfile.extendsMap', 'must be a string, got an object');
    assertOneError(() => msgSync([msgItem({ userProfile: profile({ name: 7 }) })]), 'data[0].userProfile.name', 'must be a string, got a number');
    assertOneError(() => msgSync([msgItem({ userProfile: profile({ desc: 'x'.repeat(8193) }) })]), 'data[0].userProfile.desc', 'must be at most 8192 characters');
    assert.deepEqual(one(msgItem({ userProfile: profile({ extendsMap: '' }) })).contact!.customFields, {});
  });

  test('friendName is taken from the profile only in private chats', () => {
    assert.equal(one(msgItem({ chatType: 1 })).friendName, '好友1');
    assert.equal(one(msgItem({ chatType: 2, friendWhatsId: '120363295594719602@g.us' })).friendName, null);
    assert.equal(one(msgItem({ chatType: 1, userProfile: profile({ name: '' }) })).friendName, null);
    // The contact is still recorded for a group message.
    assert.equal(one(msgItem({ chatType: 2 })).contact!.externalId, '8423922419416375296');
  });

  test('taskId / taskInfoId: 0, null, "" and absent mean none; numbers and strings are kept exactly', () => {
    for (const none of [0, null, '']) {
      const m = one(msgItem({ taskId: none, taskInfoId: none }));
      assert.equal(m.taskId, null, `taskId ${JSON.stringify(none)}`);
      assert.equal(m.taskInfoId, null);
    }
    const absent = one(without(without(msgItem(), 'taskId'), 'taskInfoId'));
    assert.equal(absent.taskId, null);
    assert.equal(absent.taskInfoId, null);
    assert.equal(one(msgItem({ taskId: 123 })).taskId, '123');
    assert.equal(one(msgItem({ taskId: 'task-abc' })).taskId, 'task-abc');
    assert.equal(one(msgItem({ taskId: 9223372036854775807n })).taskId, '9223372036854775807');
    assert.equal(one(msgItem({ taskInfoId: 77 })).taskInfoId, '77');
    assertOneError(() => msgSync([msgItem({ taskId: 1.5 })]), 'data[0].taskId', 'must be an id (number or string), got a number');
    assertOneError(() => msgSync([msgItem({ taskId: true })]), 'data[0].taskId', 'must be an id (number or string), got a boolean');
    assertOneError(() => msgSync([msgItem({ taskInfoId: {} })]), 'data[0].taskInfoId', 'must be an id (number or string), got an object');
    assertOneError(() => msgSync([msgItem({ taskId: 'x'.repeat(257) })]), 'data[0].taskId', 'must be at most 256 characters');
    assert.equal(one(msgItem({ taskId: 'x'.repeat(256) })).taskId!.length, 256);
  });

  test(
    'taskId: a string with a NUL character is refused (it cannot be stored in PostgreSQL text)',
    () => {
      assertOneError(() => msgSync([msgItem({ taskId: 'a\u0000b' })]), 'data[0].taskId', 'must not contain NUL characters (\\u0000)');
    },
  );

  test('`mimetype` and `mimeType` are both read as the MIME type', () => {
    const lower = one(msgItem({ contentType: 2, content: '{"caption":"","filename":"","mimetype":"video/mp4","url":"https://x/v"}' }));
    assert.equal(lower.parsedContent.kind, 'media');
    assert.equal((lower.parsedContent as { mimeType: string | null }).mimeType, 'video/mp4');
    const upper = one(msgItem({ contentType: 1, content: '{"caption":"cap","filename":"null","mimeType":"image/jpeg","url":"https://x/i"}' }));
    assert.equal((upper.parsedContent as { mimeType: string | null }).mimeType, 'image/jpeg');
    assert.equal(upper.searchText, 'cap');
  });

  test('bare ids: suffixes stripped for matching, kept as they came', () => {
    const m = one(msgItem({ currentWhatsId: '8617633819542@c.us', friendWhatsId: '120363295594719602@g.us', chatType: 2 }));
    assert.equal(m.accountWhatsId, '8617633819542@c.us');
    assert.equal(m.accountWhatsIdBare, '8617633819542');
    assert.equal(m.friendWhatsIdBare, '120363295594719602');
    assert.equal(m.senderWhatsId, '8617633819542@c.us');
  });

  test('an item that is not an object; errors across items carry their index; nothing is returned', () => {
    const errors = errorsOf(() => msgSync([msgItem(), 'x', msgItem({ messageId: '' }), msgItem({ chatType: 9, originType: 9 })]));
    assert.deepEqual(errors, [
      { index: 1, field: 'data[1]', message: 'must be an object, got a string' },
      { index: 2, field: 'data[2].messageId', message: 'must not be empty' },
      { index: 3, field: 'data[3].chatType', message: 'unknown code 9 (expected 1 private, 2 group)' },
      { index: 3, field: 'data[3].originType', message: 'unknown code 9 (expected 1 pc, 2 app, 3 web)' },
    ]);
  });

  test(`at most ${MAX_ERRORS} errors are kept, and the summary line counts the rest`, () => {
    const items = Array.from({ length: 30 }, () => msgItem({ messageId: '' }));
    const errors = errorsOf(() => msgSync(items));
    assert.equal(errors.length, MAX_ERRORS);
    assert.equal(describeFieldErrors(errors), `data[0].messageId: must not be empty (and ${MAX_ERRORS - 1} more problems)`);
    assert.equal(describeFieldErrors(errors.slice(0, 2)), 'data[0].messageId: must not be empty (and 1 more problem)');
    assert.equal(describeFieldErrors([]), 'invalid request');
  });

  test(`items past the first ${MAX_ERRORS} errors are still refused, not read as valid (a CLIENT_SYNC body of empty objects was a 500)`, () => {
    const empties = (n: number) => Array.from({ length: n }, () => ({}));
    for (const [name, fn] of [
      ['MSG_SYNC_MESSAGE', () => msgSync(empties(10))],
      ['CLIENT_SYNC_MESSAGE', () => normaliseClientSync(empties(10))],
      ['CLIENT_SYNC_MESSAGE_STATUS', () => normaliseStatusSync(empties(10), new Date())],
    ] as const) {
      const errors = errorsOf(fn);
      assert.equal(errors.length, MAX_ERRORS, name);
      assert.equal(errors[0]!.index, 0, name);
    }
  });

  test('the MSG_SYNC seed example, parsed with parseJsonLossless, normalises to the expected values', () => {
    const env = readMsgSyncEnvelope(parseJsonLossless(seed.msgSyncRequest));
    assert.equal(env.tenantId, 1238n);
    assert.equal(env.timestamp, 1667295870936);
    assert.equal(env.accessToken, 'e6e18763d8212d26ced4f92512881c63c468d5a756d45c01486d7ad6742152ac');
    const [text, video] = normaliseMsgSync(env, ZONE);
    assert.ok(text && video);
    assert.equal(text.whatsMessageId, '7a324c7b5512468cb7a9296af0f8379b');
    assert.equal(text.syncId, '30e873ab8f4840e2b610c414fe967327');
    assert.equal(text.agentAccount, 'gdkj002');
    assert.equal(text.agentId, null);
    assert.equal(text.accountWhatsId, '8617633819542@c.us');
    assert.equal(text.accountWhatsIdBare, '8617633819542');
    assert.equal(text.senderWhatsId, '8617633819542@c.us');
    assert.equal(text.friendWhatsId, '8615601882491@c.us');
    assert.equal(text.friendWhatsIdBare, '8615601882491');
    assert.equal(text.friendName, '好友1');
    assert.equal(text.direction, 'OUTBOUND');
    assert.equal(text.chatType, 'PRIVATE');
    assert.equal(text.contentType, 'TEXT');
    assert.equal(text.legacyContentType, 0);
    assert.equal(text.content, '再见');
    assert.deepEqual(text.parsedContent, { kind: 'text', text: '再见' });
    assert.equal(text.searchText, '再见');
    assert.equal(text.status, 'PENDING');
    // PENDING is reached at the chat time (sendTime 2022-10-31 16:25:42 in Asia/Shanghai), not at the delivery's timestamp.
    assert.equal(text.statusAt.getTime(), Date.UTC(2022, 9, 31, 8, 25, 42));
    assert.equal(text.origin, 'PC');
    assert.equal(text.taskId, null);
    assert.equal(text.taskInfoId, null);
    assert.equal(text.source, 'MSG_SYNC');
    assert.equal(text.referContent, null);
    assert.equal(text.chatTime.toISOString(), '2022-10-31T08:25:42.000Z');
    assert.deepEqual(text.contact, {
      externalId: '8423922419416375296',
      name: '好友1',
      whatsId: '447759820897',
      whatsIdBare: '447759820897',
      ownerName: 'testlsl001',
      income: null,
      profession: null,
      description: null,
      email: null,
      address: '北京',
      tags: ['测试', '测试000000000000000000', '11111'],
      customFields: { 单行文本: 'caseId009', 多选: '[]', 日期: '' },
      extendsMap: '{"单行文本":"caseId009","多选":"[]","日期":""}',
    });
    assert.equal(video.whatsMessageId, '82bfefadceb948428fd3f3ef659e14b3');
    assert.equal(video.contentType, 'VIDEO');
    assert.equal(video.legacyContentType, 2);
    assert.equal(video.parsedContent.kind, 'media');
    assert.equal((video.parsedContent as { mimeType: string | null }).mimeType, 'video/mp4');
    assert.equal((video.parsedContent as { url: string | null }).url, 'https://image.whatsappscrm.com/client/603704/chat_history/1665198225749_video');
    assert.equal(video.friendName, '好友2');
    assert.equal(video.taskId, null);
    assert.equal(video.contact!.externalId, '8423922419416375296');
    assert.equal(video.contact!.income, '100002');
    assert.equal(video.contact!.description, '备注');
    // JSON.parse would round the profile id: only the lossless parse keeps it.
    assert.notEqual(String((JSON.parse(seed.msgSyncRequest) as { data: { userProfile: { id: number } }[] }).data[0]!.userProfile.id), '8423922419416375296');
  });
});

// ---------------------------------------------------------------- CLIENT_SYNC

describe('CLIENT_SYNC_MESSAGE', () => {
  test('the body must be an array', () => {
    for (const [body, type] of [[{}, 'an object'], ['x', 'a string'], [null, 'null'], [1, 'a number']] as [LosslessJsonValue, string][]) {
      assertOneError(() => normaliseClientSync(body), 'body', `must be a JSON array of messages, got ${type}`, null);
    }
    assert.deepEqual(normaliseClientSync([]), []);
  });

  test('an item that is not an object', () => {
    assertOneError(() => normaliseClientSync([5]), '[0]', 'must be an object, got a number');
    assertOneError(() => normaliseClientSync([clientItem(), []]), '[1]', 'must be an object, got an array', 1);
  });

  for (const field of ['whatsApp', 'friendWhatsApp', 'actionType', 'chatType', 'content']) {
    test(`missing ${field} → [0].${field}: is required`, () => {
      assertOneError(() => normaliseClientSync([without(clientItem(), field)]), `[0].${field}`, 'is required');
      assertOneError(() => normaliseClientSync([clientItem({ [field]: null })]), `[0].${field}`, 'is required');
    });
  }

  test('content: must be a non-empty array of objects', () => {
    assertOneError(() => normaliseClientSync([clientItem({ content: 'x' })]), '[0].content', 'must be an array, got a string');
    assertOneError(() => normaliseClientSync([clientItem({ content: {} })]), '[0].content', 'must be an array, got an object');
    assertOneError(() => normaliseClientSync([clientItem({}, [])]), '[0].content', 'must have at least one item');
    assertOneError(() => normaliseClientSync([clientItem({}, [clientEntry(), 'x'])]), '[0].content[1]', 'must be an object, got a string');
  });

  for (const field of ['type', 'messageId', 'time']) {
    test(`content entry missing ${field} → [0].content[0].${field}: is required`, () => {
      assertOneError(() => normaliseClientSync([clientItem({}, [without(clientEntry(), field)])]), `[0].content[0].${field}`, 'is required');
      assertOneError(() => normaliseClientSync([clientItem({}, [clientEntry({ [field]: null })])]), `[0].content[0].${field}`, 'is required');
    });
  }

  test('the path names the item and the entry', () => {
    const body = [clientItem(), clientItem({}, [clientEntry({ messageId: 'ok' }), clientEntry({ messageId: '' })])];
    assertOneError(() => normaliseClientSync(body), '[1].content[1].messageId', 'must not be empty', 1);
  });

  test('wrong types and unknown codes', () => {
    assertOneError(() => normaliseClientSync([clientItem({ whatsApp: 86172272727 })]), '[0].whatsApp', 'must be a string, got a number');
    assertOneError(() => normaliseClientSync([clientItem({ friendWhatsApp: '' })]), '[0].friendWhatsApp', 'must not be empty');
    assertOneError(() => normaliseClientSync([clientItem({ actionType: '1' })]), '[0].actionType', 'must be an integer code (1 sent, 2 received), got a string');
    assertOneError(() => normaliseClientSync([clientItem({ actionType: 3 })]), '[0].actionType', 'unknown code 3 (expected 1 sent, 2 received)');
    assertOneError(() => normaliseClientSync([clientItem({ chatType: 0 })]), '[0].chatType', 'unknown code 0 (expected 1 private, 2 group)');
    assertOneError(() => normaliseClientSync([clientItem({ userId: true })]), '[0].userId', 'must be an id (number or string), got a boolean');
    for (const code of [0, 16, 98, 100, -1]) {
      assertOneError(() => normaliseClientSync([clientItem({}, [clientEntry({ type: code })])]), '[0].content[0].type', new RegExp(`^unknown code ${code} \\(expected 1 text, 2 image, .* 99 unsupported\\)$`));
    }
    assertOneError(() => normaliseClientSync([clientItem({}, [clientEntry({ type: '1' })])]), '[0].content[0].type', /^must be an integer code \(.*\), got a string$/);
    assertOneError(() => normaliseClientSync([clientItem({}, [clientEntry({ text: 5 })])]), '[0].content[0].text', 'must be a string, got a number');
    assertOneError(() => normaliseClientSync([clientItem({}, [clientEntry({ url: {} })])]), '[0].content[0].url', 'must be a string, got an object');
    assertOneError(() => normaliseClientSync([clientItem({}, [clientEntry({ referContent: 1 })])]), '[0].content[0].referContent', 'must be a string, got a number');
    assertOneError(() => normaliseClientSync([clientItem({}, [clientEntry({ messageId: 5 })])]), '[0].content[0].messageId', 'must be a string, got a number');
    assertOneError(() => normaliseClientSync([clientItem({}, [clientEntry({ text: 'a\u0000' })])]), '[0].content[0].text', 'must not contain NUL characters (\\u0000)');
    assertOneError(() => normaliseClientSync([clientItem({}, [clientEntry({ messageId: 'x'.repeat(257) })])]), '[0].content[0].messageId', 'must be at most 256 characters');
  });

  test('time: epoch milliseconds between 2000 and 2200; seconds are refused', () => {
    const at = (time: LosslessJsonValue) => normaliseClientSync([clientItem({}, [clientEntry({ time })])]);
    assert.equal(at(946_684_800_000)[0]!.chatTime.getTime(), 946_684_800_000);
    assert.equal(at(7_258_118_400_000)[0]!.chatTime.getTime(), 7_258_118_400_000);
    assertOneError(() => at(946_684_799_999), '[0].content[0].time', 'must be at least 946684800000');
    assertOneError(() => at(1_689_129_792), '[0].content[0].time', 'must be at least 946684800000');
    assertOneError(() => at(7_258_118_400_001), '[0].content[0].time', 'must be at most 7258118400000');
    assertOneError(() => at('1689129792000'), '[0].content[0].time', 'must be an integer, got a string');
    assertOneError(() => at(1_689_129_792_000.5), '[0].content[0].time', 'must be an integer, got a number');
  });

  test('statuses: OUTBOUND is PENDING and INBOUND is DELIVERED, at the chat time', () => {
    const [out] = normaliseClientSync([clientItem({ actionType: 1 })]);
    assert.equal(out!.status, 'PENDING');
    assert.equal(out!.statusAt.getTime(), 1_689_129_792_000);
    assert.equal(out!.direction, 'OUTBOUND');
    const [inb] = normaliseClientSync([clientItem({ actionType: 2 })]);
    assert.equal(inb!.status, 'DELIVERED');
    assert.equal(inb!.statusAt.getTime(), 1_689_129_792_000);
    assert.equal(inb!.source, 'CLIENT_SYNC');
  });

  test('sender: the account when outbound, the friend when inbound in a private chat, unknown in a group', () => {
    assert.equal(normaliseClientSync([clientItem({ actionType: 1 })])[0]!.senderWhatsId, '86172272727');
    assert.equal(normaliseClientSync([clientItem({ actionType: 2 })])[0]!.senderWhatsId, '61191828282');
    assert.equal(normaliseClientSync([clientItem({ actionType: 2, chatType: 2 })])[0]!.senderWhatsId, null);
  });

  test('fields: userId optional (number or string), task ids kept, content from text or url, each entry one message', () => {
    const entries = [
      clientEntry({ type: 1, text: 'hi', messageId: 'a' }),
      without(clientEntry({ type: 2, url: '{"filename":"f","url":"https://x/i","mimeType":"image/png","caption":"c"}', messageId: 'b' }), 'text'),
      without(clientEntry({ type: 9, url: '{"caption":"q","type":1}', referContent: '{"messageId":"Q1","whatsApp":"111","type":1,"caption":"orig"}', messageId: 'c' }), 'text'),
    ];
    const out = normaliseClientSync([clientItem({ userId: 82 }, entries)]);
    assert.deepEqual(out.map((m) => [m.whatsMessageId, m.contentType, m.legacyContentType]), [['a', 'TEXT', 1], ['b', 'IMAGE', 2], ['c', 'QUOTE', 9]]);
    assert.equal(out[0]!.agentId, '82');
    assert.equal(out[0]!.content, 'hi');
    assert.equal(out[0]!.taskId, 'task1');
    assert.equal(out[0]!.taskInfoId, 'info1');
    assert.equal(out[0]!.agentAccount, null);
    assert.equal(out[0]!.contact, null);
    assert.equal(out[0]!.friendName, null);
    assert.equal(out[1]!.content, '{"filename":"f","url":"https://x/i","mimeType":"image/png","caption":"c"}');
    assert.equal((out[1]!.parsedContent as { mimeType: string | null }).mimeType, 'image/png');
    assert.equal(out[2]!.referContent, '{"messageId":"Q1","whatsApp":"111","type":1,"caption":"orig"}');
    assert.equal((out[2]!.parsedContent as { quoted: { messageId: string } }).quoted.messageId, 'Q1');
    assert.equal(normaliseClientSync([without(clientItem(), 'userId')])[0]!.agentId, null);
    assert.equal(normaliseClientSync([clientItem({ userId: '', taskId: '', taskInfoId: null })])[0]!.taskId, null);
    // A text entry without text is an empty message, not an error.
    assert.equal(normaliseClientSync([clientItem({}, [without(clientEntry(), 'text')])])[0]!.content, '');
  });

  test(`at most ${CLIENT_SYNC_MAX_MESSAGES} messages per body (counted across items)`, () => {
    const entries = (n: number, from: number) => Array.from({ length: n }, (_, i) => clientEntry({ messageId: `m${from + i}` }));
    assert.equal(normaliseClientSync([clientItem({}, entries(250, 0)), clientItem({}, entries(250, 250))]).length, 500);
    assertOneError(() => normaliseClientSync([clientItem({}, entries(250, 0)), clientItem({}, entries(251, 250))]), 'body', 'must carry at most 500 messages, got 501', null);
  });

  test(
    'userId / taskId strings with a NUL character are refused',
    () => {
      assertOneError(() => normaliseClientSync([clientItem({ userId: '8\u00002' })]), '[0].userId', 'must not contain NUL characters (\\u0000)');
    },
  );
});

// ---------------------------------------------------------------- CLIENT_SYNC_MESSAGE_STATUS

describe('CLIENT_SYNC_MESSAGE_STATUS', () => {
  const at = new Date('2024-01-02T03:04:05.006Z');
  const sync = (body: LosslessJsonValue) => normaliseStatusSync(body, at);

  test('the body must be an array of at most 1000 objects', () => {
    assertOneError(() => sync({}), 'body', 'must be a JSON array of status updates, got an object', null);
    assertOneError(() => sync('x'), 'body', 'must be a JSON array of status updates, got a string', null);
    assert.deepEqual(sync([]), []);
    assert.equal(sync(Array.from({ length: STATUS_SYNC_MAX_ITEMS }, (_, i) => statusItem({ messageId: `m${i}` }))).length, 1000);
    assertOneError(() => sync(Array.from({ length: 1001 }, () => statusItem())), 'body', 'must have at most 1000 items, got 1001', null);
    assertOneError(() => sync([statusItem(), 7]), '[1]', 'must be an object, got a number', 1);
  });

  for (const field of ['userId', 'messageStatus', 'messageId']) {
    test(`missing ${field} → [0].${field}: is required`, () => {
      assertOneError(() => sync([without(statusItem(), field)]), `[0].${field}`, 'is required');
      assertOneError(() => sync([statusItem({ [field]: null })]), `[0].${field}`, 'is required');
    });
  }

  test('wrong types and unknown codes', () => {
    assertOneError(() => sync([statusItem({ messageStatus: '2' })]), '[0].messageStatus', /^must be an integer code \(.*\), got a string$/);
    for (const code of [0, 5, 9]) {
      assertOneError(() => sync([statusItem({ messageStatus: code })]), '[0].messageStatus', `unknown code ${code} (expected 1 not yet on the WhatsApp server, 2 sent, 3 delivered, 4 read)`);
    }
    assertOneError(() => sync([statusItem({ messageId: '' })]), '[0].messageId', 'must not be empty');
    assertOneError(() => sync([statusItem({ messageId: 12 })]), '[0].messageId', 'must be a string, got a number');
    assertOneError(() => sync([statusItem({ messageId: 'x\u0000' })]), '[0].messageId', 'must not contain NUL characters (\\u0000)');
    assertOneError(() => sync([statusItem({ userId: [] })]), '[0].userId', 'must be an id (number or string), got an array');
    assertOneError(() => sync([statusItem({ taskId: 1.25 })]), '[0].taskId', 'must be an id (number or string), got a number');
  });

  test('codes 1–4 map onto the unified scale; the time is the receipt time', () => {
    const out = sync([1, 2, 3, 4].map((c) => statusItem({ messageStatus: c, messageId: `m${c}` })));
    assert.deepEqual(out.map((u) => u.status), ['PENDING', 'SENT', 'DELIVERED', 'READ']);
    assert.ok(out.every((u) => u.reachedAt.getTime() === at.getTime()));
    assert.deepEqual(sync([statusItem({ userId: 82 })])[0], { whatsMessageId: 'sm-1', status: 'SENT', reachedAt: at, agentId: '82' });
  });

  test('the seed example', () => {
    assert.deepEqual(sync(parseJsonLossless(seed.statusSyncRequest)), [{ whatsMessageId: '19282dskdasldjl21', status: 'SENT', reachedAt: at, agentId: '82' }]);
  });
});

// ---------------------------------------------------------------- GraphQL input

describe('GraphQL mutation input', () => {
  const base = (o: Partial<ApiMessageInput> = {}): ApiMessageInput => ({
    accountWhatsId: '8617633819542@c.us',
    whatsMessageId: 'api-1',
    friendWhatsId: '8615601882491',
    direction: 'INBOUND',
    chatType: 'PRIVATE',
    contentType: 'TEXT',
    content: 'hi',
    status: 'DELIVERED',
    chatTime: new Date('2024-01-01T00:00:00Z'),
    ...o,
  });
  const now = new Date('2024-05-05T05:05:05Z');

  test('a valid message normalises like a webhook one', () => {
    const [m] = normaliseApiMessages([base({ contact: { externalId: '8423922419416375296', name: 'N', whatsId: '1@c.us' } })], now);
    assert.equal(m!.accountWhatsIdBare, '8617633819542');
    assert.equal(m!.statusAt.getTime(), now.getTime(), 'statusAt defaults to now');
    assert.equal(m!.legacyContentType, 1);
    assert.equal(m!.source, 'API');
    assert.equal(m!.contact!.externalId, '8423922419416375296');
    assert.equal(m!.contact!.whatsIdBare, '1');
  });

  test('blank whatsMessageId, bad contact externalId, invalid chatTime → paths with messages[i]', () => {
    assertOneError(() => normaliseApiMessages([base(), base({ whatsMessageId: ' ' })]), 'messages[1].whatsMessageId', 'must not be empty', 1);
    assertOneError(() => normaliseApiMessages([base({ contact: { externalId: 'abc' } })]), 'messages[0].contact.externalId', 'must be a decimal integer id');
    assertOneError(() => normaliseApiMessages([base({ contact: { externalId: '1'.repeat(33) } })]), 'messages[0].contact.externalId', 'must be at most 32 characters');
    assertOneError(() => normaliseApiMessages([base({ contact: { externalId: '1', customFields: [1] } })]), 'messages[0].contact.customFields', 'must be a JSON object');
    assertOneError(() => normaliseApiMessages([base({ chatTime: new Date(NaN) })]), 'messages[0].chatTime', 'must be a valid instant');
    assertOneError(() => normaliseApiMessages([base({ content: 'a\u0000' })]), 'messages[0].content', 'must not contain NUL characters (\\u0000)');
    assertOneError(() => normaliseApiMessages(Array.from({ length: 501 }, () => base())), 'input', 'at most 500 items per call, got 501', null);
  });

  test('status updates: blank id refused, reachedAt defaults to now', () => {
    assertOneError(() => normaliseApiStatusUpdates([{ whatsMessageId: '', status: 'READ' }]), 'updates[0].whatsMessageId', 'must not be empty');
    const at = new Date('2020-01-01T00:00:00Z');
    assert.deepEqual(normaliseApiStatusUpdates([{ whatsMessageId: 'x', status: 'READ', reachedAt: at }, { whatsMessageId: 'y', status: 'SENT' }], now), [
      { whatsMessageId: 'x', status: 'READ', reachedAt: at, agentId: null },
      { whatsMessageId: 'y', status: 'SENT', reachedAt: now, agentId: null },
    ]);
  });
});

// ---------------------------------------------------------------- mergeBatch

describe('mergeBatch', () => {
  const input = (id: string, status: MessageStatus, at: number, account = '111@c.us'): MessageInput => ({
    ...normaliseClientSync([clientItem({ whatsApp: account }, [clientEntry({ messageId: id })])])[0]!,
    status,
    statusAt: new Date(at),
  });

  test('duplicates become one: the highest status, the earliest time per status', () => {
    const merged = mergeBatch([
      input('x', 'SENT', 5000),
      input('x', 'DELIVERED', 3000),
      input('x', 'SENT', 2000),
      input('x', 'PENDING', 9000),
      input('x', 'DELIVERED', 4000),
    ]);
    assert.equal(merged.length, 1);
    assert.equal(merged[0]!.status, 'DELIVERED');
    assert.deepEqual(merged[0]!.times, { SENT: new Date(2000), DELIVERED: new Date(3000), PENDING: new Date(9000) });
  });

  test('a lower status later never lowers the merged one', () => {
    const [m] = mergeBatch([input('x', 'READ', 1), input('x', 'PENDING', 2)]);
    assert.equal(m!.status, 'READ');
    assert.deepEqual(m!.times, { READ: new Date(1), PENDING: new Date(2) });
  });

  test('identity is (bare account, message id): suffixes merge, other accounts do not', () => {
    const merged = mergeBatch([input('x', 'SENT', 1, '111@c.us'), input('x', 'READ', 2, '111'), input('x', 'PENDING', 3, '222')]);
    assert.deepEqual(merged.map((m) => [m.input.accountWhatsIdBare, m.status]), [['111', 'READ'], ['222', 'PENDING']]);
    assert.equal(merged[0]!.input.accountWhatsId, '111@c.us', 'the first delivery is the one stored');
  });

  test('output is sorted by (account, message id) whatever the input order', () => {
    const merged = mergeBatch([input('b', 'SENT', 1, '2'), input('c', 'SENT', 1, '1'), input('a', 'SENT', 1, '2'), input('a', 'SENT', 1, '1')]);
    assert.deepEqual(merged.map((m) => `${m.input.accountWhatsIdBare}/${m.input.whatsMessageId}`), ['1/a', '1/c', '2/a', '2/b']);
    assert.deepEqual(mergeBatch([]), []);
  });
});

// ---------------------------------------------------------------- webhook signatures

describe('webhook signatures', () => {
  const secret = 'whsec_test_fixed_secret';
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from('1238:1667295870936', 'utf8')).digest('hex');

  test('known answer: HMAC-SHA256 of "1238:1667295870936" as lowercase hex', () => {
    assert.match(expected, /^[0-9a-f]{64}$/);
    assert.equal(msgSyncAccessToken(secret, '1238', 1667295870936), expected);
    assert.equal(msgSyncAccessToken(secret, '1238', '1667295870936'), expected);
    const now = 1667295870936;
    assert.deepEqual(verifyMsgSyncToken(secret, '1238', 1667295870936, expected, now), { ok: true });
    assert.deepEqual(verifyMsgSyncToken(secret, '1238', 1667295870936, expected.toUpperCase(), now), { ok: true });
    const wrong = verifyMsgSyncToken('other', '1238', 1667295870936, expected, now);
    assert.equal(wrong.ok, false);
    assert.match((wrong as { reason: string }).reason, /^accessToken does not match/);
    assert.equal(verifyMsgSyncToken(secret, '1239', 1667295870936, expected, now).ok, false, 'the tenant is part of the message');
  });

  test('body signature: sha256=<hex of HMAC("<timestamp>.<raw body>")>', () => {
    const body = '[{"a":1}]';
    const hex = createHmac('sha256', secret).update(`1700000000000.${body}`).digest('hex');
    assert.equal(bodySignature(secret, 1700000000000, body), `sha256=${hex}`);
    assert.deepEqual(verifyBodySignature(secret, 1700000000000, body, `sha256=${hex}`, 1700000000000), { ok: true });
    assert.equal(verifyBodySignature(secret, 1700000000000, body + ' ', `sha256=${hex}`, 1700000000000).ok, false);
    assert.equal(verifyBodySignature(secret, 1700000000000, body, hex, 1700000000000).ok, false, 'the sha256= prefix is required');
  });

  test('±300 s: exactly 300000 ms away is accepted, 300001 ms is refused, both directions', () => {
    const now = 1_700_000_000_000;
    assert.equal(SIGNATURE_TOLERANCE_MS, 300_000);
    assert.deepEqual(checkTimestamp(now - 300_000, now), { ok: true });
    assert.deepEqual(checkTimestamp(now + 300_000, now), { ok: true });
    assert.deepEqual(checkTimestamp(now - 300_001, now), { ok: false, reason: "timestamp is 300 s away from the server's clock (at most 300 s allowed)" });
    assert.deepEqual(checkTimestamp(now + 300_001, now), { ok: false, reason: "timestamp is 300 s away from the server's clock (at most 300 s allowed)" });
    assert.equal(checkTimestamp(NaN, now).ok, false);
    const tokenAt = (ts: number) => msgSyncAccessToken(secret, '1238', ts);
    assert.equal(verifyMsgSyncToken(secret, '1238', now - 300_000, tokenAt(now - 300_000), now).ok, true);
    assert.equal(verifyMsgSyncToken(secret, '1238', now - 300_001, tokenAt(now - 300_001), now).ok, false);
    assert.equal(verifyMsgSyncToken(secret, '1238', now + 300_001, tokenAt(now + 300_001), now).ok, false);
    assert.equal(verifyBodySignature(secret, now + 300_000, 'b', bodySignature(secret, now + 300_000, 'b'), now).ok, true);
    assert.equal(verifyBodySignature(secret, now + 300_001, 'b', bodySignature(secret, now + 300_001, 'b'), now).ok, false);
  });

  test('safeEqual: different lengths are simply unequal (no throw), equal strings are equal', () => {
    assert.equal(safeEqual('abc', 'abc'), true);
    assert.equal(safeEqual('abc', 'abd'), false);
    assert.equal(safeEqual('abc', 'abcd'), false);
    assert.equal(safeEqual('', 'a'), false);
    assert.equal(safeEqual('', ''), true);
    assert.equal(safeEqual(expected, expected.slice(0, 63)), false);
    // Same UTF-16 length, different byte length.
    assert.equal(safeEqual('é', 'e'), false);
    assert.equal(verifyMsgSyncToken(secret, '1238', 1, 'short', 1).ok, false);
  });
});
