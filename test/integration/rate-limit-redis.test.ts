// Rate limits shared across instances through Redis: two app instances over
// one database and one Redis draw on the same buckets, so one API key (or
// one address) gets its per-minute allowance once, not once per instance;
// the refusal is the same 429 as on one instance. Without Redis each
// instance keeps its own buckets. Runs when TEST_REDIS_URL is set.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createApp, type App } from '../../src/http/app.ts';
import { createServices } from '../../src/services.ts';
import type { AppServices } from '../../src/services.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

const redisUrl = process.env.TEST_REDIS_URL;
const skip = !redisUrl ? 'needs Redis (TEST_REDIS_URL)' : false;
const LIMITS = { RATE_LIMIT_PER_MINUTE: '10', RATE_LIMIT_IP_PER_MINUTE: '15', TRUST_PROXY: 'true' };

let t: TestApp;
const extra: { app: App; services: AppServices }[] = [];

async function instance(env: Record<string, string>): Promise<App> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...LIMITS, ...env });
  const services = createServices(config, t.testDb.db, createLogger(config.logLevel));
  const app = createApp(services);
  extra.push({ app, services });
  return app;
}

before(async () => {
  if (skip) return;
  t = await startTestApp({ ...LIMITS, REDIS_URL: redisUrl! });
});
after(async () => {
  if (skip) return;
  for (const x of extra) {
    await x.app.dispose();
    await x.services.events.close();
    await x.services.rateLimiter.close();
  }
  await t.close();
});

// Addresses of their own: other runs may share this Redis.
const address = () => `198.51.${randomInt(0, 256)}.${randomInt(1, 255)}`;

const viewer = (app: App, key: string, ip: string) =>
  app.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-forwarded-for': ip },
    body: JSON.stringify({ query: '{ viewer { tenantId } }' }),
  });

test('one API key\'s allowance holds across two instances over Redis: the 11th request of a minute is refused on either', { skip }, async () => {
  const a = t.app;
  const b = await instance({ REDIS_URL: redisUrl! });
  const key = (await t.createTenant(BigInt(randomInt(40_000_000, 50_000_000)))).readKey;
  const statuses: number[] = [];
  // 10 a minute, alternately on A and B, each from a fresh address (only the key's bucket fills).
  for (let i = 0; i < 10; i++) statuses.push((await viewer(i % 2 ? b : a, key, address())).status);
  assert.deepEqual(statuses, Array(10).fill(200));
  assert.equal(t.services.rateLimiter.state(), 'redis');
  for (const app of [a, b]) {
    const refused = await viewer(app, key, address());
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 7, `Retry-After ${retryAfter}`);
    const body = (await refused.json()) as { errors: { message: string; extensions: { code: string; retryAfterSeconds: number } }[] };
    assert.equal(body.errors[0]!.extensions.code, 'RATE_LIMITED');
    assert.equal(body.errors[0]!.extensions.retryAfterSeconds, retryAfter);
    assert.match(body.errors[0]!.message, /^rate limit exceeded: more than 10 requests a minute with this API key \(RATE_LIMIT_PER_MINUTE\); retry after \d s$/);
  }
  // Another key is not affected.
  assert.equal((await viewer(b, t.tenant.readKey, address())).status, 200);
  // The bucket refills continuously (10 a minute: one every 6 s), shared too.
  await new Promise((r) => setTimeout(r, 6_100));
  assert.equal((await viewer(b, key, address())).status, 200);
  assert.equal((await viewer(a, key, address())).status, 429);
});

test('one address\'s allowance holds across instances too, in the legacy envelope on the webhooks', { skip }, async () => {
  const b = extra[0]!.app;
  const ip = address();
  let served = 0;
  for (let i = 0; i < 15; i++) {
    const res = await (i % 2 ? b : t.app).fetch('http://localhost/webhooks/CLIENT_SYNC_MESSAGE_STATUS', { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: '[]' });
    if (res.status !== 429) served++;
  }
  assert.equal(served, 15);
  const refused = await b.fetch('http://localhost/webhooks/CLIENT_SYNC_MESSAGE_STATUS', { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: '[]' });
  assert.equal(refused.status, 429);
  assert.match(JSON.stringify(await refused.json()), /^\{"code":429,"message":"rate limit exceeded: more than 15 requests a minute from this address \(RATE_LIMIT_IP_PER_MINUTE\); retry after \d s","data":null\}$/);
});

test('without Redis each instance keeps its own buckets (the allowance per instance)', { skip }, async () => {
  const [c, d] = [await instance({}), await instance({})];
  const key = (await t.createTenant(BigInt(randomInt(50_000_000, 60_000_000)))).readKey;
  for (const app of [c, d]) {
    for (let i = 0; i < 10; i++) assert.equal((await viewer(app, key, address())).status, 200);
    assert.equal((await viewer(app, key, address())).status, 429);
  }
  assert.equal(extra.at(-1)!.services.rateLimiter.state(), 'memory');
});
