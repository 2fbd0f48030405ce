// Supervisor's aggregates: message counts by bucket and dimension, the
// awaiting-reply queue, per-agent load. All read roll-ups kept on write
// (src/read/aggregates.ts, prisma/sql/aggregates.sql).
import type { ChatType, Direction } from '../domain/codes.ts';
import type { ContentType } from '../domain/content-type.ts';
import { isValidTimeZone } from '../domain/local-time.ts';
import type { MessageStatus } from '../domain/status.ts';
import {
  agentLoad, awaitingReply, messageCounts, type AgentLoadRow, type AwaitingFilter, type AwaitingRow, type CountDimension, type CountFilter,
  type CountInterval, type CountResult, type CountRow,
} from '../read/aggregates.ts';
import { builder } from './builder.ts';
import { ChatTypeEnum, ContentTypeEnum, DirectionEnum, MessageStatusEnum } from './enums.ts';
import { tenantOf } from './ids.ts';
import { ConversationRef } from './refs.ts';
import { badInput } from '../domain/bad-input.ts';

export const CountIntervalEnum = builder.enumType('CountInterval', {
  values: {
    HOUR: { description: 'One bucket per local hour of the zone.' },
    DAY: { description: 'One bucket per local day of the zone.' },
    RANGE: { description: 'One bucket for the whole range.' },
  } as const,
});

export const DIMENSION_OF = {
  DIRECTION: 'direction',
  STATUS: 'status',
  CONTENT_TYPE: 'contentType',
  CHAT_TYPE: 'chatType',
  AGENT: 'agentAccount',
  ACCOUNT: 'accountWhatsId',
} as const satisfies Record<string, CountDimension>;

export const MessageCountDimensionEnum = builder.enumType('MessageCountDimension', {
  description: 'What message counts can be split by.',
  values: {
    DIRECTION: { description: 'OUTBOUND / INBOUND.' },
    STATUS: { description: 'The current status (a status update moves its message to the later status).' },
    CONTENT_TYPE: {},
    CHAT_TYPE: {},
    AGENT: { description: "The agent's login (agentAccount); null for messages without one." },
    ACCOUNT: { description: "The agent's WhatsApp account, bare (no @c.us suffix)." },
  } as const,
});

export const MessageCountWhere = builder.inputType('MessageCountWhere', {
  description: 'Counts only the messages that match every given field (a list: any of its values).',
  fields: (t) => ({
    direction: t.field({ type: DirectionEnum }),
    status: t.field({ type: [MessageStatusEnum] }),
    contentType: t.field({ type: [ContentTypeEnum] }),
    chatType: t.field({ type: ChatTypeEnum }),
    agentAccount: t.stringList({ description: 'Agent logins; "" for messages without an agent.' }),
    accountWhatsId: t.stringList({ description: "The agent's WhatsApp accounts (with or without @c.us)." }),
  }),
});

export function countFilterOf(where: typeof MessageCountWhere.$inferInput | null | undefined): CountFilter {
  if (!where) return {};
  return {
    direction: where.direction as Direction | null | undefined,
    status: where.status as MessageStatus[] | null | undefined,
    contentType: where.contentType as ContentType[] | null | undefined,
    chatType: where.chatType as ChatType | null | undefined,
    agentAccount: where.agentAccount,
    accountWhatsId: where.accountWhatsId,
  };
}

/** The zone argument, or LEGACY_TIME_ZONE; a name the runtime does not know is refused. */
export function timeZoneArg(zone: string | null | undefined, fallback: string): string {
  if (zone == null) return fallback;
  if (!isValidTimeZone(zone)) {
    throw badInput(`timeZone must be an IANA zone such as "Asia/Shanghai", got ${JSON.stringify(zone.slice(0, 64))}`);
  }
  return zone;
}

export const MessageCountRowRef = builder.objectRef<CountRow>('MessageCountRow').implement({
  description: 'Messages of one bucket and one combination of the split dimensions (the others are null).',
  fields: (t) => ({
    bucketStart: t.field({ type: 'DateTime', resolve: (r) => r.bucketStart }),
    bucketLocal: t.exposeString('bucketLocal', { description: 'The bucket\'s start on the zone\'s wall clock, "YYYY-MM-DDTHH:MM".' }),
    direction: t.field({ type: DirectionEnum, nullable: true, resolve: (r) => r.direction }),
    status: t.field({ type: MessageStatusEnum, nullable: true, resolve: (r) => r.status }),
    contentType: t.field({ type: ContentTypeEnum, nullable: true, resolve: (r) => r.contentType }),
    chatType: t.field({ type: ChatTypeEnum, nullable: true, resolve: (r) => r.chatType }),
    agentAccount: t.exposeString('agentAccount', { nullable: true }),
    accountWhatsId: t.exposeString('accountWhatsId', { nullable: true }),
    count: t.exposeInt('count'),
  }),
});

const MessageCounts = builder.objectRef<CountResult & { timeZone: string }>('MessageCounts').implement({
  fields: (t) => ({
    total: t.exposeInt('total', { description: 'Messages in the range that match the filter.' }),
    timeZone: t.exposeString('timeZone'),
    rows: t.field({ type: [MessageCountRowRef], description: 'Non-empty cells, by bucket then by the split values.', resolve: (r) => r.rows }),
  }),
});

const AwaitingConversation = builder.objectRef<AwaitingRow>('AwaitingConversation').implement({
  description: 'A conversation whose newest inbound message is newer than its newest outbound one.',
  fields: (t) => ({
    conversation: t.field({
      type: ConversationRef,
      resolve: async (r, _args, ctx) => {
        const c = await ctx.loaders.conversation.load(r.conversationId);
        if (!c) throw new Error(`conversation ${r.conversationId} is awaiting a reply but was not found`);
        return c;
      },
    }),
    since: t.field({ type: 'DateTime', description: 'The oldest unanswered inbound message: the wait is now − since (not a field, so that answers do not depend on when they are read).', resolve: (r) => r.since }),
    lastInboundAt: t.field({ type: 'DateTime', resolve: (r) => r.lastInboundAt }),
    agentAccount: t.exposeString('agentAccount', { nullable: true, description: 'The agent of the newest message.' }),
    accountWhatsId: t.exposeString('accountWhatsId'),
    chatType: t.field({ type: ChatTypeEnum, resolve: (r) => r.chatType }),
  }),
});

export const AwaitingReplyQueue = builder
  .objectRef<{ total: number; oldestSince: Date | null; items: AwaitingRow[] }>('AwaitingReplyQueue')
  .implement({
    fields: (t) => ({
      total: t.exposeInt('total', { description: 'Conversations awaiting a reply that match the filter.' }),
      oldestSince: t.field({ type: 'DateTime', nullable: true, resolve: (q) => q.oldestSince }),
      items: t.field({ type: [AwaitingConversation], description: 'Longest waiting first.', resolve: (q) => q.items }),
    }),
  });

export const AwaitingReplyWhere = builder.inputType('AwaitingReplyWhere', {
  fields: (t) => ({
    agentAccount: t.stringList({ description: 'Agent logins of the newest message; "" for none.' }),
    accountWhatsId: t.stringList(),
    chatType: t.field({ type: ChatTypeEnum }),
    contactTag: t.string({ description: "Conversations whose contact carries this tag." }),
  }),
});

const AgentLoad = builder.objectRef<AgentLoadRow>('AgentLoad').implement({
  fields: (t) => ({
    agentAccount: t.exposeString('agentAccount', { nullable: true, description: 'null: messages stored without an agent.' }),
    messagesSent: t.exposeInt('messagesSent', { description: 'Outbound messages in the range.' }),
    messagesReceived: t.exposeInt('messagesReceived', { description: 'Inbound messages in the range.' }),
    awaitingReply: t.exposeInt('awaitingReply', { description: 'Conversations awaiting a reply now whose newest message is this agent\'s.' }),
    oldestAwaitingSince: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.oldestAwaitingSince }),
  }),
});

const MAX_AWAITING_PAGE = 500;

export function awaitingFirstArg(first: number | null | undefined): number {
  const n = first ?? 50;
  if (n < 0 || n > MAX_AWAITING_PAGE) {
    throw badInput(`first must be between 0 and ${MAX_AWAITING_PAGE}, got ${n}`);
  }
  return n;
}

export function awaitingFilterOf(where: typeof AwaitingReplyWhere.$inferInput | null | undefined): AwaitingFilter {
  const w = where ?? {};
  return { agentAccount: w.agentAccount, accountWhatsId: w.accountWhatsId, chatType: w.chatType as ChatType | null | undefined, contactTag: w.contactTag };
}

builder.queryFields((t) => ({
  messageCounts: t.field({
    type: MessageCounts,
    description:
      'Message counts per local hour or day of a zone (by chat time), split by any of the dimensions. ' +
      'Read from roll-ups kept on write: O(buckets), exact. `from` and `to` fall on quarter hours.',
    authScopes: { read: true },
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true, description: 'Exclusive.' }),
      timeZone: t.arg.string({ description: 'An IANA zone; LEGACY_TIME_ZONE by default.' }),
      interval: t.arg({ type: CountIntervalEnum, defaultValue: 'HOUR' }),
      groupBy: t.arg({ type: [MessageCountDimensionEnum], defaultValue: [] }),
      where: t.arg({ type: MessageCountWhere }),
    },
    resolve: async (_root, args, ctx) => {
      const timeZone = timeZoneArg(args.timeZone, ctx.services.config.legacyTimeZone);
      const groupBy = [...new Set((args.groupBy ?? []).map((d) => DIMENSION_OF[d as keyof typeof DIMENSION_OF]))];
      const result = await messageCounts(ctx.services.db.pool, {
        tenantId: tenantOf(ctx), from: args.from, to: args.to, timeZone,
        interval: (args.interval ?? 'HOUR') as CountInterval, groupBy, filter: countFilterOf(args.where),
      });
      return { ...result, timeZone };
    },
  }),
  awaitingReply: t.field({
    type: AwaitingReplyQueue,
    description: 'Conversations awaiting a reply (their newest inbound message is newer than their newest outbound one), longest waiting first.',
    authScopes: { read: true },
    args: {
      where: t.arg({ type: AwaitingReplyWhere }),
      first: t.arg.int({ defaultValue: 50, description: `At most ${MAX_AWAITING_PAGE}.` }),
    },
    resolve: (_root, args, ctx) => awaitingReply(ctx.services.db.pool, tenantOf(ctx), awaitingFilterOf(args.where), awaitingFirstArg(args.first)),
  }),
  agentLoad: t.field({
    type: [AgentLoad],
    description: 'Per agent: messages sent and received in the range, and conversations awaiting its reply now; busiest first.',
    authScopes: { read: true },
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true, description: 'Exclusive.' }),
      accountWhatsId: t.arg.stringList(),
    },
    resolve: (_root, args, ctx) => agentLoad(ctx.services.db.pool, tenantOf(ctx), args.from, args.to, { accountWhatsId: args.accountWhatsId }),
  }),
}));
