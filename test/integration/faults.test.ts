// Faults under sustained ingest, on a real PostgreSQL (runs under .ci/run):
// - the database goes away for seconds (a TCP proxy in front of it cuts every
//   connection and refuses new ones) and comes back: every delivery answered
//   200 is stored exactly once, every other one got a retryable 503, reads
//   answer 503 meanwhile, and the same server process serves again;
// - the server is killed with SIGKILL mid-ingest and restarted: every
//   delivery it acknowledged is stored.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TenantCredentials } from '../../src/auth/tenants.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testTarget } from '../support/database.ts';
import { msgSyncBody, msgSyncItem } from '../support/live.ts';
import { startServerProcess, type ServerProcess } from '../support/process.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const skip = testTarget !== 'postgres' ? 'needs a real PostgreSQL server (TEST_TARGET=postgres)' : false;

let t: TestApp;
let tenant: TenantCredentials;

before(async () => {
  if (skip) return;
  t = await startTestApp();
  tenant = t.tenant;
});
after(async () => {
  if (!skip) await t.close();
});

interface Delivery {
  ids: string[];
  status: number;
  text: string;
}

/** Posts batches of `size` new messages from `senders` loops until `stop()`; returns every outcome. */
function sustainedIngest(baseUrl: () => string, prefix: string, size = 5, senders = 2) {
  const deliveries: Delivery[] = [];
  let running = true;
  let n = 0;
  const loop = async (sender: number) => {
    while (running) {
      const batch = n++;
      const ids = Array.from({ length: size }, (_, j) => `${prefix}-${sender}-${batch}-${j}`);
      const body = msgSyncBody(tenant, ids.map((id) => msgSyncItem(id, 1, { friend: `4477990000${batch % 7}` })));
      try {
        const res = await fetch(`${baseUrl()}/webhooks/MSG_SYNC_MESSAGE`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(15_000) });
        deliveries.push({ ids, status: res.status, text: await res.text() });
      } catch (err) {
        // No answer (the server died): not acknowledged.
        deliveries.push({ ids, status: 0, text: String(err) });
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const loops = Array.from({ length: senders }, (_, i) => loop(i));
  return {
    deliveries,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function storedCounts(ids: string[]): Promise<Map<string, number>> {
  const { rows } = await t.testDb.db.pool.query<{ id: string; n: number }>(
    `SELECT "whatsMessageId" AS id, count(*)::int AS n FROM "Message" WHERE "tenantId" = $1 AND "whatsMessageId" = ANY($2::text[]) GROUP BY 1`,
    [tenant.tenantId.toString(), ids],
  );
  return new Map(rows.map((r) => [r.id, r.n]));
}

async function waitReady(base: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    const res = await fetch(`${base}/readyz`).catch(() => null);
    if (res?.status === 200) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready within ${timeoutMs} ms`);
}

test('PostgreSQL away for seconds during ingest: 200 = stored once, the rest 503 (retryable), reads 503, then served again without a restart', { skip }, async () => {
  const dbUrl = new URL(t.testDb.url!);
  const proxy: TcpProxy = await startTcpProxy(dbUrl.hostname, Number(dbUrl.port || 5432));
  dbUrl.port = String(proxy.port);
  const server: ServerProcess = await startServerProcess({ DATABASE_URL: dbUrl.toString(), MIGRATE_ON_START: 'false', DEMO_BOOTSTRAP: 'false', DATABASE_POOL_SIZE: '4', LOG_LEVEL: 'info' });
  const base = `http://127.0.0.1:${server.port}`;
  try {
    const ingest = sustainedIngest(() => base, 'outage');
    await new Promise((r) => setTimeout(r, 1500));
    await proxy.down();
    const downAt = ingest.deliveries.length;
    await new Promise((r) => setTimeout(r, 1000));

    // While it is away: not ready, reads and legacy reads answer 503 with a reason.
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 503);
    assert.match(await ready.text(), /database unreachable/);
    const gql = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.readKey}` },
      body: JSON.stringify({ query: '{ messages(first: 1) { edges { node { id } } } }' }),
    });
    assert.equal(gql.status, 503);
    const gqlBody = (await gql.json()) as { errors: { message: string; extensions: { code: string } }[] };
    assert.equal(gqlBody.errors[0]!.extensions.code, 'SERVICE_UNAVAILABLE');
    assert.match(gqlBody.errors[0]!.message, /database is unavailable/);
    const legacy = await fetch(`${base}/wscrm-bus-api/open/message/msgPage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', token: tenant.readKey },
      body: JSON.stringify({ tenantId: Number(tenant.tenantId), info: {} }),
    });
    assert.equal(legacy.status, 503);
    assert.equal(((await legacy.json()) as { code: number }).code, 503);

    await new Promise((r) => setTimeout(r, 1500));
    await proxy.up();
    const recoveredIn = await waitReady(base, 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    await ingest.stop();

    const all = ingest.deliveries;
    const acknowledged = all.filter((d) => d.status === 200);
    const refused = all.filter((d) => d.status !== 200);
    assert.ok(acknowledged.length > 5 && refused.length > 0, `acknowledged ${acknowledged.length}, refused ${refused.length}`);
    assert.ok(all.slice(downAt).some((d) => d.status === 503), 'the outage was seen by the senders');
    assert.ok(all.slice(-3).every((d) => d.status === 200), 'served again after the outage');
    for (const d of refused) {
      assert.equal(d.status, 503, d.text);
      assert.match(d.text, /^\{"code":503,"message":"the database is unavailable[^"]*retry later","data":null\}$/);
    }
    const counts = await storedCounts(all.flatMap((d) => d.ids));
    for (const d of acknowledged) for (const id of d.ids) assert.equal(counts.get(id), 1, `acknowledged ${id} stored once`);
    for (const n of counts.values()) assert.equal(n, 1);
    // A refused batch is all or nothing (one transaction).
    for (const d of refused) {
      const stored = d.ids.filter((id) => counts.has(id)).length;
      assert.ok(stored === 0 || stored === d.ids.length, `batch ${d.ids[0]} half-written`);
    }
    assert.match(server.output(), /database unavailable/);
    process.stdout.write(`# outage: ${acknowledged.length} batches acknowledged, ${refused.length} refused with 503, ready again ${recoveredIn} ms after the database returned\n`);
  } finally {
    await server.stop();
    await proxy.close();
  }
});

test('kill -9 during sustained ingest, then restart: every acknowledged delivery is stored', { skip }, async () => {
  const env = { DATABASE_URL: t.testDb.url!, MIGRATE_ON_START: 'false', DEMO_BOOTSTRAP: 'false', DATABASE_POOL_SIZE: '4', LOG_LEVEL: 'info' };
  let server = await startServerProcess(env);
  let base = `http://127.0.0.1:${server.port}`;
  const ingest = sustainedIngest(() => base, 'kill', 10, 4);
  await new Promise((r) => setTimeout(r, 2000));
  server.child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  server = await startServerProcess(env);
  base = `http://127.0.0.1:${server.port}`;
  await new Promise((r) => setTimeout(r, 1000));
  await ingest.stop();
  try {
    const all = ingest.deliveries;
    const acknowledged = all.filter((d) => d.status === 200);
    const lostAnswers = all.filter((d) => d.status === 0);
    assert.ok(acknowledged.length > 10, `acknowledged ${acknowledged.length}`);
    assert.ok(lostAnswers.length > 0, 'some deliveries were cut by the kill');
    const counts = await storedCounts(all.flatMap((d) => d.ids));
    for (const d of acknowledged) for (const id of d.ids) assert.equal(counts.get(id), 1, `acknowledged ${id} is stored`);
    for (const d of lostAnswers) {
      const stored = d.ids.filter((id) => counts.has(id)).length;
      assert.ok(stored === 0 || stored === d.ids.length, `batch ${d.ids[0]} half-written`);
    }
    process.stdout.write(`# kill -9: ${acknowledged.length} batches acknowledged (all stored), ${lostAnswers.length} cut without an answer\n`);
  } finally {
    await server.stop();
  }
});
