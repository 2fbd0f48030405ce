// One Node HTTP server for everything, and its graceful shutdown: stop
// accepting, let in-flight requests finish (up to a deadline), then close.
import http from 'node:http';
import type { App } from './http/app.ts';

export interface RunningServer {
  readonly server: http.Server;
  readonly port: number;
  /** Stops accepting, waits for in-flight requests up to `timeoutMs`, then drops what is left. */
  close(timeoutMs: number): Promise<void>;
}

export interface ServerTimeouts {
  /** Whole request received within (408 after; 0 = no limit). */
  requestTimeoutMs?: number;
  /** Headers received within (408 after). */
  headersTimeoutMs?: number;
  /** POST bodies declaring a Content-Length up to this many bytes are read whole before the app sees the request (0 = never). */
  bufferBodyBytes?: number;
}

/**
 * Reads a POST body of declared length (at most `max` bytes) into one Buffer
 * and hands it to the app as `req.body`, which whatwg-node (under Yoga) takes
 * as the request's body as is. Otherwise it streams the body through
 * stream.pipeline into a web stream: measured on the peer benchmark's page of
 * 50 messages, that pipeline (and the AbortController it aborts when it
 * finishes, a DOMException each time) cost about 4 % of the server's CPU per
 * request. Larger bodies and bodies without a length still stream, so the
 * body limits see them as before (src/execution/limits.ts).
 */
export function bufferingBodies(app: http.RequestListener, max: number): http.RequestListener {
  return (req, res) => {
    const declared = req.headers['content-length'];
    if (req.method !== 'POST' || declared === undefined || declared === '0' || !/^\d{1,10}$/.test(declared) || Number(declared) > max) return app(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => {
      (req as { body?: Buffer }).body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      app(req, res);
    });
    // The client went away before its body was whole: nobody to answer.
    req.once('error', () => res.destroy());
  };
}

export async function listen(app: App, port: number, host: string, timeouts: ServerTimeouts = {}): Promise<RunningServer> {
  const server = http.createServer(timeouts.bufferBodyBytes ? bufferingBodies(app, timeouts.bufferBodyBytes) : app);
  server.keepAliveTimeout = 65_000;
  // Slow clients (slowloris) do not hold sockets open: Node answers 408.
  if (timeouts.headersTimeoutMs !== undefined) server.headersTimeout = timeouts.headersTimeoutMs;
  if (timeouts.requestTimeoutMs !== undefined) server.requestTimeout = timeouts.requestTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    port: boundPort,
    close: (timeoutMs) =>
      new Promise<void>((resolve) => {
        const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
        deadline.unref();
        server.close(() => {
          clearTimeout(deadline);
          resolve();
        });
        // Idle keep-alive sockets would otherwise hold close() open.
        server.closeIdleConnections();
      }),
  };
}
