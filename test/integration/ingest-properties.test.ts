// Property: any order of at-least-once deliveries ends in the same state.
// fast-check generates a small universe of messages and a set of delivery
// units (MSG_SYNC pushes and re-pushes with various statuses, CLIENT_SYNC
// syncs, status updates — some for messages that arrive later, some for
// messages that never do). Each run delivers them twice, each time into a
// fresh tenant of the same database: once duplicated, shuffled and re-split,
// once in a canonical order; then both end states must equal an independent
// model, hold every counter invariant, and equal each other. In "concurrent"
// runs the shuffled units are all delivered at once (half through the
// webhooks, half to the service): the service then writes them in groups
// (src/ingest/write-queue.ts).
// Reproduce a failure with FC_SEED=<seed> (and FC_PATH=<path>) from its report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../support/app.ts';
import type { TenantCredentials } from '../../src/auth/tenants.ts';
import { msgSyncAccessToken } from '../../src/auth/webhook-signatures.ts';
import { formatLocalDateTime } from '../../src/domain/local-time.ts';
import { MESSAGE_STATUSES, type MessageStatus } from '../../src/domain/status.ts';
import { parseJsonLossless } from '../../src/domain/lossless-json.ts';
import { normaliseMsgSync, readMsgSyncEnvelope } from '../../src/ingest/msg-sync.ts';
import { normaliseClientSync } from '../../src/ingest/client-sync.ts';
import { normaliseApiStatusUpdates } from '../../src/ingest/api-input.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => t.testDb.db.pool.query(sql, params).then((r) => r.rows as T[]);

// ------------------------------------------------------------ the universe

const ACCOUNTS = ['8613800000001', '8613800000002'];
const PRIVATE_FRIENDS = ['447700000001', '447700000002'];
const GROUP = '120363000000000001';
const CHAT_BASE = Date.UTC(2023, 5, 1, 2, 0, 0); // whole seconds: sendTime has second precision
const STATUS_BASE = Date.UTC(2024, 0, 1, 0, 0, 0);

interface MessageSpec {
  account: number;
  friend: number; // 0, 1: private friends; 2: the group
  inbound: boolean;
}

interface MsgSyncUnit { kind: 'msgSync'; tsOffset: number; items: { msg: number; status: 1 | 2 | 3 | 4 }[] }
interface ClientUnit { kind: 'client'; msgs: number[] }
/** msg >= universe size names a "ghost" message that never arrives. */
interface StatusUnit { kind: 'status'; updates: { msg: number; status: MessageStatus; atOffset: number }[] }
type Unit = MsgSyncUnit | ClientUnit | StatusUnit;

interface Scenario {
  messages: MessageSpec[];
  units: Unit[];
  duplicates: number[];
  order: number[];
  split: boolean[];
  mode: 'http' | 'service' | 'mixed' | 'concurrent';
}

const messageId = (i: number) => `wamid.P${String(i).padStart(3, '0')}`;
const chatTimeOf = (i: number) => CHAT_BASE + i * 1000;
const isGroup = (m: MessageSpec) => m.friend === 2;
const friendOf = (m: MessageSpec) => (isGroup(m) ? GROUP : PRIVATE_FRIENDS[m.friend]!);
const contactIdOf = (m: MessageSpec) => `${9_000_000_000_000_000_000n + BigInt(m.friend)}`; // beyond 2^53

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .array(fc.record({ account: fc.integer({ min: 0, max: 1 }), friend: fc.integer({ min: 0, max: 2 }), inbound: fc.boolean() }), { minLength: 1, maxLength: 8 })
  .chain((messages) => {
    const n = messages.length;
    const msg = fc.integer({ min: 0, max: n - 1 });
    const anyMsg = fc.integer({ min: 0, max: n + 1 }); // two ghosts
    const unit: fc.Arbitrary<Unit> = fc.oneof(
      fc.record({
        kind: fc.constant('msgSync' as const),
        tsOffset: fc.integer({ min: 0, max: 90 }),
        items: fc.array(fc.record({ msg, status: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const) }), { minLength: 1, maxLength: 4 }),
      }),
      fc.record({ kind: fc.constant('client' as const), msgs: fc.array(msg, { minLength: 1, maxLength: 3 }) }),
      fc.record({
        kind: fc.constant('status' as const),
        updates: fc.array(fc.record({ msg: anyMsg, status: fc.constantFrom(...MESSAGE_STATUSES), atOffset: fc.integer({ min: 0, max: 5 }) }), { minLength: 1, maxLength: 4 }),
      }),
    );
    return fc.array(unit, { minLength: 1, maxLength: 9 }).chain((units) =>
      fc.record({
        messages: fc.constant(messages),
        units: fc.constant(units),
        duplicates: fc.array(fc.integer({ min: 0, max: units.length - 1 }), { maxLength: 4 }),
        order: fc.array(fc.integer(), { minLength: units.length + 4, maxLength: units.length + 4 }),
        split: fc.array(fc.boolean(), { minLength: units.length, maxLength: units.length }),
        mode: fc.constantFrom('http' as const, 'service' as const, 'mixed' as const, 'concurrent' as const),
      }),
    );
  });

// ------------------------------------------------------------ the model

interface ExpectedMessage { account: string; id: string; status: MessageStatus; times: Partial<Record<MessageStatus, number>> }

const rank = (s: MessageStatus) => MESSAGE_STATUSES.indexOf(s);
const STATUS_OF_CODE: Record<1 | 2 | 3 | 4, MessageStatus> = { 1: 'PENDING', 2: 'SENT', 3: 'DELIVERED', 4: 'READ' };

function model(s: Scenario, runBase: number) {
  const reports = new Map<number, { status: MessageStatus; at: number }[]>();
  const arrived = new Set<number>();
  const report = (msg: number, status: MessageStatus, at: number) => {
    if (!reports.has(msg)) reports.set(msg, []);
    reports.get(msg)!.push({ status, at });
  };
  for (const u of s.units) {
    // PENDING is reached at the chat time (as CLIENT_SYNC has it); a later status by the delivery's time.
    if (u.kind === 'msgSync') for (const it of u.items) { arrived.add(it.msg); report(it.msg, STATUS_OF_CODE[it.status], it.status === 1 ? chatTimeOf(it.msg) : msgSyncTime(s, u, runBase)); }
    else if (u.kind === 'client') for (const m of u.msgs) { arrived.add(m); report(m, s.messages[m]!.inbound ? 'DELIVERED' : 'PENDING', chatTimeOf(m)); }
    else for (const up of u.updates) report(up.msg, up.status, STATUS_BASE + up.atOffset * 1000);
  }
  const messages: ExpectedMessage[] = [];
  const pending: { id: string; status: MessageStatus; reachedAt: number }[] = [];
  for (const [msg, rs] of reports) {
    const times: Partial<Record<MessageStatus, number>> = {};
    for (const r of rs) times[r.status] = Math.min(times[r.status] ?? Infinity, r.at);
    const status = rs.reduce<MessageStatus>((a, r) => (rank(r.status) > rank(a) ? r.status : a), 'PENDING');
    if (arrived.has(msg)) messages.push({ account: ACCOUNTS[s.messages[msg]!.account]!, id: messageId(msg), status, times });
    else for (const [st, at] of Object.entries(times)) pending.push({ id: messageId(msg), status: st as MessageStatus, reachedAt: at });
  }
  const conversations = new Map<string, { account: string; friend: string; chatType: string; count: number; unread: number; last: string; lastAt: number }>();
  for (const msg of arrived) {
    const spec = s.messages[msg]!;
    const e = messages.find((m) => m.id === messageId(msg))!;
    const key = `${spec.account}/${friendOf(spec)}/${isGroup(spec)}`;
    const c = conversations.get(key) ?? { account: ACCOUNTS[spec.account]!, friend: friendOf(spec), chatType: isGroup(spec) ? 'GROUP' : 'PRIVATE', count: 0, unread: 0, last: '', lastAt: -1 };
    c.count += 1;
    if (spec.inbound && e.status !== 'READ') c.unread += 1;
    if (chatTimeOf(msg) > c.lastAt) { c.lastAt = chatTimeOf(msg); c.last = messageId(msg); }
    conversations.set(key, c);
  }
  const contacts = new Set<string>();
  for (const u of s.units) if (u.kind === 'msgSync') for (const it of u.items) contacts.add(contactIdOf(s.messages[it.msg]!));
  return { messages, pending, conversations: [...conversations.values()], contacts: [...contacts].sort(), arrivedCount: arrived.size };
}

// ------------------------------------------------------------ delivery

function msgSyncItem(s: Scenario, msg: number, status: number) {
  const m = s.messages[msg]!;
  const account = `${ACCOUNTS[m.account]}@c.us`; // MSG_SYNC spells ids with their suffix, CLIENT_SYNC bare
  const friend = isGroup(m) ? `${GROUP}@g.us` : `${friendOf(m)}@c.us`;
  return {
    id: `sync-${msg}-${status}`,
    messageId: messageId(msg),
    userName: `agent${m.account}`,
    whatsId: m.inbound ? (isGroup(m) ? '447799999999@c.us' : friend) : account,
    friendWhatsId: friend,
    currentWhatsId: account,
    actionType: m.inbound ? 2 : 1,
    chatType: isGroup(m) ? 2 : 1,
    messageStatus: status,
    content: `text ${msg}`,
    contentType: 0,
    originType: 2,
    sendTime: formatLocalDateTime(new Date(chatTimeOf(msg)), 'Asia/Shanghai'),
    userProfile: { id: '@@ID@@', name: `Friend ${m.friend}`, whatsApp: friendOf(m), username: `agent${m.account}`, tags: ['t'], extendsMap: '{"k":"v"}', income: '', profession: '', desc: '', email: '', address: '' },
    taskId: 0,
    taskInfoId: null,
  };
}

/**
 * A unit's timestamp: its offset, plus its position in milliseconds, so that
 * no two units with other data share a timestamp, hence an accessToken (a
 * token is good for the body it first came with: src/auth/seen-tokens.ts).
 */
function msgSyncTime(s: Scenario, u: MsgSyncUnit, runBase: number): number {
  return runBase + u.tsOffset * 1000 + Math.max(0, s.units.indexOf(u));
}

function msgSyncBody(s: Scenario, u: MsgSyncUnit, tenant: TenantCredentials, runBase: number): string {
  const timestamp = msgSyncTime(s, u, runBase);
  const data = u.items.map((it) => msgSyncItem(s, it.msg, it.status));
  const text = JSON.stringify({ accessToken: msgSyncAccessToken(tenant.webhookSecret, tenant.tenantId.toString(), timestamp), tenantId: Number(tenant.tenantId), timestamp, data });
  // userProfile.id as a bare JSON number beyond 2^53, as the CRM sends it.
  return text.replace(/"@@ID@@"/g, () => '@@').replace(/"id":@@,"name":"Friend (\d)"/g, (_m, f: string) => `"id":${9_000_000_000_000_000_000n + BigInt(f)},"name":"Friend ${f}"`);
}

function clientSyncBody(s: Scenario, u: ClientUnit): string {
  return JSON.stringify(
    u.msgs.map((msg) => {
      const m = s.messages[msg]!;
      return {
        userId: `${m.account + 1}`,
        whatsApp: ACCOUNTS[m.account],
        friendWhatsApp: friendOf(m),
        actionType: m.inbound ? 2 : 1,
        chatType: isGroup(m) ? 2 : 1,
        taskId: '',
        content: [{ type: 1, text: `text ${msg}`, messageId: messageId(msg), time: chatTimeOf(msg) }],
      };
    }),
  );
}

const statusUpdatesOf = (u: StatusUnit) =>
  u.updates.map((up) => ({ whatsMessageId: messageId(up.msg), status: up.status, reachedAt: new Date(STATUS_BASE + up.atOffset * 1000) }));

const UPDATE_STATUSES = `mutation($updates: [MessageStatusUpdateInput!]!) {
  updateMessageStatuses(updates: $updates) { inserted updated unchanged pending errors { index field message } }
}`;

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await t.app.fetch(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, text: await res.text() };
}

async function deliver(s: Scenario, u: Unit, tenant: TenantCredentials, runBase: number, viaHttp: boolean): Promise<void> {
  if (u.kind === 'msgSync') {
    const body = msgSyncBody(s, u, tenant, runBase);
    if (viaHttp) {
      const res = await post('/webhooks/MSG_SYNC_MESSAGE', body);
      assert.equal(res.status, 200, res.text);
    } else {
      await t.services.ingest.store(tenant.tenantId, { messages: normaliseMsgSync(readMsgSyncEnvelope(parseJsonLossless(body)), 'Asia/Shanghai') });
    }
  } else if (u.kind === 'client') {
    const body = clientSyncBody(s, u);
    if (viaHttp) {
      const res = await post('/webhooks/CLIENT_SYNC_MESSAGE', body, { authorization: `Bearer ${tenant.ingestKey}` });
      assert.equal(res.status, 200, res.text);
    } else {
      await t.services.ingest.store(tenant.tenantId, { messages: normaliseClientSync(parseJsonLossless(body)) });
    }
  } else if (viaHttp) {
    const updates = statusUpdatesOf(u).map((x) => ({ ...x, reachedAt: x.reachedAt.toISOString() }));
    const res = await t.graphql<{ updateMessageStatuses: { errors: unknown[] } }>(UPDATE_STATUSES, { updates }, tenant.ingestKey);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.deepEqual(res.body.data!.updateMessageStatuses.errors, []);
  } else {
    await t.services.ingest.store(tenant.tenantId, { statusUpdates: normaliseApiStatusUpdates(statusUpdatesOf(u)) });
  }
}

/** The shuffled delivery: units plus duplicates, in random order, client and status units possibly split into single items. */
function shuffledUnits(s: Scenario): Unit[] {
  const all = [...s.units.map((u, i) => ({ u, i })), ...s.duplicates.map((d) => ({ u: s.units[d]!, i: d }))];
  const keyed = all.map((x, k) => ({ ...x, key: s.order[k] ?? k })).sort((a, b) => a.key - b.key);
  const out: Unit[] = [];
  for (const { u, i } of keyed) {
    if (s.split[i] && u.kind === 'client') for (const m of u.msgs) out.push({ kind: 'client', msgs: [m] });
    else if (s.split[i] && u.kind === 'status') for (const up of [...u.updates].reverse()) out.push({ kind: 'status', updates: [up] });
    else out.push(u);
  }
  return out;
}

// ------------------------------------------------------------ reading back

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : null);

async function snapshot(tenantId: bigint) {
  const tenant = tenantId.toString();
  const messages = (await q(
    `SELECT "accountWhatsIdBare" AS account, "whatsMessageId" AS id, status, "pendingAt", "sentAt", "deliveredAt", "readAt"
       FROM "Message" WHERE "tenantId" = $1 ORDER BY 1, 2`, [tenant])).map((r) => ({
    account: r.account, id: r.id, status: r.status,
    pendingAt: iso(r.pendingAt), sentAt: iso(r.sentAt), deliveredAt: iso(r.deliveredAt), readAt: iso(r.readAt),
  }));
  const conversations = await q(
    `SELECT c."accountWhatsIdBare" AS account, c."friendWhatsIdBare" AS friend, c."chatType"::text AS "chatType",
            c."messageCount" AS count, c."unreadCount" AS unread, m."whatsMessageId" AS last, c."lastMessageAt" AS "lastAt"
       FROM "Conversation" c LEFT JOIN "Message" m ON m.id = c."lastMessageId"
      WHERE c."tenantId" = $1 ORDER BY 1, 2, 3`, [tenant]);
  const recount = await q(
    `SELECT m."accountWhatsIdBare" AS account, m."friendWhatsIdBare" AS friend, m."chatType"::text AS "chatType",
            count(*)::int AS count,
            (count(*) FILTER (WHERE m.direction = 'INBOUND' AND m.status <> 'READ'))::int AS unread,
            (array_agg(m."whatsMessageId" ORDER BY m."chatTime" DESC, m.id DESC))[1] AS last,
            max(m."chatTime") AS "lastAt"
       FROM "Message" m WHERE m."tenantId" = $1
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, [tenant]);
  const conversationOfMessage = await q(
    `SELECT count(*)::int AS n FROM "Message" m JOIN "Conversation" c ON c.id = m."conversationId"
      WHERE m."tenantId" = $1 AND (c."tenantId" <> m."tenantId" OR c."accountWhatsIdBare" <> m."accountWhatsIdBare"
            OR c."friendWhatsIdBare" <> m."friendWhatsIdBare" OR c."chatType" <> m."chatType")`, [tenant]);
  const pending = (await q(`SELECT "whatsMessageId" AS id, status, "reachedAt" FROM "PendingStatus" WHERE "tenantId" = $1 ORDER BY 1, 2`, [tenant]))
    .map((r) => ({ id: r.id, status: r.status, reachedAt: iso(r.reachedAt) }));
  const contacts = (await q<{ externalId: string }>(`SELECT "externalId" FROM "Contact" WHERE "tenantId" = $1 ORDER BY 1`, [tenant])).map((r) => r.externalId);
  const [counts] = await q<{ total: number; distinct: number; tenantCount: string; stripedCount: string }>(
    `SELECT (SELECT count(*) FROM "Message" WHERE "tenantId" = $1)::int AS total,
            (SELECT count(DISTINCT ("accountWhatsIdBare", "whatsMessageId")) FROM "Message" WHERE "tenantId" = $1)::int AS distinct,
            (SELECT COALESCE(sum("messageCount"), 0)::text FROM "Conversation" WHERE "tenantId" = $1) AS "tenantCount",
            (SELECT COALESCE(sum(n), 0)::text FROM "TenantMessageCount" WHERE "tenantId" = $1) AS "stripedCount"`, [tenant]);
  return { messages, conversations, recount, misfiled: conversationOfMessage[0]!.n, pending, contacts, counts: counts! };
}

type Snapshot = Awaited<ReturnType<typeof snapshot>>;

function checkAgainstModel(label: string, snap: Snapshot, expected: ReturnType<typeof model>): void {
  const at = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  const exp = expected.messages
    .map((m) => ({ account: m.account, id: m.id, status: m.status, pendingAt: at(m.times.PENDING), sentAt: at(m.times.SENT), deliveredAt: at(m.times.DELIVERED), readAt: at(m.times.READ) }))
    .sort((a, b) => (a.account + a.id < b.account + b.id ? -1 : 1));
  assert.deepEqual(snap.messages, exp, `${label}: messages (status and status times)`);
  assert.equal(snap.counts.total, expected.arrivedCount, `${label}: one row per message`);
  assert.equal(snap.counts.distinct, snap.counts.total, `${label}: no duplicate rows`);
  assert.equal(snap.counts.tenantCount, String(snap.counts.total), `${label}: the conversations' counters add up to count(*)`);
  assert.equal(snap.counts.stripedCount, String(snap.counts.total), `${label}: the tenant's striped total is count(*)`);
  assert.deepEqual(snap.conversations, snap.recount, `${label}: conversation counters equal a recount`);
  assert.equal(snap.misfiled, 0, `${label}: every message is in its own conversation`);
  const expConv = expected.conversations
    .map((c) => ({ account: c.account, friend: c.friend, chatType: c.chatType, count: c.count, unread: c.unread, last: c.last, lastAt: new Date(c.lastAt) }))
    .sort((a, b) => (`${a.account}/${a.friend}/${a.chatType}` < `${b.account}/${b.friend}/${b.chatType}` ? -1 : 1));
  assert.deepEqual(snap.conversations, expConv, `${label}: conversations`);
  const expPending = expected.pending.map((p) => ({ id: p.id, status: p.status, reachedAt: at(p.reachedAt) }))
    .sort((a, b) => (a.id === b.id ? rank(a.status as MessageStatus) - rank(b.status as MessageStatus) : a.id < b.id ? -1 : 1));
  assert.deepEqual(snap.pending, expPending, `${label}: pending statuses (only for messages that never arrived)`);
  assert.deepEqual(snap.contacts, expected.contacts, `${label}: contacts`);
}

// ------------------------------------------------------------ the property

let nextTenant = 5000n;
const NUM_RUNS = Number(process.env.FC_RUNS ?? 30);

test(`any order, duplication and batching of deliveries ends in the same, consistent state (${NUM_RUNS} runs)`, async (ctx) => {
  let runs = 0;
  const modes = { http: 0, service: 0, mixed: 0, concurrent: 0 };
  await fc.assert(
    fc.asyncProperty(scenarioArb, async (s) => {
      runs++;
      modes[s.mode]++;
      const runBase = Date.now() - 120_000; // MSG_SYNC timestamps must be within ±300 s of now
      const shuffled = await t.createTenant(nextTenant++, 'shuffled');
      const canonical = await t.createTenant(nextTenant++, 'canonical');
      const units = shuffledUnits(s);
      if (s.mode === 'concurrent') {
        await Promise.all(units.map((u, i) => deliver(s, u, shuffled, runBase, i % 2 === 0)));
      } else {
        for (const [i, u] of units.entries()) {
          await deliver(s, u, shuffled, runBase, s.mode === 'http' || (s.mode === 'mixed' && i % 2 === 0));
        }
      }
      for (const u of s.units) await deliver(s, u, canonical, runBase, s.mode !== 'service');
      const expected = model(s, runBase);
      const a = await snapshot(shuffled.tenantId);
      const b = await snapshot(canonical.tenantId);
      checkAgainstModel('shuffled', a, expected);
      checkAgainstModel('canonical', b, expected);
      assert.deepEqual(a, b, 'both orders end in the same state');
    }),
    {
      numRuns: NUM_RUNS,
      seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined,
      path: process.env.FC_PATH,
      // A time budget, so a loaded machine runs fewer cases instead of timing out;
      // at least a few must have run (checked below).
      interruptAfterTimeLimit: Number(process.env.FC_TIME_LIMIT_MS ?? 90_000),
      markInterruptAsFailure: false,
    },
  );
  if (runs < NUM_RUNS) ctx.diagnostic(`time budget reached: ${runs} of ${NUM_RUNS} runs`);
  assert.ok(runs >= Math.min(NUM_RUNS, 5), `only ${runs} runs within the time budget`);
  ctx.diagnostic(`runs: ${runs} (http ${modes.http}, service ${modes.service}, mixed ${modes.mixed}, concurrent ${modes.concurrent})`);
  if (runs >= 10) assert.ok(modes.http + modes.mixed + modes.concurrent > 0, 'some runs went through the webhooks');
  // prom-client counters: get() resolves to the series.
  const total = async (c: { get(): Promise<{ values: { value: number }[] }> }) => (await c.get()).values.reduce((n, v) => n + v.value, 0);
  const batches = await total(t.services.metrics.ingestBatches);
  const transactions = await total(t.services.metrics.ingestTransactions);
  // How many were grouped depends on the scenarios and the timing: reported, not asserted (test/unit/write-queue.test.ts asserts the grouping).
  ctx.diagnostic(`ingest: ${batches} batches in ${transactions} transactions`);
});

// ------------------------------------------------------------ found while writing the property

test(
  'a conversation first stored from CLIENT_SYNC gets its contact and friend name when MSG_SYNC re-pushes the message with its profile',
  async () => {
    const s: Scenario = { messages: [{ account: 0, friend: 0, inbound: true }], units: [], duplicates: [], order: [], split: [], mode: 'http' };
    const runBase = Date.now() - 60_000;
    const tenantA = await t.createTenant(nextTenant++, 'client first');
    const tenantB = await t.createTenant(nextTenant++, 'msg sync first');
    const client: ClientUnit = { kind: 'client', msgs: [0] };
    const push: MsgSyncUnit = { kind: 'msgSync', tsOffset: 1, items: [{ msg: 0, status: 3 }] };
    await deliver(s, client, tenantA, runBase, true);
    await deliver(s, push, tenantA, runBase, true);
    await deliver(s, push, tenantB, runBase, true);
    await deliver(s, client, tenantB, runBase, true);
    const read = (id: bigint) =>
      q(`SELECT c."friendName", ct."externalId", m."contactId" IS NOT NULL AS "messageHasContact"
           FROM "Conversation" c JOIN "Message" m ON m."conversationId" = c.id LEFT JOIN "Contact" ct ON ct.id = c."contactId"
          WHERE c."tenantId" = $1`, [id.toString()]);
    const b = await read(tenantB.tenantId);
    assert.deepEqual(b, [{ friendName: 'Friend 0', externalId: '9000000000000000000', messageHasContact: true }]);
    assert.deepEqual(await read(tenantA.tenantId), b);
  },
);
