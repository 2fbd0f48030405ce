// Reading conversations: newest activity first, keyset over (lastMessageAt, id).
import type pg from 'pg';
import type { ChatType } from '../domain/codes.ts';
import { parseLocalDay } from '../domain/local-time.ts';
import { bareWhatsId } from '../domain/whats-id.ts';
import { fetchPages, type Page, type PageRequest, type PageSpec } from './pagination.ts';
import { lastMessageJoin, type MessageColumn } from './messages.ts';
import { Params } from './sql.ts';
import { agentCondition, type AgentIdentities } from './agents.ts';
import { badInput } from '../domain/bad-input.ts';

export interface ConversationRow {
  id: string;
  accountWhatsId: string;
  friendWhatsId: string;
  chatType: ChatType;
  friendName: string | null;
  contactId: string | null;
  agentId: string | null;
  agentAccount: string | null;
  messageCount: number;
  unreadCount: number;
  lastMessageId: string | null;
  lastMessageAt: Date | null;
  createdAt: Date;
}

export const CONVERSATION_COLUMN_NAMES = [
  'id', 'accountWhatsId', 'friendWhatsId', 'chatType', 'friendName', 'contactId', 'agentId', 'agentAccount',
  'messageCount', 'unreadCount', 'lastMessageId', 'lastMessageAt', 'createdAt',
] as const satisfies readonly (keyof ConversationRow)[];
export type ConversationColumn = (typeof CONVERSATION_COLUMN_NAMES)[number];

/** Columns every conversation page row carries: its identity, its cursor, its links and its unfiltered message total. */
const KEY_COLUMNS: readonly ConversationColumn[] = ['id', 'lastMessageAt', 'lastMessageId', 'contactId', 'messageCount'];

const columnList = (names: readonly string[]) => names.map((c) => `c."${c}"`).join(', ');
export const CONVERSATION_COLUMNS = columnList(CONVERSATION_COLUMN_NAMES);

export interface ConversationFilter {
  accountWhatsId?: string | null;
  friendWhatsId?: string | null;
  chatType?: ChatType | null;
  contactId?: string | null;
  contactTag?: string | null;
  /** The agent of the newest message; with `day`, any agent's message that day. */
  agentAccount?: string | null;
  hasUnread?: boolean | null;
  lastMessageFrom?: Date | null;
  lastMessageTo?: Date | null;
  /** An agent of the directory: the conversations whose newest message is its; with `day`, any of its messages that day. */
  agent?: AgentIdentities | null;
  /** Conversations with a message on this local day "YYYY-MM-DD" (of `agentAccount` or `agent`, when given). */
  day?: string | null;
}

export type ConversationOrder = 'LAST_MESSAGE_DESC' | 'LAST_MESSAGE_ASC';


export function conversationConditions(tenantId: string, f: ConversationFilter, params: Params, timeZone: string): string[] {
  const t = params.add(tenantId);
  const c = [`c."tenantId" = ${t}::bigint`, 'c."lastMessageAt" IS NOT NULL'];
  if (f.accountWhatsId) c.push(`c."accountWhatsIdBare" = ${params.add(bareWhatsId(f.accountWhatsId))}`);
  if (f.friendWhatsId) c.push(`c."friendWhatsIdBare" = ${params.add(bareWhatsId(f.friendWhatsId))}`);
  if (f.chatType) c.push(`c."chatType" = ${params.add(f.chatType)}::"ChatType"`);
  if (f.contactId) c.push(`c."contactId" = ${params.add(f.contactId)}::bigint`);
  if (f.contactTag) c.push(`c."contactId" IN (SELECT id FROM "Contact" WHERE "tenantId" = ${t}::bigint AND tags @> ARRAY[${params.add(f.contactTag)}]::text[])`);
  if (f.hasUnread != null) c.push(f.hasUnread ? 'c."unreadCount" > 0' : 'c."unreadCount" = 0');
  if (f.lastMessageFrom) c.push(`c."lastMessageAt" >= ${params.add(f.lastMessageFrom.toISOString())}::timestamptz`);
  if (f.lastMessageTo) c.push(`c."lastMessageAt" <= ${params.add(f.lastMessageTo.toISOString())}::timestamptz`);
  if (f.day) {
    const range = parseLocalDay(f.day, timeZone);
    if (!range) throw badInput(`where.day must be a date "YYYY-MM-DD", got "${f.day}"`);
    let agent = f.agentAccount ? ` AND m."agentAccount" = ${params.add(f.agentAccount)}` : '';
    if (f.agent) agent += ` AND ${agentCondition('m', f.agent, (v) => params.add(v))}`;
    c.push(`EXISTS (SELECT 1 FROM "Message" m WHERE m."conversationId" = c.id${agent}
              AND m."chatTime" >= ${params.add(range.start.toISOString())}::timestamptz
              AND m."chatTime" < ${params.add(range.end.toISOString())}::timestamptz)`);
  } else {
    if (f.agentAccount) c.push(`c."agentAccount" = ${params.add(f.agentAccount)}`);
    if (f.agent) c.push(agentCondition('c', f.agent, (v) => params.add(v)));
  }
  return c;
}

export interface ConversationPageQuery {
  tenantId: string;
  filter: ConversationFilter;
  order: ConversationOrder;
  page: PageRequest;
  timeZone: string;
  /** Join each conversation's last message into the same statement, with these columns (undefined: all), when the operation selects it. */
  lastMessage?: { columns: readonly MessageColumn[] | undefined } | null;
  /** Only these columns (besides the key columns); all when absent. */
  columns?: readonly ConversationColumn[];
}

/** The page statement's spec of a conversation page (fetchPages / pageBody). */
export function conversationPageSpec(q: ConversationPageQuery, params: Params): PageSpec {
  const last = q.lastMessage ? lastMessageJoin(q.lastMessage.columns) : null;
  const columns = q.columns ? columnList([...new Set([...KEY_COLUMNS, ...q.columns])]) : CONVERSATION_COLUMNS;
  return {
    select: last ? `${columns}, ${last.select}` : columns,
    from: last ? `FROM "Conversation" c ${last.join}` : 'FROM "Conversation" c',
    conditions: conversationConditions(q.tenantId, q.filter, params, q.timeZone),
    time: 'c."lastMessageAt"',
    id: 'c.id',
    descending: q.order === 'LAST_MESSAGE_DESC',
    params,
  };
}

export async function conversationPages(
  pool: pg.Pool,
  q: ConversationPageQuery,
  parent?: { column: 'contactId'; ids: readonly string[] },
): Promise<Map<string, Page<ConversationRow>>> {
  const spec = conversationPageSpec(q, new Params());
  if (parent) spec.parent = { column: `c."${parent.column}"`, ids: parent.ids, type: 'bigint' };
  return fetchPages<ConversationRow>(pool, spec, q.page);
}

export async function countConversations(pool: pg.Pool, tenantId: string, filter: ConversationFilter, timeZone: string): Promise<number> {
  const params = new Params();
  const where = conversationConditions(tenantId, filter, params, timeZone);
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "Conversation" c WHERE ${where.join(' AND ')}`, params.values);
  return Number(rows[0]!.n);
}

export async function conversationsByIds(pool: pg.Pool, tenantId: string, ids: readonly string[]): Promise<ConversationRow[]> {
  const { rows } = await pool.query<ConversationRow>(
    `SELECT ${CONVERSATION_COLUMNS} FROM "Conversation" c WHERE c."tenantId" = $1 AND c.id = ANY($2::bigint[])`,
    [tenantId, ids],
  );
  return rows;
}
