// Live events over real sockets: a graphql-ws client and an SSE reader
// against the server listening on 127.0.0.1, events made by posting the
// webhooks over HTTP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { listen, type RunningServer } from '../../src/server.ts';
import { attachWebSocket, type WebSocketEndpoint } from '../../src/http/websocket.ts';
import type { TenantCredentials } from '../../src/auth/tenants.ts';
import { addApiKey, revokeApiKey } from '../../src/auth/admin.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { liveClient, msgSyncBody, msgSyncItem, postWebhook, sseSubscribe, statusSyncBody, type Feed, type LiveClient } from '../support/live.ts';

let t: TestApp;
let server: RunningServer;
let ws: WebSocketEndpoint;
let base: string;
let wsUrl: string;
let other: TenantCredentials;
const clients: LiveClient[] = [];

before(async () => {
  t = await startTestApp();
  server = await listen(t.app, 0, '127.0.0.1');
  ws = attachWebSocket(t.app, server.server, t.services.authenticator, t.services.log, 1000);
  base = `http://127.0.0.1:${server.port}`;
  wsUrl = `ws://127.0.0.1:${server.port}/graphql`;
  other = await t.createTenant(83n, 'Other company');
});
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await ws.close();
  await server.close(1000);
  await t.close();
});

function connect(key: string | null, params?: Record<string, unknown>): LiveClient {
  const c = liveClient(wsUrl, params ?? (key ? { authorization: `Bearer ${key}` } : undefined));
  clients.push(c);
  return c;
}

/** Waits until the server has set up the subscriptions sent so far on this socket. */
async function settled(c: LiveClient): Promise<void> {
  const feed = c.subscribe('{ viewer { tenantId } }');
  await feed.next();
  await new Promise((r) => setTimeout(r, 100));
}

const STATUS = `subscription S($where: MessageEventWhere, $since: DateTime) {
  messageStatusChanged(where: $where, since: $since) { messageId whatsMessageId previousStatus status changedAt replayed message { status whatsMessageId rawContent } }
}`;
const ADDED = `subscription A($where: MessageEventWhere, $since: DateTime) {
  messageAdded(where: $where, since: $since) { messageId whatsMessageId status addedAt replayed message { whatsMessageId rawContent friendWhatsId contact { name } } }
}`;

type StatusEvent = { messageStatusChanged: { whatsMessageId: string; previousStatus: string; status: string; replayed: boolean; message: { status: string } } };
type AddedEvent = { messageAdded: { whatsMessageId: string; status: string; replayed: boolean; addedAt: string; message: { rawContent: string; friendWhatsId: string; contact: { name: string } | null } } };

const msgSync = (tenant: TenantCredentials, items: unknown[]) => postWebhook(base, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(tenant, items));
const statusSync = (tenant: TenantCredentials, updates: { messageId: string; status: number }[]) =>
  postWebhook(base, '/webhooks/CLIENT_SYNC_MESSAGE_STATUS', statusSyncBody(updates), { authorization: `Bearer ${tenant.ingestKey}` });

test('graphql-ws: a connection without a key, or with a bad one, is closed with 4403', async () => {
  for (const params of [undefined, { authorization: 'Bearer cg_nope' }, { apiKey: 'nope' }]) {
    const c = liveClient(wsUrl, params);
    clients.push(c);
    assert.equal(await c.closed(), 4403, JSON.stringify(params));
  }
});

test('graphql-ws: the key in connectionParams as authorization, apiKey or token is accepted', async () => {
  for (const params of [{ authorization: `Bearer ${t.tenant.readKey}` }, { apiKey: t.tenant.readKey }, { token: t.tenant.readKey }]) {
    const c = connect(null, params);
    await c.connected();
    const feed = c.subscribe<{ viewer: { tenantId: string } }>('{ viewer { tenantId } }');
    assert.equal((await feed.next()).viewer.tenantId, '82');
  }
});

test('graphql-ws: CLIENT_SYNC_MESSAGE_STATUS raises a status → one event with the previous and new status; a MSG_SYNC re-push with a higher status → an event; a lower one → none', async () => {
  const c = connect(t.tenant.readKey);
  const feed = c.subscribe<StatusEvent>(STATUS);
  await settled(c);

  assert.equal((await msgSync(t.tenant, [msgSyncItem('ws-1', 1)])).status, 200); // stored PENDING: no status change
  assert.equal((await statusSync(t.tenant, [{ messageId: 'ws-1', status: 2 }])).status, 200);
  let e = (await feed.next()).messageStatusChanged;
  assert.deepEqual([e.whatsMessageId, e.previousStatus, e.status, e.replayed, e.message.status], ['ws-1', 'PENDING', 'SENT', false, 'SENT']);

  assert.equal((await msgSync(t.tenant, [msgSyncItem('ws-1', 3)])).status, 200); // re-push, higher
  e = (await feed.next()).messageStatusChanged;
  assert.deepEqual([e.previousStatus, e.status], ['SENT', 'DELIVERED']);

  assert.equal((await msgSync(t.tenant, [msgSyncItem('ws-1', 1)])).status, 200); // re-push, lower: nothing
  assert.equal((await statusSync(t.tenant, [{ messageId: 'ws-1', status: 2 }])).status, 200); // lower again
  assert.equal((await statusSync(t.tenant, [{ messageId: 'ws-1', status: 4 }])).status, 200);
  // The next event is READ: the lower deliveries in between produced none.
  e = (await feed.next()).messageStatusChanged;
  assert.deepEqual([e.previousStatus, e.status], ['DELIVERED', 'READ']);
  await feed.none(300);
  feed.close();
});

test('a status held until its message arrives is one messageStatusChanged when the message is stored (graphql-ws and SSE alike)', async () => {
  const c = connect(t.tenant.readKey);
  const both = `subscription { messageAdded(where: { whatsMessageIds: ["held-1"] }) { whatsMessageId status } }`;
  const wsAdded = c.subscribe<{ messageAdded: { status: string } }>(both);
  const wsStatus = c.subscribe<StatusEvent>(STATUS, { where: { whatsMessageIds: ['held-1'] } });
  await settled(c);
  const sseStatus = await sseSubscribe<StatusEvent>(`${base}/graphql`, t.tenant.readKey, STATUS, { where: { whatsMessageIds: ['held-1'] } });

  // DELIVERED for a message not stored yet: kept, no event.
  assert.equal((await statusSync(t.tenant, [{ messageId: 'held-1', status: 3 }])).status, 200);
  await wsStatus.none(200);
  // The message arrives as SENT: added as SENT, then raised to DELIVERED by the held status.
  assert.equal((await msgSync(t.tenant, [msgSyncItem('held-1', 2)])).status, 200);
  assert.equal((await wsAdded.next()).messageAdded.status, 'SENT');
  for (const feed of [wsStatus, sseStatus]) {
    const e = (await feed.next()).messageStatusChanged;
    assert.deepEqual([e.whatsMessageId, e.previousStatus, e.status, e.replayed, e.message.status], ['held-1', 'SENT', 'DELIVERED', false, 'DELIVERED']);
  }
  // The replay says the same of it.
  const replay = c.subscribe<StatusEvent>(STATUS, { where: { whatsMessageIds: ['held-1'] }, since: new Date(Date.now() - 60_000).toISOString() });
  const r = (await replay.next()).messageStatusChanged;
  assert.deepEqual([r.previousStatus, r.status, r.replayed], ['SENT', 'DELIVERED', true]);
  for (const feed of [wsAdded, wsStatus, sseStatus, replay]) {
    await feed.none(0);
    feed.close();
  }
});

test('a revoked key: its graphql-ws sockets are closed with 4403 and its SSE streams ended within the key cache interval; other keys stay', async () => {
  const { key, apiKey } = await addApiKey(t.testDb.db.prisma, t.tenant.tenantId, ['READ'], 'to revoke');
  const doomed = connect(key);
  const doomedFeed = doomed.subscribe<StatusEvent>(STATUS);
  const kept = connect(t.tenant.readKey);
  const keptFeed = kept.subscribe<StatusEvent>(STATUS, { where: { whatsMessageIds: ['rev-1'] } });
  await settled(doomed);
  await settled(kept);
  const sse = await sseSubscribe<StatusEvent>(`${base}/graphql`, key, STATUS);
  const closed = doomed.closed();

  const revokedAt = Date.now();
  await revokeApiKey(t.testDb.db.prisma, apiKey.id);
  assert.equal(await closed, 4403);
  await sse.ended;
  const took = Date.now() - revokedAt;
  assert.ok(took < 6000, `cut off after ${took} ms (key cache interval 5 s)`);
  // The SSE stream said why before it ended.
  await assert.rejects(sse.next(0), /revoked/);
  // A new connection with it is refused at once; the other key's socket goes on.
  assert.equal(await connect(key).closed(), 4403);
  await assert.rejects(sseSubscribe(`${base}/graphql`, key, STATUS), /401/);
  await msgSync(t.tenant, [msgSyncItem('rev-1', 1)]);
  await statusSync(t.tenant, [{ messageId: 'rev-1', status: 3 }]);
  assert.equal((await keptFeed.next()).messageStatusChanged.status, 'DELIVERED');
  keptFeed.close();
});

test('graphql-ws: messageAdded carries the stored message, its contact, and no event for a repeated delivery', async () => {
  const c = connect(t.tenant.readKey);
  const feed = c.subscribe<AddedEvent>(ADDED);
  await settled(c);
  assert.equal((await msgSync(t.tenant, [msgSyncItem('add-1', 3, { content: 'first words' })])).status, 200);
  const e = (await feed.next()).messageAdded;
  assert.equal(e.whatsMessageId, 'add-1');
  assert.equal(e.status, 'DELIVERED');
  assert.equal(e.message.rawContent, 'first words');
  assert.equal(e.message.friendWhatsId, '447711000001@c.us');
  assert.equal(e.message.contact?.name, 'Friend');
  assert.equal((await msgSync(t.tenant, [msgSyncItem('add-1', 3, { content: 'first words' })])).status, 200);
  await feed.none(300);
  feed.close();
});

test('graphql-ws: filters by friend, conversation and message ids deliver only matching events', async () => {
  await msgSync(t.tenant, [msgSyncItem('f-a', 1, { friend: '447711000010' }), msgSyncItem('f-b', 1, { friend: '447711000011' })]);
  const conv = await t.graphql<{ messages: { edges: { node: { id: string; conversation: { id: string } } }[] } }>(
    '{ messages(first: 1, where: { whatsMessageIds: ["f-b"] }) { edges { node { id conversation { id } } } } }',
  );
  const fb = conv.body.data!.messages.edges[0]!.node;

  const c = connect(t.tenant.readKey);
  const byFriend = c.subscribe<StatusEvent>(STATUS, { where: { friendWhatsId: '447711000010@c.us' } });
  const byConversation = c.subscribe<StatusEvent>(STATUS, { where: { conversationId: fb.conversation.id } });
  const byMessage = c.subscribe<StatusEvent>(STATUS, { where: { messageIds: [fb.id] } });
  const byOtherAccount = c.subscribe<StatusEvent>(STATUS, { where: { accountWhatsId: '8613799999999' } });
  await settled(c);

  await statusSync(t.tenant, [{ messageId: 'f-b', status: 3 }]);
  await statusSync(t.tenant, [{ messageId: 'f-a', status: 3 }]);
  assert.equal((await byFriend.next()).messageStatusChanged.whatsMessageId, 'f-a');
  assert.equal((await byConversation.next()).messageStatusChanged.whatsMessageId, 'f-b');
  assert.equal((await byMessage.next()).messageStatusChanged.whatsMessageId, 'f-b');
  await byFriend.none(200);
  await byConversation.none(0);
  await byMessage.none(0);
  await byOtherAccount.none(0);
  for (const f of [byFriend, byConversation, byMessage, byOtherAccount]) f.close();
});

test('isolation: a subscriber of another tenant receives none of these events, whatever its filter', async () => {
  await msgSync(t.tenant, [msgSyncItem('iso-1', 1)]);
  const conv = await t.graphql<{ messages: { edges: { node: { id: string; conversation: { id: string } } }[] } }>(
    '{ messages(first: 1, where: { whatsMessageIds: ["iso-1"] }) { edges { node { id conversation { id } } } } }',
  );
  const target = conv.body.data!.messages.edges[0]!.node;
  const c = connect(other.readKey);
  const feeds: Feed<StatusEvent>[] = [
    c.subscribe<StatusEvent>(STATUS),
    c.subscribe<StatusEvent>(STATUS, { where: { conversationId: target.conversation.id } }),
    c.subscribe<StatusEvent>(STATUS, { where: { messageIds: [target.id] } }),
    c.subscribe<StatusEvent>(STATUS, { where: { whatsMessageIds: ['iso-1'] } }),
    c.subscribe(ADDED) as Feed<never>,
  ];
  await settled(c);
  await msgSync(t.tenant, [msgSyncItem('iso-2', 1)]);
  await statusSync(t.tenant, [{ messageId: 'iso-1', status: 4 }]);
  // The other tenant's own event arrives: everything before it was tenant 82's and must not have.
  await msgSync(other, [msgSyncItem('iso-1', 1)]);
  await statusSync(other, [{ messageId: 'iso-1', status: 2 }]);
  const own = (await feeds[0]!.next()).messageStatusChanged;
  assert.deepEqual([own.whatsMessageId, own.previousStatus, own.status], ['iso-1', 'PENDING', 'SENT']);
  assert.equal((await feeds[3]!.next()).messageStatusChanged.status, 'SENT');
  assert.equal(((await feeds[4]!.next()) as unknown as AddedEvent).messageAdded.whatsMessageId, 'iso-1');
  await feeds[1]!.none(200);
  await feeds[2]!.none(0);
  for (const f of feeds) f.close();
});

test('since: a reconnecting dashboard first gets what it missed (replayed), then live events, none twice', async () => {
  const since = new Date(Date.now() - 5);
  await new Promise((r) => setTimeout(r, 20));
  await msgSync(t.tenant, [msgSyncItem('miss-1', 1, { friend: '447711000020' }), msgSyncItem('miss-2', 1, { friend: '447711000020' })]);
  await statusSync(t.tenant, [{ messageId: 'miss-1', status: 4 }]);

  const c = connect(t.tenant.readKey);
  const where = { friendWhatsId: '447711000020' };
  const added = c.subscribe<AddedEvent>(ADDED, { where, since: since.toISOString() });
  const status = c.subscribe<StatusEvent>(STATUS, { where, since: since.toISOString() });
  const a1 = (await added.next()).messageAdded;
  const a2 = (await added.next()).messageAdded;
  assert.deepEqual([a1.whatsMessageId, a1.replayed, a2.whatsMessageId, a2.replayed].sort(), [true, true, 'miss-1', 'miss-2'].sort());
  const s1 = (await status.next()).messageStatusChanged;
  assert.deepEqual([s1.whatsMessageId, s1.previousStatus, s1.status, s1.replayed], ['miss-1', 'PENDING', 'READ', true]);
  await settled(c);

  await statusSync(t.tenant, [{ messageId: 'miss-2', status: 3 }]);
  const s2 = (await status.next()).messageStatusChanged;
  assert.deepEqual([s2.whatsMessageId, s2.status, s2.replayed], ['miss-2', 'DELIVERED', false]);
  await added.none(200);
  await status.none(0);

  const future = c.subscribe(STATUS, { since: new Date(Date.now() + 3_600_000).toISOString() });
  await assert.rejects(future.next(), /since must not be in the future/);
  added.close();
  status.close();
});

test('SSE: the same status events over text/event-stream, with the same auth', async () => {
  await assert.rejects(sseSubscribe(`${base}/graphql`, 'cg_bad', STATUS), /401/);
  const feed = await sseSubscribe<StatusEvent>(`${base}/graphql`, t.tenant.readKey, STATUS, { where: { whatsMessageIds: ['sse-1'] } });
  await new Promise((r) => setTimeout(r, 200));
  await msgSync(t.tenant, [msgSyncItem('sse-1', 1)]);
  await statusSync(t.tenant, [{ messageId: 'sse-1', status: 3 }]);
  let e = (await feed.next()).messageStatusChanged;
  assert.deepEqual([e.whatsMessageId, e.previousStatus, e.status, e.message.status], ['sse-1', 'PENDING', 'DELIVERED', 'DELIVERED']);
  await msgSync(t.tenant, [msgSyncItem('sse-1', 4)]);
  e = (await feed.next()).messageStatusChanged;
  assert.deepEqual([e.previousStatus, e.status], ['DELIVERED', 'READ']);
  await msgSync(t.tenant, [msgSyncItem('sse-1', 3)]);
  await feed.none(300);
  feed.close();
});

test('awaitingReplyChanged: the waiting queue pushed at once, then as messages change it, filtered (graphql-ws and SSE alike)', async () => {
  const tenant = await t.createTenant(84n, 'Queue company');
  const QUEUE = `subscription Q($where: AwaitingReplyWhere) {
    awaitingReplyChanged(where: $where, first: 5) { total oldestSince items { since lastInboundAt agentAccount accountWhatsId conversation { friendWhatsId } } }
  }`;
  type QueueEvent = { awaitingReplyChanged: { total: number; oldestSince: string | null; items: { since: string; lastInboundAt: string; agentAccount: string; accountWhatsId: string; conversation: { friendWhatsId: string } }[] } };
  const where = { accountWhatsId: ['8613700000091@c.us'] };
  const c = connect(tenant.readKey);
  const wsFeed = c.subscribe<QueueEvent>(QUEUE, { where });
  const sse = await sseSubscribe<QueueEvent>(`${base}/graphql`, tenant.readKey, QUEUE, { where });
  const both = async () => [(await wsFeed.next()).awaitingReplyChanged, (await sse.next()).awaitingReplyChanged];
  for (const q of await both()) assert.deepEqual(q, { total: 0, oldestSince: null, items: [] }, 'the queue as it is, at once');
  await settled(c);

  const asked = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  const inbound = (id: string, account: string, chatTime: Date) => ({ ...msgSyncItem(id, 3, { account, friend: '447711000091', chatTime }), actionType: 2 });
  assert.equal((await msgSync(tenant, [inbound('q-1', '8613700000091', asked)])).status, 200);
  for (const q of await both()) {
    assert.deepEqual(q, { total: 1, oldestSince: asked.toISOString(), items: [{ since: asked.toISOString(), lastInboundAt: asked.toISOString(), agentAccount: 'agent1', accountWhatsId: '8613700000091', conversation: { friendWhatsId: '447711000091@c.us' } }] });
  }
  // Another account's customer waits too: outside the filter, nothing is pushed.
  await msgSync(tenant, [inbound('q-2', '8613700000092', asked)]);
  await Promise.all([wsFeed.none(700), sse.none(100)]);
  // A second question in the same stretch: the same wait (since), a later lastInboundAt.
  await msgSync(tenant, [inbound('q-3', '8613700000091', new Date(asked.getTime() + 10_000))]);
  for (const q of await both()) assert.deepEqual([q.total, q.items[0]!.since, q.items[0]!.lastInboundAt], [1, asked.toISOString(), new Date(asked.getTime() + 10_000).toISOString()]);
  // The reply empties the filtered queue.
  await msgSync(tenant, [msgSyncItem('q-4', 2, { account: '8613700000091', friend: '447711000091', chatTime: new Date(asked.getTime() + 30_000) })]);
  for (const q of await both()) assert.deepEqual(q, { total: 0, oldestSince: null, items: [] });
  const all = await t.graphql<{ awaitingReply: { total: number } }>('{ awaitingReply { total } }', {}, tenant.readKey);
  assert.equal(all.body.data!.awaitingReply.total, 1, 'the other account\'s customer still waits');
  wsFeed.close();
  sse.close();
});

test('a read key may subscribe; an ingest-only key may not', async () => {
  const c = connect(t.tenant.ingestKey);
  const feed = c.subscribe(STATUS);
  await assert.rejects(feed.next(), /lacks the scope/);
});

test('graceful shutdown closes every socket with 1001', async () => {
  const own = await listen(t.app, 0, '127.0.0.1');
  const endpoint = attachWebSocket(t.app, own.server, t.services.authenticator, t.services.log);
  const c = liveClient(`ws://127.0.0.1:${own.port}/graphql`, { authorization: `Bearer ${t.tenant.readKey}` });
  c.subscribe(STATUS);
  await c.connected();
  assert.equal(endpoint.size, 1);
  await endpoint.close();
  assert.equal(await c.closed(), 1001);
  await own.close(1000);
  await c.dispose();
});
