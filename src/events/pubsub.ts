// Live events, raised by the ingest service after commit. Topics carry the
// tenant ("messageAdded:82"), so a subscriber can only ever listen to its own
// tenant's events. In memory by default; with REDIS_URL through Redis
// (@graphql-yoga/redis-event-target), so an event raised on one instance
// reaches the subscribers of every instance.
//
// Redis down: publishing falls back to this instance's own subscribers (the
// event is dispatched locally instead of being queued or lost), the outage
// is logged once, and ioredis reconnects and re-subscribes by itself.
// Yoga's own pubsub package, not graphql-yoga itself: the CLI loads this module, and graphql-yoga costs it half a second.
import { createPubSub, type PubSub } from '@graphql-yoga/subscription';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import type { MessageStatus } from '../domain/status.ts';
import type { Logger } from '../log.ts';

export interface MessageAddedEvent {
  /** Message row id (decimal string). */
  messageId: string;
  conversationId: string;
  accountWhatsIdBare: string;
  friendWhatsIdBare: string;
  agentId: string | null;
  agentAccount: string | null;
  whatsMessageId: string;
  status: MessageStatus;
  addedAt: string;
}

export interface MessageStatusChangedEvent {
  messageId: string;
  conversationId: string;
  accountWhatsIdBare: string;
  friendWhatsIdBare: string;
  agentId: string | null;
  agentAccount: string | null;
  whatsMessageId: string;
  previousStatus: MessageStatus;
  status: MessageStatus;
  changedAt: string;
}

export type ChatEvents = {
  messageAdded: [tenantId: string, event: MessageAddedEvent];
  messageStatusChanged: [tenantId: string, event: MessageStatusChangedEvent];
};

export type ChatPubSub = PubSub<ChatEvents>;

export interface ChatEventBus {
  readonly pubsub: ChatPubSub;
  /**
   * Calls `listener` synchronously with each event of the tenant's topic (no
   * per-listener buffer: a fan-out must keep up with bursts); returns the
   * function that stops listening.
   */
  listen<T extends keyof ChatEvents>(topic: T, tenantId: string, listener: (event: ChatEvents[T][1]) => void): () => void;
  /** 'memory', or 'redis' while Redis carries the events ('redis-down' while it does not). */
  state(): 'memory' | 'redis' | 'redis-down';
  close(): Promise<void>;
}

export function createLocalPubSub(): ChatPubSub {
  return createPubSub<ChatEvents>();
}

type Target = NonNullable<NonNullable<Parameters<typeof createPubSub>[0]>['eventTarget']>;

/** Listening on the target as createPubSub names its events: "topic:tenantId", payload in `detail`. */
function listenOn(target: Target): ChatEventBus['listen'] {
  return (topic, tenantId, listener) => {
    const callback = (event: CustomEvent) => listener(event.detail);
    const type = `${topic}:${tenantId}`;
    target.addEventListener(type, callback as never);
    return () => target.removeEventListener(type, callback as never);
  };
}

/** In memory without a Redis URL; through Redis (with a local fallback) with one. */
export function createEventBus(redisUrl: string | null, log: Logger): ChatEventBus {
  if (!redisUrl) {
    const target = new EventTarget() as unknown as Target;
    return { pubsub: createPubSub<ChatEvents>({ eventTarget: target }), listen: listenOn(target), state: () => 'memory', close: async () => {} };
  }
  const options = {
    // Commands fail at once while disconnected (no unbounded offline queue);
    // reconnection goes on in the background.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt: number) => Math.min(200 * attempt, 2000),
    lazyConnect: false,
  };
  const publishClient = new Redis(redisUrl, options);
  // The subscriber must queue its SUBSCRIBE commands until connected.
  const subscribeClient = new Redis(redisUrl, { ...options, enableOfflineQueue: true });

  let down = false;
  const outage = (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ err: err.message }, 'Redis unavailable: live events reach this instance\'s subscribers only until it is back');
  };
  const recovered = () => {
    if (!down) return;
    down = false;
    log.info('Redis available again: live events cross instances again');
  };
  for (const client of [publishClient, subscribeClient]) {
    client.on('error', outage);
    client.on('ready', () => {
      if (publishClient.status === 'ready' && subscribeClient.status === 'ready') recovered();
    });
  }

  const redis = createRedisEventTarget({ publishClient, subscribeClient });
  // Listeners registered here too, so that a fallback dispatch reaches them.
  const local = new EventTarget() as unknown as Target;
  const target: Target = {
    addEventListener(type, listener) {
      redis.addEventListener(type, listener);
      local.addEventListener(type, listener);
    },
    removeEventListener(type, listener) {
      redis.removeEventListener(type, listener);
      local.removeEventListener(type, listener);
    },
    dispatchEvent(event) {
      if (publishClient.status === 'ready' && subscribeClient.status === 'ready') {
        publishClient.publish(event.type, JSON.stringify(event.detail ?? null)).catch((err: Error) => {
          // Lost between the check and the send: deliver here at least.
          outage(err);
          local.dispatchEvent(event);
        });
        return true;
      }
      outage(new Error(`connection ${publishClient.status}`));
      return local.dispatchEvent(event);
    },
  };
  return {
    pubsub: createPubSub<ChatEvents>({ eventTarget: target }),
    listen: listenOn(target),
    state: () => (publishClient.status === 'ready' && subscribeClient.status === 'ready' ? 'redis' : 'redis-down'),
    close: async () => {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
