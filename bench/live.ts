// The live benchmark (issue "Live"): N subscribers (100, 1,000, 5,000) on one
// instance, status events posted through the CLIENT_SYNC_MESSAGE_STATUS
// webhook at a steady rate; delivered events/s, latency from post to
// receipt (p50/p99), loss (must be zero) and server RSS. Beside it, in the
// same run, a raw `ws` broadcast of the same payload (bench/live-floor-server.ts:
// node:http + ws, no GraphQL, no database) at the same rate.
//
//   npx tsx bench/live.ts [--database-url postgresql://postgres@127.0.0.1:55432/bench_live]
//       [--subscribers 100,1000,5000] [--rate 500] [--duration 20] [--batch 10]
//       [--conversations 100] [--mode conversation|tenant] [--out bench/results/latest-live.json]
//
// Mode `conversation` (default): subscriber i watches conversation i mod C
// (`where: { conversationId }`), so each event reaches N / C subscribers —
// a supervisor dashboard per conversation. Mode `tenant`: every subscriber
// watches the whole tenant, so each event reaches all N.
// Our server runs in its own process (production mode, real PostgreSQL);
// the subscribers and the poster share this process, so post and receipt
// times come from one clock. The database is created afresh each run.
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { msgSyncAccessToken } from '../src/auth/webhook-signatures.ts';
import { createTenant, type TenantCredentials } from '../src/auth/tenants.ts';
import { loadSecretBox } from '../src/auth/secret-box.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { formatLocalDateTime } from '../src/domain/local-time.ts';
import { ROOT, startServer, type Server } from './read.ts';
import { freshDatabase, fmtInt, intArg, machineInfo, parseArgs, quantile } from './support.ts';

const DEFAULT_URL = 'postgresql://postgres@127.0.0.1:55432/bench_live';
const QUERY = 'subscription S($where: MessageEventWhere) { messageStatusChanged(where: $where) { messageId conversationId whatsMessageId previousStatus status changedAt } }';
const log = (s: string) => process.stdout.write(s + '\n');
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
  rate: number;
  seconds: number;
  events: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  deliveredPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  webhookMs: { p50: number; p99: number };
  serverRssMb: number;
  serverPeakRssMb: number;
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

interface Subscribers {
  sockets: WebSocket[];
  /** key "whatsMessageId:status" → receipt count */
  received: Map<string, number>;
  latencies: number[];
  close(): void;
}

/** Opens `n` sockets, each subscribed as the mode says; resolves when all are subscribed. */
async function openSubscribers(
  server: 'ours' | 'floor',
  port: number,
  n: number,
  mode: 'conversation' | 'tenant',
  conversations: Conversation[],
  key: string,
  postedAt: Map<string, number>,
): Promise<Subscribers> {
  const received = new Map<string, number>();
  const latencies: number[] = [];
  const sockets: WebSocket[] = [];
  const open = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const conversation = mode === 'conversation' ? conversations[i % conversations.length]! : null;
      const url = server === 'ours' ? `ws://127.0.0.1:${port}/graphql` : `ws://127.0.0.1:${port}/live${conversation ? `?conversation=${conversation.rowId}` : ''}`;
      const socket = new WebSocket(url, server === 'ours' ? 'graphql-transport-ws' : undefined);
      sockets.push(socket);
      socket.on('error', reject);
      socket.on('open', () => {
        if (server === 'ours') socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
      });
      socket.on('message', (data: Buffer) => {
        const text = data.toString();
        if (text.startsWith('{"type":"connection_ack"')) {
          if (server === 'ours') {
            socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY, variables: { where: conversation ? { conversationId: conversation.globalId } : null } } }));
          }
          resolve();
          return;
        }
        const msg = JSON.parse(text) as { type: string; payload?: { data?: { messageStatusChanged?: { whatsMessageId: string; status: string } }; errors?: unknown } };
        const e = msg.payload?.data?.messageStatusChanged;
        if (!e) {
          if (msg.type !== 'pong' && msg.type !== 'ping') log(`unexpected message: ${text.slice(0, 300)}`);
          return;
        }
        const k = `${e.whatsMessageId}:${e.status}`;
        received.set(k, (received.get(k) ?? 0) + 1);
        const t0 = postedAt.get(k);
        if (t0 !== undefined) latencies.push(performance.now() - t0);
      });
    });
  for (let i = 0; i < n; i += 200) await Promise.all(Array.from({ length: Math.min(200, n - i) }, (_, j) => open(i + j)));
  // Subscriptions are set up asynchronously after the subscribe message: let them settle.
  await new Promise((r) => setTimeout(r, 1000 + n / 5));
  return { sockets, received, latencies, close: () => sockets.forEach((s) => s.terminate()) };
}

const STATUS_NAMES = ['', 'PENDING', 'SENT', 'DELIVERED', 'READ'];

async function runScenario(opts: {
  server: Server;
  kind: 'ours' | 'floor';
  subscribers: number;
  mode: 'conversation' | 'tenant';
  rate: number;
  seconds: number;
  batch: number;
  conversations: Conversation[];
  messages: string[][];
  tenant: TenantCredentials;
}): Promise<Scenario> {
  const { server, kind, subscribers: n, mode, rate, seconds, batch, conversations, messages, tenant } = opts;
  const postedAt = new Map<string, number>();
  const subs = await openSubscribers(kind, server.port, n, mode, conversations, tenant.readKey, postedAt);

  // The events: messages taken round-robin over conversations, each raised one step per event (SENT, DELIVERED, READ).
  const total = rate * seconds;
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

  const webhookMs: number[] = [];
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < events.length; i += batch) {
    const due = start + (i / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const chunk = events.slice(i, i + batch);
    const t0 = performance.now();
    for (const e of chunk) postedAt.set(`${e.whatsMessageId}:${STATUS_NAMES[e.status]}`, t0);
    const body =
      kind === 'ours'
        ? JSON.stringify(chunk.map((e) => ({ userId: '1255', taskId: '', taskInfoId: '', messageStatus: e.status, messageId: e.whatsMessageId })))
        : JSON.stringify(chunk.map((e) => ({ messageId: 'x', conversationId: conversations[e.conversation]!.rowId, whatsMessageId: e.whatsMessageId, previousStatus: STATUS_NAMES[e.status - 1], status: STATUS_NAMES[e.status], changedAt: new Date().toISOString() })));
    inflight.push(
      post(server.port, kind === 'ours' ? '/webhooks/CLIENT_SYNC_MESSAGE_STATUS' : '/events', body, kind === 'ours' ? { token: tenant.ingestKey } : {}).then((status) => {
        if (status !== 200) throw new Error(`webhook answered ${status}`);
        webhookMs.push(performance.now() - t0);
      }),
    );
  }
  await Promise.all(inflight);
  const postSeconds = (performance.now() - start) / 1000;
  // Drain: wait until everything expected arrived, or 10 s of silence.
  const count = () => [...subs.received.values()].reduce((a, b) => a + b, 0);
  let last = -1;
  let still = 0;
  while (count() < expected && still < 10) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = count();
    still = now === last ? still + 1 : 0;
    last = now;
  }
  const seconds_ = (performance.now() - start) / 1000;
  const delivered = count();
  let duplicates = 0;
  let lost = 0;
  for (const e of events) {
    const got = subs.received.get(`${e.whatsMessageId}:${STATUS_NAMES[e.status]}`) ?? 0;
    const want = subsOf(e.conversation);
    if (got > want) duplicates += got - want;
    if (got < want) lost += want - got;
  }
  const rss = rssOf(server.child.pid!);
  subs.close();
  const lat = subs.latencies.sort((a, b) => a - b);
  const wh = webhookMs.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    server: kind,
    subscribers: n,
    mode,
    rate,
    seconds: round(postSeconds),
    events: events.length,
    expected,
    delivered,
    lost,
    duplicates,
    deliveredPerSecond: Math.round(delivered / Math.max(postSeconds, seconds_ - 0)),
    latencyMs: { p50: round(quantile(lat, 0.5)), p99: round(quantile(lat, 0.99)), max: round(lat[lat.length - 1] ?? 0) },
    webhookMs: { p50: round(quantile(wh, 0.5)), p99: round(quantile(wh, 0.99)) },
    serverRssMb: Math.round(rss.rss),
    serverPeakRssMb: Math.round(rss.peak),
  };
}

async function main() {
  const { values } = parseArgs(
    process.argv.slice(2),
    { values: ['database-url', 'subscribers', 'rate', 'duration', 'batch', 'conversations', 'mode', 'out'] },
    'usage: npx tsx bench/live.ts [--database-url URL] [--subscribers 100,1000,5000] [--rate 500] [--duration 20] [--batch 10] [--conversations 100] [--mode conversation|tenant] [--out FILE]',
  );
  const url = values.get('database-url') ?? DEFAULT_URL;
  const counts = (values.get('subscribers') ?? '100,1000,5000').split(',').map(Number);
  const rate = intArg(values, 'rate', 500);
  const seconds = intArg(values, 'duration', 20);
  const batch = intArg(values, 'batch', 10);
  const conversationCount = intArg(values, 'conversations', 100);
  const mode = (values.get('mode') ?? 'conversation') as 'conversation' | 'tenant';
  if (mode !== 'conversation' && mode !== 'tenant') throw new Error('--mode must be conversation or tenant');
  const out = values.get('out') ?? 'bench/results/latest-live.json';

  log(`live benchmark: ${counts.join(', ')} subscribers (${mode}), ${rate} status events/s for ${seconds} s, batches of ${batch}, ${conversationCount} conversations`);
  await freshDatabase(url);
  const db = await openDatabase({ databaseUrl: url, dataDir: '', databasePoolSize: 2, migrateOnStart: true });
  // Sealed with the key the server will use (SECRETS_KEY or ./data/secrets.key).
  const { box } = loadSecretBox({ secretsKey: loadConfig(process.env).secretsKey, dataDir: `${ROOT}/data` });
  const tenant = await createTenant(db.prisma, box, { id: 7001n, name: 'Live bench' });

  const ours = await startServer('ours', [...(process.env.LIVE_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.LIVE_PROF] : []), 'src/main.ts'], { NODE_ENV: 'production', DATABASE_URL: url, LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false', DATABASE_POOL_SIZE: '10' });
  const perConversation = Math.ceil((rate * seconds) / 3 / conversationCount) * counts.length;
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
    for (const [i, n] of counts.entries()) {
      const slice = messages.map((m) => m.slice((i * m.length) / counts.length, ((i + 1) * m.length) / counts.length));
      const r = await runScenario({ server: ours, kind: 'ours', subscribers: n, mode, rate, seconds, batch, conversations, messages: slice, tenant });
      results.push(r);
      log(`ours  ${fmtInt(n)} subs: ${fmtInt(r.delivered)}/${fmtInt(r.expected)} delivered (${fmtInt(r.deliveredPerSecond)}/s), lost ${r.lost}, dup ${r.duplicates}, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms, webhook p50 ${r.webhookMs.p50} ms, RSS ${r.serverRssMb} MB (peak ${r.serverPeakRssMb})`);
    }
  } finally {
    await ours.stop();
  }
  const floor = await startServer('floor', ['bench/live-floor-server.ts'], { NODE_ENV: 'production' });
  try {
    for (const n of counts) {
      const r = await runScenario({ server: floor, kind: 'floor', subscribers: n, mode, rate, seconds, batch, conversations, messages, tenant });
      results.push(r);
      log(`floor ${fmtInt(n)} subs: ${fmtInt(r.delivered)}/${fmtInt(r.expected)} delivered (${fmtInt(r.deliveredPerSecond)}/s), lost ${r.lost}, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, RSS ${r.serverRssMb} MB`);
    }
  } finally {
    await floor.stop();
  }
  await db.close();

  const machine = await machineInfo(url);
  const report = { benchmark: 'live', date: new Date().toISOString(), machine, settings: { subscribers: counts, mode, rate, seconds, batch, conversations: conversationCount, query: QUERY }, results };
  writeFileSync(`${ROOT}/${out}`, JSON.stringify(report, null, 2) + '\n');
  log(`\n| server | subscribers | events/s posted | delivered/s | lost | p50 ms | p99 ms | server RSS MB |\n|---|---|---|---|---|---|---|---|`);
  for (const r of results) log(`| ${r.server} | ${fmtInt(r.subscribers)} | ${r.rate} | ${fmtInt(r.deliveredPerSecond)} | ${r.lost} | ${r.latencyMs.p50} | ${r.latencyMs.p99} | ${r.serverRssMb} |`);
  log(`written to ${out}`);
  agent.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
