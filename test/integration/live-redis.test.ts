// Two server processes on different ports over one PostgreSQL and one Redis:
// a webhook posted to instance A reaches a subscriber on instance B (over
// graphql-ws and SSE), and only the subscriber's own tenant's events do.
// Runs under .ci/run (TEST_TARGET=postgres with TEST_REDIS_URL).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import type { TenantCredentials } from '../../src/auth/tenants.ts';
import { addApiKey } from '../../src/auth/admin.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testTarget } from '../support/database.ts';
import { liveClient, msgSyncBody, msgSyncItem, postWebhook, sseSubscribe, statusSyncBody, type LiveClient } from '../support/live.ts';
import { startServerProcess, type ServerProcess } from '../support/process.ts';

const redisUrl = process.env.TEST_REDIS_URL;
const skip = testTarget !== 'postgres' || !redisUrl ? 'needs PostgreSQL and Redis (TEST_TARGET=postgres, TEST_REDIS_URL)' : false;

let t: TestApp;
let a: ServerProcess;
let b: ServerProcess;
let tenant: TenantCredentials;
let stranger: TenantCredentials;
const clients: LiveClient[] = [];

before(async () => {
  if (skip) return;
  t = await startTestApp();
  // Tenant ids of their own: other runs may share this Redis.
  tenant = await t.createTenant(BigInt(randomInt(10_000_000, 20_000_000)));
  stranger = await t.createTenant(BigInt(randomInt(20_000_000, 30_000_000)));
  const env = { DATABASE_URL: t.testDb.url!, REDIS_URL: redisUrl!, MIGRATE_ON_START: 'false', DEMO_BOOTSTRAP: 'false', LOG_LEVEL: 'info' };
  [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
});
after(async () => {
  if (skip) return;
  await Promise.all(clients.map((c) => c.dispose()));
  await Promise.all([a?.stop(), b?.stop()]);
  await t?.close();
});

const STATUS = 'subscription { messageStatusChanged { whatsMessageId previousStatus status message { status } } }';
type StatusEvent = { messageStatusChanged: { whatsMessageId: string; previousStatus: string; status: string; message: { status: string } } };

test('a webhook posted to instance A reaches subscribers on instance B (graphql-ws and SSE); another tenant\'s subscriber gets nothing', { skip }, async () => {
  assert.notEqual(a.port, b.port);
  const onB = liveClient(`ws://127.0.0.1:${b.port}/graphql`, { authorization: `Bearer ${tenant.readKey}` });
  const strangerOnB = liveClient(`ws://127.0.0.1:${b.port}/graphql`, { authorization: `Bearer ${stranger.readKey}` });
  clients.push(onB, strangerOnB);
  const ws = onB.subscribe<StatusEvent>(STATUS);
  const strangers = strangerOnB.subscribe<StatusEvent>(STATUS);
  const sse = await sseSubscribe<StatusEvent>(`http://127.0.0.1:${b.port}/graphql`, tenant.readKey, STATUS);
  await onB.connected();
  await strangerOnB.connected();
  await new Promise((r) => setTimeout(r, 300));

  const baseA = `http://127.0.0.1:${a.port}`;
  assert.equal((await postWebhook(baseA, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(tenant, [msgSyncItem('x-1', 1)]))).status, 200);
  const res = await postWebhook(baseA, '/webhooks/CLIENT_SYNC_MESSAGE_STATUS', statusSyncBody([{ messageId: 'x-1', status: 3 }]), { token: tenant.ingestKey });
  assert.equal(res.status, 200, res.text);

  for (const feed of [ws, sse]) {
    const e = (await feed.next(10_000)).messageStatusChanged;
    assert.deepEqual([e.whatsMessageId, e.previousStatus, e.status, e.message.status], ['x-1', 'PENDING', 'DELIVERED', 'DELIVERED']);
  }
  // A MSG_SYNC re-push with a higher status, posted to A: an event on B; a lower one: none.
  await postWebhook(baseA, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(tenant, [msgSyncItem('x-1', 1)]));
  await postWebhook(baseA, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(tenant, [msgSyncItem('x-1', 4)]));
  for (const feed of [ws, sse]) assert.equal((await feed.next(10_000)).messageStatusChanged.status, 'READ');
  await strangers.none(300);
  sse.close();
});

test('a key revoked through instance A: its graphql-ws socket on instance B is closed with 4403 and its SSE stream on B ended, within the key cache interval', { skip }, async () => {
  const { key, apiKey } = await addApiKey(t.testDb.db.prisma, tenant.tenantId, ['READ'], 'revoked while live');
  const onB = liveClient(`ws://127.0.0.1:${b.port}/graphql`, { authorization: `Bearer ${key}` });
  const keptOnB = liveClient(`ws://127.0.0.1:${b.port}/graphql`, { authorization: `Bearer ${tenant.readKey}` });
  clients.push(onB, keptOnB);
  onB.subscribe<StatusEvent>(STATUS);
  const kept = keptOnB.subscribe<StatusEvent>(STATUS);
  const sse = await sseSubscribe<StatusEvent>(`http://127.0.0.1:${b.port}/graphql`, key, STATUS);
  await onB.connected();
  await keptOnB.connected();
  await new Promise((r) => setTimeout(r, 300));
  const closed = onB.closed();

  const revokedAt = Date.now();
  const res = await fetch(`http://127.0.0.1:${a.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.adminKey}` },
    body: JSON.stringify({ query: `mutation { revokeApiKey(input: { apiKey: "${apiKey.id}" }) { __typename ... on RevokeApiKeyPayload { alreadyRevoked } } }` }),
  });
  assert.deepEqual(((await res.json()) as { data: unknown }).data, { revokeApiKey: { __typename: 'RevokeApiKeyPayload', alreadyRevoked: false } });
  assert.equal(await closed, 4403);
  await sse.ended;
  const took = Date.now() - revokedAt;
  assert.ok(took < 6000, `cut off on B after ${took} ms (key cache interval 5 s)`);
  await assert.rejects(sse.next(0), /revoked/);
  // The other key's socket on B goes on receiving.
  const baseA = `http://127.0.0.1:${a.port}`;
  await postWebhook(baseA, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(tenant, [msgSyncItem('rv-1', 1)]));
  await postWebhook(baseA, '/webhooks/CLIENT_SYNC_MESSAGE_STATUS', statusSyncBody([{ messageId: 'rv-1', status: 3 }]), { token: tenant.ingestKey });
  assert.equal((await kept.next(10_000)).messageStatusChanged.whatsMessageId, 'rv-1');
  kept.close();
});
