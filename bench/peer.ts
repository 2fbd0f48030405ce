// The peer benchmark (issue #18): our server beside PostGraphile v5 (Amber
// preset, introspecting our tables: bench/postgraphile-server.ts) and the raw
// floor (bench/floor-server.ts: node:http + pg, one statement, JSON.stringify),
// on the same database and the same rows — each server's answer is normalised
// to its row data and the three compared before anything is timed.
//
//   npm run bench:peer -- [--database-url postgresql://postgres@127.0.0.1:55432/bench_peer_1m]
//       [--pool 10] [--rounds 3] [--duration 5] [--warmup 2] [--warmup-pass 8] [--depth 30000] [--msg-page-depth 30000]
//       [--sql-requests 50] [--server-cpu 1] [--wrk-cpu 0] [--postgres-cpu 0|none] [--only name,name] [--out bench/results/latest-peer.json]
//   npm run bench:peer -- --resummarise bench/results/latest-peer.json   # the table again from a written run
//
// Each server runs alone in its own process pinned to --server-cpu (taskset),
// wrk pinned to --wrk-cpu, PostgreSQL's processes beside wrk (--postgres-cpu). Rounds are
// interleaved: every round runs every workload on every server (the server
// order rotating), at 32 connections and at 1. Our server's rate limits are
// switched off for the run (RATE_LIMIT_PER_MINUTE=0, RATE_LIMIT_IP_PER_MINUTE=0);
// PostGraphile and the floor have none. SQL statements per request come from
// pg_stat_statements of the benchmark database (created when missing), with
// one server answering sequential requests alone. See bench/README.md.
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createApiKey } from '../src/auth/api-keys.ts';
import { openDatabase } from '../src/db/database.ts';
import { contentOf } from './floor-server.ts';
import { QUERY_CONVERSATION, ROOT, builtEntries, cpuSeconds, runWrk, startServer, wrkScript, wrkVersion, type Server, type WrkResult } from './read.ts';
import { fmtInt, intArg, machineInfo, parseArgs, pinPostgres } from './support.ts';
import { isEntryModule } from '../src/paths.ts';

export const DEFAULT_URL = 'postgresql://postgres@127.0.0.1:55432/bench_peer_1m';
const MSG_PAGE_PATH = '/wscrm-bus-api/open/message/msgPage';
const log = (s: string) => process.stdout.write(s + '\n');

type Who = 'ours' | 'postgraphile' | 'floor';
const SERVERS: readonly Who[] = ['ours', 'postgraphile', 'floor'];

interface Request {
  path: string;
  body: string;
}

export interface Workload {
  name: string;
  key: string;
  requests: Record<Who, Request>;
  /** Each server's answer → the row data, as comparable JSON. */
  normalise: Record<Who, (json: unknown) => unknown>;
}

// ---------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------

const PGL_MESSAGE_PAGE = `query Page($t: BigInt!, $c: BigInt!, $after: Cursor) {
  allMessages(first: 50, after: $after, condition: { tenantId: $t, conversationId: $c }, orderBy: [CHAT_TIME_DESC, ROW_ID_DESC]) {
    edges { cursor node { rowId whatsMessageId chatTime direction status contentType content parsedContent contactByContactId { externalId name tags } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const OURS_CONVERSATIONS = `query Conversations {
  conversations(first: 20) {
    edges { cursor node { id friendWhatsId friendName unreadCount lastMessageAt lastMessage { id chatTime direction status contentType rawContent } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const PGL_CONVERSATIONS = `query Conversations($t: BigInt!) {
  allConversations(first: 20, condition: { tenantId: $t }, orderBy: [LAST_MESSAGE_AT_DESC, ROW_ID_DESC]) {
    edges { cursor node { rowId friendWhatsId friendName unreadCount lastMessageAt lastMessage { rowId chatTime direction status contentType content } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const OURS_COUNTS = `query Counts($c: ID!) {
  conversation: messages(where: { conversationId: $c }) { totalCount }
  tenant: messages { totalCount }
}`;
const PGL_COUNTS = `query Counts($t: BigInt!, $c: BigInt!) {
  conversation: allMessages(condition: { tenantId: $t, conversationId: $c }) { totalCount }
  tenant: allMessages(condition: { tenantId: $t }) { totalCount }
}`;

const OURS_CONTACT = `query Contact($x: String!) {
  contact(externalId: $x) {
    id externalId name whatsId ownerName tags customFieldsJson createdAt
    conversations(first: 20) { edges { node { id accountWhatsId friendWhatsId chatType messageCount unreadCount lastMessageAt } } }
  }
}`;
const PGL_CONTACT = `query Contact($t: BigInt!, $x: String!) {
  allContacts(first: 1, condition: { tenantId: $t, externalId: $x }) {
    nodes {
      rowId externalId name whatsId ownerName tags customFields createdAt
      conversationsByContactId(first: 20, orderBy: [LAST_MESSAGE_AT_DESC, ROW_ID_DESC]) {
        edges { node { rowId accountWhatsId friendWhatsId chatType messageCount unreadCount lastMessageAt } }
      }
    }
  }
}`;

// msgPage's record fields (src/rest/msg-page.ts) by offset, with the total.
const PGL_MSG_PAGE = `query MsgPage($t: BigInt!, $offset: Int!, $size: Int!) {
  allMessages(first: $size, offset: $offset, condition: { tenantId: $t }, orderBy: [CHAT_TIME_DESC, ROW_ID_DESC]) {
    totalCount
    nodes { rowId agentId agentAccount accountWhatsId direction chatType content legacyContentType friendWhatsId friendName chatTime createdAt }
  }
}`;

// ---------------------------------------------------------------------------
// Normalising answers to their row data
// ---------------------------------------------------------------------------

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const rowIdOf = (globalId: string) => Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]!;
const ms = (t: string | null) => (t === null ? null : Date.parse(t));
function dataOf(json: unknown): J {
  const j = json as J;
  if (j.errors) throw new Error(`errors: ${JSON.stringify(j.errors).slice(0, 400)}`);
  return j.data as J;
}

const messageRow = (n: J, id: string, rawContent: string, content: unknown, contact: J | null) => ({
  id, whatsMessageId: n.whatsMessageId, chatTime: ms(n.chatTime), direction: n.direction, status: n.status, contentType: n.contentType, rawContent, content,
  contact: contact && { externalId: contact.externalId, name: contact.name, tags: contact.tags },
});
const oursMessagePage = (json: unknown) => {
  const c = dataOf(json).messages as J;
  return { hasNextPage: c.pageInfo.hasNextPage, rows: (c.edges as J[]).map(({ node: n }) => messageRow(n, rowIdOf(n.id), n.rawContent, n.content, n.contact)) };
};
const pglMessagePage = (json: unknown) => {
  const c = dataOf(json).allMessages as J;
  return {
    hasNextPage: c.pageInfo.hasNextPage,
    rows: (c.edges as J[]).map(({ node: n }) => messageRow(n, n.rowId, n.content, contentOf(n.parsedContent), n.contactByContactId)),
  };
};

const conversationRow = (n: J, id: string, last: J | null, lastId: string | null) => ({
  id, friendWhatsId: n.friendWhatsId, friendName: n.friendName, unreadCount: n.unreadCount, lastMessageAt: ms(n.lastMessageAt),
  lastMessage: last && { id: lastId, chatTime: ms(last.chatTime), direction: last.direction, status: last.status, contentType: last.contentType, rawContent: last.rawContent ?? last.content },
});
const oursConversations = (json: unknown) => {
  const c = dataOf(json).conversations as J;
  return { hasNextPage: c.pageInfo.hasNextPage, rows: (c.edges as J[]).map(({ node: n }) => conversationRow(n, rowIdOf(n.id), n.lastMessage, n.lastMessage && rowIdOf(n.lastMessage.id))) };
};
const pglConversations = (json: unknown) => {
  const c = dataOf(json).allConversations as J;
  return { hasNextPage: c.pageInfo.hasNextPage, rows: (c.edges as J[]).map(({ node: n }) => conversationRow(n, n.rowId, n.lastMessage, n.lastMessage?.rowId ?? null)) };
};

const oursCounts = (json: unknown) => {
  const d = dataOf(json);
  return { conversation: d.conversation.totalCount, tenant: d.tenant.totalCount };
};

const contactRow = (n: J, id: string, customFields: unknown, conversations: J[], convId: (c: J) => string) => ({
  id, externalId: n.externalId, name: n.name, whatsId: n.whatsId, ownerName: n.ownerName, tags: n.tags, customFields: JSON.stringify(customFields), createdAt: ms(n.createdAt),
  conversations: conversations.map(({ node: c }) => ({
    id: convId(c), accountWhatsId: c.accountWhatsId, friendWhatsId: c.friendWhatsId, chatType: c.chatType, messageCount: c.messageCount, unreadCount: c.unreadCount, lastMessageAt: ms(c.lastMessageAt),
  })),
});
const oursContact = (json: unknown) => {
  const n = dataOf(json).contact as J;
  return contactRow(n, rowIdOf(n.id), n.customFieldsJson, n.conversations.edges, (c) => rowIdOf(c.id));
};
const pglContact = (json: unknown) => {
  const n = (dataOf(json).allContacts as J).nodes[0] as J;
  return contactRow(n, n.rowId, n.customFields, n.conversationsByContactId.edges, (c) => c.rowId);
};

const msgPageRows = (total: number, rows: J[]) => ({ total, rows });
const legacyMsgPage = (json: unknown) => {
  const j = json as J;
  if (j.code !== 200) throw new Error(`msgPage answered ${JSON.stringify(j).slice(0, 300)}`);
  return msgPageRows(j.data.total, (j.data.records as J[]).map((r) => ({
    id: r.id, whatsId: r.whatsId, username: r.username, friendWhatsId: r.friendWhatsId, friendName: r.friendName, content: r.content, chatTime: r.chatTime, createTime: r.createTime,
    actionType: r.actionType, chatType: r.chatType,
  })));
};
const pglMsgPage = (json: unknown) => {
  const c = dataOf(json).allMessages as J;
  return msgPageRows(c.totalCount, (c.nodes as J[]).map((n) => ({
    id: n.rowId, whatsId: n.accountWhatsId, username: n.agentAccount ?? '', friendWhatsId: n.friendWhatsId, friendName: n.friendName ?? '', content: n.content,
    chatTime: ms(n.chatTime), createTime: ms(n.createdAt), actionType: n.direction === 'OUTBOUND' ? 1 : 2, chatType: n.chatType === 'PRIVATE' ? 1 : 2,
  })));
};

// ---------------------------------------------------------------------------
// Dataset and workloads
// ---------------------------------------------------------------------------

export interface Setup {
  tenantId: string;
  conversationId: string;
  conversationMessages: number;
  tenantMessages: number;
  contactExternalId: string;
  contactConversations: number;
  depth: number;
  msgPage: { current: number; pageSize: number };
  apiKey: string;
}

export async function prepare(url: string, depth: number, msgPageDepth: number): Promise<Setup> {
  const db = await openDatabase({ databaseUrl: url, dataDir: '', databasePoolSize: 2, migrateOnStart: false });
  try {
    const q = <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => db.pool.query<T>(sql, params).then((r) => r.rows);
    const [largest] = await q<{ id: string; tenantId: string; n: number }>(`SELECT id, "tenantId", "messageCount" AS n FROM "Conversation" ORDER BY "messageCount" DESC, id LIMIT 1`);
    if (!largest) throw new Error('no conversation in the database: load it first (bench/README.md)');
    const [tenant] = await q<{ n: string }>(`SELECT count(*) AS n FROM "Message" WHERE "tenantId" = $1`, [largest.tenantId]);
    // A contact of the tenant with the most conversations (then the most
    // messages), leaving out the odd ones with more than a page (seed 42 has one with 268).
    const [contact] = await q<{ externalId: string; n: string }>(
      `SELECT ct."externalId", count(*) AS n FROM "Conversation" c JOIN "Contact" ct ON ct.id = c."contactId"
        WHERE c."tenantId" = $1 GROUP BY ct.id HAVING count(*) <= 20 ORDER BY count(*) DESC, sum(c."messageCount") DESC LIMIT 1`,
      [largest.tenantId],
    );
    await db.prisma.apiKey.deleteMany({ where: { name: 'bench-peer' } });
    const { key } = await createApiKey(db.prisma, BigInt(largest.tenantId), 'bench-peer', ['READ']);
    const pageSize = 10;
    return {
      tenantId: largest.tenantId,
      conversationId: largest.id,
      conversationMessages: largest.n,
      tenantMessages: Number(tenant!.n),
      contactExternalId: contact!.externalId,
      contactConversations: Number(contact!.n),
      depth: Math.min(depth, largest.n - 51),
      msgPage: { current: Math.floor(msgPageDepth / pageSize) + 1, pageSize },
      apiKey: key,
    };
  } finally {
    await db.close();
  }
}

const gql = (query: string, variables: Record<string, unknown>) => {
  const operationName = /^query (\w+)/.exec(query)![1]!;
  return { path: '/graphql', body: JSON.stringify({ query, variables, operationName }) };
};

export async function send(port: number, r: Request, apiKey: string): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${port}${r.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: r.body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`HTTP ${res.status} from port ${port} ${r.path}: ${text.slice(0, 400)}`);
  return JSON.parse(text);
}

/** The cursors of the row `depth` deep (the page after it starts below): ours and PostGraphile's. */
async function deepCursors(setup: Setup, ports: Record<Who, number>): Promise<{ ours: string; postgraphile: string }> {
  const c = Buffer.from(`Conversation:${setup.conversationId}`).toString('base64');
  const oursProbe = gql(`query Probe($c: ID!) { messagePage(where: { conversationId: $c }, page: ${setup.depth}, pageSize: 1) { nodes { id chatTime } } }`, { c });
  const pglProbe = gql(
    `query Probe($t: BigInt!, $c: BigInt!) { allMessages(first: 1, offset: ${setup.depth - 1}, condition: { tenantId: $t, conversationId: $c }, orderBy: [CHAT_TIME_DESC, ROW_ID_DESC]) { edges { cursor } } }`,
    { t: setup.tenantId, c: setup.conversationId },
  );
  const node = (dataOf(await send(ports.ours, oursProbe, setup.apiKey)).messagePage as J).nodes[0] as J;
  const ours = Buffer.from(`M:${Date.parse(node.chatTime)}:${rowIdOf(node.id)}`).toString('base64url'); // = encodeCursor('M', …) of src/read/pagination.ts
  const postgraphile = ((dataOf(await send(ports.postgraphile, pglProbe, setup.apiKey)).allMessages as J).edges[0] as J).cursor as string;
  return { ours, postgraphile };
}

export function workloads(setup: Setup, cursors: { ours: string; postgraphile: string }): Workload[] {
  const c = Buffer.from(`Conversation:${setup.conversationId}`).toString('base64');
  const t = setup.tenantId;
  const page = (after: string | null) => gql(QUERY_CONVERSATION.replace('query Page', 'query Page'), { c, after });
  const msgPageBody = JSON.stringify({ tenantId: Number(t), current: setup.msgPage.current, pageSize: setup.msgPage.pageSize, info: {} });
  return [
    {
      name: '50 newest messages of the largest conversation, with contact',
      key: 'page1',
      requests: { ours: page(null), floor: page(null), postgraphile: gql(PGL_MESSAGE_PAGE, { t, c: setup.conversationId, after: null }) },
      normalise: { ours: oursMessagePage, floor: oursMessagePage, postgraphile: pglMessagePage },
    },
    {
      name: `the same, ${fmtInt(setup.depth)} deep by cursor`,
      key: 'deep',
      requests: { ours: page(cursors.ours), floor: page(cursors.ours), postgraphile: gql(PGL_MESSAGE_PAGE, { t, c: setup.conversationId, after: cursors.postgraphile }) },
      normalise: { ours: oursMessagePage, floor: oursMessagePage, postgraphile: pglMessagePage },
    },
    {
      name: '20 most recently active conversations, last message, unread count',
      key: 'conversations',
      requests: { ours: gql(OURS_CONVERSATIONS, {}), floor: gql(OURS_CONVERSATIONS, {}), postgraphile: gql(PGL_CONVERSATIONS, { t }) },
      normalise: { ours: oursConversations, floor: oursConversations, postgraphile: pglConversations },
    },
    {
      name: 'totalCount of the conversation + of the tenant',
      key: 'counts',
      requests: { ours: gql(OURS_COUNTS, { c }), floor: gql(OURS_COUNTS, { c }), postgraphile: gql(PGL_COUNTS, { t, c: setup.conversationId }) },
      normalise: { ours: oursCounts, floor: oursCounts, postgraphile: oursCounts },
    },
    {
      name: `a contact's profile with its conversations (${setup.contactConversations})`,
      key: 'contact',
      requests: {
        ours: gql(OURS_CONTACT, { x: setup.contactExternalId }),
        floor: gql(OURS_CONTACT, { x: setup.contactExternalId }),
        postgraphile: gql(PGL_CONTACT, { t, x: setup.contactExternalId }),
      },
      normalise: { ours: oursContact, floor: oursContact, postgraphile: pglContact },
    },
    {
      name: `msgPage page ${fmtInt(setup.msgPage.current)} (${fmtInt((setup.msgPage.current - 1) * setup.msgPage.pageSize)} deep; PostGraphile: offset)`,
      key: 'msgPage',
      requests: {
        ours: { path: MSG_PAGE_PATH, body: msgPageBody },
        floor: { path: MSG_PAGE_PATH, body: msgPageBody },
        postgraphile: gql(PGL_MSG_PAGE, { t, offset: (setup.msgPage.current - 1) * setup.msgPage.pageSize, size: setup.msgPage.pageSize }),
      },
      normalise: { ours: legacyMsgPage, floor: legacyMsgPage, postgraphile: pglMsgPage },
    },
  ];
}

// ---------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

interface Measured {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  cpuMsPerRequest: number;
  rssMaxMiB: number;
}

async function measure(server: Server, script: string, path: string, connections: number, seconds: number, wrkCpu: string): Promise<Measured> {
  const pid = server.child.pid!;
  let rssMax = rssMiB(pid);
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMiB(pid))), 200);
  const cpu0 = cpuSeconds(pid);
  let r: WrkResult;
  try {
    r = await runWrk({ port: server.port, script, path, connections, threads: Math.min(2, connections), seconds, cpu: wrkCpu });
  } finally {
    clearInterval(sampler);
  }
  const cpu = cpuSeconds(pid) - cpu0;
  rssMax = Math.max(rssMax, rssMiB(pid));
  const e = r.errors;
  return {
    rps: r.rps, p50Ms: r.p50Ms, p99Ms: r.p99Ms, requests: r.requests, errors: e.connect + e.read + e.write + e.status + e.timeout,
    cpuMsPerRequest: (cpu * 1000) / r.requests, rssMaxMiB: rssMax,
  };
}

/** Statements per request: `n` sequential requests with this server alone on the database, from pg_stat_statements. */
async function statementsPerRequest(admin: pg.Client, port: number, r: Request, apiKey: string, n: number): Promise<{ perRequest: number; top: { calls: number; query: string }[] }> {
  await send(port, r, apiKey);
  await new Promise((res) => setTimeout(res, 300));
  await admin.query(`SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)`);
  for (let i = 0; i < n; i++) await send(port, r, apiKey);
  const { rows } = await admin.query<{ calls: string; query: string }>(
    `SELECT calls, query FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND query NOT ILIKE '%pg_stat_statements%' ORDER BY calls DESC`,
  );
  const total = rows.reduce((s, x) => s + Number(x.calls), 0);
  return { perRequest: total / n, top: rows.slice(0, 6).map((x) => ({ calls: Number(x.calls), query: x.query.replace(/\s+/g, ' ').slice(0, 300) })) };
}

function loadAverage(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
/** The median; of an even count, the mean of the middle two (of two rounds: their mean). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}


type Cell = { identical: boolean; difference: string | null; sql: Record<Who, { perRequest: number; top: { calls: number; query: string }[] }>; runs: Record<Who, { c32: Measured[]; c1: Measured[] }> };

interface RunData {
  list: { key: string; name: string }[];
  cells: Map<string, Cell>;
  setup: Setup;
  machine: Awaited<ReturnType<typeof machineInfo>>;
  pglVersion: string;
  started: number;
  loadBefore: string;
  loadAfter: string;
  out: string;
  settings: { pool: number; rounds: number; duration: number; warmup: number; warmupPass?: number; serverCpu: string; wrkCpu: string; sqlRequests: number; runtime?: 'built' | 'tsx'; postgresCpu?: string };
  /** Each server's RSS once started, before any request (absent in runs before 2026-12-05 noon). */
  idleRssMiB?: Record<Who, number>;
  date?: string;
  commit?: string;
}

/** The medians over rounds, the ratios and the targets: printed and written to `out`. */
function summarise(d: RunData): void {
  const { list, cells, setup, machine, pglVersion, started, loadBefore, loadAfter, out } = d;
  const { pool, rounds, duration, warmup, warmupPass = 0, serverCpu, wrkCpu, sqlRequests, runtime = 'tsx', postgresCpu = 'not pinned (runs before 2026-12-05 17:00 UTC)' } = d.settings;
  const summary = list.map((w) => {
    const cell = cells.get(w.key)!;
    const agg = (who: Who, c: 'c32' | 'c1') => {
      const runs = cell.runs[who][c];
      return {
        rps: median(runs.map((r) => r.rps)), p50Ms: median(runs.map((r) => r.p50Ms)), p99Ms: median(runs.map((r) => r.p99Ms)),
        cpuMsPerRequest: median(runs.map((r) => r.cpuMsPerRequest)), rssMaxMiB: Math.max(...runs.map((r) => r.rssMaxMiB)), errors: runs.reduce((s, r) => s + r.errors, 0),
      };
    };
    const at = (c: 'c32' | 'c1') => {
      const m = { ours: agg('ours', c), postgraphile: agg('postgraphile', c), floor: agg('floor', c) };
      return { ...m, oursVsPostgraphile: m.ours.rps / m.postgraphile.rps, oursVsFloor: m.ours.rps / m.floor.rps };
    };
    return { key: w.key, name: w.name, identical: cell.identical, difference: cell.difference, sqlPerRequest: cell.sql, c32: at('c32'), c1: at('c1'), runs: cell.runs };
  });
  const byKey = (k: string) => summary.find((s) => s.key === k);
  const page1 = byKey('page1');
  const deep = byKey('deep');
  const targets = {
    vsPostgraphile: { target: 'ours ≥ 1.2 × PostGraphile req/s on every workload, at 32 and at 1', met: summary.every((s) => s.c32.oursVsPostgraphile >= 1.2 && s.c1.oursVsPostgraphile >= 1.2) },
    vsFloorConversationPage: { target: 'ours ≥ 0.6 × floor on the conversation page', met: !!page1 && page1.c32.oursVsFloor >= 0.6 && page1.c1.oursVsFloor >= 0.6 },
    deepVsPage1: { target: 'deep p50 ≤ 1.2 × page-1 p50 (1 connection)', ratio: page1 && deep ? deep.c1.ours.p50Ms / page1.c1.ours.p50Ms : null, met: !!page1 && !!deep && deep.c1.ours.p50Ms <= 1.2 * page1.c1.ours.p50Ms },
    rss: {
      target: 'ours RSS ≤ PostGraphile RSS under load', ours: Math.max(...summary.map((s) => s.c32.ours.rssMaxMiB)), postgraphile: Math.max(...summary.map((s) => s.c32.postgraphile.rssMaxMiB)),
      idle: d.idleRssMiB ?? null, met: false,
    },
  };
  targets.rss.met = targets.rss.ours <= targets.rss.postgraphile;
  let commit = d.commit ?? '';
  if (!d.commit) {
    try {
      commit = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
    } catch { /* not a checkout */ }
  }
  const report = {
    benchmark: 'peer',
    date: d.date ?? new Date().toISOString(),
    commit,
    seconds: (Date.now() - started) / 1000,
    loadAverage: { before: loadBefore, after: loadAfter },
    machine: { ...machine, wrk: wrkVersion(), postgraphile: pglVersion },
    settings: { pool, rounds, duration, warmup, warmupPass, serverCpu, wrkCpu, postgresCpu, sqlRequests, runtime, rateLimits: 'ours off (0); PostGraphile and floor have none' },
    dataset: setup,
    summary,
    targets,
  };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  const stamped = out.replace(/\.json$/, `-${report.date.replace(/[:.]/g, '-')}.json`);
  if (!d.date && out.endsWith('latest-peer.json')) writeFileSync(stamped.replace('latest-peer-', 'peer-'), JSON.stringify(report, null, 2) + '\n');

  log('');
  log(`load average: before ${loadBefore}, after ${loadAfter}; medians of ${rounds} rounds`);
  if (d.idleRssMiB) log(`RSS MiB idle (started, before any request): ours ${fmt(d.idleRssMiB.ours, 0)} / PostGraphile ${fmt(d.idleRssMiB.postgraphile, 0)} / floor ${fmt(d.idleRssMiB.floor, 0)}; under load: the table (the peak of 200 ms samples)`);
  log('| workload | conns | ours req/s | PostGraphile req/s | floor req/s | **ours / PostGraphile** | ours / floor | CPU ms/req ours / PGL / floor | RSS MiB ours / PGL / floor | SQL/req ours / PGL / floor |');
  log('|---|---:|---:|---:|---:|---:|---:|---|---|---|');
  for (const s of summary) {
    for (const c of ['c32', 'c1'] as const) {
      const m = s[c];
      log(
        `| ${c === 'c32' ? s.name : ''} | ${c === 'c32' ? 32 : 1} | ${fmt(m.ours.rps, 0)} | ${fmt(m.postgraphile.rps, 0)} | ${fmt(m.floor.rps, 0)} | ` +
          `**${m.postgraphile.rps === 0 ? `∞ (PGL: 0 answers in ${duration} s)` : fmt(m.oursVsPostgraphile, 2)}** | ${fmt(m.oursVsFloor, 2)} | ` +
          `${fmt(m.ours.cpuMsPerRequest, 2)} / ${fmt(m.postgraphile.cpuMsPerRequest, 2)} / ${fmt(m.floor.cpuMsPerRequest, 2)} | ` +
          `${fmt(m.ours.rssMaxMiB, 0)} / ${fmt(m.postgraphile.rssMaxMiB, 0)} / ${fmt(m.floor.rssMaxMiB, 0)} | ` +
          (c === 'c32' ? `${fmt(s.sqlPerRequest.ours.perRequest, 2)} / ${fmt(s.sqlPerRequest.postgraphile.perRequest, 2)} / ${fmt(s.sqlPerRequest.floor.perRequest, 2)}` : '') + ' |',
      );
    }
  }
  log('');
  for (const [name, t] of Object.entries(targets)) log(`target ${name} (${t.target}): ${t.met ? 'met' : 'NOT met'}`);
  log(`same row data in every workload: ${summary.every((s) => s.identical) ? 'yes' : 'NO (see above)'}`);
  log(`wrote ${path.relative(process.cwd(), out)} (${fmt(report.seconds, 0)} s)`);
}

/** Re-summarises a written report (e.g. after a change to the summary): `--resummarise FILE`. */
function resummarise(file: string): void {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const cells = new Map<string, Cell>(r.summary.map((s: any) => [s.key, { identical: s.identical, difference: s.difference, sql: s.sqlPerRequest, runs: s.runs }]));
  summarise({
    list: r.summary.map((s: any) => ({ key: s.key, name: s.name })), cells, setup: r.dataset, machine: r.machine, pglVersion: r.machine.postgraphile,
    started: Date.now() - r.seconds * 1000, loadBefore: r.loadAverage.before, loadAfter: r.loadAverage.after, out: file, settings: r.settings, date: r.date, commit: r.commit,
    idleRssMiB: r.targets?.rss?.idle ?? undefined,
  });
}

async function main(): Promise<void> {
  const USAGE = `usage: npm run bench:peer -- [--database-url URL] [--pool N] [--rounds N] [--duration S] [--warmup S] [--depth N]
      [--msg-page-depth N] [--sql-requests N] [--warmup-pass S] [--server-cpu CPUS] [--wrk-cpu CPUS] [--postgres-cpu CPUS|none] [--only key,key] [--out FILE] [--tsx] | --resummarise FILE`;
  const { values, flags } = parseArgs(
    process.argv.slice(2),
    { values: ['database-url', 'pool', 'rounds', 'duration', 'warmup', 'depth', 'msg-page-depth', 'sql-requests', 'server-cpu', 'wrk-cpu', 'postgres-cpu', 'warmup-pass', 'only', 'out', 'resummarise'], flags: ['tsx'] },
    USAGE,
  );
  if (values.has('resummarise')) return resummarise(values.get('resummarise')!);
  const url = values.get('database-url') ?? process.env.BENCH_DATABASE_URL ?? DEFAULT_URL;
  const pool = intArg(values, 'pool', 10);
  const rounds = intArg(values, 'rounds', 3);
  const duration = intArg(values, 'duration', 5);
  const warmup = intArg(values, 'warmup', 2, 0);
  const warmupPass = intArg(values, 'warmup-pass', 8, 0);
  const sqlRequests = intArg(values, 'sql-requests', 50);
  const serverCpu = values.get('server-cpu') ?? '1';
  const wrkCpu = values.get('wrk-cpu') ?? '0';
  const postgresCpuArg = values.get('postgres-cpu') ?? wrkCpu;
  const only = values.get('only')?.split(',');
  const out = path.resolve(values.get('out') ?? path.join(ROOT, 'bench/results/latest-peer.json'));
  const started = Date.now();
  const loadBefore = loadAverage();

  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const setup = await prepare(url, intArg(values, 'depth', 30_000), intArg(values, 'msg-page-depth', 30_000));
  const machine = await machineInfo(url);
  const pglVersion = (JSON.parse(readFileSync(path.join(ROOT, 'node_modules/postgraphile/package.json'), 'utf8')) as { version: string }).version;
  log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB; node ${machine.node}; PostgreSQL ${machine.postgres}; ${wrkVersion()}; PostGraphile ${pglVersion}`);
  log(`load average before: ${loadBefore} (the machine is shared: other work runs beside this benchmark)`);
  log(`dataset: tenant ${setup.tenantId} (${fmtInt(setup.tenantMessages)} messages); largest conversation ${setup.conversationId} (${fmtInt(setup.conversationMessages)}); contact ${setup.contactExternalId}`);
  log(`servers pinned to CPU ${serverCpu}, wrk to CPU ${wrkCpu}, pool ${pool} each; ${rounds} interleaved rounds, ${warmup} s warm-up + ${duration} s at 32 connections, ${duration} s at 1`);
  log('rate limits: ours RATE_LIMIT_PER_MINUTE=0 and RATE_LIMIT_IP_PER_MINUTE=0 for this run (off); PostGraphile and the floor have none');

  const postgres = pinPostgres(url, postgresCpuArg === 'none' ? null : postgresCpuArg);
  log(postgres.cpu === null ? `PostgreSQL not pinned (${postgres.why})` : `PostgreSQL's processes pinned to CPU ${postgres.cpu} (restored to every CPU afterwards)`);
  const runtime = flags.has('tsx') ? 'tsx' : 'built';
  const entry = await serverEntries(runtime);
  log(`servers run ${runtime === 'built' ? 'built, under plain node: ours as `npm start` runs it (dist/main.js), PostGraphile and the floor bundled alike' : 'from their TypeScript sources under tsx (--tsx)'}`);
  const env = { NODE_ENV: 'production', DATABASE_URL: url, DATABASE_POOL_SIZE: String(pool) };
  const servers: Record<Who, Server> = {
    ours: await startServer('ours', [entry.ours], { ...env, LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false', RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_IP_PER_MINUTE: '0' }, serverCpu),
    postgraphile: await startServer('postgraphile', [entry.postgraphile], { ...env, GRAPHILE_ENV: 'production' }, serverCpu),
    floor: await startServer('floor', [entry.floor], { ...env, FLOOR_TENANT_ID: setup.tenantId }, serverCpu),
  };
  const ports = { ours: servers.ours.port, postgraphile: servers.postgraphile.port, floor: servers.floor.port };
  await new Promise((res) => setTimeout(res, 3000)); // start-up's own work (JIT, WebAssembly tier-up) settles
  const idleRssMiB = { ours: rssMiB(servers.ours.child.pid!), postgraphile: rssMiB(servers.postgraphile.child.pid!), floor: rssMiB(servers.floor.child.pid!) };
  log(`RSS MiB idle: ours ${fmt(idleRssMiB.ours, 0)}, PostGraphile ${fmt(idleRssMiB.postgraphile, 0)}, floor ${fmt(idleRssMiB.floor, 0)}`);
  const list = workloads(setup, await deepCursors(setup, ports)).filter((w) => !only || only.includes(w.key));

  const cells = new Map<string, Cell>();
  try {
    // Same rows from all three before timing; then statements per request, one server at a time.
    for (const w of list) {
      const canon = {} as Record<Who, string>;
      for (const who of SERVERS) canon[who] = JSON.stringify(w.normalise[who](await send(ports[who], w.requests[who], setup.apiKey)));
      let difference: string | null = null;
      for (const who of ['postgraphile', 'floor'] as const) {
        if (canon[who] === canon.ours) continue;
        let i = 0;
        while (i < canon.ours.length && canon.ours[i] === canon[who][i]) i++;
        difference = `${who} differs from ours at ${i}: ours …${canon.ours.slice(Math.max(0, i - 100), i + 100)}… ${who} …${canon[who].slice(Math.max(0, i - 100), i + 100)}…`;
      }
      const rows = (JSON.parse(canon.ours) as { rows?: unknown[] }).rows?.length;
      log(`check ${w.key}: ${difference ? `DIFFERENT ANSWERS: ${difference}` : `same row data from all three${rows === undefined ? '' : ` (${rows} rows)`}`}`);
      const sql = {} as Cell['sql'];
      for (const who of SERVERS) sql[who] = await statementsPerRequest(admin, ports[who], w.requests[who], setup.apiKey, sqlRequests);
      log(`  SQL statements per request: ours ${fmt(sql.ours.perRequest, 2)}, PostGraphile ${fmt(sql.postgraphile.perRequest, 2)}, floor ${fmt(sql.floor.perRequest, 2)}`);
      cells.set(w.key, { identical: difference === null, difference, sql, runs: { ours: { c32: [], c1: [] }, postgraphile: { c32: [], c1: [] }, floor: { c32: [], c1: [] } } });
    }

    // One unmeasured pass first: a fresh server runs its first seconds of a
    // workload at up to 3× its later CPU per request (JIT, the young
    // generation growing; ours: 2.6, 1.3, then 0.8 ms per page in 5-s
    // windows), which the per-cell warm-up did not cover for round 1.
    if (warmupPass > 0) {
      log(`warm-up pass: each workload on each server, ${warmupPass} s at 32 connections, not measured`);
      for (const w of list) for (const who of SERVERS) {
        await runWrk({ port: ports[who], script: wrkScript(w.requests[who].body, setup.apiKey), path: w.requests[who].path, connections: 32, threads: 2, seconds: warmupPass, cpu: wrkCpu });
      }
      await new Promise((res) => setTimeout(res, 1000));
    }
    for (let round = 0; round < rounds; round++) {
      log(`round ${round + 1}/${rounds} (load average ${loadAverage()})`);
      for (const w of list) {
        const order = SERVERS.map((_, i) => SERVERS[(i + round) % SERVERS.length]!);
        for (const who of order) {
          const script = wrkScript(w.requests[who].body, setup.apiKey);
          if (warmup > 0) await runWrk({ port: ports[who], script, path: w.requests[who].path, connections: 32, threads: 2, seconds: warmup, cpu: wrkCpu });
          const a = await measure(servers[who], script, w.requests[who].path, 32, duration, wrkCpu);
          await new Promise((res) => setTimeout(res, 1000)); // requests left queued by wrk's closed connections drain
          const b = await measure(servers[who], script, w.requests[who].path, 1, duration, wrkCpu);
          cells.get(w.key)!.runs[who].c32.push(a);
          cells.get(w.key)!.runs[who].c1.push(b);
          log(`  ${w.key.padEnd(13)} ${who.padEnd(12)} c32 ${fmt(a.rps, 0).padStart(6)} req/s p50 ${fmt(a.p50Ms, 2)} ms, ${fmt(a.cpuMsPerRequest, 2)} CPU ms/req, RSS ≤ ${fmt(a.rssMaxMiB, 0)} MiB${a.errors ? `, ${a.errors} ERRORS` : ''}` +
            ` | c1 ${fmt(b.rps, 0).padStart(5)} req/s p50 ${fmt(b.p50Ms, 2)} ms${b.errors ? `, ${b.errors} ERRORS` : ''}`);
        }
      }
    }
  } finally {
    for (const who of SERVERS) await servers[who].stop();
    await admin.end();
    postgres.restore();
  }

  const loadAfter = loadAverage();
  summarise({
    list: list.map((w) => ({ key: w.key, name: w.name })), cells, setup, machine, pglVersion, started, loadBefore, loadAfter, out,
    settings: { pool, rounds, duration, warmup, warmupPass, serverCpu, wrkCpu, postgresCpu: postgres.cpu ?? `not pinned (${postgres.why})`, sqlRequests, runtime }, idleRssMiB,
  });
}

/** The three servers' entry points: built (bench/read.ts builtEntries) or, with `--tsx`, their TypeScript sources under tsx (as runs before 2026-12-05 14:00 UTC were made). */
function serverEntries(runtime: 'built' | 'tsx'): Promise<Record<Who, string>> | Record<Who, string> {
  const sources = { ours: 'src/main.ts', postgraphile: 'bench/postgraphile-server.ts', floor: 'bench/floor-server.ts' };
  return runtime === 'tsx' ? sources : builtEntries(sources);
}

if (isEntryModule(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
