// Dashboard aggregates (README "Dashboard aggregates"): the roll-ups kept on
// write by prisma/sql/aggregates.sql must equal a GROUP BY recount over
// "Message" after any mix of deliveries — messages in random batches
// (repeats included), status updates before or after their messages, whole
// conversations deleted — and every query the API answers from them must
// equal the same recount, in any zone (quarter- and half-hour ones too).
// Reproduce a failure with FC_SEED=<seed> (and FC_PATH=<path>).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../support/app.ts';
import { readSseEvents } from '../support/live.ts';
import { normaliseApiMessages, normaliseApiStatusUpdates, type ApiMessageInput } from '../../src/ingest/api-input.ts';
import { MESSAGE_STATUSES, type MessageStatus } from '../../src/domain/status.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => t.testDb.db.pool.query(sql, params).then((r) => r.rows as T[]);

const ACCOUNTS = ['8613800000001', '8613800000002@c.us'];
const FRIENDS = ['447700000001', '447700000002', '120363000000000001'];
const AGENTS = ['alice', 'bob', null];
const CONTENT = ['TEXT', 'IMAGE', 'STICKER'] as const;
const ZONES = ['Asia/Shanghai', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/New_York', 'UTC'];
// Fourteen hours across New York's DST change (2024-03-10 07:00Z) and a UTC
// midnight: few slots, so that messages often sit on a query's edges.
const BASE = Date.UTC(2024, 2, 9, 17, 0, 0);
const SLOTS = 14 * 4;
const SPAN_S = SLOTS * 900;

interface Spec { account: number; friend: number; inbound: boolean; content: number; agent: number; at: number; status: number }
type Step =
  | { kind: 'messages'; msgs: number[] }
  | { kind: 'status'; updates: { msg: number; status: number }[] }
  | { kind: 'deleteConversation'; msg: number }
  | { kind: 'retime'; msg: number; at: number; inbound: boolean };

const specArb = fc.record({
  account: fc.integer({ min: 0, max: 1 }), friend: fc.integer({ min: 0, max: 2 }), inbound: fc.boolean(),
  content: fc.integer({ min: 0, max: 2 }), agent: fc.integer({ min: 0, max: 2 }),
  at: fc.oneof(fc.integer({ min: 0, max: SPAN_S - 1 }), fc.integer({ min: 0, max: SLOTS - 1 }).chain((k) => fc.constantFrom(k * 900, k * 900 + 899))),
  status: fc.integer({ min: 0, max: 3 }),
});

const scenarioArb = fc.array(specArb, { minLength: 1, maxLength: 40 }).chain((specs) => {
  const msg = fc.integer({ min: 0, max: specs.length - 1 });
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('messages' as const), msgs: fc.array(msg, { minLength: 1, maxLength: 8 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('status' as const), updates: fc.array(fc.record({ msg, status: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 5 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteConversation' as const), msg }) },
    // A stored message corrected in place (chat time and direction): the update triggers' path.
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('retime' as const), msg, at: fc.integer({ min: 0, max: SPAN_S - 1 }), inbound: fc.boolean() }) },
  );
  return fc.record({ specs: fc.constant(specs), steps: fc.array(step, { minLength: 1, maxLength: 10 }) });
});

const wid = (i: number) => `wamid.A${String(i).padStart(3, '0')}`;
function apiMessage(i: number, s: Spec): ApiMessageInput {
  const group = s.friend === 2;
  return {
    accountWhatsId: ACCOUNTS[s.account]!, whatsMessageId: wid(i), friendWhatsId: FRIENDS[s.friend]!,
    agentAccount: AGENTS[s.agent], direction: s.inbound ? 'INBOUND' : 'OUTBOUND', chatType: group ? 'GROUP' : 'PRIVATE',
    contentType: CONTENT[s.content]!, content: CONTENT[s.content] === 'TEXT' ? `m${i}` : '{}',
    status: MESSAGE_STATUSES[s.status]!, chatTime: new Date(BASE + s.at * 1000),
  };
}

async function deliver(tenantId: bigint, specs: Spec[], steps: Step[]): Promise<void> {
  for (const step of steps) {
    if (step.kind === 'messages') {
      await t.services.ingest.store(tenantId, { messages: normaliseApiMessages(step.msgs.map((i) => apiMessage(i, specs[i]!))) });
    } else if (step.kind === 'status') {
      await t.services.ingest.store(tenantId, {
        statusUpdates: normaliseApiStatusUpdates(step.updates.map((u) => ({ whatsMessageId: wid(u.msg), status: MESSAGE_STATUSES[u.status] as MessageStatus, reachedAt: new Date(BASE + SPAN_S * 1000) }))),
      });
    } else if (step.kind === 'retime') {
      await q(`UPDATE "Message" SET "chatTime" = $3, direction = $4::"Direction" WHERE "tenantId" = $1 AND "whatsMessageId" = $2`,
        [tenantId.toString(), wid(step.msg), new Date(BASE + step.at * 1000), step.inbound ? 'INBOUND' : 'OUTBOUND']);
    } else {
      await q(`DELETE FROM "Conversation" WHERE id IN (SELECT "conversationId" FROM "Message" WHERE "tenantId" = $1 AND "whatsMessageId" = $2)`, [tenantId.toString(), wid(step.msg)]);
    }
  }
}

const DIMS = ['direction', 'status', '"contentType"', '"chatType"', 'coalesce("agentAccount", \'\')', '"accountWhatsIdBare"'];
const TABLES: [string, string[]][] = [
  ['"MessageCountByDirection"', DIMS.slice(0, 1)],
  ['"MessageCountByKind"', DIMS.slice(0, 4)],
  ['"MessageCountFull"', DIMS],
];
const HOURLY: [string, string[]][] = [
  ['"MessageCountByDirectionHour"', DIMS.slice(0, 1)],
  ['"MessageCountByKindHour"', DIMS.slice(0, 4)],
];

async function assertRollupsEqualRecount(tenantId: string): Promise<void> {
  for (const [table, dims] of TABLES) {
    const cols = dims.map((d) => (d.startsWith('coalesce') ? '"agentAccount"' : d));
    const kept = await q(`SELECT slot, ${cols.map((c, i) => `${c}::text AS d${i}`).join(', ')}, n FROM ${table} WHERE "tenantId" = $1 AND n <> 0 ORDER BY 1, ${cols.map((_, i) => i + 2).join(', ')}`, [tenantId]);
    const recount = await q(`SELECT date_bin('15 minutes', "chatTime", timestamptz '2000-01-01Z') AS slot, ${dims.map((c, i) => `${c}::text AS d${i}`).join(', ')}, count(*)::int AS n
                               FROM "Message" WHERE "tenantId" = $1 GROUP BY ${dims.map((_, i) => i + 2).concat(1).join(', ')} ORDER BY 1, ${dims.map((_, i) => i + 2).join(', ')}`, [tenantId]);
    assert.deepEqual(kept, recount, `${table} differs from a GROUP BY recount`);
  }
  for (const [table, dims] of HOURLY) {
    const kept = await q(`SELECT hour, ${dims.map((c, i) => `${c}::text AS d${i}`).join(', ')}, n FROM ${table} WHERE "tenantId" = $1 AND n <> 0 ORDER BY 1, ${dims.map((_, i) => i + 2).join(', ')}`, [tenantId]);
    const recount = await q(`SELECT date_bin('1 hour', "chatTime", timestamptz '2000-01-01Z') AS hour, ${dims.map((c, i) => `${c}::text AS d${i}`).join(', ')}, count(*)::int AS n
                               FROM "Message" WHERE "tenantId" = $1 GROUP BY ${dims.map((_, i) => i + 2).concat(1).join(', ')} ORDER BY 1, ${dims.map((_, i) => i + 2).join(', ')}`, [tenantId]);
    assert.deepEqual(kept, recount, `${table} differs from a GROUP BY recount`);
  }
  const negatives = await q(`SELECT 1 FROM "MessageCountFull" WHERE "tenantId" = $1 AND n < 0`, [tenantId]);
  assert.equal(negatives.length, 0);
}

/** The awaiting-reply rule restated over "Message": inbound messages newer than the newest outbound one. */
async function awaitingRecount(tenantId: string) {
  return q(`
    WITH answered AS (
      SELECT "conversationId", max("chatTime") FILTER (WHERE direction = 'OUTBOUND') AS at FROM "Message" WHERE "tenantId" = $1 GROUP BY 1
    ), waiting AS (
      SELECT m."conversationId", min(m."chatTime") AS since, max(m."chatTime") AS last_in
        FROM "Message" m JOIN answered a USING ("conversationId")
       WHERE m.direction = 'INBOUND' AND (a.at IS NULL OR m."chatTime" > a.at) GROUP BY 1
    )
    SELECT w."conversationId"::text AS id, w.since, w.last_in,
           (SELECT coalesce(m."agentAccount", '') FROM "Message" m WHERE m."conversationId" = w."conversationId" ORDER BY m."chatTime" DESC, m.id DESC LIMIT 1) AS agent
      FROM waiting w ORDER BY w.since, w."conversationId"`, [tenantId]);
}

interface CountsQuery { from: number; to: number; zone: string; interval: 'HOUR' | 'DAY' | 'RANGE'; groupBy: string[]; where: Record<string, unknown> }
const GROUPS: Record<string, string> = {
  DIRECTION: 'direction', STATUS: 'status', CONTENT_TYPE: '"contentType"', CHAT_TYPE: '"chatType"', AGENT: '"agentAccount"', ACCOUNT: '"accountWhatsIdBare"',
};
const FIELD_OF: Record<string, string> = { DIRECTION: 'direction', STATUS: 'status', CONTENT_TYPE: 'contentType', CHAT_TYPE: 'chatType', AGENT: 'agentAccount', ACCOUNT: 'accountWhatsId' };

const countsQueryArb: fc.Arbitrary<CountsQuery> = fc
  .record({
    a: fc.integer({ min: -4, max: SLOTS + 4 }), len: fc.integer({ min: 1, max: SLOTS + 8 }),
    zone: fc.constantFrom(...ZONES), interval: fc.constantFrom('HOUR' as const, 'DAY' as const, 'RANGE' as const),
    groupBy: fc.subarray(Object.keys(GROUPS)),
    where: fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, fc.record({
      direction: fc.constantFrom('OUTBOUND', 'INBOUND'), status: fc.subarray([...MESSAGE_STATUSES], { minLength: 1 }),
      contentType: fc.subarray([...CONTENT], { minLength: 1 }), chatType: fc.constantFrom('PRIVATE', 'GROUP'),
      agentAccount: fc.subarray(['alice', 'bob', ''], { minLength: 1 }), accountWhatsId: fc.subarray(ACCOUNTS, { minLength: 1 }),
    }, { requiredKeys: [] })),
  })
  // Half the ranges on whole hours: those read the hourly roll-ups in whole-hour zones.
  .chain((r) => fc.boolean().map((hours) => (hours ? { ...r, a: r.a - (r.a % 4), len: Math.max(4, r.len - (r.len % 4)) } : r)))
  .map((r) => ({ from: BASE + r.a * 900_000, to: BASE + (r.a + r.len) * 900_000, zone: r.zone, interval: r.interval, groupBy: r.groupBy, where: r.where }));

async function countsRecount(tenantId: string, c: CountsQuery) {
  const params: unknown[] = [tenantId, new Date(c.from).toISOString(), new Date(c.to).toISOString(), c.zone];
  const cond = [`"tenantId" = $1`, `"chatTime" >= $2::timestamptz`, `"chatTime" < $3::timestamptz`];
  const w = c.where as Record<string, unknown>;
  const add = (sql: string, v: unknown) => { params.push(v); cond.push(sql.replace('?', `$${params.length}`)); };
  if (w.direction) add(`direction = ?::"Direction"`, w.direction);
  if (w.status) add(`status = ANY(?::"MessageStatus"[])`, w.status);
  if (w.contentType) add(`"contentType" = ANY(?::"ContentType"[])`, w.contentType);
  if (w.chatType) add(`"chatType" = ?::"ChatType"`, w.chatType);
  if (w.agentAccount) add(`coalesce("agentAccount", '') = ANY(?::text[])`, w.agentAccount);
  if (w.accountWhatsId) add(`"accountWhatsIdBare" = ANY(?::text[])`, (w.accountWhatsId as string[]).map((a) => a.replace(/@c\.us$/, '')));
  const bucket = c.interval === 'RANGE' ? `($2::timestamptz AT TIME ZONE $4)` : `date_trunc('${c.interval.toLowerCase()}', "chatTime" AT TIME ZONE $4)`;
  const dims = c.groupBy.map((g) => (g === 'AGENT' ? `nullif(coalesce("agentAccount", ''), '')` : GROUPS[g]!));
  const rows = await q(`SELECT to_char(b, 'YYYY-MM-DD"T"HH24:MI') AS local, ${dims.map((d, i) => `${d}::text AS d${i}, `).join('')} count(*)::int AS n
                          FROM (SELECT ${bucket} AS b, * FROM "Message" WHERE ${cond.join(' AND ')}) m
                         GROUP BY b${dims.map((_, i) => `, ${i + 2}`).join('')} ORDER BY b${dims.map((_, i) => `, ${i + 2}`).join('')}`, params);
  return rows.map((r) => [r.local, ...c.groupBy.map((_, i) => r[`d${i}`]), r.n]);
}


/**
 * Answered stretches restated over "Message": each inbound message is
 * answered by the first outbound one at the same instant or later; the
 * stretch is the inbound messages one answer takes, since = the oldest. The
 * answer's agent is that of the outbound message at that instant with the
 * smallest whatsMessageId. Keyed by account and friend (not ids), so that two
 * tenants can be compared.
 */
const STRETCHES_SQL = `
  WITH i AS (
    SELECT m."conversationId" AS c, m."chatTime" AS t,
           (SELECT min(o."chatTime") FROM "Message" o
             WHERE o."conversationId" = m."conversationId" AND o.direction = 'OUTBOUND' AND o."chatTime" >= m."chatTime") AS a
      FROM "Message" m WHERE m."tenantId" = $1 AND m.direction = 'INBOUND'
  ), s AS (
    SELECT c, a, min(t) AS since FROM i WHERE a IS NOT NULL GROUP BY 1, 2
  )
  SELECT s.c, s.a AS "answeredAt", s.since, ans.agent, ans.account, ans.chat, ans.friend,
         s.a = min(s.a) OVER (PARTITION BY s.c) AS first
    FROM s JOIN LATERAL (
      SELECT coalesce(o."agentAccount", '') AS agent, o."accountWhatsIdBare" AS account, o."chatType"::text AS chat, o."friendWhatsIdBare" AS friend
        FROM "Message" o WHERE o."conversationId" = s.c AND o.direction = 'OUTBOUND' AND o."chatTime" = s.a
       ORDER BY o."whatsMessageId" LIMIT 1) ans ON true`;

async function assertResponseTimesEqualRecount(tenantId: string): Promise<void> {
  const recount = await q(`SELECT c::text AS id, "answeredAt", since, agent, account, chat, first FROM (${STRETCHES_SQL}) x ORDER BY c, "answeredAt"`, [tenantId]);
  const kept = await q(`SELECT r."conversationId"::text AS id, r."answeredAt", r.since, r."agentAccount" AS agent, r."accountWhatsIdBare" AS account,
                               r."chatType"::text AS chat, f."conversationId" IS NOT NULL AS first
                          FROM "ConversationReply" r LEFT JOIN "ConversationFirstReply" f ON f."conversationId" = r."conversationId" AND f."answeredAt" = r."answeredAt"
                         WHERE r."tenantId" = $1 ORDER BY r."conversationId", r."answeredAt"`, [tenantId]);
  assert.deepEqual(kept, recount, 'the answered stretches differ from a recount');
  const firsts = await q(`SELECT count(*)::int AS n FROM "ConversationFirstReply" WHERE "tenantId" = $1`, [tenantId]);
  assert.equal(firsts[0]!.n, recount.filter((r) => r.first).length, 'one first response per answered conversation');
  const histogram = (sql: string) => q(sql, [tenantId]);
  const keptBins = await histogram(`SELECT metric::text, slot, "agentAccount" AS agent, "accountWhatsIdBare" AS account, "chatType"::text AS chat, bin, n
                                      FROM "ResponseTimeHistogram" WHERE "tenantId" = $1 AND n <> 0 ORDER BY 1, 2, 3, 4, 5, 6`);
  const recountBins = await histogram(`
    SELECT metric, date_bin('15 minutes', "answeredAt", timestamptz '2000-01-01Z') AS slot, agent, account, chat,
           chatgraph_response_bin("answeredAt" - since) AS bin, count(*)::int AS n
      FROM (SELECT 'REPLY' AS metric, * FROM (${STRETCHES_SQL}) a UNION ALL SELECT 'FIRST_RESPONSE', * FROM (${STRETCHES_SQL}) b WHERE first) x
     GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`);
  assert.deepEqual(keptBins, recountBins, 'the response-time histogram differs from a recount');
  const negatives = await q(`SELECT 1 FROM "ResponseTimeHistogram" WHERE "tenantId" = $1 AND n < 0`, [tenantId]);
  assert.equal(negatives.length, 0);
}

/** A tenant's stretches and histogram without ids: equal for two tenants that hold the same messages. */
async function responseTimesByContent(tenantId: string) {
  return {
    stretches: await q(`SELECT account, friend, "answeredAt", since, agent, chat, first FROM (${STRETCHES_SQL}) x ORDER BY 1, 2, 3`, [tenantId]),
    kept: await q(`SELECT r."accountWhatsIdBare", c."friendWhatsIdBare", r."answeredAt", r.since, r."agentAccount", r."chatType"::text
                     FROM "ConversationReply" r JOIN "Conversation" c ON c.id = r."conversationId" WHERE r."tenantId" = $1 ORDER BY 1, 2, 3`, [tenantId]),
    histogram: await q(`SELECT metric::text, slot, "agentAccount", "accountWhatsIdBare", "chatType"::text, bin, n FROM "ResponseTimeHistogram"
                         WHERE "tenantId" = $1 AND n <> 0 ORDER BY 1, 2, 3, 4, 5, 6`, [tenantId]),
  };
}

/** The messages a tenant holds, as stored (chat time and direction after corrections), for another tenant to receive. */
async function storedMessages(tenantId: string, specs: Spec[]): Promise<ApiMessageInput[]> {
  const rows = await q<{ w: string; t: Date; d: 'INBOUND' | 'OUTBOUND' }>(`SELECT "whatsMessageId" AS w, "chatTime" AS t, direction AS d FROM "Message" WHERE "tenantId" = $1`, [tenantId]);
  return rows.map((r) => {
    const i = Number(r.w.slice('wamid.A'.length));
    return { ...apiMessage(i, specs[i]!), chatTime: r.t, direction: r.d };
  });
}

/** A deterministic shuffle cut into batches (1–6 messages), from a seed. */
function shuffledBatches<T>(items: T[], seed: number): T[][] {
  let x = seed >>> 0 || 1;
  const rand = () => ((x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  const out: T[][] = [];
  for (let i = 0; i < a.length;) {
    const n = 1 + Math.floor(rand() * 6);
    out.push(a.slice(i, i + n));
    i += n;
  }
  return out;
}

interface ResponseQuery { from: number; to: number; zone: string; interval: 'HOUR' | 'DAY' | 'RANGE'; metric: 'REPLY' | 'FIRST_RESPONSE'; groupBy: string[]; where: Record<string, unknown> }
const RT_GROUPS: Record<string, string> = { AGENT: 'agent', ACCOUNT: 'account', CHAT_TYPE: 'chat' };
const RT_FIELD: Record<string, string> = { AGENT: 'agentAccount', ACCOUNT: 'accountWhatsId', CHAT_TYPE: 'chatType' };

const responseQueryArb: fc.Arbitrary<ResponseQuery> = fc
  .record({
    a: fc.integer({ min: -4, max: SLOTS + 4 }), len: fc.integer({ min: 1, max: SLOTS + 8 }),
    zone: fc.constantFrom(...ZONES), interval: fc.constantFrom('HOUR' as const, 'DAY' as const, 'RANGE' as const),
    metric: fc.constantFrom('REPLY' as const, 'FIRST_RESPONSE' as const),
    groupBy: fc.subarray(Object.keys(RT_GROUPS)),
    where: fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, fc.record({
      chatType: fc.constantFrom('PRIVATE', 'GROUP'), agentAccount: fc.subarray(['alice', 'bob', ''], { minLength: 1 }), accountWhatsId: fc.subarray(ACCOUNTS, { minLength: 1 }),
    }, { requiredKeys: [] })),
  })
  .map((r) => ({ from: BASE + r.a * 900_000, to: BASE + (r.a + r.len) * 900_000, zone: r.zone, interval: r.interval, metric: r.metric, groupBy: r.groupBy, where: r.where }));

/** responseTimes restated: stretches by their answer's bucket, nearest-rank percentiles (percentile_disc) and their bins. */
async function responseTimesRecount(tenantId: string, c: ResponseQuery) {
  const params: unknown[] = [tenantId, new Date(c.from).toISOString(), new Date(c.to).toISOString(), c.zone];
  const cond = [`"answeredAt" >= $2::timestamptz`, `"answeredAt" < $3::timestamptz`];
  if (c.metric === 'FIRST_RESPONSE') cond.push('first');
  const w = c.where;
  const add = (sql: string, v: unknown) => { params.push(v); cond.push(sql.replace('?', `$${params.length}`)); };
  if (w.chatType) add(`chat = ?`, w.chatType);
  if (w.agentAccount) add(`agent = ANY(?::text[])`, w.agentAccount);
  if (w.accountWhatsId) add(`account = ANY(?::text[])`, (w.accountWhatsId as string[]).map((a) => a.replace(/@c\.us$/, '')));
  const bucket = c.interval === 'RANGE' ? `($2::timestamptz AT TIME ZONE $4)` : `date_trunc('${c.interval.toLowerCase()}', "answeredAt" AT TIME ZONE $4)`;
  const dims = c.groupBy.map((g) => (g === 'AGENT' ? `nullif(agent, '')` : RT_GROUPS[g]!));
  const rows = await q(`SELECT to_char(b, 'YYYY-MM-DD"T"HH24:MI') AS local, ${dims.map((d, i) => `${d} AS d${i}, `).join('')} count(*)::int AS n,
                               chatgraph_response_bin(percentile_disc(0.5) WITHIN GROUP (ORDER BY "answeredAt" - since)) AS p50,
                               chatgraph_response_bin(percentile_disc(0.9) WITHIN GROUP (ORDER BY "answeredAt" - since)) AS p90,
                               array_agg(chatgraph_response_bin("answeredAt" - since)::int ORDER BY "answeredAt" - since) AS bins
                          FROM (SELECT ${bucket} AS b, * FROM (${STRETCHES_SQL}) s WHERE ${cond.join(' AND ')}) m
                         GROUP BY b${dims.map((_, i) => `, ${i + 2}`).join('')} ORDER BY b${dims.map((_, i) => `, ${i + 2}`).join('')}`, params);
  return rows.map((r) => {
    const bins = new Map<number, number>();
    for (const b of r.bins as number[]) bins.set(b, (bins.get(b) ?? 0) + 1);
    return [r.local, ...c.groupBy.map((_, i) => r[`d${i}`]), r.n, r.p50, r.p90, [...bins]];
  });
}

let nextTenant = 5000n;

test('roll-ups and every aggregate query equal a GROUP BY recount after any mix of deliveries', { timeout: 600_000 }, async (ctx) => {
  // A bin's lower bound (seconds) → its number, from the database's one definition of the bins.
  const bounds = (await q<{ b: string[] }>('SELECT chatgraph_response_bounds()::text[] AS b'))[0]!.b.map(Number);
  const binByLower = new Map<number, number>([[0, 0], ...bounds.map((ms, i) => [ms / 1000, i + 1] as [number, number])]);
  let runs = 0;
  let queries = 0;
  await fc.assert(
    fc.asyncProperty(scenarioArb, fc.array(countsQueryArb, { minLength: 3, maxLength: 6 }), fc.array(responseQueryArb, { minLength: 2, maxLength: 4 }), fc.integer(),
      async ({ specs, steps }, countQueries, responseQueries, shuffleSeed) => {
      runs++;
      const tenant = await t.createTenant(nextTenant++, 'aggregates');
      const tenantId = tenant.tenantId.toString();
      await deliver(tenant.tenantId, specs, steps);
      await assertRollupsEqualRecount(tenantId);

      await assertResponseTimesEqualRecount(tenantId);

      // The same messages delivered to another tenant in a shuffled order and other batches: the same stretches and histogram.
      const twin = await t.createTenant(nextTenant++, 'aggregates twin');
      for (const batch of shuffledBatches(await storedMessages(tenantId, specs), shuffleSeed)) {
        await t.services.ingest.store(twin.tenantId, { messages: normaliseApiMessages(batch) });
      }
      await assertResponseTimesEqualRecount(twin.tenantId.toString());
      const [mine, theirs] = [await responseTimesByContent(tenantId), await responseTimesByContent(twin.tenantId.toString())];
      assert.deepEqual(theirs, mine, 'the response times depend on the order messages arrived in');

      for (const c of responseQueries) {
        queries++;
        const res = await t.graphql<{ responseTimes: { total: number; rows: Record<string, unknown>[] } }>(
          `query($from: DateTime!, $to: DateTime!, $tz: String, $i: CountInterval, $m: ResponseTimeMetric, $g: [ResponseTimeDimension!], $w: ResponseTimeWhere) {
             responseTimes(from: $from, to: $to, timeZone: $tz, interval: $i, metric: $m, groupBy: $g, where: $w) {
               total rows { bucketLocal agentAccount accountWhatsId chatType count p50Seconds p90Seconds
                            p50 { fromSeconds toSeconds } bins { fromSeconds toSeconds count } } } }`,
          { from: new Date(c.from).toISOString(), to: new Date(c.to).toISOString(), tz: c.zone, i: c.interval, m: c.metric, g: c.groupBy, w: c.where },
          tenant.adminKey,
        );
        assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
        const binOf = (b: { fromSeconds: number }) => binByLower.get(b.fromSeconds)!;
        const got = res.body.data!.responseTimes.rows.map((r) => {
          const bins = r.bins as { fromSeconds: number; toSeconds: number | null; count: number }[];
          const p50 = r.p50 as { fromSeconds: number; toSeconds: number | null };
          assert.equal(r.p50Seconds, p50.toSeconds ?? p50.fromSeconds);
          const p90 = bins.find((b) => (b.toSeconds ?? b.fromSeconds) === r.p90Seconds)!;
          return [r.bucketLocal, ...c.groupBy.map((g) => r[RT_FIELD[g]!]), r.count, binOf(p50), binOf(p90), bins.map((b) => [binOf(b), b.count])];
        });
        const expected = await responseTimesRecount(tenantId, c);
        const canonical = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
        assert.deepEqual(canonical(got), canonical(expected), `responseTimes ${JSON.stringify(c)}`);
        assert.equal(res.body.data!.responseTimes.total, expected.reduce((s, r) => s + (r[c.groupBy.length + 1] as number), 0));
      }

      const expectedQueue = await awaitingRecount(tenantId);
      const kept = await q(`SELECT "conversationId"::text AS id, since, "lastInboundAt" AS last_in, "agentAccount" AS agent FROM "ConversationAwaitingReply" WHERE "tenantId" = $1 ORDER BY since, "conversationId"`, [tenantId]);
      assert.deepEqual(kept, expectedQueue, 'the awaiting-reply queue differs from a recount');

      for (const c of countQueries) {
        queries++;
        const res = await t.graphql<{ messageCounts: { total: number; rows: Record<string, unknown>[] } }>(
          `query($from: DateTime!, $to: DateTime!, $tz: String, $i: CountInterval, $g: [MessageCountDimension!], $w: MessageCountWhere) {
             messageCounts(from: $from, to: $to, timeZone: $tz, interval: $i, groupBy: $g, where: $w) {
               total rows { bucketLocal direction status contentType chatType agentAccount accountWhatsId count } } }`,
          { from: new Date(c.from).toISOString(), to: new Date(c.to).toISOString(), tz: c.zone, i: c.interval, g: c.groupBy, w: c.where },
          tenant.adminKey,
        );
        assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
        const got = res.body.data!.messageCounts.rows.map((r) => [r.bucketLocal, ...c.groupBy.map((g) => r[FIELD_OF[g]!]), r.count]);
        const expected = await countsRecount(tenantId, c);
        // Buckets come in time order; within one, the order of the split values is not part of the contract.
        const canonical = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
        assert.deepEqual([...new Set(got.map((r) => r[0]))], [...new Set(expected.map((r) => r[0]))], 'bucket order');
        assert.deepEqual(canonical(got), canonical(expected), `messageCounts ${JSON.stringify(c)}`);
        assert.equal(res.body.data!.messageCounts.total, expected.reduce((s, r) => s + (r.at(-1) as number), 0));
      }
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 60), seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : 21, path: process.env.FC_PATH, endOnFailure: true },
  );
  ctx.diagnostic(`${runs} scenarios (each with a twin fed the same messages shuffled), ${queries} messageCounts and responseTimes queries compared with a recount`);
});

test('awaitingReply and agentLoad over GraphQL: wait times, filters, per-agent counts', async () => {
  const tenant = await t.createTenant(nextTenant++, 'queue');
  const now = Date.now();
  const at = (minutesAgo: number) => new Date(Math.floor((now - minutesAgo * 60_000) / 1000) * 1000);
  const m = (id: string, friend: string, inbound: boolean, minutesAgo: number, agent: string, account = ACCOUNTS[0]!): ApiMessageInput => ({
    accountWhatsId: account, whatsMessageId: id, friendWhatsId: friend, agentAccount: agent, direction: inbound ? 'INBOUND' : 'OUTBOUND',
    chatType: 'PRIVATE', contentType: 'TEXT', content: id, status: 'DELIVERED', chatTime: at(minutesAgo),
  });
  await t.services.ingest.store(tenant.tenantId, {
    messages: normaliseApiMessages([
      m('q1', '447700000011', true, 50, 'alice'), m('q2', '447700000011', false, 40, 'alice'), m('q3', '447700000011', true, 30, 'alice'),
      m('q4', '447700000012', true, 20, 'bob'), m('q5', '447700000012', true, 10, 'bob'),
      m('q6', '447700000013', true, 5, 'bob', ACCOUNTS[1]!), m('q7', '447700000013', false, 4, 'bob', ACCOUNTS[1]!),
    ]),
  });
  const res = await t.graphql<{ awaitingReply: { total: number; oldestSince: string; items: { agentAccount: string; since: string; conversation: { friendWhatsId: string } }[] } }>(
    `{ awaitingReply { total oldestSince items { since agentAccount conversation { friendWhatsId } } } }`, {}, tenant.adminKey);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  const queue = res.body.data!.awaitingReply;
  assert.equal(queue.total, 2);
  assert.deepEqual(queue.items.map((i) => [i.conversation.friendWhatsId, i.agentAccount, i.since]),
    [['447700000011', 'alice', at(30).toISOString()], ['447700000012', 'bob', at(20).toISOString()]]);
  assert.equal(queue.oldestSince, at(30).toISOString());

  const bob = await t.graphql<{ awaitingReply: { total: number } }>(`{ awaitingReply(where: { agentAccount: ["bob"] }, first: 1) { total items { agentAccount } } }`, {}, tenant.adminKey);
  assert.deepEqual(bob.body.data, { awaitingReply: { total: 1, items: [{ agentAccount: 'bob' }] } });

  // A reply takes the conversation off the queue.
  await t.services.ingest.store(tenant.tenantId, { messages: normaliseApiMessages([m('q8', '447700000012', false, 1, 'bob')]) });
  const after = await t.graphql<{ awaitingReply: { total: number } }>(`{ awaitingReply { total } }`, {}, tenant.adminKey);
  assert.equal(after.body.data!.awaitingReply.total, 1);

  const from = new Date(Math.floor((now - 86_400_000) / 900_000) * 900_000).toISOString();
  const to = new Date(Math.ceil((now + 60_000) / 900_000) * 900_000).toISOString();
  const load = await t.graphql<{ agentLoad: unknown[] }>(`query($f: DateTime!, $t: DateTime!) { agentLoad(from: $f, to: $t) { agentAccount messagesSent messagesReceived awaitingReply } }`, { f: from, t: to }, tenant.adminKey);
  assert.deepEqual(load.body.data!.agentLoad, [
    { agentAccount: 'alice', messagesSent: 1, messagesReceived: 2, awaitingReply: 1 },
    { agentAccount: 'bob', messagesSent: 2, messagesReceived: 3, awaitingReply: 0 },
  ]);
});

test('aggregate arguments: a clear BAD_USER_INPUT naming the argument', async () => {
  const cases: [string, RegExp][] = [
    ['{ messageCounts(from: "2024-01-01T00:07:00Z", to: "2024-01-02T00:00:00Z") { total } }', /from must be on a quarter hour/],
    ['{ messageCounts(from: "2024-01-02T00:00:00Z", to: "2024-01-01T00:00:00Z") { total } }', /to must be after from/],
    ['{ messageCounts(from: "2020-01-01T00:00:00Z", to: "2024-01-01T00:00:00Z") { total } }', /at most 2400 buckets/],
    ['{ messageCounts(from: "2024-01-01T00:00:00Z", to: "2024-01-02T00:00:00Z", timeZone: "+08:00") { total } }', /timeZone must be an IANA zone/],
    ['{ awaitingReply(first: 501) { total } }', /first must be between 0 and 500/],
  ];
  for (const [query, message] of cases) {
    const res = await t.graphql(query);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', query);
    assert.match(res.body.errors![0]!.message, message);
  }
});

test('messageCountsChanged pushes the touched bucket with its new numbers (SSE); another tenant\'s events push nothing', async () => {
  const tenant = await t.createTenant(nextTenant++, 'live counts');
  const other = await t.createTenant(nextTenant++, 'other');
  const controller = new AbortController();
  const res = await t.app.fetch('http://localhost/graphql', {
    method: 'POST', signal: controller.signal,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${tenant.adminKey}` },
    body: JSON.stringify({ query: 'subscription { messageCountsChanged(timeZone: "Asia/Kolkata", groupBy: [DIRECTION, STATUS]) { bucketStart bucketLocal total rows { direction status count } } }' }),
  });
  assert.equal(res.status, 200);
  const events: { bucketStart: string; bucketLocal: string; total: number; rows: unknown[] }[] = [];
  let wake: (() => void) | null = null;
  let done = false;
  // Reading stops at the first event after `done` (leaving the loop cancels the stream, which ends the subscription).
  const reading = readSseEvents(res, (event, data) => {
    if (event !== 'next' || !data) return false;
    if (done) return true;
    events.push(JSON.parse(data).data.messageCountsChanged);
    wake?.();
    return false;
  });
  const next = async (n: number) => {
    const deadline = Date.now() + 10_000;
    while (events.length < n && Date.now() < deadline) await new Promise<void>((r) => { wake = r; setTimeout(r, 200); });
    assert.ok(events.length >= n, `expected ${n} pushes, got ${events.length}`);
    return events[n - 1]!;
  };
  await new Promise((r) => setTimeout(r, 100));
  const at = new Date('2024-01-05T10:40:00Z'); // 16:10 in Kolkata: the bucket 16:00 starts at 10:30Z
  const msg = (id: string, inbound: boolean): ApiMessageInput => ({
    accountWhatsId: ACCOUNTS[0]!, whatsMessageId: id, friendWhatsId: FRIENDS[0]!, direction: inbound ? 'INBOUND' : 'OUTBOUND',
    chatType: 'PRIVATE', contentType: 'TEXT', content: id, status: 'SENT', chatTime: at,
  });
  await t.services.ingest.store(other.tenantId, { messages: normaliseApiMessages([msg('x1', true)]) });
  await t.services.ingest.store(tenant.tenantId, { messages: normaliseApiMessages([msg('l1', true), msg('l2', false)]) });
  const first = await next(1);
  assert.deepEqual(first, {
    bucketStart: '2024-01-05T10:30:00.000Z', bucketLocal: '2024-01-05T16:00', total: 2,
    rows: [{ direction: 'OUTBOUND', status: 'SENT', count: 1 }, { direction: 'INBOUND', status: 'SENT', count: 1 }],
  });
  await t.services.ingest.store(tenant.tenantId, { statusUpdates: normaliseApiStatusUpdates([{ whatsMessageId: 'l2', status: 'READ', reachedAt: new Date() }]) });
  const second = await next(2);
  assert.deepEqual(second.rows, [{ direction: 'OUTBOUND', status: 'READ', count: 1 }, { direction: 'INBOUND', status: 'SENT', count: 1 }]);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(events.length, 2, 'the other tenant\'s message pushed nothing');
  done = true;
  await t.services.ingest.store(tenant.tenantId, { messages: normaliseApiMessages([msg('l3', true)]) });
  await reading;
  controller.abort();
});

test('responseTimes: stretches answered in order or late, ties, first responses, per agent; bins by their bounds', async () => {
  const [b0, b1, b2, b97, bMinus] = (await q<{ a: number; b: number; c: number; d: number; e: number }>(
    `SELECT chatgraph_response_bin('0.999 s') AS a, chatgraph_response_bin('1 s') AS b, chatgraph_response_bin('1.189 s') AS c,
            chatgraph_response_bin(interval '1 second' * 2^24) AS d, chatgraph_response_bin('1.188 s') AS e`))
    .map((r) => [r.a, r.b, r.c, r.d, r.e])[0]!;
  assert.deepEqual([b0, b1, b2, b97, bMinus], [0, 1, 2, 97, 1], 'bin 0 is [0, 1 s); bin k starts at 2^((k-1)/4) s to the ms; bin 97 at 2^24 s');

  const tenant = await t.createTenant(nextTenant++, 'response times');
  const at = (s: number) => new Date(Date.UTC(2024, 4, 1, 10, 0, s));
  const m = (id: string, inbound: boolean, s: number, agent: string | null, friend = '447700000031'): ApiMessageInput => ({
    accountWhatsId: ACCOUNTS[0]!, whatsMessageId: id, friendWhatsId: friend, agentAccount: agent, direction: inbound ? 'INBOUND' : 'OUTBOUND',
    chatType: 'PRIVATE', contentType: 'TEXT', content: id, status: 'DELIVERED', chatTime: at(s),
  });
  const store = (...msgs: ApiMessageInput[]) => t.services.ingest.store(tenant.tenantId, { messages: normaliseApiMessages(msgs) });
  // In 1: asks at 0 s and 30 s, alice answers at 120 s (120 s); asks at 200 s, bob answers at the same instant (0 s); asks at 300 s (waiting).
  await store(m('r1', true, 0, null), m('r2', true, 30, null), m('r3', false, 120, 'alice'), m('r4', true, 200, null), m('r5', false, 200, 'bob'), m('r6', true, 300, null));
  // In 2, late arrivals: the answer first, then the question it answered, then an earlier answer that splits the stretch.
  await store(m('s3', false, 600, 'bob', '447700000032'));
  await store(m('s1', true, 0, null, '447700000032'), m('s2', true, 400, null, '447700000032'));
  await store(m('s4', false, 100, 'alice', '447700000032'));
  const query = `query($m: ResponseTimeMetric) { responseTimes(from: "2024-05-01T10:00:00Z", to: "2024-05-01T11:00:00Z", metric: $m, groupBy: [AGENT]) {
      total rows { agentAccount count p50Seconds p90Seconds bins { fromSeconds toSeconds count } } } }`;
  const replies = await t.graphql<{ responseTimes: { total: number; rows: { agentAccount: string; count: number; p50Seconds: number; p90Seconds: number; bins: { fromSeconds: number; toSeconds: number; count: number }[] }[] } }>(query, { m: 'REPLY' }, tenant.adminKey);
  assert.equal(replies.body.errors, undefined, JSON.stringify(replies.body.errors));
  const r = replies.body.data!.responseTimes;
  assert.equal(r.total, 4);
  const byAgent = Object.fromEntries(r.rows.map((row) => [row.agentAccount, row]));
  // alice: 120 s (In 1) and 100 s (In 2, s1 → s4); bob: 0 s (In 1) and 200 s (In 2, s2 at 400 s → s3 at 600 s).
  const binHolding = (s: number) => byAgent.alice!.bins.concat(byAgent.bob!.bins).find((b) => b.fromSeconds <= s && s < b.toSeconds)!;
  assert.deepEqual(byAgent.alice!.bins.map((b) => b.count), [1, 1]);
  assert.ok(binHolding(100) && binHolding(120) && binHolding(0) && binHolding(200));
  assert.equal(byAgent.alice!.p50Seconds, binHolding(100).toSeconds, 'nearest rank: the 1st of 2');
  assert.equal(byAgent.alice!.p90Seconds, binHolding(120).toSeconds);
  assert.equal(byAgent.bob!.p50Seconds, 1, 'a tie is answered in 0 s: bin [0, 1 s)');
  assert.equal(byAgent.bob!.p90Seconds, binHolding(200).toSeconds);
  const first = await t.graphql<{ responseTimes: { total: number; rows: { agentAccount: string; count: number }[] } }>(query, { m: 'FIRST_RESPONSE' }, tenant.adminKey);
  assert.deepEqual(first.body.data!.responseTimes.rows.map((row) => [row.agentAccount, row.count]), [['alice', 2]], 'each conversation\'s first stretch was answered by alice');

  // Per conversation: its first response and its replies, newest first.
  const convs = await t.graphql<{ conversations: { edges: { node: { friendWhatsId: string; firstResponse: unknown; replies: unknown[] } }[] } }>(
    `{ conversations(first: 10) { edges { node { friendWhatsId firstResponse { replySeconds agentAccount } replies { since answeredAt replySeconds agentAccount } } } } }`, {}, tenant.adminKey);
  assert.equal(convs.body.errors, undefined, JSON.stringify(convs.body.errors));
  const byFriend = Object.fromEntries(convs.body.data!.conversations.edges.map((e) => [e.node.friendWhatsId.replace(/@.*/, ''), e.node]));
  assert.deepEqual(byFriend['447700000031'], {
    friendWhatsId: byFriend['447700000031']!.friendWhatsId,
    firstResponse: { replySeconds: 120, agentAccount: 'alice' },
    replies: [
      { since: at(200).toISOString(), answeredAt: at(200).toISOString(), replySeconds: 0, agentAccount: 'bob' },
      { since: at(0).toISOString(), answeredAt: at(120).toISOString(), replySeconds: 120, agentAccount: 'alice' },
    ],
  });
  assert.deepEqual(byFriend['447700000032']!.replies.map((r) => (r as { replySeconds: number }).replySeconds), [200, 100]);

  const bad = await t.graphql(`{ responseTimes(from: "2024-05-01T10:05:00Z", to: "2024-05-01T11:00:00Z") { total } }`, {}, tenant.adminKey);
  assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  assert.match(bad.body.errors![0]!.message, /from must be on a quarter hour/);
});
