// GraphQL over WebSocket (graphql-ws, protocol `graphql-transport-ws`) on the
// same port and path as HTTP GraphQL. Every operation goes through Yoga's
// envelop pipeline (`getEnveloped`): the same auth gate, JIT, parse and
// validation caches as over HTTP. The API key is checked when the
// connection is initialised (a missing or bad key closes it with 4403), and
// again every key cache interval while it is open: a socket whose key was
// revoked is closed with 4403 too. Sockets are pinged by KeepAlive
// (keep-alive.ts), not by graphql-ws, and live frames are written by each
// socket's TurnWriter (turn-writer.ts).
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Socket } from 'node:net';
import { GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { isAsyncIterable } from 'graphql-yoga';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { bearerToken, type ApiKeyAuthenticator, type Viewer } from '../auth/api-keys.ts';
import type { Logger } from '../log.ts';
import { servicesOf, type App } from './app.ts';
import type { RateLimiter } from './rate-limit.ts';
import { operationResolutionError } from '../execution/graphql-errors.ts';
import type { LiveConnection } from '../events/live-hub.ts';
import { NextFrames, serialisedPayload } from '../execution/shared-subscriptions.ts';
import { memoOn } from '../execution/memo-on.ts';
import { TurnWriter } from './turn-writer.ts';
import { KeepAlive } from './keep-alive.ts';

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

/** What an operation's root value carries here: Yoga's pipeline and where its `next` frames go. */
interface Root {
  execute(args: ExecutionArgs): unknown;
  subscribe(args: ExecutionArgs): Promise<AsyncIterable<ExecutionResult> | ExecutionResult>;
  socket: WebSocket;
  id: string;
  /** For live events written without the stream (src/execution/shared-subscriptions.ts). */
  frames: NextFrames;
}

/** Bytes a socket may have waiting before its subscriptions wait for them to be written (attachWebSocket's `socketBuffer`). */
const SOCKET_BUFFER = 1 << 20;

/** What graphql-ws's stringifyMessage writes before a `next` frame's payload. */
function nextFramePrefix(id: string): string {
  return `{"id":${JSON.stringify(id)},"type":"next","payload":`;
}

/** A WebSocket text frame as a server sends it (RFC 6455 5.2: FIN, opcode 1, unmasked). */
function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, header);
  return frame;
}

/** A result's `next` frames by subscription id, kept on the result: built once for all the sockets whose subscription has that id. */
const FRAMES = Symbol('chatgraph.frames');

/**
 * A subscription's `next` frames written straight to its TCP socket through
 * the socket's TurnWriter (a batch of events' frames in one system call),
 * one frame shared by every subscriber of the result with the same id.
 * `ws` writes its own frames (pings, pongs, close) to the same socket whole
 * and at once — it queues only while compressing, which is never negotiated
 * here — so frames never interleave. Refused (the stream takes the event)
 * once the socket is closing or has SOCKET_BUFFER bytes waiting.
 */
class SocketFrames extends NextFrames {
  private readonly prefix: string;
  private readonly usable: boolean;

  constructor(
    private readonly socket: WebSocket,
    private readonly writer: TurnWriter,
    private readonly id: string,
    private readonly socketBuffer: number,
  ) {
    super();
    this.prefix = nextFramePrefix(id);
    this.usable = socket.extensions === '';
  }

  writeResult(result: ExecutionResult): boolean {
    const { socket, writer, id } = this;
    if (!this.usable || socket.readyState !== socket.OPEN || writer.waiting >= this.socketBuffer) return false;
    const byId = memoOn(result, FRAMES, () => new Map<string, Buffer>());
    let frame = byId.get(id);
    if (!frame) byId.set(id, (frame = textFrame(`${this.prefix}${serialisedPayload(result)}}`)));
    writer.write(frame);
    return true;
  }
}

/**
 * A subscription's results as graphql-ws sends them, but with each error-free
 * result written here as its `next` frame — `{"id":…,"type":"next","payload":…}`,
 * byte for byte what graphql-ws would write — from a payload serialised once
 * for all the subscribers sharing it, and without waiting for each write to be
 * flushed (only for a socket with more than SOCKET_BUFFER waiting). Results
 * with errors, the end and failures go on to graphql-ws (error, complete), in
 * order, as before.
 */
function writingNextFrames(results: AsyncIterable<ExecutionResult>, socket: WebSocket, id: string, socketBuffer: number): AsyncGenerator<ExecutionResult> {
  const inner = results[Symbol.asyncIterator]();
  const prefix = nextFramePrefix(id);
  let ended = false;
  const end = async (): Promise<IteratorResult<ExecutionResult>> => {
    ended = true;
    await inner.return?.();
    return { value: undefined, done: true };
  };
  const iterator: AsyncGenerator<ExecutionResult> = {
    async next() {
      for (;;) {
        const r = await inner.next();
        if (r.done || ended) return r.done ? r : { value: undefined, done: true };
        const result = r.value;
        if (typeof result !== 'object' || result === null || result.errors !== undefined) return r;
        if (socket.readyState !== socket.OPEN) continue;
        const frame = `${prefix}${serialisedPayload(result)}}`;
        if (socket.bufferedAmount < socketBuffer) socket.send(frame);
        else await new Promise<void>((resolve) => socket.send(frame, () => resolve()));
      }
    },
    return: end,
    throw: async (err) => {
      await end();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
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
  /** Bytes a socket may have waiting before its subscriptions wait for them (tests make it small, to switch paths at will). */
  socketBuffer = SOCKET_BUFFER,
): WebSocketEndpoint {
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: 256 * 1024 });
  // Each socket's frame writer and keep-alive, from its upgrade on (before graphql-ws's own listener).
  const writers = new WeakMap<WebSocket, TurnWriter>();
  const keepAlive = keepAliveMs > 0 && Number.isFinite(keepAliveMs) ? new KeepAlive(keepAliveMs) : null;
  wss.on('connection', (socket, request) => {
    const writer = new TurnWriter(request.socket as Socket);
    writers.set(socket, writer);
    if (keepAlive) socket.once('close', keepAlive.add(socket, writer));
  });
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
        const frames = new SocketFrames(ctx.extra.socket, writers.get(ctx.extra.socket)!, id, socketBuffer);
        const root = { execute, subscribe, socket: ctx.extra.socket, id, frames } as Root;
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: root,
        };
        return args;
      },
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => never }).execute(args),
      subscribe: async (args) => {
        const root = args.rootValue as Root;
        const result = await root.subscribe(args);
        return isAsyncIterable(result) ? writingNextFrames(result, root.socket, root.id, socketBuffer) : result;
      },
      onClose: (ctx, code) => {
        if (code === CloseCode.Forbidden) log.debug({ code }, 'websocket refused: bad API key');
      },
    },
    wss,
    // graphql-ws's keep-alive off: KeepAlive (keep-alive.ts) pings instead.
    0,
  );
  return {
    get size() {
      return wss.clients.size;
    },
    close: async () => {
      keepAlive?.close();
      for (const socket of wss.clients) socket.close(1001, 'server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
