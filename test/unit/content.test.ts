import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTENT_TYPES, type ContentType } from '../../src/domain/content-type.ts';
import { parseContent, searchTextOf, type ParsedContent } from '../../src/domain/content.ts';

// ------------------------------------------------------------------
// Every content example of the seed document
// (/work/shared/seeds/000_4a26c3a661ef59a4.txt), copied verbatim: each is the
// JSON string literal as it appears there, so its value is the content string.
// seed line 54
const MSG_PAGE_QUOTE =
  "{\"caption\":\"hasaki\",\"filename\":\"wallpaper.png\",\"mimeType\":\"image/png\",\"type\":4,\"url\":\"http://wascrm008.oss-ap-southeast-1.aliyuncs.com/8435252A37C416whatsapp2CB4454C3EB0CC2D32D87993DACE07?Expires=1742354786&OSSAccessKeyId=STS.NWfTNWrMnN8g2VRK32yjgVsiK&Signature=ior0i3YcXR8nQSY27Wdmy2z9mec%3D&security-token=CAIS9gJ1q6Ft5B2yfSjIr5TTH%2FTjn5JP%2BfqMMHDjrzNndeVLubbCqTz2IHpJdHJrBOAZsPo1m2BS7v0dlo16E5RJH0GVY44g4s4NtF%2FxP4aE6sfsvflYg8H9FDjOUhD10pKKqzg0x2GHKJmXcFnhunJZ89mTLEefPTGMNZmOluQQDLA%2BVRW5ajxrHcpfIhAYxuYRKXrWM4TCUHPtmXGCTjAr2GxGhHh49L60z%2BCF9xPalyea8OIOoJnrKZXWCKsJNZxkAdCux740JOiTkgwoskgarvgq3PEaoGqY5o3NW2M8uUvWb7DmlfR0NxJ8a6QAHKpJkePxj%2FUQuJaIzdmnkE0Qbb4LDX6AFNr4m5TeY%2BiuM9M%2Bc%2FPgJ2%2BI28qKc4Pytw40ue%2BppfOpv7HLQ1oH6nxEIlmyQsfPc2DS6YsIeIavxEBbAzfkAhiZPDsnaophec%2Ft9QwyFLGykS2mSRCYcxLP3EEInQICETdFQ4LxZ%2BEVyHgLbvzR7GW6PhqAAVyckDg%2FpKbDfz5pqvGkNw7lzP1j3d%2FrINXTZSYNWd%2Bq0IOYEsQ4aHfyNBLyxsbIh4Bxg3btIMNCROp6ZzU3hkT%2F%2FREMNJSNCf1lo5awaYYB0QXyB6op2c0hCPXRw1sbz%2FGwvMXQY20lj5SjiIirfsWcAsufbm%2FNdTzPIZqFjzeFIAA%3D\",\"referContent\":{\"caption\":\"\",\"filename\":\"8435252A37C416whatsapp2CB4454C3EB084F0BFB4F7694B9684\",\"mimeType\":\"image/jpeg\",\"type\":1,\"url\":\"http://wascrm008.oss-ap-southeast-1.aliyuncs.com/8435252A37C416whatsapp2CB4454C3EB084F0BFB4F7694B9684?Expires=1742354786&OSSAccessKeyId=STS.NWfTNWrMnN8g2VRK32yjgVsiK&Signature=490ZbvCQCVDpfdrlp6sLVGPqclA%3D&security-token=CAIS9gJ1q6Ft5B2yfSjIr5TTH%2FTjn5JP%2BfqMMHDjrzNndeVLubbCqTz2IHpJdHJrBOAZsPo1m2BS7v0dlo16E5RJH0GVY44g4s4NtF%2FxP4aE6sfsvflYg8H9FDjOUhD10pKKqzg0x2GHKJmXcFnhunJZ89mTLEefPTGMNZmOluQQDLA%2BVRW5ajxrHcpfIhAYxuYRKXrWM4TCUHPtmXGCTjAr2GxGhHh49L60z%2BCF9xPalyea8OIOoJnrKZXWCKsJNZxkAdCux740JOiTkgwoskgarvgq3PEaoGqY5o3NW2M8uUvWb7DmlfR0NxJ8a6QAHKpJkePxj%2FUQuJaIzdmnkE0Qbb4LDX6AFNr4m5TeY%2BiuM9M%2Bc%2FPgJ2%2BI28qKc4Pytw40ue%2BppfOpv7HLQ1oH6nxEIlmyQsfPc2DS6YsIeIavxEBbAzfkAhiZPDsnaophec%2Ft9QwyFLGykS2mSRCYcxLP3EEInQICETdFQ4LxZ%2BEVyHgLbvzR7GW6PhqAAVyckDg%2FpKbDfz5pqvGkNw7lzP1j3d%2FrINXTZSYNWd%2Bq0IOYEsQ4aHfyNBLyxsbIh4Bxg3btIMNCROp6ZzU3hkT%2F%2FREMNJSNCf1lo5awaYYB0QXyB6op2c0hCPXRw1sbz%2FGwvMXQY20lj5SjiIirfsWcAsufbm%2FNdTzPIZqFjzeFIAA%3D\",\"whatsId\":\"918448631208@c.us\",\"msgId\":\"3EB084F0BFB4F7694B9684\"}}";
// seed line 68
const MSG_PAGE_TEXT =
  "这里是China";
// seed line 82
const MSG_PAGE_IMAGE =
  "{\"filename\":\"null\",\"url\":\"https://whatsappscrm.oss-ap-southeast-1.aliyuncs.com/542192/soundRecordUploadFile/20241024/IMG-20241024-WA0008.jpg\",\"mimeType\":\"image/jpeg\",\"caption\":\"\"}";
// seed line 96
const MSG_PAGE_VIDEO =
  "{\"filename\":\"d36a02a3-2566-453a-8a71-bf577dc64beb.mp4\",\"url\":\"https://whatsappscrm.oss-ap-southeast-1.aliyuncs.com/542192/soundRecordUploadFile/20241023/VID-20241023-WA0011.mp4\",\"mimeType\":\"video/mp4\",\"caption\":\"\"}";
// seed line 110
const MSG_PAGE_AUDIO =
  "{\"filename\":\"null\",\"url\":\"https://whatsappscrm.oss-ap-southeast-1.aliyuncs.com/542192/soundRecordUploadFile/20250314/PTT-20250314-WA0001.opus\",\"mimeType\":\"audio\",\"caption\":\"\"}";
// seed line 124
const MSG_PAGE_FILE =
  "{\"filename\":\"2dc7dc135da9abad576ce2049a4f4b44.jpeg\",\"url\":\"https://whatsappscrm.oss-ap-southeast-1.aliyuncs.com/542192/soundRecordUploadFile/20241024/2dc7dc135da9abad576ce2049a4f4b44.jpeg\",\"mimeType\":\"document\",\"caption\":\"2dc7dc135da9abad576ce2049a4f4b44.jpeg\"}";
// seed line 138
const MSG_PAGE_CONTACT_CARD =
  "BEGIN:VCARD\nVERSION:3.0\nN:;Jack 001;;;\nFN:Jack 001\nX-WA-BIZ-NAME:ChiuChiu Furniture\nTEL;type=CELL;type=VOICE;waid=4477590xxxxx:+44 7759 xxxxx\nEND:VCARD";
// seed line 152
const MSG_PAGE_STICKER =
  "{\"filename\":\"8672762A37C416whatsapp2CB4454C3A422ABC9FE76503910D\",\"url\":\"https://wascrm-oss-static.socialepoch.com/client/da1af6271ac8df062768aa80da058172/8672762A37C416whatsapp2CB4454C3A422ABC9FE76503910D\",\"mimeType\":\"image/webp\",\"caption\":\"\"}";
// seed line 191
const MSG_SYNC_TEXT =
  "再见";
// seed line 225
const MSG_SYNC_VIDEO =
  "{\"caption\":\"\",\"filename\":\"\",\"mimetype\":\"video/mp4\",\"url\":\"https://image.whatsappscrm.com/client/603704/chat_history/1665198225749_video\"}";
// seed line 312
const CLIENT_SYNC_TEXT =
  "hello";
// seed line 329
const CLIENT_SYNC_IMAGE_URL =
  "{\"filename\": \"e70faa31-62dc-4d00-a42a-8a07735aa350\",\"url\": \"https://id-wscrm.oss-accelerate.aliyuncs.com/client/d584b8cfb9185cc999389f17b4236b3b/61733005-dfdb-4704-9c5d-944423c70dd1\",\"mimeType\": \"image/jpeg\", \"caption\": \"\"}";
// seed line 346
const CLIENT_SYNC_QUOTE_URL =
  "{\"caption\":\"1\",\"filename\":\"\",\"mimeType\":\"\",\"type\":1,\"url\":\"\"}";
// seed line 349
const CLIENT_SYNC_QUOTE_REFER_CONTENT =
  "{\"caption\":\"1\",\"filename\":\"\",\"mimeType\":\"\",\"type\":1,\"url\":\"\",\"whatsApp\":\"8615375457649\",\"messageId\":\"3EB04F939512D66B1F2DFA\"}";

// The long signed URLs of the quote example, for exact comparison.
const quoteJson = JSON.parse(MSG_PAGE_QUOTE) as { url: string; referContent: { url: string } };
const REPLY_URL = quoteJson.url;
const QUOTED_URL = quoteJson.referContent.url;

// Stored in a JSON column: it must come back from JSON unchanged.
function assertJsonSafe(parsed: ParsedContent): void {
  assert.deepEqual(JSON.parse(JSON.stringify(parsed)), parsed);
}

function parsed(type: ContentType, raw: string, referContent?: string | null): ParsedContent {
  const p = parseContent(type, raw, referContent);
  assertJsonSafe(p);
  return p;
}

test('seed msgPage 9: a reply with an image, quoting an image (embedded referContent)', () => {
  assert.ok(REPLY_URL.startsWith('http://wascrm008.oss-ap-southeast-1.aliyuncs.com/8435252A37C416whatsapp2CB4454C3EB0CC2D32D87993DACE07?Expires=1742354786'));
  assert.ok(QUOTED_URL.startsWith('http://wascrm008.oss-ap-southeast-1.aliyuncs.com/8435252A37C416whatsapp2CB4454C3EB084F0BFB4F7694B9684?Expires=1742354786'));
  const p = parsed('QUOTE', MSG_PAGE_QUOTE);
  assert.deepEqual(p, {
    kind: 'quote',
    text: null,
    caption: 'hasaki',
    media: { filename: 'wallpaper.png', url: REPLY_URL, mimeType: 'image/png', caption: 'hasaki' },
    quoted: {
      messageId: '3EB084F0BFB4F7694B9684',
      whatsId: '918448631208@c.us',
      contentType: 1,
      text: null,
      caption: null,
      filename: '8435252A37C416whatsapp2CB4454C3EB084F0BFB4F7694B9684',
      url: QUOTED_URL,
      mimeType: 'image/jpeg',
    },
  });
  assert.equal(searchTextOf(p), 'hasaki');
});

test('seed msgPage 0 and MSG_SYNC 0: plain text', () => {
  assert.deepEqual(parsed('TEXT', MSG_PAGE_TEXT), { kind: 'text', text: '这里是China' });
  assert.deepEqual(parsed('TEXT', MSG_SYNC_TEXT), { kind: 'text', text: '再见' });
  assert.equal(searchTextOf(parsed('TEXT', MSG_SYNC_TEXT)), '再见');
});

test('seed msgPage 1: an image whose filename is the string "null"', () => {
  const p = parsed('IMAGE', MSG_PAGE_IMAGE);
  assert.deepEqual(p, {
    kind: 'media',
    filename: null,
    url: 'https://whatsappscrm.oss-ap-southeast-1.aliyuncs.com/542192/soundRecordUploadFile/20241024/IMG-20241024-WA0008.jpg',
    mimeType: 'image/jpeg',
    caption: null,
  });
  assert.equal(searchTextOf(p), '');
});

test('seed msgPage 2: a video', () => {
  assert.deepEqual(parsed('VIDEO', MSG_PAGE_VIDEO), {
    kind: 'media',
    filename: 'd36a02a3-2566-453a-8a71-bf577dc64beb.mp4',
    url: 'https://whatsappscrm.oss-ap-southeast-1.aliyuncs.com/542192/soundRecordUploadFile/20241023/VID-20241023-WA0011.mp4',
    mimeType: 'video/mp4',
    caption: null,
  });
});

test('seed msgPage 3: audio with a bare "audio" MIME kind', () => {
  assert.deepEqual(parsed('AUDIO', MSG_PAGE_AUDIO), {
    kind: 'media',
    filename: null,
    url: 'https://whatsappscrm.oss-ap-southeast-1.aliyuncs.com/542192/soundRecordUploadFile/20250314/PTT-20250314-WA0001.opus',
    mimeType: 'audio',
    caption: null,
  });
});

test('seed msgPage 4: a file with a caption', () => {
  const p = parsed('FILE', MSG_PAGE_FILE);
  assert.deepEqual(p, {
    kind: 'media',
    filename: '2dc7dc135da9abad576ce2049a4f4b44.jpeg',
    url: 'https://whatsappscrm.oss-ap-southeast-1.aliyuncs.com/542192/soundRecordUploadFile/20241024/2dc7dc135da9abad576ce2049a4f4b44.jpeg',
    mimeType: 'document',
    caption: '2dc7dc135da9abad576ce2049a4f4b44.jpeg',
  });
  assert.equal(searchTextOf(p), '2dc7dc135da9abad576ce2049a4f4b44.jpeg');
});

test('seed msgPage 6: a vCard with a business name and a waid', () => {
  const p = parsed('CONTACT_CARD', MSG_PAGE_CONTACT_CARD);
  assert.deepEqual(p, {
    kind: 'contactCard',
    cards: [
      {
        name: 'Jack 001',
        businessName: 'ChiuChiu Furniture',
        phones: [{ number: '+44 7759 xxxxx', whatsId: '4477590xxxxx' }],
      },
    ],
  });
  assert.equal(searchTextOf(p), 'Jack 001 ChiuChiu Furniture');
});

test('seed msgPage 7: a sticker', () => {
  assert.deepEqual(parsed('STICKER', MSG_PAGE_STICKER), {
    kind: 'media',
    filename: '8672762A37C416whatsapp2CB4454C3A422ABC9FE76503910D',
    url: 'https://wascrm-oss-static.socialepoch.com/client/da1af6271ac8df062768aa80da058172/8672762A37C416whatsapp2CB4454C3A422ABC9FE76503910D',
    mimeType: 'image/webp',
    caption: null,
  });
});

test('seed MSG_SYNC 2: a video spelled with "mimetype" and empty filename', () => {
  assert.deepEqual(parsed('VIDEO', MSG_SYNC_VIDEO), {
    kind: 'media',
    filename: null,
    url: 'https://image.whatsappscrm.com/client/603704/chat_history/1665198225749_video',
    mimeType: 'video/mp4',
    caption: null,
  });
});

test('seed CLIENT_SYNC type 1: text', () => {
  assert.deepEqual(parsed('TEXT', CLIENT_SYNC_TEXT), { kind: 'text', text: 'hello' });
});

test('seed CLIENT_SYNC type 2: the url object of an image (spaces after colons)', () => {
  assert.deepEqual(parsed('IMAGE', CLIENT_SYNC_IMAGE_URL), {
    kind: 'media',
    filename: 'e70faa31-62dc-4d00-a42a-8a07735aa350',
    url: 'https://id-wscrm.oss-accelerate.aliyuncs.com/client/d584b8cfb9185cc999389f17b4236b3b/61733005-dfdb-4704-9c5d-944423c70dd1',
    mimeType: 'image/jpeg',
    caption: null,
  });
});

test('seed CLIENT_SYNC type 9: a text reply with referContent given separately', () => {
  const p = parsed('QUOTE', CLIENT_SYNC_QUOTE_URL, CLIENT_SYNC_QUOTE_REFER_CONTENT);
  assert.deepEqual(p, {
    kind: 'quote',
    text: null,
    caption: '1',
    media: null,
    quoted: {
      messageId: '3EB04F939512D66B1F2DFA',
      whatsId: '8615375457649',
      contentType: 1,
      text: null,
      caption: '1',
      filename: null,
      url: null,
      mimeType: null,
    },
  });
  assert.equal(searchTextOf(p), '1', 'only the reply itself, not the quoted message');
  // Without its referContent the reply is still a reply, quoting nothing known.
  assert.deepEqual(parsed('QUOTE', CLIENT_SYNC_QUOTE_URL), { ...p, quoted: null });
});

// ------------------------------------------------------------------ media

test('media: the seed "mimeType" wins over "mimetype" when both are set; either alone works', () => {
  const p = parsed('IMAGE', '{"mimeType":"image/png","mimetype":"image/jpeg"}');
  assert.equal(p.kind === 'media' && p.mimeType, 'image/png');
  const q = parsed('IMAGE', '{"mimeType":"","mimetype":"image/jpeg"}');
  assert.equal(q.kind === 'media' && q.mimeType, 'image/jpeg');
});

test('media: every media type, voice notes, GIFs and links read the same object', () => {
  const raw = '{"filename":"a.ogg","url":"https://x/a.ogg","mimeType":"audio/ogg; codecs=opus","caption":"hi"}';
  for (const type of ['IMAGE', 'VIDEO', 'AUDIO', 'FILE', 'STICKER', 'VOICE_NOTE', 'GIF', 'CARD_LINK', 'DIVERT_LINK'] as const) {
    assert.deepEqual(
      parsed(type, raw),
      { kind: 'media', filename: 'a.ogg', url: 'https://x/a.ogg', mimeType: 'audio/ogg; codecs=opus', caption: 'hi' },
      type,
    );
  }
});

test('media: missing, empty and non-string fields', () => {
  assert.deepEqual(parsed('IMAGE', '{}'), { kind: 'media', filename: null, url: null, mimeType: null, caption: null });
  assert.deepEqual(parsed('FILE', '{"filename":123,"url":null,"caption":true,"mimeType":{"a":1}}'), {
    kind: 'media',
    filename: '123',
    url: null,
    mimeType: null,
    caption: 'true',
  });
  assert.deepEqual(parsed('FILE', '{"fileName":"report.pdf"}'), {
    kind: 'media',
    filename: 'report.pdf',
    url: null,
    mimeType: null,
    caption: null,
  });
});

test('media: a double-encoded JSON string is unwrapped once', () => {
  assert.deepEqual(parsed('IMAGE', JSON.stringify('{"url":"https://x/1.png"}')), {
    kind: 'media',
    filename: null,
    url: 'https://x/1.png',
    mimeType: null,
    caption: null,
  });
});

test('media: plain text instead of JSON is kept raw, and its text searchable', () => {
  const p = parsed('IMAGE', 'look at this');
  assert.deepEqual(p, { kind: 'raw', raw: 'look at this', text: 'look at this' });
  assert.equal(searchTextOf(p), 'look at this');
});

// ------------------------------------------------------------------ contact cards

test('vCard: CRLF line ends, folded lines, several TEL lines, escapes', () => {
  const card = [
    'BEGIN:VCARD',
    'VERSION:3.0',
    'N:Smith;John;Q.;Dr.;Jr.',
    'FN:John Q. Smith\\, Jr.',
    'X-WA-BIZ-NAME:Smith ',
    ' & Sons',
    'item1.TEL;type=CELL;waid=8613800000000:+86 138 0000',
    '\t0000',
    'TEL;TYPE=WORK:+44 20 7946 0000',
    'TEL:tel:+1-555-0100',
    'EMAIL:john@example.com',
    'END:VCARD',
  ].join('\r\n');
  assert.deepEqual(parsed('CONTACT_CARD', card), {
    kind: 'contactCard',
    cards: [
      {
        name: 'John Q. Smith, Jr.',
        businessName: 'Smith & Sons',
        phones: [
          { number: '+86 138 00000000', whatsId: '8613800000000' },
          { number: '+44 20 7946 0000', whatsId: null },
          { number: '+1-555-0100', whatsId: null },
        ],
      },
    ],
  });
});

test('vCard: several cards (CONTACT_CARDS), name from N when FN is missing, card without phones', () => {
  const cards =
    'BEGIN:VCARD\nVERSION:3.0\nN:;Alice;;;\nTEL;type=CELL;type=VOICE;waid=447700900001:+44 7700 900001\nEND:VCARD\n' +
    'BEGIN:VCARD\nVERSION:3.0\nFN:Bob\nEND:VCARD\n' +
    'begin:vcard\nfn:Carol\ntel;waid=15550100:+1 555 0100\nend:vcard';
  const p = parsed('CONTACT_CARDS', cards);
  assert.deepEqual(p, {
    kind: 'contactCard',
    cards: [
      { name: 'Alice', businessName: null, phones: [{ number: '+44 7700 900001', whatsId: '447700900001' }] },
      { name: 'Bob', businessName: null, phones: [] },
      { name: 'Carol', businessName: null, phones: [{ number: '+1 555 0100', whatsId: '15550100' }] },
    ],
  });
  assert.equal(searchTextOf(p), 'Alice Bob Carol');
  // A single-card type holding two cards still keeps both.
  assert.equal(parsed('CONTACT_CARD', cards).kind, 'contactCard');
});

test('vCard: a card cut off before END:VCARD still counts; a card with nothing is all nulls', () => {
  assert.deepEqual(parsed('CONTACT_CARD', 'BEGIN:VCARD\nFN:Dan\nTEL;waid=1:+1'), {
    kind: 'contactCard',
    cards: [{ name: 'Dan', businessName: null, phones: [{ number: '+1', whatsId: '1' }] }],
  });
  assert.deepEqual(parsed('CONTACT_CARD', 'BEGIN:VCARD\nEND:VCARD'), {
    kind: 'contactCard',
    cards: [{ name: null, businessName: null, phones: [] }],
  });
});

test('vCard: wrapped in a JSON object or array of strings', () => {
  const inner = 'BEGIN:VCARD\nFN:Eve\nEND:VCARD';
  const expected = { kind: 'contactCard', cards: [{ name: 'Eve', businessName: null, phones: [] }] };
  assert.deepEqual(parsed('CONTACT_CARD', JSON.stringify({ caption: inner })), expected);
  assert.deepEqual(parsed('CONTACT_CARDS', JSON.stringify({ vcards: [inner, inner] })), {
    ...expected,
    cards: [expected.cards[0], expected.cards[0]],
  });
  assert.deepEqual(parsed('CONTACT_CARD', JSON.stringify(inner)), expected);
});

test('vCard: no card at all is raw', () => {
  assert.deepEqual(parsed('CONTACT_CARD', 'FN:Nobody'), { kind: 'raw', raw: 'FN:Nobody', text: 'FN:Nobody' });
  assert.deepEqual(parsed('CONTACT_CARDS', '{"a":1}'), { kind: 'raw', raw: '{"a":1}', text: null });
});

// ------------------------------------------------------------------ quotes

test('quote: referContent embedded as a JSON string, with messageId/whatsApp spellings and text', () => {
  const refer = JSON.stringify({ text: 'original', messageId: 'M1', whatsApp: '8613', type: 0 });
  const p = parsed('QUOTE', JSON.stringify({ text: 'my answer', referContent: refer }));
  assert.deepEqual(p, {
    kind: 'quote',
    text: 'my answer',
    caption: null,
    media: null,
    quoted: {
      messageId: 'M1',
      whatsId: '8613',
      contentType: 0,
      text: 'original',
      caption: null,
      filename: null,
      url: null,
      mimeType: null,
    },
  });
  assert.equal(searchTextOf(p), 'my answer');
});

test('quote: the separate referContent argument wins over an embedded one; a string type is kept as given', () => {
  const p = parsed(
    'QUOTE',
    JSON.stringify({ caption: 'c', referContent: { msgId: 'EMBEDDED' } }),
    JSON.stringify({ messageId: 'SEPARATE', type: '2' }),
  );
  assert.equal(p.kind === 'quote' && p.quoted?.messageId, 'SEPARATE');
  assert.equal(p.kind === 'quote' && p.quoted?.contentType, '2');
  // An unreadable separate one falls back to the embedded one.
  const q = parsed('QUOTE', JSON.stringify({ referContent: { msgId: 'EMBEDDED' } }), '{broken');
  assert.equal(q.kind === 'quote' && q.quoted?.messageId, 'EMBEDDED');
});

test('quote: a plain-text reply with a referContent is a reply; plain text alone is raw', () => {
  assert.deepEqual(parsed('QUOTE', 'sure!', '{"messageId":"M2","type":1,"caption":"question?"}'), {
    kind: 'quote',
    text: 'sure!',
    caption: null,
    media: null,
    quoted: {
      messageId: 'M2',
      whatsId: null,
      contentType: 1,
      text: null,
      caption: 'question?',
      filename: null,
      url: null,
      mimeType: null,
    },
  });
  assert.deepEqual(parsed('QUOTE', 'sure!'), { kind: 'raw', raw: 'sure!', text: 'sure!' });
  // A non-JSON referContent is taken as the quoted text.
  const p = parsed('QUOTE', 'yes', 'the question');
  assert.equal(p.kind === 'quote' && p.quoted?.text, 'the question');
});

test('quote: odd referContent values', () => {
  for (const refer of [null, 42, [1], '', '[1]', 'null', true]) {
    const p = parsed('QUOTE', JSON.stringify({ caption: 'x', referContent: refer }));
    assert.equal(p.kind, 'quote');
    assert.equal(p.kind === 'quote' && p.quoted, null, JSON.stringify(refer));
  }
});

// ------------------------------------------------------------------ call, location, unsupported

test('call: best effort from JSON, else raw', () => {
  assert.deepEqual(parsed('CALL', '{"video":true,"duration":"65","caption":"Video call"}'), {
    kind: 'call',
    video: true,
    duration: 65,
    caption: 'Video call',
  });
  assert.deepEqual(parsed('CALL', '{"isVideo":false,"callDuration":12.5}'), {
    kind: 'call',
    video: false,
    duration: 12.5,
    caption: null,
  });
  assert.deepEqual(parsed('CALL', '{"video":"yes","duration":"long"}'), {
    kind: 'call',
    video: null,
    duration: null,
    caption: null,
  });
  assert.deepEqual(parsed('CALL', 'Missed voice call'), { kind: 'raw', raw: 'Missed voice call', text: 'Missed voice call' });
});

test('location: best effort from JSON, else raw', () => {
  const p = parsed(
    'LOCATION',
    '{"latitude":22.5431,"longitude":"114.0579","name":"Ping An Finance Centre","address":"Futian, Shenzhen","url":"https://maps.example/1"}',
  );
  assert.deepEqual(p, {
    kind: 'location',
    latitude: 22.5431,
    longitude: 114.0579,
    name: 'Ping An Finance Centre',
    address: 'Futian, Shenzhen',
    url: 'https://maps.example/1',
  });
  assert.equal(searchTextOf(p), 'Ping An Finance Centre Futian, Shenzhen');
  assert.deepEqual(parsed('LOCATION', '{"lat":-33.8,"lng":151.2}'), {
    kind: 'location',
    latitude: -33.8,
    longitude: 151.2,
    name: null,
    address: null,
    url: null,
  });
  assert.deepEqual(parsed('LOCATION', '{"lat":1e999,"lon":"NaN"}'), {
    kind: 'location',
    latitude: null,
    longitude: null,
    name: null,
    address: null,
    url: null,
  });
  assert.deepEqual(parsed('LOCATION', '22.5,114.0'), { kind: 'raw', raw: '22.5,114.0', text: '22.5,114.0' });
});

test('unsupported keeps the raw content', () => {
  const p = parsed('UNSUPPORTED', '{"anything":1}');
  assert.deepEqual(p, { kind: 'unsupported', raw: '{"anything":1}' });
  assert.equal(searchTextOf(p), '');
});

// ------------------------------------------------------------------ hostile input

test('malformed JSON, empty strings and non-object JSON are raw (text kept only for plain text)', () => {
  const jsonTypes = CONTENT_TYPES.filter((t) => !['TEXT', 'UNSUPPORTED', 'CONTACT_CARD', 'CONTACT_CARDS'].includes(t));
  for (const type of jsonTypes) {
    for (const raw of ['', '   ', '[1]', 'null', '42', '"str"', 'true', '{"a":', '{broken', '[', '{"url":"x"']) {
      assert.deepEqual(parsed(type, raw), { kind: 'raw', raw, text: null }, `${type} ${raw}`);
    }
  }
  assert.deepEqual(parsed('TEXT', ''), { kind: 'text', text: '' });
  assert.deepEqual(parsed('TEXT', '{"url":"x"}'), { kind: 'text', text: '{"url":"x"}' }, 'text is text, whatever it looks like');
  assert.deepEqual(parsed('UNSUPPORTED', ''), { kind: 'unsupported', raw: '' });
  assert.deepEqual(parsed('CONTACT_CARD', ''), { kind: 'raw', raw: '', text: null });
});

test('null, undefined and non-string content, and an unknown type, never throw', () => {
  assert.deepEqual(parseContent('TEXT', null), { kind: 'text', text: '' });
  assert.deepEqual(parseContent('IMAGE', undefined), { kind: 'raw', raw: '', text: null });
  assert.deepEqual(parseContent('IMAGE', 42 as unknown as string), { kind: 'raw', raw: '', text: null });
  assert.deepEqual(parseContent('NOPE' as ContentType, 'hi'), { kind: 'raw', raw: 'hi', text: 'hi' });
  assert.deepEqual(parseContent('QUOTE', '{}', 42 as unknown as string), {
    kind: 'quote',
    text: null,
    caption: null,
    media: null,
    quoted: null,
  });
});

test('huge strings are handled quickly', () => {
  const big = 'x'.repeat(2_000_000);
  const started = performance.now();
  assert.deepEqual(parseContent('TEXT', big), { kind: 'text', text: big });
  assert.deepEqual(parseContent('IMAGE', big), { kind: 'raw', raw: big, text: big });
  const media = parseContent('IMAGE', JSON.stringify({ caption: big, url: 'u' }));
  assert.equal(media.kind === 'media' && media.caption?.length, big.length);
  const card = parseContent('CONTACT_CARDS', `BEGIN:VCARD\nFN:${big}\nEND:VCARD\n`.repeat(3));
  assert.equal(card.kind === 'contactCard' && card.cards.length, 3);
  const manyCards = parseContent('CONTACT_CARDS', 'BEGIN:VCARD\nFN:a\nTEL;waid=1:+1\nEND:VCARD\n'.repeat(20_000));
  assert.equal(manyCards.kind === 'contactCard' && manyCards.cards.length, 20_000);
  assert.equal(parseContent('QUOTE', `{"caption":"${big}"`).kind, 'raw');
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  assert.deepEqual(parseContent('IMAGE', deep), { kind: 'raw', raw: deep, text: null });
  assert.ok(performance.now() - started < 3000, 'under 3 s');
});

// A small deterministic generator, so a failure can be reproduced.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('random strings never make it throw, and the result is always JSON-safe', () => {
  const rnd = random(20240601);
  const alphabet = ['{', '}', '[', ']', '"', ':', ',', '\\', 'n', 'u', '0', '9', '.', '-', 'e', ' ', '\n', '\r', '\t', ';', '=',
    'BEGIN:VCARD', 'END:VCARD', 'TEL;waid=', 'FN:', 'N:', '"url"', '"referContent"', '"caption"', 'null', 'true', '"type":9',
    '\u0000', '\ud800', '😀', '中', '__proto__', '"__proto__"', 'constructor'];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  for (let i = 0; i < 3000; i++) {
    const length = Math.floor(rnd() * 40);
    let raw = '';
    for (let j = 0; j < length; j++) raw += pick(alphabet);
    const refer = rnd() < 0.3 ? raw.split('').reverse().join('') : null;
    const type = pick(CONTENT_TYPES);
    const p = parseContent(type, raw, refer);
    assert.equal(typeof p.kind, 'string');
    assertJsonSafe(p);
    assert.equal(typeof searchTextOf(p), 'string');
  }
});

test('random valid JSON objects of the expected shapes never throw', () => {
  const rnd = random(7);
  const values: unknown[] = [null, '', 'null', 'x', 0, -1.5, 1e308, true, [], {}, [1, 'a'], { nested: { url: 1 } }];
  const keys = ['filename', 'fileName', 'url', 'mimeType', 'mimetype', 'caption', 'type', 'text', 'referContent',
    'msgId', 'messageId', 'whatsId', 'whatsApp', 'latitude', 'longitude', 'video', 'duration', 'name', 'address'];
  for (let i = 0; i < 2000; i++) {
    const obj: Record<string, unknown> = {};
    for (const key of keys) if (rnd() < 0.4) obj[key] = values[Math.floor(rnd() * values.length)];
    if (rnd() < 0.3) obj['referContent'] = JSON.stringify(obj);
    for (const type of CONTENT_TYPES) {
      const p = parseContent(type, JSON.stringify(obj), rnd() < 0.5 ? JSON.stringify(obj) : null);
      assertJsonSafe(p);
      searchTextOf(p);
    }
  }
});

// ------------------------------------------------------------------ searchTextOf

test('searchTextOf joins text, captions and names, dropping blanks and repeats', () => {
  assert.equal(searchTextOf({ kind: 'text', text: '  hello  ' }), 'hello');
  assert.equal(searchTextOf({ kind: 'text', text: '' }), '');
  assert.equal(
    searchTextOf({ kind: 'quote', text: 'answer', caption: 'pic', media: null, quoted: null }),
    'answer pic',
  );
  assert.equal(searchTextOf({ kind: 'quote', text: 'same', caption: 'same', media: null, quoted: null }), 'same');
  assert.equal(searchTextOf({ kind: 'call', video: true, duration: 3, caption: 'Video call' }), 'Video call');
  assert.equal(searchTextOf({ kind: 'raw', raw: '{x', text: null }), '');
  assert.equal(searchTextOf({ kind: 'unsupported', raw: 'secret' }), '');
  assert.equal(
    searchTextOf({
      kind: 'contactCard',
      cards: [
        { name: 'A', businessName: ' ', phones: [] },
        { name: null, businessName: 'Biz', phones: [] },
      ],
    }),
    'A Biz',
  );
});
