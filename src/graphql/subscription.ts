// Live dashboards: `messageAdded` and `messageStatusChanged`, over graphql-ws
// and SSE alike. Events come from the one ingest path after commit, on
// topics of the viewer's tenant only; `where` narrows them; `since` first
// replays what was missed (rebuilt from the stored messages) and then goes
// live, without gaps or repeats.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { LiveTopic } from '../events/live-hub.ts';
import type { MessageAddedEvent, MessageStatusChangedEvent } from '../events/pubsub.ts';
import { addedSince, matchesEventFilter, statusChangesSince, type MessageEventFilter } from '../read/message-events.ts';
import { builder } from './builder.ts';
import type { Context } from './context.ts';
import { MessageStatusEnum } from './enums.ts';
import { rowIdOf, tenantOf } from './ids.ts';
import { idProblem } from '../domain/text.ts';
import { MessageRef } from './refs.ts';
import { selects } from './selection.ts';
import { createLoaders, type Loaders } from '../read/loaders.ts';
import type { MessageRow } from '../read/messages.ts';
import type { ConversationRow } from '../read/conversations.ts';
import { badInput } from '../domain/bad-input.ts';

type Replayed<E> = E & { replayed?: boolean };

/** Replayed events whose messages are read in one query. */
const REPLAY_PAGE = 500;

const MessageEventWhere = builder.inputType('MessageEventWhere', {
  description: 'Which events to receive; all given filters must hold; none = the whole tenant. WhatsApp ids match with or without their suffix.',
  fields: (t) => ({
    conversationId: t.id({ description: 'A Conversation id.' }),
    accountWhatsId: t.string({ description: "The agent's WhatsApp account." }),
    friendWhatsId: t.string({ description: 'The friend (or group).' }),
    agentId: t.string({ description: 'The agent (seat) id.' }),
    agentAccount: t.string({ description: 'The agent login account.' }),
    whatsMessageIds: t.stringList({ description: 'WhatsApp message ids (at most 1000).' }),
    messageIds: t.idList({ description: 'Message ids (at most 1000).' }),
  }),
});

function eventFilterOf(where: typeof MessageEventWhere.$inferInput | null | undefined): MessageEventFilter {
  if (!where) return {};
  for (const name of ['whatsMessageIds', 'messageIds'] as const) {
    if ((where[name]?.length ?? 0) > 1000) {
      throw badInput(`where.${name} must list at most 1000 ids`);
    }
  }
  // The ids' one rule (src/domain/text.ts), as where they are stored: a NUL would reach the database, which refuses it.
  const id = <T extends string | null | undefined>(value: T, field: string): T => {
    const problem = value ? idProblem(value) : null;
    if (problem) throw badInput(`where.${field} ${problem}`);
    return value;
  };
  return {
    conversationId: where.conversationId ? rowIdOf(String(where.conversationId), 'Conversation', 'where.conversationId') : null,
    accountWhatsId: id(where.accountWhatsId, 'accountWhatsId'),
    friendWhatsId: id(where.friendWhatsId, 'friendWhatsId'),
    agentId: id(where.agentId, 'agentId'),
    agentAccount: id(where.agentAccount, 'agentAccount'),
    whatsMessageIds: where.whatsMessageIds?.map((w, i) => id(w, `whatsMessageIds[${i}]`)),
    messageIds: where.messageIds?.map((id, i) => rowIdOf(String(id), 'Message', `where.messageIds[${i}]`)),
  };
}

function checkSince(since: Date | null | undefined): Date | null {
  if (!since) return null;
  if (since.getTime() > Date.now() + 60_000) {
    throw badInput(`since must not be in the future, got ${since.toISOString()}`);
  }
  return since;
}

/** What a replay page reads ahead: the rows the operation selects under `message`. */
interface ReplaySelection {
  message: boolean;
  conversation: boolean;
  contact: boolean;
}

function replaySelection(info: GraphQLResolveInfo): ReplaySelection {
  return {
    message: selects(info, ['message']),
    conversation: selects(info, ['message', 'conversation']),
    contact: selects(info, ['message', 'contact']) || selects(info, ['message', 'conversation', 'contact']),
  };
}

/** Loads a replay page's messages, then their conversations and contacts, one query each, into the page's loaders. */
async function prefetchPage(page: Loaders, events: readonly { messageId: string }[], selected: ReplaySelection): Promise<void> {
  if (!selected.message) return;
  const messages = (await page.message.loadMany(events.map((e) => e.messageId))).filter((m): m is MessageRow => !!m && !(m instanceof Error));
  const conversations = selected.conversation || selected.contact
    ? (await page.conversation.loadMany([...new Set(messages.map((m) => m.conversationId))])).filter((c): c is ConversationRow => !!c && !(c instanceof Error))
    : [];
  if (selected.contact) {
    const ids = new Set([...messages.map((m) => m.contactId), ...conversations.map((c) => c.contactId)].filter((id): id is string => !!id));
    await page.contact.loadMany([...ids]);
  }
}

/**
 * The tenant's events of one topic that match `filter`; with `since`, the
 * replayed events first. Listening starts before the replay is read, so
 * nothing falls between the two; an event in both is delivered once. The
 * replay is read before the stream is handed out: a replay that fails (too
 * many events, the database away) is the subscription's error, answered as
 * such, not a stream that breaks on its first read.
 */
async function eventStream<E extends MessageAddedEvent | MessageStatusChangedEvent>(
  ctx: Context,
  topic: LiveTopic,
  filter: MessageEventFilter,
  since: Date | null,
  replay: (tenantId: string, since: Date) => Promise<E[]>,
  keyOf: (event: E) => string,
  selected: ReplaySelection,
): Promise<AsyncIterableIterator<Replayed<E>>> {
  const tenantId = tenantOf(ctx);
  let unwatch = () => {};
  // Counted against the caps of its key and socket (refused over one: LIVE_LIMIT_EXCEEDED).
  const holder = ctx.viewer ? { apiKeyId: ctx.viewer.apiKeyId, connection: ctx.liveConnection ?? null } : undefined;
  const live = ctx.services.live.subscribe<E>(topic, tenantId, filter, { holder, onEnd: () => unwatch() });
  // A stream lives for hours: it ends once its key is revoked (over graphql-ws the socket is closed too, src/http/websocket.ts).
  if (ctx.viewer) {
    unwatch = ctx.services.authenticator.watch(ctx.viewer.apiKeyId, () =>
      live.cancel(new GraphQLError('the API key of this subscription was revoked', { extensions: { code: 'UNAUTHENTICATED' } })),
    );
  }
  if (!since) return live;
  let backlog: E[];
  try {
    backlog = await replay(tenantId, since);
  } catch (err) {
    await live.return?.();
    throw err;
  }
  const keys = new Set(backlog.map(keyOf));
  // The replay is served in pages: each page's messages are read in one
  // query, into loaders that keep what they load for the page (the shared
  // loaders of live events are renewed every event-loop turn, which made a
  // catch-up one query per event and field). Events are executed one after
  // another on this context, so the page's loaders are the context's while
  // its events are, and the shared ones again once the replay is over.
  const mutable = ctx as { loaders: Loaders };
  const shared = ctx.loaders;
  let served = 0;
  const iterator: AsyncIterableIterator<Replayed<E>> = {
    async next() {
      const first = backlog.shift();
      if (first) {
        if (served++ % REPLAY_PAGE === 0) {
          const page = createLoaders(ctx.services.db.pool, tenantId);
          await prefetchPage(page, [first, ...backlog.slice(0, REPLAY_PAGE - 1)], selected);
          mutable.loaders = page;
        }
        return { value: { ...first, replayed: true }, done: false };
      }
      mutable.loaders = shared;
      for (;;) {
        const result = await live.next();
        // Replayed already (it happened while the replay was read): once is enough.
        if (!result.done && keys.size && keys.delete(keyOf(result.value))) continue;
        return result;
      }
    },
    return: () => live.return!() as Promise<IteratorResult<Replayed<E>>>,
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

const eventFields = {
  messageId: (e: { messageId: string }) => encodeGlobalID('Message', e.messageId),
  conversationId: (e: { conversationId: string }) => encodeGlobalID('Conversation', e.conversationId),
  message: async (e: { messageId: string }, ctx: Context) => {
    const message = await ctx.loaders.message.load(e.messageId);
    if (!message) throw new GraphQLError(`message ${e.messageId} no longer exists`);
    return message;
  },
};

const MessageAddedRef = builder.objectRef<Replayed<MessageAddedEvent>>('MessageAddedEvent').implement({
  description: 'A message was stored.',
  fields: (t) => ({
    messageId: t.id({ description: 'The Message id (no database read).', resolve: eventFields.messageId }),
    conversationId: t.id({ description: 'Its Conversation id.', resolve: eventFields.conversationId }),
    whatsMessageId: t.exposeString('whatsMessageId'),
    status: t.field({ type: MessageStatusEnum, description: 'The status the message itself carried; a status reported before it arrived, which raised it as it was stored, follows as a messageStatusChanged event.', resolve: (e) => e.status }),
    addedAt: t.field({ type: 'DateTime', description: 'When it was stored: use as `since` to catch up after a reconnect.', resolve: (e) => new Date(e.addedAt) }),
    replayed: t.boolean({ description: 'Replayed for `since`, not live.', resolve: (e) => e.replayed === true }),
    message: t.field({ type: MessageRef, description: 'The message as stored now.', resolve: (e, _args, ctx) => eventFields.message(e, ctx) }),
  }),
});

const MessageStatusChangedRef = builder.objectRef<Replayed<MessageStatusChangedEvent>>('MessageStatusChangedEvent').implement({
  description: "A message's status rose (statuses only move forward: PENDING → SENT → DELIVERED → READ).",
  fields: (t) => ({
    messageId: t.id({ description: 'The Message id (no database read).', resolve: eventFields.messageId }),
    conversationId: t.id({ description: 'Its Conversation id.', resolve: eventFields.conversationId }),
    whatsMessageId: t.exposeString('whatsMessageId'),
    previousStatus: t.field({ type: MessageStatusEnum, resolve: (e) => e.previousStatus }),
    status: t.field({ type: MessageStatusEnum, resolve: (e) => e.status }),
    changedAt: t.field({ type: 'DateTime', description: 'When the new status was reached, as reported.', resolve: (e) => new Date(e.changedAt) }),
    replayed: t.boolean({ description: 'Replayed for `since`, not live.', resolve: (e) => e.replayed === true }),
    message: t.field({ type: MessageRef, description: 'The message as stored now.', resolve: (e, _args, ctx) => eventFields.message(e, ctx) }),
  }),
});

builder.subscriptionType({});

builder.subscriptionFields((t) => ({
  messageAdded: t.field({
    type: MessageAddedRef,
    description:
      'Messages as they are stored. With `since`, first the messages stored after it (at most 10 000), then live: pass the last `addedAt` seen to catch up after a reconnect.',
    authScopes: { read: true },
    args: { where: t.arg({ type: MessageEventWhere }), since: t.arg({ type: 'DateTime' }) },
    subscribe: (_root, args, ctx, info) => {
      const filter = eventFilterOf(args.where);
      const since = checkSince(args.since);
      return eventStream<MessageAddedEvent>(
        ctx,
        'messageAdded',
        filter,
        since,
        (tenant, s) => addedSince(ctx.services.db.pool, tenant, s, filter),
        (e) => e.messageId,
        replaySelection(info),
      );
    },
    resolve: (event) => event,
  }),
  messageStatusChanged: t.field({
    type: MessageStatusChangedRef,
    description:
      "Status changes as they are stored. With `since`, first each message's change since then (from the status below its current one to its current one; at most 10 000), then live.",
    authScopes: { read: true },
    args: { where: t.arg({ type: MessageEventWhere }), since: t.arg({ type: 'DateTime' }) },
    subscribe: (_root, args, ctx, info) => {
      const filter = eventFilterOf(args.where);
      const since = checkSince(args.since);
      return eventStream<MessageStatusChangedEvent>(
        ctx,
        'messageStatusChanged',
        filter,
        since,
        (tenant, s) => statusChangesSince(ctx.services.db.pool, tenant, s, filter),
        (e) => `${e.messageId}:${e.status}`,
        replaySelection(info),
      );
    },
    resolve: (event) => event,
  }),
}));
