// Concurrent deliveries on a real PostgreSQL server (PGlite runs one
// connection at a time, so these only mean something there): the same batch
// many times at once, overlapping batches that lock rows in different
// combinations, and statuses racing their messages.
//
// One instance writes a tenant's batches one transaction at a time
// (src/ingest/write-queue.ts); several instances still write the same tenant
// at once. So the requests go round-robin to four server instances over one
// database: transactions of one tenant really overlap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testTarget } from '../support/database.ts';
import { startTestAppWithPool } from '../support/app-pool.ts';
import type { TestApp } from '../support/app.ts';
import type { TenantCredentials } from '../../src/auth/tenants.ts';
import { msgSyncBody } from '../support/live.ts';
import { formatLocalDateTime } from '../../src/domain/local-time.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createServices } from '../../src/services.ts';
import { createApp } from '../../src/http/app.ts';
import type { AppServices } from '../../src/services.ts';

const skip = testTarget !== 'postgres' ? 'needs a real PostgreSQL server (TEST_TARGET=postgres): PGlite serialises every connection' : false;
const CONCURRENCY = 20;

const INSTANCES = 4;

let t: TestApp;
/** The test app and INSTANCES − 1 more server instances over its database. */
let instances: { app: TestApp['app']; services: AppServices }[] = [];
let nextTenant = 7000n;
before(async () => {
  if (skip) return;
  t = await startTestAppWithPool(CONCURRENCY + 2);
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_POOL_SIZE: String(CONCURRENCY + 2) });
  instances = [{ app: t.app, services: t.services }];
  for (let i = 1; i < INSTANCES; i++) {
    const services = createServices(config, t.testDb.db, createLogger(config.logLevel));
    instances.push({ app: createApp(services), services });
  }
});
after(async () => {
  for (const { app, services } of instances.slice(1)) {
    await app.dispose();
    await services.events.close();
    await services.rateLimiter.close();
  }
  if (t) await t.close();
});

const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => t.testDb.db.pool.query(sql, params).then((r) => r.rows as T[]);

let nextInstance = 0;
async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const { app } = instances[nextInstance++ % instances.length]!;
  const res = await app.fetch(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, text: await res.text() };
}

const ACCOUNTS = ['8613700000001', '8613700000002'];
const FRIENDS = ['447711000001', '447711000002', '447711000003', '447711000004', '120363111111111111'];
const CHAT_BASE = Date.UTC(2024, 1, 1, 0, 0, 0);

/** Message n of the universe: spread over 2 accounts × 5 friends (one a group). */
function item(n: number, status: number, profileName = 'Friend') {
  const account = ACCOUNTS[n % 2]!;
  const friendIdx = Math.floor(n / 2) % FRIENDS.length;
  const friend = FRIENDS[friendIdx]!;
  const group = friendIdx === FRIENDS.length - 1;
  const inbound = n % 3 !== 0;
  return {
    id: `sync-${n}-${status}`,
    messageId: `wamid.C${String(n).padStart(4, '0')}`,
    userName: `agent${n % 2}`,
    whatsId: inbound ? (group ? '447799999999@c.us' : `${friend}@c.us`) : `${account}@c.us`,
    friendWhatsId: group ? `${friend}@g.us` : `${friend}@c.us`,
    currentWhatsId: `${account}@c.us`,
    actionType: inbound ? 2 : 1,
    chatType: group ? 2 : 1,
    messageStatus: status,
    content: `message ${n}`,
    contentType: 0,
    originType: 1,
    sendTime: formatLocalDateTime(new Date(CHAT_BASE + n * 1000), 'Asia/Shanghai'),
    userProfile: { id: 1_000_000 + friendIdx, name: `${profileName} ${friendIdx}`, whatsApp: friend, username: 'owner', tags: [], extendsMap: '', income: '', profession: '', desc: '', email: '', address: '' },
    taskId: 0,
    taskInfoId: 0,
  };
}


const deadlocks = async () => {
  // The statistics collector lags: give it a moment, then read this database's counter.
  await new Promise((r) => setTimeout(r, 600));
  await q('SELECT pg_stat_clear_snapshot()');
  return Number((await q<{ n: string }>('SELECT deadlocks::text AS n FROM pg_stat_database WHERE datname = current_database()'))[0]!.n);
};

/** Every invariant of a tenant's stored state; returns the messages by id. */
async function checkConsistent(tenant: TenantCredentials) {
  const id = tenant.tenantId.toString();
  const [dups] = await q<{ total: number; distinct: number; tenantCount: string; stripedCount: string }>(
    `SELECT (SELECT count(*) FROM "Message" WHERE "tenantId" = $1)::int AS total,
            (SELECT count(DISTINCT ("accountWhatsIdBare", "whatsMessageId")) FROM "Message" WHERE "tenantId" = $1)::int AS distinct,
            (SELECT COALESCE(sum("messageCount"), 0)::text FROM "Conversation" WHERE "tenantId" = $1) AS "tenantCount",
            (SELECT COALESCE(sum(n), 0)::text FROM "TenantMessageCount" WHERE "tenantId" = $1) AS "stripedCount"`, [id]);
  assert.equal(dups!.distinct, dups!.total, 'no duplicate messages');
  assert.equal(dups!.tenantCount, String(dups!.total), 'the conversations\' counters add up to count(*)');
  assert.equal(dups!.stripedCount, String(dups!.total), 'the tenant\'s striped total is count(*)');
  const stored = await q(
    `SELECT c."accountWhatsIdBare" AS account, c."friendWhatsIdBare" AS friend, c."chatType"::text AS "chatType",
            c."messageCount" AS count, c."unreadCount" AS unread, c."lastMessageId"::text AS last
       FROM "Conversation" c WHERE c."tenantId" = $1 ORDER BY 1, 2, 3`, [id]);
  const recount = await q(
    `SELECT "accountWhatsIdBare" AS account, "friendWhatsIdBare" AS friend, "chatType"::text AS "chatType",
            count(*)::int AS count, (count(*) FILTER (WHERE direction = 'INBOUND' AND status <> 'READ'))::int AS unread,
            ((array_agg(id ORDER BY "chatTime" DESC, id DESC))[1])::text AS last
       FROM "Message" WHERE "tenantId" = $1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, [id]);
  assert.deepEqual(stored, recount, 'conversation counters equal a recount');
  const contacts = await q<{ n: number; d: number }>(`SELECT count(*)::int AS n, count(DISTINCT "externalId")::int AS d FROM "Contact" WHERE "tenantId" = $1`, [id]);
  assert.equal(contacts[0]!.n, contacts[0]!.d, 'no duplicate contacts');
  const rows = await q<{ whatsMessageId: string; status: string }>(`SELECT "whatsMessageId", status FROM "Message" WHERE "tenantId" = $1`, [id]);
  return { total: dups!.total, conversations: stored.length, status: new Map(rows.map((r) => [r.whatsMessageId, r.status])) };
}

test(`the same signed 50-item MSG_SYNC batch posted by ${CONCURRENCY} concurrent requests: all 200, one copy each`, { skip }, async () => {
  const tenant = await t.createTenant(nextTenant++);
  const data = Array.from({ length: 50 }, (_, n) => item(n, 1 + (n % 4)));
  const body = msgSyncBody(tenant, data);
  const responses = await Promise.all(Array.from({ length: CONCURRENCY }, () => post('/webhooks/MSG_SYNC_MESSAGE', body)));
  for (const r of responses) assert.deepEqual([r.status, r.text], [200, '{"code":200,"message":"success!","data":""}']);
  const state = await checkConsistent(tenant);
  assert.equal(state.total, 50);
  assert.equal(state.conversations, 10);
  const STATUS = ['PENDING', 'SENT', 'DELIVERED', 'READ'];
  for (let n = 0; n < 50; n++) assert.equal(state.status.get(`wamid.C${String(n).padStart(4, '0')}`), STATUS[n % 4]);
  const [contacts] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM "Contact" WHERE "tenantId" = $1`, [tenant.tenantId.toString()]);
  assert.equal(contacts!.n, 5);
});

test(`${CONCURRENCY} concurrent overlapping-but-different batches (MSG_SYNC and CLIENT_SYNC): all 200 and consistent`, { skip }, async (ctx) => {
  const tenant = await t.createTenant(nextTenant++);
  const UNIVERSE = 120;
  // Request r covers a window of the universe that overlaps its neighbours', in
  // its own order, with its own statuses and profile names (contact rows updated concurrently).
  const expected = new Map<string, number>();
  const requests = Array.from({ length: CONCURRENCY }, (_, r) => {
    const start = (r * 17) % UNIVERSE;
    const ns = Array.from({ length: 50 }, (_, k) => (start + k * (1 + (r % 3))) % UNIVERSE);
    const unique = [...new Set(ns)];
    if (r % 2 === 1) unique.reverse();
    if (r % 4 === 2) {
      // CLIENT_SYNC: one body per request, account and friend as the universe says, bare ids.
      const body = JSON.stringify(unique.map((n) => {
        const it = item(n, 1);
        for (const m of [it]) expected.set(m.messageId, Math.max(expected.get(m.messageId) ?? 0, m.actionType === 2 ? 3 : 1));
        return {
          userId: String(r), whatsApp: it.currentWhatsId.replace('@c.us', ''), friendWhatsApp: it.friendWhatsId.replace(/@[cg]\.us$/, ''),
          actionType: it.actionType, chatType: it.chatType,
          content: [{ type: 1, text: it.content, messageId: it.messageId, time: CHAT_BASE + n * 1000 }],
        };
      }));
      return () => post('/webhooks/CLIENT_SYNC_MESSAGE', body, { authorization: `Bearer ${tenant.ingestKey}` });
    }
    const data = unique.map((n) => item(n, 1 + ((n + r) % 4), `Name${r}`));
    for (const d of data) expected.set(d.messageId, Math.max(expected.get(d.messageId) ?? 0, d.messageStatus));
    const body = msgSyncBody(tenant, data);
    return () => post('/webhooks/MSG_SYNC_MESSAGE', body);
  });
  const deadlocksBefore = await deadlocks();
  for (let round = 0; round < 2; round++) {
    const responses = await Promise.all(requests.map((send) => send()));
    responses.forEach((res, i) => assert.equal(res.status, 200, `request ${i} (round ${round}): ${res.text}`));
  }
  const state = await checkConsistent(tenant);
  assert.equal(state.total, expected.size);
  const STATUS = ['', 'PENDING', 'SENT', 'DELIVERED', 'READ'];
  for (const [id, code] of expected) assert.equal(state.status.get(id), STATUS[code], id);
  ctx.diagnostic(`deadlocks detected (and retried) by PostgreSQL during the run: ${(await deadlocks()) - deadlocksBefore}`);
});

test('a status racing its message (CLIENT_SYNC_MESSAGE and CLIENT_SYNC_MESSAGE_STATUS at once, many times): always applied, nothing left pending', { skip }, async () => {
  const tenant = await t.createTenant(nextTenant++);
  const auth = { authorization: `Bearer ${tenant.ingestKey}` };
  const ROUNDS = 100;
  const PER_ROUND = 5;
  const ids: string[] = [];
  const round = async (r: number) => {
    const batch = Array.from({ length: PER_ROUND }, (_, k) => `race-${r}-${k}`);
    ids.push(...batch);
    const message = JSON.stringify(batch.map((id, k) => ({
      userId: '1', whatsApp: ACCOUNTS[k % 2], friendWhatsApp: FRIENDS[k % 4], actionType: 1 + (k % 2), chatType: 1,
      content: [{ type: 1, text: id, messageId: id, time: CHAT_BASE + r * 1000 + k }],
    })));
    // READ for every message, plus a second, lower status for some (never lowers).
    const status = JSON.stringify(batch.flatMap((id, k) => [{ userId: '1', messageStatus: 4, messageId: id }, ...(k % 2 ? [{ userId: '1', messageStatus: 2, messageId: id }] : [])]));
    const sends = [
      () => post('/webhooks/CLIENT_SYNC_MESSAGE', message, auth),
      () => post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', status, auth),
    ];
    if (r % 2) sends.reverse();
    const responses = await Promise.all(sends.map((s) => s()));
    for (const res of responses) assert.equal(res.status, 200, res.text);
  };
  // Several rounds at a time, so that unrelated races overlap too.
  for (let r = 0; r < ROUNDS; r += 5) await Promise.all([0, 1, 2, 3, 4].map((k) => round(r + k)));
  const state = await checkConsistent(tenant);
  assert.equal(state.total, ROUNDS * PER_ROUND);
  const notRead = ids.filter((id) => state.status.get(id) !== 'READ');
  assert.deepEqual(notRead, [], 'every racing status ends applied');
  const pending = await q(`SELECT "whatsMessageId", status FROM "PendingStatus" WHERE "tenantId" = $1`, [tenant.tenantId.toString()]);
  assert.deepEqual(pending, [], 'no PendingStatus left behind');
  const [times] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM "Message" WHERE "tenantId" = $1 AND "readAt" IS NULL`, [tenant.tenantId.toString()]);
  assert.equal(times!.n, 0, 'every READ has its time');
});
