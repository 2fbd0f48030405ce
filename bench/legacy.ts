// The legacy-endpoint benchmark (issue #6): msgPage on a real PostgreSQL with
// ≥ 1 M messages — page 1 against a deep page, unfiltered and filtered by
// friend — beside the same operation sent to /graphql (`messagePage`, the
// query msgPage runs), so the adapter's own cost shows. Our server runs in its
// own process in production mode (node src/main.ts). Latency is timed one
// request at a time (no concurrency: the p50 of a request alone), msgPage and
// GraphQL requests interleaved so both see the same machine load.
//
//   npx tsx bench/legacy.ts [--database-url postgresql://postgres@127.0.0.1:55433/bench_read_1m]
//       [--messages 1000000] [--seed 42] [--pool 10] [--requests 300] [--warmup 30]
//       [--page-size 10] [--deep-page 10000] [--out bench/results/latest-legacy.json]
//
// The database is loaded with bench/load.ts when it holds fewer than
// --messages messages (as bench/read.ts does); otherwise reused as is. When
// the visibility map is behind, "Message" is vacuumed first (index-only scans
// need it). See bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { print } from 'graphql';
import pg from 'pg';
import { createApiKey } from '../src/auth/api-keys.ts';
import { openDatabase } from '../src/db/database.ts';
import { MsgPageDocument } from '../src/generated/graphql/graphql.ts';
import { messageOffsetPage, type MessageColumn, type MessageFilter } from '../src/read/messages.ts';
import { loadDataset } from './load.ts';
import { ROOT, startServer, type Server } from './read.ts';
import { ensureDatabase, fmtInt, intArg, machineInfo, parseArgs, quantile, seedOf } from './support.ts';

const DEFAULT_URL = 'postgresql://postgres@127.0.0.1:55433/bench_read_1m';
const MSG_PAGE_PATH = '/wscrm-bus-api/open/message/msgPage';
const MSG_PAGE_QUERY = print(MsgPageDocument);
// The columns msgPage's operation selects (for EXPLAIN of the same statement).
const MSG_PAGE_COLUMNS: MessageColumn[] = ['agentAccount', 'agentId', 'accountWhatsId', 'chatType', 'content', 'contentType', 'createdAt', 'direction', 'friendName', 'friendWhatsId'];

const log = (s: string) => process.stdout.write(s + '\n');

interface Scenario {
  name: string;
  filter: 'none' | 'friend';
  kind: 'page 1' | 'deep' | 'last';
  page: number;
  /** msgPage's `info`. */
  info: Record<string, string>;
}

interface Timing {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  bytes: number;
}

function stats(samples: number[], bytes: number): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50Ms: quantile(sorted, 0.5),
    p90Ms: quantile(sorted, 0.9),
    p99Ms: quantile(sorted, 0.99),
    meanMs: samples.reduce((a, b) => a + b, 0) / samples.length,
    bytes,
  };
}

async function timed(url: string, headers: Record<string, string>, body: string): Promise<{ ms: number; status: number; text: string }> {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { ms: performance.now() - t0, status: res.status, text };
}

type Explain = Awaited<ReturnType<typeof explainPage>>;

interface ScenarioResult {
  scenario: string;
  filter: Scenario['filter'];
  kind: Scenario['kind'];
  page: number;
  rowsSkipped: number;
  records: number;
  total: number;
  msgPage: Timing;
  graphql: Timing;
  msgPageVsGraphqlP50: number;
  sql: Explain;
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

/** EXPLAIN (ANALYZE, BUFFERS) of the statement the server runs for a page: through messageOffsetPage itself. */
async function explainPage(pool: pg.Pool, tenantId: string, filter: MessageFilter, offset: number, limit: number, total: number | null) {
  let plan: any = null;
  const explaining = {
    query: async (sql: string, params: unknown[]) => {
      const r = await pool.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
      plan = (r.rows[0] as { 'QUERY PLAN': any[] })['QUERY PLAN'][0];
      return { rows: [] };
    },
  } as unknown as pg.Pool;
  await messageOffsetPage(explaining, { tenantId, filter, order: 'CHAT_TIME_DESC', offset, limit, total, timeZone: 'Asia/Shanghai', columns: MSG_PAGE_COLUMNS });
  const nodes: { type: string; index?: string; rows: number; heapFetches?: number }[] = [];
  const walk = (n: any) => {
    nodes.push({ type: n['Node Type'], index: n['Index Name'], rows: n['Actual Rows'], heapFetches: n['Heap Fetches'] });
    for (const c of n.Plans ?? []) walk(c);
  };
  walk(plan.Plan);
  const skip = nodes.find((n) => n.type.startsWith('Index') && n.rows >= Math.min(offset, 1));
  return {
    executionMs: plan['Execution Time'] as number,
    innerScan: skip ?? null,
    indexOnly: nodes.some((n) => n.type === 'Index Only Scan'),
    heapFetches: nodes.reduce((a, n) => a + (n.heapFetches ?? 0), 0),
    sharedBuffers: (plan.Plan['Shared Hit Blocks'] ?? 0) + (plan.Plan['Shared Read Blocks'] ?? 0),
  };
}

async function main(): Promise<void> {
  const USAGE = `usage: npx tsx bench/legacy.ts [--database-url URL] [--messages N] [--seed S] [--pool N] [--requests N] [--warmup N]
      [--page-size N] [--deep-page N] [--out FILE]`;
  const { values } = parseArgs(
    process.argv.slice(2),
    { values: ['database-url', 'messages', 'seed', 'pool', 'requests', 'warmup', 'page-size', 'deep-page', 'out'] },
    USAGE,
  );
  const url = values.get('database-url') ?? process.env.BENCH_DATABASE_URL ?? DEFAULT_URL;
  const messages = intArg(values, 'messages', 1_000_000);
  const seed = seedOf(values.get('seed'), 42);
  const pool = intArg(values, 'pool', 10);
  const requests = intArg(values, 'requests', 300);
  const warmup = intArg(values, 'warmup', 30, 0);
  const pageSize = intArg(values, 'page-size', 10);
  const deepPage = intArg(values, 'deep-page', 10_000);
  const out = path.resolve(values.get('out') ?? path.join(ROOT, 'bench/results/latest-legacy.json'));
  const started = Date.now();

  // --- dataset --------------------------------------------------------------
  await ensureDatabase(url);
  const db = await openDatabase({ databaseUrl: url, dataDir: '', databasePoolSize: 2, migrateOnStart: false });
  const q = <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => db.pool.query<T>(sql, params).then((r) => r.rows);
  let load: { loadedNow: boolean; seconds: number | null } = { loadedNow: false, seconds: null };
  const [exists] = await q<{ ok: boolean }>(`SELECT to_regclass('"Message"') IS NOT NULL AS ok`);
  const have = exists!.ok ? Number((await q<{ n: string }>('SELECT count(*) AS n FROM "Message"'))[0]!.n) : 0;
  if (have < messages) {
    log(`"Message" has ${fmtInt(have)} rows < ${fmtInt(messages)}: loading the dataset with bench/load.ts (seed ${String(seed)}) …`);
    const r = await loadDataset({ databaseUrl: url, messages, seed, concurrency: 4, progressIntervalMs: 30_000 });
    load = { loadedNow: true, seconds: r.seconds };
  }
  const [vis] = await q<{ pages: number; visible: number }>(`SELECT relpages AS pages, relallvisible AS visible FROM pg_class WHERE relname = 'Message'`);
  let vacuumed = false;
  if (load.loadedNow || vis!.visible < vis!.pages * 0.95) {
    log(`visibility map ${fmtInt(vis!.visible)} / ${fmtInt(vis!.pages)} pages: VACUUM ANALYZE "Message" (index-only scans need it) …`);
    await q('VACUUM ANALYZE "Message"');
    vacuumed = true;
  }
  const [tenant] = await q<{ tenantId: string; n: string }>(`SELECT "tenantId"::text AS "tenantId", sum("messageCount")::text AS n FROM "Conversation" GROUP BY 1 ORDER BY sum("messageCount") DESC LIMIT 1`);
  const tenantId = tenant!.tenantId;
  const tenantMessages = Number(tenant!.n);
  const [friend] = await q<{ friend: string; n: string }>(
    `SELECT "friendWhatsIdBare" AS friend, sum("messageCount")::text AS n FROM "Conversation" WHERE "tenantId" = $1 GROUP BY 1 ORDER BY sum("messageCount") DESC LIMIT 1`,
    [tenantId],
  );
  const friendMessages = Number(friend!.n);
  const totalMessages = Number((await q<{ n: string }>('SELECT count(*) AS n FROM "Message"'))[0]!.n);
  const lastPage = (n: number) => Math.ceil(n / pageSize);
  if (lastPage(tenantMessages) < deepPage) throw new Error(`tenant ${tenantId} has ${tenantMessages} messages: page ${deepPage} does not exist`);
  // Past the middle, a page is read from the other end: the middle page is the deepest walk.
  const friendDeep = Math.min(deepPage, Math.floor(friendMessages / pageSize / 2));
  const scenarios: Scenario[] = [
    { name: 'unfiltered, page 1', filter: 'none', kind: 'page 1', page: 1, info: {} },
    { name: `unfiltered, page ${fmtInt(deepPage)}`, filter: 'none', kind: 'deep', page: deepPage, info: {} },
    { name: 'friend, page 1', filter: 'friend', kind: 'page 1', page: 1, info: { friendWhatsId: friend!.friend } },
    { name: `friend, page ${fmtInt(friendDeep)}`, filter: 'friend', kind: 'deep', page: friendDeep, info: { friendWhatsId: friend!.friend } },
    { name: `friend, last page (${fmtInt(lastPage(friendMessages))})`, filter: 'friend', kind: 'last', page: lastPage(friendMessages), info: { friendWhatsId: friend!.friend } },
  ];
  await db.prisma.apiKey.deleteMany({ where: { name: 'bench-legacy' } });
  const { key } = await createApiKey(db.prisma, BigInt(tenantId), 'bench-legacy', ['READ']);

  const explains: Record<string, Explain> = {};
  for (const s of scenarios) {
    const offset = (s.page - 1) * pageSize;
    const filter: MessageFilter = s.info.friendWhatsId ? { friendWhatsId: s.info.friendWhatsId } : {};
    const total = offset >= 20_000 ? (s.filter === 'none' ? tenantMessages : friendMessages) : null; // as the server does (counters)
    await explainPage(db.pool, tenantId, filter, offset, pageSize, total); // warm
    explains[s.name] = await explainPage(db.pool, tenantId, filter, offset, pageSize, total);
  }
  const machine = await machineInfo(url);
  await db.close();

  log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB; node ${machine.node}; PostgreSQL ${machine.postgres}`);
  log(`dataset: ${fmtInt(totalMessages)} messages; tenant ${tenantId} has ${fmtInt(tenantMessages)}; its largest friend ${friend!.friend} has ${fmtInt(friendMessages)}${vacuumed ? '; vacuumed now' : ''}`);
  log(`timing: ${warmup} warm-up + ${requests} requests per scenario and endpoint, one at a time, msgPage and /graphql interleaved; pool ${pool}`);

  // --- measure ----------------------------------------------------------------
  const server: Server = await startServer('ours', ['src/main.ts'], {
    NODE_ENV: 'production',
    DATABASE_URL: url,
    LOG_LEVEL: 'warn',
    MIGRATE_ON_START: 'false',
    DATABASE_POOL_SIZE: String(pool),
  });
  const base = `http://127.0.0.1:${server.port}`;
  const results: ScenarioResult[] = [];
  try {
    for (const s of scenarios) {
      const legacyBody = JSON.stringify({ tenantId: Number(tenantId), current: s.page, pageSize, info: s.info });
      const where = s.info.friendWhatsId ? { friendWhatsId: s.info.friendWhatsId } : {};
      const graphqlBody = JSON.stringify({ query: MSG_PAGE_QUERY, variables: { where, page: s.page, pageSize }, operationName: 'MsgPage' });
      const legacy = () => timed(`${base}${MSG_PAGE_PATH}`, { token: key }, legacyBody);
      const graphql = () => timed(`${base}/graphql`, { authorization: `Bearer ${key}` }, graphqlBody);

      // The same page both ways.
      const a = await legacy();
      const b = await graphql();
      if (a.status !== 200 || b.status !== 200) throw new Error(`${s.name}: HTTP msgPage ${a.status} ${a.text.slice(0, 300)} / graphql ${b.status} ${b.text.slice(0, 300)}`);
      const page = JSON.parse(a.text) as { data: { records: { id: string }[]; total: number; pages: number } };
      const gql = JSON.parse(b.text) as { data: { messagePage: { totalCount: number; nodes: { recordId: string }[] } } };
      const same =
        page.data.total === gql.data.messagePage.totalCount &&
        JSON.stringify(page.data.records.map((r) => r.id)) === JSON.stringify(gql.data.messagePage.nodes.map((n) => n.recordId));
      if (!same || page.data.records.length === 0) throw new Error(`${s.name}: msgPage and GraphQL disagree or the page is empty`);

      for (let i = 0; i < warmup; i++) {
        await legacy();
        await graphql();
      }
      const legacyMs: number[] = [];
      const graphqlMs: number[] = [];
      for (let i = 0; i < requests; i++) {
        // Alternate which goes first, so neither always follows the other.
        const pair = i % 2 ? [graphql, legacy] : [legacy, graphql];
        for (const run of pair) {
          const r = await run();
          if (r.status !== 200) throw new Error(`${s.name}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
          (run === legacy ? legacyMs : graphqlMs).push(r.ms);
        }
      }
      const msgPage = stats(legacyMs, a.text.length);
      const graphqlTiming = stats(graphqlMs, b.text.length);
      const explain = explains[s.name]!;
      results.push({
        scenario: s.name,
        filter: s.filter,
        kind: s.kind,
        page: s.page,
        rowsSkipped: (s.page - 1) * pageSize,
        records: page.data.records.length,
        total: page.data.total,
        msgPage,
        graphql: graphqlTiming,
        msgPageVsGraphqlP50: msgPage.p50Ms / graphqlTiming.p50Ms,
        sql: explain,
      });
      log(
        `${s.name}: msgPage p50 ${fmt(msgPage.p50Ms)} ms (p90 ${fmt(msgPage.p90Ms)}), GraphQL p50 ${fmt(graphqlTiming.p50Ms)} ms (p90 ${fmt(graphqlTiming.p90Ms)}); ` +
          `SQL ${fmt(explain.executionMs)} ms, ${explain.indexOnly ? 'index-only' : 'NOT index-only'}, heap fetches ${explain.heapFetches}`,
      );
    }
  } finally {
    await server.stop();
  }

  const p50 = (filter: string, kind: string, who: 'msgPage' | 'graphql') => results.find((r) => r.filter === filter && r.kind === kind)![who].p50Ms;
  const deepVsPage1 = Object.fromEntries(
    ['none', 'friend'].map((f) => [f, { msgPage: p50(f, 'deep', 'msgPage') / p50(f, 'page 1', 'msgPage'), graphql: p50(f, 'deep', 'graphql') / p50(f, 'page 1', 'graphql') }]),
  );
  const targets = {
    deepWithin3xOfPage1: { target: 'deep page p50 ≤ 3 × page-1 p50 (msgPage)', byFilter: deepVsPage1, met: Object.values(deepVsPage1).every((r) => r.msgPage <= 3) },
    msgPageWithin1_2xOfGraphql: {
      target: 'msgPage p50 ≤ 1.2 × the same GraphQL operation p50',
      byScenario: Object.fromEntries(results.map((r) => [r.scenario, r.msgPageVsGraphqlP50])),
      met: results.every((r) => r.msgPageVsGraphqlP50 <= 1.2),
    },
    indexOnlyDeepScans: { met: results.filter((r) => r.kind !== 'page 1').every((r) => r.sql.indexOnly && r.sql.heapFetches === 0) },
  };
  const report = {
    benchmark: 'legacy',
    date: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    machine,
    dataset: { seed, messages: totalMessages, tenantId, tenantMessages, friendWhatsIdBare: friend!.friend, friendMessages, load, vacuumedNow: vacuumed },
    settings: { pool, requests, warmup, pageSize, deepPage, friendDeepPage: friendDeep, mode: 'sequential, one request at a time' },
    graphqlQuery: MSG_PAGE_QUERY,
    results,
    targets,
  };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2) + '\n');

  log('');
  log('| scenario | rows skipped | msgPage p50 / p90 ms | GraphQL p50 / p90 ms | msgPage / GraphQL p50 | SQL ms (EXPLAIN ANALYZE) | skip scan |');
  log('|---|---:|---:|---:|---:|---:|---|');
  for (const r of results) {
    const scan = r.sql.innerScan ? `${r.sql.innerScan.type} on ${r.sql.innerScan.index} (${fmtInt(r.sql.innerScan.rows)} rows, heap fetches ${r.sql.heapFetches})` : '–';
    log(`| ${r.scenario} | ${fmtInt(r.rowsSkipped)} | ${fmt(r.msgPage.p50Ms)} / ${fmt(r.msgPage.p90Ms)} | ${fmt(r.graphql.p50Ms)} / ${fmt(r.graphql.p90Ms)} | **${fmt(r.msgPageVsGraphqlP50)}** | ${fmt(r.sql.executionMs)} | ${scan} |`);
  }
  log('');
  for (const [f, r] of Object.entries(deepVsPage1)) log(`deep / page 1 p50 (${f}): msgPage **${fmt(r.msgPage)}**, GraphQL ${fmt(r.graphql)}`);
  log(
    `targets: deep within 3× of page 1: ${targets.deepWithin3xOfPage1.met ? 'met' : 'NOT met'}; msgPage within 1.2× of GraphQL: ${targets.msgPageWithin1_2xOfGraphql.met ? 'met' : 'NOT met'}; ` +
      `deep pages index-only without heap fetches: ${targets.indexOnlyDeepScans.met ? 'yes' : 'NO'}`,
  );
  log(`wrote ${path.relative(process.cwd(), out)} (${fmt(report.seconds, 0)} s)`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
