// ApiKeyAuthenticator's cache over a fake pool: requests that miss the cache
// together (a busy key's entry expired) share one lookup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKeyAuthenticator, generateApiKey } from '../../src/auth/api-keys.ts';

function fakePool(revoked = false) {
  const queries: string[] = [];
  return {
    queries,
    async query(sql: string) {
      queries.push(sql.split(' ')[0]!);
      await new Promise((r) => setTimeout(r, 5));
      if (sql.startsWith('SELECT')) return { rows: [{ id: 'k1', tenantId: '7', scopes: ['READ'], revokedAt: revoked ? new Date() : null, lastUsedAt: null }] };
      return { rows: [] };
    },
  };
}

test('ApiKeyAuthenticator: concurrent misses of one key share one query (and one lastUsedAt write)', async () => {
  const pool = fakePool();
  const auth = new ApiKeyAuthenticator(pool as never, 5_000);
  const key = generateApiKey();
  const viewers = await Promise.all(Array.from({ length: 100 }, () => auth.authenticate(key)));
  assert.ok(viewers.every((v) => v?.apiKeyId === 'k1' && v.tenantId === 7n));
  assert.deepEqual(pool.queries, ['SELECT', 'UPDATE']);
  // Cached now; another key is its own lookup.
  await auth.authenticate(key);
  await auth.authenticate(generateApiKey());
  assert.deepEqual(pool.queries, ['SELECT', 'UPDATE', 'SELECT', 'UPDATE']);
});

test('ApiKeyAuthenticator: a revoked key is refused by every request that shared its lookup; expired entries are looked up again', async () => {
  const pool = fakePool(true);
  const auth = new ApiKeyAuthenticator(pool as never, 1);
  const key = generateApiKey();
  assert.deepEqual(await Promise.all([auth.authenticate(key), auth.authenticate(key)]), [null, null]);
  assert.deepEqual(pool.queries, ['SELECT']);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(await auth.authenticate(key), null);
  assert.deepEqual(pool.queries, ['SELECT', 'SELECT']);
});
