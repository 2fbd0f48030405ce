// Hostile input, generated (fast-check): thousands of malformed bodies —
// random JSON, wrong types, huge numbers, deep nesting, NUL bytes, unicode,
// lone surrogates, prototype-pollution keys, missing and extra fields, arrays
// for objects, invalid UTF-8, truncated JSON — posted to every webhook (with
// valid credentials, so that validation is reached), to both legacy read
// endpoints and, as documents and variables, to /graphql. For every answer:
// no 5xx, no masked "Unexpected error", a refusal says what was wrong (the
// legacy envelope's message / msg, or every GraphQL error's message), and a
// refused request left the database as it was (rows and their versions of
// Message, Contact, Conversation, PendingStatus).
// FUZZ_RUNS sets the runs per target (default 1500); a failure prints the
// seed and path to replay it with FUZZ_SEED / FUZZ_PATH.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BODY_SIGNATURE_MISMATCH, MSG_SYNC_TOKEN_MISMATCH, msgSyncAccessToken } from '../../src/auth/webhook-signatures.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { msgSyncBody, msgSyncItem, uniqueTimestamp } from '../support/live.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const replay = process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED), path: process.env.FUZZ_PATH } : {};
const params = { numRuns: RUNS, ...replay };

let t: TestApp;
before(async () => {
  t = await startTestApp();
  // Some rows, so that reads find something and "unchanged" means something.
  const items = Array.from({ length: 5 }, (_, i) => msgSyncItem(`fuzz-seed-${i}`, 2, { friend: `44771100000${i}` }));
  const res = await post('/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(t.tenant, items));
  assert.equal(res.status, 200);
  const status = await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', JSON.stringify([{ userId: '1', taskId: '', taskInfoId: '', messageStatus: 3, messageId: 'fuzz-not-yet' }]), {
    authorization: `Bearer ${t.tenant.ingestKey}`,
  });
  assert.equal(status.status, 200);
});
after(() => t.close());

type Body = string | Uint8Array;

async function post(path: string, body: Body, headers: Record<string, string> = {}): Promise<Response> {
  return t.app.fetch(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body as BodyInit });
}

/** Rows and their latest versions (xmin), per table: any insert, update or delete changes it. */
async function snapshot(): Promise<string> {
  const tables = ['Message', 'Contact', 'Conversation', 'PendingStatus'];
  const { rows } = await t.testDb.db.pool.query(
    `SELECT ${tables.map((name, i) => `(SELECT count(*) || ':' || coalesce(max(xmin::text::bigint), 0) FROM "${name}") AS t${i}`).join(', ')}`,
  );
  return tables.map((name, i) => `${name}=${rows[0][`t${i}`]}`).join(' ');
}

// ---------------------------------------------------------------------------
// JSON text generators: values are produced as JSON *text*, so that numbers
// beyond what JSON.stringify can write (1e400, 30 digits, -0) can be sent.

const nastyStrings = [
  '', ' ', '\u0000', 'a\u0000b', '\uD800', '\uDFFF', 'x\uDBFFy', '💥', '\u202Eevil', '\uFEFF', 'NaN', 'Infinity', '-0', '1e309', '0x1F',
  '9'.repeat(30), '-9223372036854775809', '9223372036854775808', '18446744073709551616', '2023-02-30', '2022-10-31 16:25:42',
  '2022-13-01 25:61:61', '1667295870936', '<script>alert(1)</script>', `'; DROP TABLE "Message"; --`, '%s%n%x', '${jndi:ldap://x}',
  '../../etc/passwd', '__proto__', 'constructor', '{"__proto__":{"polluted":1}}', '[]', '{}', 'null', 'true', '12@c.us', '@g.us',
];
const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...nastyStrings) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  // Longer than any field allows (256, 1024, …), now and then beyond the 64 KiB of a legacy body.
  { weight: 1, arbitrary: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 257, max: 9000 }) }, { weight: 1, arbitrary: fc.integer({ min: 9000, max: 70_000 }) }).map((n) => 'x'.repeat(n)) },
);
// JSON.stringify writes lone surrogates as \ud800 escapes: the parser sees them.
const stringText = hostileString.map((s) => JSON.stringify(s));
const numberText = fc.oneof(
  fc.integer().map(String),
  fc.integer({ min: -5, max: 20 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? '-0' : String(d))),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.constantFrom('1e309', '-1e309', '1E400', '123456789012345678901234567890', '9007199254740993', '-0', '0.0000001', '1.5', '-1', '2e0', '0e0'),
  fc.integer({ min: 1000, max: 20_000 }).map((n) => '9'.repeat(n)),
);
const keyText = fc
  .oneof(
    { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', '\u0000', 'data', 'messageId', 'tenantId', 'info', 'content') },
    { weight: 1, arbitrary: hostileString },
  )
  .map((k) => JSON.stringify(k));
const leafText = fc.oneof(numberText, stringText, fc.constantFrom('true', 'false', 'null'));
const { jsonText } = fc.letrec<{ jsonText: string; arrayText: string; objectText: string }>((tie) => ({
  jsonText: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafText, tie('arrayText'), tie('objectText')),
  arrayText: fc.array(tie('jsonText'), { maxLength: 5 }).map((items) => `[${items.join(',')}]`),
  objectText: fc.array(fc.tuple(keyText, tie('jsonText')), { maxLength: 5 }).map((entries) => `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`),
}));

/**
 * An object of the given fields, each with a plausible value (mostly), a
 * hostile one, or absent; plus, sometimes, extra keys (prototype pollution).
 */
function objectOf(fields: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const entries = Object.entries(fields).map(([key, plausible]) =>
    fc.oneof(
      { weight: 12, arbitrary: plausible.map((v): [string, string] => [JSON.stringify(key), v]) },
      { weight: 1, arbitrary: jsonText.map((v): [string, string] => [JSON.stringify(key), v]) },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
  );
  return fc
    .tuple(fc.tuple(...entries), fc.array(fc.tuple(keyText, jsonText), { maxLength: 2 }))
    .map(([known, extra]) => `{${[...known.filter((e): e is [string, string] => e !== null), ...extra].map(([k, v]) => `${k}:${v}`).join(',')}}`);
}
const arrayOf = (item: fc.Arbitrary<string>, maxLength = 4) => fc.array(item, { minLength: 0, maxLength }).map((items) => `[${items.join(',')}]`);

/** The plausible value most of the time, else one of the others. */
const mostly = (valid: fc.Arbitrary<string>, ...others: fc.Arbitrary<string>[]) => fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: fc.oneof(...others) });
/** An input object of some of `fields` (at most `max`, so that most requests pass variable coercion). */
const someOf = (fields: Record<string, fc.Arbitrary<string>>, max = 3) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.subarray(Object.keys(fields), { maxLength: Math.min(max, Object.keys(fields).length) }).chain((keys) => objectOf(Object.fromEntries(keys.map((k) => [k, fields[k]!])))) },
    { weight: 1, arbitrary: jsonText },
  );
const str = (...values: string[]) => fc.constantFrom(...values.map((v) => JSON.stringify(v)));
const int = (...values: number[]) => fc.constantFrom(...values.map(String));
// Characters that ids must survive or be refused for (src/domain/text.ts): lone surrogates
// and NUL (refused, 400 naming the field), bidirectional marks and a BOM (kept, stored as sent).
const ID_MARKS = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\u0000', '\u200E', '\u200F', '\u202B', '\u202E', '\u2066', '\u2069', '\u061C', '\uFEFF'];
/** `base` with one to three of ID_MARKS inserted at generated positions. */
const markedId = (base: string) =>
  fc.array(fc.tuple(fc.constantFrom(...ID_MARKS), fc.nat()), { minLength: 1, maxLength: 3 }).map((marks) => {
    let id = base;
    for (const [mark, at] of marks) id = id.slice(0, at % (id.length + 1)) + mark + id.slice(at % (id.length + 1));
    return id;
  });
const messageIdText = fc
  .oneof(fc.stringMatching(/^[0-9A-F]{8,24}$/), fc.constantFrom('fuzz-seed-0', 'fuzz-seed-1', 'fuzz-not-yet'), fc.stringMatching(/^[0-9A-F]{8}$/).chain(markedId))
  .map((s) => JSON.stringify(s));
const whatsText = fc.oneof(str('8613700000001@c.us', '447711000001@c.us', '120363025@g.us', '8613700000001'), stringText, markedId('8613700000001@c.us').map((s) => JSON.stringify(s)));

const profileText = objectOf({
  id: fc.oneof(int(1_000_001, 187), str('8423922419416375296'), numberText),
  name: fc.oneof(str('Friend', '好友'), stringText),
  whatsApp: whatsText,
  username: str('owner'),
  tags: fc.oneof(arrayOf(stringText), str('tag')),
  extendsMap: fc.oneof(str('', '{"a":"b"}', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"x":1}}}', '[1,2]', '{'), stringText),
  income: stringText,
  profession: stringText,
  desc: stringText,
  email: stringText,
  address: stringText,
});
const msgSyncItemText = objectOf({
  id: fc.oneof(messageIdText, stringText),
  messageId: messageIdText,
  userName: str('agent1'),
  whatsId: whatsText,
  friendWhatsId: whatsText,
  currentWhatsId: whatsText,
  actionType: fc.oneof(int(1, 2), numberText),
  chatType: fc.oneof(int(1, 2), numberText),
  messageStatus: fc.oneof(int(1, 2, 3, 4), numberText),
  content: fc.oneof(str('hello', '{"url":"https://x/y.jpg","mimetype":"image/jpeg","caption":""}', '{"url":'), stringText),
  contentType: fc.oneof(int(0, 1, 2, 3, 4, 6, 7, 9, 5, 99), numberText),
  originType: fc.oneof(int(1, 2, 3), numberText),
  sendTime: fc.oneof(str('2023-07-01 10:53:52', '2023-02-30 10:00:00', '0000-01-01 00:00:00', '9999-12-31 23:59:59'), stringText),
  userProfile: fc.oneof(profileText, jsonText),
  taskId: fc.oneof(int(0, 12), str('', 'task'), numberText),
  taskInfoId: fc.oneof(int(0), numberText),
});
const clientContentText = objectOf({
  type: fc.oneof(int(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 99), numberText),
  text: stringText,
  url: fc.oneof(str('{"url":"https://x/y","mimeType":"image/jpeg","caption":""}', '{"caption":1}', 'not json'), stringText),
  messageId: messageIdText,
  time: fc.oneof(int(1689129792000, 0, -1), numberText),
  referContent: fc.oneof(str('{"messageId":"x"}'), stringText),
});
const clientSyncItemText = objectOf({
  userId: fc.oneof(str('82', '1255'), numberText),
  whatsApp: whatsText,
  friendWhatsApp: whatsText,
  actionType: fc.oneof(int(1, 2), numberText),
  chatType: fc.oneof(int(1, 2), numberText),
  taskId: fc.oneof(str('taskid00001', ''), numberText),
  taskInfoId: fc.oneof(str('a0001'), numberText),
  content: fc.oneof(arrayOf(clientContentText, 3), jsonText),
});
const statusItemText = objectOf({
  userId: fc.oneof(str('82', '1255', ''), numberText),
  taskId: fc.oneof(str(''), numberText, stringText),
  taskInfoId: fc.oneof(str(''), numberText),
  messageStatus: fc.oneof(int(1, 2, 3, 4, 0, 5), numberText),
  messageId: messageIdText,
});
const msgPageText = objectOf({
  tenantId: mostly(int(82), str('82', '83'), numberText),
  current: mostly(int(1, 2), int(0, -1, 2147483647, 2147483648), str('1', '1667295870936'), numberText),
  pageSize: mostly(int(10, 500), int(501, 0), str('10'), numberText),
  info: mostly(
    someOf(
      {
        whatsId: fc.oneof(str('', '8613700000001@c.us'), stringText),
        friendWhatsId: fc.oneof(str('', '447711000001'), stringText),
        chatType: mostly(int(1, 2), int(3), str('', '1'), numberText),
        actionType: mostly(int(1, 2), str(''), numberText),
        contentType: mostly(int(0, 2, 99), int(5, 100), str(''), numberText),
        agentAccount: fc.oneof(str('', 'agent1'), stringText),
        startChatTime: mostly(int(0, 1667204742000), str('1667204742000', ''), numberText),
        endChatTime: mostly(int(1767204742000), str(''), numberText),
      },
      4,
    ),
    jsonText,
  ),
});
const pastRecordsText = objectOf({
  custServId: mostly(fc.oneof(str('2844', '1'), int(2844)), numberText, stringText),
  oocDate: mostly(str('2023-07-01', ''), str('2023-02-30', '2023-7-1'), stringText),
  convType: fc.oneof(str('biDirFriend'), stringText),
  receId: mostly(fc.oneof(str('187', '1000001'), int(187)), numberText, stringText),
  pageno: mostly(int(1, 2), int(0, 2147483647, 2147483648), str('1', '9999999999'), numberText),
  pageSize: mostly(int(10, 500), int(501), numberText),
});

/** A body: the plausible text, random JSON, or a mangled one (truncated, wrapped, nested deep, invalid UTF-8, …). */
function bodyOf(plausible: fc.Arbitrary<string>): fc.Arbitrary<Body> {
  const encoder = new TextEncoder();
  const invalidUtf8 = fc.constantFrom([0xff], [0xc3, 0x28], [0xe2, 0x82], [0xf0, 0x28, 0x8c, 0xbc], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x00]);
  return fc.oneof(
    { weight: 6, arbitrary: plausible },
    { weight: 2, arbitrary: jsonText },
    { weight: 1, arbitrary: fc.tuple(plausible, fc.nat()).map(([text, n]) => text.slice(0, n % Math.max(text.length, 1))) },
    { weight: 1, arbitrary: plausible.map((text) => `[${text}]`) },
    { weight: 1, arbitrary: fc.tuple(plausible, fc.constantFrom('}', ']', ',', 'garbage', '\u0000', '{"a":1}')).map(([text, tail]) => text + tail) },
    // Deep nesting: up to 200 000 levels (the 64 KiB legacy limit refuses the deepest before parsing).
    { weight: 1, arbitrary: fc.oneof(fc.integer({ min: 1, max: 30_000 }), fc.integer({ min: 1, max: 200_000 })).map((n) => '['.repeat(n) + ']'.repeat(n)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 10_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 'null', '0', '""', '[]', '{}', '\uFEFF{}', 'undefined', 'NaN', '{"__proto__":{"isAdmin":true}}') },
    {
      weight: 1,
      arbitrary: fc.tuple(plausible, fc.nat(), invalidUtf8).map(([text, n, bytes]) => {
        const encoded = encoder.encode(text);
        const at = n % (encoded.length + 1);
        return Uint8Array.from([...encoded.subarray(0, at), ...bytes, ...encoded.subarray(at)]);
      }),
    },
  );
}

/** A generated body, printed shortened in fast-check's reports. */
interface Sample {
  readonly body: Body;
}
const sampleOf = (arbitrary: fc.Arbitrary<Body>): fc.Arbitrary<Sample> =>
  arbitrary.map((body) => ({ body, [fc.toStringMethod]: () => describeBody(body) }));

const describeBody = (body: Body) => (typeof body === 'string' ? JSON.stringify(body.length > 300 ? body.slice(0, 300) + `… (${body.length} chars)` : body) : `bytes[${body.length}]`);

/**
 * Posts `body`; checks the answer and, when it is a refusal, that nothing was
 * written. Returns the parsed answer.
 */
async function checkLegacy(path: string, body: Body, headers: Record<string, string>, messageKey: 'message' | 'msg', readOnly = false) {
  const before = await snapshot();
  const res = await post(path, body, headers);
  const text = await res.text();
  const where = `${path} ${res.status} ${text.slice(0, 300)}\nbody: ${describeBody(body)}`;
  assert.ok(res.status < 500, `5xx: ${where}`);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text);
  } catch {
    assert.fail(`not JSON: ${where}`);
  }
  assert.equal(json.code, res.status, `code ≠ HTTP status: ${where}`);
  if (res.status !== 200) {
    assert.equal(typeof json[messageKey], 'string', where);
    assert.ok((json[messageKey] as string).trim().length > 0, `empty ${messageKey}: ${where}`);
    assert.equal(json.data, null, where);
  }
  if (res.status !== 200 || readOnly) assert.equal(await snapshot(), before, `database changed: ${where}`);
  return res.status;
}

/** A property that also tallies the answers, so the test can show validation was reached. */
function tally() {
  const statuses = new Map<number, number>();
  return {
    add: (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1),
    get: (status: number) => statuses.get(status) ?? 0,
    toString: () => [...statuses].map(([s, n]) => `${s}×${n}`).join(' '),
  };
}

test('the database snapshot sees inserts and updates (else "unchanged" would prove nothing)', async () => {
  const before = await snapshot();
  await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', JSON.stringify([{ userId: '1', taskId: '', taskInfoId: '', messageStatus: 4, messageId: 'fuzz-seed-0' }]), {
    authorization: `Bearer ${t.tenant.ingestKey}`,
  });
  const updated = await snapshot();
  assert.notEqual(updated, before, 'a status update (no new row) must change the snapshot');
  assert.match(updated, /^Message=5:/);
});

describe('what fuzzing found (fixed), as fixed examples', () => {
  test('a tenant id beyond PostgreSQL bigint is an unknown tenant (401, answered as a wrong signature), not a failed query (500)', async () => {
    const now = Date.now();
    const tenantId = '-9223372036854775809';
    const body = `{"accessToken":"${msgSyncAccessToken(t.tenant.webhookSecret, tenantId, now)}","tenantId":${tenantId},"timestamp":${now},"data":[]}`;
    const res = await post('/webhooks/MSG_SYNC_MESSAGE', body);
    assert.equal(res.status, 401);
    assert.equal(JSON.parse(await res.text()).message, MSG_SYNC_TOKEN_MISMATCH);
    const signed = await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', '[]', {
      'x-chatgraph-tenant': '9999999999999999999',
      'x-chatgraph-timestamp': String(now),
      'x-chatgraph-signature': `sha256=${'0'.repeat(64)}`,
    });
    assert.equal(signed.status, 401);
    assert.equal(JSON.parse(await signed.text()).message, BODY_SIGNATURE_MISMATCH);
  });

  test('CLIENT_SYNC_MESSAGE of empty objects past the first 20 errors is a 400 naming the fields, not a 500', async () => {
    const res = await post('/webhooks/CLIENT_SYNC_MESSAGE', '[{},{},{},{},{}]', { authorization: `Bearer ${t.tenant.ingestKey}` });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /^\{"code":400,"message":"\[0\]\.whatsApp: is required \(and 19 more problems\)"/);
  });

  test('a number of millions of digits is refused at once, not turned into a bigint', async () => {
    const started = performance.now();
    const res = await post('/webhooks/MSG_SYNC_MESSAGE', `{"accessToken":"x","tenantId":${'9'.repeat(4_000_000)},"timestamp":1,"data":[]}`);
    assert.equal(res.status, 400);
    assert.equal(await res.text(), '{"code":400,"message":"tenantId: must be an integer id, got a number","data":null}');
    // It took seconds (BigInt of 4 million digits, then printed back in the message); generous bound for a shared machine.
    assert.ok(performance.now() - started < 2000, `${Math.round(performance.now() - started)} ms`);
  });

  test('legacy page numbers beyond a GraphQL Int are a 400 naming the field, not a failed operation (500)', async () => {
    const msgPage = await post('/wscrm-bus-api/open/message/msgPage', '{"tenantId":82,"current":"1667295870936","pageSize":10,"info":{}}', { token: t.tenant.readKey });
    assert.equal(await msgPage.text(), '{"code":400,"message":"current: must be at most 2147483647, got 1667295870936","data":null}');
    const past = await post('/xd/client/retrievePastRecords', '{"custServId":"1","pageno":2147483648,"pageSize":10}', { token: t.tenant.readKey });
    assert.equal(await past.text(), '{"msg":"pageno: must be at most 2147483647, got 2147483648","code":400,"data":null}');
    const last = await post('/wscrm-bus-api/open/message/msgPage', '{"tenantId":82,"current":2147483647,"pageSize":500,"info":{}}', { token: t.tenant.readKey });
    assert.equal(last.status, 200);
  });

  test('a body nested too deeply for the parser says so', async () => {
    const res = await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', '['.repeat(1_000_000) + ']'.repeat(1_000_000), { authorization: `Bearer ${t.tenant.ingestKey}` });
    assert.equal(res.status, 400);
    assert.equal(await res.text(), '{"code":400,"message":"request body is nested too deeply (arrays or objects thousands of levels deep)","data":null}');
  });

  test('GraphQL: a NUL in a query\'s variable or string literal is BAD_USER_INPUT naming it, not an unexpected error', async () => {
    const variable = await t.graphql('query($w: ContactWhere) { contacts(where: $w) { totalCount } }', { w: { tag: 'a\u0000b' } }, t.tenant.readKey);
    assert.deepEqual(variable.body.errors?.map((e) => [e.message, e.extensions?.code]), [['$w.tag must not contain NUL characters (\\u0000)', 'BAD_USER_INPUT']]);
    const literal = await t.graphql('{ searchMessages(text: "a\\u0000") { totalCount } }', undefined, t.tenant.readKey);
    assert.deepEqual(literal.body.errors?.map((e) => e.message), ['argument text must not contain NUL characters (\\u0000)']);
    // Mutations keep their own per-item errors (the ingest validation).
    const mutation = await t.graphql(
      'mutation($u: [MessageStatusUpdateInput!]!) { updateMessageStatuses(updates: $u) { errors { field message } } }',
      { u: [{ whatsMessageId: 'x\u0000', status: 'READ' }] },
      t.tenant.ingestKey,
    );
    assert.deepEqual(mutation.body, { data: { updateMessageStatuses: { errors: [{ field: 'updates[0].whatsMessageId', message: 'must not contain NUL characters (\\u0000)' }] } } });
  });

  test('an unpaired surrogate (\\ud800) in a message or a custom field\'s key is stored as U+FFFD, not a failed statement (500)', async () => {
    const message = {
      accountWhatsId: '8613800000001', whatsMessageId: 'fuzz-surrogate', friendWhatsId: '447700900123', direction: 'INBOUND', chatType: 'PRIVATE',
      contentType: 'TEXT', content: 'a\uD800b', status: 'SENT', chatTime: '2023-07-01T02:53:52Z',
      contact: { externalId: '77001', name: 'x\uDC00', customFields: { '\uD800k': 'v\uDFFF' } },
    };
    const res = await t.graphql('mutation($m: [MessageInput!]!) { ingestMessages(messages: $m) { inserted errors { message } } }', { m: [message] }, t.tenant.ingestKey);
    assert.deepEqual(res.body, { data: { ingestMessages: { inserted: 1, errors: [] } } });
    const back = await t.graphql(
      '{ messages(first: 1, where: { whatsMessageIds: ["fuzz-surrogate"] }) { edges { node { rawContent } } } contacts(first: 1, where: { externalId: "77001" }) { edges { node { name customFieldsJson } } } }',
      undefined,
      t.tenant.readKey,
    );
    assert.deepEqual(back.body.data, {
      messages: { edges: [{ node: { rawContent: 'a\uFFFDb' } }] },
      contacts: { edges: [{ node: { name: 'x\uFFFD', customFieldsJson: { '\uFFFDk': 'v\uFFFD' } } }] },
    });
  });
});

describe('fuzz: webhooks', { timeout: 300_000 }, () => {
  test('MSG_SYNC_MESSAGE: signed envelopes with hostile items, and hostile envelopes', async (ctx) => {
    const seen = tally();
    // Envelope: a correct signature (computed when sent: it expires) or a hostile field.
    const envelope = fc
      .tuple(
        fc.oneof({ weight: 4, arbitrary: fc.constant('"__SIGNED__"') }, { weight: 1, arbitrary: stringText }, { weight: 1, arbitrary: fc.constant(null) }),
        fc.oneof({ weight: 5, arbitrary: int(82) }, { weight: 1, arbitrary: fc.oneof(str('82', '99'), numberText) }),
        fc.oneof({ weight: 5, arbitrary: fc.constant('__NOW__') }, { weight: 1, arbitrary: numberText }),
        fc.oneof({ weight: 5, arbitrary: arrayOf(msgSyncItemText, 3) }, { weight: 1, arbitrary: jsonText }, { weight: 1, arbitrary: arrayOf(jsonText, 60) }),
        fc.array(fc.tuple(keyText, jsonText), { maxLength: 2 }),
      )
      .map(([token, tenant, timestamp, data, extra]) => {
        const fields = [['accessToken', token], ['tenantId', tenant], ['timestamp', timestamp], ['data', data]].filter(([, v]) => v !== null) as [string, string][];
        return `{${[...fields.map(([k, v]) => `${JSON.stringify(k)}:${v}`), ...extra.map(([k, v]) => `${k}:${v}`)].join(',')}}`;
      });
    await fc.assert(
      fc.asyncProperty(sampleOf(bodyOf(envelope)), async ({ body: template }) => {
        const now = uniqueTimestamp();
        const body =
          typeof template === 'string'
            ? template.replaceAll('__SIGNED__', msgSyncAccessToken(t.tenant.webhookSecret, '82', now)).replaceAll('__NOW__', String(now))
            : template;
        seen.add(await checkLegacy('/webhooks/MSG_SYNC_MESSAGE', body, {}, 'message'));
      }),
      params,
    );
    ctx.diagnostic(`answers: ${seen}`);
    // Both sides were reached: item validation refusals and stored batches.
    assert.ok(seen.get(400) > RUNS / 10, `answers: ${seen}`);
    assert.ok(seen.get(200) > 0, `answers: ${seen}`);
  });

  test('CLIENT_SYNC_MESSAGE (ingest key)', async (ctx) => {
    const seen = tally();
    await fc.assert(
      fc.asyncProperty(sampleOf(bodyOf(arrayOf(clientSyncItemText, 3))), async ({ body }) => {
        seen.add(await checkLegacy('/webhooks/CLIENT_SYNC_MESSAGE', body, { authorization: `Bearer ${t.tenant.ingestKey}` }, 'message'));
      }),
      params,
    );
    ctx.diagnostic(`answers: ${seen}`);
    assert.ok(seen.get(400) > RUNS / 10 && seen.get(200) > 0, `answers: ${seen}`);
  });

  test('CLIENT_SYNC_MESSAGE_STATUS (ingest key)', async (ctx) => {
    const seen = tally();
    await fc.assert(
      fc.asyncProperty(sampleOf(bodyOf(arrayOf(statusItemText, 4))), async ({ body }) => {
        seen.add(await checkLegacy('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', body, { authorization: `Bearer ${t.tenant.ingestKey}` }, 'message'));
      }),
      params,
    );
    ctx.diagnostic(`answers: ${seen}`);
    assert.ok(seen.get(400) > RUNS / 10 && seen.get(200) > 0, `answers: ${seen}`);
  });
});

describe('fuzz: legacy read endpoints', { timeout: 300_000 }, () => {
  test('msgPage (read key)', async (ctx) => {
    const seen = tally();
    await fc.assert(
      fc.asyncProperty(sampleOf(bodyOf(msgPageText)), async ({ body }) => {
        seen.add(await checkLegacy('/wscrm-bus-api/open/message/msgPage', body, { token: t.tenant.readKey }, 'message', true));
      }),
      params,
    );
    ctx.diagnostic(`answers: ${seen}`);
    assert.ok(seen.get(400) > RUNS / 10 && seen.get(200) > 0, `answers: ${seen}`);
  });

  test('retrievePastRecords (read key)', async (ctx) => {
    const seen = tally();
    await fc.assert(
      fc.asyncProperty(sampleOf(bodyOf(pastRecordsText)), async ({ body }) => {
        seen.add(await checkLegacy('/xd/client/retrievePastRecords', body, { token: t.tenant.readKey }, 'msg', true));
      }),
      params,
    );
    ctx.diagnostic(`answers: ${seen}`);
    assert.ok(seen.get(400) > RUNS / 10 && seen.get(200) > 0, `answers: ${seen}`);
  });
});

// ---------------------------------------------------------------------------
// GraphQL: token soup, schema-shaped documents with hostile arguments, and
// fixed operations with hostile variables (mutations included, with the
// ingest key).

const graphqlStringLiteral = hostileString.map((s) => JSON.stringify(s));
const graphqlValue: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    numberText,
    graphqlStringLiteral,
    fc.constantFrom('true', 'false', 'null', 'READ', 'CHAT_TIME_ASC', 'PRIVATE', '$v', '"""block\\u0000"""', '"\\uD800"', '"\\u{1F4A5}"'),
    fc.array(tie('value'), { maxLength: 3 }).map((v) => `[${v.join(', ')}]`),
    fc
      .array(fc.tuple(fc.constantFrom('conversationId', 'friendWhatsId', 'chatTimeFrom', 'statuses', 'day', 'text', 'contactTag', 'x', '__proto__'), tie('value')), { maxLength: 3 })
      .map((f) => `{${f.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
  ),
})).value;
const fieldName = fc.constantFrom(
  'viewer', 'messages', 'conversations', 'contacts', 'contact', 'messagePage', 'searchMessages', 'node', 'nodes', 'edges', 'node', 'id',
  'totalCount', 'pageInfo', 'hasNextPage', 'endCursor', 'tenantId', 'scopes', 'lastMessage', 'rawContent', 'content', 'name', 'tags',
  'chatTime', 'status', '__typename', '__schema', '__type', 'types', 'fields', 'ofType', 'nope', 'ingestMessages',
);
const argName = fc.constantFrom('first', 'last', 'after', 'before', 'where', 'orderBy', 'page', 'pageSize', 'ids', 'id', 'text', 'externalId', 'name', 'x');
const { selection } = fc.letrec<{ selection: string }>((tie) => ({
  selection: fc
    .tuple(
      fc.option(fc.constantFrom('a', 'b', '__proto__'), { nil: undefined }),
      fieldName,
      fc.array(fc.tuple(argName, graphqlValue), { maxLength: 3 }),
      fc.option(fc.constantFrom('@include(if: true)', '@skip(if: $v)', '@deprecated', '@nope(x: 1)'), { nil: undefined }),
      fc.oneof({ depthSize: 'small' }, fc.constant(''), fc.array(tie('selection'), { minLength: 1, maxLength: 3 }).map((s) => `{ ${s.join(' ')} }`)),
    )
    .map(([alias, name, args, directive, sub]) => `${alias ? `${alias}: ` : ''}${name}${args.length ? `(${args.map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}${directive ? ` ${directive}` : ''} ${sub}`),
}));
const shapedDocument = fc
  .tuple(fc.constantFrom('', 'query', 'query Q($v: Boolean)', 'mutation', 'subscription', 'query Q($v: Int = "x")'), fc.array(selection, { minLength: 1, maxLength: 3 }))
  .map(([head, selections]) => `${head} { ${selections.join(' ')} }`);
const soupToken = fc.constantFrom(
  '{', '}', '(', ')', ':', '$', '...', '@', '!', '[', ']', '=', '|', '&', 'query', 'mutation', 'subscription', 'fragment', 'on', 'viewer',
  'messages', 'edges', 'node', 'id', 'first', '"s"', '"""b"""', '1', '-1', '1e999', '0x10', 'true', 'null', '__schema', '# c\n', '\u0000', 'ƒ', '\uD800', '"\\u0000"', ',',
);
const documentText = fc.oneof(
  { weight: 3, arbitrary: shapedDocument },
  { weight: 2, arbitrary: fc.array(soupToken, { maxLength: 60 }).map((tokens) => tokens.join(' ')) },
  { weight: 1, arbitrary: hostileString },
);

const messageInputText = objectOf({
  accountWhatsId: whatsText,
  whatsMessageId: messageIdText,
  friendWhatsId: whatsText,
  direction: str('OUTBOUND', 'INBOUND'),
  chatType: str('PRIVATE', 'GROUP'),
  contentType: str('TEXT', 'IMAGE', 'VCARD'),
  content: fc.oneof(str('hi'), stringText),
  status: str('SENT', 'READ', 'PENDING'),
  chatTime: fc.oneof(str('2023-07-01T02:53:52Z', '2023-02-30T00:00:00Z', '+275760-09-13T00:00:00.001Z'), stringText, numberText),
  statusAt: fc.oneof(str('2023-07-01T02:53:52Z'), stringText),
  contact: fc.oneof(
    objectOf({ externalId: fc.oneof(str('187', '8423922419416375296'), stringText), name: stringText, tags: arrayOf(stringText), customFields: jsonText }),
    jsonText,
  ),
});
const statusInputText = objectOf({ whatsMessageId: messageIdText, status: fc.oneof(str('SENT', 'DELIVERED', 'READ', 'FAILED'), stringText), reachedAt: fc.oneof(str('2023-07-01T02:53:52Z'), stringText, numberText), agentId: stringText });
const idText = mostly(
  str(Buffer.from('Conversation:1').toString('base64'), Buffer.from('Contact:99999999999999999999').toString('base64'), Buffer.from('Message:-1').toString('base64'), 'x'),
  stringText,
);
const dateTimeText = fc.oneof(str('2023-07-01T02:53:52Z', '2023-02-30T00:00:00Z', '+275760-09-13T00:00:00.001Z', '1970-01-01'), stringText, numberText);
const messageWhereFields = {
  accountWhatsId: whatsText,
  friendWhatsId: whatsText,
  agentAccount: stringText,
  agentId: stringText,
  chatTimeFrom: dateTimeText,
  chatTimeTo: dateTimeText,
  chatType: fc.oneof(str('PRIVATE', 'GROUP'), stringText),
  contactExternalId: fc.oneof(str('187', '8423922419416375296', '-1', '99999999999999999999999'), stringText),
  contactId: idText,
  conversationId: idText,
  contactTag: stringText,
  contentTypes: arrayOf(str('TEXT', 'IMAGE', 'NOPE')),
  day: fc.oneof(str('2023-07-01', '2023-02-30', '0000-00-00', '99999-01-01'), stringText),
  direction: str('INBOUND', 'OUTBOUND', 'SIDEWAYS'),
  statuses: arrayOf(str('READ', 'PENDING', 'x')),
  whatsMessageIds: arrayOf(messageIdText, 3),
};
const messageWhere = someOf(messageWhereFields);
const conversationWhere = someOf({
  accountWhatsId: whatsText,
  friendWhatsId: whatsText,
  agentAccount: stringText,
  chatType: str('PRIVATE', 'GROUP'),
  contactId: idText,
  contactTag: stringText,
  day: fc.oneof(str('2023-07-01', '2023-02-30'), stringText),
  hasUnread: fc.oneof(fc.constantFrom('true', 'false'), jsonText),
  lastMessageFrom: dateTimeText,
  lastMessageTo: dateTimeText,
});
const contactWhere = someOf({ externalId: stringText, nameContains: stringText, ownerName: stringText, tag: stringText, tags: arrayOf(stringText), whatsId: whatsText });
const pageArg = mostly(int(1, 20, 100), int(101, 0, -1), numberText);
const cursorText = mostly(
  fc.constantFrom('null'),
  str('Y2tleQ', 'bTowOjE', Buffer.from('m:1667204742000:1').toString('base64url'), Buffer.from('m:999999999999999:99999999999999999999').toString('base64url')),
  stringText,
);

const variableOperations: [string, fc.Arbitrary<string>][] = [
  [
    'query($w: MessageWhere, $f: Int, $l: Int, $a: String, $b: String, $o: MessageOrder) { messages(where: $w, first: $f, last: $l, after: $a, before: $b, orderBy: $o) { totalCount edges { cursor node { id rawContent } } } }',
    someOf({ w: messageWhere, f: pageArg, l: pageArg, a: cursorText, b: cursorText, o: mostly(str('CHAT_TIME_ASC'), str('NOPE'), jsonText) }),
  ],
  ['query($p: Int, $s: Int, $w: MessageWhere) { messagePage(page: $p, pageSize: $s, where: $w) { totalCount pageCount nodes { id } } }', someOf({ p: mostly(int(1, 2, 2147483647), int(0), numberText), s: mostly(int(10, 500), int(501), numberText), w: messageWhere })],
  ['query($w: ConversationWhere, $f: Int, $a: String) { conversations(where: $w, first: $f, after: $a) { edges { node { id unreadCount messages(first: 2) { totalCount } } } } }', someOf({ w: conversationWhere, f: pageArg, a: cursorText })],
  ['query($w: ContactWhere, $f: Int) { contacts(where: $w, first: $f) { edges { node { name tags customFields { key value } } } } }', someOf({ w: contactWhere, f: pageArg })],
  ['query($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }', objectOf({ ids: mostly(arrayOf(idText, 5), jsonText) })],
  ['query($id: ID!) { node(id: $id) { id } }', objectOf({ id: mostly(idText, numberText) })],
  ['query($text: String!, $f: Int, $w: MessageWhere) { searchMessages(text: $text, first: $f, where: $w) { totalCount } }', objectOf({ text: mostly(str('%', '_', '\\', 'hello', ' '), stringText), f: pageArg, w: messageWhere })],
  ['query($x: String!) { contact(externalId: $x) { name conversations(first: 1) { totalCount } } }', objectOf({ x: mostly(str('187', '-0', '007'), stringText, numberText) })],
];
const mutationOperations: [string, fc.Arbitrary<string>][] = [
  ['mutation($m: [MessageInput!]!) { ingestMessages(messages: $m) { inserted updated unchanged pending errors { index field message } } }', objectOf({ m: mostly(arrayOf(messageInputText, 3), jsonText) })],
  ['mutation($u: [MessageStatusUpdateInput!]!) { updateMessageStatuses(updates: $u) { inserted updated unchanged pending errors { index field message } } }', objectOf({ u: mostly(arrayOf(statusInputText, 3), jsonText) })],
];
const withVariables = (operations: [string, fc.Arbitrary<string>][]) =>
  fc.oneof(...operations.map(([query, variables]) => variables.map((v) => `{"query":${JSON.stringify(query)},"variables":${v}}`)));

const graphqlRequest = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(documentText, fc.option(jsonText, { nil: undefined })).map(([q, v]) => `{"query":${JSON.stringify(q)}${v ? `,"variables":${v}` : ''}}`) },
  { weight: 4, arbitrary: withVariables(variableOperations) },
  {
    weight: 1,
    arbitrary: objectOf({ query: fc.oneof(str('{ viewer { tenantId } }'), jsonText), variables: jsonText, operationName: fc.oneof(str('Q', ''), jsonText), extensions: jsonText }),
  },
);

/** Posts a GraphQL request; checks the answer; a refused request must not have written anything. */
async function checkGraphQL(body: Body, key: string, readOnly: boolean) {
  const before = await snapshot();
  const res = await post('/graphql', body, { authorization: `Bearer ${key}`, accept: 'application/graphql-response+json' });
  const text = await res.text();
  const where = `${res.status} ${text.slice(0, 300)}\nbody: ${describeBody(body)}`;
  assert.ok(res.status < 500, `5xx: ${where}`);
  let json: { data?: Record<string, { errors?: unknown[] } | null> | null; errors?: { message?: unknown }[] };
  try {
    json = JSON.parse(text);
  } catch {
    assert.fail(`not JSON: ${where}`);
  }
  for (const error of json.errors ?? []) {
    assert.equal(typeof error.message, 'string', where);
    assert.ok((error.message as string).trim().length > 0, `empty message: ${where}`);
    assert.notEqual(error.message, 'Unexpected error.', `an unexpected (masked) error: ${where}`);
  }
  const payloadErrors = Object.values(json.data ?? {}).some((p) => p && Array.isArray(p.errors) && p.errors.length > 0);
  const refused = res.status !== 200 || !json.data || (json.errors?.length ?? 0) > 0 || payloadErrors;
  if (refused || readOnly) assert.equal(await snapshot(), before, `database changed: ${where}`);
  return refused;
}

describe('fuzz: /graphql', { timeout: 300_000 }, () => {
  test('documents and variables (read key): no 5xx, errors say what is wrong, nothing written', async (ctx) => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(sampleOf(bodyOf(graphqlRequest)), async ({ body }) => {
        if (!(await checkGraphQL(body, t.tenant.readKey, true))) answered++;
      }),
      params,
    );
    ctx.diagnostic(`answered without errors: ${answered} of ${RUNS}`);
    assert.ok(answered > RUNS / 20, `answered without errors: ${answered} of ${RUNS}`);
  });

  test('mutations with hostile variables (ingest key): refused batches write nothing', async (ctx) => {
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        sampleOf(withVariables(mutationOperations)),
        async ({ body }) => {
          if (await checkGraphQL(body, t.tenant.ingestKey, false)) refused++;
        },
      ),
      { ...params, numRuns: Math.ceil(RUNS / 2) },
    );
    ctx.diagnostic(`refused: ${refused} of ${Math.ceil(RUNS / 2)}`);
    assert.ok(refused > RUNS / 10 && refused < Math.ceil(RUNS / 2), `refused ${refused} of ${Math.ceil(RUNS / 2)}`);
  });
});

// ---------------------------------------------------------------------------
// Every id field of every webhook and of the ingest mutations, one at a time,
// carrying lone surrogates, bidirectional marks or NULs in an otherwise valid
// body: a lone surrogate or a NUL is a 400 (a payload error for GraphQL)
// naming that field, with nothing written; marks alone are stored as sent.
// (A lone surrogate in a message id used to be stored and then answered 500.)

type Obj = Record<string, unknown>;
interface IdTarget {
  /** Where: route and field path as the error names it. */
  name: string;
  field: string;
  /** Whether the field takes any text (false: digits only, so any mark is refused). */
  text: boolean;
  send(id: string): Promise<{ status: number; refusal: string | null }>;
}

const setPath = (object: Obj, path: string[], value: unknown) => {
  let o = object;
  for (const key of path.slice(0, -1)) o = o[key] as Obj;
  o[path.at(-1)!] = value;
};

let idRun = 0;
async function legacyAnswer(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await post(path, body, headers);
  const text = await res.text();
  assert.ok(res.status < 500, `5xx: ${path} ${text}`);
  const json = JSON.parse(text) as { message?: string };
  return { status: res.status, refusal: res.status === 200 ? null : (json.message ?? '') };
}
async function graphqlAnswer(query: string, variables: Obj) {
  const res = await t.graphql<Record<string, { errors: { field: string; message: string }[] }>>(query, variables, t.tenant.ingestKey);
  assert.ok(res.status < 500, `5xx: ${JSON.stringify(res.body)}`);
  for (const e of res.body.errors ?? []) assert.notEqual(e.message, 'Unexpected error.', JSON.stringify(res.body));
  const payload = Object.values(res.body.data ?? {})[0];
  const errors = res.body.errors?.map((e) => e.message) ?? payload?.errors.map((e) => `${e.field}: ${e.message}`) ?? [];
  return { status: res.status, refusal: errors.length ? errors.join('; ') : null };
}

const msgSyncFields: [string, boolean][] = [['id', true], ['messageId', true], ['userName', true], ['whatsId', true], ['friendWhatsId', true], ['currentWhatsId', true], ['taskId', true], ['taskInfoId', true], ['userProfile.whatsApp', true], ['userProfile.id', false]];
const clientSyncFields: [string, boolean][] = [['userId', true], ['whatsApp', true], ['friendWhatsApp', true], ['taskId', true], ['taskInfoId', true], ['content[0].messageId', true]];
const statusFields: [string, boolean][] = [['userId', true], ['taskId', true], ['taskInfoId', true], ['messageId', true]];
const messageInputFields: [string, boolean][] = [['accountWhatsId', true], ['whatsMessageId', true], ['friendWhatsId', true], ['agentId', true], ['agentAccount', true], ['senderWhatsId', true], ['taskId', true], ['taskInfoId', true], ['contact.externalId', false], ['contact.whatsId', true]];
const statusInputFields: [string, boolean][] = [['whatsMessageId', true], ['agentId', true]];
const pathOf = (field: string) => field.replace(/\[(\d+)\]/g, '.$1').split('.');

const idTargets: IdTarget[] = [
  ...msgSyncFields.map(([field, text]): IdTarget => ({
    name: 'MSG_SYNC_MESSAGE', field: `data[0].${field}`, text,
    send: (id) => {
      const item = msgSyncItem(`fuzz-id-${++idRun}`, 2) as unknown as Obj;
      setPath(item, pathOf(field), id);
      return legacyAnswer('/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(t.tenant, [item]));
    },
  })),
  ...clientSyncFields.map(([field, text]): IdTarget => ({
    name: 'CLIENT_SYNC_MESSAGE', field: `[0].${field}`, text,
    send: (id) => {
      const item: Obj = { userId: '1255', whatsApp: '8613700000001', friendWhatsApp: '447711000002', actionType: 1, chatType: 1, taskId: 'task1', taskInfoId: 'info1', content: [{ type: 1, text: 'hi', messageId: `fuzz-id-${++idRun}`, time: 1689129792000 }] };
      setPath(item, pathOf(field), id);
      return legacyAnswer('/webhooks/CLIENT_SYNC_MESSAGE', JSON.stringify([item]), { authorization: `Bearer ${t.tenant.ingestKey}` });
    },
  })),
  ...statusFields.map(([field, text]): IdTarget => ({
    name: 'CLIENT_SYNC_MESSAGE_STATUS', field: `[0].${field}`, text,
    send: (id) => {
      const item: Obj = { userId: '1255', taskId: 'task1', taskInfoId: 'info1', messageStatus: 3, messageId: `fuzz-id-${++idRun}` };
      setPath(item, pathOf(field), id);
      return legacyAnswer('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', JSON.stringify([item]), { authorization: `Bearer ${t.tenant.ingestKey}` });
    },
  })),
  ...messageInputFields.map(([field, text]): IdTarget => ({
    name: 'ingestMessages', field: `messages[0].${field}`, text,
    send: (id) => {
      const message: Obj = {
        accountWhatsId: '8613800000001', whatsMessageId: `fuzz-id-${++idRun}`, friendWhatsId: '447700900124', agentId: 'a1', agentAccount: 'agent1', senderWhatsId: '447700900124',
        taskId: 't1', taskInfoId: 'i1', direction: 'INBOUND', chatType: 'PRIVATE', contentType: 'TEXT', content: 'hi', status: 'SENT', chatTime: '2023-07-01T02:53:52Z',
        contact: { externalId: '77002', whatsId: '447700900124' },
      };
      setPath(message, pathOf(field), id);
      return graphqlAnswer('mutation($m: [MessageInput!]!) { ingestMessages(messages: $m) { inserted errors { field message } } }', { m: [message] });
    },
  })),
  ...statusInputFields.map(([field, text]): IdTarget => ({
    name: 'updateMessageStatuses', field: `updates[0].${field}`, text,
    send: (id) => {
      const update: Obj = { whatsMessageId: `fuzz-id-${++idRun}`, status: 'READ', agentId: 'a1' };
      setPath(update, pathOf(field), id);
      return graphqlAnswer('mutation($u: [MessageStatusUpdateInput!]!) { updateMessageStatuses(updates: $u) { pending errors { field message } } }', { u: [update] });
    },
  })),
];

describe('fuzz: ids with lone surrogates, bidirectional marks and NULs', { timeout: 300_000 }, () => {
  test('every id field of every webhook and ingest mutation: refused naming the field when ill-formed, stored as sent otherwise; never a 5xx', async (ctx) => {
    const seen = tally();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...idTargets), fc.stringMatching(/^[0-9]{6,12}$/).chain(markedId), async (target, id) => {
        const before = await snapshot();
        const { status, refusal } = await target.send(id);
        const where = `${target.name} ${target.field} = ${JSON.stringify(id)}: ${status} ${refusal}`;
        const illFormed = !id.isWellFormed() || id.includes('\u0000');
        if (illFormed || !target.text) {
          assert.ok(refusal, `accepted: ${where}`);
          assert.ok(refusal.includes(target.field), `the refusal does not name the field: ${where}`);
          assert.equal(await snapshot(), before, `database changed: ${where}`);
          seen.add(400);
        } else {
          assert.equal(refusal, null, `refused: ${where}`);
          assert.equal(status, 200, where);
          seen.add(200);
        }
      }),
      { ...params, numRuns: Math.min(RUNS, 600) },
    );
    ctx.diagnostic(`answers: ${seen}`);
    assert.ok(seen.get(400) > 0 && seen.get(200) > 0, `answers: ${seen}`);
  });

  test('a message id with bidirectional marks is stored and found exactly as sent', async () => {
    const id = 'UNI\u200F\u202E-1\u2066';
    assert.equal((await post('/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(t.tenant, [msgSyncItem(id, 2)]))).status, 200);
    const back = await t.graphql<{ messages: { edges: { node: { whatsMessageId: string } }[] } }>('query($ids: [String!]) { messages(first: 2, where: { whatsMessageIds: $ids }) { edges { node { whatsMessageId } } } }', { ids: [id] }, t.tenant.readKey);
    assert.deepEqual(back.body.data?.messages.edges.map((e) => e.node.whatsMessageId), [id]);
  });
});
