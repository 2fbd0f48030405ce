// Sustained MSG_SYNC ingest on a real PostgreSQL server, beside a raw `pg`
// multi-row INSERT of the same rows, measured in the same run.
//
//   npx tsx bench/ingest.ts [--database-url postgresql://postgres@127.0.0.1:55432/postgres]
//       [--messages 200000] [--concurrency 8] [--seed 42] [--keep] [--out FILE]
//
// (a) webhook: the real server in-process (createServices + createApp + listen
//     on 127.0.0.1, port 0) on a fresh migrated database; N concurrent senders
//     POST signed MSG_SYNC_MESSAGE bodies of 50 items (src/demo/dataset.ts) over
//     HTTP/1.1 keep-alive, one connection each, the requests signed and
//     written out before the clock starts (bench/load-connection.ts: the
//     senders' work is not the server's). Only 200 answers count; any other
//     answer aborts.
// (b) raw: a second fresh database with the same migrated schema (indexes,
//     foreign keys); tenants, contacts and conversations are created first
//     (untimed), then the same rows, 50 per statement, go in with plain
//     multi-row `INSERT INTO "Message" … VALUES (…), (…)` on N connections.
//
// Prints the machine, a table (messages/s, ratio to raw, per-batch latency)
// and writes the results as JSON (bench/results/latest-ingest.json).
// The databases are created on the URL's server and dropped at the end.
import os from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { openDatabase } from '../src/db/database.ts';
import { createServices } from '../src/services.ts';
import { createApp } from '../src/http/app.ts';
import { listen } from '../src/server.ts';
import { createTenant } from '../src/auth/tenants.ts';
import { msgSyncAccessToken } from '../src/auth/webhook-signatures.ts';
import { normaliseMsgSync, readMsgSyncEnvelope } from '../src/ingest/msg-sync.ts';
import type { MessageInput } from '../src/ingest/model.ts';
import type { LosslessJsonValue } from '../src/domain/lossless-json.ts';
import { createDataset, signMsgSync } from '../src/demo/dataset.ts';
import { LEGACY_TIME_ZONE } from './load.ts';
import { benchSecretsKey } from './read.ts';
import { LoadConnection, prepareJsonPost } from './load-connection.ts';
import {
  cloneDatabase, dropDatabase, fmtInt, freshDatabase, intArg, machineBusySeconds, machineInfo, nodeCpu, parseArgs, quantile, seconds, seedOf,
  withDatabase, type MachineInfo,
} from './support.ts';

const USAGE = `usage: npx tsx bench/ingest.ts [options]
  --database-url URL   a PostgreSQL server (any database on it; default $BENCH_DATABASE_URL or
                       postgresql://postgres@127.0.0.1:55432/postgres); the bench creates and drops its own databases
  --messages N         messages per path (default 200000)
  --concurrency N      concurrent senders / connections (default 8)
  --seed S             dataset seed (default 42)
  --pool N             the server's DATABASE_POOL_SIZE (default 10, the server's default)
  --max-seconds S      stop sending webhook bodies after S seconds (default 100); the raw path then inserts
                       the same bodies' rows (the first ones, as many as the webhook path stored)
  --only webhook|raw   run one path
  --rollups all|counts|none
                       the dashboard roll-up triggers on "Message" (prisma/sql/aggregates.sql): all of them
                       (default, as migrated), counts without response times, or none (dropped), to
                       measure what they cost ingest
  --keep               keep the databases
  --out FILE           JSON results (default bench/results/latest-ingest.json)`;

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

interface Batch {
  tenantId: number;
  json: string;
  count: number;
}

interface PathResult {
  path: 'webhook' | 'raw';
  messages: number;
  batches: number;
  seconds: number;
  messagesPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** CPU seconds of this Node process during the phase (client + server for the webhook path). */
  nodeCpuSeconds: number;
  /** CPU seconds of the whole machine during the phase (from /proc/stat; null elsewhere). */
  machineCpuSeconds: number | null;
  rowsAfter: number;
}

const log = (s: string) => process.stdout.write(s + '\n');

async function checkpoint(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('CHECKPOINT');
  } finally {
    await c.end();
  }
}

function latency(ms: number[]): PathResult['latencyMs'] {
  const s = [...ms].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { p50: r(quantile(s, 0.5)), p90: r(quantile(s, 0.9)), p99: r(quantile(s, 0.99)), max: r(s[s.length - 1] ?? Number.NaN) };
}

/** Runs `jobs` on `concurrency` workers, each timing its job. */
async function runWorkers(count: number, concurrency: number, job: (i: number) => Promise<void>, deadline = Number.POSITIVE_INFINITY): Promise<number[]> {
  const lat: number[] = [];
  let next = 0;
  let failed: unknown = null;
  const worker = async () => {
    while (!failed && next < count && Date.now() < deadline) {
      const i = next++;
      const t = process.hrtime.bigint();
      try {
        await job(i);
      } catch (err) {
        failed ??= err;
        return;
      }
      lat[i] = Number(process.hrtime.bigint() - t) / 1e6;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failed) throw failed;
  // Jobs are taken in order and every started one finished: 0 … next-1 ran.
  lat.length = next;
  return lat;
}

async function webhookPath(url: string, batches: Batch[], concurrency: number, poolSize: number, tenants: { id: number; name: string }[], maxSeconds: number): Promise<PathResult> {
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: url,
    SECRETS_KEY: benchSecretsKey(),
    DATABASE_POOL_SIZE: String(poolSize),
    MIGRATE_ON_START: 'false',
    PORT: '0',
    HOST: '127.0.0.1',
    LEGACY_TIME_ZONE,
  });
  const db = await openDatabase(config);
  const services = createServices(config, db, createLogger(config.logLevel));
  const app = createApp(services);
  const server = await listen(app, 0, '127.0.0.1');
  const connections: LoadConnection[] = [];
  try {
    const secrets = new Map<number, string>();
    for (const t of tenants) secrets.set(t.id, (await createTenant(db.prisma, services.secrets, { id: BigInt(t.id), name: t.name })).webhookSecret);
    // The server's first request pays for lazy set-up (Yoga, the schema): one empty body, not counted.
    const warmAt = Date.now();
    {
      const t = tenants[0]!;
      const ts = warmAt;
      const warmUp = await LoadConnection.open(server.port);
      connections.push(warmUp);
      const warm = await warmUp.send(prepareJsonPost('/webhooks/MSG_SYNC_MESSAGE', server.port,
        JSON.stringify({ accessToken: msgSyncAccessToken(secrets.get(t.id)!, String(t.id), ts), tenantId: t.id, timestamp: ts, data: [] })));
      if (warm.status !== 200) throw new Error(`warm-up answered ${warm.status}: ${warm.text}`);
    }
    // The requests, signed and written out before the clock starts (the
    // signatures stay valid for 300 s, longer than --max-seconds allows): the
    // senders' work is not the server's (bench/load-connection.ts).
    // Below the warm-up's timestamp: its token must not sign a batch too (401 "already used with another body").
    const signedAt = Math.min(Date.now(), warmAt - 1);
    // Each batch under its own timestamp (a millisecond apart): an accessToken is good for one body.
    const requests = batches.map((b, i) =>
      prepareJsonPost('/webhooks/MSG_SYNC_MESSAGE', server.port,
        signMsgSync(b.json, b.tenantId, signedAt - i, msgSyncAccessToken(secrets.get(b.tenantId)!, String(b.tenantId), signedAt - i))));
    const idle = await Promise.all(Array.from({ length: concurrency }, () => LoadConnection.open(server.port)));
    connections.push(...idle);
    await checkpoint(url);
    const cpu0 = nodeCpu();
    const m0 = machineBusySeconds();
    const t0 = process.hrtime.bigint();
    let done = 0;
    const progress = setInterval(() => log(`    webhook: ${fmtInt(done)} / ${fmtInt(batches.length)} batches, ${fmtInt(done * 50 / seconds(t0))} msg/s`), 10_000);
    let lat: number[];
    try {
      lat = await runWorkers(batches.length, concurrency, async (i) => {
        const b = batches[i]!;
        const connection = idle.pop()!;
        const res = await connection.send(requests[i]!);
        idle.push(connection);
        if (res.status !== 200) throw new Error(`batch ${i} (tenant ${b.tenantId}) answered HTTP ${res.status}: ${res.text.slice(0, 2000)}`);
        done++;
      }, Date.now() + maxSeconds * 1000);
    } finally {
      clearInterval(progress);
    }
    const secs = seconds(t0);
    const cpu = nodeCpu() - cpu0;
    const m1 = machineBusySeconds();
    const messages = batches.slice(0, lat.length).reduce((a, b) => a + b.count, 0);
    const rows = Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM "Message"')).rows[0]!.n);
    return {
      path: 'webhook', messages, batches: lat.length, seconds: secs, messagesPerSecond: messages / secs, latencyMs: latency(lat),
      nodeCpuSeconds: cpu, machineCpuSeconds: m0 === null || m1 === null ? null : m1 - m0, rowsAfter: rows,
    };
  } finally {
    for (const c of connections) c.close();
    await server.close(5_000);
    await app.dispose();
    await db.close();
  }
}

const COLUMNS = [
  'tenantId', 'conversationId', 'contactId', 'whatsMessageId', 'syncId', 'agentId', 'agentAccount',
  'accountWhatsId', 'accountWhatsIdBare', 'senderWhatsId', 'friendWhatsId', 'friendWhatsIdBare', 'friendName',
  'direction', 'chatType', 'contentType', 'legacyContentType', 'content', 'referContent', 'parsedContent', 'searchText',
  'status', 'pendingAt', 'sentAt', 'deliveredAt', 'readAt', 'origin', 'taskId', 'taskInfoId', 'source', 'chatTime',
] as const;

function insertSql(rows: number): string {
  const n = COLUMNS.length;
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) tuples.push(`(${COLUMNS.map((_, c) => `$${r * n + c + 1}`).join(', ')})`);
  return `INSERT INTO "Message" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`;
}

async function rawPath(url: string, batches: Batch[], concurrency: number, tenants: { id: number; name: string }[]): Promise<PathResult> {
  const pool = new pg.Pool({ connectionString: url, max: concurrency });
  try {
    // Untimed set-up: tenants, contacts, conversations, and every row's values.
    for (const t of tenants) await pool.query(`INSERT INTO "Tenant" (id, name) VALUES ($1, $2)`, [t.id, t.name]);
    const contactIds = new Map<string, string>();
    const conversationIds = new Map<string, string>();
    const params: unknown[][] = [];
    // Normalise exactly as the webhook does (the parsed body: lossless, so the generator's objects).
    const ds = currentDataset!;
    for (const b of ds.msgSyncBatches({ batchSize: 50 })) {
      if (params.length >= batches.length) break;
      const statusAt = Date.now();
      const messages = normaliseMsgSync(readMsgSyncEnvelope({ ...b.body, accessToken: 'raw', timestamp: statusAt } as unknown as LosslessJsonValue), LEGACY_TIME_ZONE);
      const tenant = String(b.tenantId);
      for (const m of messages) {
        if (m.contact && !contactIds.has(`${tenant}:${m.contact.externalId}`)) {
          const c = m.contact;
          const { rows } = await pool.query<{ id: string }>(
            `INSERT INTO "Contact" ("tenantId", "externalId", name, "whatsId", "whatsIdBare", "ownerName", tags, "customFields", "extendsMap")
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
            [tenant, c.externalId, c.name, c.whatsId, c.whatsIdBare, c.ownerName, c.tags, JSON.stringify(c.customFields), c.extendsMap],
          );
          contactIds.set(`${tenant}:${c.externalId}`, rows[0]!.id);
        }
        const convKey = `${tenant}:${m.accountWhatsIdBare}:${m.friendWhatsIdBare}:${m.chatType}`;
        if (!conversationIds.has(convKey)) {
          const { rows } = await pool.query<{ id: string }>(
            `INSERT INTO "Conversation" ("tenantId", "accountWhatsId", "accountWhatsIdBare", "friendWhatsId", "friendWhatsIdBare", "chatType", "friendName", "contactId", "agentAccount")
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
            [tenant, m.accountWhatsId, m.accountWhatsIdBare, m.friendWhatsId, m.friendWhatsIdBare, m.chatType, m.friendName,
              m.contact ? contactIds.get(`${tenant}:${m.contact.externalId}`) : null, m.agentAccount],
          );
          conversationIds.set(convKey, rows[0]!.id);
        }
      }
      const values: unknown[] = [];
      for (const m of messages) {
        const at = m.statusAt.toISOString();
        values.push(
          tenant, conversationIds.get(`${tenant}:${m.accountWhatsIdBare}:${m.friendWhatsIdBare}:${m.chatType}`), m.contact ? contactIds.get(`${tenant}:${m.contact.externalId}`) : null,
          m.whatsMessageId, m.syncId, m.agentId, m.agentAccount,
          m.accountWhatsId, m.accountWhatsIdBare, m.senderWhatsId, m.friendWhatsId, m.friendWhatsIdBare, m.friendName,
          m.direction, m.chatType, m.contentType, m.legacyContentType, m.content, m.referContent, JSON.stringify(m.parsedContent).replace(/\\u0000/g, ''), m.searchText,
          m.status, m.status === 'PENDING' ? at : null, m.status === 'SENT' ? at : null, m.status === 'DELIVERED' ? at : null, m.status === 'READ' ? at : null,
          m.origin, m.taskId, m.taskInfoId, m.source, m.chatTime.toISOString(),
        );
      }
      params.push(values);
    }
    const sqlBySize = new Map<number, string>();
    const sqlFor = (rows: number) => {
      let s = sqlBySize.get(rows);
      if (!s) sqlBySize.set(rows, (s = insertSql(rows)));
      return s;
    };

    await checkpoint(url);
    const cpu0 = nodeCpu();
    const m0 = machineBusySeconds();
    const t0 = process.hrtime.bigint();
    const lat = await runWorkers(params.length, concurrency, async (k) => {
      const values = params[k]!;
      await pool.query(sqlFor(values.length / COLUMNS.length), values);
    });
    const secs = seconds(t0);
    const cpu = nodeCpu() - cpu0;
    const m1 = machineBusySeconds();
    const messages = batches.reduce((a, b) => a + b.count, 0);
    const rows = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM "Message"')).rows[0]!.n);
    return {
      path: 'raw', messages, batches: params.length, seconds: secs, messagesPerSecond: messages / secs, latencyMs: latency(lat),
      nodeCpuSeconds: cpu, machineCpuSeconds: m0 === null || m1 === null ? null : m1 - m0, rowsAfter: rows,
    };
  } finally {
    await pool.end();
  }
}

let currentDataset: ReturnType<typeof createDataset> | null = null;

async function main(): Promise<void> {
  const { values, flags } = parseArgs(process.argv.slice(2), { values: ['database-url', 'messages', 'concurrency', 'seed', 'pool', 'only', 'out', 'max-seconds', 'rollups'], flags: ['keep'] }, USAGE);
  const serverUrl = values.get('database-url') ?? process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:55432/postgres';
  const messages = intArg(values, 'messages', 200_000);
  const concurrency = intArg(values, 'concurrency', 8);
  const poolSize = intArg(values, 'pool', 10);
  const seed = seedOf(values.get('seed'), 42);
  const only = values.get('only');
  const maxSeconds = intArg(values, 'max-seconds', 100);
  if (only && only !== 'webhook' && only !== 'raw') throw new Error(`--only must be webhook or raw\n${USAGE}`);
  const rollups = values.get('rollups') ?? 'all';
  if (!['all', 'counts', 'none'].includes(rollups)) throw new Error(`--rollups must be all, counts or none\n${USAGE}`);
  const outFile = values.get('out') ?? path.join(BENCH_DIR, 'results', 'latest-ingest.json');

  const machine: MachineInfo = await machineInfo(serverUrl);
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, PostgreSQL ${machine.postgres}`);
  log(`postgres: ${Object.entries(machine.postgresSettings).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const loadAverageBefore = os.loadavg();
  log(`load average before the run: ${loadAverageBefore.map((x) => x.toFixed(2)).join(' ')} (other work on the machine skews the figures)`);
  log(`settings: ${fmtInt(messages)} messages per path, batches of 50, concurrency ${concurrency}, server pool ${poolSize}, seed ${String(seed)}, roll-up triggers: ${rollups}`);

  // The same bodies for both paths.
  const t = process.hrtime.bigint();
  const ds = createDataset({ seed, messages });
  currentDataset = ds;
  let batches: Batch[] = [];
  for (const b of ds.msgSyncBatches({ batchSize: 50 })) batches.push({ tenantId: b.tenantId, json: b.json, count: b.body.data.length });
  const tenants = ds.tenants.map((x) => ({ id: x.id, name: x.name }));
  log(`dataset: ${fmtInt(batches.length)} MSG_SYNC bodies, ${fmtInt(batches.reduce((a, b) => a + b.json.length, 0) / 2 ** 20)} MiB of JSON, ${tenants.length} tenants (${seconds(t).toFixed(1)} s)`);

  const tag = `${process.pid}`;
  const templateUrl = withDatabase(serverUrl, `bench_ingest_template_${tag}`);
  const webhookUrl = withDatabase(serverUrl, `bench_ingest_webhook_${tag}`);
  const rawUrl = withDatabase(serverUrl, `bench_ingest_raw_${tag}`);
  const results: PathResult[] = [];
  try {
    // One migrated template, cloned twice: the two paths start from identical schemas.
    await freshDatabase(templateUrl);
    const tdb = await openDatabase({ databaseUrl: templateUrl, dataDir: '', databasePoolSize: 2, migrateOnStart: true });
    if (rollups === 'none') {
      for (const op of ['insert', 'update', 'delete']) await tdb.pool.query(`DROP TRIGGER "Message_aggregates_${op}" ON "Message"`);
    } else if (rollups === 'counts') {
      // The triggers stay; the step that keeps the response times does nothing.
      await tdb.pool.query(`CREATE OR REPLACE FUNCTION chatgraph_refresh_response_times(p_conversation BIGINT[], p_from TIMESTAMPTZ[], p_to TIMESTAMPTZ[], p_changed BIGINT[])
                              RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$`);
    }
    await tdb.close();
    await cloneDatabase(templateUrl, webhookUrl);
    await cloneDatabase(templateUrl, rawUrl);
    await dropDatabase(templateUrl);

    if (only !== 'raw') {
      log('webhook: POST /webhooks/MSG_SYNC_MESSAGE through the in-process server …');
      const r = await webhookPath(webhookUrl, batches, concurrency, poolSize, tenants, maxSeconds);
      results.push(r);
      if (r.batches < batches.length) {
        log(`webhook: stopped by --max-seconds ${maxSeconds} after ${fmtInt(r.batches)} of ${fmtInt(batches.length)} bodies; the raw path inserts the same ${fmtInt(r.messages)} messages`);
        batches = batches.slice(0, r.batches);
      }
      log(`webhook: ${r.seconds.toFixed(1)} s, ${fmtInt(r.messagesPerSecond)} msg/s, "Message" has ${fmtInt(r.rowsAfter)} rows`);
      if (r.rowsAfter !== r.messages) throw new Error(`webhook path stored ${r.rowsAfter} rows, expected ${r.messages}`);
    }
    if (only !== 'webhook') {
      log('raw: multi-row INSERT INTO "Message" (50 rows per statement) …');
      const r = await rawPath(rawUrl, batches, concurrency, tenants);
      results.push(r);
      log(`raw: ${r.seconds.toFixed(1)} s, ${fmtInt(r.messagesPerSecond)} msg/s, "Message" has ${fmtInt(r.rowsAfter)} rows`);
      if (r.rowsAfter !== r.messages) throw new Error(`raw path stored ${r.rowsAfter} rows, expected ${r.messages}`);
    }
  } finally {
    if (!flags.has('keep')) {
      for (const u of [templateUrl, webhookUrl, rawUrl]) await dropDatabase(u).catch(() => {});
    }
  }

  const raw = results.find((r) => r.path === 'raw');
  const webhook = results.find((r) => r.path === 'webhook');
  const ratio = raw && webhook ? webhook.messagesPerSecond / raw.messagesPerSecond : null;
  log('');
  log('| path | messages | seconds | messages/s | ratio to raw | batch p50 ms | batch p99 ms | node CPU s | machine CPU s |');
  log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const rr = raw ? (r.messagesPerSecond / raw.messagesPerSecond).toFixed(2) : '–';
    log(
      `| ${r.path === 'webhook' ? 'webhook MSG_SYNC (HTTP)' : 'raw pg multi-row INSERT'} | ${fmtInt(r.messages)} | ${r.seconds.toFixed(1)} | ${fmtInt(r.messagesPerSecond)} | ${rr} |` +
        ` ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${r.nodeCpuSeconds.toFixed(1)} | ${r.machineCpuSeconds === null ? '–' : r.machineCpuSeconds.toFixed(1)} |`,
    );
  }
  if (webhook) {
    log('');
    log(`target: webhook ≥ 10,000 msg/s: ${webhook.messagesPerSecond >= 10_000 ? 'met' : 'NOT met'} (${fmtInt(webhook.messagesPerSecond)})` +
      (ratio === null ? '' : `; ≥ 0.5 of raw: ${ratio >= 0.5 ? 'met' : 'NOT met'} (${ratio.toFixed(2)})`));
  }

  log(`load average after the run: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const out = {
    benchmark: 'ingest',
    date: new Date().toISOString(),
    machine,
    settings: { messages, maxSeconds, batchSize: 50, concurrency, serverPoolSize: poolSize, seed, tenants: tenants.length, rollups },
    results,
    ratioWebhookToRaw: ratio,
    loadAverageBefore,
    loadAverageAfter: os.loadavg(),
    targets: { messagesPerSecond: 10_000, ratioToRaw: 0.5 },
  };
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(out, null, 2) + '\n');
  log(`results written to ${path.relative(process.cwd(), outFile)}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
