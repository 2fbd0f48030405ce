// Loads the benchmark dataset (src/demo/dataset.ts) into a PostgreSQL database
// through the real write path, in-process: the MSG_SYNC normalisers and
// IngestService.store, plus the dataset's CLIENT_SYNC_MESSAGE_STATUS batches,
// interleaved as a CRM would push them (a status never precedes its message's
// body in the stream; with concurrency a status may still overtake it, which
// the ingest keeps as pending until the message arrives).
//
//   npx tsx bench/load.ts --database-url postgresql://postgres@127.0.0.1:55432/bench_load \
//       --messages 1000000 [--seed 42] [--concurrency 4]
//
// The database is created if missing and migrated. Resumable: a watermark (the
// last body of the stream below which every body is committed) is kept in the
// table "_bench_load"; a re-run skips the bodies below it and re-sends the rest,
// which the idempotent ingest stores once. See bench/README.md.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSecretBox } from '../src/auth/secret-box.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase, type Database } from '../src/db/database.ts';
import { createTenant } from '../src/auth/tenants.ts';
import { createLocalPubSub } from '../src/events/pubsub.ts';
import { createLogger } from '../src/log.ts';
import { IngestService } from '../src/ingest/service.ts';
import { normaliseMsgSync, readMsgSyncEnvelope } from '../src/ingest/msg-sync.ts';
import { normaliseStatusSync } from '../src/ingest/status-sync.ts';
import type { LosslessJsonValue } from '../src/domain/lossless-json.ts';
import type { MessageInput, StatusUpdateInput } from '../src/ingest/model.ts';
import { createDataset, type AnyBatch, type Dataset } from '../src/demo/dataset.ts';
import { ensureDatabase, fmtInt, intArg, parseArgs, seconds, seedOf } from './support.ts';
import { isEntryModule } from '../src/paths.ts';

export const LEGACY_TIME_ZONE = 'Asia/Shanghai';

export interface LoadProgress {
  /** Messages stored by this run (MSG_SYNC items). */
  messages: number;
  /** Status updates stored by this run. */
  statusUpdates: number;
  /** Messages skipped because an earlier run committed them (below the watermark). */
  skippedMessages: number;
  /** Messages of the whole dataset. */
  totalMessages: number;
  elapsedSeconds: number;
  /** Messages per second since the start of this run. */
  rate: number;
  /** Messages per second over the last interval. */
  recentRate: number;
  final: boolean;
}

export interface LoadOptions {
  databaseUrl: string;
  messages: number;
  seed?: number | string;
  /** Transactions in flight (default 4). */
  concurrency?: number;
  /** Called every `progressIntervalMs` (default 3000) and once at the end. */
  onProgress?: (p: LoadProgress) => void;
  progressIntervalMs?: number;
  /**
   * Messages per IngestService.store call (default 500): consecutive bodies of
   * one tenant (MSG_SYNC items and status updates, in stream order) are merged
   * into one transaction. 50 stores each webhook body on its own.
   */
  batchSize?: number;
  /** Also the dataset's status updates (default true). */
  statuses?: boolean;
  /** An already open database to load into (then databaseUrl is only for reporting). */
  db?: Database;
}

export interface LoadResult extends LoadProgress {
  seconds: number;
  /** Rows in "Message" afterwards. */
  messageRows: number;
  /** Rows in "PendingStatus" afterwards (statuses of messages never sent: about 0.4 % of the updated messages). */
  pendingRows: number;
  alreadyComplete: boolean;
}

const STATE_TABLE = '"_bench_load"';

/** Creates the dataset's tenants (ids from the dataset) that do not exist yet. */
export async function ensureTenants(db: Database, ds: Dataset): Promise<number> {
  let created = 0;
  // Sealed with the key a server started from this checkout uses (SECRETS_KEY or ./data/secrets.key).
  const { box } = loadSecretBox({ secretsKey: loadConfig(process.env).secretsKey, dataDir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../data') });
  for (const t of ds.tenants) {
    const id = BigInt(t.id);
    const exists = await db.prisma.tenant.findUnique({ where: { id }, select: { id: true } });
    if (exists) continue;
    await createTenant(db.prisma, box, { id, name: t.name });
    created++;
  }
  return created;
}

export async function loadDataset(options: LoadOptions): Promise<LoadResult> {
  const seed = options.seed ?? 42;
  const concurrency = options.concurrency ?? 4;
  const withStatuses = options.statuses ?? true;
  const batchSize = options.batchSize ?? 500;
  const ownDb = !options.db;
  if (ownDb) await ensureDatabase(options.databaseUrl);
  const db =
    options.db ??
    (await openDatabase({ databaseUrl: options.databaseUrl, dataDir: '', databasePoolSize: concurrency + 2, migrateOnStart: true }));
  const started = process.hrtime.bigint();
  try {
    const ds = createDataset({ seed, messages: options.messages });
    await ensureTenants(db, ds);
    const ingest = new IngestService(db, createLocalPubSub(), createLogger('silent'));

    const key = `seed=${String(seed)} messages=${options.messages} statuses=${withStatuses}`;
    await db.pool.query(`CREATE TABLE IF NOT EXISTS ${STATE_TABLE} (dataset text PRIMARY KEY, watermark bigint NOT NULL, complete boolean NOT NULL DEFAULT false, "updatedAt" timestamptz NOT NULL DEFAULT now())`);
    await db.pool.query(`INSERT INTO ${STATE_TABLE} (dataset, watermark) VALUES ($1, 0) ON CONFLICT (dataset) DO NOTHING`, [key]);
    const state = (await db.pool.query<{ watermark: string; complete: boolean }>(`SELECT watermark, complete FROM ${STATE_TABLE} WHERE dataset = $1`, [key])).rows[0]!;
    const resumeFrom = Number(state.watermark);

    const p: LoadProgress = { messages: 0, statusUpdates: 0, skippedMessages: 0, totalMessages: options.messages, elapsedSeconds: 0, rate: 0, recentRate: 0, final: false };
    let alreadyComplete = state.complete;
    if (!state.complete) {
      // Bodies are numbered 1, 2, … in stream order; `watermark` is the highest
      // number below which (inclusive) every body is committed.
      let watermark = resumeFrom;
      const done = new Set<number>();
      const stream: Iterator<AnyBatch> = withStatuses
        ? ds.mixedBatches({ kind: 'msg-sync', batchSize: 50 })
        : ds.msgSyncBatches({ batchSize: 50 });
      let seq = 0;
      let failure: unknown = null;
      const saveWatermark = (complete = false) =>
        db.pool.query(`UPDATE ${STATE_TABLE} SET watermark = $2, complete = $3, "updatedAt" = now() WHERE dataset = $1`, [key, watermark, complete]);

      let lastReport = { at: process.hrtime.bigint(), messages: 0 };
      const report = (final: boolean) => {
        const now = process.hrtime.bigint();
        p.elapsedSeconds = seconds(started);
        p.rate = p.messages / Math.max(p.elapsedSeconds, 1e-9);
        p.recentRate = (p.messages - lastReport.messages) / Math.max(Number(now - lastReport.at) / 1e9, 1e-9);
        p.final = final;
        lastReport = { at: now, messages: p.messages };
        options.onProgress?.({ ...p });
      };
      let saving: Promise<unknown> = Promise.resolve();
      const timer = setInterval(() => {
        report(false);
        saving = saving.then(() => saveWatermark()).catch(() => {});
      }, options.progressIntervalMs ?? 3000);

      // Per tenant, consecutive bodies are merged (messages and status updates
      // in one IngestService.store call) up to `batchSize` messages.
      interface Group { tenantId: number; seqs: number[]; messages: MessageInput[]; statusUpdates: StatusUpdateInput[] }
      const open = new Map<number, Group>();
      const ready: Group[] = [];
      let streamDone = false;
      const take = (): Group | null => {
        while (!ready.length && !streamDone && !failure) {
          const r = stream.next();
          if (r.done) {
            streamDone = true;
            for (const g of open.values()) ready.push(g);
            open.clear();
            break;
          }
          const b = r.value;
          const n = ++seq;
          if (n <= resumeFrom) {
            if (b.kind === 'msg-sync') p.skippedMessages += b.body.data.length;
            continue;
          }
          let g = open.get(b.tenantId);
          if (!g) open.set(b.tenantId, (g = { tenantId: b.tenantId, seqs: [], messages: [], statusUpdates: [] }));
          g.seqs.push(n);
          if (b.kind === 'msg-sync') {
            // The generator's body is already the parsed JSON (ids beyond 2^53 as
            // bigint), with the placeholders accessToken "" and timestamp 0: the
            // push time is now, and the token is not checked in-process.
            const body = { ...b.body, accessToken: 'in-process', timestamp: Date.now() } as unknown as LosslessJsonValue;
            for (const m of normaliseMsgSync(readMsgSyncEnvelope(body), LEGACY_TIME_ZONE)) g.messages.push(m);
          } else if (b.kind === 'status') {
            for (const u of normaliseStatusSync(b.body as unknown as LosslessJsonValue, new Date())) g.statusUpdates.push(u);
          }
          if (g.messages.length >= batchSize || g.statusUpdates.length >= 1000) {
            open.delete(b.tenantId);
            ready.push(g);
          }
        }
        return failure ? null : (ready.shift() ?? null);
      };

      const worker = async () => {
        for (let g = take(); g; g = take()) {
          try {
            await ingest.store(BigInt(g.tenantId), { messages: g.messages, statusUpdates: g.statusUpdates });
          } catch (err) {
            failure ??= err;
            return;
          }
          p.messages += g.messages.length;
          p.statusUpdates += g.statusUpdates.length;
          for (const n of g.seqs) done.add(n);
          while (done.delete(watermark + 1)) watermark++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      clearInterval(timer);
      await saving;
      await saveWatermark(!failure);
      if (failure) throw failure;
      report(true);
      alreadyComplete = false;
    } else {
      p.skippedMessages = options.messages;
      p.elapsedSeconds = seconds(started);
      p.final = true;
      options.onProgress?.({ ...p });
    }

    const counts = await db.pool.query<{ messages: string; pending: string }>(
      `SELECT (SELECT count(*) FROM "Message") AS messages, (SELECT count(*) FROM "PendingStatus") AS pending`,
    );
    const secs = seconds(started);
    return {
      ...p,
      seconds: secs,
      rate: p.messages / Math.max(secs, 1e-9),
      messageRows: Number(counts.rows[0]!.messages),
      pendingRows: Number(counts.rows[0]!.pending),
      alreadyComplete,
    };
  } finally {
    if (ownDb) await db.close();
  }
}

// ---------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------

const USAGE = `usage: npx tsx bench/load.ts --database-url URL [--messages N] [--seed S] [--concurrency C] [--batch-size B] [--no-statuses]
  --database-url URL   PostgreSQL database (created if missing, migrated); or DATABASE_URL
  --messages N         dataset size (default 1000000)
  --seed S             dataset seed (default 42)
  --concurrency C      transactions in flight (default 4)
  --batch-size B       messages per transaction (default 500: consecutive bodies of a tenant merged; 50 = one per webhook body)
  --no-statuses        only the MSG_SYNC bodies, not the status updates`;

async function cli(argv: string[]): Promise<void> {
  const { values, flags } = parseArgs(argv, { values: ['database-url', 'messages', 'seed', 'concurrency', 'batch-size'], flags: ['no-statuses'] }, USAGE);
  const databaseUrl = values.get('database-url') ?? process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error(`--database-url is required\n${USAGE}`);
  const messages = intArg(values, 'messages', 1_000_000);
  const concurrency = intArg(values, 'concurrency', 4);
  const seed = seedOf(values.get('seed'), 42);
  const batchSize = intArg(values, 'batch-size', 500);
  const log = (s: string) => process.stdout.write(s + '\n');
  log(`loading ${fmtInt(messages)} messages (seed ${String(seed)}, concurrency ${concurrency}, ${batchSize} messages per transaction${flags.has('no-statuses') ? ', no statuses' : ''}) into ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}`);
  const result = await loadDataset({
    databaseUrl,
    messages,
    seed,
    concurrency,
    batchSize,
    statuses: !flags.has('no-statuses'),
    onProgress: (p) => {
      if (p.final) return;
      const doneTotal = p.messages + p.skippedMessages;
      log(
        `  ${p.elapsedSeconds.toFixed(0).padStart(5)} s  ${fmtInt(doneTotal).padStart(11)} / ${fmtInt(p.totalMessages)} messages` +
          `  ${fmtInt(p.recentRate).padStart(7)} msg/s now, ${fmtInt(p.rate)} msg/s average  (${fmtInt(p.statusUpdates)} status updates)`,
      );
    },
  });
  if (result.alreadyComplete) log('already loaded: nothing to do');
  else if (result.skippedMessages) log(`resumed: ${fmtInt(result.skippedMessages)} messages were already committed by an earlier run`);
  log(
    `done in ${result.seconds.toFixed(1)} s: ${fmtInt(result.messages)} messages (${fmtInt(result.rate)} msg/s) and ${fmtInt(result.statusUpdates)} status updates sent (re-sent ones included);` +
      ` "Message" has ${fmtInt(result.messageRows)} rows, "PendingStatus" ${fmtInt(result.pendingRows)}`,
  );
}

if (isEntryModule(import.meta.url)) {
  cli(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
