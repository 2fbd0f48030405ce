// The webhook secret resolver: the tenant's active secrets, opened, cached
// per tenant for a short while; unknown tenants and impossible ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../src/auth/secret-box.ts';
import { WebhookSecretResolver } from '../../src/auth/webhook-secrets.ts';

const box = new SecretBox(randomBytes(32));

/** A pool answering the resolver's one query from `tenants` (tenant id → sealed secrets), counting the queries. */
function fakePool(tenants: Map<string, string[]>) {
  const pool = {
    queries: 0,
    async query(_sql: string, params: unknown[]) {
      pool.queries++;
      const secrets = tenants.get(String(params[0]));
      if (!secrets) return { rows: [] };
      return { rows: secrets.length ? secrets.map((secret) => ({ secret })) : [{ secret: null }] };
    },
  };
  return pool;
}

test('a known tenant: its secrets, opened; asked again within the interval, no second query', async () => {
  const tenants = new Map([['82', [box.seal('whsec_one'), box.seal('whsec_two')]]]);
  const pool = fakePool(tenants);
  let now = 1_000;
  const resolver = new WebhookSecretResolver(pool as never, box, 5_000, 100, () => now);
  assert.deepEqual(await resolver.secrets('82'), ['whsec_one', 'whsec_two']);
  now += 4_999;
  assert.deepEqual(await resolver.secrets('82'), ['whsec_one', 'whsec_two']);
  assert.equal(pool.queries, 1);
});

test('after the interval a revoked secret is gone and a new one is there', async () => {
  const tenants = new Map([['82', [box.seal('whsec_one')]]]);
  const pool = fakePool(tenants);
  let now = 1_000;
  const resolver = new WebhookSecretResolver(pool as never, box, 5_000, 100, () => now);
  assert.deepEqual(await resolver.secrets('82'), ['whsec_one']);
  tenants.set('82', [box.seal('whsec_two')]);
  now += 5_000;
  assert.deepEqual(await resolver.secrets('82'), ['whsec_two']);
  assert.equal(pool.queries, 2);
});

test('a tenant without secrets: none (it exists); an unknown tenant: null, cached like a known one (no timing difference), seen once created after the interval', async () => {
  const tenants = new Map<string, string[]>([['7', []]]);
  const pool = fakePool(tenants);
  let now = 1_000_000;
  const resolver = new WebhookSecretResolver(pool as never, box, 5_000, 100, () => now);
  assert.deepEqual(await resolver.secrets('7'), []);
  assert.equal(await resolver.secrets('8'), null);
  tenants.set('8', [box.seal('whsec_new')]);
  assert.equal(await resolver.secrets('8'), null);
  assert.equal(pool.queries, 2);
  now += 5_000;
  assert.deepEqual(await resolver.secrets('8'), ['whsec_new']);
  assert.equal(pool.queries, 3);
});

test('ids that cannot be a tenant are unknown without a query', async () => {
  const pool = fakePool(new Map());
  const resolver = new WebhookSecretResolver(pool as never, box);
  for (const id of ['0', '-1', 'abc', '', '1.5', '9223372036854775808', '99999999999999999999']) {
    assert.equal(await resolver.secrets(id), null, id);
  }
  assert.equal(pool.queries, 0);
});

test('the cache is bounded: past maxEntries it starts over', async () => {
  const tenants = new Map(Array.from({ length: 5 }, (_, i) => [String(i + 1), [box.seal(`whsec_${i + 1}`)]] as [string, string[]]));
  const pool = fakePool(tenants);
  const resolver = new WebhookSecretResolver(pool as never, box, 5_000, 3);
  for (const id of ['1', '2', '3', '4']) await resolver.secrets(id);
  assert.equal(pool.queries, 4);
  await resolver.secrets('4');
  assert.equal(pool.queries, 4, 'the newest entry is kept');
  await resolver.secrets('1');
  assert.equal(pool.queries, 5, 'the older ones were dropped');
});
