// Migration folders are named from the clock at their creation
// (migrationFolderName), so that a new one sorts after every other: none is
// dated in the future or after the commit that added it. Each is one
// transaction when applied: none controls transactions itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { migrationFolderName, migrationsDir } from '../../src/db/migration-files.ts';

const folders = readdirSync(migrationsDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

/** The UTC instant a folder name says, or null when it says none. */
function stampOf(folder: string): Date | null {
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)_[a-z0-9_]+$/.exec(folder);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // 20261341… would roll over into another date: not a clock reading.
  return date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && date.getUTCHours() === h && date.getUTCMinutes() === mi ? date : null;
}

/**
 * Folders dated after the commit that added them, from before this test:
 * each sorted after migrations written later, elsewhere, that it preceded.
 * Kept as they are (a migration is never renamed once applied).
 */
const DATED_AFTER_COMMIT = new Set([
  '20261121230000_store_batch_function',
  '20261121234500_store_batch_key_lookups',
  '20261123000000_store_batch_positional_rows',
  '20261124000000_store_batch_resolve_once',
  '20261124100000_message_without_tenant_fk',
]);

test('every migration folder is <yyyymmddhhmmss>_<snake_case_name> with a migration.sql, its time a real one, none twice', () => {
  assert.ok(folders.length > 10);
  for (const folder of folders) {
    assert.ok(stampOf(folder), `${folder}: not <yyyymmddhhmmss>_<lower_snake_case> with a valid UTC time`);
    assert.ok(existsSync(path.join(migrationsDir, folder, 'migration.sql')), `${folder} has no migration.sql`);
  }
  const stamps = folders.map((f) => f.slice(0, 14));
  assert.equal(new Set(stamps).size, stamps.length, 'two migrations share a time: their order would depend on their names');
});

test('no migration folder is dated in the future (a migration written now must sort after all of them)', () => {
  const now = new Date();
  const next = migrationFolderName('next', now);
  for (const folder of folders) {
    assert.ok(stampOf(folder)!.getTime() <= now.getTime(), `${folder} is dated after now (${now.toISOString()})`);
    assert.ok(folder < next, `${folder} sorts after a migration written now (${next})`);
  }
  assert.equal(migrationFolderName('add_x', new Date('2026-12-05T07:08:09.999Z')), '20261205070809_add_x');
});

test('no migration folder is dated after the commit that added it', (t) => {
  let log: string;
  try {
    log = execFileSync('git', ['log', '--diff-filter=A', '--format=%cI', '--name-only', '--', 'prisma/migrations'], {
      cwd: path.resolve(migrationsDir, '../..'),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    t.skip('no git history here');
    return;
  }
  const committed = new Map<string, Date>();
  let at: Date | null = null;
  for (const line of log.split('\n')) {
    if (/^\d{4}-\d\d-\d\dT/.test(line)) at = new Date(line);
    const m = /^prisma\/migrations\/([^/]+)\/migration\.sql$/.exec(line);
    // The log is newest first: the last commit seen adding a file is the first that did.
    if (m && at) committed.set(m[1]!, at);
  }
  assert.ok(committed.size > 0, 'git knows no migration');
  for (const folder of folders) {
    const when = committed.get(folder);
    if (!when || DATED_AFTER_COMMIT.has(folder)) continue; // not committed yet: the test above covers it
    assert.ok(stampOf(folder)!.getTime() <= when.getTime(), `${folder} is dated after its commit (${when.toISOString()})`);
  }
  for (const folder of DATED_AFTER_COMMIT) assert.ok(folders.includes(folder), `${folder} is gone: drop it from the list`);
});

test('no migration begins, commits or rolls back a transaction itself (each is applied as one)', () => {
  for (const folder of folders) {
    const sql = readFileSync(path.join(migrationsDir, folder, 'migration.sql'), 'utf8');
    // A statement of its own, not PL/pgSQL's BEGIN … END block (which has no semicolon after BEGIN).
    const control = /^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK)\s*;/im.exec(sql.replace(/\$(\w*)\$[\s\S]*?\$\1\$/g, ''));
    assert.equal(control, null, `${folder}: "${control?.[0].trim()}" would end the migration's transaction`);
  }
});
