// Catching up on live events after a reconnect: the events a subscriber
// missed since a time, rebuilt from the stored messages (one statement,
// over the (tenantId, updatedAt) index). Messages added since the time give
// their messageAdded; messages whose status rose since give one
// messageStatusChanged each, from the status below the current one to the
// current one (the state to catch up to, not every step on the way).
import type pg from 'pg';
import { bareWhatsId } from '../domain/whats-id.ts';
import type { MessageStatus } from '../domain/status.ts';
import type { MessageAddedEvent, MessageStatusChangedEvent } from '../events/pubsub.ts';
import { Params } from './sql.ts';
import { badInput } from '../domain/bad-input.ts';

/** What a subscriber listens to; the tenant is implied by the topic. */
export interface MessageEventFilter {
  conversationId?: string | null;
  accountWhatsId?: string | null;
  friendWhatsId?: string | null;
  agentId?: string | null;
  agentAccount?: string | null;
  whatsMessageIds?: readonly string[] | null;
  messageIds?: readonly string[] | null;
}

type EventFields = Pick<MessageAddedEvent, 'messageId' | 'conversationId' | 'accountWhatsIdBare' | 'friendWhatsIdBare' | 'agentId' | 'agentAccount' | 'whatsMessageId'>;

/** Whether an event matches the filter (applied to every live event). */
export function matchesEventFilter(filter: MessageEventFilter, event: EventFields): boolean {
  if (filter.conversationId && event.conversationId !== filter.conversationId) return false;
  if (filter.accountWhatsId && event.accountWhatsIdBare !== bareWhatsId(filter.accountWhatsId)) return false;
  if (filter.friendWhatsId && event.friendWhatsIdBare !== bareWhatsId(filter.friendWhatsId)) return false;
  if (filter.agentId && event.agentId !== filter.agentId) return false;
  if (filter.agentAccount && event.agentAccount !== filter.agentAccount) return false;
  if (filter.whatsMessageIds?.length && !filter.whatsMessageIds.includes(event.whatsMessageId)) return false;
  if (filter.messageIds?.length && !filter.messageIds.includes(event.messageId)) return false;
  return true;
}

/** At most this many events are replayed; further back, the read API is the way. */
export const MAX_REPLAY = 10_000;

function conditions(tenantId: string, since: Date, filter: MessageEventFilter, params: Params): string[] {
  const c = [`m."tenantId" = ${params.add(tenantId)}::bigint`, `m."updatedAt" > ${params.add(since.toISOString())}::timestamptz`];
  if (filter.conversationId) c.push(`m."conversationId" = ${params.add(filter.conversationId)}::bigint`);
  if (filter.accountWhatsId) c.push(`m."accountWhatsIdBare" = ${params.add(bareWhatsId(filter.accountWhatsId))}`);
  if (filter.friendWhatsId) c.push(`m."friendWhatsIdBare" = ${params.add(bareWhatsId(filter.friendWhatsId))}`);
  if (filter.agentId) c.push(`m."agentId" = ${params.add(filter.agentId)}`);
  if (filter.agentAccount) c.push(`m."agentAccount" = ${params.add(filter.agentAccount)}`);
  if (filter.whatsMessageIds?.length) c.push(`m."whatsMessageId" = ANY(${params.add(filter.whatsMessageIds)}::text[])`);
  if (filter.messageIds?.length) c.push(`m.id = ANY(${params.add(filter.messageIds)}::bigint[])`);
  return c;
}

interface EventRow extends EventFields {
  status: MessageStatus;
  createdAt: Date;
  pendingAt: Date | null;
  sentAt: Date | null;
  deliveredAt: Date | null;
  readAt: Date | null;
}

async function changedSince(pool: pg.Pool, tenantId: string, since: Date, filter: MessageEventFilter, extra: (params: Params) => string): Promise<EventRow[]> {
  const params = new Params();
  const where = [...conditions(tenantId, since, filter, params), extra(params)];
  const { rows } = await pool.query<EventRow>(
    `SELECT m.id AS "messageId", m."conversationId", m."accountWhatsIdBare", m."friendWhatsIdBare", m."agentId", m."agentAccount",
            m."whatsMessageId", m.status, m."createdAt", m."pendingAt", m."sentAt", m."deliveredAt", m."readAt"
       FROM "Message" m WHERE ${where.join(' AND ')}
      ORDER BY m."updatedAt", m.id LIMIT ${MAX_REPLAY + 1}`,
    params.values,
  );
  if (rows.length > MAX_REPLAY) {
    throw badInput(
      `more than ${MAX_REPLAY} events since ${since.toISOString()}: fetch the messages through the read API (messages, conversations) and subscribe without since`,
    );
  }
  return rows;
}

const fields = (r: EventRow): EventFields => ({
  messageId: String(r.messageId),
  conversationId: String(r.conversationId),
  accountWhatsIdBare: r.accountWhatsIdBare,
  friendWhatsIdBare: r.friendWhatsIdBare,
  agentId: r.agentId,
  agentAccount: r.agentAccount,
  whatsMessageId: r.whatsMessageId,
});

/** messageAdded events since `since` (stored after it), oldest first. */
export async function addedSince(pool: pg.Pool, tenantId: string, since: Date, filter: MessageEventFilter): Promise<MessageAddedEvent[]> {
  const rows = await changedSince(pool, tenantId, since, filter, (p) => `m."createdAt" > ${p.add(since.toISOString())}::timestamptz`);
  return rows.map((r) => ({ ...fields(r), status: r.status, addedAt: r.createdAt.toISOString() }));
}

const LADDER: readonly [MessageStatus, keyof EventRow][] = [
  ['PENDING', 'pendingAt'],
  ['SENT', 'sentAt'],
  ['DELIVERED', 'deliveredAt'],
  ['READ', 'readAt'],
];

/**
 * The status change a message made since `since`, if any: from the highest
 * recorded status below its current one, to its current one. A message
 * stored at its current status (nothing below it recorded) made none.
 */
export function statusChangeOf(r: EventRow): { previousStatus: MessageStatus; changedAt: Date } | null {
  const current = LADDER.findIndex(([s]) => s === r.status);
  for (let i = current - 1; i >= 0; i--) {
    if (r[LADDER[i]![1]]) return { previousStatus: LADDER[i]![0], changedAt: (r[LADDER[current]![1]] as Date | null) ?? r.createdAt };
  }
  return null;
}

/** messageStatusChanged events since `since`, oldest first. */
export async function statusChangesSince(pool: pg.Pool, tenantId: string, since: Date, filter: MessageEventFilter): Promise<MessageStatusChangedEvent[]> {
  const rows = await changedSince(pool, tenantId, since, filter, () => `m.status <> 'PENDING'`);
  const events: MessageStatusChangedEvent[] = [];
  for (const r of rows) {
    const change = statusChangeOf(r);
    if (change) events.push({ ...fields(r), status: r.status, previousStatus: change.previousStatus, changedAt: change.changedAt.toISOString() });
  }
  return events;
}
