// Property: whatever the order of at-least-once deliveries (messages pushed
// and re-pushed at various statuses, status updates before and after their
// message, repeated), the live events a subscriber sees replay exactly to the
// stored state: each stored message is added once, and its status changes
// form one unbroken rising chain from the status its first push carried
// (a status held until it arrived included) to the status stored — no gap, no duplicate, no downgrade (issue #17).
// The subscriber is a real graphql-ws client; deliveries are the webhooks,
// one after the other, in a shuffled order, into a fresh tenant per case.
// Reproduce a failure with FC_SEED=<seed> (and FC_PATH=<path>) from its report.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { listen, type RunningServer } from '../../src/server.ts';
import { attachWebSocket, type WebSocketEndpoint } from '../../src/http/websocket.ts';
import { MESSAGE_STATUSES, statusRank, type MessageStatus } from '../../src/domain/status.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { liveClient, msgSyncBody, msgSyncItem, postWebhook, statusSyncBody, type LiveClient } from '../support/live.ts';

let t: TestApp;
let server: RunningServer;
let ws: WebSocketEndpoint;
let base: string;
let wsUrl: string;

before(async () => {
  t = await startTestApp();
  server = await listen(t.app, 0, '127.0.0.1');
  ws = attachWebSocket(t.app, server.server, t.services.authenticator, t.services.log, 1000);
  base = `http://127.0.0.1:${server.port}`;
  wsUrl = `ws://127.0.0.1:${server.port}/graphql`;
});
after(async () => {
  await ws.close();
  await server.close(1000);
  await t.close();
});

/** A delivery: a MSG_SYNC push of message `msg` at a status code, or a status update for it (it may not be stored yet). */
type Delivery = { kind: 'push' | 'status'; msg: number; code: 1 | 2 | 3 | 4 };

const deliveriesArb = fc
  .integer({ min: 1, max: 5 })
  .chain((n) =>
    fc.tuple(
      // Every message is pushed at least once, so that every status update finds its message in the end.
      fc.array(fc.constantFrom<1 | 2 | 3 | 4>(1, 2, 3, 4), { minLength: n, maxLength: n }),
      fc.array(fc.record({ kind: fc.constantFrom<'push' | 'status'>('push', 'status', 'status'), msg: fc.integer({ min: 0, max: n - 1 }), code: fc.constantFrom<1 | 2 | 3 | 4>(1, 2, 3, 4) }), { maxLength: 14 }),
    ),
  )
  .chain(([firstPushes, more]) => fc.shuffledSubarray([...firstPushes.map((code, msg): Delivery => ({ kind: 'push', msg, code })), ...more], { minLength: firstPushes.length + more.length }));

const ADDED = 'subscription { messageAdded { whatsMessageId status } }';
const CHANGED = 'subscription { messageStatusChanged { whatsMessageId previousStatus status } }';

let nextTenant = 700_000;

test('live events replay exactly to the stored state, whatever the order of deliveries (graphql-ws subscriber)', async () => {
  let cases = 0;
  await fc.assert(
    fc.asyncProperty(deliveriesArb, async (deliveries) => {
      cases++;
      const tenant = await t.createTenant(BigInt(nextTenant++));
      const client: LiveClient = liveClient(wsUrl, { authorization: `Bearer ${tenant.readKey}` });
      try {
        const added = new Map<string, MessageStatus[]>();
        const chains = new Map<string, [MessageStatus, MessageStatus][]>();
        const onAdded = client.subscribe<{ messageAdded: { whatsMessageId: string; status: MessageStatus } }>(ADDED);
        const onChanged = client.subscribe<{ messageStatusChanged: { whatsMessageId: string; previousStatus: MessageStatus; status: MessageStatus } }>(CHANGED);
        // Both subscriptions set up (an operation after them on the socket answered, then a moment for the hub).
        await client.subscribe('{ viewer { tenantId } }').next();
        await new Promise((r) => setTimeout(r, 50));
        let stop = false;
        const drain = async <T,>(feed: { next(ms?: number): Promise<T> }, take: (e: T) => void) => {
          while (!stop) {
            try {
              take(await feed.next(100));
            } catch (err) {
              if (!/within/.test(String(err))) throw err;
            }
          }
        };
        const readers = [
          drain(onAdded, (e) => added.set(e.messageAdded.whatsMessageId, [...(added.get(e.messageAdded.whatsMessageId) ?? []), e.messageAdded.status])),
          drain(onChanged, (e) => {
            const c = e.messageStatusChanged;
            chains.set(c.whatsMessageId, [...(chains.get(c.whatsMessageId) ?? []), [c.previousStatus, c.status]]);
          }),
        ];

        for (const d of deliveries) {
          const id = `wamid.L${tenant.tenantId}.${d.msg}`;
          const res =
            d.kind === 'push'
              ? await postWebhook(base, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(tenant, [msgSyncItem(id, d.code)]))
              : await postWebhook(base, '/webhooks/CLIENT_SYNC_MESSAGE_STATUS', statusSyncBody([{ messageId: id, status: d.code }]), { authorization: `Bearer ${tenant.ingestKey}` });
          assert.equal(res.status, 200, res.text);
        }

        const { rows: stored } = await t.testDb.db.pool.query<{ whatsMessageId: string; status: MessageStatus }>(
          'SELECT "whatsMessageId", status FROM "Message" WHERE "tenantId" = $1 ORDER BY 1',
          [tenant.tenantId.toString()],
        );
        const reached = (id: string): MessageStatus | undefined => chains.get(id)?.at(-1)?.[1] ?? added.get(id)?.[0];
        // Until every stored message's events reach its stored status (or 5 s), then a moment for anything extra.
        for (let waited = 0; waited < 5000 && stored.some((m) => reached(m.whatsMessageId) !== m.status); waited += 20) {
          await new Promise((r) => setTimeout(r, 20));
        }
        await new Promise((r) => setTimeout(r, 150));
        stop = true;
        await Promise.all(readers);

        assert.deepEqual([...added.keys()].sort(), stored.map((m) => m.whatsMessageId), 'one messageAdded per stored message, none other');
        for (const m of stored) {
          const adds = added.get(m.whatsMessageId)!;
          assert.equal(adds.length, 1, `${m.whatsMessageId}: added ${adds.length} times`);
          // Added at the status its first push carried: anything above it (a status held until then, a later delivery) is a change.
          const first = deliveries.find((d) => d.kind === 'push' && `wamid.L${tenant.tenantId}.${d.msg}` === m.whatsMessageId)!;
          assert.equal(adds[0], MESSAGE_STATUSES[first.code - 1], `${m.whatsMessageId}: added at ${adds[0]}, pushed first at code ${first.code}`);
          let status = adds[0]!;
          for (const [previous, next] of chains.get(m.whatsMessageId) ?? []) {
            assert.equal(previous, status, `${m.whatsMessageId}: a change from ${previous} after ${status} (a gap or a duplicate)`);
            assert.ok(statusRank(next) > statusRank(previous), `${m.whatsMessageId}: ${previous} → ${next} does not rise`);
            status = next;
          }
          assert.equal(status, m.status, `${m.whatsMessageId}: the events end at ${status}, stored ${m.status}`);
        }
        for (const id of chains.keys()) assert.ok(added.has(id), `${id}: status changes of a message never added`);
      } finally {
        await client.dispose();
      }
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 25), seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : 17, path: process.env.FC_PATH, endOnFailure: true },
  );
  assert.ok(cases >= 1);
});
