// GraphQL as the spec says, for operations written the way client developers
// write them: each case here failed on the server as it was before graphql-jit
// was removed (issue "GraphQL exactly as the spec says"), and is kept as a fixed
// case beside the generated differential test (differential.test.ts).
//   - several operations in one document: the one named runs (POST and GET),
//     and every guard (GET-mutation refusal, cost, auth gate) judges that one;
//   - subscription arguments however they are written (inline, any variable
//     name), over graphql-ws and SSE; aliased subscription fields;
//   - out-of-range values are the caller's error (BAD_USER_INPUT or a
//     validation error naming the argument), never INTERNAL_SERVER_ERROR;
//   - a document that would be expensive to validate is refused before.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { listen, type RunningServer } from '../../src/server.ts';
import { attachWebSocket, type WebSocketEndpoint } from '../../src/http/websocket.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { liveClient, msgSyncBody, msgSyncItem, postWebhook, sseSubscribe, type Feed, type LiveClient } from '../support/live.ts';

let t: TestApp;
let server: RunningServer;
let ws: WebSocketEndpoint;
let base: string;
let wsUrl: string;
const clients: LiveClient[] = [];
const feeds: Feed[] = [];
const logLines: string[] = [];

before(async () => {
  // Every line the server logs, to check that unexpected errors are logged as JSON.
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) logLines.push(line);
      done();
    },
  });
  t = await startTestApp({}, pino({ level: 'info' }, sink));
  server = await listen(t.app, 0, '127.0.0.1');
  ws = attachWebSocket(t.app, server.server, t.services.authenticator, t.services.log, 1000);
  base = `http://127.0.0.1:${server.port}`;
  wsUrl = `ws://127.0.0.1:${server.port}/graphql`;
});
after(async () => {
  for (const f of feeds) f.close();
  await Promise.all(clients.map((c) => c.dispose()));
  await ws.close();
  await server.close(1000);
  await t.close();
});

type Body = { data?: Record<string, unknown> | null; errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[] };

async function post(body: Record<string, unknown>, key: string | null = t.tenant.readKey): Promise<{ status: number; body: Body }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Body };
}

async function get(params: Record<string, string>, key: string | null = t.tenant.adminKey): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { accept: 'application/graphql-response+json' };
  if (key) headers.authorization = `Bearer ${key}`;
  headers['x-graphql-yoga-csrf'] = '1';
  const res = await fetch(`${base}/graphql?${new URLSearchParams(params)}`, { headers });
  return { status: res.status, text: await res.text() };
}

const codes = (body: Body) => (body.errors ?? []).map((e) => e.extensions?.code);

describe('several operations in one document', () => {
  const doc = `query Viewer { viewer { tenantId } }
    query Conversations { conversations(first: 2) { edges { node { friendWhatsId } } } }
    mutation Ingest { ingestMessages(messages: []) { inserted } }`;

  test('the operation named runs, whichever ran before from the same document', async () => {
    const a = await post({ query: doc, operationName: 'Viewer' });
    assert.deepEqual(a.body, { data: { viewer: { tenantId: '82' } } });
    const b = await post({ query: doc, operationName: 'Conversations' });
    assert.deepEqual(b.body, { data: { conversations: { edges: [] } } });
    const c = await post({ query: doc, operationName: 'Viewer' });
    assert.deepEqual(c.body, { data: { viewer: { tenantId: '82' } } });
  });

  test('GET runs the query named, not a mutation of the same document that ran before over POST', async () => {
    const mixed = `query Viewer { viewer { tenantId } }
      mutation Ingest { ingestMessages(messages: []) { inserted } }`;
    const m = await post({ query: mixed, operationName: 'Ingest' }, t.tenant.adminKey);
    assert.deepEqual(m.body, { data: { ingestMessages: { inserted: 0 } } });
    const q = await get({ query: mixed, operationName: 'Viewer' });
    assert.equal(q.status, 200, q.text);
    assert.deepEqual(JSON.parse(q.text), { data: { viewer: { tenantId: '82' } } });
    const refused = await get({ query: mixed, operationName: 'Ingest' });
    assert.equal(refused.status, 405, refused.text);
    assert.match(refused.text, /mutation/i);
  });

  test('GET naming two operations of one name, a mutation first: the validation errors, as on POST, not 405 (differential seed 211374429)', async () => {
    const twice = 'mutation Feed { ingestMessages(messages: []) { inserted } } query Feed { viewer { tenantId } }';
    const viaGet = await get({ query: twice, operationName: 'Feed' });
    const viaPost = await post({ query: twice, operationName: 'Feed' });
    assert.equal(viaGet.status, 400, viaGet.text);
    assert.deepEqual(JSON.parse(viaGet.text), viaPost.body);
    assert.deepEqual(codes(viaPost.body), ['GRAPHQL_VALIDATION_FAILED']);
    assert.match(viaPost.body.errors![0]!.message, /^There can be only one operation named "Feed"\.$/);
  });

  test('the cost limit judges the operation named, and the one judged is the one that runs', async () => {
    const doc = `query Cheap { viewer { tenantId } }
      query Nested { conversations(first: 2) { edges { node { id messages(first: 2) { edges { node { id } } } } } } }
      query Costly { conversations(first: 100) { edges { node { messages(first: 100) { edges { node { id contact { conversations(first: 100) { edges { node { id } } } } } } } } } } }`;
    assert.equal((await post({ query: doc, operationName: 'Nested' })).status, 200);
    // Judged cheap, so it must also *be* the cheap one that runs.
    const cheap = await post({ query: doc, operationName: 'Cheap' });
    assert.deepEqual(cheap.body, { data: { viewer: { tenantId: '82' } } });
    const r = await post({ query: doc, operationName: 'Costly' });
    assert.deepEqual(codes(r.body), ['QUERY_LIMIT_EXCEEDED']);
    assert.equal(r.body.errors![0]!.extensions!.limit, 'cost');
  });

  test('without a key, the introspection operation of a document runs, even after its data operation ran with a key', async () => {
    const mixed = 'query Data { conversations(first: 1) { totalCount } } query Schema { __schema { queryType { name } } }';
    const d = await post({ query: mixed, operationName: 'Data' });
    assert.deepEqual(d.body, { data: { conversations: { totalCount: 0 } } });
    const i = await post({ query: mixed, operationName: 'Schema' }, null);
    assert.equal(i.status, 200, JSON.stringify(i.body));
    assert.deepEqual(i.body, { data: { __schema: { queryType: { name: 'Query' } } } });
    const refused = await post({ query: mixed, operationName: 'Data' }, null);
    assert.equal(refused.status, 401);
    assert.deepEqual(codes(refused.body), ['UNAUTHENTICATED']);
  });

  test('an operation name that matches none, or none given for several, is the caller\'s error', async () => {
    const none = await post({ query: doc, operationName: 'Nope' });
    assert.match(none.body.errors![0]!.message, /Unknown operation named "Nope"/);
    const missing = await post({ query: doc });
    assert.match(missing.body.errors![0]!.message, /Must provide operation name/);
  });
});

describe('subscription arguments, however written, over graphql-ws and SSE', () => {
  const A = '447700900101';
  const B = '447700900102';
  let sent = 0;
  let sinceCases = 0;
  const push = async (friend: string) => {
    const id = `spec-${++sent}-${friend}`;
    const res = await postWebhook(base, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(t.tenant, [msgSyncItem(id, 3, { friend })]));
    assert.equal(res.status, 200, res.text);
    return id;
  };
  const connect = async () => {
    const c = liveClient(wsUrl, { authorization: `Bearer ${t.tenant.readKey}` });
    clients.push(c);
    await c.connected();
    return c;
  };
  type Added = { whatsMessageId: string; replayed: boolean };
  const field = (data: Record<string, unknown>) => Object.values(data)[0] as Added;

  const shapes: { name: string; query: string; variables?: Record<string, unknown> }[] = [
    { name: 'inline', query: `subscription { messageAdded(where: { friendWhatsId: "${A}" }) { whatsMessageId replayed } }` },
    { name: 'inline, suffixed id', query: `subscription { messageAdded(where: { friendWhatsId: "${A}@c.us" }) { whatsMessageId replayed } }` },
    { name: '$filter', query: 'subscription S($filter: MessageEventWhere) { messageAdded(where: $filter) { whatsMessageId replayed } }', variables: { filter: { friendWhatsId: A } } },
    { name: 'variable inside the literal', query: 'subscription S($f: String) { messageAdded(where: { friendWhatsId: $f }) { whatsMessageId replayed } }', variables: { f: A } },
    { name: 'aliased', query: `subscription { added: messageAdded(where: { friendWhatsId: "${A}" }) { whatsMessageId replayed } }` },
    { name: 'variable default', query: `subscription S($w: MessageEventWhere = { friendWhatsId: "${A}" }) { messageAdded(where: $w) { whatsMessageId replayed } }` },
  ];

  for (const transport of ['graphql-ws', 'SSE'] as const) {
    for (const shape of shapes) {
      test(`${transport}: where ${shape.name} — only the friend's events`, async () => {
        const feed =
          transport === 'graphql-ws'
            ? (await connect()).subscribe(shape.query, shape.variables)
            : await sseSubscribe(`${base}/graphql`, t.tenant.readKey, shape.query, shape.variables);
        feeds.push(feed);
        await new Promise((r) => setTimeout(r, 150));
        await push(B);
        const wanted = await push(A);
        const data = await feed.next();
        assert.deepEqual(Object.keys(data), [shape.name === 'aliased' ? 'added' : 'messageAdded']);
        assert.deepEqual(field(data), { whatsMessageId: wanted, replayed: false });
        await feed.none(200);
        feed.close();
      });
    }

    for (const [name, query, variables] of [
      ['since inline', (since: string) => `subscription { messageAdded(since: "${since}", where: { friendWhatsId: "${A}" }) { whatsMessageId replayed } }`, () => undefined],
      ['since as $s', () => `subscription S($s: DateTime) { messageAdded(since: $s, where: { friendWhatsId: "${A}" }) { whatsMessageId replayed } }`, (since: string) => ({ s: since })],
    ] as const) {
      test(`${transport}: ${name} replays what was missed, then goes live`, async () => {
        const since = new Date(Date.now() - 1000).toISOString();
        const friend = `4477009002${String(++sinceCases).padStart(2, '0')}`;
        const missed = await push(friend);
        const q = (query as (s: string) => string)(since).replaceAll(A, friend);
        const v = (variables as (s: string) => Record<string, unknown> | undefined)(since);
        const feed = transport === 'graphql-ws' ? (await connect()).subscribe(q, v) : await sseSubscribe(`${base}/graphql`, t.tenant.readKey, q, v);
        feeds.push(feed);
        const first = field(await feed.next());
        assert.deepEqual(first, { whatsMessageId: missed, replayed: true });
        await new Promise((r) => setTimeout(r, 150));
        const live = await push(friend);
        assert.deepEqual(field(await feed.next()), { whatsMessageId: live, replayed: false });
        feed.close();
      });
    }
  }

  for (const transport of ['graphql-ws', 'SSE'] as const) {
    test(`${transport}: an id the database cannot hold in where (NUL, lone surrogate) is BAD_USER_INPUT naming it, with or without since (differential seed 211374429)`, async () => {
      const since = new Date(Date.now() - 60_000).toISOString();
      for (const [friend, problem] of [['4477\u0000', /NUL/], ['4477\udfff', /surrogate/]] as const) {
        for (const withSince of [false, true]) {
          const query = 'subscription S($w: MessageEventWhere, $s: DateTime) { messageStatusChanged(where: $w, since: $s) { messageId } }';
          const variables = { w: { friendWhatsId: friend }, ...(withSince ? { s: since } : {}) };
          const feed = transport === 'graphql-ws' ? (await connect()).subscribe(query, variables) : await sseSubscribe(`${base}/graphql`, t.tenant.readKey, query, variables);
          feeds.push(feed);
          const err = await feed.next().then(() => null, (e: Error) => e.message);
          assert.ok(err, 'an error was expected');
          assert.match(err, /BAD_USER_INPUT/);
          assert.match(err, /(\$w|where)\.friendWhatsId/);
          assert.match(err, problem);
          feed.close();
        }
      }
    });
  }

  test('graphql-ws: an aliased subscription answers under its alias and the socket stays open', async () => {
    const c = await connect();
    const feed = c.subscribe(`subscription { added: messageAdded(where: { friendWhatsId: "${A}" }) { id: messageId whatsMessageId } }`);
    feeds.push(feed);
    await new Promise((r) => setTimeout(r, 150));
    const wanted = await push(A);
    const data = (await feed.next()) as { added?: { whatsMessageId: string; id: string } };
    assert.equal(data.added?.whatsMessageId, wanted);
    assert.ok(data.added?.id);
    const viewer = c.subscribe('{ viewer { tenantId } }');
    assert.deepEqual(await viewer.next(), { viewer: { tenantId: '82' } });
  });
});

describe('out-of-range values are the caller\'s error', () => {
  const cases: [string, string, Record<string, unknown> | undefined, RegExp][] = [
    ['chatTimeFrom year 0 (literal)', '{ messages(where: { chatTimeFrom: "0000-01-01T00:00:00Z" }) { totalCount } }', undefined, /chatTimeFrom|DateTime/],
    ['chatTimeTo +275760 (literal)', '{ messages(where: { chatTimeTo: "+275760-09-13T00:00:00Z" }) { totalCount } }', undefined, /chatTimeTo|DateTime/],
    ['chatTimeFrom year 0 (variable)', 'query Q($w: MessageWhere) { messages(where: $w) { totalCount } }', { w: { chatTimeFrom: '0000-01-01T00:00:00Z' } }, /chatTimeFrom/],
    ['chatTimeTo +275760 (variable)', 'query Q($t: DateTime) { messages(where: { chatTimeTo: $t }) { edges { node { id } } } }', { t: '+275760-09-13T00:00:00Z' }, /\$t|DateTime/],
    ['since far past', 'subscription { messageAdded(since: "-000001-01-01T00:00:00Z") { messageId } }', undefined, /since|DateTime/],
    ['a day that does not exist', '{ messages(where: { chatTimeFrom: "2024-02-30T00:00:00Z" }) { totalCount } }', undefined, /chatTimeFrom|DateTime/],
    ['conversationId beyond int8', `{ messages(where: { conversationId: "${Buffer.from('Conversation:9223372036854775808').toString('base64')}" }) { totalCount } }`, undefined, /conversationId/],
    ['cursor with a time beyond the range', `{ messages(first: 1, after: "${Buffer.from('M:999999999999999:1').toString('base64url')}") { totalCount } }`, undefined, /after/],
    ['cursor with an id beyond int8', `{ messages(first: 1, after: "${Buffer.from('M:1000:9999999999999999999').toString('base64url')}") { totalCount } }`, undefined, /after/],
    ['first beyond Int', '{ messages(first: 2147483648) { totalCount } }', undefined, /first|Int/],
    ['pageSize beyond Int (variable)', 'query Q($p: Int) { messagePage(pageSize: $p) { totalCount } }', { p: 2 ** 31 }, /\$p|Int/],
  ];
  for (const [name, query, variables, names] of cases) {
    test(name, async () => {
      const res = await post({ query, variables });
      const errors = res.body.errors ?? [];
      assert.ok(errors.length > 0, `expected an error, got ${JSON.stringify(res.body)}`);
      for (const e of errors) {
        assert.notEqual(e.extensions?.code, 'INTERNAL_SERVER_ERROR', JSON.stringify(e));
        assert.notEqual(e.message, 'Unexpected error.');
        assert.ok(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED'].includes(String(e.extensions?.code)), JSON.stringify(e));
      }
      assert.match(errors.map((e) => e.message).join(' | '), names);
      assert.ok(res.status < 500, String(res.status));
    });
  }
});

test('the same ids through nodes() and node() in one operation resolve to their types (differential seeds 7 and 99991)', async () => {
  const res = await postWebhook(base, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(t.tenant, [msgSyncItem('spec-nodes-1', 3, { friend: '447700900190' })]));
  assert.equal(res.status, 200, res.text);
  const page = await post({ query: '{ messages(first: 1, where: { friendWhatsId: "447700900190" }) { edges { node { id contact { id } conversation { id } } } } }' });
  assert.equal(page.body.errors, undefined, JSON.stringify(page.body.errors));
  const m = (page.body.data as { messages: { edges: { node: { id: string; contact: { id: string } | null; conversation: { id: string } } }[] } }).messages.edges[0]!.node;
  const ids = [m.id, m.conversation.id, ...(m.contact ? [m.contact.id] : [])];
  for (const id of ids) {
    const r = await post({
      query: 'query($ids: [ID!]!, $id: ID!) { nodes(ids: $ids) { __typename ... on Contact { income } } node(id: $id) { ... on Node { id __typename } } again: node(id: $id) { __typename } }',
      variables: { ids, id },
    });
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    const data = r.body.data as { nodes: { __typename: string }[]; node: { id: string; __typename: string }; again: { __typename: string } };
    assert.deepEqual(data.nodes.map((n) => n.__typename), ['Message', 'Conversation', 'Contact'].slice(0, ids.length));
    assert.equal(data.node.id, id);
    assert.equal(data.again.__typename, data.node.__typename);
  }
});

test('a NUL is judged only where the operation reads it: a variable it does not declare is ignored, as graphql-js ignores it', async () => {
  const ignored = await post({ query: 'query Q($w: MessageWhere) { messages(first: 1, where: $w) { totalCount } }', variables: { w: { friendWhatsId: '4477' }, other: 'a\u0000b', ['k\u0000']: 1 } });
  assert.equal(ignored.body.errors, undefined, JSON.stringify(ignored.body));
  const refused = await post({ query: 'query Q($w: MessageWhere) { messages(first: 1, where: $w) { totalCount } }', variables: { w: { friendWhatsId: '44\u000077' } } });
  assert.deepEqual(codes(refused.body), ['BAD_USER_INPUT']);
  assert.match(refused.body.errors![0]!.message, /^\$w\.friendWhatsId must not contain NUL/);
});

test('an id beyond what a row id can be names no node (null), as any unknown id', async () => {
  for (const raw of ['Message:99999999999999999999', 'Message:9999999999999999999', 'Conversation:9223372036854775808', 'Contact:0']) {
    const res = await post({ query: `{ node(id: "${Buffer.from(raw).toString('base64')}") { id } }` });
    assert.deepEqual(res.body, { data: { node: null } }, raw);
  }
  const page = await post({ query: '{ messagePage(page: 2147483647, pageSize: 500) { totalCount nodes { id } } }' });
  assert.equal(page.body.errors, undefined, JSON.stringify(page.body));
  assert.deepEqual((page.body.data!.messagePage as { nodes: unknown[] }).nodes, []);
});

describe('validation work is bounded before validation runs', () => {
  test('1 200 × viewer { tenantId } is refused with a limit error, fast', async () => {
    const flood = `{ ${'viewer { tenantId } '.repeat(1200)}}`;
    const res = await post({ query: flood });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'QUERY_LIMIT_EXCEEDED');
    assert.equal(res.body.errors?.[0]?.extensions?.limit, 'fields');
  });
});

describe('unexpected errors', () => {
  test('are masked for the client and logged once as JSON with the request id, operation name and stack', async () => {
    const pool = t.services.db.pool;
    const original = pool.query.bind(pool);
    (pool as { query: unknown }).query = () => Promise.reject(new TypeError('boom: injected'));
    let res;
    try {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${t.tenant.readKey}`, 'x-request-id': 'spec-case-42' };
      const r = await fetch(`${base}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: 'query Boom { messages(first: 1) { edges { node { id } } } }', operationName: 'Boom' }) });
      res = (await r.json()) as Body;
    } finally {
      (pool as { query: unknown }).query = original;
    }
    assert.equal(res.errors?.[0]?.message, 'Unexpected error.');
    const logged = logLines.filter((l) => l.includes('boom: injected'));
    assert.equal(logged.length, 1, logged.join('\n'));
    const entry = JSON.parse(logged[0]!);
    assert.equal(entry.requestId, 'spec-case-42');
    assert.equal(entry.operationName, 'Boom');
    assert.match(JSON.stringify(entry.err), /TypeError: boom: injected\\n\s+at /);
    for (const line of logLines) assert.doesNotThrow(() => JSON.parse(line), line);
  });
});
