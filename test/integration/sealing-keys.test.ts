// Sealing keys across instances (issue 15). Without SECRETS_KEY each machine
// makes its own key file in DATA_DIR; webhook secrets sealed under one cannot
// be opened under another. Server and CLI start-up find this out and refuse
// with one line (which secrets and tenants, which key, what to set); a
// production start on a shared database requires SECRETS_KEY.
// On PostgreSQL: two server instances with DATA_DIRs (key files) of their
// own over one database. Embedded: one database, its key file replaced.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPostgresTestDatabase, testTarget } from '../support/database.ts';
import { parseCredentials, runCliProcess } from '../support/cli.ts';
import { runServerToExit, startServerProcess, type ServerProcess } from '../support/process.ts';
import { msgSyncBody, msgSyncItem, postWebhook } from '../support/live.ts';
import type { TenantCredentials } from '../../src/auth/tenants.ts';

const dirs: string[] = [];
let databaseUrl: string | null = null;
let drop: (() => Promise<void>) | null = null;
const servers: ServerProcess[] = [];

function dataDir(withDatabase: boolean): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chatgraph-keys-'));
  dirs.push(dir);
  if (withDatabase && process.env.TEST_PGLITE_TEMPLATE) cpSync(process.env.TEST_PGLITE_TEMPLATE, path.join(dir, 'pglite'), { recursive: true });
  return dir;
}

const envOf = (dir: string, extra: Record<string, string> = {}): Record<string, string> => ({
  DATA_DIR: dir,
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  DEMO_BOOTSTRAP: 'false',
  LOG_LEVEL: 'info',
  ...extra,
});

before(async () => {
  if (testTarget === 'postgres') {
    const created = await createPostgresTestDatabase('cg_keys');
    databaseUrl = created.url;
    drop = created.drop;
  }
});
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await drop?.();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Creates tenant `id` with the CLI on `dir`'s key; returns its credentials. */
async function createTenant(dir: string, id: number): Promise<TenantCredentials> {
  const res = await runCliProcess(['tenant', 'create', '--id', String(id), '--name', `Tenant ${id}`], envOf(dir));
  assert.equal(res.code, 0, res.stderr);
  return { tenantId: BigInt(id), name: `Tenant ${id}`, ...parseCredentials(res.stdout) };
}

/** The server says why it refuses to start in one fatal JSON log record (stdout), and nothing else. */
function fatalMessage(stdout: string, stderr: string): string {
  const records = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { level: number; msg: string });
  const fatal = records.filter((r) => r.level === 60);
  assert.equal(fatal.length, 1, stdout + stderr);
  return fatal[0]!.msg;
}

function assertOneLineRefusal(stderr: string, keyFile: string, tenants: string[]) {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, /cannot be opened with the key file /);
  assert.ok(lines[0]!.includes(keyFile), stderr);
  for (const tenant of tenants) assert.match(lines[0]!, new RegExp(`tenants? [^;]*\\b${tenant}\\b`), stderr);
  assert.match(lines[0]!, /Set SECRETS_KEY to the key they were sealed with/);
}

test('a second instance (or the CLI) with another key file refuses to start, saying which secrets, which key and what to set; with SECRETS_KEY set to the first key it serves', async () => {
  const dirA = dataDir(true);
  const tenant = await createTenant(dirA, 501);
  const keyA = readFileSync(path.join(dirA, 'secrets.key'), 'utf8').trim();

  let dirB: string;
  if (databaseUrl) {
    // Two instances over one PostgreSQL, each with its own DATA_DIR (its own key file).
    const a = await startServerProcess(envOf(dirA));
    servers.push(a);
    assert.equal((await postWebhook(`http://127.0.0.1:${a.port}`, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(tenant, [msgSyncItem('keys-a', 2)]))).status, 200);
    dirB = dataDir(false);
  } else {
    // One embedded database: the same DATA_DIR, its key file replaced (another machine's, or a lost one).
    dirB = dirA;
    writeFileSync(path.join(dirA, 'secrets.key'), randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  }
  const keyFileB = path.join(dirB, 'secrets.key');
  const refused = await runServerToExit(envOf(dirB));
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assertOneLineRefusal(fatalMessage(refused.stdout, refused.stderr), keyFileB, ['501']);

  const cli = await runCliProcess(['key', 'list', '--tenant', '501'], envOf(dirB));
  assert.equal(cli.code, 1, cli.stdout);
  assertOneLineRefusal(cli.stderr.replace(/^chatgraph: /, ''), keyFileB, ['501']);
  // The way out stays open: listing and revoking secrets do not need to open them.
  const list = await runCliProcess(['secret', 'list', '--tenant', '501'], envOf(dirB));
  assert.equal(list.code, 0, list.stderr);

  const b = await startServerProcess(envOf(dirB, { SECRETS_KEY: keyA }));
  servers.push(b);
  assert.equal((await postWebhook(`http://127.0.0.1:${b.port}`, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(tenant, [msgSyncItem('keys-b', 2)]))).status, 200);
});

test('production on a shared database requires SECRETS_KEY (one line saying so)', { skip: testTarget !== 'postgres' ? 'needs DATABASE_URL (TEST_TARGET=postgres)' : false }, async () => {
  const res = await runServerToExit(envOf(dataDir(false), { NODE_ENV: 'production' }));
  assert.equal(res.code, 1);
  assert.match(fatalMessage(res.stdout, res.stderr), /^SECRETS_KEY is required with NODE_ENV=production and DATABASE_URL: /);
  const cli = await runCliProcess(['tenant', 'list'], envOf(dataDir(false), { NODE_ENV: 'production' }));
  assert.equal(cli.code, 1);
  assert.match(cli.stderr, /SECRETS_KEY is required with NODE_ENV=production and DATABASE_URL/);
});
