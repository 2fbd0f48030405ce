// Contact: the CRM's profile of a customer (userProfile), with its
// conversations and messages as connections; the root `contacts` connection.
import { getArgumentValues, getNamedType, isObjectType, type GraphQLResolveInfo } from 'graphql';
import { contactPage, contactWithConversations, countContacts, type ContactRow } from '../read/contacts.ts';
import { countConversations } from '../read/conversations.ts';
import { countMessages } from '../read/messages.ts';
import { encodeCursor, pageRequest, toConnection, type ConnectionArgs } from '../read/pagination.ts';
import { builder } from './builder.ts';
import { CONVERSATION_CURSOR, ConversationConnection, ConversationOrderEnum, ConversationWhere, conversationCursor, conversationFilterOf, lastMessageSelection, selectedConversationColumns } from './conversation.ts';
import { loadedAs, tenantOf } from './ids.ts';
import { EMPTY_PAGE, MessageConnection, MessageOrderEnum, MessageWhere, messageCursor, messageFilterOf, messagePageRequest, selectsPage } from './message.ts';
import { ContactRef, ConversationRef, MessageRef } from './refs.ts';
import type { ConversationOrder, ConversationPageQuery } from '../read/conversations.ts';
import type { Context } from './context.ts';
import { childFieldNodes, type SelectionInfo } from './selection.ts';
import { badInput } from '../domain/bad-input.ts';

export const CONTACT_CURSOR = 'P';
const contactCursor = (c: ContactRow) => encodeCursor(CONTACT_CURSOR, { time: new Date(0), id: c.id });

const CustomField = builder.objectRef<{ key: string; value: unknown }>('CustomField').implement({
  description: 'One custom field of the CRM profile (from extendsMap).',
  fields: (t) => ({
    key: t.exposeString('key'),
    value: t.expose('value', { type: 'JSON', nullable: true }),
  }),
});

/**
 * The custom fields in the CRM's order: the stored object (jsonb, which sorts
 * its keys) read in the order of extendsMap, the string they came as. Keys
 * that look like array indexes ("1", "2") come first whatever the order: a
 * JavaScript object keeps them so.
 */
function orderedCustomFields(c: Pick<ContactRow, 'customFields' | 'extendsMap'>): [string, unknown][] {
  const fields = (c.customFields ?? {}) as Record<string, unknown>;
  let order: string[] = [];
  try {
    const parsed: unknown = c.extendsMap ? JSON.parse(c.extendsMap) : null;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) order = Object.keys(parsed);
  } catch {
    /* not JSON: the stored order */
  }
  const keys = [...new Set([...order.filter((k) => Object.hasOwn(fields, k)), ...Object.keys(fields)])];
  return keys.map((k) => [k, fields[k]]);
}

const ContactOrderEnum = builder.enumType('ContactOrder', {
  values: { NEWEST_FIRST: { description: 'The default.' }, OLDEST_FIRST: {} } as const,
});

const ContactWhere = builder.inputType('ContactWhere', {
  fields: (t) => ({
    tag: t.string({ description: 'Contacts carrying this tag.' }),
    tags: t.stringList({ description: 'Contacts carrying all these tags.' }),
    whatsId: t.string(),
    externalId: t.string({ description: "The CRM's customer id, as a decimal string." }),
    ownerName: t.string({ description: 'The owning agent.' }),
    nameContains: t.string({ description: 'Part of the name, case-insensitive.' }),
    phone: t.string({
      description: 'Part of the WhatsApp number, 3 or more digits, written any way: spaces, "+", "-", ".", "()" and the @c.us suffix are ignored ("+91 84400-00002" finds 918440000002).',
    }),
    search: t.string({
      description: 'Contacts whose name contains it (case-insensitive), or carrying it as a tag (case-insensitive), or — when it is a phone number as for `phone` — whose number contains its digits.',
    }),
  }),
});

const ContactConnection = builder.connectionObject(
  {
    type: ContactRef,
    name: 'ContactConnection',
    fields: (t) => ({
      totalCount: t.int({
        description: 'How many contacts match (computed only when selected).',
        resolve: (connection) => (connection as { totalCount?: () => Promise<number> }).totalCount?.() ?? 0,
      }),
    }),
  },
  { name: 'ContactEdge' },
);

builder.node(ContactRef, {
  description: "A customer's profile as the CRM pushes it (userProfile).",
  id: { resolve: (c) => c.id },
  loadMany: (ids, ctx) => loadedAs('Contact', ids.map((id) => ctx.loaders.contact.load(String(id)))),
  fields: (t) => ({
    externalId: t.exposeString('externalId', { description: "The CRM's customer id (a Long) as an exact decimal string." }),
    name: t.exposeString('name', { nullable: true }),
    whatsId: t.exposeString('whatsId', { nullable: true }),
    ownerName: t.exposeString('ownerName', { nullable: true, description: 'The agent who owns this customer.' }),
    income: t.exposeString('income', { nullable: true }),
    profession: t.exposeString('profession', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
    email: t.exposeString('email', { nullable: true }),
    address: t.exposeString('address', { nullable: true }),
    tags: t.exposeStringList('tags'),
    customFields: t.field({
      type: [CustomField],
      description: 'Custom fields parsed from extendsMap, in their order.',
      resolve: (c) => orderedCustomFields(c).map(([key, value]) => ({ key, value })),
    }),
    customFieldsJson: t.field({ type: 'JSON', description: 'The custom fields as one JSON object, in their order.', resolve: (c) => Object.fromEntries(orderedCustomFields(c)) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    conversations: t.connection(
      {
        type: ConversationRef,
        args: { where: t.arg({ type: ConversationWhere }), orderBy: t.arg({ type: ConversationOrderEnum }) },
        resolve: async (c, args, ctx, info) => {
          const query = await contactConversationsQuery(ctx, args, info);
          // Read with the contact when the root `contact` field planned it (contactConversationsPlan).
          const page = await ctx.loaders.contactConversations.load({ parentId: c.id, query });
          return toConnection(page, conversationCursor, () => countConversations(ctx.services.db.pool, query.tenantId, { ...query.filter, contactId: c.id }, query.timeZone));
        },
      },
      ConversationConnection,
    ),
    messages: t.connection(
      {
        type: MessageRef,
        args: { where: t.arg({ type: MessageWhere }), orderBy: t.arg({ type: MessageOrderEnum }) },
        resolve: async (c, args, ctx, info) => {
          const tenantId = tenantOf(ctx);
          const filter = await messageFilterOf(ctx, args.where);
          const timeZone = ctx.services.config.legacyTimeZone;
          const query = { tenantId, filter, order: args.orderBy ?? 'CHAT_TIME_DESC', ...messagePageRequest(args, info, ctx), timeZone } as const;
          const page = selectsPage(info) ? await ctx.loaders.contactMessages.load({ parentId: c.id, query }) : EMPTY_PAGE;
          return toConnection(page, messageCursor, () => countMessages(ctx.services.db.pool, tenantId, { ...filter, contactId: c.id }, timeZone));
        },
      },
      MessageConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  contacts: t.connection(
    {
      type: ContactRef,
      description: 'Contact profiles of the tenant, newest first. Pages of 20 by default, at most 100.',
      authScopes: { read: true },
      args: { where: t.arg({ type: ContactWhere }), orderBy: t.arg({ type: ContactOrderEnum }) },
      resolve: async (_root, args, ctx) => {
        const tenantId = tenantOf(ctx);
        const filter = args.where ?? {};
        const page = await contactPage(ctx.services.db.pool, tenantId, filter, args.orderBy !== 'OLDEST_FIRST', pageRequest(CONTACT_CURSOR, args));
        return toConnection(page, contactCursor, () => countContacts(ctx.services.db.pool, tenantId, filter));
      },
    },
    ContactConnection,
  ),
  contact: t.field({
    type: ContactRef,
    nullable: true,
    description: "A contact by the CRM's customer id.",
    authScopes: { read: true },
    args: { externalId: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx, info) => {
      if (!/^-?\d{1,20}$/.test(args.externalId)) {
        throw badInput(`externalId must be a decimal id, got "${args.externalId.slice(0, 40)}"`);
      }
      const plan = await contactConversationsPlan(ctx, info);
      const read = await contactWithConversations(ctx.services.db.pool, tenantOf(ctx), { externalId: args.externalId }, plan);
      // The page its `conversations` field will ask for, under the same key.
      if (read.contact && plan && read.conversations) ctx.loaders.contactConversations.prime({ parentId: read.contact.id, query: plan }, read.conversations);
      return read.contact;
    },
  }),
}));

type ContactConversationsArgs = ConnectionArgs & { where?: typeof ConversationWhere.$inferInput | null; orderBy?: string | null };

/** The page query of Contact.conversations for these arguments and selection (one builder for the field and its plan). */
async function contactConversationsQuery(ctx: Context, args: ContactConversationsArgs, info: SelectionInfo): Promise<ConversationPageQuery> {
  return {
    tenantId: tenantOf(ctx),
    filter: await conversationFilterOf(ctx, args.where),
    order: (args.orderBy as ConversationOrder | null) ?? 'LAST_MESSAGE_DESC',
    page: pageRequest(CONVERSATION_CURSOR, args),
    timeZone: ctx.services.config.legacyTimeZone,
    lastMessage: lastMessageSelection(info),
    columns: selectedConversationColumns(info),
  };
}

/**
 * The conversations page a `contact` field's selection will ask for (its
 * first `conversations` field), so that the root reads it in the contact's
 * own statement; null when not selected or when its arguments do not make a
 * query (the field then says why, at its own path).
 */
async function contactConversationsPlan(ctx: Context, info: GraphQLResolveInfo): Promise<ConversationPageQuery | null> {
  const [nodes] = childFieldNodes(info, 'conversations');
  const contactType = getNamedType(info.returnType);
  if (!nodes || !isObjectType(contactType)) return null;
  const field = contactType.getFields().conversations;
  if (!field) return null;
  try {
    const args = getArgumentValues(field, nodes[0]!, info.variableValues) as ContactConversationsArgs;
    return await contactConversationsQuery(ctx, args, { fieldNodes: nodes, fragments: info.fragments });
  } catch {
    return null;
  }
}
