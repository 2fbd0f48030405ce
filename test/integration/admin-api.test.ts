// Administration while serving: a real server process (embedded database on
// the embedded run) and the CLI acting through it with --url — create a
// tenant with the operator key, a key with the tenant's ADMIN key, rotate a
// webhook secret, revoke a key — without a restart; the revoked key and the
// replaced secret are refused within their 5 s caches. And the GraphQL
// admin operations' rules: who may do what, typed errors, bad input.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { msgSyncAccessToken } from '../../src/auth/webhook-signatures.ts';
import { openCliDatabase, parseCredentials, type CliDatabase } from '../support/cli.ts';
import { startServerProcess, type ServerProcess } from '../support/process.ts';
import { msgSyncItem } from '../support/live.ts';

const OPERATOR_KEY = randomBytes(32).toString('base64url');
let db: CliDatabase;
let server: ServerProcess | null = null;
after(async () => {
  await server?.stop();
  await db?.close();
});

type Gql = { status: number; body: { data?: Record<string, Record<string, unknown> | null> | null; errors?: { message: string; extensions?: { code?: string } }[] } };

async function gql(base: string, key: string, query: string, variables: Record<string, unknown> = {}): Promise<Gql> {
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, body: (await res.json()) as Gql['body'] };
}

async function viewerStatus(base: string, key: string): Promise<number> {
  return (await gql(base, key, '{ viewer { tenantId } }')).status;
}

async function msgSync(base: string, tenantId: string, secret: string, messageId: string): Promise<number> {
  const timestamp = Date.now();
  const body = JSON.stringify({ accessToken: msgSyncAccessToken(secret, tenantId, timestamp), tenantId: Number(tenantId), timestamp, data: [msgSyncItem(messageId, 1)] });
  const res = await fetch(`${base}/webhooks/MSG_SYNC_MESSAGE`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return res.status;
}

/** Polls until `check` gives `want`; returns the milliseconds it took. */
async function within(ms: number, want: number, check: () => Promise<number>): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const got = await check();
    if (got === want) return Date.now() - t0;
    if (Date.now() - t0 > ms) assert.fail(`still ${got} after ${ms} ms (want ${want})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('an admin flow on a running server: tenant, key, secret rotation and key revocation without a restart', async () => {
  db = await openCliDatabase();
  server = await startServerProcess({ ...db.env, DEMO_BOOTSTRAP: 'false', OPERATOR_KEY });
  const base = `http://127.0.0.1:${server.port}`;
  const viaServer = (args: string[], key: string) => db.cli([...args, '--url', base], { CHATGRAPH_ADMIN_KEY: key });

  if (!db.env.DATABASE_URL) {
    // The embedded database is the server's: the CLI says how to act through it.
    const busy = await db.cli(['tenant', 'list']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /is in use by process \d+ .*--url http:\/\/localhost:4000 --key/);
  }

  // The operator key creates tenants; an ADMIN key may not.
  const created = await viaServer(['tenant', 'create', '--id', '90', '--name', 'Live Ltd'], OPERATOR_KEY);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^tenant 90 \(Live Ltd\)$/m);
  const creds = parseCredentials(created.stdout);
  assert.equal(await viewerStatus(base, creds.readKey), 200, 'the new tenant\'s keys work at once');
  const other = parseCredentials((await viaServer(['tenant', 'create', '--id', '91', '--name', 'Other'], OPERATOR_KEY)).stdout);
  const refusedTenant = await viaServer(['tenant', 'create', '--id', '92', '--name', 'X'], creds.adminKey);
  assert.equal(refusedTenant.code, 1);
  assert.match(refusedTenant.stderr, /^chatgraph: the server refused it \(FORBIDDEN\)/);
  const again = await db.cli(['tenant', 'create', '--id', '90', '--name', 'Again', '--url', base, '--key', OPERATOR_KEY]);
  assert.equal(again.stderr.trim(), 'chatgraph: tenant 90 already exists');
  const listed = await viaServer(['tenant', 'list', '--json'], OPERATOR_KEY);
  assert.deepEqual(listed.stdout.trim().split('\n').map((l) => JSON.parse(l).id), ['90', '91']);
  const own = await viaServer(['tenant', 'list', '--json'], creds.adminKey);
  assert.deepEqual(own.stdout.trim().split('\n').map((l) => [JSON.parse(l).id, JSON.parse(l).activeKeys]), [['90', 3]], 'an ADMIN key sees its own tenant');

  // The tenant's ADMIN key creates a key (its own tenant: no --tenant needed).
  const key = await viaServer(['key', 'create', '--scopes', 'READ', '--name', 'frontend'], creds.adminKey);
  assert.equal(key.code, 0, key.stderr);
  const frontendKey = key.stdout.match(/^(cg_\w{40})$/m)![1]!;
  assert.match(key.stdout, /tenant 90, name "frontend", scopes READ/);
  assert.equal(await viewerStatus(base, frontendKey), 200);
  // … but not in another tenant, nor finds another tenant's keys.
  const cross = await viaServer(['key', 'list', '--tenant', '91'], creds.adminKey);
  assert.match(cross.stderr, /FORBIDDEN.*own tenant \(90\) only/);
  const foreign = await viaServer(['key', 'revoke', other.readKey.slice(0, 10)], creds.adminKey);
  assert.equal(foreign.code, 1);
  assert.match(foreign.stderr, /^chatgraph: no API key with prefix "cg_\w{7}" in tenant 90/);
  assert.equal(await viewerStatus(base, other.readKey), 200);

  // Rotate the webhook secret: the successor verifies, the old one is refused within 5 s.
  assert.equal(await msgSync(base, '90', creds.webhookSecret, 'adm-1'), 200);
  const rotated = await viaServer(['secret', 'rotate', creds.webhookSecret.slice(0, 10)], creds.adminKey);
  assert.equal(rotated.code, 0, rotated.stderr);
  const successor = rotated.stdout.match(/^(whsec_\w{40})$/m)![1]!;
  assert.match(rotated.stdout, /1 active secret$/m);
  await within(6_000, 200, () => msgSync(base, '90', successor, 'adm-2'));
  const secretGone = await within(6_000, 401, () => msgSync(base, '90', creds.webhookSecret, 'adm-3'));
  assert.ok(secretGone <= 5_500, `old secret refused after ${secretGone} ms`);
  const secrets = (await viaServer(['secret', 'list', '--json'], creds.adminKey)).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(secrets.map((s) => [s.prefix, s.revokedAt !== null]), [[creds.webhookSecret.slice(0, 10), true], [successor.slice(0, 10), false]]);

  // Revoke the frontend key while the server has it cached: refused within 5 s.
  assert.equal(await viewerStatus(base, frontendKey), 200);
  const revoked = await viaServer(['key', 'revoke', frontendKey.slice(0, 10)], creds.adminKey);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, /^revoked key cg_\w{7} \(.*"frontend"\) of tenant 90$/m);
  const keyGone = await within(6_000, 401, () => viewerStatus(base, frontendKey));
  assert.ok(keyGone <= 5_500, `revoked key refused after ${keyGone} ms`);
  assert.equal(await viewerStatus(base, creds.readKey), 200, 'the other keys still work');
  const keys = (await viaServer(['key', 'list', '--json', '--tenant', '90'], OPERATOR_KEY)).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(keys.map((k) => [k.name, k.revokedAt !== null]), [['admin', false], ['ingest', false], ['read', false], ['frontend', true]]);

  // Rotating a key: a new key with the same name and scopes; the old one goes.
  const rotatedKey = await viaServer(['key', 'rotate', creds.readKey.slice(0, 10)], OPERATOR_KEY);
  assert.equal(rotatedKey.code, 0, rotatedKey.stderr);
  const newRead = rotatedKey.stdout.match(/^(cg_\w{40})$/m)![1]!;
  assert.match(rotatedKey.stdout, /name "read", scopes READ/);
  assert.equal(await viewerStatus(base, newRead), 200);
  await within(6_000, 401, () => viewerStatus(base, creds.readKey));

  // GraphQL directly: typed errors with stable codes, bad input named, scopes kept apart.
  const last = await gql(base, creds.adminKey, 'mutation ($ref: String!) { revokeWebhookSecret(input: { webhookSecret: $ref }) { __typename ... on AdminError { code message } } }', { ref: successor.slice(0, 10) });
  assert.deepEqual(last.body.data?.revokeWebhookSecret?.code, 'LAST_WEBHOOK_SECRET');
  assert.equal(await msgSync(base, '90', successor, 'adm-4'), 200, 'nothing was revoked');
  const missing = await gql(base, OPERATOR_KEY, '{ apiKeys(tenantId: "12345") { __typename ... on AdminError { code } } }');
  assert.deepEqual(missing.body.data?.apiKeys, { __typename: 'AdminError', code: 'TENANT_NOT_FOUND' });
  const bad = await gql(base, OPERATOR_KEY, 'mutation { createTenant(input: { id: "12x", name: "X" }) { __typename } }');
  assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  assert.match(bad.body.errors![0]!.message, /^input\.id must be a tenant id/);
  const nul = await gql(base, creds.adminKey, 'mutation ($name: String) { createApiKey(input: { scopes: [READ], name: $name }) { __typename } }', { name: 'a\u0000b' });
  assert.deepEqual(nul.body.errors?.map((e) => [e.message, e.extensions?.code]), [['input.name must not contain NUL characters (\\u0000)', 'BAD_USER_INPUT']]);
  const nulRef = await gql(base, creds.adminKey, 'mutation { revokeApiKey(input: { apiKey: "cg_\\u0000" }) { __typename } }');
  assert.equal(nulRef.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  const surrogate = await gql(base, creds.adminKey, 'mutation ($name: String) { createApiKey(input: { scopes: [READ], name: $name }) { ... on CreateApiKeyPayload { apiKey { name } } } }', { name: 'x\uD800y' });
  assert.deepEqual(surrogate.body.data?.createApiKey, { apiKey: { name: 'x\uFFFDy' } });
  const noTenant = await gql(base, OPERATOR_KEY, '{ webhookSecrets { __typename } }');
  assert.match(noTenant.body.errors?.[0]?.message ?? '', /tenantId is required with the operator key/);
  const reads = await gql(base, OPERATOR_KEY, '{ conversations(first: 1) { totalCount } }');
  assert.equal(reads.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', 'the operator key reads no tenant\'s data');
  const readOnly = await gql(base, other.readKey, '{ tenants { id } }');
  assert.equal(readOnly.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', 'a READ key administers nothing');
  assert.equal((await gql(base, OPERATOR_KEY.slice(1) + 'x', '{ tenants { id } }')).status, 401, 'a wrong operator key is no key');
  const shown = await gql(base, creds.adminKey, '{ apiKeys { __typename ... on ApiKeyList { apiKeys { prefix name } } } }');
  assert.ok(!JSON.stringify(shown.body).includes(creds.adminKey), 'lists never show a key');
});
