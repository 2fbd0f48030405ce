// The CLI's tenant, key, secret, status and send-webhook commands, run as
// child processes against their own database, with a server process on the
// same database checking that what the CLI did takes effect: a revoked key
// gets 401, a revoked webhook secret no longer verifies while a second
// active one does (rotation).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { msgSyncAccessToken, bodySignature } from '../../src/auth/webhook-signatures.ts';
import { openCliDatabase, parseCredentials, type CliDatabase } from '../support/cli.ts';
import { startServerProcess, type ServerProcess } from '../support/process.ts';
import { seed, uniqueTimestamp } from '../support/seeds.ts';
import { msgSyncItem } from '../support/live.ts';

let db: CliDatabase;
let server: ServerProcess | null = null;
after(async () => {
  await server?.stop();
  await db?.close();
});

async function startServer(): Promise<string> {
  server = await startServerProcess({ ...db.env, DEMO_BOOTSTRAP: 'false' });
  return `http://127.0.0.1:${server.port}`;
}
async function stopServer(): Promise<void> {
  await server?.stop();
  server = null;
}

function msgSync(secret: string, messageId: string): string {
  const timestamp = uniqueTimestamp();
  return JSON.stringify({ accessToken: msgSyncAccessToken(secret, '82', timestamp), tenantId: 82, timestamp, data: [msgSyncItem(messageId, 1)] });
}

async function post(base: string, route: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: (await res.json()) as { code: number; message: string } };
}

async function viewer(base: string, key: string): Promise<number> {
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query: '{ viewer { tenantId } }' }) });
  return res.status;
}

test('tenant, key and secret commands: create, list, revoke round trips that the server honours', async () => {
  db = await openCliDatabase();
  const created = await db.cli(['tenant', 'create', '--id', '82', '--name', 'Acme Ltd']);
  assert.equal(created.code, 0, created.stderr);
  const creds = parseCredentials(created.stdout);
  assert.match(created.stdout, /^tenant 82 \(Acme Ltd\)$/m);
  assert.match(creds.webhookSecret, /^whsec_\w{40}$/);

  const again = await db.cli(['tenant', 'create', '--id', '82', '--name', 'Other']);
  assert.equal(again.code, 1);
  assert.equal(again.stderr.trim(), 'chatgraph: tenant 82 already exists');

  const key = await db.cli(['key', 'create', '--tenant', '82', '--scopes', 'READ', '--name', 'frontend']);
  assert.equal(key.code, 0, key.stderr);
  const frontendKey = key.stdout.match(/^(cg_\w{40})$/m)![1]!;
  const secret2 = await db.cli(['secret', 'create', '--tenant', '82']);
  assert.equal(secret2.code, 0, secret2.stderr);
  const rotated = secret2.stdout.match(/^(whsec_\w{40})$/m)![1]!;
  assert.match(secret2.stdout, /2 active secrets/);

  const tenants = await db.cli(['tenant', 'list', '--json']);
  assert.deepEqual(
    tenants.stdout.trim().split('\n').map((l) => {
      const { createdAt: _c, ...rest } = JSON.parse(l);
      return rest;
    }),
    [{ id: '82', name: 'Acme Ltd', messages: 0, activeKeys: 4, activeSecrets: 2 }],
  );
  const keys = (await db.cli(['key', 'list', '--tenant', '82', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(keys.map((k) => [k.name, k.scopes.join(','), k.revokedAt]), [['admin', 'READ,INGEST,ADMIN', null], ['ingest', 'INGEST', null], ['read', 'READ', null], ['frontend', 'READ', null]]);
  assert.equal(keys[3].prefix, frontendKey.slice(0, 10));
  const secrets = (await db.cli(['secret', 'list', '--tenant', '82', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(secrets.map((s) => s.prefix), [creds.webhookSecret.slice(0, 10), rotated.slice(0, 10)]);
  const table = await db.cli(['key', 'list', '--tenant', '82']);
  assert.match(table.stdout, /^PREFIX\s+NAME\s+SCOPES\s+CREATED\s+LAST USED\s+REVOKED\s+ID$/m);

  // Both secrets verify; both keys work.
  let base = await startServer();
  assert.equal(await viewer(base, frontendKey), 200);
  assert.equal((await post(base, '/webhooks/MSG_SYNC_MESSAGE', msgSync(creds.webhookSecret, 'rot-1'))).body.code, 200);
  assert.equal((await post(base, '/webhooks/MSG_SYNC_MESSAGE', msgSync(rotated, 'rot-2'))).body.code, 200);
  const statuses = JSON.stringify([{ userId: '1', taskId: '', taskInfoId: '', messageStatus: 4, messageId: 'rot-1' }]);
  const sigHeaders = (secret: string) => {
    const ts = Date.now();
    return { 'x-chatgraph-tenant': '82', 'x-chatgraph-timestamp': String(ts), 'x-chatgraph-signature': bodySignature(secret, ts, statuses) };
  };
  assert.equal((await post(base, '/webhooks/CLIENT_SYNC_MESSAGE_STATUS', statuses, sigHeaders(creds.webhookSecret))).body.code, 200);
  await stopServer();

  // The key the server saw is marked used (to the minute); the others are not.
  const used = (await db.cli(['key', 'list', '--tenant', '82', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(used.map((k) => [k.name, k.lastUsedAt !== null]), [['admin', false], ['ingest', false], ['read', false], ['frontend', true]]);
  assert.ok(Date.now() - Date.parse(used[3].lastUsedAt) < 5 * 60_000, used[3].lastUsedAt);

  // Revoke the frontend key (by prefix) and the first secret (by prefix).
  const revokedKey = await db.cli(['key', 'revoke', frontendKey.slice(0, 10)]);
  assert.equal(revokedKey.code, 0, revokedKey.stderr);
  assert.match(revokedKey.stdout, /^revoked key cg_\w{7} \(.*"frontend"\) of tenant 82$/m);
  const revokedSecret = await db.cli(['secret', 'revoke', creds.webhookSecret.slice(0, 10), '--tenant', '82']);
  assert.equal(revokedSecret.code, 0, revokedSecret.stderr);
  assert.match(revokedSecret.stdout, /1 active secret left/);
  // The last active secret is kept unless --force.
  const last = await db.cli(['secret', 'revoke', rotated.slice(0, 10)]);
  assert.equal(last.code, 1);
  assert.match(last.stderr, /^chatgraph: secret whsec_\w{4} is tenant 82's last active webhook secret: create its successor first/);
  const missing = await db.cli(['key', 'revoke', 'cg_nothing']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^chatgraph: no API key with prefix "cg_nothing"/);

  base = await startServer();
  assert.equal(await viewer(base, frontendKey), 401, 'a revoked key gets 401');
  assert.equal(await viewer(base, creds.readKey), 200);
  const old = await post(base, '/webhooks/MSG_SYNC_MESSAGE', msgSync(creds.webhookSecret, 'rot-3'));
  assert.equal(old.status, 401, 'a revoked secret no longer verifies');
  assert.match(old.body.message, /accessToken does not match/);
  assert.equal((await post(base, '/webhooks/MSG_SYNC_MESSAGE', msgSync(rotated, 'rot-4'))).body.code, 200, 'the second secret still does');
  assert.equal((await post(base, '/webhooks/CLIENT_SYNC_MESSAGE_STATUS', statuses, sigHeaders(creds.webhookSecret))).status, 401);
  assert.equal((await post(base, '/webhooks/CLIENT_SYNC_MESSAGE_STATUS', statuses, sigHeaders(rotated))).body.code, 200);

  // send-webhook posts the seed examples, as written, and gets the success envelopes.
  const dir = db.dataDir;
  writeFileSync(path.join(dir, 'msg-sync.json'), seed.msgSyncRequest);
  writeFileSync(path.join(dir, 'client-sync.json'), seed.clientSyncRequest);
  writeFileSync(path.join(dir, 'status.json'), seed.statusSyncRequest);
  const sent = await db.cli(['send-webhook', path.join(dir, 'msg-sync.json'), '--url', base, '--tenant', '82', '--secret', rotated]);
  assert.equal(sent.code, 0, sent.stderr + sent.stdout);
  assert.deepEqual(JSON.parse(sent.stdout), { code: 200, message: 'success!', data: '' });
  assert.match(sent.stderr, /POST http:\/\/127\.0\.0\.1:\d+\/webhooks\/MSG_SYNC_MESSAGE → HTTP 200/);
  const client = await db.cli(['send-webhook', path.join(dir, 'client-sync.json'), '--url', base, '--key', creds.ingestKey]);
  assert.equal(client.code, 0, client.stderr + client.stdout);
  assert.deepEqual(JSON.parse(client.stdout), { data: '', code: 200, message: 'success' });
  const signed = await db.cli(['send-webhook', path.join(dir, 'status.json'), '--url', base, '--sign', '--tenant', '82', '--secret', rotated]);
  assert.equal(signed.code, 0, signed.stderr + signed.stdout);
  assert.match(signed.stderr, /CLIENT_SYNC_MESSAGE_STATUS → HTTP 200/);
  const refused = await db.cli(['send-webhook', path.join(dir, 'msg-sync.json'), '--url', base, '--tenant', '82', '--secret', creds.webhookSecret]);
  assert.equal(refused.code, 1, 'a refused delivery exits 1');
  assert.equal(JSON.parse(refused.stdout).code, 401);

  if (!db.env.DATABASE_URL) {
    // PGlite has no lock of its own: the CLI refuses a data directory a server has open.
    const busy = await db.cli(['tenant', 'list']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /^chatgraph: the embedded database in .* is in use by process \d+ \(a running chatgraph server\?\): stop it first/);
  } else {
    const live = JSON.parse((await db.cli(['status', '--url', base, '--json'])).stdout);
    assert.equal(live.server.status, 200);
  }
  await stopServer();

  // status: location, migrations, tenants with their counts; a server that is not there.
  const status = await db.cli(['status', '--json']);
  assert.equal(status.code, 0, status.stderr);
  const report = JSON.parse(status.stdout);
  assert.equal(report.kind, db.env.DATABASE_URL ? 'postgres' : 'embedded');
  assert.deepEqual(report.migrations.pending, []);
  assert.ok(report.migrations.applied.some((m: string) => m.endsWith('_webhook_secrets')));
  assert.deepEqual(report.tenants.map((t: { id: string }) => t.id), ['82']);
  assert.ok(report.tenants[0].messages >= 3);
  const down = await db.cli(['status', '--url', base]);
  assert.equal(down.code, 1, 'a server that does not answer is reported and exits 1');
  assert.match(down.stdout, /^server\s+http:\/\/127\.0\.0\.1:\d+\/readyz → unreachable/m);
  assert.match(down.stdout, /^migrations\s+all \d+ applied/m);
});
