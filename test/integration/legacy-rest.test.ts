// The legacy read endpoints over HTTP (in-process app.fetch): msgPage and
// retrievePastRecords fed the original documents' request examples, on data
// ingested through the webhooks from the documents' webhook examples; their
// error envelopes; the GraphQL `messagePage` they run on; /openapi.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.ts';
import { seed, uniqueTimestamp } from '../support/seeds.ts';
import { msgSyncAccessToken } from '../../src/auth/webhook-signatures.ts';
import type { TenantCredentials } from '../../src/auth/tenants.ts';
import { parseJsonLossless, stringifyJson, type LosslessJsonValue } from '../../src/domain/lossless-json.ts';
import { messageOffsetPage } from '../../src/read/messages.ts';
import * as examples from '../../src/rest/openapi-examples.ts';

const MSG_PAGE = '/wscrm-bus-api/open/message/msgPage';
const PAST_RECORDS = '/xd/client/retrievePastRecords';

let t: TestApp;
let other: TenantCredentials; // tenant 83
const started = Date.now();

type Obj = Record<string, any>;

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await t.app.fetch(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  let json: Obj | undefined;
  try {
    json = JSON.parse(text) as Obj;
  } catch {
    /* asserted by the caller */
  }
  return { status: res.status, text, json: json! };
}

const msgPage = (body: unknown, headers: Record<string, string> = { token: t.tenant.readKey }) =>
  post(MSG_PAGE, typeof body === 'string' ? body : JSON.stringify(body), headers);
const pastRecords = (body: unknown, headers: Record<string, string> = { token: t.tenant.readKey }) =>
  post(PAST_RECORDS, typeof body === 'string' ? body : JSON.stringify(body), headers);

/** The MSG_SYNC example for tenant 82, signed now, after `edit` (lossless: the big profile id stays exact). */
async function ingestMsgSync(edit: (body: Obj) => void = () => {}) {
  const body = parseJsonLossless(seed.msgSyncRequest) as Obj;
  const timestamp = uniqueTimestamp();
  body.tenantId = 82;
  body.timestamp = timestamp;
  body.accessToken = msgSyncAccessToken(t.tenant.webhookSecret, '82', timestamp);
  edit(body);
  const res = await post('/webhooks/MSG_SYNC_MESSAGE', stringifyJson(body));
  assert.equal(res.text, '{"code":200,"message":"success!","data":""}');
}

async function ingestClientSync(body: string) {
  const res = await post('/webhooks/CLIENT_SYNC_MESSAGE', body, { token: t.tenant.ingestKey });
  assert.equal(res.text, '{"data":"","code":200,"message":"success"}');
}

// 2023-07-01 10:53:52 in Asia/Shanghai: the retrievePastRecords example's time.
const JULY_FIRST = Date.UTC(2023, 6, 1, 2, 53, 52);
const PAGING_FRIEND = '447700900555';
const PAGING_BASE = 1_700_000_000_000;
let tenantMessages = 0;

before(async () => {
  t = await startTestApp();
  other = await t.createTenant(83n);

  // 1. The MSG_SYNC example as written, for tenant 82 (round trip).
  await ingestMsgSync();
  // 2. The same, on an account and friend the msgPage request example asks for
  //    (friendWhatsId 91844XXXX, agentAccount dev_miors; its video is contentType 2).
  await ingestMsgSync((b) => {
    for (const item of b.data as Obj[]) {
      item.whatsId = item.currentWhatsId = '8617600000000@c.us';
      item.friendWhatsId = '91844XXXX@c.us';
      item.userName = 'dev_miors';
    }
  });
  // 3. The contact of the retrievePastRecords example (receId 187, 曾林), linked to
  //    the conversation of account 8613900000000 with friend 8613700000000.
  await ingestMsgSync((b) => {
    const [first] = b.data as Obj[];
    Object.assign(first!, { whatsId: '8613900000000@c.us', currentWhatsId: '8613900000000@c.us', friendWhatsId: '8613700000000@c.us', sendTime: '2023-06-30 09:00:00' });
    first!.userProfile = { ...first!.userProfile, id: 187, name: '曾林' };
    b.data = [first];
  });
  // 4. Agent 2844's 14 messages in that conversation on 2023-07-01, all at
  //    10:53:52, alternately sent ("你好") and received ("你好这个产品怎么用"),
  //    one CLIENT_SYNC delivery each (so their ids follow this order).
  const template = (JSON.parse(seed.clientSyncRequest) as Obj[])[0]!;
  for (let i = 1; i <= 14; i++) {
    const received = i % 2 === 0;
    const item = {
      ...template,
      userId: '2844',
      whatsApp: '8613900000000',
      friendWhatsApp: '8613700000000',
      actionType: received ? 2 : 1,
      content: [{ type: 1, text: received ? '你好这个产品怎么用' : '你好', messageId: `past-${i}`, time: JULY_FIRST }],
    };
    await ingestClientSync(JSON.stringify([item]));
  }
  // 5. The CLIENT_SYNC and status examples as written.
  await ingestClientSync(seed.clientSyncRequest);
  const status = await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', seed.statusSyncRequest, { token: t.tenant.ingestKey });
  assert.equal(status.status, 200);
  // 6. 25 messages with one friend, a second apart, for paging.
  const paging = Array.from({ length: 25 }, (_, i) => ({ type: 1, text: `paging ${i}`, messageId: `paging-${i}`, time: PAGING_BASE + i * 1000 }));
  await ingestClientSync(JSON.stringify([{ userId: '7', whatsApp: '8613800000000', friendWhatsApp: PAGING_FRIEND, actionType: 1, chatType: 1, content: paging }]));
  tenantMessages = 2 + 2 + 1 + 14 + 3 + 25;
});
after(() => t.close());

const seedMsgPageResponse = () => JSON.parse(seed.msgPageResponse) as Obj;

/** Asserts a record has the seed record's keys, in its order, each of the seed's JSON type (userId may be null: see README). */
function assertRecordShape(record: Obj) {
  const seedRecord = seedMsgPageResponse().data.records[0] as Obj;
  assert.deepEqual(Object.keys(record), Object.keys(seedRecord));
  for (const [key, value] of Object.entries(seedRecord)) {
    if (key === 'userId' && record.userId === null) continue;
    assert.equal(typeof record[key], typeof value, `${key}: ${JSON.stringify(record[key])}`);
    if (typeof value === 'number') assert.ok(Number.isInteger(record[key]), key);
  }
  assert.match(record.id, /^\d+$/);
}

test('golden: the msgPage request example, verbatim, answers records of the documented names, order and types', async () => {
  const res = await msgPage(seed.msgPageRequest);
  assert.equal(res.status, 200, res.text);
  assert.ok(res.text.startsWith('{"code":200,"message":"Success","data":{"records":[{"id":"'), res.text.slice(0, 80));
  assert.deepEqual(Object.keys(res.json), Object.keys(seedMsgPageResponse()));
  assert.deepEqual(Object.keys(res.json.data), Object.keys(seedMsgPageResponse().data));
  const { records, ...page } = res.json.data;
  assert.deepEqual(page, { total: 1, size: 10, current: 1, pages: 1 });
  assert.equal(records.length, 1);
  const [video] = records as Obj[];
  assertRecordShape(video!);
  const sent = (JSON.parse(seed.msgSyncRequest) as Obj).data[1] as Obj;
  assert.deepEqual({ ...video, id: undefined, createTime: undefined }, {
    id: undefined,
    userId: null, // MSG_SYNC_MESSAGE carries the agent's login, not its id
    username: 'dev_miors',
    whatsId: '8617600000000@c.us',
    actionType: 1,
    chatType: 1,
    content: sent.content,
    contentType: 2,
    friendWhatsId: '91844XXXX@c.us',
    friendName: '好友2',
    chatTime: Date.UTC(2022, 9, 31, 8, 25, 42),
    createTime: undefined,
  });
  assert.ok(video!.createTime >= started && video!.createTime <= Date.now());
});

test('golden: every stored record has the documented shape; userId is the agent id as a JSON number when known', async () => {
  const res = await msgPage({ tenantId: 82, pageSize: 100, info: {} });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.data.total, tenantMessages);
  assert.equal(res.json.data.records.length, tenantMessages);
  for (const record of res.json.data.records as Obj[]) {
    assertRecordShape(record);
    // The agent directory fills the other half where one account was seen with
    // both (8613900000000: seat 2844 in CLIENT_SYNC, login gdkj002 in MSG_SYNC);
    // elsewhere a MSG_SYNC record (a login only) has no userId and a CLIENT_SYNC
    // record (a seat id only) no username.
    const msgSyncOnly = ['8617633819542@c.us', '8617600000000@c.us'].includes(record.whatsId);
    const clientSyncOnly = ['86172272727', '8613800000000'].includes(record.whatsId);
    assert.equal(record.userId === null, msgSyncOnly, JSON.stringify(record));
    assert.equal(record.username === '', clientSyncOnly, JSON.stringify(record));
    if (record.whatsId.startsWith('8613900000000')) assert.deepEqual([record.userId, record.username], [2844, 'gdkj002']);
  }
  const fromClient = (res.json.data.records as Obj[]).find((r) => r.content === 'hello')!;
  assert.equal(fromClient.userId, 82);
  assert.match(res.text, /"userId":82,"username":"",/);
});

test('round trip: messages ingested through MSG_SYNC_MESSAGE come back through msgPage with the same content, codes and times', async () => {
  const res = await msgPage({ tenantId: 82, info: { friendWhatsId: '8615601882491', whatsId: '8617633819542@c.us' } });
  assert.equal(res.status, 200, res.text);
  const sent = (JSON.parse(seed.msgSyncRequest) as Obj).data as Obj[];
  const records = res.json.data.records as Obj[];
  assert.equal(records.length, 2);
  // Same chat time: newest first by record id, so the later delivery (the video) comes first.
  const [video, text] = records;
  for (const [record, item] of [[text!, sent[0]!], [video!, sent[1]!]] as const) {
    assert.equal(record.content, item.content);
    assert.equal(record.contentType, item.contentType);
    assert.equal(record.actionType, item.actionType);
    assert.equal(record.chatType, item.chatType);
    assert.equal(record.username, item.userName);
    assert.equal(record.whatsId, item.currentWhatsId);
    assert.equal(record.friendWhatsId, item.friendWhatsId);
    assert.equal(record.friendName, item.userProfile.name);
    // sendTime "2022-10-31 16:25:42" is Asia/Shanghai local time.
    assert.equal(record.chatTime, Date.UTC(2022, 9, 31, 8, 25, 42));
    assert.ok(record.createTime >= started && record.createTime <= Date.now());
  }
  assert.ok(Number(video!.id) > Number(text!.id));
});

test('msgPage filters: numeric strings, chat and action types, content type, the time pair; "" means no filter', async () => {
  const count = async (info: Obj) => {
    const res = await msgPage({ tenantId: '82', info });
    assert.equal(res.status, 200, res.text);
    return res.json.data.total as number;
  };
  assert.equal(await count({ contentType: '2' }), await count({ contentType: 2 }));
  assert.equal(await count({ contentType: 2 }), 2); // the two MSG_SYNC videos
  assert.equal(await count({ contentType: 9 }), 1); // the CLIENT_SYNC quote
  assert.equal(await count({ actionType: 2 }), 7); // agent 2844's received ones
  assert.equal(await count({ actionType: '1', chatType: '1' }), tenantMessages - 7);
  assert.equal(await count({ chatType: 2 }), 0);
  assert.equal(await count({ agentAccount: 'gdkj002' }), 3);
  assert.equal(await count({ startChatTime: JULY_FIRST, endChatTime: JULY_FIRST }), 14);
  assert.equal(await count({ startChatTime: String(JULY_FIRST + 1), endChatTime: String(JULY_FIRST + 10_000) }), 0);
  const empty = { whatsId: '', friendWhatsId: '', chatType: '', actionType: '', contentType: '', startChatTime: '', endChatTime: '', agentAccount: '' };
  assert.equal(await count(empty), tenantMessages);
});

test('msgPage ignores unknown fields', async () => {
  const plain = await msgPage({ tenantId: 82, pageSize: 5, info: { friendWhatsId: PAGING_FRIEND } });
  const extra = await msgPage({ tenantId: 82, pageSize: 5, sort: 'x', extra: { a: 1 }, info: { friendWhatsId: PAGING_FRIEND, somethingElse: [1, 2], createTime: 'x' } });
  assert.equal(extra.status, 200, extra.text);
  assert.equal(extra.text, plain.text);
});

test('msgPage pages: total, size, current and pages over 25 messages; each message on exactly one page, newest first', async () => {
  const pageOf = async (current: number, pageSize = 10) => {
    const res = await msgPage({ tenantId: 82, current, pageSize, info: { friendWhatsId: PAGING_FRIEND } });
    assert.equal(res.status, 200, res.text);
    return res.json.data as Obj;
  };
  const seen: string[] = [];
  for (const [current, size] of [[1, 10], [2, 10], [3, 5]] as const) {
    const page = await pageOf(current);
    assert.deepEqual({ ...page, records: page.records.length }, { records: size, total: 25, size: 10, current, pages: 3 });
    seen.push(...(page.records as Obj[]).map((r) => r.content as string));
  }
  assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => `paging ${24 - i}`));
  assert.deepEqual(await pageOf(4), { records: [], total: 25, size: 10, current: 4, pages: 3 });
  const seven = await pageOf(2, 7);
  assert.deepEqual({ total: seven.total, pages: seven.pages, n: seven.records.length }, { total: 25, pages: 4, n: 7 });
  assert.equal(seven.records[0].content, 'paging 17');
  // Defaults: current 1, pageSize 10.
  const defaults = await msgPage({ tenantId: 82, info: { friendWhatsId: PAGING_FRIEND } });
  assert.deepEqual([defaults.json.data.current, defaults.json.data.size, defaults.json.data.records.length], [1, 10, 10]);
  // The largest page allowed.
  const max = await msgPage({ tenantId: 82, pageSize: 500, info: {} });
  assert.equal(max.status, 200, max.text);
  assert.equal(max.json.data.records.length, tenantMessages);
});

function assertLegacyError(res: { status: number; text: string; json: Obj }, code: number, ...mentions: string[]) {
  assert.equal(res.status, code, res.text);
  assert.deepEqual(Object.keys(res.json), ['code', 'message', 'data']);
  assert.equal(res.json.code, code);
  assert.equal(res.json.data, null);
  for (const m of mentions) assert.ok(res.json.message.includes(m), `"${res.json.message}" should mention ${m}`);
}

test('msgPage: a chat time without its pair is refused, naming both fields', async () => {
  assertLegacyError(await msgPage({ tenantId: 82, info: { startChatTime: 1700000000000 } }), 400, 'startChatTime', 'endChatTime');
  assertLegacyError(await msgPage({ tenantId: 82, info: { endChatTime: '1700000000000', startChatTime: '' } }), 400, 'startChatTime', 'endChatTime');
  assertLegacyError(await msgPage({ tenantId: 82, info: { startChatTime: 2, endChatTime: 1 } }), 400, 'startChatTime', 'endChatTime', 'later');
});

test('msgPage: credentials — missing or bad key 401, a key without READ 403, another tenant 403', async () => {
  assertLegacyError(await msgPage(seed.msgPageRequest, {}), 401, 'token');
  assertLegacyError(await msgPage(seed.msgPageRequest, { token: 'cg_notakey' }), 401, 'invalid');
  assertLegacyError(await msgPage(seed.msgPageRequest, { authorization: `Bearer cg_${'x'.repeat(40)}` }), 401, 'invalid');
  assertLegacyError(await msgPage(seed.msgPageRequest, { token: t.tenant.ingestKey }), 403, 'scope');
  // The body names tenant 82, the key is tenant 83's (and the other way round).
  assertLegacyError(await msgPage(seed.msgPageRequest, { token: other.readKey }), 403, 'tenantId 82');
  assertLegacyError(await msgPage({ tenantId: 83, info: {} }), 403, 'tenantId 83');
  // Bearer works as well as the token header; an admin key has READ.
  assert.equal((await msgPage(seed.msgPageRequest, { authorization: `Bearer ${t.tenant.readKey}` })).status, 200);
  assert.equal((await msgPage(seed.msgPageRequest, { token: t.tenant.adminKey })).status, 200);
  assert.equal((await msgPage({ tenantId: 83, info: {} }, { token: other.readKey })).json.data.total, 0);
});

test('msgPage: bad input is refused with a 400 naming the field', async () => {
  const bad: [unknown, ...string[]][] = [
    ['{"tenantId": 82, "info": {', 'not valid JSON'],
    ['', 'empty'],
    [[], 'JSON object'],
    [{ info: {} }, 'tenantId', 'required'],
    [{ tenantId: 'abc', info: {} }, 'tenantId', 'integer id'],
    [{ tenantId: 82.5, info: {} }, 'tenantId'],
    [{ tenantId: 82 }, 'info', 'required'],
    [{ tenantId: 82, info: 'x' }, 'info', 'object'],
    [{ tenantId: 82, info: { chatType: 3 } }, 'info.chatType', 'unknown code 3'],
    [{ tenantId: 82, info: { actionType: 'sent' } }, 'info.actionType', 'integer'],
    [{ tenantId: 82, info: { contentType: 5 } }, 'info.contentType', 'unknown code 5'],
    [{ tenantId: 82, info: { contentType: 'video' } }, 'info.contentType', 'integer'],
    [{ tenantId: 82, info: { contentType: 1.5 } }, 'info.contentType'],
    [{ tenantId: 82, info: { whatsId: 8613800000000 } }, 'info.whatsId', 'string'],
    [{ tenantId: 82, info: { startChatTime: 'yesterday', endChatTime: 1 } }, 'info.startChatTime', 'integer'],
    [{ tenantId: 82, info: {}, pageSize: 501 }, 'pageSize', '500'],
    [{ tenantId: 82, info: {}, pageSize: 0 }, 'pageSize', 'at least 1'],
    [{ tenantId: 82, info: {}, current: 0 }, 'current', 'at least 1'],
    [{ tenantId: 82, info: {}, current: 'first' }, 'current', 'integer'],
  ];
  for (const [body, ...mentions] of bad) assertLegacyError(await msgPage(body), 400, ...mentions);
  // Several problems: the first is named, the others counted.
  assertLegacyError(await msgPage({ tenantId: 82, info: { chatType: 9, actionType: 9 } }), 400, 'info.chatType', 'and 1 more problem');
  // Not POST.
  const get = await t.app.fetch(`http://localhost${MSG_PAGE}`);
  assert.equal(get.status, 405);
});

test('golden: the retrievePastRecords example, verbatim (pageno), and with pageNo; page 2 is the documented response byte for byte', async () => {
  const seedResponse = JSON.parse(seed.retrievePastRecordsResponse) as Obj;
  const first = await pastRecords(seed.retrievePastRecordsRequest);
  assert.equal(first.status, 200, first.text);
  assert.deepEqual(Object.keys(first.json), Object.keys(seedResponse));
  assert.deepEqual(Object.keys(first.json.data), Object.keys(seedResponse.data));
  const { contGroups, ...head } = first.json.data;
  const { contGroups: _seedGroups, ...seedHead } = seedResponse.data as Obj;
  assert.deepEqual(head, { ...seedHead, pageno: 1 });
  assert.equal(contGroups.length, 10);
  for (const group of contGroups as Obj[]) {
    assert.deepEqual(Object.keys(group), Object.keys(seedResponse.data.contGroups[0]));
    for (const [key, value] of Object.entries(seedResponse.data.contGroups[0] as Obj)) assert.equal(typeof group[key], typeof value, key);
  }

  // Page 2 holds the four oldest: exactly the document's example answer.
  const request = JSON.parse(seed.retrievePastRecordsRequest) as Obj;
  const second = await pastRecords({ ...request, pageno: 2 });
  assert.equal(second.text, JSON.stringify(seedResponse));
  const { pageno: _pageno, ...rest } = request;
  const camel = await pastRecords({ ...rest, pageNo: 2 });
  assert.equal(camel.text, JSON.stringify(seedResponse));
  // Both spellings at once are fine when they agree.
  assert.equal((await pastRecords({ ...request, pageno: 2, pageNo: '2' })).text, JSON.stringify(seedResponse));
});

test('retrievePastRecords: without the day or the contact, read flags, echoed fields, Bearer', async () => {
  const res = await pastRecords({ custServId: 2844, pageNo: '1', pageSize: '3' }, { authorization: `Bearer ${t.tenant.readKey}` });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual({ ...res.json.data, contGroups: res.json.data.contGroups.length }, {
    custServId: '2844',
    convType: null,
    occDate: null,
    receId: null,
    lastSendTime: 'Sat Jul 01 10:53:52 CST 2023',
    receName: null,
    // The 14 of seat 2844, and the MSG_SYNC message of its login (gdkj002) on its account.
    total: 15,
    pageno: 1,
    pageSize: 3,
    contGroups: 3,
  });
  const none = await pastRecords({ custServId: '2844', oocDate: '2023-07-02', pageNo: 1, pageSize: 10 });
  assert.deepEqual([none.json.data.total, none.json.data.lastSendTime, none.json.data.contGroups], [0, null, []]);
  const stranger = await pastRecords({ custServId: '2844', receId: '188', pageNo: 1, pageSize: 10 });
  assert.deepEqual([stranger.json.data.total, stranger.json.data.receName], [0, null]);

  // READ status → contReadState "1"; the client codes as strings.
  const read = await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', JSON.stringify([{ userId: '82', messageStatus: 4, messageId: '19282dskdasldjl02' }]), { token: t.tenant.ingestKey });
  assert.equal(read.status, 200);
  const agent82 = await pastRecords({ custServId: '82', pageNo: 1, pageSize: 10 });
  assert.deepEqual(
    (agent82.json.data.contGroups as Obj[]).map((g) => [g.contentType, g.contReadState, g.sender, g.sendTime]),
    [
      ['9', '0', 0, 'Wed Jul 12 10:43:14 CST 2023'],
      ['2', '1', 0, 'Wed Jul 12 10:43:13 CST 2023'],
      ['1', '0', 0, 'Wed Jul 12 10:43:12 CST 2023'],
    ],
  );
});

test('retrievePastRecords: errors keep the endpoint\'s envelope and name the field', async () => {
  const assertPastError = (res: { status: number; json: Obj; text: string }, code: number, ...mentions: string[]) => {
    assert.equal(res.status, code, res.text);
    assert.deepEqual(Object.keys(res.json), ['msg', 'code', 'data']);
    assert.equal(res.json.code, code);
    assert.equal(res.json.data, null);
    for (const m of mentions) assert.ok(res.json.msg.includes(m), `"${res.json.msg}" should mention ${m}`);
  };
  const ok = { custServId: '2844', pageNo: 1, pageSize: 10 };
  assert.equal((await pastRecords({ custServId: '2844', pageNo: 1 })).text, '{"msg":"pageSize: is required (1 to 500)","code":400,"data":null}');
  assertPastError(await pastRecords({ pageNo: 1, pageSize: 10 }), 400, 'custServId');
  assertPastError(await pastRecords({ custServId: '2844', pageSize: 10 }), 400, 'pageNo', 'pageno');
  assertPastError(await pastRecords({ ...ok, pageno: 2 }), 400, 'pageNo', 'pageno', 'differ');
  assertPastError(await pastRecords({ ...ok, pageNo: 0 }), 400, 'pageNo');
  assertPastError(await pastRecords({ ...ok, pageSize: 501 }), 400, 'pageSize', '500');
  assertPastError(await pastRecords({ ...ok, oocDate: '2023-7-1' }), 400, 'oocDate', 'YYYY-MM-DD');
  assertPastError(await pastRecords({ ...ok, oocDate: '2023-02-30' }), 400, 'oocDate');
  assertPastError(await pastRecords({ ...ok, receId: 'abc' }), 400, 'receId');
  assertPastError(await pastRecords({ ...ok, convType: 7 }), 400, 'convType', 'string');
  assertPastError(await pastRecords('{"custServId":'), 400, 'JSON');
  assertPastError(await pastRecords(ok, {}), 401, 'token');
  assertPastError(await pastRecords(ok, { token: 'cg_notakey' }), 401, 'invalid');
  assertPastError(await pastRecords(ok, { token: t.tenant.ingestKey }), 403, 'scope');
  // Another tenant's key sees that tenant's data only: nothing here.
  assert.equal((await pastRecords(seed.retrievePastRecordsRequest, { token: other.readKey })).json.data.total, 0);
});

test('GraphQL messagePage: the page, totals, argument checks naming the argument', async () => {
  const QUERY = `query P($page: Int, $pageSize: Int, $where: MessageWhere, $orderBy: MessageOrder) {
    messagePage(page: $page, pageSize: $pageSize, where: $where, orderBy: $orderBy) { page pageSize totalCount pageCount nodes { whatsMessageId chatTime } } }`;
  const run = (variables: Obj) => t.graphql<{ messagePage: Obj }>(QUERY, variables, t.tenant.readKey);
  const where = { friendWhatsId: PAGING_FRIEND };
  const res = await run({ where, page: 2, pageSize: 10 });
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  const page = res.body.data!.messagePage;
  assert.deepEqual([page.page, page.pageSize, page.totalCount, page.pageCount], [2, 10, 25, 3]);
  assert.deepEqual(page.nodes.map((n: Obj) => n.whatsMessageId), Array.from({ length: 10 }, (_, i) => `paging-${14 - i}`));
  // Oldest first.
  const asc = await run({ where, page: 3, pageSize: 10, orderBy: 'CHAT_TIME_ASC' });
  assert.deepEqual(asc.body.data!.messagePage.nodes.map((n: Obj) => n.whatsMessageId), Array.from({ length: 5 }, (_, i) => `paging-${20 + i}`));
  // Defaults: page 1 of 10.
  const defaults = await run({});
  assert.deepEqual([defaults.body.data!.messagePage.page, defaults.body.data!.messagePage.pageSize, defaults.body.data!.messagePage.nodes.length], [1, 10, 10]);
  // The same order as the cursor connection.
  const connection = await t.graphql<{ messages: { edges: { node: Obj }[] } }>(`{ messages(first: 30, where: { friendWhatsId: "${PAGING_FRIEND}" }) { edges { node { whatsMessageId } } } }`, {}, t.tenant.readKey);
  assert.deepEqual(connection.body.data!.messages.edges.slice(10, 20).map((e) => e.node.whatsMessageId), page.nodes.map((n: Obj) => n.whatsMessageId));

  for (const [variables, argument] of [[{ page: 0 }, 'page'], [{ page: -3 }, 'page'], [{ pageSize: 0 }, 'pageSize'], [{ pageSize: 501 }, 'pageSize']] as const) {
    const bad = await run(variables);
    assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(bad.body));
    assert.ok(bad.body.errors![0]!.message.startsWith(`${argument} must`), bad.body.errors![0]!.message);
  }
  // Without READ.
  const forbidden = await t.graphql<Obj>(QUERY, {}, t.tenant.ingestKey);
  assert.equal(forbidden.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
});

test('GraphQL messagePage: contactExternalId finds the contact\'s messages and those of its conversations', async () => {
  const res = await t.graphql<{ messagePage: Obj }>(
    `{ messagePage(where: { contactExternalId: "187" }, pageSize: 50) { totalCount nodes { agentId contact { name } } } }`, {}, t.tenant.readKey);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  // Its MSG_SYNC message (with the profile) and agent 2844's 14 in the linked conversation.
  assert.equal(res.body.data!.messagePage.totalCount, 15);
  assert.equal(res.body.data!.messagePage.nodes.filter((n: Obj) => n.contact?.name === '曾林').length, 1);
  const bad = await t.graphql<Obj>(`{ messagePage(where: { contactExternalId: "x1" }) { totalCount } }`, {}, t.tenant.readKey);
  assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  assert.match(bad.body.errors![0]!.message, /contactExternalId/);
});

test('offset pages read from the other end when the total is known give the same rows', async () => {
  const pool = t.services.db.pool;
  const base = { tenantId: '82', filter: { friendWhatsId: PAGING_FRIEND }, timeZone: 'Asia/Shanghai', columns: ['whatsMessageId' as const] };
  for (const order of ['CHAT_TIME_DESC', 'CHAT_TIME_ASC'] as const) {
    for (const limit of [1, 7, 10]) {
      for (let offset = 0; offset <= 27; offset++) {
        const ids = async (total: number | null) => (await messageOffsetPage(pool, { ...base, order, offset, limit, total })).rows.map((r) => r.whatsMessageId);
        assert.deepEqual(await ids(25), await ids(null), `${order} offset ${offset} limit ${limit}`);
      }
    }
  }
});

test('GET /openapi.json: public, OpenAPI 3.1, the five paths with the documents\' examples (big ids exact)', async () => {
  const res = await t.app.fetch('http://localhost/openapi.json');
  assert.equal(res.status, 200);
  const text = await res.text();
  const doc = parseJsonLossless(text) as Obj;
  assert.equal(doc.openapi, '3.1.0');
  const paths = doc.paths as Obj;
  assert.deepEqual(Object.keys(paths).sort(), [
    '/webhooks/CLIENT_SYNC_MESSAGE',
    '/webhooks/CLIENT_SYNC_MESSAGE_STATUS',
    '/webhooks/MSG_SYNC_MESSAGE',
    '/wscrm-bus-api/open/message/msgPage',
    '/xd/client/retrievePastRecords',
  ]);
  const same = (a: LosslessJsonValue, seedText: string) => assert.equal(stringifyJson(a), stringifyJson(parseJsonLossless(seedText)));
  const body = (path: string) => paths[path].post.requestBody.content['application/json'].examples.seed.value;
  const ok = (path: string) => paths[path].post.responses['200'].content['application/json'].examples.seed.value;
  same(body('/wscrm-bus-api/open/message/msgPage'), seed.msgPageRequest);
  same(ok('/wscrm-bus-api/open/message/msgPage'), seed.msgPageResponse);
  same(body('/xd/client/retrievePastRecords'), seed.retrievePastRecordsRequest);
  same(ok('/xd/client/retrievePastRecords'), seed.retrievePastRecordsResponse);
  same(body('/webhooks/MSG_SYNC_MESSAGE'), seed.msgSyncRequest);
  same(body('/webhooks/CLIENT_SYNC_MESSAGE'), seed.clientSyncRequest);
  same(ok('/webhooks/CLIENT_SYNC_MESSAGE'), seed.clientSyncResponse);
  same(body('/webhooks/CLIENT_SYNC_MESSAGE_STATUS'), seed.statusSyncRequest);
  same(ok('/webhooks/CLIENT_SYNC_MESSAGE_STATUS'), seed.statusSyncResponse);
  assert.equal(ok('/webhooks/MSG_SYNC_MESSAGE').message, 'success!');
  assert.ok(text.includes('"id":8423922419416375296'), 'userProfile.id written exactly');
  // Every $ref resolves; the security schemes used are declared.
  for (const [, name] of text.matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)) assert.ok(doc.components.schemas[name!], name);
  for (const path of Object.values(paths)) {
    for (const requirement of path.post.security as Obj[]) for (const scheme of Object.keys(requirement)) assert.ok(doc.components.securitySchemes[scheme], scheme);
  }
  // The embedded examples are the documents' text, verbatim.
  assert.equal(examples.MSG_PAGE_REQUEST, seed.msgPageRequest);
  assert.equal(examples.MSG_PAGE_RESPONSE, seed.msgPageResponse);
  assert.equal(examples.MSG_SYNC_REQUEST, seed.msgSyncRequest);
  assert.equal(examples.CLIENT_SYNC_REQUEST, seed.clientSyncRequest);
  assert.equal(examples.CLIENT_SYNC_RESPONSE, seed.clientSyncResponse);
  assert.equal(examples.STATUS_SYNC_REQUEST, seed.statusSyncRequest);
  assert.equal(examples.STATUS_SYNC_RESPONSE, seed.statusSyncResponse);
  assert.equal(examples.PAST_RECORDS_REQUEST, seed.retrievePastRecordsRequest);
  assert.equal(examples.PAST_RECORDS_RESPONSE, seed.retrievePastRecordsResponse);
});

test('msgPage writes an agent id beyond 2^53 as its exact digits', async () => {
  const big = '9223372036854775807';
  await ingestClientSync(JSON.stringify([{ userId: big, whatsApp: '8613800000001', friendWhatsApp: '447700900777', actionType: 2, chatType: 1, content: [{ type: 1, text: 'big', messageId: 'big-1', time: PAGING_BASE }] }]));
  const res = await msgPage({ tenantId: 82, info: { friendWhatsId: '447700900777' } });
  assert.equal(res.status, 200, res.text);
  assert.ok(res.text.includes(`"userId":${big},"username":"",`), res.text);
  assert.equal((parseJsonLossless(res.text) as Obj).data.records[0].userId, BigInt(big));
  const agent = await pastRecords({ custServId: big, pageNo: 1, pageSize: 1 });
  assert.deepEqual([agent.json.data.custServId, agent.json.data.total, agent.json.data.contGroups[0].sender], [big, 1, 1]);
});

test('issue #16 reads: a CLIENT_SYNC quote in msgPage embeds its referContent; custom fields in the CRM order; pendingAt the chat time; contactTag over the linked conversations', async () => {
  const res = await msgPage({ tenantId: 82, pageSize: 100, info: { contentType: 9 } });
  assert.equal(res.status, 200, res.text);
  const [quote] = res.json.data.records as Obj[];
  assert.equal(
    quote!.content,
    '{"caption":"1","filename":"","mimeType":"","type":1,"url":"","referContent":{"caption":"1","filename":"","mimeType":"","type":1,"url":"","whatsId":"8615375457649","msgId":"3EB04F939512D66B1F2DFA"}}',
  );
  const q = await t.graphql<Obj>(`{
    contact(externalId: "8423922419416375296") { customFields { key } customFieldsJson }
    tagged: messages(where: { contactTag: "11111" }) { totalCount }
    pending: messages(where: { whatsMessageIds: ["7a324c7b5512468cb7a9296af0f8379b"] }) { edges { node { chatTime pendingAt } } }
  }`, {}, t.tenant.readKey);
  assert.equal(q.body.errors, undefined, JSON.stringify(q.body.errors));
  assert.deepEqual(q.body.data!.contact.customFields.map((f: Obj) => f.key), ['单行文本', '多选', '日期']);
  assert.deepEqual(Object.keys(q.body.data!.contact.customFieldsJson), ['单行文本', '多选', '日期']);
  // Tagged contacts: the seed's (its 4 messages) and 187 (1 with its profile, and agent 2844's 14 in its conversation).
  assert.equal(q.body.data!.tagged.totalCount, 19);
  for (const { node } of q.body.data!.pending.edges as Obj[]) assert.equal(node.pendingAt, node.chatTime);
});
