// Tenant isolation, every attack in one place. With two tenants' data
// loaded (the same WhatsApp ids, contact id, tags and friends in both),
// nothing tenant A asks or sends reaches tenant B:
//  - read path: listing, node()/nodes() with B's ids, B's cursors, filters
//    naming B's conversation/contact, shared values, search, quote lookups;
//  - live: subscription filters naming B's conversation and messages;
//  - legacy: B's tenantId in a msgPage body, B's agent/contact in
//    retrievePastRecords;
//  - write path: A's key or secret on B's webhooks (MSG_SYNC tenantId,
//    signature headers), A's status updates for B's message ids, A's
//    mutations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.ts';
import { bodySignature, msgSyncAccessToken } from '../../src/auth/webhook-signatures.ts';
import { listen } from '../../src/server.ts';
import { attachWebSocket } from '../../src/http/websocket.ts';
import { liveClient, msgSyncBody, msgSyncItem, statusSyncBody } from '../support/live.ts';
import type { TenantCredentials } from '../../src/auth/tenants.ts';

let t: TestApp;
let a: TenantCredentials;
let b: TenantCredentials;

async function push(tenant: TenantCredentials, prefix: string, word: string) {
  const data = Array.from({ length: 10 }, (_, i) => ({
    id: `${prefix}-sync-${i}`, messageId: `${prefix}-${i}`, userName: `${prefix}-agent`, whatsId: '8613700000000', friendWhatsId: '447700000001', currentWhatsId: '8613700000000',
    actionType: 2, chatType: 1, messageStatus: 3, content: i === 9 ? JSON.stringify({ caption: `${word} quote`, type: 1, referContent: { msgId: 'shared-quoted' } }) : `${word} ${i}`,
    contentType: i === 9 ? 9 : 0, originType: 1, sendTime: `2024-06-01 12:00:${String(i).padStart(2, '0')}`,
    userProfile: { id: 5000, name: `${prefix} friend`, whatsApp: '447700000001', username: 'o', income: '', profession: '', desc: '', tags: ['shared-tag'], email: '', address: '', extendsMap: '{}' },
  }));
  // The same WhatsApp ids and contact id in both tenants: only the tenant tells them apart.
  data[0]!.messageId = 'shared-quoted';
  const res = await t.app.fetch('http://localhost/webhooks/MSG_SYNC_MESSAGE', { method: 'POST', headers: { 'content-type': 'application/json' }, body: msgSyncBody(tenant, data) });
  assert.equal(res.status, 200, await res.text());
}

let bIds: { message: string; conversation: string; contact: string; cursor: string };

before(async () => {
  t = await startTestApp();
  a = t.tenant;
  b = await t.createTenant(4242n, 'Other company');
  await push(a, 'a', 'apple');
  await push(b, 'b', 'banana');
  const res = await t.graphql<any>(`{ messages(first: 5) { edges { cursor node { id conversation { id } contact { id } } } } }`, {}, b.readKey);
  const edge = res.body.data.messages.edges[2];
  bIds = { message: edge.node.id, conversation: edge.node.conversation.id, contact: edge.node.contact.id, cursor: edge.cursor };
});
after(() => t.close());

const asA = <T = any>(query: string, variables: Record<string, unknown> = {}) => t.graphql<T>(query, variables, a.readKey);
const words = (edges: { node: { rawContent: string } }[]) => edges.map((e) => e.node.rawContent);

test('attack: listing everything returns only the own tenant', async () => {
  const res = await asA(`{ messages(first: 100) { totalCount edges { node { rawContent } } } conversations(first: 100) { totalCount edges { node { friendName } } } contacts(first: 100) { totalCount edges { node { name } } } }`);
  assert.equal(res.body.data.messages.totalCount, 10);
  assert.ok(words(res.body.data.messages.edges).every((w: string) => !w.includes('banana')));
  assert.deepEqual(res.body.data.conversations.edges.map((e: any) => e.node.friendName), ['a friend']);
  assert.deepEqual(res.body.data.contacts.edges.map((e: any) => e.node.name), ['a friend']);
});

test("attack: node() and nodes() with another tenant's ids resolve to null", async () => {
  const res = await asA(`query($m: ID!, $c: ID!, $p: ID!) { m: node(id: $m) { id } c: node(id: $c) { id } p: node(id: $p) { id } nodes(ids: [$m, $c, $p]) { id } }`, { m: bIds.message, c: bIds.conversation, p: bIds.contact });
  assert.equal(res.body.errors, undefined);
  assert.deepEqual(res.body.data, { m: null, c: null, p: null, nodes: [null, null, null] });
});

test("attack: another tenant's cursor only positions within the own data", async () => {
  const res = await asA(`query($after: String!) { messages(first: 100, after: $after) { edges { node { rawContent } } } }`, { after: bIds.cursor });
  assert.ok(words(res.body.data.messages.edges).every((w: string) => w.startsWith('apple')));
});

test("attack: filters naming another tenant's conversation or contact find nothing", async () => {
  const res = await asA(`query($c: ID!, $p: ID!) {
    byConversation: messages(first: 10, where: { conversationId: $c }) { totalCount edges { node { id } } }
    byContact: messages(first: 10, where: { contactId: $p }) { totalCount edges { node { id } } }
    conversations(first: 10, where: { contactId: $p }) { totalCount edges { node { id } } }
  }`, { c: bIds.conversation, p: bIds.contact });
  assert.equal(res.body.errors, undefined);
  assert.deepEqual(res.body.data, {
    byConversation: { totalCount: 0, edges: [] },
    byContact: { totalCount: 0, edges: [] },
    conversations: { totalCount: 0, edges: [] },
  });
});

test('attack: filters on shared values (friend, tag, WhatsApp ids, day) stay within the tenant', async () => {
  const res = await asA(`{
    friend: messages(first: 100, where: { friendWhatsId: "447700000001" }) { totalCount }
    tag: messages(first: 100, where: { contactTag: "shared-tag" }) { totalCount }
    ids: messages(first: 100, where: { whatsMessageIds: ["shared-quoted", "b-1"] }) { edges { node { rawContent } } }
    day: conversations(first: 100, where: { day: "2024-06-01" }) { totalCount }
    contacts(first: 10, where: { tag: "shared-tag" }) { totalCount }
    contact(externalId: "5000") { name }
  }`);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  assert.equal(res.body.data.friend.totalCount, 10);
  assert.equal(res.body.data.tag.totalCount, 10);
  assert.deepEqual(words(res.body.data.ids.edges), ['apple 0']);
  assert.equal(res.body.data.day.totalCount, 1);
  assert.equal(res.body.data.contacts.totalCount, 1);
  assert.deepEqual(res.body.data.contact, { name: 'a friend' });
});

test('attack: search and quoted-message lookups never reach the other tenant', async () => {
  const res = await asA(`{
    banana: searchMessages(text: "banana", first: 10) { totalCount }
    quotes: messages(first: 1, where: { contentTypes: [QUOTE] }) { edges { node { content { ... on QuoteContent { quoted { messageId message { rawContent } } } } } } }
  }`);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  assert.equal(res.body.data.banana.totalCount, 0);
  assert.deepEqual(res.body.data.quotes.edges[0].node.content.quoted, { messageId: 'shared-quoted', message: { rawContent: 'apple 0' } });
});

test("attack: another tenant's key sees its own data only, and a key of A cannot read as B", async () => {
  const res = await t.graphql<any>(`{ viewer { tenantId } messages(first: 1) { totalCount } }`, {}, b.readKey);
  assert.deepEqual(res.body.data, { viewer: { tenantId: '4242' }, messages: { totalCount: 10 } });
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  t.app.fetch(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
const stateOfB = async () => (await t.testDb.db.pool.query(
  `SELECT count(*)::int AS n, string_agg(status::text || ':' || "whatsMessageId", ',' ORDER BY id) AS s FROM "Message" WHERE "tenantId" = $1`, [b.tenantId.toString()])).rows[0];

test("attack: subscription filters naming another tenant's conversation and messages receive nothing of it", async () => {
  const server = await listen(t.app, 0, '127.0.0.1');
  const ws = attachWebSocket(t.app, server.server, t.services.authenticator, t.services.log);
  const c = liveClient(`ws://127.0.0.1:${server.port}/graphql`, { authorization: `Bearer ${a.readKey}` });
  try {
    const q = 'subscription S($where: MessageEventWhere) { messageStatusChanged(where: $where) { whatsMessageId status } }';
    const byConversation = c.subscribe(q, { where: { conversationId: bIds.conversation } });
    const byMessage = c.subscribe(q, { where: { messageIds: [bIds.message] } });
    const byShared = c.subscribe<{ messageStatusChanged: { whatsMessageId: string } }>(q, { where: { whatsMessageIds: ['b-2', 'a-live'] } });
    await c.connected();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', statusSyncBody([{ messageId: 'b-2', status: 4 }]), { token: b.ingestKey })).status, 200);
    // A's own event comes through: everything before it was B's and must not have.
    assert.equal((await post('/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(a, [msgSyncItem('a-live', 1)]))).status, 200);
    assert.equal((await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', statusSyncBody([{ messageId: 'a-live', status: 2 }]), { token: a.ingestKey })).status, 200);
    assert.equal((await byShared.next()).messageStatusChanged.whatsMessageId, 'a-live');
    await byConversation.none(200);
    await byMessage.none(0);
  } finally {
    await c.dispose();
    await ws.close();
    await server.close(1000);
  }
});

test("attack: msgPage with another tenant's tenantId is refused; retrievePastRecords naming B's agent or contact finds nothing", async () => {
  const res = await post('/wscrm-bus-api/open/message/msgPage', JSON.stringify({ tenantId: Number(b.tenantId), current: 1, pageSize: 10, info: {} }), { token: a.readKey });
  assert.equal(res.status, 403);
  assert.match(((await res.json()) as { message: string }).message, /not the tenant of this API key/);
  const own = await post('/wscrm-bus-api/open/message/msgPage', JSON.stringify({ tenantId: Number(a.tenantId), info: { agentAccount: 'b-agent' } }), { token: a.readKey });
  assert.equal(((await own.json()) as { data: { total: number } }).data.total, 0);
  const past = await post('/xd/client/retrievePastRecords', JSON.stringify({ custServId: 'b-agent', receId: '5000', pageNo: 1, pageSize: 10 }), { token: a.readKey });
  const body = (await past.json()) as { data: { total: number; contGroups: unknown[] } };
  assert.equal(body.data.total, 0);
  assert.deepEqual(body.data.contGroups, []);
});

test("attack: A's webhook secret or signature cannot write into B; A's keys write into A only", async () => {
  const before = await stateOfB();
  const timestamp = Date.now();
  // MSG_SYNC claiming tenant B, signed with A's secret.
  const forged = JSON.stringify({ accessToken: msgSyncAccessToken(a.webhookSecret, b.tenantId.toString(), timestamp), tenantId: Number(b.tenantId), timestamp, data: [msgSyncItem('forged-1', 1)] });
  assert.equal((await post('/webhooks/MSG_SYNC_MESSAGE', forged)).status, 401);
  // Signature headers naming tenant B, signed with A's secret.
  const body = statusSyncBody([{ messageId: 'b-3', status: 4 }]);
  const headers = { 'x-chatgraph-tenant': b.tenantId.toString(), 'x-chatgraph-timestamp': String(timestamp), 'x-chatgraph-signature': bodySignature(a.webhookSecret, timestamp, body) };
  assert.equal((await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', body, headers)).status, 401);
  // A's ingest key with B's message ids: they are A's (unknown there: kept pending in A), never B's.
  assert.equal((await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', body, { token: a.ingestKey })).status, 200);
  // A's admin key through the mutation: writes into A.
  const m = await t.graphql<any>(
    'mutation($u: [MessageStatusUpdateInput!]!) { updateMessageStatuses(updates: $u) { updated pending } }',
    { u: [{ whatsMessageId: 'b-4', status: 'READ' }] },
    a.adminKey,
  );
  assert.equal(m.body.errors, undefined, JSON.stringify(m.body.errors));
  // A read key of B cannot write at all.
  const denied = await t.graphql<any>('mutation { updateMessageStatuses(updates: [{ whatsMessageId: "b-4", status: READ }]) { updated } }', {}, b.readKey);
  assert.equal(denied.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  assert.deepEqual(await stateOfB(), before);
});
