// A migration is never edited once applied: the start-up, `chatgraph
// migrate` and `npm run db:migrate` refuse a database that recorded another
// checksum for one, or a migration that started and never finished.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { migrationsDir } from './migration-files.ts';

/** The database's migration history disagrees with prisma/migrations/ (an edited migration, a failed one). One line. */
export class MigrationHistoryError extends Error {
  override name = 'MigrationHistoryError';
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
  // Edited twice after commit (6e5c027: WhatsApp suffixes after digits dropped
  // in chatgraph_search_normalise; d688c29: the joined number indexed whole in
  // chatgraph_search_vector): 20261205073615_search_bounds installs every
  // function of it again and recomputes every stored search vector.
  '20261205011456_search_vector': [
    'd47357353c20cc3da716a871b7642365db323ee7a691241952337ba8e01e8c60',
    '86f824405a50a12e9beab0c0918d87f9d92bf9ab5b3e12e7e1e3173537a599a8',
  ],
  // Edited once after commit (531a105: chatgraph_refresh_replies in one pass
  // per window); its first text (3a66bab) is accepted because
  // 20261205133345_refresh_replies_one_pass installs aggregates.sql again
  // whole, the edited function with it.
  '20261205072903_response_times': ['689573bce90a0ba483111777fc32d08371b7e6b820c3d05c3e13ae248821ebb1'],
};

export interface HistoryRow {
  migration_name: string;
  checksum: string;
  started_at: Date;
  finished_at: Date | null;
  logs: string | null;
}

type Queryable = Pick<pg.ClientBase, 'query'>;

/** The line of a failed migration's log that says why (the engine writes its error there). */
export function failureOf(logs: string | null): string {
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
