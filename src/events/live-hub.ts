// Fan-out of live events to this instance's subscribers. One pubsub
// subscription per (topic, tenant), however many subscribers; each event is
// handed only to the subscribers whose filter can match it, found through
// an index on the filter's most selective key (message, conversation,
// friend, account, agent), so a thousand dashboards each watching one
// conversation cost one lookup per event, not a thousand wake-ups.
// Each subscriber reads its events from a bounded queue: one that falls
// too far behind is ended with an error rather than growing without bound.
// Caps per API key (connections, subscriptions) and per graphql-ws socket
// (subscriptions) are counted here, on this instance: a subscription or
// connection over a cap is refused with LIVE_LIMIT_EXCEEDED naming it.
import { GraphQLError } from 'graphql';
import { bareWhatsId } from '../domain/whats-id.ts';
import { matchesEventFilter, type MessageEventFilter } from '../read/message-events.ts';
import type { LiveCapsConfig } from '../config.ts';
import type { ChatEventBus, MessageAddedEvent, MessageStatusChangedEvent } from './pubsub.ts';

export type LiveTopic = 'messageAdded' | 'messageStatusChanged';
type LiveEvent = MessageAddedEvent | MessageStatusChangedEvent;

/** Events a subscriber may have waiting before it is cut off as too slow. */
export const MAX_QUEUED_EVENTS = 10_000;

/** The index keys a filter is filed under (its most selective kind only). */
function filterKeys(f: MessageEventFilter): string[] | null {
  if (f.messageIds?.length) return f.messageIds.map((id) => `m:${id}`);
  if (f.whatsMessageIds?.length) return f.whatsMessageIds.map((id) => `w:${id}`);
  if (f.conversationId) return [`c:${f.conversationId}`];
  if (f.friendWhatsId) return [`f:${bareWhatsId(f.friendWhatsId)}`];
  if (f.accountWhatsId) return [`a:${bareWhatsId(f.accountWhatsId)}`];
  if (f.agentId) return [`g:${f.agentId}`];
  if (f.agentAccount) return [`u:${f.agentAccount}`];
  return null;
}

/**
 * Whether a filter has one criterion only, the kind it is filed under: then
 * an event found under one of its keys matches it, and matchesEventFilter
 * need not run (nor touch the filter) for each delivery.
 */
function keyedOnly(f: MessageEventFilter): boolean {
  let criteria = 0;
  if (f.messageIds?.length) criteria++;
  if (f.whatsMessageIds?.length) criteria++;
  if (f.conversationId) criteria++;
  if (f.friendWhatsId) criteria++;
  if (f.accountWhatsId) criteria++;
  if (f.agentId) criteria++;
  if (f.agentAccount) criteria++;
  return criteria === 1;
}

/** Every index key an event can be found under. */
function eventKeys(e: LiveEvent): string[] {
  const keys = [`m:${e.messageId}`, `w:${e.whatsMessageId}`, `c:${e.conversationId}`, `f:${e.friendWhatsIdBare}`, `a:${e.accountWhatsIdBare}`];
  if (e.agentId) keys.push(`g:${e.agentId}`);
  if (e.agentAccount) keys.push(`u:${e.agentAccount}`);
  return keys;
}

interface Subscriber {
  filter: MessageEventFilter;
  deliver(event: LiveEvent): void;
  /** Set when filed: the filter is met by every event found under its keys (keyedOnly). */
  keyed: boolean;
}

/** What a feed's idle reader hands each event to first (LiveFeed.writeDirectly): true when it took it. */
export interface DirectWriter<E> {
  write(event: E): boolean;
}

/**
 * A feed's state, as one object: what a delivery reads (ended, waiting,
 * direct, queue) is in its fields, not spread over closures and their
 * contexts. A fan-out visits thousands of these per event, each cold in the
 * cache: a profile of 10,000 subscribers (perf, annotated JIT code) put
 * most of dispatch's own time on the loads of the closures' objects. With
 * one object, dispatch's share fell from 12 to 7 % of the samples; the
 * socket's own objects, met next, now take those misses, and the CPU per
 * delivery stayed where it was (18.2 µs against 18.1–18.8).
 */
class FeedSubscriber<E extends LiveEvent> implements Subscriber {
  keyed = false;
  ended = false;
  waiting: { resolve: (r: IteratorResult<E>) => void; reject: (err: Error) => void } | null = null;
  direct: DirectWriter<E> | null = null;
  readonly queue: E[] = [];
  error: Error | null = null;
  /** Ends the feed (idempotent); set by LiveHub.subscribe. */
  end: () => void = () => {};

  constructor(readonly filter: MessageEventFilter) {}

  deliver(event: LiveEvent): void {
    if (this.ended) return;
    const waiting = this.waiting;
    if (waiting !== null) {
      if (this.direct !== null && this.direct.write(event as E)) return;
      this.waiting = null;
      waiting.resolve({ value: event as E, done: false });
      return;
    }
    if (this.queue.length >= MAX_QUEUED_EVENTS) {
      this.error = new GraphQLError(`subscriber too slow: more than ${MAX_QUEUED_EVENTS} events waiting; resubscribe with since to catch up`);
      this.end();
      return;
    }
    this.queue.push(event as E);
  }
}

class TopicFanOut {
  readonly all = new Set<Subscriber>();
  readonly byKey = new Map<string, Set<Subscriber>>();
  size = 0;
  private readonly unlisten: () => void;

  constructor(bus: ChatEventBus, topic: LiveTopic, tenantId: string) {
    // Synchronous delivery into each subscriber's own queue: a burst of
    // events (a Redis chunk, a big batch) is never limited by a shared buffer.
    this.unlisten = bus.listen(topic, tenantId, (event) => this.dispatch(event));
  }

  dispatch(event: LiveEvent): void {
    for (const s of this.all) s.deliver(event);
    if (!this.byKey.size) return;
    const buckets: Set<Subscriber>[] = [];
    for (const key of eventKeys(event)) {
      const subs = this.byKey.get(key);
      if (subs) buckets.push(subs);
    }
    // A subscriber is filed under one key kind, but under several keys of it
    // (message ids): with one bucket (the usual case) none can be met twice.
    const seen = buckets.length > 1 ? new Set<Subscriber>() : null;
    for (const subs of buckets) {
      for (const s of subs) {
        if (seen) {
          if (seen.has(s)) continue;
          seen.add(s);
        }
        if (s.keyed || matchesEventFilter(s.filter, event)) s.deliver(event);
      }
    }
  }

  add(s: Subscriber): void {
    this.size++;
    const keys = filterKeys(s.filter);
    s.keyed = keys !== null && keyedOnly(s.filter);
    if (!keys) this.all.add(s);
    else for (const k of keys) (this.byKey.get(k) ?? this.byKey.set(k, new Set()).get(k)!).add(s);
  }

  remove(s: Subscriber): void {
    this.size--;
    const keys = filterKeys(s.filter);
    if (!keys) this.all.delete(s);
    else for (const k of keys) {
      const set = this.byKey.get(k);
      set?.delete(s);
      if (set?.size === 0) this.byKey.delete(k);
    }
  }

  stop(): void {
    this.unlisten();
  }
}

export type LiveCapName = 'connectionsPerKey' | 'subscriptionsPerKey' | 'subscriptionsPerConnection';

const CAP_VARIABLES: Record<LiveCapName, string> = {
  connectionsPerKey: 'LIVE_MAX_CONNECTIONS_PER_KEY',
  subscriptionsPerKey: 'LIVE_MAX_SUBSCRIPTIONS_PER_KEY',
  subscriptionsPerConnection: 'LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION',
};

/** A cap reached: code LIVE_LIMIT_EXCEEDED, `limit` naming it, `max`. Short enough for a WebSocket close reason. */
export function liveCapError(limit: LiveCapName, max: number): GraphQLError {
  const what = {
    connectionsPerKey: `${max} live connections open with this API key`,
    subscriptionsPerKey: `${max} live subscriptions with this API key`,
    subscriptionsPerConnection: `${max} subscriptions on this connection`,
  }[limit];
  return new GraphQLError(`limit reached: ${what} (${CAP_VARIABLES[limit]})`, { extensions: { code: 'LIVE_LIMIT_EXCEEDED', limit, max } });
}

/** A graphql-ws socket's count of live subscriptions. */
export interface LiveConnection {
  subscriptions: number;
}

/** Who holds a subscription: its API key, and its graphql-ws socket (null over SSE, where the stream is the connection). */
export interface LiveHolder {
  apiKeyId: string;
  connection: LiveConnection | null;
}

const UNCAPPED: LiveCapsConfig = { connectionsPerKey: Infinity, subscriptionsPerKey: Infinity, subscriptionsPerConnection: Infinity };

/** A subscriber's events as an async iterator, with a bounded queue. */
export interface LiveFeed<E> extends AsyncIterableIterator<E> {
  /** Events delivered but not yet read. */
  readonly queued: number;
  /** Ends the feed with `error` (after nothing more: what is queued is dropped). */
  cancel(error: Error): void;
  /**
   * Hands each event, while the feed's reader is idle (waiting, nothing
   * queued, so everything before it has been read), to the writer first: an
   * event it takes (returns true) is not queued. One an idle reader does not
   * take, and every event while the reader is busy, is queued as usual: order
   * is kept.
   */
  writeDirectly(writer: DirectWriter<E>): void;
}

export class LiveHub {
  private readonly topics = new Map<string, TopicFanOut>();
  private readonly connectionsByKey = new Map<string, number>();
  private readonly subscriptionsByKey = new Map<string, number>();

  constructor(
    private readonly bus: ChatEventBus,
    private readonly caps: LiveCapsConfig = UNCAPPED,
  ) {}

  /** Takes one of the key's connection slots; throws liveCapError when none is left. Returns its release (idempotent). */
  openConnection(apiKeyId: string): () => void {
    const open = this.connectionsByKey.get(apiKeyId) ?? 0;
    if (open >= this.caps.connectionsPerKey) throw liveCapError('connectionsPerKey', this.caps.connectionsPerKey);
    this.connectionsByKey.set(apiKeyId, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = this.connectionsByKey.get(apiKeyId)! - 1;
      if (n) this.connectionsByKey.set(apiKeyId, n);
      else this.connectionsByKey.delete(apiKeyId);
    };
  }

  /** Counts a subscription against its holder's caps (throws liveCapError over one); returns its release. */
  private hold(holder: LiveHolder): () => void {
    const { apiKeyId, connection } = holder;
    if (connection && connection.subscriptions >= this.caps.subscriptionsPerConnection) {
      throw liveCapError('subscriptionsPerConnection', this.caps.subscriptionsPerConnection);
    }
    const held = this.subscriptionsByKey.get(apiKeyId) ?? 0;
    if (held >= this.caps.subscriptionsPerKey) throw liveCapError('subscriptionsPerKey', this.caps.subscriptionsPerKey);
    // Over SSE the stream is a connection of its own.
    const closeStream = connection ? null : this.openConnection(apiKeyId);
    this.subscriptionsByKey.set(apiKeyId, held + 1);
    if (connection) connection.subscriptions++;
    return () => {
      const n = this.subscriptionsByKey.get(apiKeyId)! - 1;
      if (n) this.subscriptionsByKey.set(apiKeyId, n);
      else this.subscriptionsByKey.delete(apiKeyId);
      if (connection) connection.subscriptions--;
      closeStream?.();
    };
  }

  /** Subscribers on this instance, all topics and tenants. */
  get subscribers(): number {
    let n = 0;
    for (const t of this.topics.values()) n += t.size;
    return n;
  }

  /**
   * The tenant's events of `topic` that match `filter`, from now on.
   * Listening has started when this returns. With a `holder`, counted
   * against its caps until it ends (refused over one); `onEnd` is called once
   * when it ends, however.
   */
  subscribe<E extends LiveEvent>(
    topic: LiveTopic,
    tenantId: string,
    filter: MessageEventFilter,
    options: { holder?: LiveHolder; onEnd?: () => void } = {},
  ): LiveFeed<E> {
    const release = options.holder ? this.hold(options.holder) : null;
    const id = `${topic}:${tenantId}`;
    let fanOut = this.topics.get(id);
    if (!fanOut) this.topics.set(id, (fanOut = new TopicFanOut(this.bus, topic, tenantId)));
    const sub = new FeedSubscriber<E>(filter);
    sub.end = () => {
      if (sub.ended) return;
      sub.ended = true;
      fanOut!.remove(sub);
      if (fanOut!.size === 0) {
        fanOut!.stop();
        this.topics.delete(id);
      }
      release?.();
      options.onEnd?.();
    };
    fanOut.add(sub);

    const feed: LiveFeed<E> = {
      get queued() {
        return sub.queue.length;
      },
      writeDirectly: (writer) => {
        sub.direct = writer;
      },
      next: () => {
        if (sub.queue.length) return Promise.resolve({ value: sub.queue.shift()!, done: false });
        if (sub.error) {
          const err = sub.error;
          sub.error = null;
          return Promise.reject(err);
        }
        if (sub.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise<IteratorResult<E>>((resolve, reject) => {
          sub.waiting = { resolve, reject };
        });
      },
      return: () => {
        sub.end();
        sub.queue.length = 0;
        const w = sub.waiting;
        if (w) {
          sub.waiting = null;
          w.resolve({ value: undefined, done: true });
        }
        return Promise.resolve({ value: undefined, done: true });
      },
      cancel: (err) => {
        if (sub.ended) return;
        sub.end();
        sub.queue.length = 0;
        const w = sub.waiting;
        if (w) {
          sub.waiting = null;
          w.reject(err);
        } else {
          sub.error = err;
        }
      },
      throw: (err) => {
        sub.end();
        return Promise.reject(err);
      },
      [Symbol.asyncIterator]() {
        return feed;
      },
    };
    return feed;
  }
}
