// Where the time of the write path goes inside PostgreSQL: stores MSG_SYNC
// batches of the dataset in-process through IngestService (no HTTP), with
// pg_stat_statements tracking the statements inside chatgraph_store_batch,
// and prints, per inner statement, calls, time per batch and share — beside
// the Node process's CPU and the machine's.
//
//   npx tsx bench/profile-ingest.ts --database-url postgresql://postgres@127.0.0.1:55432/bench_ingest_profile \
//       [--prefill 50000] [--messages 20000] [--concurrency 8] [--batch-size 50] [--statuses] [--keep]
//
// --prefill stores that many messages first (untimed, not profiled), so that
// the profiled ones meet tables of a realistic size. The database is dropped
// and re-created; the server needs pg_stat_statements in
// shared_preload_libraries (the profile says so when it is missing).
// Other work on the machine skews the figures.
import pg from 'pg';
import { openDatabase } from '../src/db/database.ts';
import { createLocalPubSub } from '../src/events/pubsub.ts';
import { createLogger } from '../src/log.ts';
import { IngestService } from '../src/ingest/service.ts';
import { normaliseMsgSync, readMsgSyncEnvelope } from '../src/ingest/msg-sync.ts';
import { normaliseStatusSync } from '../src/ingest/status-sync.ts';
import type { LosslessJsonValue } from '../src/domain/lossless-json.ts';
import { createDataset, type AnyBatch } from '../src/demo/dataset.ts';
import { ensureTenants, LEGACY_TIME_ZONE } from './load.ts';
import { dropDatabase, fmtInt, freshDatabase, intArg, machineBusySeconds, nodeCpu, parseArgs, seconds } from './support.ts';

const USAGE = 'usage: npx tsx bench/profile-ingest.ts --database-url URL [--prefill N] [--messages N] [--concurrency C] [--batch-size N] [--statuses] [--keep]';

/** A short name for an inner statement: its first words and the table it writes or reads. */
function label(sql: string): string {
  const s = sql.replace(/--[^\n]*\n/g, ' ').replace(/\s+/g, ' ').trim();
  const head = /^(INSERT INTO "?\w+"?|UPDATE "?\w+"?|DELETE FROM "?\w+"?|SELECT \w+|WITH \w+)/i.exec(s)?.[1] ?? s.slice(0, 30);
  const writes = /\b(INSERT INTO|UPDATE|DELETE FROM) "?(\w+)"?/i.exec(s);
  return head.startsWith('WITH') && writes ? `${head} … ${writes[1]} "${writes[2]}"` : head;
}

async function main(): Promise<void> {
  const { values, flags } = parseArgs(process.argv.slice(2), { values: ['database-url', 'messages', 'concurrency', 'prefill', 'batch-size'], flags: ['statuses', 'keep'] }, USAGE);
  const url = values.get('database-url');
  if (!url) throw new Error(USAGE);
  const messages = intArg(values, 'messages', 20_000);
  const prefill = intArg(values, 'prefill', 0, 0);
  const concurrency = intArg(values, 'concurrency', 8);
  const batchSize = intArg(values, 'batch-size', 50);
  await freshDatabase(url);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  // Inner statements of the function are tracked only with track = all: set for every later connection to the database.
  await admin.query(`ALTER DATABASE "${(await admin.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d}" SET pg_stat_statements.track = 'all'`);
  const db = await openDatabase({ databaseUrl: url, dataDir: '', databasePoolSize: concurrency + 2, migrateOnStart: true });
  try {
    const available = (await admin.query(`SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'`)).rowCount
      || (await admin.query(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`).then(() => 1, () => 0));
    if (!available) throw new Error('pg_stat_statements is not available: add it to shared_preload_libraries and restart the server');
    const ds = createDataset({ seed: 42, messages: prefill + messages });
    await ensureTenants(db, ds);
    const ingest = new IngestService(db, createLocalPubSub(), createLogger('silent'));
    const stream: Iterator<AnyBatch> = flags.has('statuses') ? ds.mixedBatches({ kind: 'msg-sync', batchSize }) : ds.msgSyncBatches({ batchSize });

    let stored = 0;
    let statusItems = 0;
    let batches = 0;
    let normaliseMs = 0;
    const run = async (limit: number) => {
      const worker = async () => {
        while (stored < limit) {
          const r = stream.next();
          if (r.done) return;
          const b = r.value;
          const t = process.hrtime.bigint();
          if (b.kind === 'msg-sync') {
            const msgs = normaliseMsgSync(readMsgSyncEnvelope({ ...b.body, accessToken: 'x', timestamp: Date.now() } as unknown as LosslessJsonValue), LEGACY_TIME_ZONE);
            normaliseMs += Number(process.hrtime.bigint() - t) / 1e6;
            stored += msgs.length;
            await ingest.store(BigInt(b.tenantId), { messages: msgs });
          } else if (b.kind === 'status') {
            const ups = normaliseStatusSync(b.body as unknown as LosslessJsonValue, new Date());
            normaliseMs += Number(process.hrtime.bigint() - t) / 1e6;
            statusItems += ups.length;
            await ingest.store(BigInt(b.tenantId), { statusUpdates: ups });
          }
          batches++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    };

    if (prefill) {
      const t = process.hrtime.bigint();
      await run(prefill);
      console.log(`prefill: ${fmtInt(stored)} messages in ${seconds(t).toFixed(1)} s (not profiled)`);
      await admin.query('ANALYZE');
    }
    await admin.query('SELECT pg_stat_statements_reset()');
    const [stored0, status0, batches0] = [stored, statusItems, batches];
    normaliseMs = 0;
    const cpu0 = nodeCpu();
    const m0 = machineBusySeconds();
    const started = process.hrtime.bigint();
    await run(prefill + messages);
    const secs = seconds(started);
    const cpu = nodeCpu() - cpu0;
    const m1 = machineBusySeconds();
    const n = stored - stored0;
    const nb = batches - batches0;
    console.log(`${fmtInt(n)} messages + ${fmtInt(statusItems - status0)} status updates in ${fmtInt(nb)} calls, ${secs.toFixed(1)} s, ${fmtInt(n / secs)} msg/s, concurrency ${concurrency}`);
    console.log(`CPU: node ${(cpu * 1e6 / n).toFixed(0)} µs/msg (normalising ${(normaliseMs * 1e3 / n).toFixed(0)}), machine ${m0 === null || m1 === null ? '–' : ((m1 - m0) * 1e6 / n).toFixed(0)} µs/msg`);

    const { rows } = await admin.query<{ query: string; calls: string; total: number; rows: string; toplevel: boolean }>(
      `SELECT query, calls, total_exec_time + total_plan_time AS total, rows, toplevel
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = current_database() ORDER BY total DESC`,
    );
    const top = rows.filter((r) => r.toplevel && /chatgraph_store_batch/.test(r.query)).reduce((a, r) => a + r.total, 0);
    const inner = rows.filter((r) => !r.toplevel);
    console.log(`chatgraph_store_batch: ${(top / nb).toFixed(2)} ms per call (wall inside PostgreSQL, waits included)`);
    console.log('inner statement'.padEnd(60) + 'calls'.padStart(8) + 'rows/call'.padStart(11) + 'ms/call'.padStart(9) + 'ms/batch'.padStart(10) + 'share'.padStart(8));
    for (const r of inner.slice(0, 20)) {
      const calls = Number(r.calls);
      console.log(
        label(r.query).slice(0, 58).padEnd(60) + fmtInt(calls).padStart(8) + (Number(r.rows) / calls).toFixed(1).padStart(11) + (r.total / calls).toFixed(3).padStart(9) +
          (r.total / nb).toFixed(3).padStart(10) + `${((100 * r.total) / top).toFixed(1)}%`.padStart(8),
      );
    }
  } finally {
    await admin.end();
    await db.close();
    if (!flags.has('keep')) await dropDatabase(url);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
