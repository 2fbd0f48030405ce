// Where the time of IngestService.store goes: wraps the pool's clients so
// every statement is timed (wall time as the client sees it, keyed by the
// statement's first words), then stores MSG_SYNC batches of the dataset
// in-process, and prints statements per batch and time per statement kind.
//
//   npx tsx bench/profile-ingest.ts --database-url postgresql://postgres@127.0.0.1:55432/bench_ingest_profile \
//       [--messages 20000] [--concurrency 1] [--statuses]
//
// The database is dropped and re-created. No source file is changed: the
// timing wraps pg's PoolClient.query from the outside.
import type pg from 'pg';
import { openDatabase, type Database } from '../src/db/database.ts';
import { createLocalPubSub } from '../src/events/pubsub.ts';
import { createLogger } from '../src/log.ts';
import { IngestService } from '../src/ingest/service.ts';
import { normaliseMsgSync, readMsgSyncEnvelope } from '../src/ingest/msg-sync.ts';
import { normaliseStatusSync } from '../src/ingest/status-sync.ts';
import type { LosslessJsonValue } from '../src/domain/lossless-json.ts';
import { createDataset, type AnyBatch } from './dataset.ts';
import { ensureTenants, LEGACY_TIME_ZONE } from './load.ts';
import { dropDatabase, fmtInt, freshDatabase, intArg, parseArgs, seconds } from './support.ts';

const USAGE = 'usage: npx tsx bench/profile-ingest.ts --database-url URL [--messages N] [--concurrency C] [--statuses] [--keep]';

function label(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  const m = /^(WITH|SELECT pg_advisory|SELECT|INSERT INTO "?\w+"?|UPDATE "?\w+"?|DELETE FROM "?\w+"?|BEGIN|COMMIT|ROLLBACK)/i.exec(s);
  let l = m ? m[1]! : s.slice(0, 30);
  if (l === 'SELECT') l += ' ' + (/FROM "?(\w+)"?/i.exec(s)?.[1] ?? '');
  if (l === 'WITH') l = 'WITH … UPDATE "Message" (applyStatuses)';
  return l;
}

async function main(): Promise<void> {
  const { values, flags } = parseArgs(process.argv.slice(2), { values: ['database-url', 'messages', 'concurrency'], flags: ['statuses', 'keep'] }, USAGE);
  const url = values.get('database-url');
  if (!url) throw new Error(USAGE);
  const messages = intArg(values, 'messages', 20_000);
  const concurrency = intArg(values, 'concurrency', 1);
  await freshDatabase(url);
  const db = await openDatabase({ databaseUrl: url, dataDir: '', databasePoolSize: concurrency + 2, migrateOnStart: true });
  const stats = new Map<string, { n: number; ms: number }>();
  let batches = 0;
  // IngestService only calls db.pool.connect(): hand it a pool whose clients time every query.
  const timedDb = {
    pool: {
      connect: async () => {
        const client = await db.pool.connect();
        if (!wrapped.has(client)) wrap(client);
        return client;
      },
    },
  } as unknown as Database;
  const wrapped = new WeakSet<object>();
  const wrap = (client: pg.PoolClient) => {
    wrapped.add(client);
    const q = client.query.bind(client) as (...a: unknown[]) => Promise<unknown>;
    (client as unknown as { query: (...a: unknown[]) => Promise<unknown> }).query = async (...args: unknown[]) => {
      const sql = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string })?.text ?? '?');
      const t = process.hrtime.bigint();
      try {
        return await q(...args);
      } finally {
        const k = label(sql);
        const s = stats.get(k) ?? { n: 0, ms: 0 };
        s.n++;
        s.ms += Number(process.hrtime.bigint() - t) / 1e6;
        stats.set(k, s);
      }
    };
  };
  try {
    const ds = createDataset({ seed: 42, messages });
    await ensureTenants(db, ds);
    const ingest = new IngestService(timedDb, createLocalPubSub(), createLogger('silent'));
    const stream: Iterator<AnyBatch> = flags.has('statuses') ? ds.mixedBatches({ kind: 'msg-sync' }) : ds.msgSyncBatches();
    let stored = 0;
    let statusItems = 0;
    let normaliseMs = 0;
    const started = process.hrtime.bigint();
    const worker = async () => {
      for (let r = stream.next(); !r.done; r = stream.next()) {
        const b = r.value;
        const t = process.hrtime.bigint();
        if (b.kind === 'msg-sync') {
          const msgs = normaliseMsgSync(readMsgSyncEnvelope({ ...b.body, accessToken: 'x', timestamp: Date.now() } as unknown as LosslessJsonValue), LEGACY_TIME_ZONE);
          normaliseMs += Number(process.hrtime.bigint() - t) / 1e6;
          await ingest.store(BigInt(b.tenantId), { messages: msgs });
          stored += msgs.length;
        } else if (b.kind === 'status') {
          const ups = normaliseStatusSync(b.body as unknown as LosslessJsonValue, new Date());
          normaliseMs += Number(process.hrtime.bigint() - t) / 1e6;
          await ingest.store(BigInt(b.tenantId), { statusUpdates: ups });
          statusItems += ups.length;
        }
        batches++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const secs = seconds(started);
    console.log(`${fmtInt(stored)} messages + ${fmtInt(statusItems)} status updates in ${fmtInt(batches)} transactions, ${secs.toFixed(1)} s, ${fmtInt(stored / secs)} msg/s, concurrency ${concurrency}`);
    console.log(`normalising (JS, in the client): ${(normaliseMs / batches).toFixed(2)} ms per batch`);
    const total = [...stats.values()].reduce((a, s) => a + s.ms, 0);
    console.log('statement'.padEnd(48) + 'count'.padStart(8) + 'per batch'.padStart(11) + 'ms each'.padStart(10) + 'ms/batch'.padStart(10) + 'share'.padStart(8));
    for (const [k, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) {
      console.log(
        k.padEnd(48) + String(s.n).padStart(8) + (s.n / batches).toFixed(2).padStart(11) + (s.ms / s.n).toFixed(2).padStart(10) + (s.ms / batches).toFixed(2).padStart(10) + `${((100 * s.ms) / total).toFixed(1)}%`.padStart(8),
      );
    }
    console.log(`all statements: ${(total / batches).toFixed(2)} ms per batch`);
  } finally {
    await db.close();
    if (!flags.has('keep')) await dropDatabase(url);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
