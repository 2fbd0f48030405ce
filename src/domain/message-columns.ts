// The columns of "Message" as chatgraph writes and reads them, in one table.
// From it come: the positional row that src/ingest/store.ts hands to the
// store function (messageRow), the function's reader of that row and its
// INSERT lists (the {{message_*}} lists of prisma/sql/store-batch.sql,
// expanded by `npm run db:migration`), the read path's column list and row
// type (src/read/messages.ts), and which columns each GraphQL field of
// Message reads (src/graphql/message.ts).
//
// Adding a nullable column: an entry at the end of the table (after the
// batch's two ordinals), the column in prisma/schema.prisma, `npm run
// db:migration -- <name>`, and its GraphQL field. The row format only grows
// at its end: the previous release's rows are shorter, and the missing slot
// reads as NULL, so its store calls keep working (README "Rolling upgrades").
import type { MergedMessage } from '../ingest/batch.ts';
import type { ChatType, Direction, Origin } from './codes.ts';
import type { ContentType } from './content-type.ts';
import type { ParsedContent } from './content.ts';
import type { MessageStatus } from './status.ts';

/**
 * How a slot travels in the row (JSON) and the type chatgraph_message_rows
 * gives it: text, an integer, JSON as is, or epoch milliseconds read as a
 * timestamp.
 */
type SlotType = 'TEXT' | 'INTEGER' | 'JSONB' | 'TIMESTAMPTZ';

/** Where the batch's contact and conversation of a message are (their numbers in the call). */
export interface BatchOrdinals {
  contact: number | null;
  conversation: number;
}

interface Slot {
  /** The name chatgraph_message_rows gives it. */
  name: string;
  type: SlotType;
  /** Its value in the row. */
  value(m: MergedMessage, ordinals: BatchOrdinals): unknown;
  /** The column's type when the INSERT must cast the text (an enum). */
  cast?: string;
  /** The store function computes the column itself (statuses held as pending, ids by number): not in the INSERT lists. */
  computed?: true;
}

interface ColumnSpec<N extends string | null = string | null> {
  /** The column of "Message" (Prisma's name); null for a slot that is no column (the batch's ordinals). */
  column: N;
  /** Read by the read path (MessageRow); `key`: in every page row (identity, cursor, links), whatever the selection. */
  read?: true | 'key';
  /** The GraphQL fields of Message that read it (a field reading several columns is listed under each). */
  fields?: readonly string[];
  /** Its slot in the store function's positional row, if the write path hands it over. */
  slot?: Slot;
}

/** A TypeScript type carried by an entry (read side), checked at compile time only. */
declare const typeMark: unique symbol;
interface Typed<T> {
  readonly [typeMark]?: T;
}

function c<const N extends string | null, const S extends Omit<ColumnSpec, 'column'>, T = never>(column: N, spec: S, _type?: Typed<T>): { column: N } & S & Typed<T> {
  return { column, ...spec };
}
/** The TypeScript type of a read column. */
const t = <T>(): Typed<T> => ({});

const text = (name: string, value: Slot['value'], more: Partial<Slot> = {}): Slot => ({ name, type: 'TEXT', value, ...more });
const time = (ms: Date | undefined) => ms?.getTime() ?? null;

export const MESSAGE_COLUMN_TABLE = [
  c('id', { read: 'key', fields: ['id', 'recordId'] }, t<string>()),
  c('conversationId', { read: 'key', fields: ['conversation'] }, t<string>()),
  c('contactId', { read: 'key', fields: ['contact'] }, t<string | null>()),
  c('whatsMessageId', { read: true, fields: ['whatsMessageId'], slot: text('whats_message_id', (m) => m.input.whatsMessageId) }, t<string>()),
  c('syncId', { read: true, fields: ['syncId'], slot: text('sync_id', (m) => m.input.syncId) }, t<string | null>()),
  c('agentId', { read: true, fields: ['agentId', 'agent', 'agentSeatId', 'agentLogin'], slot: text('agent_id', (m) => m.input.agentId) }, t<string | null>()),
  c('agentAccount', { read: true, fields: ['agentAccount', 'agent', 'agentSeatId', 'agentLogin'], slot: text('agent_account', (m) => m.input.agentAccount) }, t<string | null>()),
  c('accountWhatsId', { read: true, fields: ['accountWhatsId', 'agent', 'agentSeatId', 'agentLogin'], slot: text('account', (m) => m.input.accountWhatsId) }, t<string>()),
  c('accountWhatsIdBare', { slot: text('account_bare', (m) => m.input.accountWhatsIdBare) }),
  c('senderWhatsId', { read: true, fields: ['senderWhatsId'], slot: text('sender', (m) => m.input.senderWhatsId) }, t<string | null>()),
  c('friendWhatsId', { read: true, fields: ['friendWhatsId'], slot: text('friend', (m) => m.input.friendWhatsId) }, t<string>()),
  c('friendWhatsIdBare', { slot: text('friend_bare', (m) => m.input.friendWhatsIdBare) }),
  c('friendName', { read: true, fields: ['friendName'], slot: text('friend_name', (m) => m.input.friendName) }, t<string | null>()),
  c('direction', { read: true, fields: ['direction'], slot: text('direction', (m) => m.input.direction, { cast: '"Direction"' }) }, t<Direction>()),
  c('chatType', { read: true, fields: ['chatType'], slot: text('chat_type', (m) => m.input.chatType, { cast: '"ChatType"' }) }, t<ChatType>()),
  c('contentType', {
    read: true,
    fields: ['contentType', 'msgPageContentType', 'clientContentType'],
    slot: text('content_type', (m) => m.input.contentType, { cast: '"ContentType"' }),
  }, t<ContentType>()),
  c('legacyContentType', { read: true, slot: { name: 'legacy_content_type', type: 'INTEGER', value: (m) => m.input.legacyContentType } }, t<number>()),
  c('content', { read: true, fields: ['rawContent'], slot: text('content', (m) => m.input.content) }, t<string>()),
  c('referContent', { read: true, fields: ['referContent'], slot: text('refer_content', (m) => m.input.referContent) }, t<string | null>()),
  c('parsedContent', { read: true, fields: ['content'], slot: { name: 'parsed_content', type: 'JSONB', value: (m) => m.input.parsedContent } }, t<ParsedContent>()),
  // Text and captions as searched (and shown in search snippets).
  c('searchText', { read: true, slot: text('search_text', (m) => m.input.searchText) }, t<string>()),
  // The batch's merged status and the earliest time of each (src/ingest/batch.ts),
  // raised by statuses that arrived before the message.
  c('status', { read: true, fields: ['status'], slot: text('status', (m) => m.status, { computed: true }) }, t<MessageStatus>()),
  c('pendingAt', { read: true, fields: ['pendingAt'], slot: { name: 'pending_at', type: 'TIMESTAMPTZ', value: (m) => time(m.times.PENDING), computed: true } }, t<Date | null>()),
  c('sentAt', { read: true, fields: ['sentAt'], slot: { name: 'sent_at', type: 'TIMESTAMPTZ', value: (m) => time(m.times.SENT), computed: true } }, t<Date | null>()),
  c('deliveredAt', { read: true, fields: ['deliveredAt'], slot: { name: 'delivered_at', type: 'TIMESTAMPTZ', value: (m) => time(m.times.DELIVERED), computed: true } }, t<Date | null>()),
  c('readAt', { read: true, fields: ['readAt'], slot: { name: 'read_at', type: 'TIMESTAMPTZ', value: (m) => time(m.times.READ), computed: true } }, t<Date | null>()),
  c('origin', { read: true, fields: ['origin'], slot: text('origin', (m) => m.input.origin, { cast: '"Origin"' }) }, t<Origin | null>()),
  c('taskId', { read: true, fields: ['taskId'], slot: text('task_id', (m) => m.input.taskId) }, t<string | null>()),
  c('taskInfoId', { read: true, fields: ['taskInfoId'], slot: text('task_info_id', (m) => m.input.taskInfoId) }, t<string | null>()),
  c('source', { read: true, slot: text('source', (m) => m.input.source, { cast: '"IngestSource"' }) }, t<string>()),
  c('chatTime', { read: 'key', fields: ['chatTime'], slot: { name: 'chat_time', type: 'TIMESTAMPTZ', value: (m) => m.input.chatTime.getTime() } }, t<Date>()),
  c('createdAt', { read: true, fields: ['createdAt'] }, t<Date>()),
  // The message's contact (its position in the call's contacts) and
  // conversation (among the batch's distinct ones): the function looks each
  // up once per batch and writes "contactId" and "conversationId".
  c(null, { slot: { name: 'contact_ord', type: 'INTEGER', value: (_m, o) => o.contact, computed: true } }),
  c(null, { slot: { name: 'conv_ord', type: 'INTEGER', value: (_m, o) => o.conversation, computed: true } }),
  // New columns here, at the end (see above).
] as const;

type Entry = (typeof MESSAGE_COLUMN_TABLE)[number];
type ReadEntry = Extract<Entry, { read: true | 'key' }>;

/** A column the read path can select. */
export type MessageColumn = ReadEntry['column'];

/** A message as the read path returns it (ids as decimal strings): every read column, typed. */
export type StoredMessage = { [E in ReadEntry as E['column']]: E extends Typed<infer T> ? T : never };

/** The read columns, in the table's order. */
export const MESSAGE_READ_COLUMNS = MESSAGE_COLUMN_TABLE.flatMap((e) => ('read' in e ? [e.column] : [])) as readonly MessageColumn[];

/** The read columns that every page row carries whatever the selection. */
export const MESSAGE_KEY_COLUMNS = MESSAGE_COLUMN_TABLE.flatMap((e) => ('read' in e && e.read === 'key' ? [e.column] : [])) as readonly MessageColumn[];

/**
 * Which columns each GraphQL field of Message reads, besides the key columns
 * every row carries (a page fetches only what the operation selects). A
 * field missing here makes the page fetch every column.
 */
export const MESSAGE_FIELD_COLUMNS: Readonly<Record<string, readonly MessageColumn[]>> = (() => {
  const map: Record<string, MessageColumn[]> = { __typename: [] };
  for (const e of MESSAGE_COLUMN_TABLE) {
    if (!('fields' in e)) continue;
    for (const field of e.fields) {
      const columns = (map[field] ??= []);
      if (!('read' in e && e.read === 'key')) columns.push(e.column as MessageColumn);
    }
  }
  return map;
})();

/** The slots of the positional row, in order. */
export const MESSAGE_ROW_SLOTS: readonly (Slot & { column: string | null })[] = MESSAGE_COLUMN_TABLE.flatMap((e) =>
  'slot' in e ? [{ ...e.slot, column: e.column }] : [],
);

/**
 * A message as chatgraph_store_batch reads it: a positional array (field
 * names would be half the JSON, and jsonb sorts an object's keys). Times
 * are epoch milliseconds.
 */
export function messageRow(m: MergedMessage, ordinals: BatchOrdinals): unknown[] {
  return MESSAGE_ROW_SLOTS.map((s) => s.value(m, ordinals));
}

/** How chatgraph_message_rows reads slot `k` of row `r`. */
function slotReader(type: SlotType, k: number): string {
  switch (type) {
    case 'TEXT':
      return `r->>${k}`;
    case 'INTEGER':
      return `(r->>${k})::integer`;
    case 'JSONB':
      return `r->${k}`;
    case 'TIMESTAMPTZ':
      return `chatgraph_epoch_ms((r->>${k})::bigint)`;
  }
}

/** How a {{name}} list of a prisma/sql file is laid out: on one line, one item a line, or wrapped. */
export type SqlListLayout = 'line' | 'lines' | 'wrap';

/**
 * The lists prisma/sql/store-batch.sql takes from the table: the reader's
 * result columns and its reading of each slot, and the INSERT's columns and
 * values (the slots stored as they come; the function writes the others).
 */
export function messageRowSqlLists(): Record<string, { items: string[]; layout: SqlListLayout }> {
  const stored = MESSAGE_ROW_SLOTS.filter((s) => !s.computed && s.column !== null);
  return {
    message_row_columns: { items: MESSAGE_ROW_SLOTS.map((s) => `${s.name} ${s.type}`), layout: 'line' },
    message_row_values: { items: MESSAGE_ROW_SLOTS.map((s, k) => slotReader(s.type, k)), layout: 'lines' },
    message_insert_columns: { items: stored.map((s) => `"${s.column}"`), layout: 'wrap' },
    message_insert_values: { items: stored.map((s) => `m.${s.name}${s.cast ? `::${s.cast}` : ''}`), layout: 'wrap' },
  };
}
