// Shared execution of identical subscriptions (src/execution/shared-subscriptions.ts):
// one execution per live event for subscribers of the same operation,
// variables, tenant and scopes; never across tenants or scopes; replayed events apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionArgs } from 'graphql';
import { sharedSubscribe } from '../../src/execution/shared-subscriptions.ts';

let executions = 0;
const listeners = new Set<(e: object) => void>();
const Event = new GraphQLObjectType({ name: 'Event', fields: { id: { type: GraphQLString, resolve: (e: { id: string }) => (executions++, e.id) } } });
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      event: {
        type: Event,
        args: { tag: { type: GraphQLString } },
        subscribe: async function* () {
          const queue: object[] = [];
          let wake: (() => void) | null = null;
          const listener = (e: object) => {
            queue.push(e);
            wake?.();
          };
          listeners.add(listener);
          try {
            for (;;) {
              while (queue.length) yield queue.shift();
              await new Promise<void>((r) => (wake = r));
            }
          } finally {
            listeners.delete(listener);
          }
        },
        resolve: (e: object) => e,
      },
    },
  }),
});

const document = parse('subscription S($tag: String) { event(tag: $tag) { id } }');
const args = (tenantId: bigint, scopes: string[], variableValues: Record<string, unknown> = {}): ExecutionArgs => ({
  schema,
  document,
  variableValues,
  contextValue: { viewer: { tenantId, apiKeyId: 'k', scopes: new Set(scopes) } },
});

test('identical subscriptions share one execution per live event and get the same result; other tenants, scopes, variables and replayed events do not', async () => {
  const subs = await Promise.all(
    [args(82n, ['READ']), args(82n, ['READ']), args(83n, ['READ']), args(82n, ['READ', 'ADMIN']), args(82n, ['READ'], { tag: 'x' })].map(
      async (a) => (await sharedSubscribe(a)) as AsyncIterableIterator<{ data: unknown }>,
    ),
  );
  const reads = subs.map((s) => s.next());
  await new Promise((r) => setImmediate(r));
  const live = { id: 'e1' };
  for (const l of listeners) l(live);
  const results = (await Promise.all(reads)).map((r) => r.value);
  assert.deepEqual(JSON.parse(JSON.stringify(results[0])), { data: { event: { id: 'e1' } } });
  assert.equal(results[0], results[1], 'the same result object');
  for (const other of results.slice(2)) assert.deepEqual(other, results[0]);
  assert.equal(executions, 4, 'one execution for the two identical subscriptions, one each for the others');

  const replayed = { id: 'e2', replayed: true };
  const again = [subs[0]!.next(), subs[1]!.next()];
  for (const l of listeners) l(replayed);
  await Promise.all(again);
  assert.equal(executions, 6, 'a replayed event executed for each of the two subscribers that read it');
  for (const s of subs) await s.return!();
});
