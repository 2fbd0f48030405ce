// The long-lived parts the HTTP app is built from, wired once at start-up,
// and closed in reverse order at shutdown.
import { ApiKeyAuthenticator } from './auth/api-keys.ts';
import { WebhookSecretResolver } from './auth/webhook-secrets.ts';
import { SeenAccessTokens } from './auth/seen-tokens.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { LiveHub } from './events/live-hub.ts';
import { createEventBus, type ChatEventBus, type ChatPubSub } from './events/pubsub.ts';
import { IngestService } from './ingest/service.ts';
import type { Logger } from './log.ts';
import { SharedLoaders } from './read/loaders.ts';
import { Metrics } from './metrics.ts';
import { createRateLimiter, type RateLimiter } from './http/rate-limit.ts';
import { loadSecretBox, type SecretBox } from './auth/secret-box.ts';
import { OperatorKey } from './auth/operator.ts';

export interface AppServices {
  readonly config: Config;
  readonly db: Database;
  readonly log: Logger;
  readonly events: ChatEventBus;
  readonly pubsub: ChatPubSub;
  /** This instance's subscribers, fed from the pubsub. */
  readonly live: LiveHub;
  readonly metrics: Metrics;
  /** Seals and opens webhook secrets. */
  readonly secrets: SecretBox;
  /** Where the sealing key came from: 'SECRETS_KEY' or the key file's path. */
  readonly secretsSource: string;
  /** Request budgets per API key and per address (HTTP and graphql-ws share them). */
  readonly rateLimiter: RateLimiter;
  readonly ingest: IngestService;
  readonly authenticator: ApiKeyAuthenticator;
  /** The active webhook secrets of a tenant, cached briefly (src/auth/webhook-secrets.ts). */
  readonly webhookSecrets: WebhookSecretResolver;
  /** Recognises the operator credential (null without OPERATOR_KEY). */
  readonly operatorKey: OperatorKey | null;
  /** MSG_SYNC accessTokens seen, each bound to its first body (src/auth/seen-tokens.ts). */
  readonly seenTokens: SeenAccessTokens;
  /** Loaders shared by subscriptions, renewed every event-loop turn. */
  readonly sharedLoaders: SharedLoaders;
}

export function createServices(config: Config, db: Database, log: Logger): AppServices {
  const events = createEventBus(config.redisUrl, log);
  const metrics = new Metrics();
  const { box: secrets, source: secretsSource } = loadSecretBox({ secretsKey: config.secretsKey, dataDir: config.dataDir });
  const live = new LiveHub(events, config.live);
  metrics.gauge('chatgraph_subscriptions_active', 'Live subscriptions on this instance (graphql-ws and SSE).', () => [[{}, live.subscribers]]);
  metrics.gauge('chatgraph_db_pool_connections', 'Database pool connections, by state.', () => [
    [{ state: 'total' }, db.pool.totalCount],
    [{ state: 'idle' }, db.pool.idleCount],
    [{ state: 'waiting' }, db.pool.waitingCount],
  ], ['state']);
  metrics.gauge('chatgraph_events_transport_up', 'Whether events cross instances (1: Redis connected or in-process mode, 0: Redis down).', () => [
    [{ transport: events.state() }, events.state() === 'redis-down' ? 0 : 1],
  ], ['transport']);
  return {
    config,
    db,
    log,
    events,
    pubsub: events.pubsub,
    live,
    metrics,
    secrets,
    secretsSource,
    rateLimiter: createRateLimiter(config.rateLimit, { redisUrl: config.redisUrl, log }),
    ingest: new IngestService(db, events.pubsub, log, metrics),
    authenticator: new ApiKeyAuthenticator(db.pool),
    webhookSecrets: new WebhookSecretResolver(db.pool, secrets),
    operatorKey: config.operatorKey ? new OperatorKey(config.operatorKey) : null,
    seenTokens: new SeenAccessTokens(db.pool),
    sharedLoaders: new SharedLoaders(db.pool),
  };
}
