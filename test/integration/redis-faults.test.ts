// Redis going away and coming back, with two app instances over one database
// and one Redis (reached through a TCP proxy the test cuts): ingest keeps
// working, each instance's own subscribers keep receiving its events while
// Redis is away (logged once), and events cross instances again once it is
// back. Runs when TEST_REDIS_URL is set (.ci/run).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/http/app.ts';
import { createServices } from '../../src/services.ts';
import type { AppServices } from '../../src/services.ts';
import type { MessageStatusChangedEvent } from '../../src/events/pubsub.ts';
import type { LiveFeed } from '../../src/events/live-hub.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { msgSyncBody, msgSyncItem, statusSyncBody } from '../support/live.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const redisUrl = process.env.TEST_REDIS_URL;
const skip = !redisUrl ? 'needs Redis (TEST_REDIS_URL)' : false;

let t: TestApp;
let proxy: TcpProxy;
const instances: { services: AppServices; app: App; logs: string[] }[] = [];

before(async () => {
  if (skip) return;
  t = await startTestApp();
  const target = new URL(redisUrl!);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
  for (let i = 0; i < 2; i++) {
    const logs: string[] = [];
    const log = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) }));
    const config = loadConfig({ NODE_ENV: 'test', REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    const services = createServices(config, t.testDb.db, log);
    instances.push({ services, app: createApp(services), logs });
  }
  await waitFor(() => instances.every((x) => x.services.events.state() === 'redis'), 'Redis connected');
});
after(async () => {
  if (skip) return;
  for (const x of instances) {
    await x.app.dispose();
    await x.services.events.close();
    await x.services.rateLimiter.close();
  }
  await proxy.close();
  await t.close();
});

async function waitFor(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const post = (app: App, path: string, body: string, headers: Record<string, string> = {}) =>
  app.fetch(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

async function raise(app: App, id: string): Promise<void> {
  assert.equal((await post(app, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(t.tenant, [msgSyncItem(id, 1)]))).status, 200);
  assert.equal((await post(app, '/webhooks/CLIENT_SYNC_MESSAGE_STATUS', statusSyncBody([{ messageId: id, status: 3 }]), { token: t.tenant.ingestKey })).status, 200);
}

async function nextId(feed: LiveFeed<MessageStatusChangedEvent>, ms = 5000): Promise<string> {
  const r = await Promise.race([feed.next(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no event')), ms))]);
  return r.value!.whatsMessageId;
}

test('Redis away: ingest goes on, each instance still serves its own subscribers (logged once); back: events cross instances again', { skip }, async () => {
  const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
  const tenant = t.tenant.tenantId.toString();
  const onA = a.services.live.subscribe<MessageStatusChangedEvent>('messageStatusChanged', tenant, {});
  const onB = b.services.live.subscribe<MessageStatusChangedEvent>('messageStatusChanged', tenant, {});
  await new Promise((r) => setTimeout(r, 300));

  await raise(a.app, 'r-1');
  assert.equal(await nextId(onA), 'r-1');
  assert.equal(await nextId(onB), 'r-1'); // through Redis

  await proxy.down();
  await waitFor(() => instances.every((x) => x.services.events.state() === 'redis-down'), 'Redis seen down');
  await raise(a.app, 'r-2');
  await raise(a.app, 'r-3');
  assert.equal(await nextId(onA), 'r-2'); // local fallback
  assert.equal(await nextId(onA), 'r-3');
  assert.equal(onB.queued, 0); // B cannot hear A without Redis
  const outageLines = a.logs.filter((l) => l.includes('Redis unavailable'));
  assert.equal(outageLines.length, 1, 'the outage is logged once, not per event');
  // Rate limits fail open to each instance's own buckets: requests are served, not 500s.
  assert.equal(a.services.rateLimiter.state(), 'redis-down');
  assert.equal(a.logs.filter((l) => l.includes('rate limits: Redis does not answer')).length, 1, 'logged once per outage');

  await proxy.up();
  await waitFor(() => instances.every((x) => x.services.events.state() === 'redis'), 'Redis back', 20_000);
  await new Promise((r) => setTimeout(r, 300));
  await raise(a.app, 'r-4');
  assert.equal(await nextId(onA), 'r-4');
  assert.equal(await nextId(onB), 'r-4');
  assert.ok(a.logs.some((l) => l.includes('Redis available again')));
  // The limiter learns that Redis is back from the next request it makes.
  for (let i = 0; i < 50 && a.services.rateLimiter.state() !== 'redis'; i++) {
    await new Promise((r) => setTimeout(r, 200));
    await a.app.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tenant.readKey}` }, body: '{"query":"{ viewer { tenantId } }"}' });
  }
  assert.equal(a.services.rateLimiter.state(), 'redis', 'rate limits shared again');
  assert.ok(a.logs.some((l) => l.includes('rate limits: Redis answers again')));
  await onA.return!();
  await onB.return!();
});
