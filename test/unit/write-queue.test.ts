// Group commit per tenant (src/ingest/write-queue.ts) and how the ingest
// service writes a group (src/ingest/service.ts): which queued batches share
// a transaction, one write per tenant at a time, and a failing group falling
// back to one batch at a time — against a fake pool that plays
// chatgraph_store_batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { takeGroup, TenantWriteQueue } from '../../src/ingest/write-queue.ts';
import { IngestService } from '../../src/ingest/service.ts';
import { createLocalPubSub } from '../../src/events/pubsub.ts';
import { createLogger } from '../../src/log.ts';
import type { Database } from '../../src/db/database.ts';
import type { MessageInput, StatusUpdateInput } from '../../src/ingest/model.ts';
import type { StoreJob } from '../../src/ingest/store.ts';

const queued = (name: string, ids: string[], size = ids.length) => ({ name, ids: new Set(ids), size });
const names = (group: { name: string }[]) => group.map((g) => g.name);

test('takeGroup: the first job and the following ones while ids are disjoint, in arrival order', () => {
  const queue = [queued('a', ['1', '2']), queued('b', ['3']), queued('c', ['4', '5']), queued('d', ['6'])];
  assert.deepEqual(names(takeGroup(queue, 500)), ['a', 'b', 'c', 'd']);
  assert.equal(queue.length, 0);
});

test('takeGroup: stops at the first job sharing an id (later ones do not jump ahead of it)', () => {
  const queue = [queued('a', ['1', '2']), queued('b', ['3']), queued('c', ['2']), queued('d', ['9'])];
  assert.deepEqual(names(takeGroup(queue, 500)), ['a', 'b']);
  assert.deepEqual(names(takeGroup(queue, 500)), ['c', 'd']);
});

test('takeGroup: stays within maxItems; a single job larger than that goes alone', () => {
  const queue = [queued('big', ['1'], 600), queued('a', ['2'], 300), queued('b', ['3'], 200), queued('c', ['4'], 1)];
  assert.deepEqual(names(takeGroup(queue, 500)), ['big']);
  assert.deepEqual(names(takeGroup(queue, 500)), ['a', 'b']);
  assert.deepEqual(names(takeGroup(queue, 500)), ['c']);
});

const job = (...ids: string[]): StoreJob => ({ messages: [], statusUpdates: ids.map((id) => ({ whatsMessageId: id, status: 'READ', reachedAt: new Date(0), agentId: null })) });
const tick = () => new Promise((r) => setImmediate(r));

test('TenantWriteQueue: one write per tenant at a time; what queued meanwhile goes together; tenants in parallel', async () => {
  const writes: { tenant: bigint; ids: string[][] }[] = [];
  const open: (() => void)[] = [];
  const queue = new TenantWriteQueue<string>(async (tenant, group) => {
    writes.push({ tenant, ids: group.map((w) => [...w.ids]) });
    await new Promise<void>((r) => open.push(r));
    for (const w of group) w.resolve(`${tenant}:${[...w.ids].join('+')}`);
  }, 500);

  const first = queue.submit(1n, job('a'));
  const other = queue.submit(2n, job('x'));
  const second = queue.submit(1n, job('b'));
  const third = queue.submit(1n, job('c'));
  await tick();
  // Tenant 1's first write and tenant 2's are under way; b and c wait.
  assert.deepEqual(writes, [{ tenant: 1n, ids: [['a']] }, { tenant: 2n, ids: [['x']] }]);
  assert.equal(queue.busyTenants, 2);
  open.shift()!();
  assert.equal(await first, '1:a');
  await tick();
  assert.deepEqual(writes[2], { tenant: 1n, ids: [['b'], ['c']] });
  open.shift()!();
  open.shift()!();
  assert.deepEqual(await Promise.all([other, second, third]), ['2:x', '1:b', '1:c']);
  await tick();
  assert.equal(queue.busyTenants, 0, 'idle tenants are forgotten');
});

test('TenantWriteQueue: a writer that reports its group committed lets the next group start before it finishes', async () => {
  const started: string[] = [];
  const finish: (() => void)[] = [];
  const queue = new TenantWriteQueue<string>(async (_tenant, group, committed) => {
    const ids = group.map((w) => [...w.ids].join('+')).join(',');
    started.push(ids);
    if (ids === 'a') committed();
    await new Promise<void>((r) => finish.push(r));
    for (const w of group) w.resolve(ids);
  }, 500);
  const a = queue.submit(1n, job('a'));
  await tick();
  // a committed: b starts while a is still settling.
  const b = queue.submit(1n, job('b'));
  await tick();
  assert.deepEqual(started, ['a', 'b']);
  // b did not report a commit: c and d wait for it to finish, then go together.
  const c = queue.submit(1n, job('c'));
  const d = queue.submit(1n, job('d'));
  await tick();
  assert.deepEqual(started, ['a', 'b']);
  finish.shift()!();
  finish.shift()!();
  assert.deepEqual(await Promise.all([a, b]), ['a', 'b']);
  await tick();
  assert.deepEqual(started, ['a', 'b', 'c,d']);
  finish.shift()!();
  assert.deepEqual(await Promise.all([c, d]), ['c,d', 'c,d']);
  await tick();
  assert.equal(queue.busyTenants, 0);
});

test('TenantWriteQueue: a write that throws rejects its group; the next group still runs', async () => {
  let calls = 0;
  const queue = new TenantWriteQueue<string>(async (_tenant, group) => {
    calls++;
    if (calls === 1) throw new Error('boom');
    for (const w of group) w.resolve('ok');
  }, 500);
  const a = queue.submit(1n, job('a'));
  const b = queue.submit(1n, job('b'));
  await assert.rejects(a, /boom/);
  assert.equal(await b, 'ok');
});

// ---- IngestService over a fake pool ----

function message(id: string, extra: Partial<MessageInput> = {}): MessageInput {
  return {
    whatsMessageId: id, syncId: null, agentId: null, agentAccount: null, accountWhatsId: '861', accountWhatsIdBare: '861', senderWhatsId: null,
    friendWhatsId: '441', friendWhatsIdBare: '441', friendName: null, direction: 'INBOUND', chatType: 'PRIVATE', contentType: 'TEXT',
    legacyContentType: 0, content: id, referContent: null, parsedContent: { kind: 'TEXT', text: id } as never, searchText: id, status: 'SENT',
    statusAt: new Date(0), origin: null, taskId: null, taskInfoId: null, source: 'API', chatTime: new Date(0), contact: null, ...extra,
  };
}
const status = (id: string): StatusUpdateInput => ({ whatsMessageId: id, status: 'READ', reachedAt: new Date(0), agentId: null });

/**
 * A pool whose chatgraph_store_batch stores nothing and reports every message
 * as inserted and every status update as reaching a stored message — unless
 * a message's content is "BAD" (a data error) or the database is "down".
 */
function fakeDatabase(state: { down?: boolean } = {}) {
  const calls: string[][] = [];
  const pool = {
    async query(sql: string, params: string[] = []) {
      if (!sql.includes('chatgraph_store_batch')) return { rows: [] };
      if (state.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      // Positional message rows (store.ts messageRow): 0 id, 5 bare account, 14 content, 18 status.
      const messages = (JSON.parse(params[1]!) as string[][]).map((r) => ({ whats_message_id: r[0]!, account_bare: r[5]!, content: r[14]!, status: r[18]! }));
      const statuses = JSON.parse(params[3]!) as { id: string; status: string }[];
      calls.push([...messages.map((m) => m.whats_message_id), ...statuses.map((s) => s.id)]);
      if (messages.some((m) => m.content === 'BAD')) throw Object.assign(new Error('value too long for type character varying(10)'), { code: '22001' });
      return {
        rows: [{
          result: {
            // One array per column: [ids, conversationIds, accountWhatsIdBares, whatsMessageIds, statuses].
            inserted: [messages.map((_, i) => String(i + 1)), messages.map(() => '1'), messages.map((m) => m.account_bare),
              messages.map((m) => m.whats_message_id), messages.map((m) => m.status)],
            applied: statuses.map((s, i) => ({
              id: String(100 + i), conversationId: '1', accountWhatsIdBare: '861', friendWhatsIdBare: '441', agentId: null, agentAccount: null,
              whatsMessageId: s.id, direction: 'INBOUND', previousStatus: 'SENT', status: s.status, changed: true, fromBatch: false, changedAt: new Date(0).toISOString(),
            })),
          },
        }],
      };
    },
  };
  return { db: { pool } as unknown as Database, calls };
}

test('IngestService: concurrent batches of a tenant share one transaction; each caller gets its own counts', async () => {
  const { db, calls } = fakeDatabase();
  const ingest = new IngestService(db, createLocalPubSub(), createLogger('silent'));
  const results = await Promise.all([
    ingest.store(1n, { messages: [message('m1'), message('m2')] }),
    ingest.store(1n, { messages: [message('m3')] }),
    ingest.store(1n, { statusUpdates: [status('s1'), status('s2'), status('s3')] }),
  ]);
  assert.deepEqual(results, [
    { inserted: 2, updated: 0, unchanged: 0, pending: 0 },
    { inserted: 1, updated: 0, unchanged: 0, pending: 0 },
    { inserted: 0, updated: 3, unchanged: 0, pending: 0 },
  ]);
  // The first went alone (nothing was queued yet); the two that queued behind it, together.
  assert.deepEqual(calls, [['m1', 'm2'], ['m3', 's1', 's2', 's3']]);
});

test('IngestService: a batch repeating an id of the group waits for the next transaction', async () => {
  const { db, calls } = fakeDatabase();
  const ingest = new IngestService(db, createLocalPubSub(), createLogger('silent'));
  await Promise.all([
    ingest.store(1n, { messages: [message('m0')] }),
    ingest.store(1n, { messages: [message('m1')] }),
    ingest.store(1n, { statusUpdates: [status('m1')] }),
    ingest.store(1n, { messages: [message('m2')] }),
  ]);
  // (the fake lists a call's messages, then its status updates)
  assert.deepEqual(calls, [['m0'], ['m1'], ['m2', 'm1']]);
});

test('IngestService: a group failing on one batch\'s data is written batch by batch: only that batch fails', async () => {
  const { db, calls } = fakeDatabase();
  const ingest = new IngestService(db, createLocalPubSub(), createLogger('silent'));
  const settled = await Promise.allSettled([
    ingest.store(1n, { messages: [message('m0')] }),
    ingest.store(1n, { messages: [message('m1')] }),
    ingest.store(1n, { messages: [message('m2', { content: 'BAD' })] }),
    ingest.store(1n, { messages: [message('m3')] }),
  ]);
  assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  assert.match(String((settled[2] as PromiseRejectedResult).reason), /value too long/);
  assert.deepEqual(calls, [['m0'], ['m1', 'm2', 'm3'], ['m1'], ['m2'], ['m3']]);
});

test('IngestService: the database being away fails the whole group at once (no batch-by-batch retries)', async () => {
  const state = { down: false };
  const { db } = fakeDatabase(state);
  const ingest = new IngestService(db, createLocalPubSub(), createLogger('silent'));
  let queries = 0;
  const query = db.pool.query.bind(db.pool);
  (db.pool as unknown as { query: typeof query }).query = ((...args: Parameters<typeof query>) => {
    queries++;
    return query(...args);
  }) as typeof query;
  state.down = true;
  const settled = await Promise.allSettled([1, 2, 3, 4].map((n) => ingest.store(1n, { messages: [message(`m${n}`)] })));
  assert.ok(settled.every((s) => s.status === 'rejected' && /ECONNREFUSED/.test(String(s.reason))));
  assert.equal(queries, 2, 'the first batch alone, then the other three together: no retries one by one');
});
