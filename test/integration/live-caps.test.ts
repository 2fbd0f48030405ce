// Caps on live connections and subscriptions (README "Limits"), small here:
// 3 subscriptions per graphql-ws socket, 5 per API key, 3 connections per
// API key (sockets and SSE streams). Over one, a subscription gets
// LIVE_LIMIT_EXCEEDED naming the limit and its variable; a socket is closed
// with 4429. Real graphql-ws clients and a real SSE reader.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { listen, type RunningServer } from '../../src/server.ts';
import { attachWebSocket, type WebSocketEndpoint } from '../../src/http/websocket.ts';
import { addApiKey } from '../../src/auth/admin.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { liveClient, sseSubscribe, type Feed, type LiveClient } from '../support/live.ts';

let t: TestApp;
let server: RunningServer;
let ws: WebSocketEndpoint;
let url: string;
const clients: LiveClient[] = [];

before(async () => {
  t = await startTestApp({ LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3', LIVE_MAX_SUBSCRIPTIONS_PER_KEY: '5', LIVE_MAX_CONNECTIONS_PER_KEY: '3' });
  server = await listen(t.app, 0, '127.0.0.1');
  ws = attachWebSocket(t.app, server.server, t.services.authenticator, t.services.log, 12_000);
  url = `http://127.0.0.1:${server.port}/graphql`;
});
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await ws.close();
  await server.close(1000);
  await t.close();
});

const STATUS = 'subscription { messageStatusChanged { whatsMessageId } }';

async function newKey(): Promise<string> {
  return (await addApiKey(t.testDb.db.prisma, t.tenant.tenantId, ['READ'])).key;
}

function connect(key: string): LiveClient {
  const c = liveClient(`ws://127.0.0.1:${server.port}/graphql`, { authorization: `Bearer ${key}` });
  clients.push(c);
  return c;
}

/** Waits until the server has answered the operations sent so far on this socket. */
async function settled(c: LiveClient): Promise<void> {
  await c.subscribe('{ viewer { tenantId } }').next();
  await new Promise((r) => setTimeout(r, 100));
}

test('subscriptions per graphql-ws socket: the 4th is refused naming LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION; the socket serves on; completing one frees its place', async () => {
  const c = connect(await newKey());
  const feeds: Feed[] = [c.subscribe(STATUS), c.subscribe(STATUS), c.subscribe(STATUS)];
  await settled(c);
  await assert.rejects(
    c.subscribe(STATUS).next(),
    (err: Error) => /LIVE_LIMIT_EXCEEDED/.test(err.message) && /limit reached: 3 subscriptions on this connection \(LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION\)/.test(err.message) && /"limit":"subscriptionsPerConnection","max":3/.test(err.message),
  );
  for (const f of feeds) assert.deepEqual(f.errors, []);
  feeds[0]!.close();
  await settled(c);
  const again = c.subscribe(STATUS);
  await settled(c);
  assert.deepEqual(again.errors, []);
});

test('subscriptions per API key across its sockets and SSE streams: the 6th is refused naming LIVE_MAX_SUBSCRIPTIONS_PER_KEY', async () => {
  const key = await newKey();
  const a = connect(key);
  const b = connect(key);
  a.subscribe(STATUS);
  a.subscribe(STATUS);
  a.subscribe(STATUS);
  b.subscribe(STATUS);
  await settled(a);
  await settled(b);
  const sse = await sseSubscribe(url, key, STATUS); // the 5th
  await assert.rejects(b.subscribe(STATUS).next(), /limit reached: 5 live subscriptions with this API key \(LIVE_MAX_SUBSCRIPTIONS_PER_KEY\)/);
  // Over SSE the refusal is the stream's one result.
  const refused = await sseSubscribe(url, key, STATUS);
  await assert.rejects(refused.next(), /LIVE_LIMIT_EXCEEDED.*LIVE_MAX_SUBSCRIPTIONS_PER_KEY|LIVE_MAX_SUBSCRIPTIONS_PER_KEY.*LIVE_LIMIT_EXCEEDED/);
  await refused.ended;
  // Another key is not held back by this one's.
  const other = connect(await newKey());
  const otherFeed = other.subscribe(STATUS);
  await settled(other);
  assert.deepEqual(otherFeed.errors, []);
  // An SSE stream that ends gives its place back.
  sse.close();
  await new Promise((r) => setTimeout(r, 200));
  const c = b.subscribe(STATUS);
  await settled(b);
  assert.deepEqual(c.errors, []);
});

test('connections per API key: sockets and SSE streams count; the 4th socket is closed with 4429, the 4th SSE stream refused; a closed one frees its place', async () => {
  const key = await newKey();
  const a = connect(key);
  const b = connect(key);
  await a.connected();
  await b.connected();
  const sse = await sseSubscribe(url, key, STATUS); // the 3rd connection
  const fourth = connect(key);
  assert.equal(await fourth.closed(), 4429);
  await a.dispose();
  await new Promise((r) => setTimeout(r, 200));
  const taken = await sseSubscribe(url, key, STATUS).catch((err: Error) => err);
  // a's place went to nobody yet: this SSE stream takes it.
  assert.ok(!(taken instanceof Error));
  await settled(b);
  const fifth = connect(key);
  assert.equal(await fifth.closed(), 4429);
  const overSse = await sseSubscribe(url, key, STATUS);
  await assert.rejects(overSse.next(), /limit reached: 3 live connections open with this API key \(LIVE_MAX_CONNECTIONS_PER_KEY\)/);
  sse.close();
  taken.close();
  await new Promise((r) => setTimeout(r, 200));
  const later = connect(key);
  await later.connected();
});
