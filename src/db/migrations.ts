// Migrations are committed SQL under prisma/migrations/<timestamp>_<name>/,
// applied by Prisma's own schema engine compiled to WebAssembly (the native
// engine cannot be downloaded here). Its `_prisma_migrations` bookkeeping is
// Prisma's, so `prisma migrate deploy` agrees with it where the native engine exists.
//
// The database functions, which schema.prisma cannot describe, have one
// source each under prisma/sql/; a migration installs them by carrying a
// copy of the file between `-- BEGIN <file>` and `-- END <file>` lines, and
// createMigration writes the next one when a file changed.
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

/** Applies every migration not yet applied; returns the names applied now. */
export async function applyMigrations(connectionString: string, dir = migrationsDir): Promise<string[]> {
  const migrationsList = await readMigrationsList(dir);
  return withEngine({ connectionString }, async (engine) => {
    const out = await engine.applyMigrations({ migrationsList, filters });
    return out.appliedMigrationNames;
  });
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
