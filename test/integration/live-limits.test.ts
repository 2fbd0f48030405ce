// graphql-ws shares the HTTP rate limits: a socket's connection and every
// operation it starts count against its API key and its address; over the
// budget an operation gets RATE_LIMITED and a new socket is closed with 4429.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { listen, type RunningServer } from '../../src/server.ts';
import { attachWebSocket, type WebSocketEndpoint } from '../../src/http/websocket.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { liveClient, type LiveClient } from '../support/live.ts';

let t: TestApp;
let server: RunningServer;
let ws: WebSocketEndpoint;
const clients: LiveClient[] = [];

before(async () => {
  t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '4', RATE_LIMIT_IP_PER_MINUTE: '1000' });
  server = await listen(t.app, 0, '127.0.0.1');
  ws = attachWebSocket(t.app, server.server, t.services.authenticator, t.services.log, 12_000, t.services.rateLimiter);
});
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await ws.close();
  await server.close(1000);
  await t.close();
});

test('operations over a socket and new sockets are counted against the key: RATE_LIMITED, then 4429', async () => {
  const url = `ws://127.0.0.1:${server.port}/graphql`;
  const c = liveClient(url, { authorization: `Bearer ${t.tenant.readKey}` });
  clients.push(c);
  await c.connected(); // 1 of 4
  const q = '{ viewer { tenantId } }';
  for (let i = 0; i < 3; i++) assert.equal(((await c.subscribe<{ viewer: { tenantId: string } }>(q).next()).viewer.tenantId), '82'); // 2, 3, 4
  await assert.rejects(c.subscribe(q).next(), /rate limit exceeded: more than 4 requests a minute with this API key/);
  const second = liveClient(url, { authorization: `Bearer ${t.tenant.readKey}` });
  clients.push(second);
  assert.equal(await second.closed(), 4429);
  // Another key still gets through.
  const other = liveClient(url, { authorization: `Bearer ${t.tenant.adminKey}` });
  clients.push(other);
  await other.connected();
  assert.equal(((await other.subscribe<{ viewer: { tenantId: string } }>(q).next()).viewer.tenantId), '82');
});
