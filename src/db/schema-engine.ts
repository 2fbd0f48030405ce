// Prisma's own schema engine compiled to WebAssembly (the native engine
// cannot be downloaded here), driven over pg: it applies migrations and
// diffs them against schema.prisma, with its `_prisma_migrations`
// bookkeeping, so `prisma migrate deploy` agrees with it where the native
// engine exists.
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';
import { startEmbeddedPostgres } from './embedded.ts';
import { readSchema, schemaPath } from './migration-files.ts';

/** No table or enum is left out of the engine's view. */
export const filters = { externalTables: [], externalEnums: [] };

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

export async function withEngine<T>(target: EngineTarget, run: (engine: SchemaEngine) => Promise<T>): Promise<T> {
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

/** Runs `fn` with a throwaway in-memory PGlite as the shadow database. */
export async function withMemoryShadow<T>(fn: (shadowUrl: string, mainUrl: string) => Promise<T>): Promise<T> {
  const shadow = await startEmbeddedPostgres(null, 4);
  const main = await startEmbeddedPostgres(null, 4);
  try {
    return await fn(shadow.url, main.url);
  } finally {
    await Promise.all([shadow.stop(), main.stop()]);
  }
}
