// The whole HTTP application as one Yoga instance: GraphQL at /graphql
// (GraphiQL on GET in development), plus the REST routes. It is a fetch
// handler, so tests call `app.fetch(...)` in-process and the node server
// mounts the same object.
import { useSharedSubscriptions } from '../execution/shared-subscriptions.ts';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { requestIdOf } from './request-id.ts';
import { useRequestCacheRelease } from '../execution/request-caches.ts';
import { GraphQLError } from 'graphql';
import { useCompiledQueries } from '../execution/compiled-queries.ts';
import { schema } from '../graphql/schema.ts';
import type { Context } from '../graphql/context.ts';
import type { AppServices } from '../services.ts';
import { bearerToken, type Viewer } from '../auth/api-keys.ts';
import { createLoaders, type Loaders } from '../read/loaders.ts';
import { webhookRoutes } from '../rest/webhooks.ts';
import { legacyRoutes } from '../rest/legacy-routes.ts';
import { healthRoutes } from './health.ts';
import { dashboardRoutes } from './dashboard.ts';
import { graphiqlOptions, graphiqlRoutes, renderGraphiQL } from './graphiql.ts';
import { landingRoutes } from './landing.ts';
import { useMetrics, useOperationMetrics } from './metrics.ts';
import { useRoutes } from './routes.ts';
import { useAuthGate } from '../execution/auth-gate.ts';
import { corsOptions, useCsrfPrevention } from './browser.ts';
import { useGraphQLLimits } from '../execution/limits.ts';
import { useNulGuard } from '../execution/nul-guard.ts';
import { usePersisted } from '../execution/persisted-operations.ts';
import { useRateLimit } from './rate-limit.ts';
import { parserAndValidationCache } from '../execution/document-cache.ts';
import { logUnexpected, maskGraphQLError, useGraphQLErrors } from '../execution/graphql-errors.ts';
import type { WebSocketInit } from './websocket.ts';

export type App = YogaServerInstance<Record<string, never>, Context>;

export interface AppOptions {
  /** Development only: the demo tenant's read key, prefilled in GraphiQL and the dashboard (src/http/demo-key.ts). */
  readonly demoReadKey?: string | null;
}

const SERVICES = new WeakMap<App, AppServices>();

/** The services an app was created with (the graphql-ws endpoint counts its sockets in their live hub). */
export function servicesOf(app: App): AppServices {
  return SERVICES.get(app)!;
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
  const app: App = createYoga<Record<string, never>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    // GraphiQL opens with the example operations (src/http/graphiql.ts).
    graphiql: services.config.graphiql ? graphiqlOptions(options.demoReadKey ?? null) : false,
    // From this origin only (no CDN): src/http/graphiql.ts.
    renderGraphiQL,
    landingPage: false,
    logging: false,
    parserAndValidationCache: parserAndValidationCache(),
    // Bodies are limited by GRAPHQL_MAX_BODY_BYTES in useGraphQLLimits: by
    // their Content-Length (HTTP framing holds the body to it), else counted
    // as they stream. Yoga's own limit would pipe every body through a
    // stream again, even one read whole already (src/server.ts).
    maxRequestBodySize: false,
    // Unexpected errors are masked ("Unexpected error.") and logged once; a
    // database outage is said as such, with 503 and Retry-After, so that
    // clients retry (src/execution/graphql-errors.ts).
    maskedErrors: { isDev: false, maskError: maskGraphQLError(services.log) },
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
        ...(services.config.graphiql ? graphiqlRoutes() : []),
        ...landingRoutes({ graphiql: services.config.graphiql }),
      ]),
      useCsrfPrevention(),
      ...usePersisted(services.config.persistedOperations),
      useGraphQLLimits({ ...services.config.graphqlLimits, suggestions: services.config.nodeEnv === 'development' }),
      useNulGuard(),
      useGraphQLErrors(services.log),
      useAuthGate(),
      useSubscriptionLoaders(),
      useSharedSubscriptions(),
      // Queries run compiled, proven equal to graphql-js by the differential test (src/execution/compiled-queries.ts).
      useCompiledQueries(services.config.graphqlCompileAfter),
      // Last: it times what was executed (src/http/metrics.ts).
      useOperationMetrics(services.metrics),
      useRequestCacheRelease(),
    ],
    context: async (initial): Promise<Context> => {
      // Over graphql-ws the key was checked when the socket connected.
      const ws = (initial as { ws?: WebSocketInit }).ws;
      if (ws) return { ...buildContext(services, ws.viewer, ws.requestId), liveConnection: ws.connection };
      const request = initial.request;
      const requestId = requestIdOf(request);
      const key = bearerToken(request.headers.get('authorization'));
      try {
        const viewer = key ? await authenticator.authenticate(key) : null;
        const operator = !viewer && key !== null && !!services.operatorKey?.matches(key);
        return buildContext(services, viewer, requestId, key !== null, operator);
      } catch (err) {
        if (!isDatabaseUnavailable(err)) logUnexpected(services.log, err, { requestId, operationName: (initial as { params?: { operationName?: string } }).params?.operationName }, 'unexpected error while authenticating a GraphQL request');
        throw err;
      }
    },
  });
  SERVICES.set(app, services);
  return app;
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
export function buildContext(services: AppServices, viewer: Viewer | null, requestId: string, apiKeyGiven = viewer !== null, operator = false): Context {
  return {
    services,
    prisma: services.db.prisma,
    viewer,
    operator,
    apiKeyGiven,
    requestId,
    loaders: viewer ? createLoaders(services.db.pool, viewer.tenantId.toString()) : NO_LOADERS,
  };
}
