// Dashboard aggregates, read from the roll-ups that the triggers of
// prisma/sql/aggregates.sql keep on write: a question costs O(slots of its
// range), never a scan of the messages. Slots are 15 minutes of UTC, so any
// IANA zone's hours and days are unions of whole slots and the answer is
// exactly what a GROUP BY over "Message" gives for the same range.
import { GraphQLError } from 'graphql';
import type pg from 'pg';
import type { ChatType, Direction } from '../domain/codes.ts';
import type { ContentType } from '../domain/content-type.ts';
import type { MessageStatus } from '../domain/status.ts';
import { hasWholeHourOffsets } from '../domain/local-time.ts';
import { bareWhatsId } from '../domain/whats-id.ts';
import { Params } from './sql.ts';
import { badInput } from '../domain/bad-input.ts';

/** The dimensions a count can be split by or filtered on, with their roll-up columns. */
export const COUNT_DIMENSIONS = {
  direction: 'direction',
  status: 'status',
  contentType: '"contentType"',
  chatType: '"chatType"',
  agentAccount: '"agentAccount"',
  accountWhatsId: '"accountWhatsIdBare"',
} as const;
export type CountDimension = keyof typeof COUNT_DIMENSIONS;

/**
 * The roll-ups, smallest first, with the dimensions each one keeps and their
 * time column. The hourly ones serve only ranges whose zone offsets are whole
 * hours (then a local hour or day is whole UTC hours).
 */
const CUBOIDS: { table: string; time: 'slot' | 'hour'; dimensions: readonly CountDimension[] }[] = [
  { table: '"MessageCountByDirectionHour"', time: 'hour', dimensions: ['direction'] },
  { table: '"MessageCountByDirection"', time: 'slot', dimensions: ['direction'] },
  { table: '"MessageCountByKindHour"', time: 'hour', dimensions: ['direction', 'status', 'contentType', 'chatType'] },
  { table: '"MessageCountByKind"', time: 'slot', dimensions: ['direction', 'status', 'contentType', 'chatType'] },
  { table: '"MessageCountFull"', time: 'slot', dimensions: Object.keys(COUNT_DIMENSIONS) as CountDimension[] },
];

export type CountInterval = 'HOUR' | 'DAY' | 'RANGE';

export const SLOT_MS = 15 * 60_000;
const HOUR_MS = 3_600_000;
/** Hourly buckets over at most ~100 days, daily over ~10 years: a chart's worth. */
const MAX_BUCKETS = 2_400;
/** A split by agents × accounts × … can explode: past this, narrow the question. */
export const MAX_COUNT_ROWS = 20_000;

export interface CountFilter {
  direction?: Direction | null;
  status?: readonly MessageStatus[] | null;
  contentType?: readonly ContentType[] | null;
  chatType?: ChatType | null;
  /** '' selects messages without an agent. */
  agentAccount?: readonly string[] | null;
  accountWhatsId?: readonly string[] | null;
}

export interface CountQuery {
  tenantId: string;
  from: Date;
  to: Date;
  timeZone: string;
  interval: CountInterval;
  groupBy: readonly CountDimension[];
  filter: CountFilter;
}

export interface CountRow {
  /** The bucket's first instant (the range's start for RANGE). */
  bucketStart: Date;
  /** The bucket's local wall-clock start, "YYYY-MM-DDTHH:MM" in the query's zone. */
  bucketLocal: string;
  direction: Direction | null;
  status: MessageStatus | null;
  contentType: ContentType | null;
  chatType: ChatType | null;
  agentAccount: string | null;
  accountWhatsId: string | null;
  count: number;
}

export interface CountResult {
  total: number;
  rows: CountRow[];
}


/** Sets a row's group-by dimensions from the statement's d0, d1, … columns ('' for the agent: none, null). */
export function setGroupDimensions(row: object, groupBy: readonly string[], r: Record<string, unknown>): void {
  groupBy.forEach((d, i) => {
    const v = r[`d${i}`] as string;
    (row as Record<string, string | null>)[d] = d === 'agentAccount' && v === '' ? null : v;
  });
}

export function countRowLimitError(): GraphQLError {
  return badInput(`the split gives more than ${MAX_COUNT_ROWS} rows: group by fewer dimensions, filter, or use a coarser interval`);
}

/** The range's checks: quarter-hour bounds (the roll-ups' grain), from < to, a bounded bucket count. */
export function checkCountRange(from: Date, to: Date, interval: CountInterval, argPrefix = ''): void {
  for (const [name, d] of [['from', from], ['to', to]] as const) {
    if (d.getTime() % SLOT_MS !== 0) {
      throw badInput(`${argPrefix}${name} must be on a quarter hour (:00, :15, :30 or :45 with no seconds), got ${d.toISOString()}`);
    }
  }
  if (to.getTime() <= from.getTime()) throw badInput(`${argPrefix}to must be after ${argPrefix}from`);
  const span = to.getTime() - from.getTime();
  const buckets = interval === 'HOUR' ? span / 3_600_000 : interval === 'DAY' ? span / 86_400_000 : 1;
  if (buckets > MAX_BUCKETS) {
    throw badInput(`${argPrefix}from..${argPrefix}to holds ${Math.ceil(buckets)} ${interval === 'HOUR' ? 'hours' : 'days'}: at most ${MAX_BUCKETS} buckets per query (use DAY, or a shorter range)`);
  }
}

/**
 * The smallest roll-up that holds every dimension the query splits by or
 * filters on; an hourly one only when `hourly` (whole-hour zone offsets and
 * range bounds on whole hours).
 */
export function cuboidFor(groupBy: readonly CountDimension[], filter: CountFilter, hourly = false): { table: string; time: 'slot' | 'hour' } {
  const needed = new Set<CountDimension>(groupBy);
  for (const d of Object.keys(COUNT_DIMENSIONS) as CountDimension[]) {
    const v = filter[d];
    if (v != null && (!Array.isArray(v) || v.length > 0)) needed.add(d);
  }
  return CUBOIDS.find((c) => (hourly || c.time === 'slot') && [...needed].every((d) => c.dimensions.includes(d)))!;
}

function filterConditions(filter: CountFilter, params: Params): string[] {
  const c: string[] = [];
  if (filter.direction) c.push(`direction = ${params.add(filter.direction)}::"Direction"`);
  if (filter.chatType) c.push(`"chatType" = ${params.add(filter.chatType)}::"ChatType"`);
  if (filter.status?.length) c.push(`status = ANY(${params.add(filter.status)}::"MessageStatus"[])`);
  if (filter.contentType?.length) c.push(`"contentType" = ANY(${params.add(filter.contentType)}::"ContentType"[])`);
  if (filter.agentAccount?.length) c.push(`"agentAccount" = ANY(${params.add(filter.agentAccount)}::text[])`);
  if (filter.accountWhatsId?.length) {
    c.push(`"accountWhatsIdBare" = ANY(${params.add(filter.accountWhatsId.map((a) => bareWhatsId(a)))}::text[])`);
  }
  return c;
}

/** Message counts per bucket of the zone, split by the dimensions asked for; empty cells are left out. */
export async function messageCounts(pool: pg.Pool, q: CountQuery): Promise<CountResult> {
  checkCountRange(q.from, q.to, q.interval);
  const params = new Params();
  const hourly = q.from.getTime() % HOUR_MS === 0 && q.to.getTime() % HOUR_MS === 0 && hasWholeHourOffsets(q.timeZone, q.from.getTime(), q.to.getTime());
  const { table, time } = cuboidFor(q.groupBy, q.filter, hourly);
  const zone = params.add(q.timeZone);
  const where = [
    `"tenantId" = ${params.add(q.tenantId)}::bigint`,
    `${time} >= ${params.add(q.from.toISOString())}::timestamptz`,
    `${time} < ${params.add(q.to.toISOString())}::timestamptz`,
    ...filterConditions(q.filter, params),
  ];
  const local =
    q.interval === 'RANGE'
      ? `(${params.add(q.from.toISOString())}::timestamptz AT TIME ZONE ${zone})`
      : `date_trunc('${q.interval === 'HOUR' ? 'hour' : 'day'}', ${time} AT TIME ZONE ${zone})`;
  const dims = q.groupBy.map((d) => COUNT_DIMENSIONS[d]);
  const groupCols = ['local', ...dims.map((_, i) => `d${i}`)];
  // One level of grouping; the bucket's label and instant are computed once per output row.
  const text = `
    SELECT to_char(local, 'YYYY-MM-DD"T"HH24:MI') AS local_text, local AT TIME ZONE ${zone} AS start${dims.map((_, i) => `, d${i}`).join('')}, sum(n)::bigint AS n
      FROM (SELECT ${local} AS local${dims.map((col, i) => `, ${col} AS d${i}`).join('')}, n
              FROM ${table}
             WHERE ${where.join(' AND ')}) c
     GROUP BY ${groupCols.join(', ')}
    HAVING sum(n) <> 0
     ORDER BY ${groupCols.join(', ')}
     LIMIT ${MAX_COUNT_ROWS + 1}`;
  // Not a named prepared statement: the embedded database serves every pool connection from one session.
  const { rows } = await pool.query({ text, values: params.values });
  if (rows.length > MAX_COUNT_ROWS) throw countRowLimitError();
  let total = 0;
  const out = rows.map((r): CountRow => {
    const row: CountRow = {
      bucketStart: q.interval === 'RANGE' ? q.from : (r.start as Date),
      bucketLocal: r.local_text as string,
      direction: null, status: null, contentType: null, chatType: null, agentAccount: null, accountWhatsId: null,
      count: Number(r.n),
    };
    setGroupDimensions(row, q.groupBy, r);
    total += row.count;
    return row;
  });
  return { total, rows: out };
}

export interface AwaitingFilter {
  agentAccount?: readonly string[] | null;
  accountWhatsId?: readonly string[] | null;
  chatType?: ChatType | null;
  /** Conversations whose contact carries this tag. */
  contactTag?: string | null;
}

export interface AwaitingRow {
  conversationId: string;
  since: Date;
  lastInboundAt: Date;
  agentAccount: string | null;
  accountWhatsId: string;
  chatType: ChatType;
}

function awaitingConditions(tenantId: string, f: AwaitingFilter, params: Params): string[] {
  const t = params.add(tenantId);
  const c = [`a."tenantId" = ${t}::bigint`];
  if (f.chatType) c.push(`a."chatType" = ${params.add(f.chatType)}::"ChatType"`);
  if (f.agentAccount?.length) c.push(`a."agentAccount" = ANY(${params.add(f.agentAccount)}::text[])`);
  if (f.accountWhatsId?.length) c.push(`a."accountWhatsIdBare" = ANY(${params.add(f.accountWhatsId.map((a) => bareWhatsId(a)))}::text[])`);
  if (f.contactTag) {
    c.push(`EXISTS (SELECT 1 FROM "Conversation" cv JOIN "Contact" ct ON ct.id = cv."contactId"
                     WHERE cv.id = a."conversationId" AND ct.tags @> ARRAY[${params.add(f.contactTag)}]::text[])`);
  }
  return c;
}

/** Conversations awaiting a reply, longest waiting first, and how many there are. */
export async function awaitingReply(
  pool: pg.Pool, tenantId: string, filter: AwaitingFilter, first: number,
): Promise<{ total: number; oldestSince: Date | null; items: AwaitingRow[] }> {
  const params = new Params();
  const where = awaitingConditions(tenantId, filter, params).join(' AND ');
  const limit = params.add(first);
  const { rows } = await pool.query({
    text: `SELECT (SELECT count(*) FROM "ConversationAwaitingReply" a WHERE ${where}) AS total,
                  page.*
             FROM (SELECT 1) one
             LEFT JOIN LATERAL (
               SELECT a."conversationId"::text AS "conversationId", a.since, a."lastInboundAt", a."agentAccount",
                      a."accountWhatsIdBare" AS "accountWhatsId", a."chatType"
                 FROM "ConversationAwaitingReply" a WHERE ${where}
                ORDER BY a.since, a."conversationId" LIMIT ${limit}::int) page ON true`,
    values: params.values,
  });
  const total = Number(rows[0]?.total ?? 0);
  const items = rows
    .filter((r) => r.conversationId != null)
    .map((r): AwaitingRow => ({
      conversationId: r.conversationId, since: r.since, lastInboundAt: r.lastInboundAt,
      agentAccount: r.agentAccount === '' ? null : r.agentAccount, accountWhatsId: r.accountWhatsId, chatType: r.chatType,
    }));
  return { total, oldestSince: items[0]?.since ?? null, items };
}

export interface AgentLoadRow {
  agentAccount: string | null;
  messagesSent: number;
  messagesReceived: number;
  awaitingReply: number;
  oldestAwaitingSince: Date | null;
}

/**
 * Per agent: messages sent and received in the range (the full roll-up) and
 * the conversations awaiting its reply now. Agents are the logins of the
 * messages ('' → null: messages stored without one).
 */
export async function agentLoad(pool: pg.Pool, tenantId: string, from: Date, to: Date, filter: { accountWhatsId?: readonly string[] | null }): Promise<AgentLoadRow[]> {
  checkCountRange(from, to, 'RANGE');
  const params = new Params();
  const t = params.add(tenantId);
  const accounts = filter.accountWhatsId?.length ? params.add(filter.accountWhatsId.map((a) => bareWhatsId(a))) : null;
  const accountCond = (alias: string) => (accounts ? ` AND ${alias}."accountWhatsIdBare" = ANY(${accounts}::text[])` : '');
  const { rows } = await pool.query({
    text: `WITH handled AS (
             SELECT f."agentAccount" AS agent,
                    sum(n) FILTER (WHERE direction = 'OUTBOUND')::bigint AS sent,
                    sum(n) FILTER (WHERE direction = 'INBOUND')::bigint AS received
               FROM "MessageCountFull" f
              WHERE f."tenantId" = ${t}::bigint AND slot >= ${params.add(from.toISOString())}::timestamptz
                AND slot < ${params.add(to.toISOString())}::timestamptz${accountCond('f')}
              GROUP BY 1 HAVING sum(n) <> 0
           ), waiting AS (
             SELECT a."agentAccount" AS agent, count(*) AS awaiting, min(a.since) AS oldest
               FROM "ConversationAwaitingReply" a WHERE a."tenantId" = ${t}::bigint${accountCond('a')}
              GROUP BY 1
           )
           SELECT coalesce(h.agent, w.agent) AS agent, coalesce(h.sent, 0) AS sent, coalesce(h.received, 0) AS received,
                  coalesce(w.awaiting, 0) AS awaiting, w.oldest
             FROM handled h FULL JOIN waiting w ON w.agent = h.agent
            ORDER BY coalesce(w.awaiting, 0) DESC, coalesce(h.sent, 0) + coalesce(h.received, 0) DESC, 1`,
    values: params.values,
  });
  return rows.map((r) => ({
    agentAccount: r.agent === '' ? null : r.agent,
    messagesSent: Number(r.sent),
    messagesReceived: Number(r.received),
    awaitingReply: Number(r.awaiting),
    oldestAwaitingSince: r.oldest ?? null,
  }));
}
