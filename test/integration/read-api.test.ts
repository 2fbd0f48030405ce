// The read API over HTTP (in-process app.fetch) on data ingested through the
// webhooks: Relay connections, filters, nodes, auth.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.ts';
import { seed } from '../support/seeds.ts';

let t: TestApp;
const BASE = 1_700_000_000_000;

// 250 messages in one conversation; every 10th shares its time with the
// previous one, so the order must break ties by id.
function conversationBatches() {
  const batches: string[] = [];
  for (let b = 0; b < 5; b++) {
    const content = Array.from({ length: 50 }, (_, i) => {
      const n = b * 50 + i;
      const time = BASE + (n - (n % 10 === 9 ? 1 : 0)) * 1000;
      return { type: n % 7 === 0 ? 2 : 1, text: `message ${n}`, url: n % 7 === 0 ? JSON.stringify({ filename: `f${n}.png`, url: `https://x/${n}`, mimeType: 'image/png', caption: `caption ${n}` }) : undefined, messageId: `conv-${n}`, time };
    });
    batches.push(JSON.stringify([{ userId: '7', whatsApp: '8613800000000@c.us', friendWhatsApp: '447700900123', actionType: b % 2 ? 2 : 1, chatType: 1, content }]));
  }
  return batches;
}

async function ingest(path: string, body: string) {
  const res = await t.app.fetch(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tenant.ingestKey}` }, body });
  assert.equal(res.status, 200, await res.text());
}

before(async () => {
  t = await startTestApp();
  for (const body of conversationBatches()) await ingest('/webhooks/CLIENT_SYNC_MESSAGE', body);
  await ingest('/webhooks/CLIENT_SYNC_MESSAGE', seed.clientSyncRequest);
});
after(() => t.close());

const PAGE = `query Page($first: Int, $last: Int, $after: String, $before: String, $where: MessageWhere, $orderBy: MessageOrder) {
  messages(first: $first, last: $last, after: $after, before: $before, where: $where, orderBy: $orderBy) {
    totalCount
    edges { cursor node { id whatsMessageId chatTime } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

interface PageData { messages: { totalCount: number; edges: { cursor: string; node: { id: string; whatsMessageId: string; chatTime: string } }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null } } }

async function page(variables: Record<string, unknown>) {
  const res = await t.graphql<PageData>(PAGE, variables);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data!.messages;
}

const where = { friendWhatsId: '447700900123@c.us' };
const seq = (m: { whatsMessageId: string }) => Number(m.whatsMessageId.slice(5));

test('forward paging over 250 messages returns each exactly once, newest first, with the right page info', async () => {
  const seen: { whatsMessageId: string; chatTime: string }[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const p = await page({ first: 50, after, where });
    pages++;
    assert.equal(p.totalCount, 250);
    assert.equal(p.pageInfo.hasPreviousPage, after !== null, `page ${pages} hasPreviousPage`);
    seen.push(...p.edges.map((e) => e.node));
    assert.equal(p.pageInfo.endCursor, p.edges.at(-1)?.cursor ?? null);
    if (!p.pageInfo.hasNextPage) break;
    after = p.pageInfo.endCursor;
  }
  assert.equal(pages, 5);
  assert.equal(seen.length, 250);
  assert.equal(new Set(seen.map((m) => m.whatsMessageId)).size, 250);
  // Newest first; equal times in descending insertion (id) order.
  assert.deepEqual(seen.map(seq), Array.from({ length: 250 }, (_, i) => 249 - i));
});

test('backward paging (last/before) returns the same messages in the same order', async () => {
  const pages: string[][] = [];
  let before: string | null = null;
  for (;;) {
    const p = await page({ last: 50, before, where });
    assert.equal(p.pageInfo.hasNextPage, before !== null);
    pages.unshift(p.edges.map((e) => e.node.whatsMessageId));
    if (!p.pageInfo.hasPreviousPage) break;
    before = p.pageInfo.startCursor;
  }
  const all = pages.flat();
  assert.equal(all.length, 250);
  assert.deepEqual(all.map((id) => Number(id.slice(5))), Array.from({ length: 250 }, (_, i) => 249 - i));
});

test('oldest-first order, uneven page sizes and both ends', async () => {
  const first = await page({ first: 7, where, orderBy: 'CHAT_TIME_ASC' });
  assert.deepEqual(first.edges.map((e) => seq(e.node)), [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(first.pageInfo.hasPreviousPage, false);
  assert.equal(first.pageInfo.hasNextPage, true);
  const tail = await page({ first: 100, after: first.pageInfo.endCursor, where: { ...where, chatTimeFrom: new Date(BASE + 200_000).toISOString() }, orderBy: 'CHAT_TIME_ASC' });
  assert.equal(tail.edges.length, 50);
  assert.equal(tail.pageInfo.hasNextPage, false);
  const last = await page({ last: 3, where });
  assert.deepEqual(last.edges.map((e) => seq(e.node)), [2, 1, 0]);
  assert.equal(last.pageInfo.hasPreviousPage, true);
  assert.equal(last.pageInfo.hasNextPage, false);
  const empty = await page({ first: 0, where });
  assert.deepEqual(empty.edges, []);
  assert.equal(empty.pageInfo.startCursor, null);
});

const badArgs: [Record<string, unknown>, string][] = [
  [{ first: 10, last: 10 }, 'pass either first or last, not both'],
  [{ first: -1 }, 'first must not be negative, got -1'],
  [{ last: -5 }, 'last must not be negative, got -5'],
  [{ first: 101 }, 'first must be at most 100, got 101'],
  [{ last: 1000 }, 'last must be at most 100, got 1000'],
  [{ first: 1, after: 'nonsense' }, 'after is not a cursor of this connection: "nonsense"'],
  [{ first: 1, where: { day: '2024-13-01' } }, 'where.day must be a date "YYYY-MM-DD", got "2024-13-01"'],
];
for (const [variables, message] of badArgs) {
  test(`bad arguments ${JSON.stringify(variables)} are refused with a clear error`, async () => {
    const res = await t.graphql(PAGE, variables);
    assert.equal(res.body.errors?.[0]?.message, message);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });
}

test('filters: direction, content types, chat time range, agent, conversation, search', async () => {
  const images = await page({ first: 100, where: { ...where, contentTypes: ['IMAGE'] } });
  assert.equal(images.totalCount, 36);
  assert.ok(images.edges.every((e) => seq(e.node) % 7 === 0));
  const inbound = await page({ first: 100, where: { ...where, direction: 'INBOUND' } });
  assert.equal(inbound.totalCount, 100);
  const range = await page({ first: 100, where: { ...where, chatTimeFrom: new Date(BASE + 10_000).toISOString(), chatTimeTo: new Date(BASE + 19_000).toISOString() } });
  assert.deepEqual(range.edges.map((e) => seq(e.node)).sort((a, b) => a - b), [10, 11, 12, 13, 14, 15, 16, 17, 18, 20].filter((n) => n !== 20).concat(n19(range)));
  const agent = await page({ first: 5, where: { agentId: '82' } });
  assert.equal(agent.totalCount, 3, 'the seed example messages of agent 82');
  const search = async (text: string) => {
    const res = await t.graphql<{ searchMessages: { totalCount: number; edges: { node: { whatsMessageId: string }; snippet: { html: string } }[] } }>(
      `query($text: String!) { searchMessages(text: $text, first: 10) { totalCount edges { node { whatsMessageId } snippet { html } } } }`,
      { text },
    );
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    return res.body.data!.searchMessages;
  };
  // Terms: the number 14 whole; a quoted fragment: as written, inside numbers too.
  assert.deepEqual((await search('CAPTION 14')).edges.map((e) => [e.node.whatsMessageId, e.snippet.html]), [['conv-14', '<mark>caption</mark> <mark>14</mark>']]);
  assert.deepEqual((await search('"CAPTION 14"')).edges.map((e) => e.node.whatsMessageId), ['conv-147', 'conv-140', 'conv-14']);
});

// Message 19 carries the time of 18 (ties), so it falls inside the range too.
function n19(range: PageData['messages']) {
  return range.edges.some((e) => seq(e.node) === 19) ? [19] : [];
}

test('a message: every field, typed content, conversation and contact; node() and nodes() find it', async () => {
  const res = await t.graphql<any>(`{ messages(first: 1, where: { whatsMessageIds: ["19282dskdasldjl03"] }) { edges { node {
    id recordId whatsMessageId accountWhatsId friendWhatsId agentId direction chatType contentType msgPageContentType clientContentType
    status pendingAt taskId taskInfoId chatTime rawContent referContent
    content { __typename ... on QuoteContent { caption quoted { messageId whatsId contentType } } }
    conversation { id friendWhatsId messageCount lastMessage { whatsMessageId } }
    contact { id }
  } } } }`);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  const m = res.body.data.messages.edges[0].node;
  assert.equal(m.whatsMessageId, '19282dskdasldjl03');
  assert.equal(m.accountWhatsId, '86172272727');
  assert.equal(m.friendWhatsId, '8615375457649');
  assert.equal(m.direction, 'OUTBOUND');
  assert.equal(m.contentType, 'QUOTE');
  assert.equal(m.msgPageContentType, 9);
  assert.equal(m.clientContentType, 9);
  assert.equal(m.status, 'PENDING');
  assert.equal(m.taskId, 'taskid00001');
  assert.equal(m.chatTime, '2023-07-12T02:43:14.000Z');
  assert.equal(m.rawContent, '{"caption":"1","filename":"","mimeType":"","type":1,"url":""}');
  assert.deepEqual(m.content, { __typename: 'QuoteContent', caption: '1', quoted: { messageId: '3EB04F939512D66B1F2DFA', whatsId: '8615375457649', contentType: '1' } });
  assert.deepEqual(m.conversation.lastMessage, { whatsMessageId: '19282dskdasldjl03' });
  assert.equal(m.contact, null);
  assert.match(m.recordId, /^\d+$/);

  const missing = Buffer.from('Message:999999999').toString('base64');
  const node = await t.graphql<any>(`query($id: ID!, $c: ID!, $missing: ID!) { node(id: $id) { __typename ... on Message { whatsMessageId } } nodes(ids: [$id, $c, $missing]) { id } }`, { id: m.id, c: m.conversation.id, missing });
  assert.equal(node.body.errors, undefined, JSON.stringify(node.body.errors));
  assert.deepEqual(node.body.data.node, { __typename: 'Message', whatsMessageId: '19282dskdasldjl03' });
  assert.deepEqual(node.body.data.nodes.map((n: any) => n?.id ?? null), [m.id, m.conversation.id, null]);
  const garbage = await t.graphql(`{ node(id: "bm9wZQ==") { id } }`);
  assert.equal(garbage.body.errors?.[0]?.message, 'Invalid global ID: bm9wZQ==');
});

test('conversations: counters, last message, and their messages as a connection', async () => {
  const res = await t.graphql<any>(`{ conversations(first: 10) { totalCount edges { node {
    friendWhatsId messageCount unreadCount lastMessage { whatsMessageId } messages(first: 2) { totalCount edges { node { whatsMessageId } } pageInfo { hasNextPage } }
  } } } }`);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  const byFriend = new Map(res.body.data.conversations.edges.map((e: any) => [e.node.friendWhatsId, e.node]));
  assert.equal(res.body.data.conversations.totalCount, 3);
  const big: any = byFriend.get('447700900123');
  assert.equal(big.messageCount, 250);
  assert.equal(big.unreadCount, 100, 'the inbound batches are delivered, not read');
  assert.equal(big.lastMessage.whatsMessageId, 'conv-249');
  assert.deepEqual(big.messages.edges.map((e: any) => e.node.whatsMessageId), ['conv-249', 'conv-248']);
  assert.equal(big.messages.totalCount, 250);
  assert.equal(big.messages.pageInfo.hasNextPage, true);
});

test('without a valid key: 401; introspection alone is open; a key without READ is forbidden', async () => {
  const none = await t.graphql(`{ messages(first: 1) { totalCount } }`, {}, null);
  assert.equal(none.status, 401);
  assert.match(none.body.errors![0]!.message, /^authentication required/);
  const bad = await t.graphql(`{ messages(first: 1) { totalCount } }`, {}, 'cg_' + 'Z'.repeat(40));
  assert.equal(bad.status, 401);
  assert.equal(bad.body.errors![0]!.message, 'invalid or revoked API key');
  const intro = await t.graphql<any>(`{ __schema { queryType { name } } }`, {}, null);
  assert.equal(intro.status, 200);
  assert.equal(intro.body.data.__schema.queryType.name, 'Query');
  const ingestOnly = await t.graphql(`{ messages(first: 1) { totalCount } }`, {}, t.tenant.ingestKey);
  assert.equal(ingestOnly.body.errors![0]!.extensions!.code, 'FORBIDDEN');
});
