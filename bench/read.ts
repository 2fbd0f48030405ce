// The read-path benchmark (issue "Read API"): `messages(first: 50)` on one
// conversation and across the tenant, contact and content selected, on a real
// PostgreSQL with ≥ 1 M messages. Our server (node src/main.ts, production
// mode, its own process) beside a raw floor (bench/floor-server.ts: node:http
// + pg + JSON.stringify, same pool size, same JSON) measured in the same run;
// page 1 beside a page 100 000 rows deep. Load generator: wrk.
//
//   npx tsx bench/read.ts [--database-url postgresql://postgres@127.0.0.1:55432/bench_read_1m]
//       [--messages 1000000] [--seed 42] [--pool 10] [--connections 32] [--threads 2]
//       [--duration 10] [--warmup 3] [--depth 100000] [--no-unloaded] [--out bench/results/latest-read.json]
//
// The database is created and loaded with bench/load.ts when it holds fewer
// than --messages messages; otherwise it is reused as is. See bench/README.md.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createApiKey } from '../src/auth/api-keys.ts';
import { openDatabase } from '../src/db/database.ts';
import { loadSecretBox } from '../src/auth/secret-box.ts';
import { loadDataset } from './load.ts';
import { ensureDatabase, fmtInt, intArg, machineInfo, parseArgs, seedOf, type MachineInfo } from './support.ts';
import { isEntryModule } from '../src/paths.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_URL = 'postgresql://postgres@127.0.0.1:55432/bench_read_1m';

export const QUERY_CONVERSATION =
  'query Page($c: ID!, $after: String) { messages(first: 50, after: $after, where: { conversationId: $c }) { edges { cursor node { id whatsMessageId chatTime direction status contentType rawContent content { __typename ... on TextContent { text } ... on MediaContent { url mimeType caption filename } } contact { externalId name tags } } } pageInfo { hasNextPage endCursor } } }';
export const QUERY_TENANT =
  'query Page($after: String) { messages(first: 50, after: $after) { edges { cursor node { id whatsMessageId chatTime direction status contentType rawContent content { __typename ... on TextContent { text } ... on MediaContent { url mimeType caption filename } } contact { externalId name tags } } } pageInfo { hasNextPage endCursor } } }';

export interface Scenario {
  name: string;
  scope: 'conversation' | 'tenant';
  page: 'page 1' | 'deep';
  /** Rows before the page (0 for page 1). */
  depth: number;
  body: string;
}

export interface Setup {
  url: string;
  tenantId: string;
  conversationId: string;
  conversationMessages: number;
  tenantMessages: number;
  totalMessages: number;
  apiKey: string;
  scenarios: Scenario[];
  load: { loadedNow: boolean; seconds: number | null; messageRows: number };
}

const log = (s: string) => process.stdout.write(s + '\n');

// ---------------------------------------------------------------------------
// Dataset, key and scenarios
// ---------------------------------------------------------------------------

/** Makes sure the database holds the dataset (loading it when short), then picks the scenarios. */
export async function prepare(opts: { url: string; messages: number; seed: number | string; depth: number }): Promise<Setup> {
  await ensureDatabase(opts.url);
  const probe = new pg.Client({ connectionString: opts.url });
  await probe.connect();
  let have = 0;
  try {
    const t = await probe.query<{ ok: boolean }>(`SELECT to_regclass('"Message"') IS NOT NULL AS ok`);
    if (t.rows[0]!.ok) have = Number((await probe.query<{ n: string }>('SELECT count(*) AS n FROM "Message"')).rows[0]!.n);
  } finally {
    await probe.end();
  }
  const load = { loadedNow: false, seconds: null as number | null, messageRows: have };
  if (have < opts.messages) {
    log(`"Message" has ${fmtInt(have)} rows < ${fmtInt(opts.messages)}: loading the dataset with bench/load.ts (seed ${String(opts.seed)}) …`);
    const r = await loadDataset({
      databaseUrl: opts.url,
      messages: opts.messages,
      seed: opts.seed,
      concurrency: 4,
      progressIntervalMs: 30_000,
      onProgress: (p) => {
        if (!p.final) log(`  ${p.elapsedSeconds.toFixed(0)} s: ${fmtInt(p.messages + p.skippedMessages)} / ${fmtInt(p.totalMessages)} messages (${fmtInt(p.recentRate)} msg/s)`);
      },
    });
    log(`loaded in ${r.seconds.toFixed(0)} s (${fmtInt(r.rate)} msg/s); "Message" has ${fmtInt(r.messageRows)} rows`);
    Object.assign(load, { loadedNow: true, seconds: r.seconds, messageRows: r.messageRows });
  }

  const db = await openDatabase({ databaseUrl: opts.url, dataDir: '', databasePoolSize: 2, migrateOnStart: false });
  try {
    const q = <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => db.pool.query<T>(sql, params).then((r) => r.rows);
    if (load.loadedNow) await q('ANALYZE');
    const [largest] = await q<{ id: string; tenantId: string }>(`SELECT id, "tenantId" FROM "Conversation" ORDER BY "messageCount" DESC, id LIMIT 1`);
    if (!largest) throw new Error('no conversation in the database');
    const [counts] = await q<{ conv: string; tenant: string; total: string }>(
      `SELECT (SELECT count(*) FROM "Message" WHERE "conversationId" = $1) AS conv,
              (SELECT count(*) FROM "Message" WHERE "tenantId" = $2) AS tenant,
              (SELECT count(*) FROM "Message") AS total`,
      [largest.id, largest.tenantId],
    );
    const conversationMessages = Number(counts!.conv);
    const tenantMessages = Number(counts!.tenant);
    // The row `depth` rows down the list (keyset order chatTime DESC, id DESC): the page after it starts there.
    const cursorAt = async (where: string, params: unknown[], depth: number) => {
      const [row] = await q<{ ms: string; id: string }>(
        `SELECT (extract(epoch FROM "chatTime") * 1000)::bigint::text AS ms, id::text FROM "Message" m WHERE ${where}
          ORDER BY "chatTime" DESC, id DESC OFFSET ${depth - 1} LIMIT 1`,
        params,
      );
      if (!row) throw new Error(`no row ${depth} deep`);
      return Buffer.from(`M:${row.ms}:${row.id}`).toString('base64url'); // = encodeCursor('M', {time, id}) of src/read/pagination.ts
    };
    // As deep as asked when the conversation is that long; else as deep as it goes with a full page after.
    const convDepth = Math.min(opts.depth, conversationMessages - 51);
    const tenantDepth = Math.min(opts.depth, tenantMessages - 51);
    const convCursor = await cursorAt('"tenantId" = $1 AND "conversationId" = $2', [largest.tenantId, largest.id], convDepth);
    const tenantCursor = await cursorAt('"tenantId" = $1', [largest.tenantId], tenantDepth);
    const c = Buffer.from(`Conversation:${largest.id}`).toString('base64');
    const body = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables, operationName: 'Page' });
    const scenarios: Scenario[] = [
      { name: 'conversation, page 1', scope: 'conversation', page: 'page 1', depth: 0, body: body(QUERY_CONVERSATION, { c, after: null }) },
      { name: `conversation, ${fmtInt(convDepth)} deep`, scope: 'conversation', page: 'deep', depth: convDepth, body: body(QUERY_CONVERSATION, { c, after: convCursor }) },
      { name: 'tenant, page 1', scope: 'tenant', page: 'page 1', depth: 0, body: body(QUERY_TENANT, { after: null }) },
      { name: `tenant, ${fmtInt(tenantDepth)} deep`, scope: 'tenant', page: 'deep', depth: tenantDepth, body: body(QUERY_TENANT, { after: tenantCursor }) },
    ];
    await db.prisma.apiKey.deleteMany({ where: { name: 'bench-read' } });
    const { key } = await createApiKey(db.prisma, BigInt(largest.tenantId), 'bench-read', ['READ']);
    return {
      url: opts.url,
      tenantId: largest.tenantId,
      conversationId: largest.id,
      conversationMessages,
      tenantMessages,
      totalMessages: Number(counts!.total),
      apiKey: key,
      scenarios,
      load,
    };
  } finally {
    await db.close();
  }
}

// ---------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Server {
  name: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<number | null>;
}

async function waitHealthy(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server on port ${port} not healthy after 60 s:\n${output()}`);
}

/**
 * The sealing key of this machine's benches: SECRETS_KEY, else the key file
 * ./data/secrets.key (made if missing). A production server on DATABASE_URL
 * requires SECRETS_KEY, so benches hand it the key they seal with.
 */
export function benchSecretsKey(): string {
  if (process.env.SECRETS_KEY) return process.env.SECRETS_KEY;
  loadSecretBox({ secretsKey: null, dataDir: path.join(ROOT, 'data') });
  return readFileSync(path.join(ROOT, 'data', 'secrets.key'), 'utf8').trim();
}

/**
 * Entry points that run under plain node, for benches that start servers:
 * `src/main.ts` becomes dist/main.js, as `npm start` runs our server
 * (scripts/build.js builds it when stale); any other script is bundled by
 * esbuild into node_modules/.cache/chatgraph-bench/<key>.mjs, its packages
 * left to node_modules. So no server, ours or a peer, pays tsx's loader
 * thread (memory) or its transform (esbuild's keepNames helpers).
 */
export async function builtEntries<K extends string>(sources: Record<K, string>): Promise<Record<K, string>> {
  const out = {} as Record<K, string>;
  const scripts: Record<string, string> = {};
  for (const [key, source] of Object.entries(sources) as [K, string][]) {
    if (source === 'src/main.ts') {
      execFileSync(process.execPath, ['scripts/build.js'], { cwd: ROOT, stdio: 'inherit' });
      out[key] = 'dist/main.js';
    } else scripts[key] = path.join(ROOT, source);
  }
  if (Object.keys(scripts).length) {
    const esbuild = await import('esbuild');
    const outdir = path.join(ROOT, 'node_modules/.cache/chatgraph-bench');
    await esbuild.build({
      entryPoints: scripts, bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', outdir, outExtension: { '.js': '.mjs' }, logLevel: 'warning',
    });
    for (const key of Object.keys(scripts) as K[]) out[key] = path.join(outdir, `${key}.mjs`);
  }
  return out;
}

/**
 * Starts `node …nodeArgs` (in `cwd`, default this tree), with `--import tsx`
 * when an argument is a TypeScript file (a built .js/.mjs entry runs under
 * plain node); with `cpu`, pinned to those CPUs (taskset execs node: the pid is node's).
 */
export async function startServer(name: string, nodeArgs: string[], env: Record<string, string>, cpu?: string, cwd = ROOT): Promise<Server> {
  if (env.NODE_ENV === 'production' && env.DATABASE_URL && !env.SECRETS_KEY) env = { ...env, SECRETS_KEY: benchSecretsKey() };
  const port = await freePort();
  const loader = nodeArgs.some((a) => a.endsWith('.ts')) ? ['--import', 'tsx'] : [];
  const argv = [process.execPath, ...loader, ...nodeArgs];
  const child = spawn(cpu ? 'taskset' : argv[0]!, cpu ? ['-c', cpu, ...argv] : argv.slice(1), {
    cwd,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  await waitHealthy(port, child, () => out);
  return {
    name,
    port,
    child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.once('exit', (code) => {
          clearTimeout(kill);
          resolve(code);
        });
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Our server for bench:read and bench/profile-read.ts, rate limits off (as
 * bench:peer): at the default 60,000 a minute per key, any workload faster
 * than 1,000 requests/s was measured, or profiled, mostly as 429s.
 */
export function startOurs(setup: Setup, pool: number, extraNodeArgs: string[] = []): Promise<Server> {
  return startServer('ours', [...extraNodeArgs, 'src/main.ts'], {
    NODE_ENV: 'production',
    DATABASE_URL: setup.url,
    LOG_LEVEL: 'warn',
    MIGRATE_ON_START: 'false',
    DATABASE_POOL_SIZE: String(pool),
    RATE_LIMIT_PER_MINUTE: '0',
    RATE_LIMIT_IP_PER_MINUTE: '0',
  });
}

export function startFloor(setup: Setup, pool: number): Promise<Server> {
  return startServer('floor', ['bench/floor-server.ts'], {
    NODE_ENV: 'production',
    DATABASE_URL: setup.url,
    DATABASE_POOL_SIZE: String(pool),
    FLOOR_TENANT_ID: setup.tenantId,
  });
}

export async function post(port: number, body: string, apiKey: string): Promise<{ status: number; text: string }> {
  const r = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body,
  });
  return { status: r.status, text: await r.text() };
}

/** Byte-compares the `data` of both answers; null when identical, else where they differ. */
export function compareData(ours: string, floor: string): string | null {
  let a: string;
  let b: string;
  try {
    a = JSON.stringify((JSON.parse(ours) as { data?: unknown }).data);
    b = JSON.stringify((JSON.parse(floor) as { data?: unknown }).data);
  } catch (e) {
    return `not JSON: ${String(e)}; ours ${ours.slice(0, 200)}; floor ${floor.slice(0, 200)}`;
  }
  if (ours.includes('"errors"')) return `ours answered errors: ${ours.slice(0, 400)}`;
  if (a === b) return ours === floor ? null : `data identical, whole bodies differ (ours ${ours.length} B, floor ${floor.length} B)`;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `data differ at byte ${i}: ours …${a.slice(Math.max(0, i - 120), i + 120)}… floor …${b.slice(Math.max(0, i - 120), i + 120)}…`;
}

// ---------------------------------------------------------------------------
// wrk
// ---------------------------------------------------------------------------

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  bytesPerResponse: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
}

let tmp: string | null = null;
function tmpDir(): string {
  return (tmp ??= mkdtempSync(path.join(os.tmpdir(), 'chatgraph-read-')));
}

/** A wrk Lua script that POSTs `body` and prints the summary as one JSON line. */
export function wrkScript(body: string, apiKey: string): string {
  let level = '=';
  while (body.includes(`]${level}]`)) level += '=';
  const text = `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer ${apiKey}"
wrk.body = [${level}[${body}]${level}]
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
`;
  const file = path.join(tmpDir(), `s${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(file, text);
  return file;
}

export function runWrk(opts: { port: number; script: string; connections: number; threads: number; seconds: number; path?: string; cpu?: string }): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const args = [
      `-t${Math.min(opts.threads, opts.connections)}`, `-c${opts.connections}`, `-d${opts.seconds}s`, '--timeout', '10s',
      '-s', opts.script, `http://127.0.0.1:${opts.port}${opts.path ?? '/graphql'}`,
    ];
    const child = opts.cpu ? spawn('taskset', ['-c', opts.cpu, 'wrk', ...args]) : spawn('wrk', args);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', () => {
      const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
      if (!line) return reject(new Error(`wrk gave no summary:\n${out}`));
      const j = JSON.parse(line.slice(8)) as Record<string, number>;
      const seconds = j.duration_us! / 1e6;
      resolve({
        requests: j.requests!,
        seconds,
        rps: j.requests! / seconds,
        p50Ms: j.p50_us! / 1000,
        p90Ms: j.p90_us! / 1000,
        p99Ms: j.p99_us! / 1000,
        meanMs: j.mean_us! / 1000,
        maxMs: j.max_us! / 1000,
        bytesPerResponse: j.requests! ? j.bytes! / j.requests! : 0,
        errors: { connect: j.connect!, read: j.read!, write: j.write!, status: j.status!, timeout: j.timeout! },
      });
    });
  });
}

/** CPU seconds (user + system) used so far by a process and its threads. */
export function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds used so far by all postgres processes (the server and its backends). */
export function postgresCpuSeconds(): number {
  const r = spawnSync('sh', ['-c', 'for p in $(pgrep -x postgres); do cat /proc/$p/stat 2>/dev/null; echo; done']);
  let total = 0;
  for (const line of r.stdout.toString().split('\n')) {
    if (!line.trim()) continue;
    const fields = line.slice(line.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) / 100;
  }
  return total;
}

// ---------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------

interface Measured extends WrkResult {
  serverCpuMsPerRequest: number;
  postgresCpuMsPerRequest: number;
  /** One connection, after the loaded run: the latency of a request alone. */
  unloaded?: { p50Ms: number; p99Ms: number; rps: number };
}

interface ScenarioResult {
  scenario: string;
  scope: string;
  page: string;
  depth: number;
  identical: boolean;
  difference: string | null;
  /** EXPLAIN ANALYZE of the floor's statement: execution time in ms. */
  floorSqlMs: number | null;
  floor: Measured;
  ours: Measured;
  ratio: { rps: number; p50: number; p99: number };
}

function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '–';
}

async function explainMs(url: string, tenantId: string, s: Scenario): Promise<number | null> {
  const v = (JSON.parse(s.body) as { variables: { c?: string; after?: string | null } }).variables;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const conds = [`m."tenantId" = ${tenantId}`];
    if (v.c) conds.push(`m."conversationId" = ${/^Conversation:(\d+)$/.exec(Buffer.from(v.c, 'base64').toString())![1]}`);
    if (v.after) {
      const [, ms, id] = /^M:(-?\d+):(\d+)$/.exec(Buffer.from(v.after, 'base64url').toString())!;
      conds.push(`(m."chatTime", m.id) < ('${new Date(Number(ms)).toISOString()}'::timestamptz, ${id}::bigint)`);
    }
    const sql = `EXPLAIN (ANALYZE, FORMAT JSON) SELECT m.id, m."whatsMessageId", m."chatTime", m.direction, m.status, m."contentType", m.content, m."parsedContent",
      m."contactId", ct."externalId", ct.name, ct.tags FROM "Message" m LEFT JOIN "Contact" ct ON ct.id = m."contactId" AND ct."tenantId" = m."tenantId"
      WHERE ${conds.join(' AND ')} ORDER BY m."chatTime" DESC, m.id DESC LIMIT 51`;
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const r = await c.query<{ 'QUERY PLAN': [{ 'Execution Time': number }] }>(sql);
      best = Math.min(best, r.rows[0]!['QUERY PLAN'][0]['Execution Time']);
    }
    return best;
  } catch {
    return null;
  } finally {
    await c.end();
  }
}

async function measure(
  server: Server,
  script: string,
  o: { connections: number; threads: number; duration: number; warmup: number; unloaded: boolean },
): Promise<Measured> {
  if (o.warmup > 0) await runWrk({ port: server.port, script, connections: o.connections, threads: o.threads, seconds: o.warmup });
  const cpu0 = cpuSeconds(server.child.pid!);
  const pg0 = postgresCpuSeconds();
  const r = await runWrk({ port: server.port, script, connections: o.connections, threads: o.threads, seconds: o.duration });
  const cpu = cpuSeconds(server.child.pid!) - cpu0;
  const pgCpu = postgresCpuSeconds() - pg0;
  const m: Measured = { ...r, serverCpuMsPerRequest: (cpu * 1000) / r.requests, postgresCpuMsPerRequest: (pgCpu * 1000) / r.requests };
  if (o.unloaded) {
    const u = await runWrk({ port: server.port, script, connections: 1, threads: 1, seconds: 3 });
    m.unloaded = { p50Ms: u.p50Ms, p99Ms: u.p99Ms, rps: u.rps };
  }
  return m;
}

export function wrkVersion(): string {
  const r = spawnSync('wrk', ['-v']);
  return (r.stdout.toString() + r.stderr.toString()).split('\n')[0]!.trim();
}

async function main(): Promise<void> {
  const USAGE = `usage: npx tsx bench/read.ts [--database-url URL] [--messages N] [--seed S] [--pool N] [--connections N] [--threads N]
      [--duration S] [--warmup S] [--depth N] [--no-unloaded] [--out FILE]`;
  const { values, flags } = parseArgs(
    process.argv.slice(2),
    { values: ['database-url', 'messages', 'seed', 'pool', 'connections', 'threads', 'duration', 'warmup', 'depth', 'out'], flags: ['no-unloaded'] },
    USAGE,
  );
  if (spawnSync('wrk', ['-v']).error) throw new Error('wrk is not installed (Debian: apt-get install -y wrk)');
  const url = values.get('database-url') ?? process.env.BENCH_DATABASE_URL ?? DEFAULT_URL;
  const messages = intArg(values, 'messages', 1_000_000);
  const seed = seedOf(values.get('seed'), 42);
  const pool = intArg(values, 'pool', 10);
  const o = {
    connections: intArg(values, 'connections', 32),
    threads: intArg(values, 'threads', 2),
    duration: intArg(values, 'duration', 10),
    warmup: intArg(values, 'warmup', 3, 0),
    unloaded: !flags.has('no-unloaded'),
  };
  const depth = intArg(values, 'depth', 100_000);
  const out = path.resolve(values.get('out') ?? path.join(ROOT, 'bench/results/latest-read.json'));
  const started = Date.now();

  const setup = await prepare({ url, messages, seed, depth });
  const machine: MachineInfo = await machineInfo(url);
  log(
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.platform}; node ${machine.node}; PostgreSQL ${machine.postgres}; ${wrkVersion()}`,
  );
  log(
    `dataset: ${fmtInt(setup.totalMessages)} messages; tenant ${setup.tenantId} has ${fmtInt(setup.tenantMessages)}; ` +
      `largest conversation ${setup.conversationId} has ${fmtInt(setup.conversationMessages)}`,
  );
  log(`load: ${setup.load.loadedNow ? `loaded now in ${fmt(setup.load.seconds ?? NaN, 0)} s` : 'already loaded, reused'}`);
  log(`wrk: ${o.connections} connections, ${o.threads} threads, ${o.warmup} s warm-up + ${o.duration} s per run; pool ${pool} on both servers`);

  const floor = await startFloor(setup, pool);
  const ours = await startOurs(setup, pool);
  const results: ScenarioResult[] = [];
  try {
    for (const s of setup.scenarios) {
      const a = await post(ours.port, s.body, setup.apiKey);
      const b = await post(floor.port, s.body, setup.apiKey);
      if (a.status !== 200 || b.status !== 200) throw new Error(`${s.name}: HTTP ours ${a.status} ${a.text.slice(0, 300)} / floor ${b.status} ${b.text.slice(0, 300)}`);
      const difference = compareData(a.text, b.text);
      const edges = (JSON.parse(a.text) as { data: { messages: { edges: unknown[] } } }).data.messages.edges.length;
      log(`check ${s.name}: ${edges} edges, ${a.text.length} B; ${difference === null ? 'byte-identical answers' : difference}`);
      const floorSqlMs = await explainMs(url, setup.tenantId, s);
      const script = wrkScript(s.body, setup.apiKey);
      const f = await measure(floor, script, o);
      log(`  floor ${s.name}: ${fmt(f.rps, 0)} req/s, p50 ${fmt(f.p50Ms, 2)} ms, p99 ${fmt(f.p99Ms, 2)} ms`);
      const u = await measure(ours, script, o);
      log(`  ours  ${s.name}: ${fmt(u.rps, 0)} req/s, p50 ${fmt(u.p50Ms, 2)} ms, p99 ${fmt(u.p99Ms, 2)} ms`);
      for (const [who, m] of [['floor', f], ['ours', u]] as const) {
        const e = m.errors;
        if (e.connect + e.read + e.write + e.status + e.timeout > 0) log(`  WARNING ${who}: wrk errors ${JSON.stringify(e)}`);
      }
      results.push({
        scenario: s.name,
        scope: s.scope,
        page: s.page,
        depth: s.depth,
        identical: difference === null || difference.startsWith('data identical'),
        difference,
        floorSqlMs,
        floor: f,
        ours: u,
        ratio: { rps: u.rps / f.rps, p50: u.p50Ms / f.p50Ms, p99: u.p99Ms / f.p99Ms },
      });
    }
  } finally {
    await ours.stop();
    await floor.stop();
  }

  const deepRatio = (scope: string, who: 'ours' | 'floor') => {
    const p1 = results.find((r) => r.scope === scope && r.page === 'page 1')![who];
    const deep = results.find((r) => r.scope === scope && r.page === 'deep')![who];
    return {
      p50: deep.p50Ms / p1.p50Ms,
      p99: deep.p99Ms / p1.p99Ms,
      rps: p1.rps / deep.rps,
      unloadedP50: deep.unloaded && p1.unloaded ? deep.unloaded.p50Ms / p1.unloaded.p50Ms : null,
    };
  };
  const targets = {
    throughputVsFloor: { target: '≥ 0.5', byScenario: Object.fromEntries(results.map((r) => [r.scenario, r.ratio.rps])), met: results.every((r) => r.ratio.rps >= 0.5) },
    deepVsPage1: {
      target: 'deep p50 ≤ 1.5 × page-1 p50',
      conversation: { ours: deepRatio('conversation', 'ours'), floor: deepRatio('conversation', 'floor') },
      tenant: { ours: deepRatio('tenant', 'ours'), floor: deepRatio('tenant', 'floor') },
      met: ['conversation', 'tenant'].every((s) => deepRatio(s, 'ours').p50 <= 1.5),
    },
  };

  const report = {
    benchmark: 'read',
    date: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    machine: { ...machine, wrk: wrkVersion() },
    dataset: {
      seed,
      messages: setup.totalMessages,
      tenantId: setup.tenantId,
      tenantMessages: setup.tenantMessages,
      conversationId: setup.conversationId,
      conversationMessages: setup.conversationMessages,
      load: setup.load,
    },
    settings: { ...o, pool },
    queries: { conversation: QUERY_CONVERSATION, tenant: QUERY_TENANT },
    results,
    targets,
  };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2) + '\n');

  log('');
  log('| scenario | floor req/s | floor p50 / p99 ms | ours req/s | ours p50 / p99 ms | ours/floor req/s | ours CPU ms/req (floor) | PG CPU ms/req ours (floor) | unloaded p50 ms ours (floor) | floor SQL ms |');
  log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    log(
      `| ${r.scenario} | ${fmt(r.floor.rps, 0)} | ${fmt(r.floor.p50Ms, 1)} / ${fmt(r.floor.p99Ms, 1)} | ${fmt(r.ours.rps, 0)} | ${fmt(r.ours.p50Ms, 1)} / ${fmt(r.ours.p99Ms, 1)} | ` +
        `**${fmt(r.ratio.rps, 2)}** | ${fmt(r.ours.serverCpuMsPerRequest, 2)} (${fmt(r.floor.serverCpuMsPerRequest, 2)}) | ` +
        `${fmt(r.ours.postgresCpuMsPerRequest, 2)} (${fmt(r.floor.postgresCpuMsPerRequest, 2)}) | ` +
        `${r.ours.unloaded ? fmt(r.ours.unloaded.p50Ms, 2) : '–'} (${r.floor.unloaded ? fmt(r.floor.unloaded.p50Ms, 2) : '–'}) | ${r.floorSqlMs === null ? '–' : fmt(r.floorSqlMs, 2)} |`,
    );
  }
  log('');
  log('| deep / page 1 | ours p50 | ours p99 | ours unloaded p50 | floor p50 | floor unloaded p50 |');
  log('|---|---:|---:|---:|---:|---:|');
  for (const scope of ['conversation', 'tenant'] as const) {
    const a = deepRatio(scope, 'ours');
    const b = deepRatio(scope, 'floor');
    log(`| ${scope} | **${fmt(a.p50, 2)}** | ${fmt(a.p99, 2)} | ${a.unloadedP50 === null ? '–' : fmt(a.unloadedP50, 2)} | ${fmt(b.p50, 2)} | ${b.unloadedP50 === null ? '–' : fmt(b.unloadedP50, 2)} |`);
  }
  log('');
  log(`targets: ours/floor throughput ≥ 0.5: ${targets.throughputVsFloor.met ? 'met' : 'NOT met'}; deep within 1.5× of page 1: ${targets.deepVsPage1.met ? 'met' : 'NOT met'}`);
  log(`answers identical in every scenario: ${results.every((r) => r.identical) ? 'yes' : 'NO (see above)'}`);
  log(`wrote ${path.relative(process.cwd(), out)} (${fmt(report.seconds, 0)} s)`);
}

if (isEntryModule(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
