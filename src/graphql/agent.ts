// Agent: a customer-service agent of the directory (src/domain/agent-directory.ts)
// with its seat ids, login, the accounts it served, its conversations and
// messages; the root `agents` and `agent` fields; Message.agent and
// Conversation.agents.
import { resolveArrayConnection } from '@pothos/plugin-relay';
import type { Agent, AgentAccount } from '../domain/agent-directory.ts';
import { seatKey, loginKey } from '../domain/agent-directory.ts';
import { idProblem } from '../domain/text.ts';
import { bareWhatsId } from '../domain/whats-id.ts';
import { identitiesOf, loadAgentDirectory } from '../read/agents.ts';
import { agentProfileProblem, MAX_SEAT_IDS, setAgentProfile } from '../ingest/agent-profiles.ts';
import { ADMIN, errors, targetTenant } from './admin.ts';
import { conversationPages, countConversations } from '../read/conversations.ts';
import { countMessages, messagePage } from '../read/messages.ts';
import { pageRequest, toConnection } from '../read/pagination.ts';
import { builder } from './builder.ts';
import { CONVERSATION_CURSOR, ConversationConnection, conversationCursor, lastMessageSelection } from './conversation.ts';
import { EMPTY_PAGE, MessageConnection, MessageOrderEnum, MessageWhere, messageCursor, messageFilterOf, messagePageRequest, selectsPage, giveDirectoryOf } from './message.ts';
import { tenantOf } from './ids.ts';
import { ConversationRef, MessageRef } from './refs.ts';
import { badInput } from '../domain/bad-input.ts';

export const AgentRef = builder.objectRef<Agent>('Agent');
const AgentAccountRef = builder.objectRef<AgentAccount>('AgentAccount');

AgentAccountRef.implement({
  description: 'A WhatsApp account an agent served, between the first and the last chat time seen there.',
  fields: (t) => ({
    accountWhatsId: t.exposeString('accountWhatsId', { description: 'The account, as first seen.' }),
    seatId: t.exposeString('seatId', { nullable: true, description: 'The seat id the agent used on it (CLIENT_SYNC userId), when seen.' }),
    firstChatAt: t.expose('firstChatAt', { type: 'DateTime' }),
    lastChatAt: t.expose('lastChatAt', { type: 'DateTime' }),
  }),
});

builder.node(AgentRef, {
  description:
    'A customer-service agent (seat): a login (MSG_SYNC userName) with its seat ids (CLIENT_SYNC userId, one per account), learned from the webhooks ' +
    '(a seat and a login seen on the same account, closest in time) or set by an admin (setAgent); a seat tied to no login is an agent of its own.',
  id: { resolve: (a) => a.key },
  loadMany: async (keys, ctx) => {
    const directory = await ctx.loaders.agentDirectory();
    return keys.map((key) => directory.byKey(String(key)));
  },
  fields: (t) => ({
    login: t.exposeString('login', { nullable: true, description: 'The login account (MSG_SYNC userName); null until tied.' }),
    name: t.exposeString('name', { nullable: true, description: 'The display name, as an admin set it.' }),
    seatIds: t.exposeStringList('seatIds', { description: 'Its seat ids (CLIENT_SYNC userId).' }),
    accounts: t.expose('accounts', { type: [AgentAccountRef], description: 'The accounts it served, first served first.' }),
    conversations: t.connection(
      {
        type: ConversationRef,
        description: 'Its conversations, most recently active first: with `day`, those with a message of it on that local day; else those whose newest message is its.',
        args: { day: t.arg.string({ description: 'A local day "YYYY-MM-DD" (LEGACY_TIME_ZONE).' }) },
        resolve: async (agent, args, ctx, info) => {
          const tenantId = tenantOf(ctx);
          const timeZone = ctx.services.config.legacyTimeZone;
          const filter = { agent: identitiesOf(agent), day: args.day };
          const pages = await conversationPages(ctx.services.db.pool, {
            tenantId, filter, order: 'LAST_MESSAGE_DESC', page: pageRequest(CONVERSATION_CURSOR, args), timeZone, lastMessage: lastMessageSelection(info),
          });
          return toConnection(pages.get('')!, conversationCursor, () => countConversations(ctx.services.db.pool, tenantId, filter, timeZone));
        },
      },
      ConversationConnection,
    ),
    messages: t.connection(
      {
        type: MessageRef,
        description: 'Its messages (naming its login or one of its seat ids), newest first unless ordered otherwise.',
        args: { where: t.arg({ type: MessageWhere }), orderBy: t.arg({ type: MessageOrderEnum }) },
        resolve: async (agent, args, ctx, info) => {
          const tenantId = tenantOf(ctx);
          const timeZone = ctx.services.config.legacyTimeZone;
          if (args.where?.agent != null) throw badInput('where.agent cannot be given on an Agent\'s messages');
          const filter = { ...(await messageFilterOf(ctx, args.where)), agent: identitiesOf(agent) };
          const request = messagePageRequest(args, info, ctx);
          const page = selectsPage(info)
            ? await messagePage(ctx.services.db.pool, { tenantId, filter, order: args.orderBy ?? 'CHAT_TIME_DESC', timeZone, ...request })
            : EMPTY_PAGE;
          giveDirectoryOf(ctx, page);
          return toConnection(page, messageCursor, () => countMessages(ctx.services.db.pool, tenantId, filter, timeZone, ctx.loaders.messageTotals));
        },
      },
      MessageConnection,
    ),
  }),
});

builder.queryFields((t) => ({
  agents: t.connection(
    {
      type: AgentRef,
      description: 'The agent directory of the tenant: logins first (by login), then the seat ids tied to no login.',
      authScopes: { read: true },
      resolve: async (_root, args, ctx) => resolveArrayConnection({ args }, (await ctx.loaders.agentDirectory()).list()),
    },
    { name: 'AgentConnection' },
    { name: 'AgentEdge' },
  ),
  agent: t.field({
    type: AgentRef,
    nullable: true,
    description: 'The agent holding a seat id, or owning a login: give one.',
    authScopes: { read: true },
    args: { seatId: t.arg.string(), login: t.arg.string() },
    resolve: async (_root, args, ctx) => {
      if ((args.seatId == null) === (args.login == null)) {
        throw badInput('give one of seatId or login');
      }
      // The ids' one rule (src/domain/text.ts): an id that could not be stored names no agent; say why.
      const [name, value] = args.seatId != null ? ['seatId', args.seatId] : ['login', args.login!];
      const problem = idProblem(value);
      if (problem) throw badInput(`${name} ${problem}`);
      const directory = await ctx.loaders.agentDirectory();
      return directory.byKey(name === 'seatId' ? seatKey(value) : loginKey(value));
    },
  }),
}));

// These Message fields read the tenant's agent directory: they are the list
// DIRECTORY_MESSAGE_FIELDS (src/graphql/refs.ts), by which a page of messages
// reads the directory in its own statement.
builder.objectFields(MessageRef, (t) => ({
  agent: t.field({
    type: AgentRef,
    nullable: true,
    description: 'Its agent: the one its seat id or login names (through the directory); for a message naming neither, the agent who served its account at its chat time.',
    resolve: async (m, _args, ctx) =>
      (await ctx.loaders.agentDirectory()).ofMessage({ ...m, accountWhatsIdBare: bareWhatsId(m.accountWhatsId) }),
  }),
  agentSeatId: t.string({
    nullable: true,
    description: "The seat id: its own (CLIENT_SYNC), else its agent's seat on its account, as the directory knows it; null when unknown.",
    resolve: async (m, _args, ctx) => {
      if (m.agentId) return m.agentId;
      const directory = await ctx.loaders.agentDirectory();
      const accountWhatsIdBare = bareWhatsId(m.accountWhatsId);
      const agent = directory.ofMessage({ ...m, accountWhatsIdBare });
      return agent ? directory.seatOn(agent, accountWhatsIdBare) : null;
    },
  }),
  agentLogin: t.string({
    nullable: true,
    description: "The login: its own (MSG_SYNC), else its agent's, as the directory knows it; null when unknown.",
    resolve: async (m, _args, ctx) => {
      if (m.agentAccount) return m.agentAccount;
      return (await ctx.loaders.agentDirectory()).ofMessage({ ...m, accountWhatsIdBare: bareWhatsId(m.accountWhatsId) })?.login ?? null;
    },
  }),
}));

builder.objectFields(ConversationRef, (t) => ({
  agents: t.field({
    type: [AgentRef],
    description: 'The agents with a message in it (through the directory), by key.',
    resolve: async (c, _args, ctx) => {
      const [directory, identities] = await Promise.all([ctx.loaders.agentDirectory(), ctx.loaders.conversationAgentIdentities.load(c.id)]);
      const agents = new Map<string, Agent>();
      for (const i of identities) {
        const agent = directory.ofMessage({ ...i, chatTime: new Date(0) });
        if (agent) agents.set(agent.key, agent);
      }
      return [...agents.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    },
  }),
}));

const SetAgentInput = builder.inputType('SetAgentInput', {
  description: 'An agent as an admin sets it: the fields given change, the others are kept.',
  fields: (t) => ({
    tenantId: t.string({ description: 'Required with the operator key; an ADMIN key sets its own tenant.' }),
    login: t.string({ required: true, description: 'The login (MSG_SYNC userName).' }),
    name: t.string({ description: 'The display name; null clears it.' }),
    seatIds: t.stringList({
      description: `Its seat ids (CLIENT_SYNC userId), replacing those set before; a seat id set for another login moves here. These ties win over learned ones. At most ${MAX_SEAT_IDS}.`,
    }),
  }),
});

const SetAgentPayload = builder.objectRef<{ agent: Agent }>('SetAgentPayload').implement({
  fields: (t) => ({ agent: t.field({ type: AgentRef, description: 'The agent as the directory sees it now.', resolve: (p) => p.agent }) }),
});

builder.mutationFields((t) => ({
  setAgent: t.field({
    type: SetAgentPayload,
    description: "Sets an agent's display name and seat ids in the directory (where the CRM never sends both halves). Needs ADMIN (its own tenant) or the operator key.",
    authScopes: ADMIN,
    errors: errors('SetAgent'),
    args: { input: t.arg({ type: SetAgentInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const tenantId = targetTenant(ctx, input.tenantId, 'input.tenantId');
      const profile = { login: input.login, ...('name' in input ? { name: input.name ?? null } : {}), ...(input.seatIds != null ? { seatIds: input.seatIds } : {}) };
      const problem = agentProfileProblem(profile, 'input.');
      if (problem) throw badInput(problem);
      await setAgentProfile(ctx.services.db.pool, tenantId, profile);
      const agent = (await loadAgentDirectory(ctx.services.db.pool, tenantId.toString())).byLogin(input.login)!;
      return { agent };
    },
  }),
}));
