// Limits (README "Limits"): each hostile request is refused with an error
// naming the limit, and the server goes on serving; rate limits answer 429
// and recover; CSRF and CORS per configuration; persisted operations; the
// GraphQL limits over graphql-ws too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { getIntrospectionQuery } from 'graphql';
import { listen, type RunningServer } from '../../src/server.ts';
import { attachWebSocket, type WebSocketEndpoint } from '../../src/http/websocket.ts';
import { buildPersistedManifest, sha256Hex } from '../../src/execution/persisted-operations.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { liveClient, msgSyncBody, msgSyncItem } from '../support/live.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

type GraphQLBody = { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };

/** Asserts a single error naming `limit`, whose message matches `message`. */
function assertLimit(body: GraphQLBody, limit: string, message: RegExp) {
  assert.equal(body.data, undefined, JSON.stringify(body));
  assert.equal(body.errors?.length, 1, JSON.stringify(body));
  const [error] = body.errors!;
  assert.equal(error!.extensions?.code, 'QUERY_LIMIT_EXCEEDED');
  assert.equal(error!.extensions?.limit, limit);
  assert.match(error!.message, message);
}

/** The server still answers a normal query. */
async function stillServing(app: TestApp = t) {
  const res = await app.graphql<{ viewer: { tenantId: string } }>('{ viewer { tenantId } }');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.data, { viewer: { tenantId: '82' } });
}

// 13 nested fields.
const TOO_DEEP = `{ conversations(first: 1) { edges { node { messages(first: 1) { edges { node { contact {
  conversations(first: 1) { edges { node { lastMessage { contact { name } } } } } } } } } } } } }`;
// 100 conversations × 100 messages × 100 of each message's contact's conversations.
const TOO_COSTLY = `{ conversations(first: 100) { edges { node { messages(first: 100) { edges { node { contact {
  conversations(first: 100) { edges { node { id } } } } } } } } } } }`;

describe('GraphQL document limits', () => {
  test('depth: 13 nested fields are refused (limit 12); 12 are not', async () => {
    const res = await t.graphql(TOO_DEEP);
    assert.equal(res.status, 400);
    assertLimit(res.body, 'depth', /^query depth 13 exceeds the limit of 12 nested fields$/);
    assert.equal(res.body.errors![0]!.extensions?.found, 13);
    const twelve = await t.graphql(TOO_DEEP.replace('contact { name }', 'id'));
    assert.equal(twelve.status, 200, JSON.stringify(twelve.body));
    assert.equal(twelve.body.errors, undefined);
    await stillServing();
  });

  test('depth counts through fragments', async () => {
    const res = await t.graphql(`
      query { conversations(first: 1) { edges { node { ...C } } } }
      fragment C on Conversation { messages(first: 1) { edges { node { contact { ...K } } } } }
      fragment K on Contact { conversations(first: 1) { edges { node { lastMessage { contact { name } } } } } }`);
    assertLimit(res.body, 'depth', /query depth 13 exceeds the limit of 12/);
  });

  test('cost: nested connections at their largest page size are refused, the cost named', async () => {
    const res = await t.graphql(TOO_COSTLY);
    assertLimit(res.body, 'cost', /^query cost 2040301 exceeds the limit of 50000: .*page sizes \(first\/last, pageSize\)/);
    await stillServing();
  });

  test('cost reads page sizes from variables (and their defaults)', async () => {
    const query = `query Q($n: Int = 100) { conversations(first: $n) { edges { node { messages(first: $n) { edges { node {
      contact { conversations(first: $n) { edges { node { id } } } } } } } } } } }`;
    const small = await t.graphql(query, { n: 5 });
    assert.equal(small.status, 200, JSON.stringify(small.body));
    assert.deepEqual(small.body.data, { conversations: { edges: [] } });
    assertLimit((await t.graphql(query, { n: 100 })).body, 'cost', /^query cost 2040301 exceeds/);
    assertLimit((await t.graphql(query, {})).body, 'cost', /^query cost 2040301 exceeds/);
    // messagePage's pageSize multiplies its nodes: 1 + 500 × (message, contact, connection, 100 × (edge, conversation)).
    const page = 'query($s: Int!) { messagePage(pageSize: $s) { nodes { contact { conversations(first: 100) { edges { node { id } } } } } } }';
    assertLimit((await t.graphql(page, { s: 500 })).body, 'cost', /^query cost 101501 exceeds/);
    assert.equal((await t.graphql(page, { s: 200 })).status, 200, 'cost 40 601');
    // 100 × 100 with a contact each: 30 301, under the limit.
    const wide = await t.graphql('{ conversations(first: 100) { edges { node { messages(first: 100) { edges { node { id contact { name } } } } } } } }');
    assert.equal(wide.status, 200, JSON.stringify(wide.body));
  });

  test('aliases: 31 are refused (limit 30), also when a fragment repeats them', async () => {
    const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: viewer { tenantId }`).join(' ');
    assertLimit((await t.graphql(`{ ${aliases(31)} }`)).body, 'aliases', /^the operation uses 31 aliases, more than the limit of 30/);
    assert.equal((await t.graphql(`{ ${aliases(30)} }`)).status, 200);
    const spread = await t.graphql(`{ viewer { ...V ...V ...V } } fragment V on Viewer { a: tenantId b: tenantName c: scopes d: tenantId e: tenantName f: scopes g: tenantId h: tenantName i: scopes j: tenantId k: tenantId }`);
    assertLimit(spread.body, 'aliases', /uses 33 aliases/);
    await stillServing();
  });

  test('tokens: a document of more than 5000 tokens is refused before it is parsed whole', async () => {
    const res = await t.graphql(`{ viewer { ${'tenantId '.repeat(5000)}} }`);
    assert.equal(res.status, 400);
    assertLimit(res.body, 'tokens', /^the document has more than 5000 tokens, the limit/);
    await stillServing();
  });

  test('directives: 21 are refused (limit 20)', async () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `t${i}: tenantId @include(if: true)`).join(' ');
    const res = await t.graphql(`{ viewer { ${fields(21)} } }`);
    assertLimit(res.body, 'directives', /^the operation uses 21 directives, more than the limit of 20/);
    assert.equal((await t.graphql(`{ viewer { ${fields(20)} } }`)).status, 200);
    await stillServing();
  });

  test('introspection (GraphiQL, codegen) passes the limits, without a key', async () => {
    const query = getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true });
    const res = await t.graphql<{ __schema: { types: unknown[] } }>(query, undefined, null);
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
    assert.ok(res.body.data!.__schema.types.length > 20);
  });

  test('no "Did you mean" suggestions outside development', async () => {
    const res = await t.graphql('{ viewr { tenantId } }');
    assert.equal(res.body.errors![0]!.message, 'Cannot query field "viewr" on type "Query".');
    const dev = await startTestApp({ NODE_ENV: 'development' });
    try {
      const devRes = await dev.graphql('{ viewr { tenantId } }');
      assert.match(devRes.body.errors![0]!.message, /Did you mean "viewer"\?/);
    } finally {
      await dev.close();
    }
  });
});

describe('body size', () => {
  const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
    t.app.fetch(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, duplex: 'half' } as RequestInit);
  /** A body of `size` bytes sent without Content-Length (chunked). */
  const chunked = (size: number) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (let sent = 0; sent < size; sent += 64 * 1024) controller.enqueue(new Uint8Array(Math.min(64 * 1024, size - sent)).fill(0x20));
        controller.close();
      },
    });

  test('/graphql: more than 1 MiB is a 413 naming the limit, with or without Content-Length', async () => {
    const body = JSON.stringify({ query: '{ viewer { tenantId } }', variables: { padding: 'x'.repeat(1024 * 1024) } });
    let res = await post('/graphql', body, { authorization: `Bearer ${t.tenant.readKey}` });
    assert.equal(res.status, 413);
    const json = (await res.json()) as GraphQLBody;
    assert.equal(json.errors![0]!.extensions?.code, 'REQUEST_TOO_LARGE');
    assert.match(json.errors![0]!.message, /^the request body is \d+ bytes, more than the 1048576 bytes allowed on \/graphql$/);
    res = await post('/graphql', chunked(2 * 1024 * 1024), { authorization: `Bearer ${t.tenant.readKey}` });
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as GraphQLBody).errors![0]!.message, /more than the 1048576 bytes allowed on \/graphql/);
    await stillServing();
  });

  test('/graphql: a Content-Length that is not a number is a 400', async () => {
    const res = await t.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '12, 12', authorization: `Bearer ${t.tenant.readKey}` },
      body: JSON.stringify({ query: '{ viewer { tenantId } }' }),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as GraphQLBody).errors![0]!.extensions?.code, 'BAD_REQUEST');
  });

  test('webhook: more than 5 MiB is a 413 in the legacy envelope, with or without Content-Length', async () => {
    for (const body of ['['.padEnd(5 * 1024 * 1024 + 1, ' '), chunked(6 * 1024 * 1024)]) {
      const res = await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', body, { authorization: `Bearer ${t.tenant.ingestKey}` });
      assert.equal(res.status, 413);
      const json = (await res.json()) as { code: number; message: string; data: null };
      assert.equal(json.code, 413);
      assert.match(json.message, /^request body is (\d+ bytes, )?more than the 5242880 (bytes )?allowed$/);
    }
    // A normal delivery right after is stored.
    const ok = await post('/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(t.tenant, [msgSyncItem('limits-after-413', 1)]));
    assert.equal(await ok.text(), '{"code":200,"message":"success!","data":""}');
  });

  test('msgPage: more than 64 KiB is a 413 in its envelope', async () => {
    const body = JSON.stringify({ tenantId: 82, info: {}, padding: 'x'.repeat(64 * 1024) });
    const res = await post('/wscrm-bus-api/open/message/msgPage', body, { token: t.tenant.readKey });
    assert.equal(res.status, 413);
    const json = (await res.json()) as { code: number; message: string };
    assert.equal(json.code, 413);
    assert.match(json.message, /more than the 65536 allowed/);
    const ok = await post('/wscrm-bus-api/open/message/msgPage', JSON.stringify({ tenantId: 82, info: {} }), { token: t.tenant.readKey });
    assert.equal(ok.status, 200);
  });
});

describe('CSRF prevention', () => {
  const get = (headers: Record<string, string>) =>
    t.app.fetch(`http://localhost/graphql?query=${encodeURIComponent('{ viewer { tenantId } }')}`, {
      headers: { authorization: `Bearer ${t.tenant.readKey}`, accept: 'application/json', ...headers },
    });

  test('a GET without the CSRF header is refused with 403 naming the header; with it, answered', async () => {
    const refused = await get({});
    assert.equal(refused.status, 403);
    const body = (await refused.json()) as GraphQLBody;
    assert.equal(body.errors![0]!.extensions?.code, 'CSRF_HEADER_REQUIRED');
    assert.match(body.errors![0]!.message, /must carry the header x-graphql-yoga-csrf/);
    const answered = await get({ 'x-graphql-yoga-csrf': '1' });
    assert.equal(answered.status, 200);
    assert.deepEqual(((await answered.json()) as GraphQLBody).data, { viewer: { tenantId: '82' } });
  });

  test('a text/plain POST (a cross-site form) is refused; a JSON POST needs no header', async () => {
    const res = await t.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${t.tenant.readKey}` },
      body: JSON.stringify({ query: '{ viewer { tenantId } }' }),
    });
    assert.equal(res.status, 403);
    assert.match(((await res.json()) as GraphQLBody).errors![0]!.message, /with content-type text\/plain to \/graphql must carry the header/);
    await stillServing();
  });
});

describe('CORS', () => {
  const preflight = (app: TestApp, origin: string) =>
    app.app.fetch('http://localhost/graphql', {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });

  test('by default no origin is allowed: no CORS headers', async () => {
    const res = await preflight(t, 'https://app.example.com');
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  test('CORS_ORIGINS: the listed origins are allowed, others not', async () => {
    const app = await startTestApp({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' });
    try {
      const res = await preflight(app, 'https://app.example.com');
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
      assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
      assert.match(res.headers.get('access-control-allow-headers') ?? '', /authorization/);
      assert.match(res.headers.get('vary') ?? '', /Origin/);
      assert.equal(res.headers.get('access-control-allow-credentials'), null);
      const other = await preflight(app, 'https://evil.example');
      assert.equal(other.headers.get('access-control-allow-origin'), null);
      // The actual request from an allowed origin carries the header too.
      const actual = await app.app.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { origin: 'http://localhost:5173', 'content-type': 'application/json', authorization: `Bearer ${app.tenant.readKey}` },
        body: JSON.stringify({ query: '{ viewer { tenantId } }' }),
      });
      assert.equal(actual.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    } finally {
      await app.close();
    }
  });
});

describe('rate limits', () => {
  let limited: TestApp;
  before(async () => {
    // 30 a minute per key (one every 2 s), 60 per IP (one a second); the IP from X-Forwarded-For.
    limited = await startTestApp({ RATE_LIMIT_PER_MINUTE: '30', RATE_LIMIT_IP_PER_MINUTE: '60', TRUST_PROXY: 'true' });
  });
  after(() => limited.close());

  const graphql = (ip: string, key: string) =>
    limited.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-forwarded-for': `10.9.9.9, ${ip}` },
      body: JSON.stringify({ query: '{ viewer { tenantId } }' }),
    });

  test('per API key: the 31st request in a minute is a 429 RATE_LIMITED with Retry-After, and it recovers', async () => {
    const key = limited.tenant.readKey;
    for (let i = 0; i < 30; i++) assert.equal((await graphql(`10.0.0.${i}`, key)).status, 200, `request ${i + 1}`);
    const refused = await graphql('10.0.1.1', key);
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${retryAfter}`);
    const body = (await refused.json()) as GraphQLBody;
    assert.equal(body.errors![0]!.extensions?.code, 'RATE_LIMITED');
    assert.match(body.errors![0]!.message, /^rate limit exceeded: more than 30 requests a minute with this API key \(RATE_LIMIT_PER_MINUTE\); retry after \d s$/);
    // Another key is not affected.
    assert.equal((await graphql('10.0.1.2', limited.tenant.adminKey)).status, 200);
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 50));
    assert.equal((await graphql('10.0.1.3', key)).status, 200);
  });

  test('per IP, in each route\'s envelope: webhooks {"code":429}, retrievePastRecords {"msg"}', async () => {
    const ip = '192.0.2.7';
    const webhook = () =>
      limited.app.fetch('http://localhost/webhooks/MSG_SYNC_MESSAGE', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: msgSyncBody(limited.tenant, []),
      });
    for (let i = 0; i < 60; i++) assert.equal((await webhook()).status, 200, `request ${i + 1}`);
    const refused = await webhook();
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    const json = (await refused.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), ['code', 'message', 'data']);
    assert.equal(json.code, 429);
    assert.match(String(json.message), /more than 60 requests a minute from this address \(RATE_LIMIT_IP_PER_MINUTE\)/);
    const past = await limited.app.fetch('http://localhost/xd/client/retrievePastRecords', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, token: limited.tenant.readKey },
      body: JSON.stringify({ custServId: '1', pageNo: 1, pageSize: 10 }),
    });
    assert.equal(past.status, 429);
    const pastJson = (await past.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(pastJson), ['msg', 'code', 'data']);
    assert.equal(pastJson.code, 429);
    // Another address is not affected; this one recovers after Retry-After.
    assert.equal((await graphql('192.0.2.8', limited.tenant.ingestKey)).status, 200);
    await new Promise((r) => setTimeout(r, 1050));
    assert.equal((await webhook()).status, 200);
  });

  test('health checks are not limited', async () => {
    for (let i = 0; i < 70; i++) {
      const res = await limited.app.fetch('http://localhost/healthz', { headers: { 'x-forwarded-for': '192.0.2.99' } });
      assert.equal(res.status, 200);
    }
  });
});

describe('persisted operations', () => {
  const operationsDir = new URL('../../schema/operations', import.meta.url).pathname;
  const manifest = buildPersistedManifest(operationsDir);
  const viewerHash = Object.keys(manifest).find((h) => manifest[h]!.startsWith('query Viewer'))!;

  test('schema/persisted-operations.json is built from schema/operations (run `npm run persisted:print`)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../schema/persisted-operations.json', import.meta.url), 'utf8'));
    assert.deepEqual(committed, manifest);
    for (const [hash, document] of Object.entries(manifest)) assert.equal(sha256Hex(document), hash);
  });

  const send = async (app: TestApp, body: unknown) => {
    const res = await app.app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app.tenant.readKey}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as GraphQLBody };
  };
  const byHash = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

  test('only: a persisted id runs, a document is refused, an unknown id is named; the legacy endpoints still work', async () => {
    const app = await startTestApp({ PERSISTED_OPERATIONS: 'only' });
    try {
      const ok = await send(app, byHash(viewerHash));
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.deepEqual(ok.body.data, { viewer: { tenantId: '82', tenantName: 'Test company', scopes: ['READ'] } });
      const document = await send(app, { query: '{ viewer { tenantId } }' });
      assert.equal(document.status, 400);
      assert.equal(document.body.errors![0]!.extensions?.code, 'PERSISTED_QUERY_ONLY');
      assert.match(document.body.errors![0]!.message, /persisted operations only \(PERSISTED_OPERATIONS=only\)/);
      const unknown = await send(app, byHash('0'.repeat(64)));
      assert.equal(unknown.body.errors![0]!.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND');
      assert.match(unknown.body.errors![0]!.message, /no persisted operation has sha256Hash "0{64}"/);
      const legacy = await app.app.fetch('http://localhost/wscrm-bus-api/open/message/msgPage', {
        method: 'POST',
        headers: { 'content-type': 'application/json', token: app.tenant.readKey },
        body: JSON.stringify({ tenantId: 82, info: {} }),
      });
      assert.equal(legacy.status, 200);
    } finally {
      await app.close();
    }
  });

  test('allow: ids and documents both run; off (the default): ids are not looked up', async () => {
    const app = await startTestApp({ PERSISTED_OPERATIONS: 'allow' });
    try {
      assert.deepEqual((await send(app, byHash(viewerHash))).body.data, { viewer: { tenantId: '82', tenantName: 'Test company', scopes: ['READ'] } });
      assert.deepEqual((await send(app, { query: '{ viewer { tenantId } }' })).body.data, { viewer: { tenantId: '82' } });
    } finally {
      await app.close();
    }
    const off = await send(t, byHash(viewerHash));
    assert.equal(off.body.data, undefined);
    assert.ok(off.body.errors?.length);
  });
});

/** POSTs `total` bytes of spaces with Transfer-Encoding: chunked (no Content-Length) over a real socket. */
function chunkedPost(port: number, path: string, headers: Record<string, string>, total: number): Promise<{ status: number; body: string; connection?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body, connection: res.headers.connection }));
    });
    // The server may answer 413 and close before all is sent: only an error before any answer counts.
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`no answer from ${path} within 5 s`)));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const write = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

describe('over a real socket (HTTP and graphql-ws)', () => {
  let server: RunningServer;
  let ws: WebSocketEndpoint;
  before(async () => {
    // As src/main.ts starts it: bodies of declared length read whole first (src/server.ts).
    server = await listen(t.app, 0, '127.0.0.1', { bufferBodyBytes: 1024 * 1024 });
    ws = attachWebSocket(t.app, server.server, t.services.authenticator, t.services.log, 1000);
  });

  test('bodies with a Content-Length: answered up to the limit, 413 over it, on /graphql and a webhook', async () => {
    const at = (padding: number) => JSON.stringify({ query: '{ viewer { tenantId } }', variables: { padding: 'x'.repeat(padding) } });
    const overhead = Buffer.byteLength(at(0));
    const send = (path: string, body: string, key: string) =>
      fetch(`http://127.0.0.1:${server.port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
    let res = await send('/graphql', at(1024 * 1024 - overhead), t.tenant.readKey);
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as GraphQLBody).data, { viewer: { tenantId: '82' } });
    res = await send('/graphql', at(1024 * 1024 - overhead + 1), t.tenant.readKey);
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as GraphQLBody).errors![0]!.message, /^the request body is 1048577 bytes, more than the 1048576 bytes allowed on \/graphql$/);
    res = await send('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', '[]', t.tenant.ingestKey);
    assert.equal(res.status, 200, await res.clone().text());
  });
  after(async () => {
    await ws.close();
    await server.close(1000);
  });

  test('chunked bodies over the limit are cut off with 413 and the connection closed; the next request is served', async () => {
    // Without `Connection: close`, the unread rest of the body stalled the next request on the kept-alive connection.
    const graphql = await chunkedPost(server.port, '/graphql', { authorization: `Bearer ${t.tenant.readKey}` }, 3 * 1024 * 1024);
    assert.equal(graphql.status, 413);
    assert.match(graphql.body, /more than the 1048576 bytes allowed on \/graphql/);
    assert.equal(graphql.connection, 'close');
    const webhook = await chunkedPost(server.port, '/webhooks/CLIENT_SYNC_MESSAGE', { authorization: `Bearer ${t.tenant.ingestKey}` }, 8 * 1024 * 1024);
    assert.equal(webhook.status, 413);
    assert.equal(webhook.body, '{"code":413,"message":"request body is more than the 5242880 bytes allowed","data":null}');
    assert.equal(webhook.connection, 'close');
    // The same (keep-alive) agent: it would have reused the stalled connection.
    const next = await chunkedPost(server.port, '/webhooks/CLIENT_SYNC_MESSAGE_STATUS', { authorization: `Bearer ${t.tenant.ingestKey}` }, 0);
    assert.equal(next.body, '{"code":400,"message":"request body is empty: a JSON document is required","data":null}');
  });

  test('the depth, token and cost limits apply to operations on a socket, which keeps serving', async () => {
    const client = liveClient(`ws://127.0.0.1:${server.port}/graphql`, { authorization: `Bearer ${t.tenant.readKey}` });
    try {
      await client.connected();
      await assert.rejects(client.subscribe(TOO_DEEP).next(), /query depth 13 exceeds the limit of 12 nested fields/);
      await assert.rejects(client.subscribe(`{ viewer { ${'tenantId '.repeat(5000)}} }`).next(), /more than 5000 tokens/);
      await assert.rejects(client.subscribe(TOO_COSTLY).next(), /query cost 2040301 exceeds the limit of 50000/);
      await assert.rejects(
        client
          .subscribe(
            `subscription { messageAdded { message { contact { conversations(first: 100) { edges { node {
              a: messages(first: 100) { edges { node { id } } } b: messages(first: 100) { edges { node { id } } }
              c: messages(first: 100) { edges { node { id } } } } } } } } } }`,
          )
          .next(),
        /query cost 60504 exceeds the limit of 50000/,
      );
      assert.deepEqual(await client.subscribe('{ viewer { tenantId } }').next(), { viewer: { tenantId: '82' } });
    } finally {
      await client.dispose();
    }
  });
});
