// The three webhooks over HTTP (in-process app.fetch), fed the original
// documents' examples as written, read back from the database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.ts';
import { seed, signedMsgSyncExample, uniqueTimestamp } from '../support/seeds.ts';
import { msgSyncAccessToken, bodySignature } from '../../src/auth/webhook-signatures.ts';
import type { TenantCredentials } from '../../src/auth/tenants.ts';

let t: TestApp;
let crm: TenantCredentials; // tenant 1238, the MSG_SYNC example's

before(async () => {
  t = await startTestApp();
  crm = await t.createTenant(1238n, 'Seed company');
});
after(() => t.close());

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await t.app.fetch(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, text: await res.text() };
}

const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => t.testDb.db.pool.query(sql, params).then((r) => r.rows as T[]);

test('MSG_SYNC_MESSAGE: the seed example, signed for its tenant, is stored exactly', async () => {
  const res = await post('/webhooks/MSG_SYNC_MESSAGE', signedMsgSyncExample(crm.webhookSecret));
  assert.equal(res.text, '{"code":200,"message":"success!","data":""}');
  assert.equal(res.status, 200);

  const messages = await q(`SELECT * FROM "Message" WHERE "tenantId" = 1238 ORDER BY "whatsMessageId"`);
  assert.equal(messages.length, 2);
  const [text, video] = messages as Record<string, any>[];
  assert.equal(text!.whatsMessageId, '7a324c7b5512468cb7a9296af0f8379b');
  assert.equal(text!.syncId, '30e873ab8f4840e2b610c414fe967327');
  assert.equal(text!.agentAccount, 'gdkj002');
  assert.equal(text!.senderWhatsId, '8617633819542@c.us');
  assert.equal(text!.accountWhatsId, '8617633819542@c.us');
  assert.equal(text!.accountWhatsIdBare, '8617633819542');
  assert.equal(text!.friendWhatsId, '8615601882491@c.us');
  assert.equal(text!.friendWhatsIdBare, '8615601882491');
  assert.equal(text!.direction, 'OUTBOUND');
  assert.equal(text!.chatType, 'PRIVATE');
  assert.equal(text!.status, 'PENDING');
  assert.ok(text!.pendingAt instanceof Date);
  assert.equal(text!.contentType, 'TEXT');
  assert.equal(text!.legacyContentType, 0);
  assert.equal(text!.content, '再见');
  assert.deepEqual(text!.parsedContent, { kind: 'text', text: '再见' });
  assert.equal(text!.origin, 'PC');
  assert.equal(text!.source, 'MSG_SYNC');
  assert.equal(text!.taskId, null, 'taskId 0 means none');
  // "2022-10-31 16:25:42" in Asia/Shanghai.
  assert.equal((text!.chatTime as Date).toISOString(), '2022-10-31T08:25:42.000Z');

  // `mimetype` (lower case) is read as the MIME type.
  assert.equal(video!.contentType, 'VIDEO');
  assert.equal(video!.content, '{"caption":"","filename":"","mimetype":"video/mp4","url":"https://image.whatsappscrm.com/client/603704/chat_history/1665198225749_video"}');
  assert.equal(video!.parsedContent.kind, 'media');
  assert.equal(video!.parsedContent.mimeType, 'video/mp4');
  assert.equal(video!.parsedContent.url, 'https://image.whatsappscrm.com/client/603704/chat_history/1665198225749_video');
  assert.equal(video!.taskId, null, 'taskId null means none');

  // The profile: a Long beyond 2^53 kept exactly; the later delivery's values.
  const contacts = await q(`SELECT * FROM "Contact" WHERE "tenantId" = 1238`);
  assert.equal(contacts.length, 1);
  const contact = contacts[0] as Record<string, any>;
  assert.equal(contact.externalId, '8423922419416375296');
  assert.equal(contact.whatsId, '447759820897');
  assert.equal(contact.ownerName, 'testlsl001');
  assert.deepEqual(contact.tags, ['测试', '测试000000000000000000', '11111']);
  assert.equal(contact.address, '北京');
  assert.equal(contact.email, null, '"" means none');
  assert.equal(contact.extendsMap, '{"单行文本":"caseId007","多选":"[]","日期":""}');
  assert.deepEqual(contact.customFields, { 单行文本: 'caseId007', 多选: '[]', 日期: '' });
  assert.equal(text!.contactId, contact.id);

  const conversations = await q(`SELECT * FROM "Conversation" WHERE "tenantId" = 1238`);
  assert.equal(conversations.length, 1);
  const conversation = conversations[0] as Record<string, any>;
  assert.equal(conversation.messageCount, 2);
  assert.equal(conversation.unreadCount, 0, 'outbound messages are never unread');
  assert.equal(conversation.contactId, contact.id);
  assert.ok([text!.id, video!.id].includes(conversation.lastMessageId));
  const [sum] = await q<{ n: string }>(`SELECT sum("messageCount")::text AS n FROM "Conversation" WHERE "tenantId" = 1238`);
  assert.equal(sum!.n, '2', 'the conversations\' counters add up to the messages stored');
});

test('MSG_SYNC_MESSAGE: a re-push with a higher status is a status update, not a new message', async () => {
  const body = signedMsgSyncExample(crm.webhookSecret).replace('"messageStatus": 1', '"messageStatus": 4');
  assert.equal((await post('/webhooks/MSG_SYNC_MESSAGE', body)).status, 200);
  const rows = await q(`SELECT status, "readAt", "pendingAt" FROM "Message" WHERE "whatsMessageId" = '7a324c7b5512468cb7a9296af0f8379b'`);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.status, 'READ');
  assert.ok(rows[0]!.readAt instanceof Date && rows[0]!.pendingAt instanceof Date, 'the time of each status is kept');
  // A lower status afterwards changes nothing.
  const lower = signedMsgSyncExample(crm.webhookSecret).replace('"messageStatus": 1', '"messageStatus": 3');
  assert.equal((await post('/webhooks/MSG_SYNC_MESSAGE', lower)).status, 200);
  const again = await q(`SELECT status FROM "Message" WHERE "whatsMessageId" = '7a324c7b5512468cb7a9296af0f8379b'`);
  assert.equal(again[0]!.status, 'READ');
  const [conv] = await q(`SELECT "messageCount" FROM "Conversation" WHERE "tenantId" = 1238`);
  assert.equal(conv!.messageCount, 2);
});

test('the msgPage examples\' contents, pushed through MSG_SYNC_MESSAGE as written, are parsed (vCard, quote, media)', async () => {
  const records = JSON.parse(seed.msgPageResponse).data.records as { content: string; contentType: number; actionType: number; chatType: number; whatsId: string; friendWhatsId: string; id: string; username: string }[];
  const timestamp = uniqueTimestamp();
  const items = records.map((r, i) => ({
    id: `seed${i}`, messageId: `seed-msg-${r.id}`, userName: r.username, whatsId: r.whatsId, friendWhatsId: r.friendWhatsId,
    currentWhatsId: r.whatsId, actionType: r.actionType, chatType: r.chatType, messageStatus: 3, content: r.content,
    contentType: r.contentType, originType: 2, sendTime: '2024-12-03 19:30:47',
    userProfile: { id: 1000 + i, name: '', whatsApp: r.friendWhatsId, username: r.username, extendsMap: '{}', income: '', profession: '', desc: '', tags: [], email: '', address: '' },
  }));
  const body = JSON.stringify({ accessToken: msgSyncAccessToken(crm.webhookSecret, '1238', timestamp), tenantId: 1238, timestamp, data: items });
  const res = await post('/webhooks/MSG_SYNC_MESSAGE', body);
  assert.equal(res.status, 200, res.text);
  const rows = await q(`SELECT "whatsMessageId", content, "contentType", "parsedContent", "searchText" FROM "Message" WHERE "whatsMessageId" LIKE 'seed-msg-%'`);
  const by = new Map(rows.map((r) => [r.whatsMessageId as string, r as Record<string, any>]));
  for (const r of records) assert.equal(by.get(`seed-msg-${r.id}`)!.content, r.content, 'content kept as it came');

  const vcard = by.get('seed-msg-38390136')!;
  assert.equal(vcard.contentType, 'CONTACT_CARD');
  assert.deepEqual(vcard.parsedContent, {
    kind: 'contactCard',
    cards: [{ name: 'Jack 001', businessName: 'ChiuChiu Furniture', phones: [{ number: '+44 7759 xxxxx', whatsId: '4477590xxxxx' }] }],
  });
  const quote = by.get('seed-msg-2082')!;
  assert.equal(quote.contentType, 'QUOTE');
  assert.equal(quote.parsedContent.kind, 'quote');
  assert.equal(quote.parsedContent.caption, 'hasaki');
  assert.equal(quote.parsedContent.quoted.messageId, '3EB084F0BFB4F7694B9684');
  assert.equal(quote.parsedContent.quoted.whatsId, '918448631208@c.us');
  assert.equal(quote.parsedContent.quoted.mimeType, 'image/jpeg');
  const image = by.get('seed-msg-40830094')!;
  assert.equal(image.parsedContent.filename, null, 'filename "null" means none');
  assert.equal(image.parsedContent.mimeType, 'image/jpeg');
  const audio = by.get('seed-msg-23383328')!;
  assert.equal(audio.parsedContent.mimeType, 'audio', 'a bare kind is kept as given');
  assert.equal(by.get('seed-msg-23383535')!.searchText, '这里是China');
  // The two group messages share one conversation.
  const groups = await q(`SELECT "messageCount", "chatType" FROM "Conversation" WHERE "friendWhatsIdBare" = '120363295594719602'`);
  assert.deepEqual(groups, [{ messageCount: 2, chatType: 'GROUP' }]);
});

test('CLIENT_SYNC_MESSAGE: the seed example with an ingest key is stored, with its envelope', async () => {
  const res = await post('/webhooks/CLIENT_SYNC_MESSAGE', seed.clientSyncRequest, { authorization: `Bearer ${t.tenant.ingestKey}` });
  assert.equal(res.text, '{"data":"","code":200,"message":"success"}');
  const rows = await q(`SELECT * FROM "Message" WHERE "tenantId" = 82 AND source = 'CLIENT_SYNC' ORDER BY "whatsMessageId"`);
  assert.deepEqual(rows.map((r) => [r.whatsMessageId, r.contentType, r.taskInfoId]), [
    ['19282dskdasldjl01', 'TEXT', 'a0001'],
    ['19282dskdasldjl02', 'IMAGE', 'a0002'],
    ['19282dskdasldjl03', 'QUOTE', 'a0003'],
  ]);
  const [textMsg, image, quote] = rows as Record<string, any>[];
  assert.equal(textMsg!.content, 'hello');
  assert.equal(textMsg!.agentId, '82');
  assert.equal(textMsg!.taskId, 'taskid00001');
  assert.equal((textMsg!.chatTime as Date).getTime(), 1689129792000);
  assert.equal(textMsg!.status, 'PENDING');
  assert.equal(image!.parsedContent.mimeType, 'image/jpeg');
  assert.equal(image!.parsedContent.url, 'https://id-wscrm.oss-accelerate.aliyuncs.com/client/d584b8cfb9185cc999389f17b4236b3b/61733005-dfdb-4704-9c5d-944423c70dd1');
  assert.equal(quote!.referContent, '{"caption":"1","filename":"","mimeType":"","type":1,"url":"","whatsApp":"8615375457649","messageId":"3EB04F939512D66B1F2DFA"}');
  assert.equal(quote!.parsedContent.quoted.messageId, '3EB04F939512D66B1F2DFA');
  assert.equal(quote!.parsedContent.quoted.whatsId, '8615375457649');
  // Two friends: two conversations on the account.
  const convs = await q(`SELECT "friendWhatsIdBare", "messageCount" FROM "Conversation" WHERE "tenantId" = 82 ORDER BY 1`);
  assert.deepEqual(convs, [
    { friendWhatsIdBare: '61191828282', messageCount: 2 },
    { friendWhatsIdBare: '8615375457649', messageCount: 1 },
  ]);
});

test('CLIENT_SYNC_MESSAGE_STATUS: the seed example (its message not stored yet) is kept, then applied when the message arrives', async () => {
  for (const via of [{ headers: { token: t.tenant.ingestKey }, path: '' }]) {
    const res = await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS' + via.path, seed.statusSyncRequest, via.headers);
    assert.equal(res.text, '{"data":"","code":200,"message":"success"}');
  }
  assert.deepEqual(await q(`SELECT "whatsMessageId", status FROM "PendingStatus" WHERE "tenantId" = 82`), [
    { whatsMessageId: '19282dskdasldjl21', status: 'SENT' },
  ]);
  const message = JSON.stringify([{ userId: '82', whatsApp: '86172272727', friendWhatsApp: '61191828282', actionType: 1, chatType: 1, content: [{ type: 1, text: 'late', messageId: '19282dskdasldjl21', time: 1689129799000 }] }]);
  assert.equal((await post(`/webhooks/CLIENT_SYNC_MESSAGE?token=${t.tenant.ingestKey}`, message)).status, 200);
  const [row] = await q(`SELECT status, "sentAt", "pendingAt" FROM "Message" WHERE "whatsMessageId" = '19282dskdasldjl21'`);
  assert.equal(row!.status, 'SENT');
  assert.ok(row!.sentAt instanceof Date && row!.pendingAt instanceof Date);
  assert.deepEqual(await q(`SELECT * FROM "PendingStatus" WHERE "tenantId" = 82`), []);
});

test('status updates raise statuses, never lower them, and keep unread counts right', async () => {
  const inbound = JSON.stringify([{ userId: '82', whatsApp: '86172272727', friendWhatsApp: '777000', actionType: 2, chatType: 1, content: [
    { type: 1, text: 'hi', messageId: 'in-1', time: 1689129800000 },
    { type: 1, text: 'there', messageId: 'in-2', time: 1689129801000 },
  ] }]);
  const auth = { authorization: `Bearer ${t.tenant.ingestKey}` };
  await post('/webhooks/CLIENT_SYNC_MESSAGE', inbound, auth);
  const unread = async () => (await q(`SELECT "unreadCount" FROM "Conversation" WHERE "friendWhatsIdBare" = '777000'`))[0]!.unreadCount;
  assert.equal(await unread(), 2);
  await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', JSON.stringify([{ userId: '82', messageStatus: 4, messageId: 'in-1' }]), auth);
  assert.equal(await unread(), 1);
  await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', JSON.stringify([{ userId: '82', messageStatus: 3, messageId: 'in-1' }, { userId: '82', messageStatus: 4, messageId: 'in-1' }]), auth);
  assert.equal(await unread(), 1, 'a repeated READ does not count twice');
  const [m] = await q(`SELECT status FROM "Message" WHERE "whatsMessageId" = 'in-1'`);
  assert.equal(m!.status, 'READ');
});

test('a batch with one bad item writes nothing and names the item and field', async () => {
  const before = await q(`SELECT count(*)::int AS n FROM "Message"`);
  const body = signedMsgSyncExample(crm.webhookSecret)
    .replace('"messageId": "82bfefadceb948428fd3f3ef659e14b3"', '"messageId": "brand-new-1"')
    .replace('"messageId": "7a324c7b5512468cb7a9296af0f8379b"', '"messageId": "brand-new-0"')
    .replace(/"messageStatus": 1,(\s+"content": "\{)/, '"messageStatus": 9,$1');
  const res = await post('/webhooks/MSG_SYNC_MESSAGE', body);
  assert.equal(res.status, 400);
  assert.deepEqual(JSON.parse(res.text), { code: 400, message: 'data[1].messageStatus: unknown code 9 (expected 1 sent from the client, 2 sent, 3 delivered, 4 read)', data: null });
  assert.deepEqual(await q(`SELECT count(*)::int AS n FROM "Message"`), before);
});

const badBodies: [string, string, string, RegExp][] = [
  ['malformed JSON', '/webhooks/CLIENT_SYNC_MESSAGE', '[{"userId":', /^request body is not valid JSON/],
  ['an object instead of an array', '/webhooks/CLIENT_SYNC_MESSAGE', '{}', /^body: must be a JSON array of messages, got an object$/],
  ['a missing required field', '/webhooks/CLIENT_SYNC_MESSAGE', '[{"whatsApp":"1","actionType":1,"chatType":1,"content":[{"type":1,"text":"x","messageId":"m","time":1689129792000}]}]', /^\[0\]\.friendWhatsApp: is required$/],
  ['a wrong type', '/webhooks/CLIENT_SYNC_MESSAGE', '[{"whatsApp":"1","friendWhatsApp":"2","actionType":"1","chatType":1,"content":[{"type":1,"text":"x","messageId":"m","time":1689129792000}]}]', /^\[0\]\.actionType: must be an integer code \(1 sent, 2 received\), got a string$/],
  ['an unknown content code', '/webhooks/CLIENT_SYNC_MESSAGE', '[{"whatsApp":"1","friendWhatsApp":"2","actionType":1,"chatType":1,"content":[{"type":42,"messageId":"m","time":1689129792000}]}]', /^\[0\]\.content\[0\]\.type: unknown code 42/],
  ['a time in seconds', '/webhooks/CLIENT_SYNC_MESSAGE', '[{"whatsApp":"1","friendWhatsApp":"2","actionType":1,"chatType":1,"content":[{"type":1,"messageId":"m","time":1689129792}]}]', /^\[0\]\.content\[0\]\.time: must be at least/],
  ['an unknown status', '/webhooks/CLIENT_SYNC_MESSAGE_STATUS', '[{"userId":"82","messageStatus":7,"messageId":"x"}]', /^\[0\]\.messageStatus: unknown code 7/],
  ['an empty body', '/webhooks/CLIENT_SYNC_MESSAGE_STATUS', '', /^request body is empty/],
];
for (const [what, path, body, message] of badBodies) {
  test(`${path.split('/')[2]}: ${what} → 400 naming it, nothing written`, async () => {
    const before = await q(`SELECT (SELECT count(*) FROM "Message")::int AS m, (SELECT count(*) FROM "PendingStatus")::int AS p`);
    const res = await post(path, body, { authorization: `Bearer ${t.tenant.ingestKey}` });
    assert.equal(res.status, 400, res.text);
    const envelope = JSON.parse(res.text);
    assert.equal(envelope.code, 400);
    assert.equal(envelope.data, null);
    assert.match(envelope.message, message);
    assert.deepEqual(await q(`SELECT (SELECT count(*) FROM "Message")::int AS m, (SELECT count(*) FROM "PendingStatus")::int AS p`), before);
  });
}

test('MSG_SYNC_MESSAGE over 50 items is refused', async () => {
  const timestamp = Date.now();
  const body = JSON.stringify({ accessToken: msgSyncAccessToken(crm.webhookSecret, '1238', timestamp), tenantId: 1238, timestamp, data: Array.from({ length: 51 }, () => ({})) });
  const res = await post('/webhooks/MSG_SYNC_MESSAGE', body);
  assert.equal(res.status, 400);
  assert.match(JSON.parse(res.text).message, /^data: must have at most 50 items, got 51$/);
});

test('authentication: wrong or expired signatures and keys get 401 with a clear message', async () => {
  const wrong = signedMsgSyncExample('not-the-secret');
  let res = await post('/webhooks/MSG_SYNC_MESSAGE', wrong);
  assert.equal(res.status, 401);
  assert.match(JSON.parse(res.text).message, /^accessToken does not match/);

  res = await post('/webhooks/MSG_SYNC_MESSAGE', signedMsgSyncExample(crm.webhookSecret, Date.now() - 301_000));
  assert.equal(res.status, 401);
  assert.match(JSON.parse(res.text).message, /^timestamp is 301 s away from the server's clock/);

  res = await post('/webhooks/CLIENT_SYNC_MESSAGE', seed.clientSyncRequest);
  assert.equal(res.status, 401);
  assert.match(JSON.parse(res.text).message, /^authentication required/);

  res = await post('/webhooks/CLIENT_SYNC_MESSAGE', seed.clientSyncRequest, { token: 'cg_' + 'x'.repeat(40) });
  assert.deepEqual(JSON.parse(res.text), { code: 401, message: 'invalid or revoked API key', data: null });

  res = await post('/webhooks/CLIENT_SYNC_MESSAGE', seed.clientSyncRequest, { authorization: `Bearer ${t.tenant.readKey}` });
  assert.equal(res.status, 403);
  assert.match(JSON.parse(res.text).message, /INGEST scope/);
});

test('signature headers authenticate the array webhooks; a stale or forged one is refused', async () => {
  const body = JSON.stringify([{ userId: '82', messageStatus: 2, messageId: 'sig-1' }]);
  const ts = Date.now();
  const ok = await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', body, {
    'x-chatgraph-tenant': '82', 'x-chatgraph-timestamp': String(ts), 'x-chatgraph-signature': bodySignature(t.tenant.webhookSecret, ts, body),
  });
  assert.equal(ok.status, 200, ok.text);
  const forged = await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', body, {
    'x-chatgraph-tenant': '82', 'x-chatgraph-timestamp': String(ts), 'x-chatgraph-signature': bodySignature(crm.webhookSecret, ts, body),
  });
  assert.equal(forged.status, 401);
  const stale = await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', body, {
    'x-chatgraph-tenant': '82', 'x-chatgraph-timestamp': String(ts - 600_000), 'x-chatgraph-signature': bodySignature(t.tenant.webhookSecret, ts - 600_000, body),
  });
  assert.equal(stale.status, 401);
});

test("a key or secret of tenant A cannot write into tenant B", async () => {
  // MSG_SYNC for tenant 1238 signed with tenant 82's secret.
  const res = await post('/webhooks/MSG_SYNC_MESSAGE', signedMsgSyncExample(t.tenant.webhookSecret));
  assert.equal(res.status, 401);
  // Tenant 82's ingest key always writes into tenant 82, whatever the body says.
  const before = await q(`SELECT count(*)::int AS n FROM "Message" WHERE "tenantId" = 1238`);
  const body = JSON.stringify([{ userId: '1238', whatsApp: '8617633819542@c.us', friendWhatsApp: '8615601882491@c.us', actionType: 1, chatType: 1, content: [{ type: 1, text: 'x', messageId: 'cross-1', time: 1689129792000 }] }]);
  assert.equal((await post('/webhooks/CLIENT_SYNC_MESSAGE', body, { authorization: `Bearer ${t.tenant.ingestKey}` })).status, 200);
  assert.deepEqual(await q(`SELECT count(*)::int AS n FROM "Message" WHERE "tenantId" = 1238`), before);
  assert.deepEqual(await q(`SELECT "tenantId"::text FROM "Message" WHERE "whatsMessageId" = 'cross-1'`), [{ tenantId: '82' }]);
  // Signature headers naming tenant 1238 but signed with 82's secret.
  const ts = Date.now();
  const forged = await post('/webhooks/CLIENT_SYNC_MESSAGE', body, {
    'x-chatgraph-tenant': '1238', 'x-chatgraph-timestamp': String(ts), 'x-chatgraph-signature': bodySignature(t.tenant.webhookSecret, ts, body),
  });
  assert.equal(forged.status, 401);
});
