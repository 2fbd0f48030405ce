// Migrations are immutable and atomic (issue #20): a database that applied a
// migration since edited is refused, at start-up and by `migrate`, with one
// line; a failing migration leaves nothing behind and is tried again once
// fixed. On the database under test (PGlite, then PostgreSQL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { openDatabase, DatabaseUnavailableError } from '../../src/db/database.ts';
import { applyMigrations, MigrationFailedError } from '../../src/db/migrations.ts';
import { checkMigrationHistory, migrationChecksum, MigrationHistoryError } from '../../src/db/migration-history.ts';
import { migrationsDir } from '../../src/db/migration-files.ts';
import { createPostgresTestDatabase, testTarget } from '../support/database.ts';

/** An empty database: its URL and how to remove it. */
async function emptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (testTarget === 'pglite') {
    const embedded = await startEmbeddedPostgres(null, 6);
    return { url: embedded.url, drop: () => embedded.stop() };
  }
  const name = `cg_mig_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** A migrations folder of our own: `write(name, sql)` adds or edits one. */
function migrationsFolder() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chatgraph-migrations-'));
  cpSync(path.join(migrationsDir, 'migration_lock.toml'), path.join(dir, 'migration_lock.toml'));
  return {
    dir,
    write(name: string, sql: string) {
      mkdirSync(path.join(dir, name), { recursive: true });
      writeFileSync(path.join(dir, name, 'migration.sql'), sql);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function withScratch(run: (url: string, client: pg.Client, folder: ReturnType<typeof migrationsFolder>) => Promise<void>) {
  const db = await emptyDatabase();
  const folder = migrationsFolder();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await run(db.url, client, folder);
  } finally {
    await client.end();
    folder.remove();
    await db.drop();
  }
}

const tables = async (client: pg.Client) =>
  (await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)).rows.map((r) => r.table_name);

test('a migration edited after it was applied is refused with one line (which, since when, what to do); restored, the next applies', async () => {
  await withScratch(async (url, client, folder) => {
    folder.write('20260101000000_first', 'CREATE TABLE first_table (id int);\n');
    assert.deepEqual(await applyMigrations(url, folder.dir), ['20260101000000_first']);
    const { rows } = await client.query(`SELECT finished_at FROM _prisma_migrations WHERE migration_name = '20260101000000_first'`);
    const appliedAt = (rows[0]!.finished_at as Date).toISOString();

    folder.write('20260101000000_first', 'CREATE TABLE first_table (id int, added int);\n');
    folder.write('20260102000000_second', 'CREATE TABLE second_table (id int);\n');
    const refused = await applyMigrations(url, folder.dir).then(() => null, (err: unknown) => err);
    assert.ok(refused instanceof MigrationHistoryError, String(refused));
    assert.equal(
      refused.message,
      `migration 20260101000000_first was edited after this database applied it on ${appliedAt}: restore ` +
        'prisma/migrations/20260101000000_first/migration.sql as it was (git log -p -- that file) and make the change in a new migration (npm run db:migration -- <name>)',
    );
    assert.ok(!refused.message.includes('\n'));
    assert.deepEqual(await tables(client), ['_prisma_migrations', 'first_table'], 'nothing applied');
    await assert.rejects(checkMigrationHistory(client, folder.dir), MigrationHistoryError);

    folder.write('20260101000000_first', 'CREATE TABLE first_table (id int);\n');
    assert.deepEqual(await applyMigrations(url, folder.dir), ['20260102000000_second']);
    await checkMigrationHistory(client, folder.dir);
  });
});

test('a failing migration leaves nothing behind, is recorded as rolled back, and applies once fixed', async () => {
  await withScratch(async (url, client, folder) => {
    folder.write('20260101000000_first', 'CREATE TABLE first_table (id int);\n');
    await applyMigrations(url, folder.dir);
    folder.write(
      '20260102000000_second',
      'CREATE TABLE second_table (id int);\nINSERT INTO first_table VALUES (1);\nALTER TABLE first_table ADD COLUMN added int;\n' +
        'CREATE FUNCTION second_fn() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\nSELECT 1 / 0;\n',
    );
    const failed = await applyMigrations(url, folder.dir).then(() => null, (err: unknown) => err);
    assert.ok(failed instanceof MigrationFailedError, String(failed));
    assert.equal(failed.message, 'migration 20260102000000_second failed and was rolled back, nothing of it applied (ERROR: division by zero): fix it and start again');
    assert.deepEqual(await tables(client), ['_prisma_migrations', 'first_table']);
    assert.deepEqual((await client.query('SELECT * FROM first_table')).rows, []);
    assert.deepEqual((await client.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'first_table'`)).rows, [{ column_name: 'id' }]);
    assert.equal((await client.query(`SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'second_fn'`)).rows[0].n, 0);
    const history = await client.query(`SELECT migration_name, finished_at IS NULL AS unfinished, rolled_back_at IS NOT NULL AS rolled_back FROM _prisma_migrations ORDER BY started_at`);
    assert.deepEqual(history.rows, [
      { migration_name: '20260101000000_first', unfinished: false, rolled_back: false },
      { migration_name: '20260102000000_second', unfinished: true, rolled_back: true },
    ]);
    // The history does not stand in the way of the fixed migration (a failed one would, for Prisma).
    await checkMigrationHistory(client, folder.dir);
    folder.write('20260102000000_second', 'CREATE TABLE second_table (id int);\nINSERT INTO first_table VALUES (1);\n');
    assert.deepEqual(await applyMigrations(url, folder.dir), ['20260102000000_second']);
    assert.deepEqual(await tables(client), ['_prisma_migrations', 'first_table', 'second_table']);
    assert.deepEqual((await client.query('SELECT * FROM first_table')).rows, [{ id: 1 }]);
  });
});

test('a migration that started and never finished (a crash) is refused with the way out', async () => {
  await withScratch(async (url, client, folder) => {
    folder.write('20260101000000_first', 'CREATE TABLE first_table (id int);\n');
    await applyMigrations(url, folder.dir);
    await client.query(`UPDATE _prisma_migrations SET finished_at = NULL`);
    await assert.rejects(applyMigrations(url, folder.dir), (err: Error) => {
      assert.ok(err instanceof MigrationHistoryError);
      assert.match(err.message, /^migration 20260101000000_first started at \S+ and never finished \(no reason recorded\): .*UPDATE _prisma_migrations SET rolled_back_at = now\(\) WHERE migration_name = '20260101000000_first' AND finished_at IS NULL\) and start again$/);
      return true;
    });
  });
});

type Opened = Awaited<ReturnType<typeof openDatabase>>;

/**
 * The test database (migrated): `open` opens it as the server does, `sql`
 * runs a statement on it while it is closed; removed at the end.
 */
async function withMigratedDatabase(run: (open: (migrateOnStart: boolean) => Promise<Opened>, sql: (text: string, params?: unknown[]) => Promise<void>) => Promise<void>) {
  const options = { databasePoolSize: 2 };
  const sqlOn = async (url: string, text: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(text, params);
    } finally {
      await client.end();
    }
  };
  if (testTarget === 'postgres') {
    const created = await createPostgresTestDatabase('cg_mig');
    try {
      await run((migrateOnStart) => openDatabase({ ...options, databaseUrl: created.url, dataDir: '', migrateOnStart }), (text, params) => sqlOn(created.url, text, params));
    } finally {
      await created.drop();
    }
    return;
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chatgraph-mig-'));
  if (process.env.TEST_PGLITE_TEMPLATE) cpSync(process.env.TEST_PGLITE_TEMPLATE, path.join(dataDir, 'pglite'), { recursive: true });
  try {
    await run(
      (migrateOnStart) => openDatabase({ ...options, databaseUrl: null, dataDir, migrateOnStart }),
      async (text, params) => {
        const embedded = await startEmbeddedPostgres(path.join(dataDir, 'pglite'), 2);
        try {
          await sqlOn(embedded.url, text, params);
        } finally {
          await embedded.stop();
        }
      },
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('start-up refuses a database that applied another text of one of our migrations, migrating or not; a superseded text is accepted', async () => {
  await withMigratedDatabase(async (open, sql) => {
    await (await open(true)).close();
    await sql(`UPDATE _prisma_migrations SET checksum = repeat('0', 64) WHERE migration_name = '20261121221114_webhook_secrets'`);
    for (const migrateOnStart of [true, false]) {
      await assert.rejects(open(migrateOnStart), (err: Error) => {
        assert.ok(err instanceof DatabaseUnavailableError, String(err));
        assert.match(err.message, /: migration 20261121221114_webhook_secrets was edited after this database applied it on \d{4}-\d\d-\d\dT[\d:.]+Z: restore prisma\/migrations\/20261121221114_webhook_secrets\/migration\.sql as it was/);
        assert.ok(!err.message.includes('\n'));
        return true;
      });
    }
    // Restored, it opens. An earlier text of 20261124000000_store_batch_resolve_once (edited before edits were
    // refused; later migrations make each of its changes again) is accepted.
    const checksum = migrationChecksum(readFileSync(path.join(migrationsDir, '20261121221114_webhook_secrets', 'migration.sql'), 'utf8'));
    await sql(`UPDATE _prisma_migrations SET checksum = $1 WHERE migration_name = '20261121221114_webhook_secrets'`, [checksum]);
    await sql(`UPDATE _prisma_migrations SET checksum = '57632eb6fc610ee11253b8f488b7c8a59d0ab4821e5bbf04e1b1537f2a4b5d7c' WHERE migration_name = '20261124000000_store_batch_resolve_once'`);
    // So is the first text of 20261205011456_search_vector (its functions installed again, its vectors recomputed by 20261205073615_search_bounds).
    await sql(`UPDATE _prisma_migrations SET checksum = 'd47357353c20cc3da716a871b7642365db323ee7a691241952337ba8e01e8c60' WHERE migration_name = '20261205011456_search_vector'`);
    for (const migrateOnStart of [true, false]) {
      const db = await open(migrateOnStart);
      assert.equal(await db.notReadyReason(), null);
      await db.close();
    }
  });
});
