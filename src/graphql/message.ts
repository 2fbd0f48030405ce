// Message: every stored field in the users' words, its typed content, its
// conversation and contact; and the root `messages` connection
// (`searchMessages` is in search.ts).
import type { ChatType, Direction } from '../domain/codes.ts';
import { msgPageCodeOf, clientCodeOf, type ContentType } from '../domain/content-type.ts';
import type { MessageStatus } from '../domain/status.ts';
import type { GraphQLResolveInfo } from 'graphql';
import { countMessages, joinedContact, messagePage, type ContactColumn, type MessageColumn, type MessageFilter, type MessageOrder, type MessageRow, type MessageSearchOrder, type WithAgentDirectory } from '../read/messages.ts';
import type { SearchQuery } from '../read/search.ts';
import { encodeCursor, pageRequest, toConnection, type ConnectionArgs, type Page, type PageRequest } from '../read/pagination.ts';
import { onSelection, selectedFieldNames, selects, type SelectionInfo } from './selection.ts';
import { CONTACT_COLUMN_NAMES } from '../read/contacts.ts';
import { builder } from './builder.ts';
import { MessageContentUnion, QuotedMessageRef } from './content.ts';
import { ChatTypeEnum, ContentTypeEnum, DirectionEnum, MessageStatusEnum, OriginEnum } from './enums.ts';
import { loadedAs, rowIdOf, tenantOf } from './ids.ts';
import { ContactRef, ConversationRef, DIRECTORY_MESSAGE_FIELDS, MessageRef } from './refs.ts';
import type { Context } from './context.ts';
import { agentFilterOf } from './agent-filter.ts';
import { badInput } from '../domain/bad-input.ts';
import { MESSAGE_FIELD_COLUMNS } from '../domain/message-columns.ts';

export const MESSAGE_CURSOR = 'M';
/** A row's cursor; a search result by relevance carries its rank (`_rank`) in it too. */
export const messageCursor = (m: MessageRow) => {
  const rank = (m as { _rank?: number })._rank;
  return encodeCursor(MESSAGE_CURSOR, { time: m.chatTime, id: m.id, ...(rank !== undefined ? { rank } : {}) });
};

export const MessageOrderEnum = builder.enumType('MessageOrder', {
  values: {
    CHAT_TIME_DESC: { description: 'Newest first (the default).' },
    CHAT_TIME_ASC: { description: 'Oldest first.' },
  } as const,
});

export const MessageWhere = builder.inputType('MessageWhere', {
  description: 'Filters; all given ones must hold. WhatsApp ids match with or without their @c.us / @g.us suffix.',
  fields: (t) => ({
    conversationId: t.id({ description: 'A Conversation id.' }),
    contactId: t.id({ description: 'A Contact id.' }),
    friendWhatsId: t.string({ description: 'The friend (or group).' }),
    accountWhatsId: t.string({ description: "The agent's WhatsApp account." }),
    agentAccount: t.string({ description: 'The agent login account, exact.' }),
    agentId: t.string(),
    chatType: t.field({ type: ChatTypeEnum }),
    direction: t.field({ type: DirectionEnum }),
    contentTypes: t.field({ type: [ContentTypeEnum] }),
    statuses: t.field({ type: [MessageStatusEnum] }),
    chatTimeFrom: t.field({ type: 'DateTime', description: 'Chat time at or after.' }),
    chatTimeTo: t.field({ type: 'DateTime', description: 'Chat time at or before.' }),
    day: t.string({ description: 'A local day "YYYY-MM-DD" in the legacy time zone (LEGACY_TIME_ZONE).' }),
    contactTag: t.string({
      description: "Messages of the contacts carrying this tag: those carrying their profile and the others of the conversations linked to them (as contactExternalId).",
    }),
    contactExternalId: t.string({
      description: "The contact's CRM id (userProfile.id, a decimal string): the messages carrying its profile and the others of the conversations linked to it.",
    }),
    whatsMessageIds: t.stringList({ description: 'WhatsApp message ids.' }),
    agent: t.id({
      description: "An Agent id: the agent's messages, those naming its login (MSG_SYNC) or one of its seat ids (CLIENT_SYNC), on every account it served.",
    }),
    agentSeatId: t.string({
      description: "A seat id through the agent directory: the messages naming it (CLIENT_SYNC) and those naming its agent's login (MSG_SYNC) on the accounts the seat was seen on. `agentId` matches the seat id as stored only.",
    }),
  }),
});

type MessageWhereShape = typeof MessageWhere.$inferInput;

export async function messageFilterOf(ctx: Context, where: MessageWhereShape | null | undefined): Promise<MessageFilter> {
  if (!where) return {};
  const agent = await agentFilterOf(ctx, { agent: where.agent, seatId: where.agentSeatId }, { agent: 'where.agent', seatId: 'where.agentSeatId' });
  return {
    ...(agent ? { agent } : {}),
    conversationId: where.conversationId ? rowIdOf(String(where.conversationId), 'Conversation', 'where.conversationId') : null,
    contactId: where.contactId ? rowIdOf(String(where.contactId), 'Contact', 'where.contactId') : null,
    friendWhatsId: where.friendWhatsId,
    accountWhatsId: where.accountWhatsId,
    agentAccount: where.agentAccount,
    agentId: where.agentId,
    chatType: where.chatType as ChatType | null | undefined,
    direction: where.direction as Direction | null | undefined,
    contentTypes: where.contentTypes as ContentType[] | null | undefined,
    statuses: where.statuses as MessageStatus[] | null | undefined,
    chatTimeFrom: where.chatTimeFrom,
    chatTimeTo: where.chatTimeTo,
    day: where.day,
    contactTag: where.contactTag,
    contactExternalId: contactExternalIdOf(where.contactExternalId),
    whatsMessageIds: where.whatsMessageIds,
  };
}

function contactExternalIdOf(value: string | null | undefined): string | null {
  if (value == null || value === '') return null;
  if (!/^-?\d{1,20}$/.test(value)) {
    throw badInput(`where.contactExternalId must be a decimal id, got "${value.slice(0, 40)}"`);
  }
  return value;
}

export const MessageConnection = builder.connectionObject(
  {
    type: MessageRef,
    name: 'MessageConnection',
    fields: (t) => ({
      totalCount: t.int({
        description: 'How many messages match (from counters where the filter allows; computed only when selected).',
        resolve: (connection) => (connection as { totalCount?: () => Promise<number> }).totalCount?.() ?? 0,
      }),
    }),
  },
  { name: 'MessageEdge' },
);

builder.node(MessageRef, {
  description: 'One WhatsApp message.',
  id: { resolve: (m) => m.id },
  loadMany: (ids, ctx) => loadedAs('Message', ids.map((id) => ctx.loaders.message.load(String(id)))),
  fields: (t) => ({
    recordId: t.exposeString('id', { description: 'The record id, as msgPage writes it ("2082").' }),
    whatsMessageId: t.exposeString('whatsMessageId', { description: "WhatsApp's message id." }),
    syncId: t.exposeString('syncId', { nullable: true, description: "MSG_SYNC_MESSAGE's sync record id." }),
    accountWhatsId: t.exposeString('accountWhatsId', { description: "The agent's WhatsApp account the chat runs on, as it came." }),
    senderWhatsId: t.exposeString('senderWhatsId', { nullable: true, description: 'Who sent it (in a group: which member).' }),
    friendWhatsId: t.exposeString('friendWhatsId', { description: 'The friend, or the group in a group chat, as it came.' }),
    friendName: t.exposeString('friendName', { nullable: true }),
    agentId: t.exposeString('agentId', { nullable: true, description: 'The agent (seat) id.' }),
    agentAccount: t.exposeString('agentAccount', { nullable: true, description: 'The agent login account.' }),
    direction: t.expose('direction', { type: DirectionEnum }),
    chatType: t.expose('chatType', { type: ChatTypeEnum }),
    contentType: t.expose('contentType', { type: ContentTypeEnum }),
    msgPageContentType: t.int({ description: "The content type in msgPage's numbering.", resolve: (m) => msgPageCodeOf(m.contentType) }),
    clientContentType: t.int({ description: "The content type in the client's numbering.", resolve: (m) => clientCodeOf(m.contentType) }),
    status: t.expose('status', { type: MessageStatusEnum }),
    pendingAt: t.expose('pendingAt', { type: 'DateTime', nullable: true, description: "When it was PENDING (not yet on WhatsApp's server): its chat time, whichever webhook brought it (the moment it was written); null when first seen past PENDING." }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    readAt: t.expose('readAt', { type: 'DateTime', nullable: true }),
    origin: t.expose('origin', { type: OriginEnum, nullable: true }),
    taskId: t.exposeString('taskId', { nullable: true, description: 'Bulk-send task id.' }),
    taskInfoId: t.exposeString('taskInfoId', { nullable: true, description: 'Bulk-send task item id.' }),
    chatTime: t.expose('chatTime', { type: 'DateTime' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was stored.' }),
    rawContent: t.exposeString('content', { description: 'The content exactly as it came: text, a JSON string or vCard text.' }),
    referContent: t.exposeString('referContent', { nullable: true, description: 'The quoted message as the client sent it (CLIENT_SYNC_MESSAGE).' }),
    content: t.field({ type: MessageContentUnion, description: 'The content, typed.', resolve: (m) => m.parsedContent }),
    conversation: t.field({
      type: ConversationRef,
      resolve: async (m, _args, ctx) => (await ctx.loaders.conversation.load(m.conversationId))!,
    }),
    contact: t.field({
      type: ContactRef,
      nullable: true,
      description: "The friend's contact profile, when the CRM sent one.",
      resolve: (m, _args, ctx) => {
        // Joined into the page when the operation selected it; else loaded in a batch.
        const joined = joinedContact(m);
        if (joined !== undefined) return joined;
        return m.contactId ? ctx.loaders.contact.load(m.contactId) : null;
      },
    }),
  }),
});

builder.objectField(QuotedMessageRef, 'message', (t) =>
  t.field({
    type: MessageRef,
    nullable: true,
    description: 'The quoted message itself, when it is stored.',
    resolve: (q, _args, ctx) => (q.messageId ? ctx.loaders.messageByWhatsId.load(q.messageId) : null),
  }),
);

/** The page of a connection whose page is not selected (only totalCount). */
export const EMPTY_PAGE: Page<MessageRow> = Object.freeze({ rows: [], hasNextPage: false, hasPreviousPage: false }) as Page<MessageRow>;

/** Whether a connection field's selection reads its page (edges, nodes or pageInfo), not only totalCount. */
export function selectsPage(info: GraphQLResolveInfo): boolean {
  return selects(info, ['edges']) || selects(info, ['nodes']) || selects(info, ['pageInfo']);
}

/**
 * A message page as the operation needs it: contacts joined into the same
 * statement when selected, and the look past the cursor only when the page
 * info it answers is selected.
 */
export function messagePageRequest(
  args: ConnectionArgs,
  info: GraphQLResolveInfo,
  ctx: Context,
): { page: PageRequest; columns: readonly MessageColumn[] | undefined; contactColumns: readonly ContactColumn[] | null; withAgentDirectory: boolean } {
  const page = pageRequest(MESSAGE_CURSOR, args);
  page.probe = selects(info, ['pageInfo', page.forward ? 'hasPreviousPage' : 'hasNextPage']);
  const paths = [['edges', 'node'], ['nodes']] as const;
  return { page, ...selectedMessageColumns(info, paths), withAgentDirectory: wantsAgentDirectory(ctx, info, paths) };
}

/** Hands the agent directory a page read in its own statement (wantsAgentDirectory) to the request's loaders. */
export function giveDirectoryOf(ctx: Context, page: object): void {
  const { agentDirectory } = page as Partial<WithAgentDirectory>;
  if (agentDirectory) ctx.loaders.giveAgentDirectory(agentDirectory);
}

/**
 * Whether a page of messages reads the tenant's agent directory in its own
 * statement: when the messages at `paths` select a field that needs it
 * (DIRECTORY_MESSAGE_FIELDS) and this request has not read it yet. The page
 * then hands it to the request's loaders, and the fields find it there.
 */
export function wantsAgentDirectory(ctx: Context, info: SelectionInfo, paths: readonly (readonly string[])[]): boolean {
  return !ctx.loaders.hasAgentDirectory() && paths.some((path) => DIRECTORY_MESSAGE_FIELDS.some((field) => selects(info, [...path, field])));
}

/**
 * The message (and joined contact) columns that the operation's selection of
 * the messages at `paths` below this field reads; undefined columns = all.
 */
export function selectedMessageColumns(
  info: SelectionInfo,
  paths: readonly (readonly string[])[],
): { readonly columns: readonly MessageColumn[] | undefined; readonly contactColumns: readonly ContactColumn[] | null } {
  return onSelection(info, `messageColumns:${paths.map((p) => p.join('.')).join('|')}`, () => {
    const fields = new Set(paths.flatMap((p) => [...selectedFieldNames(info, p)]));
    const contactFields = new Set(paths.flatMap((p) => [...selectedFieldNames(info, [...p, 'contact'])]));
    return {
      columns: columnsFor(fields, MESSAGE_FIELD_COLUMNS),
      contactColumns: fields.has('contact') ? (columnsFor(contactFields, CONTACT_FIELD_COLUMNS) ?? [...CONTACT_COLUMN_NAMES]) : null,
    };
  });
}

const CONTACT_FIELD_COLUMNS: Record<string, readonly ContactColumn[]> = {
  __typename: [], id: [], conversations: [], messages: [],
  externalId: ['externalId'], name: ['name'], whatsId: ['whatsId'], ownerName: ['ownerName'], income: ['income'],
  profession: ['profession'], description: ['description'], email: ['email'], address: ['address'], tags: ['tags'],
  customFields: ['customFields', 'extendsMap'], customFieldsJson: ['customFields', 'extendsMap'], createdAt: ['createdAt'], updatedAt: ['updatedAt'],
};

/** The columns the selected fields read (`table`); undefined (all) when a field is not in it. */
export function columnsFor<C extends string>(fields: ReadonlySet<string>, table: Record<string, readonly C[]>): C[] | undefined {
  const columns = new Set<C>();
  for (const field of fields) {
    const needs = table[field];
    if (!needs) return undefined;
    for (const c of needs) columns.add(c);
  }
  return [...columns].sort();
}

export async function rootMessages(
  ctx: Context,
  info: GraphQLResolveInfo,
  args: ConnectionArgs & { where?: MessageWhereShape | null; orderBy?: MessageSearchOrder | null },
  search?: SearchQuery,
) {
  const tenantId = tenantOf(ctx);
  const request = messagePageRequest(args, info, ctx);
  // A search result's snippet is cut from its searched text.
  if (search && request.columns) request.columns = [...request.columns, 'searchText'];
  const filter = { ...(await messageFilterOf(ctx, args.where)), ...(search ? { search } : {}) };
  const timeZone = ctx.services.config.legacyTimeZone;
  // Only totalCount selected: no page to read.
  const rows = selectsPage(info)
    ? await messagePage(ctx.services.db.pool, { tenantId, filter, order: args.orderBy ?? 'CHAT_TIME_DESC', timeZone, ...request })
    : EMPTY_PAGE;
  giveDirectoryOf(ctx, rows);
  return toConnection(rows, messageCursor, () => countMessages(ctx.services.db.pool, tenantId, filter, timeZone, ctx.loaders.messageTotals));
}

builder.queryFields((t) => ({
  messages: t.connection(
    {
      type: MessageRef,
      description: 'Messages of the tenant, newest first unless ordered otherwise. Pages of 20 by default, at most 100.',
      authScopes: { read: true },
      args: {
        where: t.arg({ type: MessageWhere }),
        orderBy: t.arg({ type: MessageOrderEnum }),
      },
      resolve: (_root, args, ctx, info) => rootMessages(ctx, info, args),
    },
    MessageConnection,
  ),
}));
