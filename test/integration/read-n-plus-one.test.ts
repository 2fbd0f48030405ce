// The N+1 guard: the SQL statements a page of conversations with their last
// message, contact and first messages costs do not grow with the page size.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { startTestApp, type TestApp } from '../support/app.ts';
import { msgSyncAccessToken } from '../../src/auth/webhook-signatures.ts';

let t: TestApp;
const statements: string[] = [];

before(async () => {
  t = await startTestApp();
  // 60 conversations (one friend each, with a profile), 3 messages each.
  const timestamp = Date.now();
  for (let batch = 0; batch < 4; batch++) {
    const data = Array.from({ length: 45 }, (_, i) => {
      const n = batch * 45 + i;
      const friend = `4477000${String(Math.floor(n / 3)).padStart(5, '0')}`;
      return {
        id: `sync-${n}`, messageId: `np1-${n}`, userName: 'agent01', whatsId: '8613900000000', friendWhatsId: friend, currentWhatsId: '8613900000000',
        actionType: 1 + (n % 2), chatType: 1, messageStatus: 3, content: `hello ${n}`, contentType: 0, originType: 1,
        sendTime: `2024-05-01 10:${String(Math.floor(n / 60)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}`,
        userProfile: { id: 9_000_000_000_000_000 + Math.floor(n / 3), name: `friend ${Math.floor(n / 3)}`, whatsApp: friend, username: 'agent01', income: '', profession: '', desc: '', tags: ['vip'], email: '', address: '', extendsMap: '{}' },
      };
    });
    // One timestamp (so one accessToken) per delivery: a token is good for one body.
    const body = JSON.stringify({ accessToken: msgSyncAccessToken(t.tenant.webhookSecret, '82', timestamp + batch), tenantId: 82, timestamp: timestamp + batch, data });
    const res = await t.app.fetch('http://localhost/webhooks/MSG_SYNC_MESSAGE', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(res.status, 200, await res.text());
  }
  // Count every statement sent through the pool from here on.
  const pool = t.testDb.db.pool as pg.Pool & { query: (...args: unknown[]) => unknown };
  const original = pool.query.bind(pool);
  pool.query = ((...args: unknown[]) => {
    const first = args[0];
    statements.push(typeof first === 'string' ? first : (first as { text: string }).text);
    return original(...(args as Parameters<typeof original>));
  }) as typeof pool.query;
});
after(() => t.close());

const QUERY = `query($n: Int!) { conversations(first: $n) { edges { node {
  friendWhatsId unreadCount
  lastMessage { whatsMessageId content { __typename } }
  contact { externalId name tags }
  messages(first: 5) { edges { node { whatsMessageId contact { name } conversation { friendWhatsId } } } }
} } } }`;

async function countFor(n: number): Promise<{ count: number; conversations: number }> {
  await t.graphql(`{ viewer { tenantId } }`); // warm the API-key cache
  statements.length = 0;
  const res = await t.graphql<{ conversations: { edges: { node: { messages: { edges: unknown[] }; contact: unknown; lastMessage: unknown } }[] } }>(QUERY, { n });
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  const edges = res.body.data!.conversations.edges;
  for (const e of edges) {
    assert.equal(e.node.messages.edges.length, 3);
    assert.ok(e.node.contact && e.node.lastMessage);
  }
  return { count: statements.length, conversations: edges.length };
}

test('conversations(first: N) { lastMessage contact messages(first: 5) } costs the same statements for N = 5, 20, 50', async () => {
  const small = await countFor(5);
  const medium = await countFor(20);
  const large = await countFor(50);
  assert.equal(small.conversations, 5);
  assert.equal(large.conversations, 50);
  assert.equal(medium.count, small.count, `statements: ${medium.count} for 20 vs ${small.count} for 5`);
  assert.equal(large.count, small.count, `statements: ${large.count} for 50 vs ${small.count} for 5`);
  // One per kind: conversations page (last messages joined), contacts, nested message pages.
  assert.ok(large.count <= 5, `expected at most 5 statements, got ${large.count}:\n${statements.join('\n---\n')}`);
});

test('a page of 100 messages with contact and conversation costs 2 statements (contacts joined)', async () => {
  statements.length = 0;
  const res = await t.graphql<{ messages: { edges: unknown[] } }>(`{ messages(first: 100) { edges { node { whatsMessageId contact { name } conversation { unreadCount } } } } }`);
  assert.equal(res.body.errors, undefined);
  assert.equal(res.body.data!.messages.edges.length, 100);
  assert.equal(statements.length, 2, statements.join('\n---\n'));
});

test('the conversation list with last message and unread count is one statement, reading only the selected message columns', async () => {
  await t.graphql(`{ viewer { tenantId } }`);
  statements.length = 0;
  const res = await t.graphql<{ conversations: { edges: { node: { unreadCount: number; lastMessage: { whatsMessageId: string; rawContent: string; chatTime: string } } }[] } }>(
    `{ conversations(first: 20) { edges { node { unreadCount lastMessageAt lastMessage { whatsMessageId rawContent chatTime } } } } }`,
  );
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  const edges = res.body.data!.conversations.edges;
  assert.equal(edges.length, 20);
  // The newest conversation's last message is the batch's last one (np1-179: "hello 179").
  assert.deepEqual({ ...edges[0]!.node.lastMessage, chatTime: undefined }, { whatsMessageId: 'np1-179', rawContent: 'hello 179', chatTime: undefined });
  assert.equal(statements.length, 1, statements.join('\n---\n'));
  assert.match(statements[0]!, /lm\."content" AS "lastMessage\.content"/);
  assert.doesNotMatch(statements[0]!, /lm\."referContent"|lm\."parsedContent"/);
  // Nor the conversation columns it does not select.
  assert.match(statements[0]!, /c\."unreadCount"/);
  assert.doesNotMatch(statements[0]!, /c\."createdAt"|c\."agentAccount"|c\."friendName"/);
});

test('totalCount alone reads no page: a conversation\'s and the tenant\'s totals are one statement, from the counters', async () => {
  const list = await t.graphql<{ conversations: { edges: { node: { id: string; messageCount: number } }[] } }>(`{ conversations(first: 1) { edges { node { id messageCount } } } }`);
  const c = list.body.data!.conversations.edges[0]!.node;
  statements.length = 0;
  const res = await t.graphql<{ conversation: { totalCount: number }; tenant: { totalCount: number } }>(
    `query($c: ID!) { conversation: messages(where: { conversationId: $c }) { totalCount } tenant: messages { totalCount } }`,
    { c: c.id },
  );
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  assert.deepEqual(res.body.data, { conversation: { totalCount: c.messageCount }, tenant: { totalCount: 180 } });
  assert.equal(statements.length, 1, statements.join('\n---\n'));
  assert.match(statements[0]!, /"TenantMessageCount"/);
  assert.doesNotMatch(statements[0]!, /FROM "Message"/);
});

test('messagePage with totalCount is one statement: the total from the counters in the page\'s own statement', async () => {
  await t.graphql(`{ viewer { tenantId } }`);
  statements.length = 0;
  const res = await t.graphql<{ messagePage: { totalCount: number; pageCount: number; nodes: { whatsMessageId: string }[] } }>(
    `{ messagePage(page: 3, pageSize: 10) { totalCount pageCount nodes { whatsMessageId } } }`,
  );
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  const p = res.body.data!.messagePage;
  assert.deepEqual({ totalCount: p.totalCount, pageCount: p.pageCount }, { totalCount: 180, pageCount: 18 });
  // Newest first: page 3 starts at the 21st newest (np1-159).
  assert.equal(p.nodes[0]!.whatsMessageId, 'np1-159');
  assert.equal(statements.length, 1, statements.join('\n---\n'));
  assert.match(statements[0]!, /"TenantMessageCount"/);
});

test("msgPage's operation (agent fields, total) is one statement: the agent directory read in the page's own, with the same answers", async () => {
  await t.graphql(`{ viewer { tenantId } }`);
  const fields = 'whatsMessageId agentSeatId agentLogin agent { login seatIds }';
  statements.length = 0;
  const res = await t.graphql<{ messagePage: { totalCount: number; nodes: Record<string, unknown>[] } }>(
    `{ messagePage(page: 2, pageSize: 10) { totalCount nodes { ${fields} } } }`,
  );
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  assert.equal(statements.length, 1, statements.join('\n---\n'));
  assert.match(statements[0]!, /"AgentSighting"/);
  const nodes = res.body.data!.messagePage.nodes;
  assert.equal(nodes.length, 10);
  // The same messages through the cursor connection, whose agent fields read the directory on their own.
  const viaCursor = await t.graphql<{ messages: { edges: { node: Record<string, unknown> }[] } }>(`{ messages(first: 20) { edges { node { ${fields} } } } }`);
  assert.equal(viaCursor.body.errors, undefined, JSON.stringify(viaCursor.body.errors));
  assert.deepEqual(nodes, viaCursor.body.data!.messages.edges.slice(10, 20).map((e) => e.node));
  assert.ok(nodes.some((n) => n.agentLogin !== null), 'the data names agents');
  // Without agent fields the directory is not read; past the end, no rows and no directory needed.
  statements.length = 0;
  await t.graphql(`{ messagePage(page: 2, pageSize: 10) { nodes { whatsMessageId } } }`);
  assert.equal(statements.length, 1);
  assert.doesNotMatch(statements[0]!, /"AgentSighting"/);
  const past = await t.graphql<{ messagePage: { nodes: unknown[] } }>(`{ messagePage(page: 999, pageSize: 10) { nodes { ${fields} } } }`);
  assert.deepEqual(past.body, { data: { messagePage: { nodes: [] } } });
});

test("cursor connections with agent fields read the directory in their own statement (messages, a conversation's), with the answers of the directory read alone", async () => {
  await t.graphql(`{ viewer { tenantId } }`);
  const fields = 'id whatsMessageId agentSeatId agentLogin agent { login seatIds }';
  statements.length = 0;
  const res = await t.graphql<{ messages: { edges: { node: Record<string, unknown> }[] } }>(`{ messages(first: 20) { edges { node { ${fields} } } } }`);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  assert.equal(statements.length, 1, statements.join('\n---\n'));
  assert.match(statements[0]!, /"AgentSighting"/);
  const nodes = res.body.data!.messages.edges.map((e) => e.node);
  assert.equal(nodes.length, 20);
  assert.ok(nodes.some((n) => n.agentLogin !== null), 'the data names agents');
  // The same messages through nodes(ids): the loaders read the directory in a statement of its own.
  const alone = await t.graphql<{ nodes: Record<string, unknown>[] }>(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Message { ${fields} } } }`, { ids: nodes.map((n) => n.id) });
  assert.equal(alone.body.errors, undefined, JSON.stringify(alone.body.errors));
  assert.deepEqual(alone.body.data!.nodes, nodes);
  // A conversation list with each one's messages: one statement for the conversations, one for all their pages (the directory in it).
  statements.length = 0;
  const convs = await t.graphql<{ conversations: { edges: { node: { messages: { edges: { node: Record<string, unknown> }[] } } }[] } }>(
    `{ conversations(first: 5) { edges { node { messages(first: 3) { edges { node { ${fields} } } } } } } }`,
  );
  assert.equal(convs.body.errors, undefined, JSON.stringify(convs.body.errors));
  assert.equal(statements.length, 2, statements.join('\n---\n'));
  assert.equal(statements.filter((q) => q.includes('"AgentSighting"')).length, 1);
  const nested = convs.body.data!.conversations.edges.flatMap((e) => e.node.messages.edges.map((m) => m.node));
  assert.equal(nested.length, 15);
  const nestedAlone = await t.graphql<{ nodes: Record<string, unknown>[] }>(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Message { ${fields} } } }`, { ids: nested.map((n) => n.id) });
  assert.deepEqual(nestedAlone.body.data!.nodes, nested);
  // Without agent fields, no directory; with the directory already read in the request, not read again.
  statements.length = 0;
  await t.graphql(`{ messages(first: 5) { edges { node { whatsMessageId } } } }`);
  assert.equal(statements.length, 1);
  assert.doesNotMatch(statements[0]!, /"AgentSighting"/);
  statements.length = 0;
  const two = await t.graphql(`{ a: messages(first: 5) { edges { node { agentLogin } } } b: messages(first: 5, orderBy: CHAT_TIME_ASC) { edges { node { agentLogin } } } }`);
  assert.equal((two.body as { errors?: unknown }).errors, undefined);
  assert.ok(statements.filter((q) => q.includes('"AgentSighting"')).length <= 2);
  assert.equal(statements.length, 2, statements.join('\n---\n'));
});

test("a contact's profile with its conversations is one statement, and the same answer as the field alone", async () => {
  const q = `query($x: String!) { contact(externalId: $x) {
    id externalId name tags createdAt
    conversations(first: 5) { edges { cursor node { id friendWhatsId messageCount lastMessageAt lastMessage { whatsMessageId } } } pageInfo { hasNextPage endCursor } }
  } }`;
  const list = await t.graphql<{ conversations: { edges: { node: { friendWhatsId: string; contact: { externalId: string } } }[] } }>(
    `{ conversations(first: 1) { edges { node { friendWhatsId contact { externalId } } } } }`,
  );
  const newest = list.body.data!.conversations.edges[0]!.node;
  statements.length = 0;
  const res = await t.graphql<{ contact: { id: string; conversations: { edges: { node: { friendWhatsId: string } }[] } } }>(q, { x: newest.contact.externalId });
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  assert.equal(statements.length, 1, statements.join('\n---\n'));
  const edges = res.body.data!.contact.conversations.edges;
  assert.ok(edges.length >= 1);
  assert.equal(edges[0]!.node.friendWhatsId, newest.friendWhatsId);
  // The same contact through node(): its conversations read by the field's own statement.
  const viaNode = await t.graphql<{ node: unknown }>(
    `query($id: ID!) { node(id: $id) { ... on Contact { id externalId name tags createdAt
      conversations(first: 5) { edges { cursor node { id friendWhatsId messageCount lastMessageAt lastMessage { whatsMessageId } } } pageInfo { hasNextPage endCursor } } } } }`,
    { id: res.body.data!.contact.id },
  );
  assert.equal(viaNode.body.errors, undefined, JSON.stringify(viaNode.body.errors));
  assert.deepEqual(viaNode.body.data!.node, res.body.data!.contact);
  // No such contact: null, still one statement.
  statements.length = 0;
  const none = await t.graphql<{ contact: null }>(q, { x: '1' });
  assert.deepEqual(none.body, { data: { contact: null } });
  assert.equal(statements.length, 1);
  // Bad arguments of the nested field: its error, at its path (the contact is still read).
  const bad = await t.graphql<{ contact: unknown }>(
    `query($x: String!) { contact(externalId: $x) { externalId conversations(first: 1, after: "nope") { edges { cursor } } } }`,
    { x: newest.contact.externalId },
  );
  assert.deepEqual((bad.body.errors?.[0] as { path?: unknown[] } | undefined)?.path, ['contact', 'conversations']);
});
