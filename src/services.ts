// The long-lived parts the HTTP app is built from, wired once at start-up,
// and closed in reverse order at shutdown.
import { ApiKeyAuthenticator } from './auth/api-keys.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { LiveHub } from './events/live-hub.ts';
import { createEventBus } from './events/pubsub.ts';
import type { AppServices } from './graphql/context.ts';
import { IngestService } from './ingest/service.ts';
import type { Logger } from './log.ts';
import { SharedLoaders } from './read/loaders.ts';

export function createServices(config: Config, db: Database, log: Logger): AppServices {
  const events = createEventBus(config.redisUrl, log);
  return {
    config,
    db,
    log,
    events,
    pubsub: events.pubsub,
    live: new LiveHub(events),
    ingest: new IngestService(db, events.pubsub, log),
    authenticator: new ApiKeyAuthenticator(db.prisma),
    sharedLoaders: new SharedLoaders(db.pool),
  };
}
