import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getIntrospectionQuery, parse } from 'graphql';
import { schema } from '../../src/graphql/schema.ts';
import { documentLimitErrors } from '../../src/execution/limits.ts';
import { operationCost } from '../../src/execution/query-cost.ts';

const limits = { maxDepth: 12, maxAliases: 30, maxDirectives: 20, maxFields: 500, maxFieldRepeats: 20 };
const cost = (query: string, variables: Record<string, unknown> = {}, operationName?: string) => operationCost(schema, parse(query), operationName, variables);

test('cost: objects count 1, scalars 0; a connection\'s page size multiplies its edges and nodes', () => {
  assert.equal(cost('{ viewer { tenantId } }'), 1);
  // connection 1 + 100 × (edge + node)
  assert.equal(cost('{ conversations(first: 100) { edges { node { id } } } }'), 201);
  assert.equal(cost('{ conversations(last: 7) { edges { node { id } } pageInfo { hasNextPage } } }'), 1 + 7 * 2 + 1);
  assert.equal(cost('{ conversations { edges { node { id } } } }'), 1 + 20 * 2, 'neither first nor last: 20');
  assert.equal(cost('{ conversations(first: 1000) { edges { node { id } } } }'), 201, 'above the maximum counts as the maximum');
  assert.equal(cost('{ messagePage(pageSize: 500) { nodes { id } } }'), 501);
  assert.equal(cost('{ messagePage { nodes { id } } }'), 11, 'pageSize defaults to 10');
  assert.equal(cost('{ nodes(ids: ["a", "b", "c"]) { id } }'), 3);
});

test('cost: variables, their defaults, fragments and inline fragments', () => {
  const q = 'query($n: Int = 5) { conversations(first: $n) { ...C } } fragment C on ConversationConnection { edges { node { ... on Conversation { messages(first: $n) { edges { node { id } } } } } } }';
  // 1 + n × (edge + node + connection + n × 2)
  assert.equal(cost(q, { n: 10 }), 1 + 10 * (3 + 10 * 2));
  assert.equal(cost(q, {}), 1 + 5 * (3 + 5 * 2));
  assert.equal(cost(q, { n: null }), 1 + 20 * (3 + 20 * 2), 'null: the connection default');
  assert.equal(cost('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ['a', 'b'] }), 2);
  assert.equal(cost('query A { viewer { tenantId } } query B { conversations(first: 3) { edges { node { id } } } }', {}, 'B'), 7);
});

test('cost: fragments spread many times are computed once per page size (no exponential walk)', () => {
  const levels = 40;
  let doc = '{ viewer { ...F0 } }';
  for (let i = 0; i < levels; i++) doc += ` fragment F${i} on Viewer { ...F${i + 1} ...F${i + 1} }`;
  doc += ` fragment F${levels} on Viewer { tenantId }`;
  const started = performance.now();
  assert.equal(cost(doc), 1);
  assert.ok(performance.now() - started < 500);
  // The same shape with aliases: 2^40 of them, counted without expanding.
  const aliased = doc.replace(`fragment F${levels} on Viewer { tenantId }`, `fragment F${levels} on Viewer { a: tenantId }`);
  const [error] = documentLimitErrors(parse(aliased), limits);
  assert.equal(error?.extensions.limit, 'aliases');
  assert.equal(error?.extensions.found, 2 ** levels);
});

test('depth: through fragments; cycles and unknown fragments do not hang (validation reports them)', () => {
  assert.deepEqual(documentLimitErrors(parse('{ a { ...X } } fragment X on T { b { ...Y } } fragment Y on T { c { ...X } }'), limits), []);
  assert.deepEqual(documentLimitErrors(parse('{ a { ...Missing } }'), limits), []);
  const deep = '{ ' + 'a { '.repeat(13) + 'b' + ' }'.repeat(13) + ' }';
  assert.equal(documentLimitErrors(parse(deep), limits)[0]?.message, 'query depth 14 exceeds the limit of 12 nested fields');
});

test('the introspection query of GraphiQL and codegen passes: depth 6 (ofType not counted), cost about 16 000', () => {
  const document = parse(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true }));
  assert.deepEqual(documentLimitErrors(document, { maxDepth: 6, maxAliases: 0, maxDirectives: 0, maxFields: 100, maxFieldRepeats: 2 }), []);
  const c = operationCost(schema, document, undefined, {});
  assert.ok(c > 10_000 && c < 25_000, String(c));
});

test('validation work: fields written and repeats of one response name are refused before validation', () => {
  // The document that cost 0.5–1.1 s of CPU to validate: 1 200 × viewer { tenantId }.
  const flood = parse(`{ ${'viewer { tenantId } '.repeat(1200)}}`);
  const [fields] = documentLimitErrors(flood, limits);
  assert.equal(fields?.extensions.limit, 'fields');
  assert.equal(fields?.extensions.found, 2400);
  const repeated = parse(`{ ${'viewer { tenantId } '.repeat(21)}}`);
  const [repeats] = documentLimitErrors(repeated, limits);
  assert.equal(repeats?.extensions.limit, 'fieldRepeats');
  assert.match(repeats!.message, /selects "viewer" 21 times in one selection set/);
  // Through distinct fragments, inline fragments, and in an unused fragment (graphql-js validates it too).
  const viaFragments = `{ ${Array.from({ length: 21 }, (_, i) => `...F${i}`).join(' ')} } ${Array.from({ length: 21 }, (_, i) => `fragment F${i} on Query { viewer { tenantId } }`).join(' ')}`;
  assert.equal(documentLimitErrors(parse(viaFragments), limits)[0]?.extensions.limit, 'fieldRepeats');
  assert.equal(documentLimitErrors(parse(`{ viewer { ${'... on Viewer { tenantId } '.repeat(21)}} }`), limits)[0]?.extensions.limit, 'fieldRepeats');
  assert.equal(documentLimitErrors(parse(`{ viewer { tenantId } } fragment U on Viewer { ${'tenantId '.repeat(21)}}`), limits)[0]?.extensions.limit, 'fieldRepeats');
  // The same fragment spread many times is compared once by graphql-js: counted once.
  assert.deepEqual(documentLimitErrors(parse(`{ ${'...F '.repeat(50)}} fragment F on Query { viewer { tenantId } }`), limits), []);
  // Aliases make different response names.
  assert.deepEqual(documentLimitErrors(parse(`{ ${Array.from({ length: 25 }, (_, i) => `a${i}: viewer { tenantId }`).join(' ')} }`), limits), []);
});
