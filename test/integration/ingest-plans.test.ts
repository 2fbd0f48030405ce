// The write path's plans stay right as the tables grow: a connection whose
// plans of chatgraph_store_batch were made on empty tables keeps storing a
// batch by reading a batch's worth of index entries, not the tenant's whole
// conversation list, once the tables grew (src/db/statistics.ts analyzes
// them; the function's lookups are unflattenable key probes).
//
// Counted, not timed: PostgreSQL's per-transaction index statistics
// (pg_stat_get_xact_tuples_returned) inside the batch's own transaction.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { openTestDatabase, type TestDatabase } from '../support/database.ts';
import { msgSyncItem } from '../support/live.ts';
import { storeJobs } from '../../src/ingest/store.ts';
import { normaliseMsgSync, readMsgSyncEnvelope } from '../../src/ingest/msg-sync.ts';
import { parseJsonLossless } from '../../src/domain/lossless-json.ts';
import { TableStatistics } from '../../src/db/statistics.ts';
import { createLogger } from '../../src/log.ts';

const TENANT = 4242n;
let tdb: TestDatabase;
let client: pg.PoolClient;

before(async () => {
  tdb = await openTestDatabase(2);
  client = await tdb.db.pool.connect();
  await client.query(`INSERT INTO "Tenant" (id, name) VALUES ($1, 'plans')`, [TENANT]);
  // Autovacuum stays out of this database's tables: an ANALYZE of its own
  // while they grow (a busy server, a short autovacuum_naptime) would leave
  // TableStatistics nothing to do and this test nothing to see.
  for (const table of ['Contact', 'Conversation', 'Message', 'PendingStatus']) {
    await client.query(`ALTER TABLE "${table}" SET (autovacuum_enabled = off)`);
  }
});

/** Makes this backend report its pending table statistics now, not within the second PostgreSQL may wait (PostgreSQL 15 and later). */
async function flushStatistics(): Promise<void> {
  const { rows } = await client.query<{ f: string | null }>(`SELECT to_regproc('pg_stat_force_next_flush')::text AS f`);
  if (rows[0]?.f) await client.query('SELECT pg_stat_force_next_flush()');
}
after(async () => {
  client?.release();
  await tdb?.close();
});

/** Batch `b` of 50 messages: 25 conversations (friends) per batch, each friend with its own contact. */
function batch(b: number, friendsFrom: number) {
  const data = Array.from({ length: 50 }, (_, i) => {
    const friend = String(447000000000 + friendsFrom + (i % 25));
    const item = msgSyncItem(`wamid.P${b}-${i}`, 2, { friend, chatTime: new Date(Date.UTC(2024, 0, 1) + b * 60_000 + i * 1000) });
    return { ...item, userProfile: { ...item.userProfile, id: 5_000_000 + friendsFrom + (i % 25), name: `Friend ${friend}` } };
  });
  const body = JSON.stringify({ accessToken: 'x', tenantId: Number(TENANT), timestamp: Date.now(), data });
  return normaliseMsgSync(readMsgSyncEnvelope(parseJsonLossless(body)), 'Asia/Shanghai');
}

/** Index entries this backend read on "Conversation" and "Contact" and has not reported yet (PostgreSQL reports them at most once a second). */
async function pendingIndexReads(): Promise<{ conversation: number; contact: number }> {
  const { rows } = await client.query<{ table: string; n: string }>(
    `SELECT t.relname AS table, sum(pg_stat_get_xact_tuples_returned(i.indexrelid)) AS n
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
      WHERE t.relname IN ('Conversation', 'Contact') AND t.relnamespace = current_schema()::regnamespace
      GROUP BY t.relname`,
  );
  const n = (table: string) => Number(rows.find((r) => r.table === table)?.n ?? 0);
  return { conversation: n('Conversation'), contact: n('Contact') };
}

/** Index entries read on "Conversation" and "Contact" while storing one batch: the difference of the counters around it, in one transaction. */
async function indexEntriesRead(messages: ReturnType<typeof batch>): Promise<{ conversation: number; contact: number }> {
  await client.query('BEGIN');
  try {
    const before = await pendingIndexReads();
    await storeJobs(client, TENANT, [{ messages, statusUpdates: [] }]);
    const after = await pendingIndexReads();
    return { conversation: after.conversation - before.conversation, contact: after.contact - before.contact };
  } finally {
    await client.query('COMMIT');
  }
}

test('a batch reads a batch\'s worth of index entries once the tables grew, on a connection that planned on empty tables', async (ctx) => {
  // Plans made now, on empty tables, on this connection.
  await storeJobs(client, TENANT, [{ messages: batch(0, 0), statusUpdates: [] }]);
  // The tables grow: 3,000 conversations and contacts (120 batches of 25 new ones).
  for (let b = 1; b <= 120; b++) await storeJobs(client, TENANT, [{ messages: batch(b, b * 25), statusUpdates: [] }]);

  const statistics = new TableStatistics(tdb.db.pool, createLogger('silent'));
  const stale = await indexEntriesRead(batch(1000, 1500));
  await flushStatistics();
  const analyzed = await statistics.check();
  ctx.diagnostic(`before the check: ${JSON.stringify(stale)} index entries read; analyzed: ${analyzed.join(', ') || 'nothing'}`);
  assert.deepEqual(analyzed, ['Contact', 'Conversation', 'Message'], 'the grown tables are analyzed');
  assert.deepEqual(await statistics.check(), [], 'nothing changed since: nothing analyzed');

  // 50 messages on 25 existing conversations and contacts: each lookup is one probe, a few per message.
  const fresh = await indexEntriesRead(batch(1001, 1500));
  ctx.diagnostic(`after the check: ${JSON.stringify(fresh)} index entries read for 50 messages`);
  assert.ok(fresh.conversation <= 50 * 6, `Conversation: ${fresh.conversation} index entries read for 50 messages (3,000 conversations stored)`);
  assert.ok(fresh.contact <= 50 * 6, `Contact: ${fresh.contact} index entries read for 50 messages (3,000 contacts stored)`);
});
