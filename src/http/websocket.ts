// GraphQL over WebSocket (graphql-ws, protocol `graphql-transport-ws`) on the
// same port and path as HTTP GraphQL. Every operation goes through Yoga's
// envelop pipeline (`getEnveloped`): the same auth gate, JIT, parse and
// validation caches as over HTTP. The API key is checked when the
// connection is initialised (a missing or bad key closes it with 4403), and
// again every key cache interval while it is open: a socket whose key was
// revoked is closed with 4403 too.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { bearerToken, type ApiKeyAuthenticator, type Viewer } from '../auth/api-keys.ts';
import type { Logger } from '../log.ts';
import { servicesOf, type App } from './app.ts';
import type { RateLimiter } from './rate-limit.ts';
import { operationResolutionError } from '../execution/graphql-errors.ts';
import type { LiveConnection } from '../events/live-hub.ts';

/** What the Yoga context function receives for an operation over a socket. */
export interface WebSocketInit {
  viewer: Viewer;
  requestId: string;
  /** The socket's live subscriptions, for their cap. */
  connection: LiveConnection;
}

export interface WebSocketEndpoint {
  /** Open sockets. */
  readonly size: number;
  /** Closes every socket (1001 "going away") and stops accepting new ones. */
  close(): Promise<void>;
}

type Extra = {
  viewer?: Viewer;
  key?: string;
  connectionId?: string;
  live?: LiveConnection;
};

/** The key from `connectionParams` (`authorization: "Bearer …"`, `apiKey` or `token`), else from the upgrade request. */
export function connectionKey(params: Record<string, unknown> | undefined, request: http.IncomingMessage): string | null {
  const p = params ?? {};
  const fromParams = p.authorization ?? p.Authorization;
  if (typeof fromParams === 'string') return bearerToken(fromParams);
  for (const name of ['apiKey', 'token']) if (typeof p[name] === 'string' && p[name]) return p[name] as string;
  return bearerToken(request.headers.authorization ?? null);
}

export function attachWebSocket(
  app: App,
  server: http.Server,
  authenticator: ApiKeyAuthenticator,
  log: Logger,
  keepAliveMs = 12_000,
  limiter: RateLimiter | null = null,
): WebSocketEndpoint {
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: 256 * 1024 });
  const disposable = useServer<Record<string, unknown>, Extra>(
    {
      connectionInitWaitTimeout: 10_000,
      onConnect: async (ctx) => {
        const key = connectionKey(ctx.connectionParams, ctx.extra.request);
        const refused = limiter ? await limiter.take(key, ctx.extra.request.socket.remoteAddress ?? 'unknown') : null;
        if (refused) {
          // 4429: the socket is refused for now; the client may retry after the delay named.
          ctx.extra.socket.close(4429, refused.message.slice(0, 120));
          return false;
        }
        const viewer = key ? await authenticator.authenticate(key) : null;
        if (!viewer) return false; // → 4403 Forbidden
        let releaseSlot: () => void;
        try {
          releaseSlot = servicesOf(app).live.openConnection(viewer.apiKeyId);
        } catch (err) {
          // 4429 like a rate limit: the client may retry once one of the key's connections closed.
          ctx.extra.socket.close(4429, (err as Error).message.slice(0, 120));
          return false;
        }
        ctx.extra.socket.once('close', releaseSlot);
        ctx.extra.live = { subscriptions: 0 };
        ctx.extra.viewer = viewer;
        ctx.extra.key = key!;
        ctx.extra.connectionId = randomUUID();
        const socket = ctx.extra.socket;
        const unwatch = authenticator.watch(viewer.apiKeyId, () => socket.close(CloseCode.Forbidden, 'API key revoked'));
        socket.once('close', unwatch);
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        // Every operation on a socket counts, like a request over HTTP.
        const refused = limiter ? await limiter.take(ctx.extra.key ?? null, ctx.extra.request.socket.remoteAddress ?? 'unknown') : null;
        if (refused) return [new GraphQLError(refused.message, { extensions: { code: 'RATE_LIMITED', retryAfterSeconds: refused.retryAfterSeconds } })];
        const ws: WebSocketInit = { viewer: ctx.extra.viewer!, requestId: `${ctx.extra.connectionId}/${id}`, connection: ctx.extra.live! };
        const { schema, execute, subscribe, contextFactory, parse, validate } = app.getEnveloped({ ws, params: payload });
        let document;
        try {
          document = parse(payload.query);
        } catch (err) {
          return [err as never];
        }
        const errors = validate(schema, document);
        if (errors.length) return errors;
        // graphql-ws would otherwise answer "Unable to identify operation": say it in graphql-js's words.
        const unresolved = operationResolutionError(document, payload.operationName);
        if (unresolved) return [unresolved];
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        return args;
      },
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => never }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => never }).subscribe(args),
      onClose: (ctx, code) => {
        if (code === CloseCode.Forbidden) log.debug({ code }, 'websocket refused: bad API key');
      },
    },
    wss,
    keepAliveMs,
  );
  return {
    get size() {
      return wss.clients.size;
    },
    close: async () => {
      for (const socket of wss.clients) socket.close(1001, 'server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
