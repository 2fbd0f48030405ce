// src/db/prepared.ts on both databases: a parameterised statement that comes
// back is prepared on its connection and answers as before; a statement made
// stale by DDL is answered (sent unnamed from then on); parameterless texts
// (several statements) are never prepared; each text gets one name. The
// embedded database never prepares (one PGlite session under every
// connection): there, the same statements answer the same, unprepared.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestDatabase, testTarget, type TestDatabase } from '../support/database.ts';

const PREPARED = testTarget === 'postgres' ? 1 : 0;

let t: TestDatabase;
before(async () => {
  t = await openTestDatabase(1);
});
after(async () => {
  await t.close();
});

const preparedOnConnection = async (text: string) => {
  const { rows } = await t.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = $1', [text]);
  return Number(rows[0]!.n);
};

test('a parameterised statement is prepared the second time it comes, once, and answers the same', async () => {
  const text = 'SELECT $1::int + 1 AS n, $2::text AS s -- prepared-statements test';
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push((await t.db.pool.query<{ n: number; s: string }>(text, [i, `x${i}`])).rows[0]);
  assert.deepEqual(answers, [0, 1, 2, 3].map((i) => ({ n: i + 1, s: `x${i}` })));
  assert.equal(await preparedOnConnection(text), PREPARED, 'prepared once on the (only) connection');
  // The object form too.
  const objectText = 'SELECT $1::int * 2 AS n -- prepared-statements object form';
  for (let i = 0; i < 3; i++) assert.equal((await t.db.pool.query<{ n: number }>({ text: objectText, values: [i] })).rows[0]!.n, i * 2);
  assert.equal(await preparedOnConnection(objectText), PREPARED);
});

test('a prepared statement made stale by DDL is answered, unnamed from then on', async () => {
  await t.db.pool.query('CREATE TABLE prepared_probe (a int)');
  await t.db.pool.query('INSERT INTO prepared_probe VALUES (1)');
  const text = 'SELECT * FROM prepared_probe WHERE a = $1';
  for (let i = 0; i < 3; i++) assert.deepEqual((await t.db.pool.query(text, [1])).rows, [{ a: 1 }]);
  assert.equal(await preparedOnConnection(text), PREPARED);
  await t.db.pool.query('ALTER TABLE prepared_probe ADD COLUMN b int DEFAULT 7');
  assert.deepEqual((await t.db.pool.query(text, [1])).rows, [{ a: 1, b: 7 }]);
  assert.deepEqual((await t.db.pool.query(text, [1])).rows, [{ a: 1, b: 7 }]);
  await t.db.pool.query('DROP TABLE prepared_probe');
});

test('texts without parameters are never prepared (they may hold several statements)', async () => {
  const text = 'SELECT 1 AS one; SELECT 2 AS two';
  for (let i = 0; i < 3; i++) await t.db.pool.query(text);
  assert.equal(await preparedOnConnection(text), 0);
});

test('DATABASE_PREPARED_STATEMENTS=false: nothing is prepared (transaction-pooling PgBouncer)', { skip: testTarget !== 'postgres' && 'the embedded database never prepares' }, async () => {
  const { openDatabase } = await import('../../src/db/database.ts');
  const { loadConfig } = await import('../../src/config.ts');
  assert.equal(loadConfig({ DATABASE_PREPARED_STATEMENTS: 'false' }).databasePreparedStatements, false);
  const db = await openDatabase({ databaseUrl: t.url, dataDir: '', databasePoolSize: 1, migrateOnStart: false, databasePreparedStatements: false });
  try {
    const text = 'SELECT $1::int - 1 AS n -- unprepared';
    for (let i = 0; i < 3; i++) assert.equal((await db.pool.query<{ n: number }>(text, [i])).rows[0]!.n, i - 1);
    const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM pg_prepared_statements');
    assert.equal(rows[0]!.n, '0');
  } finally {
    await db.close();
  }
});
