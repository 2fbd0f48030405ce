import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONTENT_TYPES,
  type ContentType,
  clientCodeOf,
  contentTypeFromClientCode,
  contentTypeFromMsgPageCode,
  contentTypeFromWrittenMsgPageCode,
  isContentType,
  msgPageCodeOf,
} from '../../src/domain/content-type.ts';

// The tables exactly as the seed documents them.
const MSG_PAGE: [number, ContentType][] = [
  [0, 'TEXT'],
  [1, 'IMAGE'],
  [2, 'VIDEO'],
  [3, 'AUDIO'],
  [4, 'FILE'],
  [6, 'CONTACT_CARD'],
  [7, 'STICKER'],
  [9, 'QUOTE'],
];
const CLIENT: [number, ContentType][] = [
  [1, 'TEXT'],
  [2, 'IMAGE'],
  [3, 'AUDIO'],
  [4, 'FILE'],
  [5, 'VIDEO'],
  [6, 'CONTACT_CARD'],
  [7, 'STICKER'],
  [8, 'CALL'],
  [9, 'QUOTE'],
  [10, 'CARD_LINK'],
  [11, 'DIVERT_LINK'],
  [12, 'VOICE_NOTE'],
  [13, 'LOCATION'],
  [14, 'CONTACT_CARDS'],
  [15, 'GIF'],
  [99, 'UNSUPPORTED'],
];

test('the enum values match the Prisma schema, in order', () => {
  assert.deepEqual(
    [...CONTENT_TYPES],
    [
      'TEXT', 'IMAGE', 'VIDEO', 'AUDIO', 'FILE', 'CONTACT_CARD', 'STICKER', 'CALL', 'QUOTE',
      'CARD_LINK', 'DIVERT_LINK', 'VOICE_NOTE', 'LOCATION', 'CONTACT_CARDS', 'GIF', 'UNSUPPORTED',
    ],
  );
});

test('msgPage codes decode and encode both ways', () => {
  for (const [code, type] of MSG_PAGE) {
    assert.equal(contentTypeFromMsgPageCode(code), type, `decode ${code}`);
    assert.equal(contentTypeFromMsgPageCode(String(code)), type, `decode "${code}"`);
    assert.equal(msgPageCodeOf(type), code, `encode ${type}`);
  }
});

test('client codes decode and encode both ways', () => {
  for (const [code, type] of CLIENT) {
    assert.equal(contentTypeFromClientCode(code), type, `decode ${code}`);
    assert.equal(contentTypeFromClientCode(String(code)), type, `decode "${code}"`);
    assert.equal(clientCodeOf(type), code, `encode ${type}`);
  }
  // Every unified type has exactly one client code.
  assert.deepEqual(CONTENT_TYPES.map(clientCodeOf).sort((a, b) => a - b), CLIENT.map(([c]) => c));
});

test('the two numberings differ where the seed says they do', () => {
  assert.equal(contentTypeFromMsgPageCode(2), 'VIDEO');
  assert.equal(contentTypeFromClientCode(2), 'IMAGE');
  assert.equal(contentTypeFromMsgPageCode(0), 'TEXT');
  assert.equal(contentTypeFromClientCode(0), null);
  assert.equal(contentTypeFromClientCode(5), 'VIDEO');
  assert.equal(contentTypeFromMsgPageCode(5), null);
});

test('types msgPage cannot name are written with their client code', () => {
  const expected: [ContentType, number][] = [
    ['CALL', 8],
    ['CARD_LINK', 10],
    ['DIVERT_LINK', 11],
    ['VOICE_NOTE', 12],
    ['LOCATION', 13],
    ['CONTACT_CARDS', 14],
    ['GIF', 15],
    ['UNSUPPORTED', 99],
  ];
  for (const [type, code] of expected) {
    assert.equal(msgPageCodeOf(type), code, type);
  }
  // Together with the native ones that covers the whole enum.
  assert.equal(expected.length + MSG_PAGE.length, CONTENT_TYPES.length);
});

test('unknown codes decode to null', () => {
  for (const code of [5, 8, 10, 11, 15, 99, -1, 100, 1.5, NaN, Infinity]) {
    assert.equal(contentTypeFromMsgPageCode(code), null, `msgPage ${code}`);
  }
  for (const code of [0, 16, 98, 100, -1, 2.5, NaN]) {
    assert.equal(contentTypeFromClientCode(code), null, `client ${code}`);
  }
  for (const junk of [null, undefined, '', ' 1', '1.0', 'one', true, {}, [1], 1n]) {
    assert.equal(contentTypeFromMsgPageCode(junk), null, `msgPage ${String(junk)}`);
    assert.equal(contentTypeFromClientCode(junk), null, `client ${String(junk)}`);
  }
});

test('isContentType accepts only enum names', () => {
  for (const t of CONTENT_TYPES) assert.equal(isContentType(t), true);
  for (const v of ['text', 'Image', '', 'MEDIA', 1, null, undefined]) assert.equal(isContentType(v), false);
});

test('contentTypeFromWrittenMsgPageCode reads back every code msgPageCodeOf writes, and nothing else', () => {
  for (const type of CONTENT_TYPES) assert.equal(contentTypeFromWrittenMsgPageCode(msgPageCodeOf(type)), type, type);
  const written = new Set(CONTENT_TYPES.map(msgPageCodeOf));
  for (let code = -1; code <= 120; code++) {
    if (!written.has(code)) assert.equal(contentTypeFromWrittenMsgPageCode(code), null, `code ${code}`);
  }
  assert.equal(contentTypeFromWrittenMsgPageCode(5), null, "the client's video is msgPage's 2");
  assert.equal(contentTypeFromWrittenMsgPageCode('8'), 'CALL');
});
