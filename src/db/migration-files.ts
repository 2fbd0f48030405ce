// The migration files: prisma/schema.prisma, the committed migrations under
// prisma/migrations/<timestamp>_<name>/ (in the list form Prisma's schema
// engine takes) and their folder names.
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import { resource } from '../paths.ts';

export const schemaPath = resource('prisma/schema.prisma');
export const migrationsDir = resource('prisma/migrations');

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

/** A migration's folder name: the UTC clock at creation (yyyymmddhhmmss), then the name. */
export function migrationFolderName(name: string, now = new Date()): string {
  return `${now.toISOString().replace(/\D/g, '').slice(0, 14)}_${name}`;
}
