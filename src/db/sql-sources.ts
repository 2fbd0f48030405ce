// The database functions, which schema.prisma cannot describe, have one
// source each under prisma/sql/; a migration installs them by carrying a
// copy of the file between `-- BEGIN <file>` and `-- END <file>` lines, and
// createMigration writes the next one when a file changed. A file's
// `{{name}}` lists are generated (the Message column table,
// src/domain/message-columns.ts): the copy carries them expanded.
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { messageRowSqlLists, type SqlListLayout } from '../domain/message-columns.ts';
import { migrationsDir, readMigrationsList } from './migration-files.ts';
import { resource } from '../paths.ts';

export const sqlSourcesDir = resource('prisma/sql');

/** A file of prisma/sql/: `file` as the markers name it (`prisma/sql/x.sql`), `text` with its lists expanded. */
export interface SqlSource {
  file: string;
  text: string;
}

/** The files of prisma/sql/, their {{name}} lists expanded: what a migration carries. */
export async function readSqlSources(dir = sqlSourcesDir): Promise<SqlSource[]> {
  const names = existsSync(dir) ? (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort() : [];
  return Promise.all(
    names.map(async (n) => {
      const file = `prisma/sql/${n}`;
      return { file, text: expandSqlLists(await readFile(path.join(dir, n), 'utf8'), file) };
    }),
  );
}

/** Lines of a wrapped list stop before this column. */
const WRAP_AT = 120;

/**
 * Replaces each `{{name}}` with the generated list of that name (one line,
 * one item a line, or wrapped), continuation lines indented to where the
 * placeholder stood. An unknown name is an error naming the file.
 */
export function expandSqlLists(text: string, file: string, lists = messageRowSqlLists()): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_match, name: string, offset: number) => {
    const list = lists[name];
    if (!list) throw new Error(`${file}: no generated list {{${name}}} (known: ${Object.keys(lists).join(', ')})`);
    const column = offset - (text.lastIndexOf('\n', offset - 1) + 1);
    return layOut(list.items, list.layout, column);
  });
}

function layOut(items: readonly string[], layout: SqlListLayout, column: number): string {
  const indent = ' '.repeat(column);
  if (layout === 'line') return items.join(', ');
  if (layout === 'lines') return items.join(`,\n${indent}`);
  const lines: string[] = [];
  let line = '';
  items.forEach((item, i) => {
    const piece = i < items.length - 1 ? `${item},` : item;
    if (line && column + line.length + 1 + piece.length > WRAP_AT) {
      lines.push(line);
      line = piece;
    } else {
      line = line ? `${line} ${piece}` : piece;
    }
  });
  lines.push(line);
  return lines.join(`\n${indent}`);
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
