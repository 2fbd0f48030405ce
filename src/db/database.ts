// One way to reach the database, whichever it is: embedded PGlite on a data
// directory when no DATABASE_URL is set, that PostgreSQL server otherwise.
// Both are spoken to through the same `pg` pool: Prisma (via @prisma/adapter-pg)
// for ordinary reads and writes, the pool itself for the set-based SQL of the
// hot paths.
import path from 'node:path';
import { readdir } from 'node:fs/promises';
import { existsSync, mkdirSync } from 'node:fs';
import pg from 'pg';
import { rowTypes } from './row-types.ts';
import { PreparingClient } from './prepared.ts';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { redact, type Config } from '../config.ts';
import { EmbeddedInUseError, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts';
import { applyMigrations, MigrationFailedError } from './migrations.ts';
import { checkMigrationHistory, MigrationHistoryError } from './migration-history.ts';
import { migrationsDir } from './migration-files.ts';
import { MigrationsPendingError } from './errors.ts';

export type DatabaseKind = 'embedded' | 'postgres';

export interface Database {
  readonly kind: DatabaseKind;
  /** Where it is, password redacted: for logs. */
  readonly location: string;
  readonly prisma: PrismaClient;
  readonly pool: pg.Pool;
  /** Applies pending migrations; returns the names applied now. */
  migrate(): Promise<string[]>;
  /** Null when the database answers and every migration is applied; else why not. */
  notReadyReason(): Promise<string | null>;
  /**
   * For MIGRATE_ON_START=false: null when every migration of ours is
   * applied. Else, from its answer on, the pool refuses every statement
   * (MigrationsPendingError, a 503 to clients) until a check every
   * `intervalMs` finds them all applied (`ready` resolves then); `missing`
   * names them.
   */
  holdUntilMigrated(intervalMs?: number): Promise<{ missing: string[]; ready: Promise<void> } | null>;
  close(): Promise<void>;
}

/** The database cannot be reached or used; the message is one line for the operator. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

type DatabaseOptions = Pick<Config, 'databaseUrl' | 'dataDir' | 'databasePoolSize' | 'migrateOnStart'> & Partial<Pick<Config, 'databasePreparedStatements'>>;

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedPostgres | null = null;
  let connectionString: string;
  let location: string;
  if (options.databaseUrl) {
    connectionString = options.databaseUrl;
    location = redact(options.databaseUrl);
  } else {
    const dir = path.join(options.dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    // Spare connections beyond the pool: the migration engine opens its own.
    try {
      embedded = await startEmbeddedPostgres(dir, options.databasePoolSize + 3);
    } catch (err) {
      if (err instanceof EmbeddedInUseError) throw new DatabaseUnavailableError(err.message);
      throw err;
    }
    connectionString = embedded.url;
    location = `embedded PGlite in ${dir}`;
  }

  // int8 and numeric stay strings (pg's default): ids beyond 2^53 stay exact;
  // int8, timestamptz and text[] parsed by faster equivalents (src/db/row-types.ts).
  const pool = new pg.Pool({
    connectionString,
    types: rowTypes,
    // Parameterised statements that come back are prepared once per connection
    // (src/db/prepared.ts) — not on the embedded database, whose socket server
    // runs every connection in one PGlite session (a name prepared on one
    // connection would already exist on the next).
    ...(embedded || options.databasePreparedStatements === false ? {} : { Client: PreparingClient }),
    max: options.databasePoolSize,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => {});

  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    await embedded?.stop().catch(() => {});
    throw new DatabaseUnavailableError(`cannot connect to PostgreSQL at ${location}: ${describePgError(err)}`);
  }

  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const expected = await localMigrationNames();
  /**
   * Ours not applied (finished and not rolled back) in the database; throws
   * 42P01 on an empty one. On a client taken through the pool's own connect
   * (its prototype's), which holdUntilMigrated's refusal does not cover.
   */
  const missingMigrations = async () => {
    const client = await (pg.Pool.prototype.connect as () => Promise<pg.PoolClient>).call(pool);
    let rows: { migration_name: string }[];
    try {
      ({ rows } = await client.query<{ migration_name: string }>('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL'));
    } finally {
      client.release();
    }
    const applied = new Set(rows.map((r) => r.migration_name));
    return expected.filter((name) => !applied.has(name));
  };

  const db: Database = {
    kind: embedded ? 'embedded' : 'postgres',
    location,
    prisma,
    pool,
    // Prisma's schema engine (WebAssembly, ~25 MB of RSS kept for the life of
    // the process once loaded) only when there is something to apply: a
    // restart on an up-to-date database checks the history through pg.
    async migrate() {
      const pending = await missingMigrations().catch((err) => {
        if ((err as { code?: string }).code === '42P01') return expected;
        throw err;
      });
      if (pending.length) return applyMigrations(connectionString);
      await checkMigrationHistory(pool);
      return [];
    },
    async notReadyReason() {
      try {
        const missing = await missingMigrations();
        return missing.length ? `migrations not applied: ${missing.join(', ')}` : null;
      } catch (err) {
        if ((err as { code?: string }).code === '42P01') return 'migrations not applied: the database is empty';
        return `database unreachable: ${describePgError(err)}`;
      }
    },
    async holdUntilMigrated(intervalMs = 5_000) {
      // An empty database lacks them all (42P01), as for migrate().
      const pending = () => missingMigrations().catch((err) => {
        if ((err as { code?: string }).code === '42P01') return expected;
        throw err;
      });
      let missing = await pending();
      if (!missing.length) return null;
      const refuse = (args: unknown[]): Promise<never> | undefined => {
        const error = new MigrationsPendingError(missing);
        const callback = args[args.length - 1];
        if (typeof callback !== 'function') return Promise.reject(error);
        process.nextTick(callback as (err: Error) => void, error);
        return undefined;
      };
      // Instance properties over the prototype's methods, until the check finds nothing missing.
      Object.assign(pool, { query: (...args: unknown[]) => refuse(args), connect: (...args: unknown[]) => refuse(args) });
      const ready = (async () => {
        try {
          while (missing.length && !pool.ended) {
            await new Promise((resolve) => setTimeout(resolve, intervalMs).unref());
            missing = await pending().catch(() => missing); // a failed check keeps the hold
          }
        } finally {
          delete (pool as { query?: unknown }).query;
          delete (pool as { connect?: unknown }).connect;
        }
      })();
      return { missing: [...missing], ready };
    },
    async close() {
      await prisma.$disconnect().catch(() => {});
      await pool.end().catch(() => {});
      await embedded?.stop();
    },
  };

  // A database whose applied migrations differ from ours is refused, migrating or not.
  try {
    if (options.migrateOnStart) await db.migrate();
    else await checkMigrationHistory(pool);
  } catch (err) {
    await db.close();
    if (err instanceof MigrationHistoryError || err instanceof MigrationFailedError) throw new DatabaseUnavailableError(`${location}: ${err.message}`);
    throw new DatabaseUnavailableError(`migrations failed on ${location}: ${(err as Error).message.split('\n')[0]}`);
  }
  return db;
}

async function localMigrationNames(): Promise<string[]> {
  if (!existsSync(migrationsDir)) return [];
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** One line saying why a pg call failed. */
export function describePgError(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: unknown[] };
  if (e?.errors?.length) return describePgError(e.errors[0]);
  switch (e?.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the server running and listening there?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case '28P01':
    case '28000':
      return `authentication failed (${e.message})`;
    case '3D000':
      return `database does not exist (${e.message})`;
    default:
      return e?.message?.split('\n')[0] || String(err);
  }
}
