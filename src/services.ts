// The long-lived parts the HTTP app is built from, wired once at start-up.
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { createLocalPubSub } from './events/pubsub.ts';
import type { AppServices } from './graphql/context.ts';
import { IngestService } from './ingest/service.ts';
import type { Logger } from './log.ts';

export function createServices(config: Config, db: Database, log: Logger): AppServices {
  const pubsub = createLocalPubSub();
  return { config, db, log, pubsub, ingest: new IngestService(db, pubsub, log) };
}
