// A served request must be freed by the young-generation GC that follows it,
// not promoted to the old generation. Per-request state kept in a WeakMap
// keyed by the request (or by the GraphQL context, as Pothos's scope cache
// does) was kept alive by every scavenge until the next full GC, with all it
// reaches: under load, ~14 KiB promoted per request and a full GC a second
// (src/execution/memo-on.ts).
//
// This serves requests in-process with a young-generation GC every 10 (under
// load there is one every ~70 requests) and V8's sampling heap profiler
// keeping only samples no scavenge freed; it sums those allocated on the
// request path (Yoga, whatwg-node, envelop, graphql, Pothos, our src/), not
// the embedded database's own (PGlite's queue keeps its buffers for longer).
// Measured: ~5.6 KB per request promoted with the WeakMap entries; ~0.8 KB
// (PGlite) and ~1.0 KB (PostgreSQL) without.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import inspector from 'node:inspector/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { startTestApp, type TestApp } from '../support/app.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

interface ProfileNode {
  callFrame: { url: string; functionName: string };
  selfSize: number;
  children: ProfileNode[];
}

/** async_hooks' bookkeeping, on under node:test (init hooks, promise destroy tracking). */
const ASYNC_HOOKS = /^(promiseInitHook|emitInit|initAsyncResource)/;

const REQUEST_PATH = /@whatwg-node|graphql-yoga|@envelop|@pothos|graphql-jit|node_modules\/graphql\/|\/src\//;

/**
 * Bytes sampled under a request-path frame and under no PGlite frame, nor
 * async_hooks' bookkeeping (which node:test turns on: its records live until
 * their resources are destroyed, so they outlive scavenges here, never in the
 * server).
 */
function requestPathBytes(node: ProfileNode, onPath = false, inDatabase = false): number {
  const path = onPath || REQUEST_PATH.test(node.callFrame.url);
  const database = inDatabase || node.callFrame.url.includes('pglite') || ASYNC_HOOKS.test(node.callFrame.functionName);
  let bytes = path && !database ? node.selfSize : 0;
  for (const child of node.children) bytes += requestPathBytes(child, path, database);
  return bytes;
}

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

test('served requests are not promoted: what survives scavenges on the request path stays under 2 KiB a request', async () => {
  const query = 'query Retained { conversations(first: 5) { totalCount edges { node { id } } } viewer { tenantId } }';
  for (let i = 0; i < 100; i++) assert.equal((await t.graphql(query)).status, 200);
  const session = new inspector.Session();
  session.connect();
  try {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
    const n = 600;
    for (let i = 0; i < n; i++) {
      assert.equal((await t.graphql(query)).status, 200);
      if (i % 10 === 9) gc({ type: 'minor' });
    }
    gc({ type: 'minor' });
    gc({ type: 'minor' });
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
    const perRequest = requestPathBytes(profile.head) / n;
    assert.ok(perRequest < 2048, `${Math.round(perRequest)} bytes a request promoted on the request path`);
  } finally {
    session.disconnect();
  }
});
