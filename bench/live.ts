// The live benchmark (issue "Live"): N subscribers (100, 1,000, 5,000) on one
// instance, status events posted through the CLIENT_SYNC_MESSAGE_STATUS
// webhook at a steady rate; delivered events/s, latency from post to
// receipt (p50/p99), loss (must be zero) and server RSS. Beside it, in the
// same run, a raw `ws` broadcast of the same payload (bench/live-floor-server.ts:
// node:http + ws, no GraphQL, no database) at the same rate.
//
//   npx tsx bench/live.ts [--database-url postgresql://postgres@127.0.0.1:55432/bench_live]
//       [--subscribers 100,1000,5000] [--rate 500] [--duration 20] [--batch 10]
//       [--conversations 100] [--mode conversation|tenant] [--servers ours,floor]
//       [--clients 2] [--client raw|ws] [--server-cpu 0] [--client-cpu 1] [--postgres-cpu none|N] [--warmup 0] [--out bench/results/latest-live.json]
//   LIVE_PROF=<dir> writes the server's CPU profile there (the floor's in <dir>/floor), LIVE_HEAP=<dir> a heap snapshot once all are subscribed,
//   LIVE_NODE_ARGS='--flag …' passes V8/Node flags to our server (tracing, logs).
//
// Mode `conversation` (default): subscriber i watches conversation i mod C
// (`where: { conversationId }`), so each event reaches N / C subscribers —
// a supervisor dashboard per conversation. Mode `tenant`: every subscriber
// watches the whole tenant, so each event reaches all N.
// Our server runs in its own process (production mode, real PostgreSQL),
// pinned to one core; this process (the poster) and the receiving processes
// (bench/live-receivers.ts, --clients of them, subscriber i in process
// i mod clients) share the other. Post and receipt times are one clock
// across them (performance.timeOrigin + performance.now()). Besides latency,
// each run reports the CPU seconds of the server, the receivers and the
// poster, and the machine's load average and busy CPU seconds (other work
// shares the cores). --warmup W: the first W seconds of events (posted at the
// same rate, to the same subscribers, each delivery still checked) are not
// measured: latency, CPU and delivered/s are those of the next --duration
// seconds. Both servers and the receivers start cold; the first seconds after
// the first event are slower for all of them.
// The database is created afresh each run.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { msgSyncAccessToken } from '../src/auth/webhook-signatures.ts';
import { createTenant, type TenantCredentials } from '../src/auth/tenants.ts';
import { loadSecretBox } from '../src/auth/secret-box.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { formatLocalDateTime } from '../src/domain/local-time.ts';
import type { OpenCommand, ReceiverResult } from './live-receivers.ts';
import { ROOT, builtEntries, startServer, type Server } from './read.ts';
import { freshDatabase, fmtInt, intArg, machineInfo, parseArgs, pinPostgres, quantile } from './support.ts';

const DEFAULT_URL = 'postgresql://postgres@127.0.0.1:55432/bench_live';
const QUERY = 'subscription S($where: MessageEventWhere) { messageStatusChanged(where: $where) { messageId conversationId whatsMessageId previousStatus status changedAt } }';
const log = (s: string) => process.stdout.write(s + '\n');
/** One clock across the bench's processes (ms since the epoch, fractional). */
const clock = () => performance.timeOrigin + performance.now();
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

interface Conversation {
  /** Row id (the floor's filter) and global id (ours). */
  rowId: string;
  globalId: string;
  friend: string;
}

interface Scenario {
  server: 'ours' | 'floor';
  subscribers: number;
  mode: 'conversation' | 'tenant';
  /** C: subscriber i watches conversation i mod C (conversation mode). */
  conversations: number | null;
  rate: number;
  offeredDeliveriesPerSecond: number;
  seconds: number;
  events: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  /** Frames that were no expected delivery (errors, completes, unknown events). */
  unexpectedFrames: number;
  /** Webhook posts that failed (their events are lost). */
  failedPosts: number;
  deliveredPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** p50 and p99 of the deliveries of the events posted in each measured second: whether a p99 is a steady overload or a spike. */
  latencyBySecondMs: { p50: number; p99: number }[];
  webhookMs: { p50: number; p99: number };
  serverRssMb: number;
  /** With every subscriber subscribed, before the first event. */
  serverRssSubscribedMb: number;
  serverPeakRssMb: number;
  /** CPU seconds used during the scenario (posting and draining) by the server, the receiving processes and the poster. */
  cpuSeconds: { server: number; receivers: number; poster: number };
  /** Our server's collections over the measured window and the drain, by kind (null for the floor, which has no /metrics). */
  serverGc: Record<string, { count: number; ms: number }> | null;
  serverCpuUsPerDelivery: number;
  /** 1-minute load average of the machine (shared) before and after. */
  loadAverage: { before: number; after: number };
  /** Busy CPU seconds of the whole machine (both cores, every process) over the same window as cpuSeconds. */
  machineCpuSeconds: number;
  /** Seconds of events posted before the measured ones (--warmup). */
  warmupSeconds: number;
}

function post(port: number, path: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** CPU seconds a process has used (user + system, /proc/<pid>/stat). */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Busy CPU seconds of the machine since boot (/proc/stat: user, nice, system, irq, softirq, steal). */
function machineCpu(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / 100;
}

/** Our server's GC so far, by kind (major, minor, incremental, weakcb): collections and seconds, from its /metrics (prom-client's default metrics). */
async function gcOf(port: number): Promise<Record<string, { count: number; seconds: number }>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Record<string, { count: number; seconds: number }> = {};
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} ([\d.e+-]+)$/gm)) {
    const entry = (out[m[2]!] ??= { count: 0, seconds: 0 });
    if (m[1] === 'sum') entry.seconds = Number(m[3]);
    else entry.count = Number(m[3]);
  }
  return out;
}

function gcDelta(after: Record<string, { count: number; seconds: number }>, before: Record<string, { count: number; seconds: number }>) {
  return Object.fromEntries(Object.entries(after).map(([kind, a]) => [kind, { count: a.count - (before[kind]?.count ?? 0), ms: Math.round((a.seconds - (before[kind]?.seconds ?? 0)) * 1000) }]));
}

function rssOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Stores `perConversation` PENDING messages in each conversation through MSG_SYNC_MESSAGE. */
async function seedMessages(port: number, tenant: TenantCredentials, conversations: number, perConversation: number): Promise<string[][]> {
  const ids: string[][] = Array.from({ length: conversations }, () => []);
  const items: unknown[] = [];
  for (let m = 0; m < perConversation; m++) {
    for (let c = 0; c < conversations; c++) {
      const messageId = `3EB0LIVE${String(c).padStart(4, '0')}${String(m).padStart(6, '0')}`;
      ids[c]!.push(messageId);
      const friend = `4477${String(1_000_000 + c)}`;
      items.push({
        id: `sync-${messageId}`, messageId, userName: 'agent1', whatsId: '8613700000001@c.us', friendWhatsId: `${friend}@c.us`,
        currentWhatsId: '8613700000001@c.us', actionType: 1, chatType: 1, messageStatus: 1, content: `message ${m}`, contentType: 0,
        originType: 1, sendTime: formatLocalDateTime(new Date(Date.UTC(2025, 0, 1) + m * 1000), 'Asia/Shanghai'),
        userProfile: { id: 5_000_000 + c, name: `Friend ${c}`, whatsApp: friend, username: 'owner', tags: [], extendsMap: '', income: '', profession: '', desc: '', email: '', address: '' },
        taskId: 0, taskInfoId: 0,
      });
    }
  }
  let timestamp = 0;
  for (let i = 0; i < items.length; i += 50) {
    // A timestamp (so an accessToken) of its own per delivery: a token is good for one body.
    timestamp = Math.max(Date.now(), timestamp + 1);
    const body = JSON.stringify({ accessToken: msgSyncAccessToken(tenant.webhookSecret, tenant.tenantId.toString(), timestamp), tenantId: Number(tenant.tenantId), timestamp, data: items.slice(i, i + 50) });
    const status = await post(port, '/webhooks/MSG_SYNC_MESSAGE', body, {});
    if (status !== 200) throw new Error(`seeding messages: MSG_SYNC_MESSAGE answered ${status}`);
  }
  return ids;
}

/** The receiving processes (bench/live-receivers.ts), each with a share of the subscribers. */
class Receivers {
  private readonly children: ChildProcess[] = [];
  private readonly counts: number[] = [];

  constructor(n: number) {
    for (let k = 0; k < n; k++) {
      const child = fork(`${ROOT}/bench/live-receivers.ts`, [], { execArgv: ['--import', 'tsx', '--max-old-space-size=4096'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (m: { type: string; count?: number }) => {
        if (m.type === 'count') this.counts[k] = m.count!;
      });
      this.children.push(child);
      this.counts.push(0);
    }
  }

  private reply<T>(child: ChildProcess, type: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const on = (m: { type: string; message?: string }) => {
        if (m.type === 'failed') reject(new Error(`receiver: ${m.message}`));
        else if (m.type !== type) return;
        else resolve(m as T);
        child.off('message', on);
      };
      child.on('message', on);
    });
  }

  async ready(): Promise<void> {
    await Promise.all(this.children.map((c) => this.reply(c, 'ready')));
  }

  /** Subscriber i goes to receiver i mod n. */
  async open(cmd: Omit<OpenCommand, 'type' | 'subscribers'>, subscribers: OpenCommand['subscribers']): Promise<void> {
    this.counts.fill(0);
    await Promise.all(
      this.children.map((c, k) => {
        const opened = this.reply(c, 'opened');
        c.send({ type: 'open', ...cmd, subscribers: subscribers.filter((s) => s.i % this.children.length === k) } satisfies OpenCommand);
        return opened;
      }),
    );
  }

  /** Receipts so far (as last reported, every 250 ms). */
  get received(): number {
    return this.counts.reduce((a, b) => a + b, 0);
  }

  /** CPU seconds the receiving processes used since their subscribers opened. */
  async cpuSeconds(): Promise<number> {
    const all = await Promise.all(
      this.children.map((c) => {
        const reply = this.reply<{ cpuSeconds: number }>(c, 'cpu');
        c.send({ type: 'cpu' });
        return reply;
      }),
    );
    return all.reduce((a, r) => a + r.cpuSeconds, 0);
  }

  async finish(): Promise<ReceiverResult[]> {
    return Promise.all(
      this.children.map((c) => {
        const result = this.reply<ReceiverResult>(c, 'result');
        c.send({ type: 'finish' });
        return result;
      }),
    );
  }

  stop(): void {
    for (const c of this.children) c.send({ type: 'exit' });
  }
}

const STATUS_NAMES = ['', 'PENDING', 'SENT', 'DELIVERED', 'READ'];

async function runScenario(opts: {
  server: Server;
  kind: 'ours' | 'floor';
  receivers: Receivers;
  subscribers: number;
  mode: 'conversation' | 'tenant';
  rate: number;
  seconds: number;
  warmup: number;
  batch: number;
  conversations: Conversation[];
  messages: string[][];
  tenant: TenantCredentials;
  client: 'ws' | 'raw';
}): Promise<Scenario> {
  const { server, kind, receivers, subscribers: n, mode, rate, seconds, warmup, batch, conversations, messages, tenant } = opts;
  const loadBefore = os.loadavg()[0]!;

  // The events: messages taken round-robin over conversations, each raised one step per event (SENT, DELIVERED, READ).
  const total = rate * (warmup + seconds);
  /** Events before this index are the warm-up's: delivered and checked, not measured. */
  const measuredFrom = rate * warmup;
  const events: { conversation: number; whatsMessageId: string; status: number }[] = [];
  const perStep = Math.ceil(total / 3);
  for (const status of [2, 3, 4]) {
    for (let i = 0; i < perStep && events.length < total; i++) {
      const c = i % conversations.length;
      events.push({ conversation: c, whatsMessageId: messages[c]![Math.floor(i / conversations.length)]!, status });
    }
  }
  const subsOf = (c: number) => (mode === 'tenant' ? n : Math.floor(n / conversations.length) + (c < n % conversations.length ? 1 : 0));
  const expected = events.reduce((s, e) => s + subsOf(e.conversation), 0);
  const expectedMeasured = events.slice(measuredFrom).reduce((s, e) => s + subsOf(e.conversation), 0);

  await receivers.open(
    { server: kind, port: server.port, key: tenant.readKey, query: QUERY, client: opts.client, eventKeys: events.map((e) => `${e.whatsMessageId}:${STATUS_NAMES[e.status]}`) },
    Array.from({ length: n }, (_, i) => ({ i, conversation: mode === 'conversation' ? conversations[i % conversations.length]! : null })),
  );
  // Subscriptions are set up asynchronously after the subscribe message: let them settle.
  await new Promise((r) => setTimeout(r, 1000 + n / 5));
  const rssBefore = rssOf(server.child.pid!);
  if (process.env.LIVE_HEAP && kind === 'ours') {
    // A heap snapshot of the server with every subscriber subscribed (written into its working directory).
    server.child.kill('SIGUSR2');
    await new Promise((r) => setTimeout(r, 30_000));
  }
  // CPU is counted from the first measured event (after the warm-up).
  let cpuBefore = cpuOf(server.child.pid!);
  let benchCpuBefore = process.cpuUsage();
  let machineBefore = machineCpu();
  let receiverCpuBefore = 0;

  const postedAt = new Float64Array(events.length);
  const webhookMs: number[] = [];
  const postErrors: string[] = [];
  const start = performance.now();
  let measuredStart = start;
  let gcBefore = kind === 'ours' && measuredFrom === 0 ? await gcOf(server.port) : null;
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < events.length; i += batch) {
    const due = start + (i / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (i === measuredFrom && i > 0) {
      measuredStart = performance.now();
      cpuBefore = cpuOf(server.child.pid!);
      benchCpuBefore = process.cpuUsage();
      machineBefore = machineCpu();
      receiverCpuBefore = await receivers.cpuSeconds();
      if (kind === 'ours') gcBefore = await gcOf(server.port);
    }
    const chunk = events.slice(i, i + batch);
    const body =
      kind === 'ours'
        ? JSON.stringify(chunk.map((e) => ({ userId: '1255', taskId: '', taskInfoId: '', messageStatus: e.status, messageId: e.whatsMessageId })))
        : JSON.stringify(chunk.map((e) => ({ messageId: 'x', conversationId: conversations[e.conversation]!.rowId, whatsMessageId: e.whatsMessageId, previousStatus: STATUS_NAMES[e.status - 1], status: STATUS_NAMES[e.status], changedAt: new Date().toISOString() })));
    const t0 = clock();
    postedAt.fill(t0, i, i + chunk.length);
    inflight.push(
      post(server.port, kind === 'ours' ? '/webhooks/CLIENT_SYNC_MESSAGE_STATUS' : '/events', body, kind === 'ours' ? { token: tenant.ingestKey } : {}).then(
        (status) => {
          if (status !== 200) postErrors.push(`webhook answered ${status}`);
          if (i >= measuredFrom) webhookMs.push(clock() - t0);
        },
        // Counted (its events then show as lost), not fatal before the drain.
        (err: Error) => void postErrors.push(err.message),
      ),
    );
  }
  await Promise.all(inflight);
  const postSeconds = (performance.now() - measuredStart) / 1000;
  // Drain: wait until everything expected arrived, or 10 s of silence.
  let last = -1;
  let still = 0;
  let lastChange = performance.now();
  while (receivers.received < expected && still < 40) {
    await new Promise((r) => setTimeout(r, 250));
    const now = receivers.received;
    if (now === last) still++;
    else {
      still = 0;
      lastChange = performance.now();
    }
    last = now;
  }
  const rss = rssOf(server.child.pid!);
  const serverCpu = cpuOf(server.child.pid!) - cpuBefore;
  const gc = gcBefore ? gcDelta(await gcOf(server.port), gcBefore) : null;
  const machineCpuSeconds = machineCpu() - machineBefore;
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const results = await receivers.finish();
  const perEvent = new Int32Array(events.length);
  const lat: number[] = [];
  /** Measured latencies by the second (from the first measured post) their event was posted in. */
  const bySecond: number[][] = [];
  const measuredAt = performance.timeOrigin + measuredStart;
  let unexpected = 0;
  for (const r of results) {
    unexpected += r.unexpected;
    for (let j = 0; j < r.events.length; j++) {
      perEvent[r.events[j]!]!++;
      if (r.events[j]! >= measuredFrom) {
        const posted = postedAt[r.events[j]!]!;
        lat.push(r.times[j]! - posted);
        (bySecond[Math.max(0, Math.floor((posted - measuredAt) / 1000))] ??= []).push(r.times[j]! - posted);
      }
    }
  }
  /** Measured deliveries (the warm-up's are checked for loss and duplicates below, not counted here). */
  const delivered = lat.length;
  const deliverySeconds = (lastChange - measuredStart) / 1000;
  let duplicates = 0;
  let lost = 0;
  for (const [e, ev] of events.entries()) {
    const got = perEvent[e]!;
    const want = subsOf(ev.conversation);
    if (got > want) duplicates += got - want;
    if (got < want) lost += want - got;
  }
  if (postErrors.length) log(`${postErrors.length} posts failed: ${[...new Set(postErrors)].join('; ')}`);
  lat.sort((a, b) => a - b);
  const wh = webhookMs.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    server: kind,
    subscribers: n,
    mode,
    conversations: mode === 'conversation' ? conversations.length : null,
    rate,
    offeredDeliveriesPerSecond: Math.round(expectedMeasured / seconds),
    seconds: round(postSeconds),
    events: events.length,
    expected: expectedMeasured,
    delivered,
    lost,
    duplicates,
    unexpectedFrames: unexpected,
    failedPosts: postErrors.length,
    deliveredPerSecond: Math.round(delivered / Math.max(postSeconds, deliverySeconds)),
    latencyMs: { p50: round(quantile(lat, 0.5)), p99: round(quantile(lat, 0.99)), max: round(lat[lat.length - 1] ?? 0) },
    latencyBySecondMs: [...bySecond].map((l = []) => {
      l.sort((a, b) => a - b);
      return { p50: round(quantile(l, 0.5)), p99: round(quantile(l, 0.99)) };
    }),
    webhookMs: { p50: round(quantile(wh, 0.5)), p99: round(quantile(wh, 0.99)) },
    serverRssMb: Math.round(rss.rss),
    serverRssSubscribedMb: Math.round(rssBefore.rss),
    serverPeakRssMb: Math.round(rss.peak),
    cpuSeconds: {
      server: round(serverCpu),
      receivers: round(results.reduce((a, r) => a + r.cpuSeconds, 0) - receiverCpuBefore),
      poster: round((benchCpu.user + benchCpu.system) / 1e6),
    },
    serverCpuUsPerDelivery: round((serverCpu * 1e6) / Math.max(delivered, 1)),
    serverGc: gc,
    loadAverage: { before: round(loadBefore), after: round(os.loadavg()[0]!) },
    machineCpuSeconds: round(machineCpuSeconds),
    warmupSeconds: warmup,
  };
}

async function main() {
  const { values, flags } = parseArgs(
    process.argv.slice(2),
    { values: ['database-url', 'subscribers', 'rate', 'duration', 'batch', 'conversations', 'mode', 'out', 'servers', 'clients', 'client', 'server-cpu', 'client-cpu', 'postgres-cpu', 'warmup'], flags: ['tsx'] },
    'usage: npx tsx bench/live.ts [--database-url URL] [--subscribers 100,1000,5000] [--rate 500] [--duration 20] [--warmup 0] [--batch 10] [--conversations 100] [--mode conversation|tenant] [--servers ours,floor] [--clients 2] [--client raw|ws] [--server-cpu 0|none] [--client-cpu 1] [--postgres-cpu none|N] [--out FILE] [--tsx]',
  );
  // Both servers built, under plain node (ours as `npm start` runs it: bench/read.ts builtEntries); --tsx: their sources under tsx, as runs before 2026-12-05 14:30 UTC.
  const sources = { ours: 'src/main.ts', floor: 'bench/live-floor-server.ts' };
  const entry = flags.has('tsx') ? sources : await builtEntries(sources);
  const url = values.get('database-url') ?? DEFAULT_URL;
  const counts = (values.get('subscribers') ?? '100,1000,5000').split(',').map(Number);
  const rate = intArg(values, 'rate', 500);
  const seconds = intArg(values, 'duration', 20);
  const warmup = intArg(values, 'warmup', 0, 0);
  const batch = intArg(values, 'batch', 10);
  const conversationCount = intArg(values, 'conversations', 100);
  const mode = (values.get('mode') ?? 'conversation') as 'conversation' | 'tenant';
  if (mode !== 'conversation' && mode !== 'tenant') throw new Error('--mode must be conversation or tenant');
  const out = values.get('out') ?? 'bench/results/latest-live.json';
  const servers = (values.get('servers') ?? 'ours,floor').split(',');
  if (servers.some((s) => s !== 'ours' && s !== 'floor')) throw new Error('--servers lists ours and/or floor');
  // The server on one core, everything else of the bench (poster, receivers) on the other, as bench/read.ts does.
  const pinned = os.cpus().length > 1 && values.get('server-cpu') !== 'none';
  const serverCpu = pinned ? (values.get('server-cpu') ?? '0') : undefined;
  const clientCpu = values.get('client-cpu') ?? '1';
  if (pinned) execFileSync('taskset', ['-a', '-p', '-c', clientCpu, String(process.pid)], { stdio: 'ignore' });
  // PostgreSQL unpinned by default: pinned beside the receivers (--postgres-cpu 1),
  // its commits wait behind them (17:33 UTC: webhook p50 2.7 s against 118 ms unpinned).
  const postgresCpuArg = values.get('postgres-cpu') ?? 'none';
  const postgres = pinPostgres(url, postgresCpuArg === 'none' ? null : postgresCpuArg);
  log(postgres.cpu === null ? `PostgreSQL not pinned (${postgres.why})` : `PostgreSQL's processes pinned to CPU ${postgres.cpu} (restored to every CPU afterwards)`);
  const client = (values.get('client') ?? 'raw') as 'raw' | 'ws';
  if (client !== 'raw' && client !== 'ws') throw new Error('--client must be raw or ws');
  const receivers = new Receivers(intArg(values, 'clients', 2));
  await receivers.ready();

  log(`live benchmark: ${counts.join(', ')} subscribers (${mode}), ${rate} status events/s for ${seconds} s${warmup ? ` after ${warmup} s of warm-up` : ''}, batches of ${batch}, ${conversationCount} conversations`);
  await freshDatabase(url);
  const db = await openDatabase({ databaseUrl: url, dataDir: '', databasePoolSize: 2, migrateOnStart: true });
  // Sealed with the key the server will use (SECRETS_KEY or ./data/secrets.key).
  const { box } = loadSecretBox({ secretsKey: loadConfig(process.env).secretsKey, dataDir: `${ROOT}/data` });
  const tenant = await createTenant(db.prisma, box, { id: 7001n, name: 'Live bench' });

  const ours = await startServer('ours', [...(process.env.LIVE_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.LIVE_PROF] : []), ...(process.env.LIVE_HEAP ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${process.env.LIVE_HEAP}`] : []), ...(process.env.LIVE_NODE_ARGS?.split(' ').filter(Boolean) ?? []), entry.ours], { NODE_ENV: 'production', DATABASE_URL: url, LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false', DATABASE_POOL_SIZE: '10' }, serverCpu);
  const perConversation = Math.ceil((rate * (warmup + seconds)) / 3 / conversationCount) * counts.length;
  log(`seeding ${fmtInt(perConversation * conversationCount)} messages …`);
  const messages = await seedMessages(ours.port, tenant, conversationCount, perConversation);
  const rows = await db.pool.query<{ id: string; friend: string }>(`SELECT id::text, "friendWhatsIdBare" AS friend FROM "Conversation" WHERE "tenantId" = $1`, [tenant.tenantId.toString()]);
  const byFriend = new Map(rows.rows.map((r) => [r.friend, r.id]));
  const conversations: Conversation[] = messages.map((_, c) => {
    const friend = `4477${String(1_000_000 + c)}`;
    const rowId = byFriend.get(friend)!;
    return { rowId, globalId: Buffer.from(`Conversation:${rowId}`).toString('base64'), friend };
  });

  const results: Scenario[] = [];
  try {
    for (const [i, n] of servers.includes('ours') ? counts.entries() : []) {
      const slice = messages.map((m) => m.slice((i * m.length) / counts.length, ((i + 1) * m.length) / counts.length));
      const r = await runScenario({ server: ours, kind: 'ours', receivers, subscribers: n, mode, rate, seconds, batch, conversations, messages: slice, tenant, client, warmup });
      results.push(r);
      log(`ours  ${fmtInt(n)} subs: ${fmtInt(r.delivered)}/${fmtInt(r.expected)} delivered (${fmtInt(r.deliveredPerSecond)}/s of ${fmtInt(r.offeredDeliveriesPerSecond)}/s), load ${r.loadAverage.before}→${r.loadAverage.after}, lost ${r.lost}, dup ${r.duplicates}, unexpected frames ${r.unexpectedFrames}, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms, webhook p50 ${r.webhookMs.p50} ms, RSS ${r.serverRssMb} MB (peak ${r.serverPeakRssMb}, subscribed ${r.serverRssSubscribedMb}), CPU s server ${r.cpuSeconds.server} (${r.serverCpuUsPerDelivery} µs/delivery) receivers ${r.cpuSeconds.receivers} poster ${r.cpuSeconds.poster}, machine ${r.machineCpuSeconds}${r.serverGc ? `; GC ${Object.entries(r.serverGc).map(([k, g]) => `${k} ${g.count} (${g.ms} ms)`).join(', ')}` : ''}`);
      log(`      p50/p99 ms by second posted: ${r.latencyBySecondMs.map((s) => `${s.p50}/${s.p99}`).join(' ')}`);
    }
  } finally {
    await ours.stop();
  }
  const floor = await startServer('floor', [...(process.env.LIVE_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.LIVE_PROF + '/floor'] : []), entry.floor], { NODE_ENV: 'production' }, serverCpu);
  try {
    for (const n of servers.includes('floor') ? counts : []) {
      const r = await runScenario({ server: floor, kind: 'floor', receivers, subscribers: n, mode, rate, seconds, batch, conversations, messages, tenant, client, warmup });
      results.push(r);
      log(`floor ${fmtInt(n)} subs: ${fmtInt(r.delivered)}/${fmtInt(r.expected)} delivered (${fmtInt(r.deliveredPerSecond)}/s of ${fmtInt(r.offeredDeliveriesPerSecond)}/s), load ${r.loadAverage.before}→${r.loadAverage.after}, lost ${r.lost}, unexpected frames ${r.unexpectedFrames}, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, RSS ${r.serverRssMb} MB, CPU s server ${r.cpuSeconds.server} (${r.serverCpuUsPerDelivery} µs/delivery) receivers ${r.cpuSeconds.receivers} poster ${r.cpuSeconds.poster}, machine ${r.machineCpuSeconds}`);
      log(`      p50/p99 ms by second posted: ${r.latencyBySecondMs.map((s) => `${s.p50}/${s.p99}`).join(' ')}`);
    }
  } finally {
    await floor.stop();
  }
  await db.close();
  receivers.stop();

  const machine = await machineInfo(url);
  const report = { benchmark: 'live', date: new Date().toISOString(), machine, settings: { subscribers: counts, mode, rate, seconds, warmup, batch, conversations: conversationCount, receivingProcesses: intArg(values, 'clients', 2), client, serverCpu: serverCpu ?? null, clientCpu: pinned ? clientCpu : null, postgresCpu: postgres.cpu ?? `not pinned (${postgres.why})`, runtime: flags.has('tsx') ? 'tsx' : 'built', query: QUERY }, results };
  writeFileSync(path.resolve(ROOT, out), JSON.stringify(report, null, 2) + '\n');
  log(`\n| server | subscribers | events/s posted | deliveries/s offered | delivered/s | lost | p50 ms | p99 ms | server RSS MB | load |\n|---|---|---|---|---|---|---|---|---|---|`);
  for (const r of results) log(`| ${r.server} | ${fmtInt(r.subscribers)} | ${r.rate} | ${fmtInt(r.offeredDeliveriesPerSecond)} | ${fmtInt(r.deliveredPerSecond)} | ${r.lost} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${r.serverRssMb} | ${r.loadAverage.before} |`);
  log(`written to ${out}`);
  agent.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
