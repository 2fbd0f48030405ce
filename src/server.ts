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
}

export async function listen(app: App, port: number, host: string, timeouts: ServerTimeouts = {}): Promise<RunningServer> {
  const server = http.createServer(app);
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
