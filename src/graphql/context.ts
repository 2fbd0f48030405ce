// What every resolver gets for one request (or one subscription): the
// database, the viewer resolved from the credential, a request id and the
// logger. Loaders are created per request, never shared.
import type { SeenAccessTokens } from '../auth/seen-tokens.ts';
import type { Database } from '../db/database.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Viewer } from '../auth/api-keys.ts';
import type { LiveConnection } from '../events/live-hub.ts';
import type { Logger } from '../log.ts';
import type { Config } from '../config.ts';
import type { IngestService } from '../ingest/service.ts';
import type { ChatEventBus, ChatPubSub } from '../events/pubsub.ts';
import type { Loaders, SharedLoaders } from '../read/loaders.ts';
import type { ApiKeyAuthenticator } from '../auth/api-keys.ts';
import type { LiveHub } from '../events/live-hub.ts';
import type { Metrics } from '../http/metrics.ts';
import type { SecretBox } from '../auth/secret-box.ts';
import type { RateLimiter } from '../http/rate-limit.ts';
import type { WebhookSecretResolver } from '../auth/webhook-secrets.ts';
import type { OperatorKey } from '../auth/operator.ts';

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

export interface Context {
  readonly services: AppServices;
  readonly prisma: PrismaClient;
  readonly viewer: Viewer | null;
  /** The caller presented the operator credential (OPERATOR_KEY): tenants of the whole server, no tenant's data. */
  readonly operator: boolean;
  /** A key was sent (valid or not): tells "invalid key" from "no key". */
  readonly apiKeyGiven: boolean;
  readonly requestId: string;
  /** This request's loaders, scoped to the viewer's tenant (subscriptions: the shared ones). */
  readonly loaders: Loaders;
  /** Over graphql-ws: the socket's count of live subscriptions (its cap); absent over HTTP and SSE. */
  readonly liveConnection?: LiveConnection;
}
