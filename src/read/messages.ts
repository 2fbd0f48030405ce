// Reading messages: the row shape, the `where` filters as SQL, and the pages
// (root, per conversation, per contact; keyset or offset) as one statement each.
import type pg from 'pg';
import type { ChatType, Direction } from '../domain/codes.ts';
import type { ContentType } from '../domain/content-type.ts';
import { parseLocalDay } from '../domain/local-time.ts';
import type { MessageStatus } from '../domain/status.ts';
import { bareWhatsId } from '../domain/whats-id.ts';
import { CONTACT_COLUMN_NAMES, type ContactRow } from './contacts.ts';
export type { ContactColumn };
import { fetchPagesAndValue, onceColumn, onceValue, type Page, type PageRequest } from './pagination.ts';
import { isCompoundSearch, rankExpression, searchConditions, type SearchQuery } from './search.ts';
import { Params } from './sql.ts';
import { agentCondition, agentDirectoryFrom, agentDirectorySql, type AgentIdentities } from './agents.ts';
import type { AgentDirectory } from '../domain/agent-directory.ts';
import { badInput } from '../domain/bad-input.ts';
import { MESSAGE_KEY_COLUMNS, MESSAGE_READ_COLUMNS, type MessageColumn, type StoredMessage } from '../domain/message-columns.ts';

/** A message row (its columns and their types: the Message column table, src/domain/message-columns.ts). */
export type MessageRow = StoredMessage;
export const MESSAGE_COLUMN_NAMES = MESSAGE_READ_COLUMNS;
export type { MessageColumn };

const columnList = (names: readonly string[]) => names.map((c) => `m."${c}"`).join(', ');
export const MESSAGE_COLUMNS = columnList(MESSAGE_COLUMN_NAMES);

/** Columns every page row carries: its identity, its cursor and its links. */
export const KEY_COLUMNS = MESSAGE_KEY_COLUMNS;

export interface MessageFilter {
  conversationId?: string | null;
  contactId?: string | null;
  friendWhatsId?: string | null;
  accountWhatsId?: string | null;
  agentAccount?: string | null;
  agentId?: string | null;
  chatType?: ChatType | null;
  direction?: Direction | null;
  contentTypes?: ContentType[] | null;
  statuses?: MessageStatus[] | null;
  chatTimeFrom?: Date | null;
  chatTimeTo?: Date | null;
  /** A local day "YYYY-MM-DD" in `timeZone`. */
  day?: string | null;
  contactTag?: string | null;
  /** The contact's CRM id (Contact.externalId): its messages and those of the conversations linked to it. */
  contactExternalId?: string | null;
  whatsMessageIds?: string[] | null;
  /** An agent of the directory (src/read/agents.ts): the messages naming its login or one of its seat ids. */
  agent?: AgentIdentities | null;
  /** A search (src/read/search.ts), read from the query text beforehand. */
  search?: SearchQuery | null;
}

export type MessageOrder = 'CHAT_TIME_DESC' | 'CHAT_TIME_ASC';
/** Search results may also come most relevant first (then newest first). */
export type MessageSearchOrder = MessageOrder | 'RELEVANCE';


/** `where` → SQL conditions on alias `m`, always scoped to the tenant. */
export function messageConditions(tenantId: string, filter: MessageFilter, params: Params, timeZone: string): string[] {
  const c = [`m."tenantId" = ${params.add(tenantId)}::bigint`];
  if (filter.conversationId) c.push(`m."conversationId" = ${params.add(filter.conversationId)}::bigint`);
  if (filter.contactId) c.push(`m."contactId" = ${params.add(filter.contactId)}::bigint`);
  if (filter.friendWhatsId) c.push(`m."friendWhatsIdBare" = ${params.add(bareWhatsId(filter.friendWhatsId))}`);
  if (filter.accountWhatsId) c.push(`m."accountWhatsIdBare" = ${params.add(bareWhatsId(filter.accountWhatsId))}`);
  if (filter.agentAccount) c.push(`m."agentAccount" = ${params.add(filter.agentAccount)}`);
  if (filter.agentId) c.push(`m."agentId" = ${params.add(filter.agentId)}`);
  if (filter.agent) c.push(agentCondition('m', filter.agent, (v) => params.add(v)));
  if (filter.chatType) c.push(`m."chatType" = ${params.add(filter.chatType)}::"ChatType"`);
  if (filter.direction) c.push(`m.direction = ${params.add(filter.direction)}::"Direction"`);
  if (filter.contentTypes?.length) c.push(`m."contentType" = ANY(${params.add(filter.contentTypes)}::"ContentType"[])`);
  if (filter.statuses?.length) c.push(`m.status = ANY(${params.add(filter.statuses)}::"MessageStatus"[])`);
  if (filter.chatTimeFrom) c.push(`m."chatTime" >= ${params.add(filter.chatTimeFrom.toISOString())}::timestamptz`);
  if (filter.chatTimeTo) c.push(`m."chatTime" <= ${params.add(filter.chatTimeTo.toISOString())}::timestamptz`);
  if (filter.chatTimeFrom && filter.chatTimeTo && filter.chatTimeFrom > filter.chatTimeTo) {
    throw badInput('where.chatTimeFrom must not be later than where.chatTimeTo');
  }
  if (filter.day) {
    const range = parseLocalDay(filter.day, timeZone);
    if (!range) throw badInput(`where.day must be a date "YYYY-MM-DD", got "${filter.day}"`);
    c.push(`m."chatTime" >= ${params.add(range.start.toISOString())}::timestamptz AND m."chatTime" < ${params.add(range.end.toISOString())}::timestamptz`);
  }
  if (filter.contactTag) {
    // One meaning for the contact filters (as contactExternalId below): the
    // contacts' messages and the others of the conversations linked to them.
    const tagged = `(SELECT id FROM "Contact" WHERE "tenantId" = ${params.add(tenantId)}::bigint AND tags @> ARRAY[${params.add(filter.contactTag)}]::text[])`;
    c.push(`(m."contactId" IN ${tagged} OR m."conversationId" IN (SELECT id FROM "Conversation" WHERE "tenantId" = ${params.add(tenantId)}::bigint AND "contactId" IN ${tagged}))`);
  }
  if (filter.contactExternalId) {
    // A contact's messages are those carrying its profile (MSG_SYNC) and the
    // others of the conversations linked to it: CLIENT_SYNC messages carry no
    // profile, but they carry the agent id that retrievePastRecords filters on.
    const contact = `(SELECT id FROM "Contact" WHERE "tenantId" = ${params.add(tenantId)}::bigint AND "externalId" = ${params.add(filter.contactExternalId)})`;
    c.push(`(m."contactId" = ${contact} OR m."conversationId" IN (SELECT id FROM "Conversation" WHERE "tenantId" = ${params.add(tenantId)}::bigint AND "contactId" = ${contact}))`);
  }
  if (filter.whatsMessageIds?.length) c.push(`m."whatsMessageId" = ANY(${params.add(filter.whatsMessageIds)}::text[])`);
  if (filter.search) c.push(...searchConditions(filter.search, params));
  return c;
}

type ContactColumn = (typeof CONTACT_COLUMN_NAMES)[number];

/** The contact's columns joined into a message page, prefixed `contact.`. */
const contactJoinColumns = (names: readonly ContactColumn[]) =>
  [...new Set<ContactColumn>(['id', ...names])].map((c) => `ct."${c}" AS "contact.${c}"`).join(', ');
const CONTACT_JOIN = 'LEFT JOIN "Contact" ct ON ct.id = m."contactId"';

/**
 * The contact joined into a page row: undefined when the page was fetched
 * without contacts, null when the message has none. It holds only the
 * columns that the operation's selection of `contact` reads.
 */
export function joinedContact(row: MessageRow): ContactRow | null | undefined {
  const r = row as unknown as Record<string, unknown>;
  if (!('contact.id' in r)) return undefined;
  if (r['contact.id'] == null) return null;
  const contact: Record<string, unknown> = {};
  // By the contact's column names, not by the row's keys: no key sliced per row.
  const keys = (joinedKeys ??= CONTACT_COLUMN_NAMES.map((c) => `contact.${c}`));
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key in r) contact[CONTACT_COLUMN_NAMES[i]!] = r[key];
  }
  return contact as unknown as ContactRow;
}
/** `contact.<column>` per contact column, made on first use (contacts.ts and this module import each other through loaders.ts). */
let joinedKeys: string[] | undefined;

/**
 * A message joined into another table's row (e.g. a conversation's last
 * message): alias `lm`, only `columns` (plus the key columns; all when
 * undefined), prefixed `lastMessage.`.
 */
export function lastMessageJoin(columns: readonly MessageColumn[] | undefined): { select: string; join: string } {
  const names = columns ? [...new Set([...KEY_COLUMNS, ...columns])] : MESSAGE_COLUMN_NAMES;
  return {
    select: names.map((c) => `lm."${c}" AS "lastMessage.${c}"`).join(', '),
    join: 'LEFT JOIN "Message" lm ON lm.id = c."lastMessageId" AND lm."tenantId" = c."tenantId"',
  };
}

/** The message joined by lastMessageJoin: undefined when not joined, null when there is none. */
export function joinedLastMessage(row: object): MessageRow | null | undefined {
  const r = row as Record<string, unknown>;
  if (!('lastMessage.id' in r)) return undefined;
  if (r['lastMessage.id'] == null) return null;
  const message: Record<string, unknown> = {};
  for (const key in r) if (key.startsWith('lastMessage.')) message[key.slice(12)] = r[key];
  return message as unknown as MessageRow;
}

export interface MessagePageQuery {
  /** Join each message's contact into the same statement, with these columns (when the operation selects it). */
  contactColumns?: readonly ContactColumn[] | null;
  /** Only these columns (besides the key columns); all when absent. */
  columns?: readonly MessageColumn[];
  tenantId: string;
  filter: MessageFilter;
  order: MessageOrder;
  page: PageRequest;
  timeZone: string;
  /** Also read the tenant's agent directory (agentDirectorySql) in the same statement, on one row. */
  withAgentDirectory?: boolean;
}

/** The agent directory read in a page's own statement, when asked for (withAgentDirectory) and a row came back. */
export interface WithAgentDirectory {
  agentDirectory: AgentDirectory | null;
}

function pageSelect(q: Pick<MessagePageQuery, 'columns' | 'contactColumns'>): string {
  const columns = q.columns ? columnList([...new Set([...KEY_COLUMNS, ...q.columns])]) : MESSAGE_COLUMNS;
  return q.contactColumns ? `${columns}, ${contactJoinColumns(q.contactColumns)}` : columns;
}

/** One page of messages (root connection); by relevance only with a search (rows then carry `_rank`). */
export async function messagePage(pool: pg.Pool, q: Omit<MessagePageQuery, 'order'> & { order: MessageSearchOrder }): Promise<Page<MessageRow> & WithAgentDirectory> {
  const params = new Params();
  const conditions = messageConditions(q.tenantId, q.filter, params, q.timeZone);
  const byRelevance = q.order === 'RELEVANCE';
  if (byRelevance && !q.filter.search) throw badInput('orderBy RELEVANCE needs a search');
  const rank = byRelevance ? rankExpression(q.filter.search!, params) : undefined;
  const descending = q.order !== 'CHAT_TIME_ASC';
  const spec = {
    select: rank ? `${pageSelect(q)}, ${rank} AS _rank` : pageSelect(q),
    from: q.contactColumns ? `FROM "Message" m ${CONTACT_JOIN}` : 'FROM "Message" m',
    conditions,
    time: 'm."chatTime"',
    id: 'm.id',
    rank,
    descending,
    params,
    once: q.withAgentDirectory ? agentDirectorySql(params.add(q.tenantId)) : undefined,
  };
  const withDirectory = (result: { pages: Map<string, Page<MessageRow>>; value: string | null }) => ({
    ...result.pages.get('')!,
    agentDirectory: result.value ? agentDirectoryFrom(result.value) : null,
  });
  if (q.filter.search && !byRelevance && q.page.forward && isCompoundSearch(q.filter.search)) {
    // A CJK phrase (3+ characters), or several terms, is estimated as rare as
    // its pairs (terms) all together, yet common phrases are as common as their
    // pairs, and frequent terms often meet: the planner would fetch every
    // match from the index and sort them (hundreds of ms for "请问有", 2.5 s
    // for "好 您 以 可"). So first walk the newest SEARCH_WALK messages of the
    // scope in page order: a full page there is the right page (the walk is
    // a prefix of the order); else the planner's plan, for a phrase rare
    // enough that fetching its matches is cheap.
    const walkParams = new Params();
    const base = messageConditions(q.tenantId, { ...q.filter, search: null }, walkParams, q.timeZone);
    const dir = descending ? 'DESC' : 'ASC';
    const window = `(SELECT m.* FROM "Message" m WHERE ${base.join(' AND ')} ORDER BY m."chatTime" ${dir}, m.id ${dir} LIMIT ${SEARCH_WALK}) m`;
    const walked = withDirectory(
      await fetchPagesAndValue<MessageRow>(
        pool,
        {
          ...spec,
          from: q.contactColumns ? `FROM ${window} ${CONTACT_JOIN}` : `FROM ${window}`,
          conditions: searchConditions(q.filter.search, walkParams),
          params: walkParams,
          once: q.withAgentDirectory ? agentDirectorySql(walkParams.add(q.tenantId)) : undefined,
        },
        q.page,
      ),
    );
    if (walked.hasNextPage) return walked;
  }
  return withDirectory(await fetchPagesAndValue<MessageRow>(pool, spec, q.page));
}

/** How many of the newest messages a search for a CJK phrase walks before the index's plan. */
const SEARCH_WALK = 3000;

/**
 * The same page for many parents at once (conversation or contact), in one
 * statement; with withAgentDirectory, the directory read in it is handed to
 * `giveDirectory`.
 */
export async function messagePagesByParent(
  pool: pg.Pool,
  parent: 'conversationId' | 'contactId',
  parentIds: readonly string[],
  q: MessagePageQuery,
  giveDirectory?: (directory: AgentDirectory) => void,
): Promise<Map<string, Page<MessageRow>>> {
  const params = new Params();
  const { pages, value } = await fetchPagesAndValue<MessageRow>(
    pool,
    {
      select: pageSelect(q),
      from: q.contactColumns ? `FROM "Message" m ${CONTACT_JOIN}` : 'FROM "Message" m',
      conditions: messageConditions(q.tenantId, q.filter, params, q.timeZone),
      time: 'm."chatTime"',
      id: 'm.id',
      descending: q.order === 'CHAT_TIME_DESC',
      params,
      parent: { column: `m."${parent}"`, ids: parentIds, type: 'bigint' },
      once: q.withAgentDirectory ? agentDirectorySql(params.add(q.tenantId)) : undefined,
    },
    q.page,
  );
  if (value) giveDirectory?.(agentDirectoryFrom(value));
  return pages;
}

export interface MessageOffsetQuery extends Omit<MessagePageQuery, 'page'> {
  /** Rows skipped before the page. */
  offset: number;
  limit: number;
  /** How many rows match, when known for certain: a page past the middle is then read from the other end. */
  total?: number | null;
  /** Also read the total from the counters (counterTotalSql) in the same statement, when they answer it. */
  withCounterTotal?: boolean;
  /** Also read the tenant's agent directory (agentDirectorySql) in the same statement, on one row of the page. */
  withAgentDirectory?: boolean;
}

/**
 * One page by offset (legacy `current` / `pageNo` pages). A deferred join:
 * the inner statement finds the page's ids walking an index of (tenant[, filter
 * column], chatTime, id) — an index-only scan when the filter's columns are in
 * it and the visibility map is current — so the rows it skips are never read
 * from the heap; only the page's own rows are. Skipping still walks the
 * index entries, so with a known total a page past the middle walks from the
 * other end.
 */
/**
 * A page by offset; `total` is the counters' total when asked for
 * (withCounterTotal) and the page has rows, else null; `agentDirectory` the
 * tenant's directory when asked for (withAgentDirectory) and the page has
 * rows, else null.
 */
export async function messageOffsetPage(pool: pg.Pool, q: MessageOffsetQuery): Promise<{ rows: MessageRow[]; total: number | null; agentDirectory: AgentDirectory | null }> {
  const params = new Params();
  const conditions = messageConditions(q.tenantId, q.filter, params, q.timeZone);
  const counted = q.withCounterTotal ? counterTotalSql(q.tenantId, q.filter, params) : null;
  const dir = q.order === 'CHAT_TIME_ASC' ? 'ASC' : 'DESC';
  let walk = { dir, offset: q.offset, limit: q.limit };
  if (q.total != null && q.offset >= q.total) return { rows: [], total: null, agentDirectory: null };
  if (q.total != null && q.offset > q.total / 2) {
    // Past the middle, the same rows are fewer index entries away from the other end.
    const limit = Math.min(q.limit, q.total - q.offset);
    walk = { dir: dir === 'ASC' ? 'DESC' : 'ASC', offset: q.total - q.offset - limit, limit };
  }
  const order = (d: string) => `m."chatTime" ${d}, m.id ${d}`;
  // The directory on one row of the page (not of the walk), read once.
  const directory = q.withAgentDirectory ? `, ${onceColumn(agentDirectorySql(params.add(q.tenantId)))}` : '';
  const sql = `SELECT ${pageSelect(q)}${counted ? `, ${counted} AS _total` : ''}${directory}
    FROM (SELECT m.id FROM "Message" m WHERE ${conditions.join(' AND ')}
           ORDER BY ${order(walk.dir)} OFFSET ${params.add(walk.offset)} LIMIT ${params.add(walk.limit)}) page
    JOIN "Message" m ON m.id = page.id${q.contactColumns ? ` ${CONTACT_JOIN}` : ''}
    ORDER BY ${order(dir)}`;
  const { rows } = await pool.query<MessageRow & { _total?: string; _once?: string | null }>(sql, params.values);
  const total = counted && rows.length ? Number(rows[0]!._total) : null;
  const agents = onceValue(rows);
  return { rows, total, agentDirectory: agents ? agentDirectoryFrom(agents) : null };
}

/** The tenant's message total: the sum of its stripes (see messageTotals). */
const tenantTotalSql = (tenant: string) => `(SELECT COALESCE(sum(n), 0)::bigint FROM "TenantMessageCount" WHERE "tenantId" = ${tenant}::bigint)`;

/**
 * The total of `filter` as a scalar SQL expression over the counters kept on
 * write, when one counter row (or the tenant's stripes) answers it: no
 * filter (the tenant) or a conversation alone; else null.
 */
export function counterTotalSql(tenantId: string, filter: MessageFilter, params: Params): string | null {
  const keys = Object.entries(filter).filter(([, v]) => v != null && !(Array.isArray(v) && v.length === 0)).map(([k]) => k);
  if (keys.length === 0) return tenantTotalSql(params.add(tenantId));
  if (keys.length === 1 && keys[0] === 'conversationId') {
    return `COALESCE((SELECT "messageCount"::bigint FROM "Conversation" WHERE "tenantId" = ${params.add(tenantId)}::bigint AND id = ${params.add(filter.conversationId)}::bigint), 0)`;
  }
  return null;
}

/**
 * The message totals kept on write, for many keys in one statement: a
 * conversation id (its counter) or '' (the tenant's total: the sum of its
 * stripes in "TenantMessageCount", at most 16 rows, kept by
 * chatgraph_store_batch). Missing conversations count 0.
 */
export async function messageTotals(pool: pg.Pool, tenantId: string, keys: readonly string[]): Promise<Map<string, number>> {
  const ids = keys.filter((k) => k !== '' && /^\d{1,18}$/.test(k));
  const tenant = keys.includes('');
  const parts: string[] = [];
  if (ids.length) parts.push('SELECT id::text AS k, "messageCount"::bigint AS n FROM "Conversation" WHERE "tenantId" = $1 AND id = ANY($2::bigint[])');
  if (tenant) parts.push(`SELECT '' AS k, ${tenantTotalSql('$1')} AS n`);
  const totals = new Map<string, number>(keys.map((k) => [k, 0]));
  if (!parts.length) return totals;
  const { rows } = await pool.query<{ k: string; n: string }>(parts.join(' UNION ALL '), ids.length ? [tenantId, ids] : [tenantId]);
  for (const r of rows) totals.set(r.k, Number(r.n));
  return totals;
}

/** Loads totals by key (see messageTotals): the totals one operation asks for in one statement. */
export type MessageTotals = { load(key: string): Promise<number> };

/**
 * How many messages match, from counters kept on write — when the filter
 * allows (none, or only conversation / friend / account / chat type); else
 * null. Never scans messages. With `totals` (the request's loader), the
 * tenant's and conversations' totals of one operation share one statement.
 */
export async function countFromCounters(pool: pg.Pool, tenantId: string, filter: MessageFilter, totals?: MessageTotals): Promise<number | null> {
  const keys = Object.entries(filter).filter(([, v]) => v != null && !(Array.isArray(v) && v.length === 0)).map(([k]) => k);
  if (keys.length === 0 || (keys.length === 1 && keys[0] === 'conversationId')) {
    const key = keys.length ? String(filter.conversationId) : '';
    return totals ? totals.load(key) : (await messageTotals(pool, tenantId, [key])).get(key)!;
  }
  // By friend / account / chat type only: the sum of the matching
  // conversations' counters (a conversation is one account × one friend ×
  // chat type, so their counters add up).
  if (keys.every((k) => k === 'friendWhatsId' || k === 'accountWhatsId' || k === 'chatType')) {
    const params = new Params();
    const c = [`"tenantId" = ${params.add(tenantId)}::bigint`];
    if (filter.friendWhatsId) c.push(`"friendWhatsIdBare" = ${params.add(bareWhatsId(filter.friendWhatsId))}`);
    if (filter.accountWhatsId) c.push(`"accountWhatsIdBare" = ${params.add(bareWhatsId(filter.accountWhatsId))}`);
    if (filter.chatType) c.push(`"chatType" = ${params.add(filter.chatType)}::"ChatType"`);
    const { rows } = await pool.query<{ n: string }>(`SELECT COALESCE(sum("messageCount"), 0) AS n FROM "Conversation" WHERE ${c.join(' AND ')}`, params.values);
    return Number(rows[0]!.n);
  }
  return null;
}

/** How many messages match: from counters when the filter allows, else counted. */
export async function countMessages(pool: pg.Pool, tenantId: string, filter: MessageFilter, timeZone: string, totals?: MessageTotals): Promise<number> {
  const fromCounters = await countFromCounters(pool, tenantId, filter, totals);
  if (fromCounters !== null) return fromCounters;
  const params = new Params();
  const where = messageConditions(tenantId, filter, params, timeZone);
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "Message" m WHERE ${where.join(' AND ')}`, params.values);
  return Number(rows[0]!.n);
}

/** Messages by row id, scoped to the tenant. */
export async function messagesByIds(pool: pg.Pool, tenantId: string, ids: readonly string[]): Promise<MessageRow[]> {
  const { rows } = await pool.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM "Message" m WHERE m."tenantId" = $1 AND m.id = ANY($2::bigint[])`,
    [tenantId, ids],
  );
  return rows;
}

/** Messages by WhatsApp message id (e.g. the message a quote quotes), scoped to the tenant. */
export async function messagesByWhatsIds(pool: pg.Pool, tenantId: string, whatsIds: readonly string[]): Promise<MessageRow[]> {
  const { rows } = await pool.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM "Message" m WHERE m."tenantId" = $1 AND m."whatsMessageId" = ANY($2::text[]) ORDER BY m.id`,
    [tenantId, whatsIds],
  );
  return rows;
}
