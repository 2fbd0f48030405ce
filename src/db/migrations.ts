// Migrations are committed SQL under prisma/migrations/<timestamp>_<name>/,
// applied by Prisma's own schema engine compiled to WebAssembly (the native
// engine cannot be downloaded here). Its `_prisma_migrations` bookkeeping is
// Prisma's, so `prisma migrate deploy` agrees with it where the native engine exists.
//
// The database functions, which schema.prisma cannot describe, have one
// source each under prisma/sql/; a migration installs them by carrying a
// copy of the file between `-- BEGIN <file>` and `-- END <file>` lines, and
// createMigration writes the next one when a file changed.
//
// A migration is never edited once applied: applyMigrations (the start-up,
// `chatgraph migrate`, `npm run db:migrate`) and openDatabase refuse a
// database that recorded another checksum for one (checkMigrationHistory).
// Each migration runs as one simple-protocol script, which PostgreSQL runs as
// one transaction: a failing one leaves nothing behind, and is recorded as
// rolled back so that the next start tries it again once fixed.
import { createHash } from 'node:crypto';
import { readFile, readdir, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import { startEmbeddedPostgres } from './embedded.ts';
import { resource } from '../paths.ts';

export const schemaPath = resource('prisma/schema.prisma');
export const migrationsDir = resource('prisma/migrations');
export const sqlSourcesDir = resource('prisma/sql');
const filters = { externalTables: [], externalEnums: [] };

let wasmLoaded = false;
/** The engine reports a Rust panic's message here before throwing. */
let lastPanic = '';
function loadWasm(): void {
  if (wasmLoaded) return;
  (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = {
    set_message: (message: string) => {
      lastPanic = message;
      if (process.env.DEBUG_SCHEMA_ENGINE) process.stderr.write(`schema engine panic: ${message}\n`);
    },
  };
  // Node 20 cannot import a .wasm module: instantiate it by hand.
  const require = createRequire(import.meta.url);
  const wasmPath = path.join(
    path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')),
    'schema_engine_bg.wasm',
  );
  const bytes = require('node:fs').readFileSync(wasmPath);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    './schema_engine_bg.js': bg as unknown as WebAssembly.ModuleImports,
  });
  (bg as unknown as { __wbg_set_wasm(e: unknown): void }).__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start(): void }).__wbindgen_start();
  wasmLoaded = true;
}

export async function readSchema(): Promise<string> {
  return readFile(schemaPath, 'utf8');
}

export async function readMigrationsList(dir = migrationsDir): Promise<MigrationList> {
  const entries = existsSync(dir) ? await readdir(dir, { withFileTypes: true }) : [];
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const lockPath = path.join(dir, 'migration_lock.toml');
  return {
    baseDir: dir,
    lockfile: {
      path: 'migration_lock.toml',
      content: existsSync(lockPath) ? await readFile(lockPath, 'utf8') : null,
    },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      dirs.map(async (name) => ({
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: { tag: 'ok' as const, value: await readFile(path.join(dir, name, 'migration.sql'), 'utf8') },
        },
      })),
    ),
  } as MigrationList;
}

interface EngineTarget {
  /** The database the engine migrates. */
  connectionString: string;
  /** A separate database the engine may wipe (needed by diff-from-migrations and createMigration). */
  shadowConnectionString?: string;
}

/**
 * The engine reads the catalog, where columns of PostgreSQL's one-byte `"char"`
 * type (OID 18, e.g. pg_constraint.contype) appear; adapter-pg 7.10.0 refuses
 * that type. Inside the migration engine only, such columns are fetched as
 * text, marked in their name, and handed to the engine as Character columns.
 */
const CHAR_MARK = '\u0000char';
const CHARACTER_COLUMN = 6; // ColumnTypeEnum.Character in @prisma/driver-adapter-utils

class CatalogClient extends pg.Client {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const markChars = (res: pg.QueryResult | undefined) => {
      for (const field of res?.fields ?? []) {
        if (field.dataTypeID === 18) {
          field.dataTypeID = 25;
          field.name += CHAR_MARK;
        }
      }
      return res;
    };
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last];
      args[last] = (err: Error | null, res: pg.QueryResult) => callback(err, markChars(res));
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    return result instanceof Promise ? result.then(markChars) : result;
  }
}

interface ResultSet { columnNames: string[]; columnTypes: number[] }

function withCharColumns<T extends object>(queryable: T): T {
  return new Proxy(queryable, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === 'queryRaw') {
        return async (...args: unknown[]) => {
          const result = (await (value as (...a: unknown[]) => Promise<ResultSet>).apply(target, args));
          result.columnNames.forEach((name, i) => {
            if (name.endsWith(CHAR_MARK)) {
              result.columnNames[i] = name.slice(0, -CHAR_MARK.length);
              result.columnTypes[i] = CHARACTER_COLUMN;
            }
          });
          return result;
        };
      }
      if (prop === 'executeScript') {
        // adapter-pg splits a script on every ";", even inside a function
        // body or a comment: send it whole, as one simple-protocol query
        // (which PostgreSQL also runs as one transaction).
        const adapter = target as unknown as { client: pg.Pool; onError(err: unknown): never };
        return async (script: string) => {
          try {
            await adapter.client.query(script);
          } catch (err) {
            adapter.onError(err);
          }
        };
      }
      if (prop === 'startTransaction') {
        return async (...args: unknown[]) => withCharColumns(await (value as (...a: unknown[]) => Promise<object>).apply(target, args));
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function enginePool(connectionString: string): pg.Pool {
  return new pg.Pool({ connectionString, max: 2, Client: CatalogClient as typeof pg.Client });
}

async function withEngine<T>(target: EngineTarget, run: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  loadWasm();
  const pools = [enginePool(target.connectionString)];
  if (target.shadowConnectionString) pools.push(enginePool(target.shadowConnectionString));
  const main = new PrismaPg(pools[0]!);
  const shadow = pools[1] ? new PrismaPg(pools[1]) : null;
  const factory = {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: async () => withCharColumns(await main.connect()),
    connectToShadowDb: async () => {
      if (!shadow) throw new Error('this operation needs a shadow database');
      return withCharColumns(await shadow.connect());
    },
  };
  const schema = await readSchema();
  const log = () => {};
  const engine = (await (bg as unknown as { SchemaEngine: typeof import('@prisma/schema-engine-wasm').SchemaEngine })
    .SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, log, bindMigrationAwareSqlAdapterFactory(factory as never)));
  try {
    return await run(engine);
  } catch (err) {
    if (lastPanic) {
      const message = `schema engine panicked: ${lastPanic}`;
      lastPanic = '';
      throw new Error(message, { cause: err });
    }
    throw err;
  } finally {
    engine.free();
    await Promise.all(pools.map((p) => p.end()));
  }
}

/** The database's migration history disagrees with prisma/migrations/ (an edited migration, a failed one). One line. */
export class MigrationHistoryError extends Error {
  override name = 'MigrationHistoryError';
}

/** A migration failed; its transaction rolled back. One line. */
export class MigrationFailedError extends Error {
  override name = 'MigrationFailedError';
}

/** What Prisma records as a migration's checksum: the SHA-256 of its file, in hex. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

/**
 * Checksums a migration was applied with before it was edited (before
 * migrations were refused when edited), kept for edits whose every change
 * later migrations make again: a database applied with them is accepted.
 */
const SUPERSEDED_CHECKSUMS: Readonly<Record<string, readonly string[]>> = {
  // Edited twice after commit (f6a8f8c, e6415cf): the body of
  // chatgraph_store_batch and its ALTER FUNCTION settings, which every later
  // store-batch migration installs again whole.
  '20261124000000_store_batch_resolve_once': [
    '57632eb6fc610ee11253b8f488b7c8a59d0ab4821e5bbf04e1b1537f2a4b5d7c',
    'cb59fe7001db45478dd74bd6bcedc9a535cfabc4cd41cb63a35c465d14128d69',
  ],
};

interface HistoryRow {
  migration_name: string;
  checksum: string;
  started_at: Date;
  finished_at: Date | null;
  logs: string | null;
}

type Queryable = Pick<pg.ClientBase, 'query'>;

/** The line of a failed migration's log that says why (the engine writes its error there). */
function failureOf(logs: string | null): string {
  const lines = (logs ?? '').split('\n');
  return (lines.find((l) => l.startsWith('Error querying the database: '))?.slice(29) ?? lines[0]) || 'no reason recorded';
}

/**
 * Refuses a database whose history disagrees with the migrations here: an
 * applied migration whose file changed since (its checksum differs), or one
 * that started and never finished. Migrations the database has and this
 * code lacks are fine (a newer release migrated it: rolling upgrades).
 */
export async function checkMigrationHistory(db: Queryable, dir = migrationsDir): Promise<void> {
  let rows: HistoryRow[];
  try {
    ({ rows } = await db.query<HistoryRow>(
      `SELECT migration_name, checksum, started_at, finished_at, logs FROM _prisma_migrations
        WHERE rolled_back_at IS NULL ORDER BY started_at, migration_name`,
    ));
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return; // an empty database
    throw err;
  }
  const unfinished = rows.find((r) => r.finished_at === null);
  if (unfinished) {
    throw new MigrationHistoryError(
      `migration ${unfinished.migration_name} started at ${unfinished.started_at.toISOString()} and never finished (${failureOf(unfinished.logs)}): ` +
        `a migration runs as one transaction, so unless the process stopped between its commit and its record nothing of it is left; ` +
        `check, then mark it rolled back (UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '${unfinished.migration_name}' AND finished_at IS NULL) and start again`,
    );
  }
  const edited: { row: HistoryRow; path: string }[] = [];
  for (const row of rows) {
    const file = path.join(dir, row.migration_name, 'migration.sql');
    if (!existsSync(file)) continue;
    const checksum = migrationChecksum(await readFile(file, 'utf8'));
    if (checksum !== row.checksum && !SUPERSEDED_CHECKSUMS[row.migration_name]?.includes(row.checksum)) edited.push({ row, path: file });
  }
  if (edited.length) {
    const [{ row }] = edited as [(typeof edited)[0]];
    const more = edited.length > 1 ? ` (and ${edited.length - 1} more: ${edited.slice(1).map((e) => e.row.migration_name).join(', ')})` : '';
    throw new MigrationHistoryError(
      `migration ${row.migration_name} was edited after this database applied it on ${row.finished_at!.toISOString()}${more}: ` +
        `restore prisma/migrations/${row.migration_name}/migration.sql as it was (git log -p -- that file) and make the change in a new migration (npm run db:migration -- <name>)`,
    );
  }
}

/**
 * Applies every migration not yet applied, after checkMigrationHistory;
 * returns the names applied now. A migration that fails is recorded as
 * rolled back (its one transaction was) and reported as MigrationFailedError.
 */
export async function applyMigrations(connectionString: string, dir = migrationsDir): Promise<string[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await checkMigrationHistory(client, dir);
    const migrationsList = await readMigrationsList(dir);
    try {
      return await withEngine({ connectionString }, async (engine) => {
        const out = await engine.applyMigrations({ migrationsList, filters });
        return out.appliedMigrationNames;
      });
    } catch (err) {
      // The engine recorded the failure (its error in `logs`) and would
      // refuse every later start until someone marks it rolled back, as
      // `prisma migrate resolve --rolled-back` does: the script ran as one
      // transaction, so it did roll back.
      const { rows } = await client.query<HistoryRow>(
        `UPDATE _prisma_migrations SET rolled_back_at = now()
          WHERE finished_at IS NULL AND rolled_back_at IS NULL AND logs IS NOT NULL
          RETURNING migration_name, checksum, started_at, finished_at, logs`,
      ).catch(() => ({ rows: [] as HistoryRow[] }));
      const [failed] = rows;
      if (!failed) throw err;
      throw new MigrationFailedError(
        `migration ${failed.migration_name} failed and was rolled back, nothing of it applied (${failureOf(failed.logs)}): fix it and start again`,
        { cause: err },
      );
    }
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs `fn` with a throwaway in-memory PGlite as the shadow database. */
async function withMemoryShadow<T>(fn: (shadowUrl: string, mainUrl: string) => Promise<T>): Promise<T> {
  const shadow = await startEmbeddedPostgres(null, 4);
  const main = await startEmbeddedPostgres(null, 4);
  try {
    return await fn(shadow.url, main.url);
  } finally {
    await Promise.all([shadow.stop(), main.stop()]);
  }
}

/** The SQL that would bring the migrations up to schema.prisma; empty when they agree. */
export async function diffMigrationsToSchema(): Promise<string> {
  const migrationsList = await readMigrationsList();
  const schema = await readSchema();
  return withMemoryShadow((shadowUrl, mainUrl) =>
    withEngine({ connectionString: mainUrl, shadowConnectionString: shadowUrl }, async (engine) => {
      const result = await engine.diff({
        from: { tag: 'migrations', ...migrationsList },
        to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schema }] },
        script: true,
        exitCode: null,
        filters,
      });
      const sql = result.stdout ?? '';
      return sql.includes('-- This is an empty migration.') ? '' : sql.trim();
    }),
  );
}

/** A file of prisma/sql/: `file` as the markers name it (`prisma/sql/x.sql`). */
export interface SqlSource {
  file: string;
  text: string;
}

export async function readSqlSources(dir = sqlSourcesDir): Promise<SqlSource[]> {
  const names = existsSync(dir) ? (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort() : [];
  return Promise.all(names.map(async (n) => ({ file: `prisma/sql/${n}`, text: await readFile(path.join(dir, n), 'utf8') })));
}

/** The copy of `file` a migration carries between its BEGIN and END lines; null when it carries none. */
export function carriedCopy(migrationSql: string, file: string): string | null {
  const begin = `-- BEGIN ${file}\n`;
  const end = `-- END ${file}\n`;
  const from = migrationSql.indexOf(begin);
  if (from < 0) return null;
  const to = migrationSql.indexOf(end, from + begin.length);
  return to < 0 ? null : migrationSql.slice(from + begin.length, to);
}

/** The sources whose text differs from the copy in the newest migration carrying them (or that none carries). */
export async function changedSqlSources(dir = migrationsDir, sources?: SqlSource[]): Promise<SqlSource[]> {
  const list = await readMigrationsList(dir);
  const scripts = list.migrationDirectories.map((d) => (d.migrationFile.content as { value: string }).value).reverse();
  return (sources ?? (await readSqlSources())).filter((source) => {
    for (const sql of scripts) {
      const copy = carriedCopy(sql, source.file);
      if (copy !== null) return copy !== source.text;
    }
    return true;
  });
}

/** A migration's folder name: the UTC clock at creation (yyyymmddhhmmss), then the name. */
export function migrationFolderName(name: string, now = new Date()): string {
  return `${now.toISOString().replace(/\D/g, '').slice(0, 14)}_${name}`;
}

/**
 * Writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that
 * brings the existing migrations up to schema.prisma, then a copy of every
 * prisma/sql/ file that changed since the newest migration carrying it.
 * Returns its directory, or null when there is nothing to migrate. A change
 * that CREATE OR REPLACE cannot make (a function's arguments or result
 * type) needs its DROP FUNCTION added above the copy before committing.
 */
export async function createMigration(name: string): Promise<string | null> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`migration name "${name}" must be lower_snake_case`);
  const sql = await diffMigrationsToSchema();
  const sources = await changedSqlSources();
  if (!sql && !sources.length) return null;
  const parts = [sql, ...sources.map((s) => `-- BEGIN ${s.file}\n${s.text}${s.text.endsWith('\n') ? '' : '\n'}-- END ${s.file}`)];
  const dir = path.join(migrationsDir, migrationFolderName(name));
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'migration.sql'), parts.filter(Boolean).join('\n\n') + '\n');
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  if (!existsSync(lockPath)) {
    await writeFile(
      lockPath,
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    );
  }
  return dir;
}
