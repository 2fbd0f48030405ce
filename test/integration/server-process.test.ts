// The server as an operator runs it: start, serve, restart on the same data,
// graceful shutdown, and one clear line for each start-up mistake.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { demoCredentialsFrom, startServerProcess, runServerToExit } from '../support/process.ts';
import { openTestDatabase, testTarget } from '../support/database.ts';
import { startTestApp } from '../support/app.ts';
import { msgSyncBody, msgSyncItem, statusSyncBody } from '../support/live.ts';

function isJsonObject(line: string): boolean {
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
}

const embeddedOnly = { skip: testTarget === 'postgres' ? 'embedded start-up is checked in the embedded run' : false };

test('embedded: first start migrates and says the demo tenant (a JSON record, demo.env); a second start reuses the data; every line is JSON', embeddedOnly, async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chatgraph-proc-'));
  try {
    const first = await startServerProcess({ DATA_DIR: dataDir, DEMO_BOOTSTRAP: 'true' });
    const ready = await fetch(`http://127.0.0.1:${first.port}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', database: 'embedded' });
    assert.equal((await fetch(`http://127.0.0.1:${first.port}/healthz`)).status, 200);
    const graphiql = await fetch(`http://127.0.0.1:${first.port}/graphql`, { headers: { accept: 'text/html' } });
    assert.equal(graphiql.status, 200);
    assert.match(await graphiql.text(), /graphiql/i);
    // Not a terminal: the keys come in one JSON log record, and in $DATA_DIR/demo.env as export lines.
    const demo = demoCredentialsFrom(first.output());
    const readKey = demo.readKey;
    const envFile = path.join(dataDir, 'demo.env');
    assert.equal(statSync(envFile).mode & 0o777, 0o600, 'demo.env is the owner\'s only');
    const exported = Object.fromEntries([...readFileSync(envFile, 'utf8').matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
    assert.deepEqual(exported, { ADMIN_KEY: demo.adminKey, INGEST_KEY: demo.ingestKey, READ_KEY: demo.readKey, SECRET: demo.webhookSecret });
    const res = await fetch(`http://127.0.0.1:${first.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${readKey}` },
      body: JSON.stringify({ query: '{ viewer { tenantId scopes } }' }),
    });
    assert.deepEqual(await res.json(), { data: { viewer: { tenantId: '82', scopes: ['READ'] } } });
    assert.equal(await first.stop('SIGTERM'), 0, 'graceful shutdown exits 0');
    assert.match(first.output(), /shutdown complete/);
    const notJson = first.output().split('\n').filter((line) => line.trim() !== '' && !isJsonObject(line));
    assert.deepEqual(notJson, [], 'every line the server writes is a JSON log record');

    const second = await startServerProcess({ DATA_DIR: dataDir, DEMO_BOOTSTRAP: 'true' });
    assert.doesNotMatch(second.output(), /demo tenant/, 'the demo tenant is created once');
    assert.equal((await fetch(`http://127.0.0.1:${second.port}/readyz`)).status, 200);
    // The same key still works: the data was reused.
    const again = await fetch(`http://127.0.0.1:${second.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${readKey}` },
      body: JSON.stringify({ query: '{ viewer { tenantId } }' }),
    });
    assert.deepEqual(await again.json(), { data: { viewer: { tenantId: '82' } } });
    assert.equal(await second.stop('SIGINT'), 0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('PostgreSQL: start applies the migrations (rows in _prisma_migrations) and serves', { skip: testTarget !== 'postgres' ? 'needs TEST_DATABASE_URL' : false }, async () => {
  const base = new URL(process.env.TEST_DATABASE_URL!);
  const name = `cg_proc_${process.pid}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  base.pathname = `/${name}`;
  try {
    const server = await startServerProcess({ DATABASE_URL: base.toString() });
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/readyz`)).status, 200);
    const client = new pg.Client({ connectionString: base.toString() });
    await client.connect();
    const rows = await client.query('SELECT migration_name, finished_at FROM _prisma_migrations');
    await client.end();
    assert.ok(rows.rowCount! >= 1);
    assert.ok(rows.rows.every((r) => r.finished_at !== null));
    assert.equal(await server.stop(), 0);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
});

test('/readyz is 503 with the reason while migrations are not applied', async () => {
  const tdb = await openTestDatabase();
  try {
    await tdb.db.pool.query('DELETE FROM _prisma_migrations');
    // Every committed migration, named in order.
    const committed = readdirSync(path.resolve(import.meta.dirname, '../../prisma/migrations'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    assert.ok(committed.length >= 3 && committed[0]!.endsWith('_init'));
    assert.equal(await tdb.db.notReadyReason(), `migrations not applied: ${committed.join(', ')}`);
  } finally {
    await tdb.close();
  }
});

test('MIGRATE_ON_START=false on a database lacking a migration: 503 (never 500) but /healthz until it is applied, then served without a restart', { skip: testTarget !== 'postgres' ? 'needs TEST_DATABASE_URL (a second process on the same database)' : false }, async () => {
  const t = await startTestApp();
  const q = (sql: string, params: unknown[] = []) => t.testDb.db.pool.query(sql, params);
  let server: Awaited<ReturnType<typeof startServerProcess>> | null = null;
  try {
    // The newest migration's record removed: to this release the database lacks it.
    const { rows: [newest] } = await q('SELECT * FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1');
    await q('DELETE FROM _prisma_migrations WHERE id = $1', [newest.id]);
    server = await startServerProcess({ DATABASE_URL: t.testDb.url!, MIGRATE_ON_START: 'false', DEMO_BOOTSTRAP: 'false', LOG_LEVEL: 'info' });
    const base = `http://127.0.0.1:${server.port}`;
    assert.match(server.output(), new RegExp(`"reason":"migrations not applied: ${newest.migration_name}","msg":"MIGRATE_ON_START=false on a database without all our migrations`));
    const graphql = () => fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tenant.readKey}` },
      body: JSON.stringify({ query: 'query Q($n: Int) { messages(first: $n) { totalCount } }', variables: { n: 1 } }),
    });
    const webhook = () => fetch(`${base}/webhooks/CLIENT_SYNC_MESSAGE_STATUS`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tenant.ingestKey}` },
      body: statusSyncBody([{ messageId: '3EB0GATE0001', status: 2 }]),
    });
    const msgSync = () => fetch(`${base}/webhooks/MSG_SYNC_MESSAGE`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: msgSyncBody(t.tenant, [msgSyncItem('3EB0GATE0002', 1)]) });

    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 503);
    assert.match(((await ready.json()) as { reason: string }).reason, new RegExp(`^migrations not applied: ${newest.migration_name}$`));
    const refused = await graphql();
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '5');
    const body = (await refused.json()) as { errors: { extensions: { code: string } }[] };
    assert.equal(body.errors[0]!.extensions.code, 'SERVICE_UNAVAILABLE');
    for (const res of [await webhook(), await msgSync()]) {
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { code: number }).code, 503);
    }
    assert.equal((await q(`SELECT count(*)::int AS n FROM "Message" WHERE "whatsMessageId" = '3EB0GATE0002'`)).rows[0].n, 0, 'nothing stored while held');

    // Applied by someone else (its record back): served within the check interval, no restart.
    await q('INSERT INTO _prisma_migrations SELECT * FROM json_populate_record(NULL::_prisma_migrations, $1::json)', [JSON.stringify(newest)]);
    const since = Date.now();
    while ((await fetch(`${base}/readyz`)).status !== 200 || (await graphql()).status !== 200) {
      assert.ok(Date.now() - since < 15_000, 'served again within 15 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    const served = (await (await graphql()).json()) as { data: { messages: { totalCount: number } } };
    assert.equal(typeof served.data.messages.totalCount, 'number');
    assert.equal((await msgSync()).status, 200);
    assert.equal((await q(`SELECT count(*)::int AS n FROM "Message" WHERE "whatsMessageId" = '3EB0GATE0002'`)).rows[0].n, 1);
    assert.match(server.output(), /migrations applied: serving requests/);
    assert.doesNotMatch(server.output(), /"level":50/, 'no error logged');
  } finally {
    await server?.stop();
    await t.close();
  }
});

const startupMistakes: [string, Record<string, string>, RegExp][] = [
  ['an unreachable DATABASE_URL', { DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' }, /^cannot connect to PostgreSQL at postgresql:\/\/nobody@127\.0\.0\.1:1\/none: connection refused/],
  ['a malformed DATABASE_URL', { DATABASE_URL: 'postgres//oops' }, /^DATABASE_URL is not a valid URL/],
  ['a bad port', { PORT: '99999' }, /^PORT must be a whole number from 0 to 65535, got "99999"/],
  ['an unknown time zone', { LEGACY_TIME_ZONE: 'Asia/Atlantis' }, /^LEGACY_TIME_ZONE is not a known IANA time zone: "Asia\/Atlantis"/],
];
for (const [what, env, message] of startupMistakes) {
  test(`start-up with ${what} stops with one clear log line`, embeddedOnly, async () => {
    const result = await runServerToExit({ DATA_DIR: path.join(os.tmpdir(), 'chatgraph-never'), ...env });
    assert.equal(result.code, 1);
    const lines = `${result.stdout}${result.stderr}`.trim().split('\n').filter((l) => !l.includes('npm warn'));
    assert.equal(lines.length, 1, `expected one line, got:\n${result.stdout}${result.stderr}`);
    const record = JSON.parse(lines[0]!) as { level: number; msg: string };
    assert.equal(record.level, 60, 'fatal');
    assert.match(record.msg, message);
  });
}
