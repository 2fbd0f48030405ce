// The fan-out of live events to subscribers, and the replay rule, without a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GraphQLError } from 'graphql';
import { LiveHub, MAX_QUEUED_EVENTS } from '../../src/events/live-hub.ts';
import { createEventBus, type MessageStatusChangedEvent } from '../../src/events/pubsub.ts';
import { createLogger } from '../../src/log.ts';
import { matchesEventFilter, statusChangeOf } from '../../src/read/message-events.ts';
import fc from 'fast-check';

function event(n: number, over: Partial<MessageStatusChangedEvent> = {}): MessageStatusChangedEvent {
  return {
    messageId: String(n),
    conversationId: String(100 + (n % 3)),
    accountWhatsIdBare: '8613700000001',
    friendWhatsIdBare: `44770000000${n % 3}`,
    agentId: '1255',
    agentAccount: 'kubrick108',
    whatsMessageId: `W${n}`,
    previousStatus: 'SENT',
    status: 'DELIVERED',
    changedAt: new Date(0).toISOString(),
    ...over,
  };
}

const tick = () => new Promise((r) => setImmediate(r));

async function drain<E>(feed: AsyncIterator<E>, n: number): Promise<E[]> {
  const out: E[] = [];
  for (let i = 0; i < n; i++) out.push((await feed.next()).value as E);
  return out;
}

test('each subscriber gets exactly the events its filter matches, once, and only its tenant\'s', async () => {
  const bus = createEventBus(null, createLogger('silent'));
  const pubsub = bus.pubsub;
  const hub = new LiveHub(bus);
  const all = hub.subscribe<MessageStatusChangedEvent>('messageStatusChanged', '82', {});
  const conv = hub.subscribe<MessageStatusChangedEvent>('messageStatusChanged', '82', { conversationId: '101' });
  const friendAndAgent = hub.subscribe<MessageStatusChangedEvent>('messageStatusChanged', '82', { friendWhatsId: '447700000002@c.us', agentId: '1255' });
  const ids = hub.subscribe<MessageStatusChangedEvent>('messageStatusChanged', '82', { messageIds: ['1', '4', '5'], conversationId: '101' });
  const otherTenant = hub.subscribe<MessageStatusChangedEvent>('messageStatusChanged', '83', {});
  const otherTopic = hub.subscribe('messageAdded', '82', {});
  assert.equal(hub.subscribers, 6);
  await tick();
  for (let n = 0; n < 6; n++) pubsub.publish('messageStatusChanged', '82', event(n));
  pubsub.publish('messageStatusChanged', '83', event(99));
  await tick();
  assert.deepEqual((await drain(all, 6)).map((e) => e.messageId), ['0', '1', '2', '3', '4', '5']);
  assert.deepEqual((await drain(conv, 2)).map((e) => e.messageId), ['1', '4']);
  assert.deepEqual((await drain(friendAndAgent, 2)).map((e) => e.messageId), ['2', '5']);
  assert.deepEqual((await drain(ids, 2)).map((e) => e.messageId), ['1', '4']);
  assert.deepEqual((await drain(otherTenant, 1)).map((e) => e.messageId), ['99']);
  for (const f of [all, conv, friendAndAgent, ids, otherTenant]) assert.equal((f as { queued: number }).queued, 0);
  assert.equal((otherTopic as { queued: number }).queued, 0);
});

test('return() ends a waiting read at once and unsubscribes; the last one out stops listening', async () => {
  const bus = createEventBus(null, createLogger('silent'));
  const pubsub = bus.pubsub;
  const hub = new LiveHub(bus);
  const a = hub.subscribe('messageStatusChanged', '82', {});
  const b = hub.subscribe('messageStatusChanged', '82', { conversationId: '100' });
  const pending = a.next();
  await a.return!();
  assert.deepEqual(await pending, { value: undefined, done: true });
  assert.equal(hub.subscribers, 1);
  await b.return!();
  assert.equal(hub.subscribers, 0);
  assert.deepEqual(await b.next(), { value: undefined, done: true });
});

test(`a subscriber more than ${MAX_QUEUED_EVENTS} events behind is ended with an error, after the events it has`, async () => {
  const bus = createEventBus(null, createLogger('silent'));
  const pubsub = bus.pubsub;
  const hub = new LiveHub(bus);
  const slow = hub.subscribe<MessageStatusChangedEvent>('messageStatusChanged', '82', {});
  await tick();
  for (let n = 0; n <= MAX_QUEUED_EVENTS; n++) pubsub.publish('messageStatusChanged', '82', event(n));
  await tick();
  assert.equal((await slow.next()).value!.messageId, '0');
  for (let n = 1; n < MAX_QUEUED_EVENTS; n++) await slow.next();
  await assert.rejects(slow.next(), /subscriber too slow/);
  assert.equal(hub.subscribers, 0);
});

test('replay: the change a message made is from the highest recorded status below its current one', () => {
  const at = (s: number) => new Date(s * 1000);
  const row = (status: string, times: Partial<Record<'pendingAt' | 'sentAt' | 'deliveredAt' | 'readAt', Date>>) =>
    ({ status, createdAt: at(0), pendingAt: null, sentAt: null, deliveredAt: null, readAt: null, ...times }) as never;
  assert.deepEqual(statusChangeOf(row('READ', { pendingAt: at(1), readAt: at(5) })), { previousStatus: 'PENDING', changedAt: at(5) });
  assert.deepEqual(statusChangeOf(row('DELIVERED', { sentAt: at(1), deliveredAt: at(2) })), { previousStatus: 'SENT', changedAt: at(2) });
  assert.equal(statusChangeOf(row('DELIVERED', { deliveredAt: at(2) })), null); // stored at its status: no change
  assert.equal(statusChangeOf(row('PENDING', { pendingAt: at(2) })), null);
});

test('caps: subscriptions per connection and per key, connections per key (an SSE stream is one); each released when its feed ends', async () => {
  const bus = createEventBus(null, createLogger('silent'));
  const hub = new LiveHub(bus, { connectionsPerKey: 2, subscriptionsPerKey: 3, subscriptionsPerConnection: 2 });
  const socket = { subscriptions: 0 };
  const releaseSocket = hub.openConnection('k1');
  const s1 = hub.subscribe('messageAdded', '82', {}, { holder: { apiKeyId: 'k1', connection: socket } });
  const s2 = hub.subscribe('messageAdded', '82', {}, { holder: { apiKeyId: 'k1', connection: socket } });
  const capOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      const e = err as GraphQLError;
      assert.equal(e.extensions.code, 'LIVE_LIMIT_EXCEEDED');
      return [e.extensions.limit, e.extensions.max, e.message];
    }
    assert.fail('not refused');
  };
  assert.deepEqual(capOf(() => hub.subscribe('messageAdded', '82', {}, { holder: { apiKeyId: 'k1', connection: socket } })), [
    'subscriptionsPerConnection',
    2,
    'limit reached: 2 subscriptions on this connection (LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION)',
  ]);
  // An SSE stream: a subscription and a connection of the key.
  const sse = hub.subscribe('messageAdded', '82', {}, { holder: { apiKeyId: 'k1', connection: null } });
  assert.deepEqual(capOf(() => hub.openConnection('k1'))?.[0], 'connectionsPerKey');
  assert.deepEqual(capOf(() => hub.subscribe('messageAdded', '82', {}, { holder: { apiKeyId: 'k1', connection: { subscriptions: 0 } } }))?.[0], 'subscriptionsPerKey');
  // Another key has caps of its own.
  hub.subscribe('messageAdded', '82', {}, { holder: { apiKeyId: 'k2', connection: null } });
  await sse.return!();
  await s1.return!();
  await s1.return!(); // twice: released once
  assert.equal(socket.subscriptions, 1);
  hub.openConnection('k1');
  hub.subscribe('messageAdded', '82', {}, { holder: { apiKeyId: 'k1', connection: socket } });
  releaseSocket();
  await s2.return!();
});

test('cancel ends a feed with its error, waiting or not, and calls onEnd once', async () => {
  const bus = createEventBus(null, createLogger('silent'));
  const hub = new LiveHub(bus);
  let ended = 0;
  const waiting = hub.subscribe<MessageStatusChangedEvent>('messageStatusChanged', '82', {}, { onEnd: () => ended++ });
  const pending = waiting.next();
  waiting.cancel(new Error('revoked'));
  await assert.rejects(pending, /revoked/);
  assert.deepEqual(await waiting.next(), { value: undefined, done: true });
  const idle = hub.subscribe<MessageStatusChangedEvent>('messageStatusChanged', '82', {}, { onEnd: () => ended++ });
  bus.pubsub.publish('messageStatusChanged', '82', event(1));
  await tick();
  idle.cancel(new Error('revoked'));
  idle.cancel(new Error('again'));
  await assert.rejects(idle.next(), /revoked/);
  assert.equal(ended, 2);
  assert.equal(hub.subscribers, 0);
});

test('the index (and its skip of the filter check for one-criterion filters) delivers exactly what matchesEventFilter accepts', async () => {
  // Small domains, so that criteria meet and miss; whats ids with and without their suffix.
  const id = fc.constantFrom('1', '2', '3');
  const whats = fc.constantFrom('447700000001', '447700000002@c.us', '447700000001@s.whatsapp.net');
  const filter = fc.record(
    {
      conversationId: id,
      accountWhatsId: whats,
      friendWhatsId: whats,
      agentId: id,
      agentAccount: fc.constantFrom('a', 'b'),
      whatsMessageIds: fc.array(fc.constantFrom('W1', 'W2', 'W3'), { maxLength: 2 }),
      messageIds: fc.array(id, { maxLength: 2 }),
    },
    { requiredKeys: [] },
  );
  const liveEvent = fc.record({
    messageId: id,
    conversationId: id,
    accountWhatsIdBare: fc.constantFrom('447700000001', '447700000002'),
    friendWhatsIdBare: fc.constantFrom('447700000001', '447700000002'),
    agentId: fc.option(id, { nil: null }),
    agentAccount: fc.option(fc.constantFrom('a', 'b'), { nil: null }),
    whatsMessageId: fc.constantFrom('W1', 'W2', 'W3'),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(filter, { minLength: 1, maxLength: 6 }), fc.array(liveEvent, { maxLength: 12 }), async (filters, events) => {
      const bus = createEventBus(null, createLogger('silent'));
      const hub = new LiveHub(bus);
      const feeds = filters.map((f) => hub.subscribe<MessageStatusChangedEvent>('messageStatusChanged', '82', f));
      await tick();
      const published = events.map((e, n) => event(n, e));
      for (const e of published) bus.pubsub.publish('messageStatusChanged', '82', e);
      await tick();
      filters.forEach((f, i) => {
        const expected = published.filter((e) => matchesEventFilter(f, e));
        const feed = feeds[i] as LiveFeedOf;
        assert.equal(feed.queued, expected.length, JSON.stringify(f));
      });
      for (const [i, f] of filters.entries()) {
        const expected = published.filter((e) => matchesEventFilter(f, e)).map((e) => e.messageId + e.whatsMessageId);
        assert.deepEqual((await drain(feeds[i]!, expected.length)).map((e) => e.messageId + e.whatsMessageId), expected);
      }
      for (const f of feeds) await f.return!();
    }),
    { numRuns: 300 },
  );
});

type LiveFeedOf = { queued: number };
