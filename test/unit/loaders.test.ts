// Request loaders are made when first used (src/read/loaders.ts); a
// subscription's loaders are a proxy onto the current turn's (SharedLoaders):
// its methods must run on those loaders, not on the proxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { AgentDirectory } from '../../src/domain/agent-directory.ts';
import { createLoaders, SharedLoaders } from '../../src/read/loaders.ts';

/** A pool answering the agent directory's one statement, counting statements and the tenant each names. */
function fakePool() {
  const calls: unknown[][] = [];
  const pool = {
    query: async (_text: string, values: unknown[]) => {
      calls.push(values);
      return { rows: [{ directory: JSON.stringify({ sightings: null, profiles: [{ login: 'agent1', name: 'Agent One', seatIds: ['7'] }] }) }] };
    },
  } as unknown as pg.Pool;
  return { pool, calls };
}

test('request loaders: each made once, on first use, and kept for the request', async () => {
  const { pool, calls } = fakePool();
  const loaders = createLoaders(pool, '42');
  assert.equal(loaders.message, loaders.message);
  assert.notEqual(createLoaders(pool, '42').message, loaders.message);
  const [a, b] = await Promise.all([loaders.agentDirectory(), loaders.agentDirectory()]);
  assert.ok(a instanceof AgentDirectory);
  assert.equal(a, b);
  assert.deepEqual(calls, [['42']]);
});

test('subscription loaders: agentDirectory runs on the turn\'s loaders through the proxy, once per turn', async () => {
  const { pool, calls } = fakePool();
  const shared = new SharedLoaders(pool);
  const live = shared.live('42');
  const { agentDirectory } = live;
  const [a, b] = await Promise.all([live.agentDirectory(), agentDirectory()]);
  assert.ok(a instanceof AgentDirectory);
  assert.equal(a, b);
  assert.equal(live.message, shared.of('42').message);
  assert.deepEqual(calls, [['42']]);
  // The next turn reads afresh.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  await live.agentDirectory();
  assert.deepEqual(calls, [['42'], ['42']]);
});
