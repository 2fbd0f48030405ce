// Conversation: one agent account × one friend (or group), with counters and
// the last message kept on write; its messages as a connection; the root
// `conversations` connection (e.g. today's conversations of an agent).
import type { ChatType } from '../domain/codes.ts';
import { countConversations, conversationPages, type ConversationColumn, type ConversationFilter, type ConversationOrder, type ConversationRow } from '../read/conversations.ts';
import type { GraphQLResolveInfo } from 'graphql';
import { countMessages, joinedLastMessage, type MessageColumn } from '../read/messages.ts';
import { encodeCursor, pageRequest, toConnection } from '../read/pagination.ts';
import { builder } from './builder.ts';
import { ChatTypeEnum } from './enums.ts';
import { loadedAs, rowIdOf, tenantOf } from './ids.ts';
import { EMPTY_PAGE, MessageConnection, MessageOrderEnum, MessageWhere, columnsFor, messageCursor, messageFilterOf, messagePageRequest, selectedMessageColumns, selectsPage } from './message.ts';
import { onSelection, selectedFieldNames, selects, type SelectionInfo } from './selection.ts';
import type { Context } from './context.ts';
import { agentFilterOf } from './agent-filter.ts';
import { ContactRef, ConversationRef, MessageRef } from './refs.ts';

export const CONVERSATION_CURSOR = 'C';
export const conversationCursor = (c: ConversationRow) => encodeCursor(CONVERSATION_CURSOR, { time: c.lastMessageAt ?? new Date(0), id: c.id });

/** The last message's columns the conversations' selection reads, to join into their page; null when not selected. */
export function lastMessageSelection(info: SelectionInfo): { columns: readonly MessageColumn[] | undefined } | null {
  const path = ['edges', 'node', 'lastMessage'];
  return selects(info, path) ? { columns: selectedMessageColumns(info, [path]).columns } : null;
}

// The columns each field reads (besides the key columns every page row
// carries); a field missing here makes the page read every column.
const CONVERSATION_FIELD_COLUMNS: Record<string, readonly ConversationColumn[]> = {
  __typename: [], id: [], lastMessageAt: [], messageCount: [], lastMessage: [], contact: [], messages: [],
  accountWhatsId: ['accountWhatsId'], friendWhatsId: ['friendWhatsId'], friendName: ['friendName'], chatType: ['chatType'],
  agentId: ['agentId'], agentAccount: ['agentAccount'], unreadCount: ['unreadCount'], createdAt: ['createdAt'],
};

/** The conversation columns a connection's selection of its nodes reads (undefined: all). */
export function selectedConversationColumns(info: SelectionInfo): readonly ConversationColumn[] | undefined {
  return onSelection(info, 'conversationColumns', () => {
    const fields = new Set([...selectedFieldNames(info, ['edges', 'node']), ...selectedFieldNames(info, ['nodes'])]);
    return columnsFor(fields, CONVERSATION_FIELD_COLUMNS);
  });
}

export const ConversationOrderEnum = builder.enumType('ConversationOrder', {
  values: {
    LAST_MESSAGE_DESC: { description: 'Most recently active first (the default).' },
    LAST_MESSAGE_ASC: { description: 'Least recently active first.' },
  } as const,
});

export const ConversationWhere = builder.inputType('ConversationWhere', {
  fields: (t) => ({
    accountWhatsId: t.string({ description: "The agent's WhatsApp account." }),
    friendWhatsId: t.string(),
    chatType: t.field({ type: ChatTypeEnum }),
    contactId: t.id({ description: 'A Contact id.' }),
    contactTag: t.string({ description: "Conversations whose contact carries this tag." }),
    agentAccount: t.string({ description: 'The agent login of the newest message, exact; with `day`, any message of this login that day.' }),
    agentId: t.string({
      description: "A seat id (CLIENT_SYNC userId), through the agent directory: the conversations whose newest message is the seat's (naming it, or its agent's login on the accounts the seat was seen on); with `day`, those with any message of the seat that day.",
    }),
    agent: t.id({ description: 'An Agent id: as `agentId`, for all of the agent\'s seats and its login on every account.' }),
    hasUnread: t.boolean(),
    lastMessageFrom: t.field({ type: 'DateTime' }),
    lastMessageTo: t.field({ type: 'DateTime' }),
    day: t.string({ description: 'Conversations with a message on this local day "YYYY-MM-DD" (LEGACY_TIME_ZONE).' }),
  }),
});

type ConversationWhereShape = typeof ConversationWhere.$inferInput;

export async function conversationFilterOf(ctx: Context, where: ConversationWhereShape | null | undefined): Promise<ConversationFilter> {
  if (!where) return {};
  const { agentId, agent: agentGlobalId, ...rest } = where;
  const agent = await agentFilterOf(ctx, { agent: agentGlobalId, seatId: agentId }, { agent: 'where.agent', seatId: 'where.agentId' });
  return {
    ...rest,
    ...(agent ? { agent } : {}),
    chatType: where.chatType as ChatType | null | undefined,
    contactId: where.contactId ? rowIdOf(String(where.contactId), 'Contact', 'where.contactId') : null,
  };
}

export const ConversationConnection = builder.connectionObject(
  {
    type: ConversationRef,
    name: 'ConversationConnection',
    fields: (t) => ({
      totalCount: t.int({
        description: 'How many conversations match (computed only when selected).',
        resolve: (connection) => (connection as { totalCount?: () => Promise<number> }).totalCount?.() ?? 0,
      }),
    }),
  },
  { name: 'ConversationEdge' },
);

builder.node(ConversationRef, {
  description: 'All messages between one agent account and one friend (a person or a group).',
  id: { resolve: (c) => c.id },
  loadMany: (ids, ctx) => loadedAs('Conversation', ids.map((id) => ctx.loaders.conversation.load(String(id)))),
  fields: (t) => ({
    accountWhatsId: t.exposeString('accountWhatsId', { description: "The agent's WhatsApp account, as first seen." }),
    friendWhatsId: t.exposeString('friendWhatsId', { description: 'The friend or group, as first seen.' }),
    friendName: t.exposeString('friendName', { nullable: true }),
    chatType: t.expose('chatType', { type: ChatTypeEnum }),
    agentId: t.exposeString('agentId', { nullable: true, description: 'The agent of the newest message.' }),
    agentAccount: t.exposeString('agentAccount', { nullable: true }),
    messageCount: t.exposeInt('messageCount'),
    unreadCount: t.exposeInt('unreadCount', { description: 'Inbound messages not yet READ.' }),
    lastMessageAt: t.expose('lastMessageAt', { type: 'DateTime', nullable: true }),
    lastMessage: t.field({
      type: MessageRef,
      nullable: true,
      resolve: (c, _args, ctx) => {
        // Joined into the conversation page when the operation selected it; else loaded in a batch.
        const joined = joinedLastMessage(c);
        if (joined !== undefined) return joined;
        return c.lastMessageId ? ctx.loaders.message.load(c.lastMessageId) : null;
      },
    }),
    contact: t.field({
      type: ContactRef,
      nullable: true,
      description: "The friend's contact profile, if known.",
      resolve: (c, _args, ctx) => (c.contactId ? ctx.loaders.contact.load(c.contactId) : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    messages: t.connection(
      {
        type: MessageRef,
        description: 'Its messages, newest first unless ordered otherwise.',
        args: { where: t.arg({ type: MessageWhere }), orderBy: t.arg({ type: MessageOrderEnum }) },
        resolve: async (c, args, ctx, info) => {
          const tenantId = tenantOf(ctx);
          const filter = await messageFilterOf(ctx, args.where);
          const query = { tenantId, filter, order: args.orderBy ?? 'CHAT_TIME_DESC', ...messagePageRequest(args, info, ctx), timeZone: ctx.services.config.legacyTimeZone } as const;
          // Only totalCount selected: no page to read.
          const page = selectsPage(info) ? await ctx.loaders.conversationMessages.load({ parentId: c.id, query }) : EMPTY_PAGE;
          const unfiltered = Object.values(filter).every((v) => v == null);
          return toConnection(page, messageCursor, async () =>
            unfiltered
              ? c.messageCount
              : countMessages(ctx.services.db.pool, tenantId, { ...filter, conversationId: c.id }, ctx.services.config.legacyTimeZone, ctx.loaders.messageTotals),
          );
        },
      },
      MessageConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  conversations: t.connection(
    {
      type: ConversationRef,
      description: 'Conversations of the tenant, most recently active first. Pages of 20 by default, at most 100.',
      authScopes: { read: true },
      args: { where: t.arg({ type: ConversationWhere }), orderBy: t.arg({ type: ConversationOrderEnum }) },
      resolve: async (_root, args, ctx, info) => {
        const tenantId = tenantOf(ctx);
        const filter = await conversationFilterOf(ctx, args.where);
        const timeZone = ctx.services.config.legacyTimeZone;
        const pages = await conversationPages(ctx.services.db.pool, {
          tenantId, filter, order: (args.orderBy as ConversationOrder | null) ?? 'LAST_MESSAGE_DESC', page: pageRequest(CONVERSATION_CURSOR, args), timeZone,
          lastMessage: lastMessageSelection(info), columns: selectedConversationColumns(info),
        });
        return toConnection(pages.get('')!, conversationCursor, () => countConversations(ctx.services.db.pool, tenantId, filter, timeZone));
      },
    },
    ConversationConnection,
  ),
}));
