// A fresh, migrated database for one test file: a copy of the migrated PGlite
// template (embedded run) or a new database cloned from the migrated template
// database (PostgreSQL run). See scripts/test.ts.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.ts';

export const testTarget: 'pglite' | 'postgres' = process.env.TEST_TARGET === 'postgres' ? 'postgres' : 'pglite';

export interface TestDatabase {
  readonly db: Database;
  /** The connection string of this database (for a second server process). */
  readonly url: string | null;
  readonly dataDir: string | null;
  close(): Promise<void>;
}

/**
 * A new database on the TEST_DATABASE_URL server, a copy of the migrated
 * template when the runner made one (TEST_PG_TEMPLATE_DB); `drop` removes it.
 */
export async function createPostgresTestDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_TARGET=postgres needs TEST_DATABASE_URL');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const template = process.env.TEST_PG_TEMPLATE_DB;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = new pg.Client({ connectionString: base });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

export async function openTestDatabase(poolSize = 4): Promise<TestDatabase> {
  if (testTarget === 'postgres') {
    const created = await createPostgresTestDatabase('cg_t');
    const db = await openDatabase({
      databaseUrl: created.url,
      dataDir: '',
      databasePoolSize: poolSize,
      migrateOnStart: !process.env.TEST_PG_TEMPLATE_DB,
    });
    return {
      db,
      url: created.url,
      dataDir: null,
      async close() {
        await db.close();
        await created.drop();
      },
    };
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chatgraph-test-'));
  const template = process.env.TEST_PGLITE_TEMPLATE;
  if (template) cpSync(template, path.join(dataDir, 'pglite'), { recursive: true });
  const db = await openDatabase({ databaseUrl: null, dataDir, databasePoolSize: poolSize, migrateOnStart: !template });
  return {
    db,
    url: null,
    dataDir,
    async close() {
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
