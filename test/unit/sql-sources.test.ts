// The database functions have one source each, a file of prisma/sql/; the
// migrations that install them carry a copy, its {{…}} lists expanded from
// the Message column table (src/db/sql-sources.ts). A changed file or table
// without the migration carrying it, or a later migration that restates one
// of its functions by hand, fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { carriedCopy, changedSqlSources, expandSqlLists, readSqlSources } from '../../src/db/sql-sources.ts';
import { readMigrationsList } from '../../src/db/migration-files.ts';

const sources = await readSqlSources();
const migrations = (await readMigrationsList()).migrationDirectories.map((d) => ({
  name: d.path,
  sql: (d.migrationFile.content as { value: string }).value,
}));

/** The functions a script creates (or replaces), lower-cased. */
function createdFunctions(sql: string): Set<string> {
  return new Set([...sql.matchAll(/CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+"?(\w+)"?\s*\(/gi)].map((m) => m[1]!.toLowerCase()));
}

test('prisma/sql/ holds the store function, the search tokenizer and the roll-ups', () => {
  assert.deepEqual(sources.map((s) => s.file), ['prisma/sql/aggregates.sql', 'prisma/sql/search.sql', 'prisma/sql/store-batch.sql']);
  for (const s of sources) assert.ok(s.text.endsWith('\n'), `${s.file} ends with a newline (the END line follows it)`);
  assert.ok(createdFunctions(sources[2]!.text).has('chatgraph_store_batch'));
  for (const s of sources) assert.ok(!/\{\{\w+\}\}/.test(s.text), `${s.file}: every {{list}} expanded`);
});

for (const source of sources) {
  test(`the newest migration that installs a function of ${source.file} carries the file, its lists expanded`, () => {
    const functions = createdFunctions(source.text);
    assert.ok(functions.size > 0, `${source.file} creates no function`);
    for (const fn of functions) {
      const newest = migrations.filter((m) => createdFunctions(m.sql).has(fn)).at(-1);
      assert.ok(newest, `no migration installs ${fn}`);
      const copy = carriedCopy(newest.sql, source.file);
      assert.ok(copy !== null, `${newest.name} installs ${fn} but carries no copy of ${source.file} (between -- BEGIN/-- END lines)`);
      assert.ok(copy === source.text, `${source.file} changed: write the migration carrying it (npm run db:migration -- <name>)`);
      // Nothing else in that migration restates it beside the copy.
      assert.ok(!createdFunctions(newest.sql.replace(`-- BEGIN ${source.file}\n${copy}-- END ${source.file}\n`, '')).has(fn), `${newest.name} installs ${fn} twice`);
    }
  });
}

test('the generator sees nothing to write', async () => {
  assert.deepEqual((await changedSqlSources()).map((s) => s.file), []);
});

test('carriedCopy: the text between the BEGIN and END lines of that file only', () => {
  const sql = 'x;\n-- BEGIN prisma/sql/a.sql\nA1\nA2\n-- END prisma/sql/a.sql\n-- BEGIN prisma/sql/b.sql\nB\n-- END prisma/sql/b.sql\ny;\n';
  assert.equal(carriedCopy(sql, 'prisma/sql/a.sql'), 'A1\nA2\n');
  assert.equal(carriedCopy(sql, 'prisma/sql/b.sql'), 'B\n');
  assert.equal(carriedCopy(sql, 'prisma/sql/c.sql'), null);
  assert.equal(carriedCopy('-- BEGIN prisma/sql/a.sql\nunterminated\n', 'prisma/sql/a.sql'), null);
});

test('changedSqlSources: a file no migration carries, or whose newest copy differs, is written again', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chatgraph-sql-sources-'));
  try {
    const write = (name: string, sql: string) => {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, 'migration.sql'), sql);
    };
    write('20260101000000_one', '-- BEGIN prisma/sql/a.sql\nold\n-- END prisma/sql/a.sql\n-- BEGIN prisma/sql/b.sql\nsame\n-- END prisma/sql/b.sql\n');
    write('20260102000000_two', '-- BEGIN prisma/sql/a.sql\nnew\n-- END prisma/sql/a.sql\n');
    const files = [
      { file: 'prisma/sql/a.sql', text: 'new\n' },
      { file: 'prisma/sql/b.sql', text: 'same\n' },
      { file: 'prisma/sql/c.sql', text: 'fresh\n' },
    ];
    assert.deepEqual((await changedSqlSources(dir, files)).map((s) => s.file), ['prisma/sql/c.sql']);
    files[0]!.text = 'newer\n';
    files[1]!.text = 'changed\n';
    assert.deepEqual((await changedSqlSources(dir, files)).map((s) => s.file), ['prisma/sql/a.sql', 'prisma/sql/b.sql', 'prisma/sql/c.sql']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('expandSqlLists: one line, one item a line, or wrapped under where the list stood; an unknown list is an error', () => {
  const lists = {
    a: { items: ['x INT', 'y TEXT'], layout: 'line' as const },
    b: { items: ['r->>0', 'r->>1'], layout: 'lines' as const },
    c: { items: Array.from({ length: 30 }, (_, i) => `"column${i}"`), layout: 'wrap' as const },
  };
  assert.equal(expandSqlLists('T (n INT, {{a}})', 'f.sql', lists), 'T (n INT, x INT, y TEXT)');
  assert.equal(expandSqlLists('SELECT o,\n       {{b}}\n', 'f.sql', lists), 'SELECT o,\n       r->>0,\n       r->>1\n');
  const wrapped = expandSqlLists('    ({{c}})', 'f.sql', lists).split('\n');
  assert.ok(wrapped.length > 1 && wrapped.every((l) => l.length <= 120), wrapped.join('\n'));
  assert.ok(wrapped.slice(1).every((l) => l.startsWith('     "')), 'continuation lines start under the list');
  assert.equal(wrapped.join(' ').replace(/\s+/g, ' '), ` (${lists.c.items.join(', ')})`);
  assert.throws(() => expandSqlLists('{{nope}}', 'prisma/sql/x.sql', lists), /prisma\/sql\/x\.sql: no generated list \{\{nope\}\}/);
});
