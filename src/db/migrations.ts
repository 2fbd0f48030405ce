// Migrations are committed SQL under prisma/migrations/<timestamp>_<name>/
// (migration-files.ts), applied by Prisma's schema engine (schema-engine.ts).
// The database functions have one source each under prisma/sql/, which a
// migration carries a copy of (sql-sources.ts); createMigration writes the
// next migration from schema.prisma and the changed sources.
//
// A migration is never edited once applied: applyMigrations (the start-up,
// `chatgraph migrate`, `npm run db:migrate`) and openDatabase refuse a
// database that recorded another checksum for one (migration-history.ts).
// Each migration runs as one simple-protocol script, which PostgreSQL runs as
// one transaction: a failing one leaves nothing behind, and is recorded as
// rolled back so that the next start tries it again once fixed.
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { migrationFolderName, migrationsDir, readMigrationsList, readSchema, schemaPath } from './migration-files.ts';
import { checkMigrationHistory, failureOf, type HistoryRow } from './migration-history.ts';
import { filters, withEngine, withMemoryShadow } from './schema-engine.ts';
import { changedSqlSources } from './sql-sources.ts';

/** A migration failed; its transaction rolled back. One line. */
export class MigrationFailedError extends Error {
  override name = 'MigrationFailedError';
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
