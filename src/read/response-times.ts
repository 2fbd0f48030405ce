// Response-time distributions, read from "ResponseTimeHistogram" (kept on
// write by prisma/sql/aggregates.sql from the answered stretches): counts
// per fixed log-scale bin, summed over the slots of each bucket, so an
// answer costs O(slots × bins of its range), never a scan of the messages.
// Percentiles are nearest-rank (the ⌈p·N⌉-th smallest reply time) and are
// reported as the bounds of the bin that holds them: exact bins, not exact
// seconds.
import type pg from 'pg';
import type { ChatType } from '../domain/codes.ts';
import { bareWhatsId } from '../domain/whats-id.ts';
import { MAX_COUNT_ROWS, checkCountRange, countRowLimitError, setGroupDimensions, type CountInterval } from './aggregates.ts';
import { Params } from './sql.ts';

export type ResponseTimeMetric = 'REPLY' | 'FIRST_RESPONSE';

/** What a distribution can be split by or filtered on, with their histogram columns. */
export const RESPONSE_TIME_DIMENSIONS = {
  agentAccount: '"agentAccount"',
  accountWhatsId: '"accountWhatsIdBare"',
  chatType: '"chatType"',
} as const;
export type ResponseTimeDimension = keyof typeof RESPONSE_TIME_DIMENSIONS;

export interface ResponseTimeFilter {
  /** '' selects stretches answered without an agent. */
  agentAccount?: readonly string[] | null;
  accountWhatsId?: readonly string[] | null;
  chatType?: ChatType | null;
}

export interface ResponseTimeQuery {
  tenantId: string;
  from: Date;
  to: Date;
  timeZone: string;
  interval: CountInterval;
  metric: ResponseTimeMetric;
  groupBy: readonly ResponseTimeDimension[];
  filter: ResponseTimeFilter;
}

export interface ResponseTimeBin {
  bin: number;
  /** The bin holds reply times t with fromSeconds ≤ t < toSeconds (null: no upper bound). */
  fromSeconds: number;
  toSeconds: number | null;
  count: number;
}

export interface ResponseTimeRow {
  bucketStart: Date;
  bucketLocal: string;
  agentAccount: string | null;
  accountWhatsId: string | null;
  chatType: ChatType | null;
  count: number;
  p50: ResponseTimeBin;
  p90: ResponseTimeBin;
  bins: ResponseTimeBin[];
}

/** The bins' lower bounds in ms (bin k starts at element k−1 here), from the database's one definition. */
const boundsOf = new WeakMap<pg.Pool, Promise<number[]>>();
function bounds(pool: pg.Pool): Promise<number[]> {
  let b = boundsOf.get(pool);
  if (!b) {
    b = pool.query('SELECT chatgraph_response_bounds()::float8[] AS b').then((r) => r.rows[0].b as number[]);
    b.catch(() => boundsOf.delete(pool));
    boundsOf.set(pool, b);
  }
  return b;
}

function binOf(b: number[], bin: number, count: number): ResponseTimeBin {
  return { bin, fromSeconds: bin === 0 ? 0 : b[bin - 1]! / 1000, toSeconds: bin < b.length ? b[bin]! / 1000 : null, count };
}

/** Response-time distributions per bucket of the zone (by the answer's chat time), split as asked; empty cells are left out. */
export async function responseTimes(pool: pg.Pool, q: ResponseTimeQuery): Promise<{ total: number; rows: ResponseTimeRow[] }> {
  checkCountRange(q.from, q.to, q.interval);
  const params = new Params();
  const zone = params.add(q.timeZone);
  const where = [
    `"tenantId" = ${params.add(q.tenantId)}::bigint`,
    `metric = ${params.add(q.metric)}::"ResponseTimeMetric"`,
    `slot >= ${params.add(q.from.toISOString())}::timestamptz`,
    `slot < ${params.add(q.to.toISOString())}::timestamptz`,
  ];
  const f = q.filter;
  if (f.chatType) where.push(`"chatType" = ${params.add(f.chatType)}::"ChatType"`);
  if (f.agentAccount?.length) where.push(`"agentAccount" = ANY(${params.add(f.agentAccount)}::text[])`);
  if (f.accountWhatsId?.length) where.push(`"accountWhatsIdBare" = ANY(${params.add(f.accountWhatsId.map((a) => bareWhatsId(a)))}::text[])`);
  const local =
    q.interval === 'RANGE'
      ? `(${params.add(q.from.toISOString())}::timestamptz AT TIME ZONE ${zone})`
      : `date_trunc('${q.interval === 'HOUR' ? 'hour' : 'day'}', slot AT TIME ZONE ${zone})`;
  const dims = q.groupBy.map((d) => RESPONSE_TIME_DIMENSIONS[d]);
  const part = ['local', ...dims.map((_, i) => `d${i}`)].join(', ');
  const text = `
    WITH h AS (
      SELECT local${dims.map((_, i) => `, d${i}`).join('')}, bin, sum(n)::bigint AS n
        FROM (SELECT ${local} AS local${dims.map((col, i) => `, ${col}::text AS d${i}`).join('')}, bin, n
                FROM "ResponseTimeHistogram" WHERE ${where.join(' AND ')}) r
       GROUP BY ${part}, bin HAVING sum(n) <> 0
    ), c AS (
      SELECT h.*, sum(n) OVER (PARTITION BY ${part} ORDER BY bin) AS cum, sum(n) OVER (PARTITION BY ${part}) AS total FROM h
    )
    SELECT to_char(local, 'YYYY-MM-DD"T"HH24:MI') AS local_text, local AT TIME ZONE ${zone} AS start${dims.map((_, i) => `, d${i}`).join('')},
           max(total) AS total,
           min(bin) FILTER (WHERE cum * 2 >= total) AS p50, min(bin) FILTER (WHERE cum * 10 >= total * 9) AS p90,
           array_agg(bin::int ORDER BY bin) AS bins, array_agg(n::int ORDER BY bin) AS counts
      FROM c GROUP BY ${part} ORDER BY ${part} LIMIT ${MAX_COUNT_ROWS + 1}`;
  const [b, { rows }] = await Promise.all([bounds(pool), pool.query({ text, values: params.values })]);
  if (rows.length > MAX_COUNT_ROWS) throw countRowLimitError();
  let total = 0;
  const out = rows.map((r): ResponseTimeRow => {
    const bins = (r.bins as number[]).map((bin, i) => binOf(b, bin, (r.counts as number[])[i]!));
    const at = (bin: number) => bins.find((x) => x.bin === bin)!;
    const row: ResponseTimeRow = {
      bucketStart: q.interval === 'RANGE' ? q.from : (r.start as Date),
      bucketLocal: r.local_text as string,
      agentAccount: null, accountWhatsId: null, chatType: null,
      count: Number(r.total), p50: at(r.p50 as number), p90: at(r.p90 as number), bins,
    };
    setGroupDimensions(row, q.groupBy, r);
    total += row.count;
    return row;
  });
  return { total, rows: out };
}

/** One answered stretch of a conversation (README "Response times"). */
export interface AnsweredStretch {
  conversationId: string;
  since: Date;
  answeredAt: Date;
  /** '' → null: answered by a message without an agent. */
  agentAccount: string | null;
}

/** Each conversation's first response (or null), one query for a batch. */
export async function firstResponsesOf(pool: pg.Pool, tenantId: string, conversationIds: readonly string[]): Promise<(AnsweredStretch | null)[]> {
  const { rows } = await pool.query({
    text: `SELECT "conversationId"::text AS id, since, "answeredAt", "agentAccount" FROM "ConversationFirstReply"
            WHERE "tenantId" = $1::bigint AND "conversationId" = ANY($2::bigint[])`,
    values: [tenantId, conversationIds],
  });
  const byId = new Map(rows.map((r) => [r.id as string, { conversationId: r.id, since: r.since, answeredAt: r.answeredAt, agentAccount: r.agentAccount || null }]));
  return conversationIds.map((id) => byId.get(id) ?? null);
}

/** Each conversation's newest answered stretches, newest first, one query for a batch (keys "id:first"). */
export async function repliesOf(pool: pg.Pool, tenantId: string, keys: readonly string[]): Promise<AnsweredStretch[][]> {
  const parsed = keys.map((k) => k.split(':'));
  const { rows } = await pool.query({
    text: `SELECT k.key, r."conversationId"::text AS id, r.since, r."answeredAt", r."agentAccount"
             FROM unnest($2::text[], $3::bigint[], $4::int[]) AS k(key, id, n)
             JOIN LATERAL (SELECT * FROM "ConversationReply" r WHERE r."conversationId" = k.id AND r."tenantId" = $1::bigint
                            ORDER BY r."answeredAt" DESC LIMIT k.n) r ON true
            ORDER BY k.key, r."answeredAt" DESC`,
    values: [tenantId, keys, parsed.map((p) => p[0]), parsed.map((p) => Number(p[1]))],
  });
  const byKey = new Map<string, AnsweredStretch[]>();
  for (const r of rows) {
    const list = byKey.get(r.key) ?? [];
    list.push({ conversationId: r.id, since: r.since, answeredAt: r.answeredAt, agentAccount: r.agentAccount || null });
    byKey.set(r.key, list);
  }
  return keys.map((k) => byKey.get(k) ?? []);
}
