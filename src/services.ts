// The long-lived parts the HTTP app is built from, wired once at start-up,
// and closed in reverse order at shutdown.
import { ApiKeyAuthenticator } from './auth/api-keys.ts';
import { WebhookSecretResolver } from './auth/webhook-secrets.ts';
import { SeenAccessTokens } from './auth/seen-tokens.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { LiveHub } from './events/live-hub.ts';
import { createEventBus } from './events/pubsub.ts';
import type { AppServices } from './graphql/context.ts';
import { IngestService } from './ingest/service.ts';
import type { Logger } from './log.ts';
import { SharedLoaders } from './read/loaders.ts';
import { Metrics } from './http/metrics.ts';
import { createRateLimiter } from './http/rate-limit.ts';
import { loadSecretBox } from './auth/secret-box.ts';
import { OperatorKey } from './auth/operator.ts';

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
    authenticator: new ApiKeyAuthenticator(db.prisma),
    webhookSecrets: new WebhookSecretResolver(db.pool, secrets),
    operatorKey: config.operatorKey ? new OperatorKey(config.operatorKey) : null,
    seenTokens: new SeenAccessTokens(db.pool),
    sharedLoaders: new SharedLoaders(db.pool),
  };
}
