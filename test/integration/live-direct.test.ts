// The two ways a live event leaves over graphql-ws: written straight from the
// fan-out while the subscription's stream is idle (src/http/websocket.ts
// directFrames), or through graphql-ws's own loop when the socket has bytes
// waiting, the stream is busy, the result is still loading, or the stream
// replays first. Here every socket counts as backpressured as soon as it has
// one byte waiting (socketBuffer 1), so a batch of statuses switches each
// subscription from one path to the other and back within one webhook:
// every event must still arrive exactly once and in order, on every path.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { listen, type RunningServer } from '../../src/server.ts';
import { attachWebSocket, type WebSocketEndpoint } from '../../src/http/websocket.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { liveClient, msgSyncBody, msgSyncItem, postWebhook, sseSubscribe, statusSyncBody, type Feed, type LiveClient } from '../support/live.ts';

let t: TestApp;
let server: RunningServer;
let ws: WebSocketEndpoint;
let base: string;
const clients: LiveClient[] = [];

before(async () => {
  t = await startTestApp();
  server = await listen(t.app, 0, '127.0.0.1');
  ws = attachWebSocket(t.app, server.server, t.services.authenticator, t.services.log, 1000, null, 1);
  base = `http://127.0.0.1:${server.port}`;
});
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await ws.close();
  await server.close(1000);
  await t.close();
});

const FRIEND = '447799000123';
/** Event fields only: a result ready at once, so written directly whenever the socket and stream allow. */
const DIRECT = `subscription D($where: MessageEventWhere, $since: DateTime) {
  messageStatusChanged(where: $where, since: $since) { whatsMessageId previousStatus status replayed }
}`;
/** With the message read: a result still loading, so always through the stream. */
const LOADING = `subscription L($where: MessageEventWhere) {
  messageStatusChanged(where: $where) { whatsMessageId previousStatus status replayed message { status } }
}`;
type Event = { messageStatusChanged: { whatsMessageId: string; previousStatus: string; status: string; replayed: boolean; message?: { status: string } } };

const ids = Array.from({ length: 30 }, (_, i) => `direct-${String(i).padStart(2, '0')}`);
const statusSync = (status: number) =>
  postWebhook(base, '/webhooks/CLIENT_SYNC_MESSAGE_STATUS', statusSyncBody(ids.map((messageId) => ({ messageId, status }))), { authorization: `Bearer ${t.tenant.ingestKey}` });

function connect(): LiveClient {
  const c = liveClient(`ws://127.0.0.1:${server.port}/graphql`, { authorization: `Bearer ${t.tenant.readKey}` });
  clients.push(c);
  return c;
}

async function settled(c: LiveClient): Promise<void> {
  const feed = c.subscribe('{ viewer { tenantId } }');
  await feed.next();
  await new Promise((r) => setTimeout(r, 100));
}

async function take(feed: Feed<Event>, n: number): Promise<Event['messageStatusChanged'][]> {
  const out: Event['messageStatusChanged'][] = [];
  while (out.length < n) out.push((await feed.next(10_000)).messageStatusChanged);
  await feed.none(300);
  return out;
}

test('graphql-ws: events switching between the direct frames and the stream (busy, backpressured, loading, replaying) arrive once each and in order, as over SSE', async () => {
  const where = { friendWhatsId: FRIEND };
  assert.equal((await postWebhook(base, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(t.tenant, ids.map((id) => msgSyncItem(id, 1, { friend: FRIEND }))))).status, 200);

  // Two sockets with the same operation (one shared result per event), the
  // same socket also with a loading subscription; an SSE stream alike.
  const a = connect();
  const b = connect();
  const aDirect = a.subscribe<Event>(DIRECT, { where });
  const aLoading = a.subscribe<Event>(LOADING, { where });
  const bDirect = b.subscribe<Event>(DIRECT, { where });
  await settled(a);
  await settled(b);
  const sse = await sseSubscribe<Event>(`${base}/graphql`, t.tenant.readKey, DIRECT, { where });

  // SENT for all 30 in one webhook: 30 events in one turn of the event loop.
  assert.equal((await statusSync(2)).status, 200);
  // Idle again between webhooks: the next batch starts on the direct path.
  await new Promise((r) => setTimeout(r, 200));
  assert.equal((await statusSync(3)).status, 200);
  // A replay from before the first batch on socket a, beside its live subscriptions: each message's last change, then live.
  const aReplay = a.subscribe<Event>(DIRECT, { where, since: new Date(Date.now() - 60_000).toISOString() });
  const replayed = (await aReplay.next(10_000)).messageStatusChanged;
  assert.deepEqual([replayed.previousStatus, replayed.status, replayed.replayed], ['SENT', 'DELIVERED', true]);
  assert.equal((await statusSync(4)).status, 200);

  const feeds = { aDirect, aLoading, bDirect, sse };
  const seen = Object.fromEntries(await Promise.all(Object.entries(feeds).map(async ([name, feed]) => [name, await take(feed, 90)] as const)));
  const order = (events: Event['messageStatusChanged'][]) => events.map((e) => `${e.whatsMessageId}:${e.previousStatus}>${e.status}`);
  for (const [name, events] of Object.entries(seen)) {
    // Exactly once: 30 messages × 3 steps, no repeat.
    assert.equal(new Set(order(events)).size, 90, name);
    // In order: the batches one after the other, and every path the same sequence.
    assert.deepEqual(events.map((e) => e.status), [...Array(30).fill('SENT'), ...Array(30).fill('DELIVERED'), ...Array(30).fill('READ')], name);
    assert.deepEqual(order(events), order(seen.aDirect!), `${name} against aDirect`);
    assert.ok(events.every((e) => e.replayed === false), name);
  }
  assert.ok(seen.aLoading!.every((e) => e.message!.status === 'READ' || e.message!.status === e.status));

  // The replay: the 29 other messages' last change so far, then the live READ batch.
  const rest = await take(aReplay, 29 + 30);
  const all = [replayed, ...rest];
  assert.deepEqual(all.map((e) => [e.status, e.replayed]), [...Array(30).fill(['DELIVERED', true]), ...Array(30).fill(['READ', false])]);
  assert.deepEqual(new Set(all.slice(0, 30).map((e) => e.whatsMessageId)), new Set(ids));
  assert.deepEqual(order(all.slice(30)), order(seen.aDirect!.slice(60)));

  // Back to idle: one more event (a message added and raised) is written directly and arrives once.
  assert.equal((await postWebhook(base, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(t.tenant, [msgSyncItem('direct-late', 1, { friend: FRIEND })]))).status, 200);
  assert.equal((await postWebhook(base, '/webhooks/CLIENT_SYNC_MESSAGE_STATUS', statusSyncBody([{ messageId: 'direct-late', status: 2 }]), { authorization: `Bearer ${t.tenant.ingestKey}` })).status, 200);
  for (const feed of [aDirect, aLoading, bDirect, sse, aReplay]) {
    const e = (await feed.next(10_000)).messageStatusChanged;
    assert.deepEqual([e.whatsMessageId, e.status], ['direct-late', 'SENT']);
    await feed.none(300);
    feed.close();
  }
});
