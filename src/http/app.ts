// The whole HTTP application as one Yoga instance: GraphQL at /graphql
// (GraphiQL on GET in development), plus the REST routes. It is a fetch
// handler, so tests call `app.fetch(...)` in-process and the node server
// mounts the same object.
import { randomUUID } from 'node:crypto';
import { createGraphQLError, createYoga, maskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { DATABASE_UNAVAILABLE_MESSAGE, RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../db/errors.ts';
import { GraphQLError } from 'graphql';
import { schema } from '../graphql/schema.ts';
import type { AppServices, Context } from '../graphql/context.ts';
import { bearerToken, type Viewer } from '../auth/api-keys.ts';
import { createLoaders, type Loaders } from '../read/loaders.ts';
import { webhookRoutes } from '../rest/webhooks.ts';
import { legacyRoutes } from '../rest/legacy-routes.ts';
import { healthRoutes } from './health.ts';
import { dashboardRoutes } from './dashboard.ts';
import { graphiqlOptions } from './graphiql.ts';
import { useMetrics } from './metrics.ts';
import { useRoutes } from './routes.ts';
import { useAuthGate } from './auth-gate.ts';
import { corsOptions, useCsrfPrevention } from './browser.ts';
import { useGraphQLLimits } from './limits.ts';
import { useNulGuard } from './nul-guard.ts';
import { usePersisted } from './persisted-operations.ts';
import { useRateLimit } from './rate-limit.ts';
import type { WebSocketInit } from './websocket.ts';

export type App = YogaServerInstance<Record<string, never>, Context>;

export interface AppOptions {
  /** Development only: the demo tenant's read key, prefilled in GraphiQL and the dashboard (src/http/demo-key.ts). */
  readonly demoReadKey?: string | null;
}

export function createApp(services: AppServices, options: AppOptions = {}): App {
  const authenticator = services.authenticator;
  const webhooks = webhookRoutes({
    ingest: services.ingest,
    authenticator,
    timeZone: services.config.legacyTimeZone,
    log: services.log,
    metrics: services.metrics,
    webhookSecrets: services.webhookSecrets,
    seenTokens: services.seenTokens,
  });
  return createYoga<Record<string, never>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    // GraphiQL opens with the example operations (src/http/graphiql.ts).
    graphiql: services.config.graphiql ? graphiqlOptions(options.demoReadKey ?? null) : false,
    landingPage: false,
    logging: false,
    // Unexpected errors are masked ("Unexpected error."); a database outage
    // is said as such, with 503 and Retry-After, so that clients retry.
    maskedErrors: {
      isDev: false,
      maskError: (error, message, isDev) =>
        isDatabaseUnavailable(error instanceof GraphQLError ? (error.originalError ?? error) : error)
          ? createGraphQLError(DATABASE_UNAVAILABLE_MESSAGE, {
              extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } } },
            })
          : maskError(error, message, isDev),
    },
    // Browsers: only the CORS_ORIGINS origins (src/http/browser.ts).
    cors: corsOptions(services.config.corsOrigins),
    plugins: [
      useMetrics(services.metrics, services.log),
      // Before anything reads the request (README "Limits").
      useRateLimit(services.config.rateLimit, services.rateLimiter),
      useRoutes([
        ...healthRoutes(services.db, services.metrics),
        ...webhooks,
        ...legacyRoutes(services),
        ...dashboardRoutes({ demoReadKey: options.demoReadKey }),
      ]),
      useCsrfPrevention(),
      ...usePersisted(services.config.persistedOperations),
      useGraphQLLimits({ ...services.config.graphqlLimits, suggestions: services.config.nodeEnv === 'development' }),
      useNulGuard(),
      useAuthGate(),
      useSubscriptionLoaders(),
    ],
    context: async (initial): Promise<Context> => {
      // Over graphql-ws the key was checked when the socket connected.
      const ws = (initial as { ws?: WebSocketInit }).ws;
      if (ws) return buildContext(services, ws.viewer, ws.requestId);
      const request = initial.request;
      const key = bearerToken(request.headers.get('authorization'));
      const viewer = key ? await authenticator.authenticate(key) : null;
      return buildContext(services, viewer, request.headers.get('x-request-id') ?? randomUUID(), key !== null);
    },
  });
}

/**
 * A subscription lives for hours and resolves events as they come: it uses
 * the loaders shared by all subscribers of its tenant (renewed every turn of
 * the event loop), not a request's, whose cache would go stale.
 */
function useSubscriptionLoaders(): Plugin<Context> {
  return {
    onSubscribe({ args, extendContext }) {
      const ctx = args.contextValue as Context;
      if (ctx.viewer) extendContext({ loaders: ctx.services.sharedLoaders.live(ctx.viewer.tenantId.toString()) });
    },
  };
}

// Without a viewer nothing may be loaded (the auth gate stops such operations first).
const NO_LOADERS = new Proxy({} as Loaders, {
  get() {
    throw new GraphQLError('authentication required', { extensions: { code: 'UNAUTHENTICATED' } });
  },
});

/** One request's context, with loaders for the viewer's tenant only. */
export function buildContext(services: AppServices, viewer: Viewer | null, requestId: string, apiKeyGiven = viewer !== null): Context {
  return {
    services,
    prisma: services.db.prisma,
    viewer,
    apiKeyGiven,
    requestId,
    loaders: viewer ? createLoaders(services.db.pool, viewer.tenantId.toString()) : NO_LOADERS,
  };
}
