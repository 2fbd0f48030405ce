// The differential test of execution semantics (issue "GraphQL exactly as the
// spec says"): operations generated from schema/schema.graphql across the
// whole language (test/support/operation-arbitrary.ts) are sent through the
// served pipeline — HTTP POST, GET (queries), graphql-ws and SSE — and the
// answers compared with graphql-js's own `validate` + `execute` / `subscribe`
// on the same schema, with a context built the same way, over a database in
// the same state.
//
// Two apps over two copies of the same seeded data: A serves (its queries
// compiled by graphql-jit from their first run, GRAPHQL_COMPILE_AFTER=1), B
// is the reference's. Every mutation is applied to both, in the same order, so they
// stay in step (times stamped "now" are masked when compared).
//
// What the served pipeline adds on purpose, and how it is compared:
//   - limits (QUERY_LIMIT_EXCEEDED) only for requests the generator measured
//     over a limit, with the server's own measures;
//   - a request error when the operation cannot be chosen, before validation
//     (graphql-js's words: compared when the reference got that far);
//   - NUL characters refused up front (BAD_USER_INPUT) — src/execution/nul-guard.ts;
//   - codes: GRAPHQL_VALIDATION_FAILED on validation errors, BAD_USER_INPUT on
//     variables that do not coerce.
// Anything else must be equal: data, and errors' message, path and code.
// "Unexpected error." / INTERNAL_SERVER_ERROR is always a failure.
//
// DIFF_RUNS sets the operations per property (default 1000, half on a fixed
// seed, half on a random one); a failure prints the seed and path to replay
// with DIFF_SEED / DIFF_PATH (DIFF_ONLY=queries or subscriptions runs one
// of the two properties). Shrunk counterexamples are kept as fixed cases
// in spec-cases.test.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError, GraphQLList, GraphQLNonNull, GraphQLString, Kind, execute, getNamedType, getOperationAST, isAbstractType, parse, specifiedRules, subscribe, validate, type ExecutionResult, type FieldNode, type GraphQLNamedType, type GraphQLOutputType, type SelectionSetNode } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { listen, type RunningServer } from '../../src/server.ts';
import { attachWebSocket, type WebSocketEndpoint } from '../../src/http/websocket.ts';
import { buildContext } from '../../src/http/app.ts';
import { schema } from '../../src/graphql/schema.ts';
import { loadDemoData } from '../../src/cli/demo.ts';
import { isDataException } from '../../src/db/errors.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { msgSyncBody, msgSyncItem, readSseEvents } from '../support/live.ts';
import { printRequest, requestArbitrary, type GeneratedRequest, type ValuePool } from '../support/operation-arbitrary.ts';

// 1 000 per CI run on the embedded database; the PostgreSQL pass repeats a smaller sample (same pipeline, other engine).
const RUNS = Number(process.env.DIFF_RUNS ?? (process.env.TEST_TARGET === 'postgres' ? 300 : 1000));
const SUBSCRIPTION_RUNS = Number(process.env.DIFF_SUBSCRIPTION_RUNS ?? (process.env.TEST_TARGET === 'postgres' ? 20 : 60));
const FIXED_SEED = 42;
const randomSeed = process.env.DIFF_SEED ? Number(process.env.DIFF_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
const replayPath = process.env.DIFF_PATH;
const only = (name: 'queries' | 'subscriptions') => ({ skip: process.env.DIFF_ONLY !== undefined && process.env.DIFF_ONLY !== name ? `DIFF_ONLY=${process.env.DIFF_ONLY}` : false });
const runStarted = Date.now() - 60_000;

let a: TestApp; // served
let b: TestApp; // the reference's database
let server: RunningServer;
let ws: WebSocketEndpoint;
let base: string;
let wsClient: ReturnType<typeof createClient>;
let pool: ValuePool;
const compared = { query: 0, mutation: 0, subscription: 0, byTransport: {} as Record<string, number>, limited: 0, refusedNul: 0, invalid: 0, racedSiblings: 0 };

before(async () => {
  // A compiles every query on its first run (src/execution/compiled-queries.ts): the compiled path is the one compared.
  [a, b] = await Promise.all([startTestApp({ GRAPHQL_COMPILE_AFTER: process.env.DIFF_COMPILE_AFTER ?? '1' }), startTestApp()]);
  // Same data, same order, same row ids on both.
  for (const app of [a, b]) await loadDemoData(app.services.ingest, app.tenant.tenantId, { messages: 600, timeZone: app.services.config.legacyTimeZone });
  server = await listen(a.app, 0, '127.0.0.1');
  ws = attachWebSocket(a.app, server.server, a.services.authenticator, a.services.log, 1000);
  base = `http://127.0.0.1:${server.port}`;
  wsClient = createClient({ url: `ws://127.0.0.1:${server.port}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${a.tenant.adminKey}` }, retryAttempts: 0, lazy: false, onNonLazyError: () => {} });
  pool = await valuePool(a);
});

after(async () => {
  process.stdout.write(`# differential: ${JSON.stringify(compared)}\n`);
  await wsClient?.dispose();
  await ws?.close();
  await server?.close(1000);
  await Promise.all([a?.close(), b?.close()]);
});

/** Real values from the seeded data, so that generated operations find rows. */
async function valuePool(app: TestApp): Promise<ValuePool> {
  const q = async <R>(sql: string) => (await app.services.db.pool.query<R & Record<string, unknown>>(sql)).rows;
  const ids = async (table: string, type: string) => (await q<{ id: string }>(`SELECT id::text FROM "${table}" ORDER BY id LIMIT 8`)).map((r) => encodeGlobalID(type, r.id));
  const column = async (sql: string) => (await q<{ v: string }>(sql)).map((r) => r.v).filter((v) => v != null);
  const words = (await column(`SELECT content AS v FROM "Message" WHERE "contentType" = 'TEXT' ORDER BY id LIMIT 20`)).flatMap((t) => t.split(/\s+/).filter((w) => w.length > 2).slice(0, 2));
  const times = await column(`SELECT to_char("chatTime" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS v FROM "Message" ORDER BY id LIMIT 6`);
  const days = await column(`SELECT DISTINCT to_char("chatTime" AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS v FROM "Message" LIMIT 4`);
  const first = (await app.graphql<{ messages: { edges: { cursor: string }[] } }>('{ messages(first: 3) { edges { cursor } } }')).body.data!.messages.edges.map((e) => e.cursor);
  const conv = (await app.graphql<{ conversations: { edges: { cursor: string }[] } }>('{ conversations(first: 3) { edges { cursor } } }')).body.data!.conversations.edges.map((e) => e.cursor);
  return {
    ids: { Message: await ids('Message', 'Message'), Conversation: await ids('Conversation', 'Conversation'), Contact: await ids('Contact', 'Contact') },
    strings: {
      friendWhatsId: await column(`SELECT DISTINCT "friendWhatsId" AS v FROM "Message" LIMIT 6`),
      accountWhatsId: await column(`SELECT DISTINCT "accountWhatsId" AS v FROM "Message" LIMIT 4`),
      agentAccount: await column(`SELECT DISTINCT "agentAccount" AS v FROM "Message" WHERE "agentAccount" IS NOT NULL LIMIT 4`),
      agentId: await column(`SELECT DISTINCT "agentId" AS v FROM "Message" WHERE "agentId" IS NOT NULL LIMIT 4`),
      contactTag: await column(`SELECT DISTINCT unnest(tags) AS v FROM "Contact" LIMIT 4`),
      externalId: await column(`SELECT "externalId" AS v FROM "Contact" WHERE "externalId" IS NOT NULL ORDER BY id LIMIT 4`),
      contactExternalId: await column(`SELECT "externalId" AS v FROM "Contact" WHERE "externalId" IS NOT NULL ORDER BY id LIMIT 4`),
      whatsMessageId: await column(`SELECT "whatsMessageId" AS v FROM "Message" ORDER BY id LIMIT 6`),
      text: words.length ? words : ['hello'],
      day: days,
    },
    cursors: [...first, ...conv],
    dates: times,
  };
}

// ---------------------------------------------------------------------------
// The served pipeline, by transport

type Transport = 'POST' | 'GET' | 'graphql-ws' | 'SSE';
type Answer = { data?: unknown; errors?: readonly { message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[] };

async function viaHttp(r: GeneratedRequest, method: 'POST' | 'GET'): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/graphql-response+json', authorization: `Bearer ${a.tenant.adminKey}` };
  let res: Response;
  if (method === 'POST') {
    headers['content-type'] = 'application/json';
    res = await fetch(`${base}/graphql`, { method, headers, body: JSON.stringify({ query: r.query, variables: r.variables, operationName: r.operationName }) });
  } else {
    headers['x-graphql-yoga-csrf'] = '1';
    const params = new URLSearchParams({ query: r.query, variables: JSON.stringify(r.variables) });
    if (r.operationName !== undefined) params.set('operationName', r.operationName);
    res = await fetch(`${base}/graphql?${params}`, { headers });
  }
  const text = await res.text();
  assert.ok(res.status < 500, `HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Answer;
}

function viaWebSocket(r: GeneratedRequest, events = 1, waitMs = 0): Promise<Answer[]> {
  return new Promise((resolve, reject) => {
    const results: Answer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      dispose();
      resolve(results);
    };
    const dispose = wsClient.subscribe(
      { query: r.query, variables: r.variables, operationName: r.operationName },
      {
        next: (value) => {
          results.push(value as Answer);
          if (results.length >= events) done();
        },
        // A graphql-ws "error" message: the operation was refused before it ran (validation).
        error: (err) => {
          if (Array.isArray(err)) {
            results.push({ errors: err as Answer['errors'] });
            done();
          } else reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
        },
        complete: done,
      },
    );
    if (waitMs) timer = setTimeout(done, waitMs);
  });
}

async function viaSse(r: GeneratedRequest, events = 1, waitMs = 0, onOpen?: () => Promise<void>): Promise<Answer[]> {
  const controller = new AbortController();
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${a.tenant.adminKey}` },
    body: JSON.stringify({ query: r.query, variables: r.variables, operationName: r.operationName }),
    signal: controller.signal,
  });
  assert.ok(res.status < 500, `SSE HTTP ${res.status}`);
  if (!res.headers.get('content-type')?.includes('text/event-stream')) return [JSON.parse(await res.text()) as Answer];
  const results: Answer[] = [];
  const reading = readSseEvents(res, (event, data) => {
    if (event === 'next' && data) results.push(JSON.parse(data) as Answer);
    return event === 'complete' || results.length >= events;
  });
  try {
    if (onOpen) await onOpen();
    await Promise.race([reading, ...(waitMs ? [new Promise((r) => setTimeout(r, waitMs))] : [])]);
  } finally {
    controller.abort();
    await reading.catch(() => {});
  }
  return results;
}

// ---------------------------------------------------------------------------
// The reference: graphql-js on B

async function referenceContext() {
  const viewer = await b.services.authenticator.authenticate(b.tenant.adminKey);
  return buildContext(b.services, viewer, 'reference');
}

type Reference = { result: ExecutionResult; stage: 'validation' | 'execution'; raw: readonly GraphQLError[] };

async function reference(r: GeneratedRequest): Promise<Reference> {
  const document = parse(r.query);
  const errors = validate(schema, document, specifiedRules, { hideSuggestions: true });
  if (errors.length) return { result: { errors }, stage: 'validation', raw: errors };
  const result = (await execute({ schema, document, contextValue: await referenceContext(), variableValues: r.variables, operationName: r.operationName })) as ExecutionResult;
  return { result, stage: 'execution', raw: result.errors ?? [] };
}

// ---------------------------------------------------------------------------
// Comparison

/** API keys and webhook secrets (their listed prefixes, their UUIDs) are random on each database. */
const SECRET = /^(cg_|whsec_)|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Data as JSON, with instants stamped during this run ("now" on each database) and secrets masked. */
function normaliseData(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null), (_k, v) =>
    typeof v !== 'string' ? v : ISO.test(v) && Date.parse(v) >= runStarted ? '<now>' : SECRET.test(v) ? '<secret>' : v,
  );
}

function referenceErrors(ref: Reference): { message: string; path: string | null; code: unknown }[] {
  return ref.raw.map((e) => ({
    message: e.message,
    path: e.path?.join('.') ?? null,
    code:
      ref.stage === 'validation'
        ? 'GRAPHQL_VALIDATION_FAILED'
        : !e.path && e.message.startsWith('Variable "$')
          ? 'BAD_USER_INPUT'
          : e.originalError && !(e.originalError instanceof GraphQLError) && isDataException(e.originalError)
            ? 'BAD_USER_INPUT'
            : e.extensions?.code,
  }));
}

function servedErrors(answer: Answer) {
  return (answer.errors ?? []).map((e) => ({ message: e.message, path: e.path?.join('.') ?? null, code: e.extensions?.code }));
}

const hasNul = (r: GeneratedRequest) => r.query.includes('\\u0000') || r.query.includes('\u0000') || JSON.stringify(r.variables).includes('\\u0000');

/**
 * The response keys of an operation's root fields that may be null. When a
 * non-null root field fails, graphql-js answers `data: null` as soon as it
 * does, with the errors its sibling fields raised until then: which of the
 * nullable siblings' errors are in the answer depends on timing (the spec
 * leaves it open), so those are not compared then.
 */
/**
 * Whether an error at `path` (response keys and list indices joined by dots)
 * nulls the whole answer: every position from its field up to the root is
 * non-null (the field itself, each list item, each ancestor). An error with
 * a nullable position on its way is absorbed there: whether it is raised
 * before graphql-js answers a nulled request is the executor's timing (seed
 * 826332444: a nested `before` cursor refused in sibling subtrees while the
 * root field still awaited its own check). Fields are found by response key
 * in the operation's selections, fragments expanded (on a union, in its
 * member types).
 */
function nullsTheAnswer(r: GeneratedRequest, path: string | null): boolean {
  if (!path) return true;
  const document = parse(r.query);
  const operation = getOperationAST(document, r.operationName);
  if (!operation) return true;
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const fieldsAt = (sets: readonly SelectionSetNode[], key: string): FieldNode[] => {
    const found: FieldNode[] = [];
    const walk = (set: SelectionSetNode, seen: Set<string>) => {
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if ((sel.alias?.value ?? sel.name.value) === key) found.push(sel);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet, seen);
        else if (!seen.has(sel.name.value) && fragments.has(sel.name.value)) walk(fragments.get(sel.name.value)!.selectionSet, new Set([...seen, sel.name.value]));
      }
    };
    for (const set of sets) walk(set, new Set());
    return found;
  };
  const fieldType = (parent: GraphQLNamedType, name: string): GraphQLOutputType | null => {
    if (name === '__typename') return new GraphQLNonNull(GraphQLString);
    const candidates = isAbstractType(parent) ? [parent, ...schema.getPossibleTypes(parent)] : [parent];
    for (const t of candidates) {
      const field = 'getFields' in t ? (t.getFields() as Record<string, { type: GraphQLOutputType }>)[name] : undefined;
      if (field) return field.type;
    }
    return null;
  };
  let type: GraphQLOutputType | null = null;
  let sets: readonly SelectionSetNode[] = [operation.selectionSet];
  const root = operation.operation === 'mutation' ? schema.getMutationType()! : schema.getQueryType()!;
  for (const key of path.split('.')) {
    if (/^\d+$/.test(key)) {
      const list: GraphQLOutputType | null = type instanceof GraphQLNonNull ? type.ofType : type;
      if (!(list instanceof GraphQLList)) return true;
      type = list.ofType as GraphQLOutputType;
      if (!(type instanceof GraphQLNonNull)) return false;
      continue;
    }
    const nodes = fieldsAt(sets, key);
    const parent: GraphQLNamedType = type ? getNamedType(type) : root;
    const next: GraphQLOutputType | null = nodes.length ? fieldType(parent, nodes[0]!.name.value) : null;
    if (!next) return true; // not found: compared, not assumed away
    if (!(next instanceof GraphQLNonNull)) return false;
    type = next;
    sets = nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
  }
  return true;
}

/** Throws (with the request printed) when the served answer is not the reference's. */
function compare(r: GeneratedRequest, transport: Transport, answer: Answer, ref: Reference | null): void {
  const explain = (why: string) =>
    `${why}\n--- transport: ${transport}\n--- request:\n${printRequest(r)}\n--- served:\n${JSON.stringify(answer).slice(0, 2000)}\n--- reference:\n${JSON.stringify(ref?.result ?? null).slice(0, 2000)}`;
  const served = servedErrors(answer);
  for (const e of served) {
    if (e.code === 'INTERNAL_SERVER_ERROR' || e.message === 'Unexpected error.') throw new Error(explain('served an unexpected error'));
  }
  if (served.some((e) => e.code === 'OPERATION_RESOLUTION_FAILURE')) {
    const document = parse(r.query);
    if (getOperationAST(document, r.operationName) !== null) throw new Error(explain('operation resolution failed for a resolvable operation'));
    if (ref?.stage === 'execution') assert.deepEqual(served.map((e) => e.message), referenceErrors(ref).map((e) => e.message), explain('operation resolution message differs'));
    return;
  }
  if (served.some((e) => e.code === 'QUERY_LIMIT_EXCEEDED')) {
    if (!r.exceedsLimits) throw new Error(explain('refused by a limit the request does not exceed'));
    compared.limited++;
    return;
  }
  if (r.exceedsLimits && ref?.stage !== 'validation') throw new Error(explain('a request over a limit was not refused'));
  if (hasNul(r) && served.length === 1 && served[0]!.code === 'BAD_USER_INPUT' && /NUL/.test(served[0]!.message)) {
    compared.refusedNul++;
    return;
  }
  assert.ok(ref, explain('no reference'));
  const refErrors = referenceErrors(ref);
  for (const e of ref.raw) {
    // An unexpected error in the reference is a path the server does not guard: the served answer masks it.
    if (e.originalError && !(e.originalError instanceof GraphQLError) && !isDataException(e.originalError)) throw new Error(explain(`the reference met an unexpected error: ${e.originalError.stack}`));
  }
  if (answer.data === null && ref.result.data === null && ref.stage === 'execution') {
    // An error nulled the whole answer: graphql-js answers as soon as it does, so two things are the
    // executor's timing, not semantics: which errors absorbed below the root (by a nullable field or
    // list item on their way: nullsTheAnswer) were raised by then (not compared), and which item of a
    // list whose items fail alike failed first (compared without list indices; the items resolve
    // concurrently and graphql-jit and graphql-js order them apart).
    const settled = (errors: typeof served) =>
      errors.filter((e) => nullsTheAnswer(r, e.path ?? null)).map((e) => ({ ...e, path: e.path?.replace(/\.\d+(?=\.|$)/g, '.#') ?? null }));
    const a = settled(served);
    const b = settled(refErrors);
    // Likewise between siblings: two fields of one object both refuse their arguments and the first
    // to fail nulls the object (and, non-null up to the root, the answer): which one is the executor's
    // order of settling (seed 614771626: graphql-jit reports the later sibling's, graphql-js the
    // earlier's). Accepted only when each side has as many errors, all BAD_USER_INPUT, each at a field
    // the operation selects (its last path key is a field name or alias in the document).
    const sameRace =
      a.length === b.length &&
      [...a, ...b].every((e) => e.code === 'BAD_USER_INPUT' && typeof e.path === 'string' && new RegExp(`\\b${e.path.split('.').pop()}\\b`).test(r.query));
    if (!sameRace) assert.deepEqual(a, b, explain('errors differ'));
    else compared.racedSiblings++;
  } else assert.deepEqual(served, refErrors, explain('errors differ'));
  assert.deepEqual(normaliseData(answer.data), normaliseData(ref.result.data), explain('data differ'));
  if (!('data' in answer) !== !('data' in ref.result)) throw new Error(explain('one has data, the other none'));
}

/** The served limits: a request is flagged over a limit exactly when the server refuses it. */
const serverLimits = () => ({ ...a.services.config.graphqlLimits });

const transportFor = (r: GeneratedRequest, pick: number): Transport => {
  const options: Transport[] = r.kind === 'query' ? ['POST', 'GET', 'graphql-ws', 'SSE'] : ['POST', 'graphql-ws'];
  return options[pick % options.length]!;
};

async function served(r: GeneratedRequest, transport: Transport): Promise<Answer> {
  if (transport === 'POST' || transport === 'GET') return viaHttp(r, transport);
  const answers = transport === 'graphql-ws' ? await viaWebSocket(r) : await viaSse(r);
  assert.equal(answers.length, 1, `${transport}: ${answers.length} results for one ${r.kind}\n${printRequest(r)}`);
  return answers[0]!;
}

/** DIFF_TRACE=<file>: each request is appended to the file before it runs (to find one that hangs). */
const trace = (r: GeneratedRequest, transport: string) => {
  if (process.env.DIFF_TRACE) appendFileSync(process.env.DIFF_TRACE, `${JSON.stringify({ transport, ...r })}\n`);
};

async function checkOne(r: GeneratedRequest, pick: number): Promise<void> {
  const transport = transportFor(r, pick);
  trace(r, transport);
  compared.byTransport[transport] = (compared.byTransport[transport] ?? 0) + 1;
  if (!r.valid) compared.invalid++;
  // A mutation the server refuses up front (a limit) must not run on the reference either (mutations carry NULs to the ingest validation).
  const skipReference = r.kind === 'mutation' && r.exceedsLimits;
  const answer = await served(r, transport);
  // A query refused for a limit is not run on the reference either: unbounded, it may not end (100⁴ nested rows, seed 31337).
  const refusedByLimit = r.exceedsLimits && (answer.errors ?? []).some((e) => e.extensions?.code === 'QUERY_LIMIT_EXCEEDED');
  const ref = skipReference || refusedByLimit ? null : await reference(r);
  compare(r, transport, answer, ref);
  compared[r.kind]++;
}

/** Runs a check; a failure's reason is printed (fast-check's report shows the counterexample, not always why). */
async function reported(check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (err) {
    process.stdout.write(`# differential failure: ${String((err as Error).message).slice(0, 4000).replace(/\n/g, '\n# ')}\n`);
    throw err;
  }
}

function runProperty(seed: number, numRuns: number, kinds: GeneratedRequest['kind'][]) {
  return fc.assert(
    fc.asyncProperty(requestArbitrary(schema, pool, { kinds, idPrefix: `d${seed}`, limits: serverLimits() }), fc.nat(11), (r, pick) => reported(() => checkOne(r, pick))),
    { seed, numRuns, ...(replayPath && process.env.DIFF_SEED && Number(process.env.DIFF_SEED) === seed ? { path: replayPath } : {}), endOnFailure: true },
  );
}

test(`queries and mutations: ${RUNS} generated operations, fixed seed ${FIXED_SEED} and random seed ${randomSeed}`, only('queries'), async () => {
  await runProperty(FIXED_SEED, Math.ceil(RUNS / 2), ['query', 'mutation']);
  await runProperty(randomSeed, Math.floor(RUNS / 2), ['query', 'mutation']);
});

// ---------------------------------------------------------------------------
// Subscriptions: the same event pushed to A and B; the events each side sends
// within the window compared (none on both sides is a valid outcome).

/** Events compared per subscription (a `since` replay may hold thousands: the first ones, in order). */
const MAX_EVENTS = 30;
let pushed = 0;
async function pushToBoth(friend: string): Promise<void> {
  const item = msgSyncItem(`diff-sub-${++pushed}`, 3, { friend: friend.replace(/@.*/, ''), chatTime: new Date(Date.UTC(2024, 0, 1, 0, 0, pushed)) });
  for (const app of [a, b]) {
    const res = await app.app.fetch('http://localhost/webhooks/MSG_SYNC_MESSAGE', { method: 'POST', headers: { 'content-type': 'application/json' }, body: msgSyncBody(app.tenant, [item]) });
    assert.equal(res.status, 200, await res.text());
  }
}

async function referenceEvents(r: GeneratedRequest, trigger: () => Promise<void>, waitMs: number): Promise<Reference & { events: ExecutionResult[] }> {
  const document = parse(r.query);
  const errors = validate(schema, document, specifiedRules, { hideSuggestions: true });
  if (errors.length) return { result: { errors }, stage: 'validation', raw: errors, events: [] };
  const stream = await subscribe({ schema, document, contextValue: await referenceContext(), variableValues: r.variables, operationName: r.operationName });
  if (!(Symbol.asyncIterator in stream)) return { result: stream, stage: 'execution', raw: stream.errors ?? [], events: [] };
  const events: ExecutionResult[] = [];
  // graphql-js hands a source stream's error to the reader: the served side answers with an error result instead, so it is a difference to report.
  const reading = (async () => {
    for await (const e of stream) {
      events.push(e);
      if (events.length >= MAX_EVENTS) break;
    }
  })().catch((err: Error) => {
    throw new Error(`the reference's event stream threw (a subscribe resolver must refuse its arguments before its stream is read): ${err.stack ?? err}`);
  });
  await trigger();
  await Promise.race([reading, new Promise((res) => setTimeout(res, waitMs))]);
  await stream.return?.();
  return { result: events[0] ?? {}, stage: 'execution', raw: [], events };
}

test(`subscriptions: ${SUBSCRIPTION_RUNS} generated over graphql-ws and SSE, events compared with graphql-js subscribe`, only('subscriptions'), async () => {
  const friends = pool.strings.friendWhatsId!;
  await fc.assert(
    fc.asyncProperty(requestArbitrary(schema, pool, { kinds: ['subscription'], idPrefix: 'dsub', limits: serverLimits() }), fc.nat(1), fc.nat(friends.length - 1), (r, pick, f) => reported(async () => {
      const transport: Transport = pick === 0 ? 'graphql-ws' : 'SSE';
      compared.byTransport[transport] = (compared.byTransport[transport] ?? 0) + 1;
      const waitMs = 500;
      // The served stream opens first and is listening when the event is pushed; the reference then reads the same push on B.
      let refDone: Promise<Reference & { events: ExecutionResult[] }> | null = null;
      const trigger = async () => {
        await new Promise((res) => setTimeout(res, 100));
        refDone = referenceEvents(r, () => pushToBoth(friends[f]!), waitMs);
        await refDone;
      };
      if (r.exceedsLimits) {
        // Refused before it runs: nothing to subscribe to on the reference's side.
        const refused = transport === 'SSE' ? await viaSse(r, 1, 2000) : await viaWebSocket(r, 1, 2000);
        compare(r, transport, refused[0] ?? {}, null);
        compared.subscription++;
        return;
      }
      if (hasNul(r)) {
        // An operation holding a NUL is refused up front; the reference has no guard and would send the NUL to PostgreSQL.
        const first = transport === 'SSE' ? await viaSse(r, 1, 2000) : await viaWebSocket(r, 1, 2000);
        const served = servedErrors(first[0] ?? {});
        if (served.length === 1 && served[0]!.code === 'BAD_USER_INPUT' && /NUL/.test(served[0]!.message)) {
          compare(r, transport, first[0]!, null);
          compared.subscription++;
          return;
        }
      }
      let answers: Answer[];
      if (transport === 'SSE') answers = await viaSse(r, MAX_EVENTS, waitMs + 600, trigger);
      else {
        const collecting = viaWebSocket(r, MAX_EVENTS, waitMs + 600);
        try {
          await trigger();
        } finally {
          answers = await collecting;
        }
      }
      const ref = await refDone!;
      if (ref.stage === 'validation' || !ref.events.length) {
        // Refused, or nothing matched: the served side says the same (its first answer), or nothing.
        if (ref.stage === 'validation' || ref.raw.length) compare(r, transport, answers[0] ?? {}, ref);
        else {
          const live = answers.filter((x) => !x.errors);
          // Replayed events (since) arrive on both sides only if the reference saw them too.
          assert.deepEqual(live.map((x) => normaliseData(x.data)), [], `served events the reference did not\n${printRequest(r)}\n${JSON.stringify(answers)}`);
        }
      } else {
        // Each side reads its events within a window of time: compare what both read, in order, and that neither read none.
        assert.ok(answers.length > 0, `the reference sent events, the served stream none (${transport})\n${printRequest(r)}`);
        const n = Math.min(answers.length, ref.events.length);
        assert.deepEqual(
          answers.slice(0, n).map((x) => ({ data: normaliseData(x.data), errors: servedErrors(x) })),
          ref.events.slice(0, n).map((x) => ({ data: normaliseData(x.data), errors: referenceErrors({ result: x, stage: 'execution', raw: x.errors ?? [] }) })),
          `events differ (${transport})\n${printRequest(r)}`,
        );
      }
      compared.subscription++;
    })),
    { seed: randomSeed, numRuns: SUBSCRIPTION_RUNS, endOnFailure: true },
  );
});
