// The whole HTTP application as one Yoga instance: GraphQL at /graphql
// (GraphiQL on GET in development), plus the REST routes. It is a fetch
// handler, so tests call `app.fetch(...)` in-process and the node server
// mounts the same object.
import { randomUUID } from 'node:crypto';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { schema } from '../graphql/schema.ts';
import type { AppServices, Context } from '../graphql/context.ts';
import { ApiKeyAuthenticator, bearerToken } from '../auth/api-keys.ts';
import { healthRoutes } from './health.ts';
import { useRoutes } from './routes.ts';
import { webhookRoutes } from '../rest/webhooks.ts';

export type App = YogaServerInstance<Record<string, never>, Context>;

export function createApp(services: AppServices): App {
  const authenticator = new ApiKeyAuthenticator(services.db.prisma);
  const webhooks = webhookRoutes({
    ingest: services.ingest,
    pool: services.db.pool,
    authenticator,
    timeZone: services.config.legacyTimeZone,
    log: services.log,
  });
  return createYoga<Record<string, never>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: services.config.graphiql ? { title: 'chatgraph' } : false,
    landingPage: false,
    logging: false,
    maskedErrors: services.config.nodeEnv !== 'development' || { isDev: false },
    plugins: [useRoutes([...healthRoutes(services.db), ...webhooks])],
    context: async ({ request }): Promise<Context> => {
      const key = bearerToken(request.headers.get('authorization'));
      return {
        services,
        prisma: services.db.prisma,
        viewer: key ? await authenticator.authenticate(key) : null,
        requestId: request.headers.get('x-request-id') ?? randomUUID(),
      };
    },
  });
}
