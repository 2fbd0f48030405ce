// The dashboard aggregates' benchmark (issue #21): each question answered
// from the roll-ups (src/read/aggregates.ts, the code the GraphQL fields run)
// beside its GROUP BY floor over "Message" (one SQL statement, the best plain
// SQL can do without roll-ups), in the same run, alternating, on the 1M
// dataset. Each pair's answers are compared first: the same numbers.
//
//   npx tsx bench/aggregates.ts [--database-url postgresql://postgres@127.0.0.1:55432/bench_aggregates_1m]
//       [--template bench_read_1m] [--tenant 1002] [--zone Asia/Shanghai] [--days 30]
//       [--floor-runs 20] [--rollup-runs 200] [--out bench/results/latest-aggregates.json]
//
// The database is created once as a copy of --template (CREATE DATABASE …
// TEMPLATE) and migrated: the roll-ups' migration fills them from the
// messages already there. It is reused as is afterwards.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { applyMigrations } from '../src/db/migrations.ts';
import { awaitingReply, messageCounts, type CountDimension } from '../src/read/aggregates.ts';
import { responseTimes } from '../src/read/response-times.ts';
import { ROOT } from './read.ts';
import { databaseName, fmtInt, intArg, machineInfo, parseArgs, quantile, withDatabase } from './support.ts';

const USAGE = 'npx tsx bench/aggregates.ts [--database-url URL] [--template bench_read_1m] [--tenant 1002] [--zone Asia/Shanghai] [--days 30] [--floor-runs 20] [--rollup-runs 200] [--out FILE]';
const { values } = parseArgs(process.argv.slice(2), { values: ['database-url', 'template', 'tenant', 'zone', 'days', 'floor-runs', 'rollup-runs', 'out'] }, USAGE);
const url = values.get('database-url') ?? 'postgresql://postgres@127.0.0.1:55432/bench_aggregates_1m';
const template = values.get('template') ?? 'bench_read_1m';
const tenantId = values.get('tenant') ?? '1002';
const zone = values.get('zone') ?? 'Asia/Shanghai';
const days = intArg(values, 'days', 30);
const floorRuns = intArg(values, 'floor-runs', 20);
const rollupRuns = intArg(values, 'rollup-runs', 200);
const out = values.get('out') ?? path.join(ROOT, 'bench/results/latest-aggregates.json');
const log = (s: string) => process.stdout.write(s + '\n');

async function prepare(): Promise<void> {
  const admin = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName(url)]);
    if (!rowCount) {
      log(`creating ${databaseName(url)} as a copy of ${template}…`);
      await admin.query(`CREATE DATABASE "${databaseName(url)}" TEMPLATE "${template}"`);
    }
  } finally {
    await admin.end();
  }
  const started = Date.now();
  const applied = await applyMigrations(url);
  if (applied.length) log(`migrated (${applied.join(', ')}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // What autovacuum does in time: statistics, and the visibility map that index-only scans need.
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    // Only for the alternative timed beside the histogram (not in the schema: the API does not read stretches by time).
    await c.query('CREATE INDEX IF NOT EXISTS bench_conversation_reply_answered ON "ConversationReply" ("tenantId", "answeredAt") INCLUDE (since, "agentAccount")');
    await c.query('VACUUM ANALYZE "ConversationReply", "ResponseTimeHistogram", "MessageCountByDirection", "MessageCountByDirectionHour", "MessageCountByKind", "MessageCountByKindHour", "MessageCountFull", "ConversationAwaitingReply"');
  } finally {
    await c.end();
  }
}

const FLOOR_COLUMN: Record<CountDimension, string> = {
  direction: 'direction', status: 'status', contentType: '"contentType"', chatType: '"chatType"',
  agentAccount: `nullif(coalesce("agentAccount", ''), '')`, accountWhatsId: '"accountWhatsIdBare"',
};

interface Scenario {
  name: string;
  rollup: () => Promise<unknown>;
  floor: () => Promise<unknown>;
  /** Another way from kept rows, timed beside the two (reply times: percentile_disc over the stretch rows). */
  alternative?: { name: string; run: () => Promise<unknown> };
}

function countScenario(pool: pg.Pool, interval: 'HOUR' | 'DAY', groupBy: CountDimension[], from: Date, to: Date): Scenario {
  const dims = groupBy.map((d) => FLOOR_COLUMN[d]);
  return {
    name: `${days}-day ${interval === 'HOUR' ? 'hourly' : 'daily'} by ${groupBy.join(' × ') || 'nothing'}`,
    rollup: async () => {
      const r = await messageCounts(pool, { tenantId, from, to, timeZone: zone, interval, groupBy, filter: {} });
      return r.rows.map((row) => [row.bucketLocal, ...groupBy.map((d) => row[d]), row.count]);
    },
    floor: async () => {
      const { rows } = await pool.query({
        text: `SELECT to_char(b, 'YYYY-MM-DD"T"HH24:MI') AS local${dims.map((d, i) => `, ${d}::text AS d${i}`).join('')}, count(*)::int AS n
                 FROM (SELECT date_trunc('${interval.toLowerCase()}', "chatTime" AT TIME ZONE $4) AS b, * FROM "Message"
                        WHERE "tenantId" = $1 AND "chatTime" >= $2 AND "chatTime" < $3) m
                GROUP BY b${dims.map((_, i) => `, ${i + 2}`).join('')} ORDER BY b${dims.map((_, i) => `, ${i + 2}`).join('')}`,
        values: [tenantId, from, to, zone],
      });
      return rows.map((r) => [r.local, ...groupBy.map((_, i) => r[`d${i}`]), r.n]);
    },
  };
}

function awaitingScenario(pool: pg.Pool): Scenario {
  return {
    name: 'awaiting reply: the 50 longest waiting and the total',
    rollup: async () => {
      const q = await awaitingReply(pool, tenantId, {}, 50);
      return { total: q.total, ids: q.items.map((i) => [i.conversationId, i.since.toISOString()]) };
    },
    floor: async () => {
      const { rows } = await pool.query({
        text: `WITH answered AS (
                 SELECT "conversationId", max("chatTime") FILTER (WHERE direction = 'OUTBOUND') AS at FROM "Message" WHERE "tenantId" = $1 GROUP BY 1
               ), waiting AS (
                 SELECT m."conversationId", min(m."chatTime") AS since FROM "Message" m JOIN answered a USING ("conversationId")
                  WHERE m."tenantId" = $1 AND m.direction = 'INBOUND' AND (a.at IS NULL OR m."chatTime" > a.at) GROUP BY 1
               )
               SELECT "conversationId"::text AS id, since, count(*) OVER () AS total FROM waiting ORDER BY since, "conversationId" LIMIT 50`,
        values: [tenantId],
      });
      return { total: Number(rows[0]?.total ?? 0), ids: rows.map((r) => [r.id, (r.since as Date).toISOString()]) };
    },
  };
}

/**
 * Reply times per agent over the range: the histogram (what responseTimes
 * reads), beside percentile_disc over the kept stretch rows
 * ("ConversationReply" through a ("tenantId", "answeredAt") index the bench
 * adds to its own copy), beside the floor: the stretch rule recounted over
 * "Message". All three give each agent's count and the bins of p50 and p90.
 */
function responseScenario(pool: pg.Pool, from: Date, to: Date): Scenario {
  const bound = (bin: string) => `CASE WHEN ${bin} = 0 THEN 0 ELSE (chatgraph_response_bounds())[${bin}] / 1000.0 END::float8`;
  const pick = (source: string) => `
    SELECT nullif(agent, '') AS agent, count(*)::int AS n,
           ${bound(`chatgraph_response_bin(percentile_disc(0.5) WITHIN GROUP (ORDER BY waited))`)} AS p50,
           ${bound(`chatgraph_response_bin(percentile_disc(0.9) WITHIN GROUP (ORDER BY waited))`)} AS p90
      FROM (${source}) s GROUP BY 1 ORDER BY 1`;
  const rows = (r: pg.QueryResult) => r.rows.map((x) => [x.agent, x.n, x.p50, x.p90]);
  return {
    name: `${days}-day reply times per agent (count, p50, p90)`,
    rollup: async () => {
      const r = await responseTimes(pool, { tenantId, from, to, timeZone: zone, interval: 'RANGE', metric: 'REPLY', groupBy: ['agentAccount'], filter: {} });
      return r.rows.map((x) => [x.agentAccount, x.count, x.p50.fromSeconds, x.p90.fromSeconds]);
    },
    alternative: {
      name: 'percentile_disc over the stretch rows',
      run: async () => rows(await pool.query({
        text: pick(`SELECT "agentAccount" AS agent, "answeredAt" - since AS waited FROM "ConversationReply"
                     WHERE "tenantId" = $1 AND "answeredAt" >= $2 AND "answeredAt" < $3`),
        values: [tenantId, from, to],
      })),
    },
    floor: async () => rows(await pool.query({
      text: pick(`
        WITH i AS (
          SELECT m."conversationId" AS c, m."chatTime" AS t,
                 (SELECT min(o."chatTime") FROM "Message" o
                   WHERE o."conversationId" = m."conversationId" AND o.direction = 'OUTBOUND' AND o."chatTime" >= m."chatTime") AS a
            FROM "Message" m WHERE m."tenantId" = $1 AND m.direction = 'INBOUND' AND m."chatTime" < $3
        ), s AS (SELECT c, a, min(t) AS since FROM i WHERE a >= $2 AND a < $3 GROUP BY 1, 2)
        SELECT ans.agent, s.a - s.since AS waited FROM s JOIN LATERAL (
          SELECT coalesce(o."agentAccount", '') AS agent FROM "Message" o
           WHERE o."conversationId" = s.c AND o.direction = 'OUTBOUND' AND o."chatTime" = s.a ORDER BY o."whatsMessageId" LIMIT 1) ans ON true`),
      values: [tenantId, from, to],
    })),
  };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function main(): Promise<void> {
  await prepare();
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    const { rows: [span] } = await pool.query(
      `SELECT count(*)::int AS n, max("chatTime") AS last FROM "Message" WHERE "tenantId" = $1`, [tenantId]);
    const to = new Date(Math.floor(new Date(span.last).getTime() / 86_400_000) * 86_400_000 + 86_400_000);
    const from = new Date(to.getTime() - days * 86_400_000);
    const { rows: [inRange] } = await pool.query(
      `SELECT count(*)::int AS n FROM "Message" WHERE "tenantId" = $1 AND "chatTime" >= $2 AND "chatTime" < $3`, [tenantId, from, to]);
    log(`tenant ${tenantId}: ${fmtInt(span.n)} messages, ${fmtInt(inRange.n)} in ${from.toISOString()} .. ${to.toISOString()} (${zone})`);
    const scenarios = [
      countScenario(pool, 'HOUR', ['direction'], from, to),
      countScenario(pool, 'HOUR', ['status'], from, to),
      countScenario(pool, 'HOUR', ['contentType', 'direction'], from, to),
      countScenario(pool, 'DAY', ['agentAccount', 'direction'], from, to),
      countScenario(pool, 'HOUR', ['agentAccount'], from, to),
      awaitingScenario(pool),
      responseScenario(pool, from, to),
    ];
    const results = [];
    for (const s of scenarios) {
      const [a, b] = [await s.rollup(), await s.floor()];
      // Within a bucket the two may order the split values differently (enum order, text order).
      const canonical = (x: unknown) => JSON.stringify(Array.isArray(x) ? x.map((r) => JSON.stringify(r)).sort() : x);
      const same = canonical(a) === canonical(b);
      if (!same) throw new Error(`${s.name}: the roll-ups and the GROUP BY floor disagree`);
      if (s.alternative && canonical(await s.alternative.run()) !== canonical(a)) throw new Error(`${s.name}: ${s.alternative.name} disagrees`);
      const floorMs: number[] = [];
      const rollupMs: number[] = [];
      const altMs: number[] = [];
      const perFloor = Math.max(1, Math.round(rollupRuns / floorRuns));
      for (let i = 0; i < floorRuns; i++) {
        floorMs.push(await time(s.floor));
        for (let j = 0; j < perFloor; j++) {
          rollupMs.push(await time(s.rollup));
          if (s.alternative) altMs.push(await time(s.alternative.run));
        }
      }
      altMs.sort((x, y) => x - y);
      floorMs.sort((x, y) => x - y);
      rollupMs.sort((x, y) => x - y);
      const r = {
        name: s.name,
        rows: Array.isArray(a) ? a.length : null,
        sameAnswer: same,
        floor: { runs: floorMs.length, p50: quantile(floorMs, 0.5), p90: quantile(floorMs, 0.9) },
        rollup: { runs: rollupMs.length, p50: quantile(rollupMs, 0.5), p90: quantile(rollupMs, 0.9) },
        speedupP50: quantile(floorMs, 0.5) / quantile(rollupMs, 0.5),
        alternative: s.alternative ? { name: s.alternative.name, runs: altMs.length, p50: quantile(altMs, 0.5), p90: quantile(altMs, 0.9) } : undefined,
      };
      results.push(r);
      log(`${r.name}: ${r.rows ?? '-'} rows, same answer; floor p50 ${r.floor.p50.toFixed(1)} ms (p90 ${r.floor.p90.toFixed(1)}), ` +
        `roll-ups p50 ${r.rollup.p50.toFixed(2)} ms (p90 ${r.rollup.p90.toFixed(2)}): ${r.speedupP50.toFixed(0)}×` +
        (r.alternative ? `; ${r.alternative.name} p50 ${r.alternative.p50.toFixed(2)} ms (p90 ${r.alternative.p90.toFixed(2)})` : ''));
    }
    const { rows: sizes } = await pool.query(
      `SELECT relname AS table, n_live_tup::bigint AS rows, pg_total_relation_size(relid) AS bytes FROM pg_stat_user_tables
        WHERE relname IN ('MessageCountByDirection', 'MessageCountByDirectionHour', 'MessageCountByKind', 'MessageCountByKindHour', 'MessageCountFull', 'ConversationAwaitingReply',
                          'ConversationReply', 'ConversationFirstReply', 'ResponseTimeHistogram', 'Message') ORDER BY relname`);
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify({
      at: new Date().toISOString(), database: databaseName(url), tenantId, zone, from, to, messagesInRange: inRange.n,
      tables: sizes.map((t) => ({ table: t.table, rows: Number(t.rows), mib: Math.round(Number(t.bytes) / 2 ** 20) })),
      results, machine: await machineInfo(url),
    }, null, 2) + '\n');
    log(`wrote ${path.relative(ROOT, out)}`);
  } finally {
    await pool.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
