// Start-up: config → database (migrated) → app → HTTP server; and shutdown on
// SIGTERM/SIGINT. Expected failures (bad configuration, unreachable database,
// port taken) end start-up with one log line saying what is wrong. Every
// line written is JSON through the logger (src/log.ts), libraries' warnings
// included; only the demo tenant's banner is text, on a terminal.
import v8 from 'node:v8';
import { loadConfig, ConfigError } from './config.ts';
import { captureProcessOutput, createLogger, levelFromEnv, type Logger } from './log.ts';
import { openDatabase, DatabaseUnavailableError } from './db/database.ts';
import { bootstrapDemoTenant, sealStoredSecrets } from './auth/tenants.ts';
import { unopenableSecretsProblem } from './auth/webhook-secrets.ts';
import { createApp } from './http/app.ts';
import { listen } from './server.ts';
import { createServices } from './services.ts';
import { attachWebSocket } from './http/websocket.ts';
import { loadDemoData } from './cli/demo.ts';
import { listenHost, loadDemoReadKey, saveDemoReadKey } from './http/demo-key.ts';
import { announceDemoTenant } from './auth/demo-env.ts';

// Memory under load: after each full GC, V8 lets the old generation grow to
// up to 4x what survived before the next one. Under read load the objects of
// requests in flight (promoted while they wait on the database) filled it
// from ~35 to ~150 MB between full GCs. A fixed 1.5x keeps the peak heap near
// 70 MB (built server, page 1 and the conversation list at 32 connections:
// peak RSS 196-261 -> 155-170 MiB) for no CPU per request we could measure
// (README, "Memory"). V8 reads it at every full GC, so setting it here works;
// an operator's own --heap-growing-percent (command line or NODE_OPTIONS) is
// left as given.
const HEAP_GROWING_PERCENT = 50;
if (![...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => /heap[-_]growing[-_]percent/.test(arg))) {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

// Until the configuration is read (a bad LOG_LEVEL is reported at info).
let log: Logger = createLogger(levelFromEnv(process.env, 'info'));
captureProcessOutput(log);

function fail(message: string): never {
  log.fatal(message);
  log.flush();
  process.exit(1);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  log = createLogger(config.logLevel);
  captureProcessOutput(log);

  let db;
  try {
    db = await openDatabase(config);
  } catch (err) {
    if (err instanceof DatabaseUnavailableError) fail(err.message);
    throw err;
  }
  log.info({ database: db.location, migrated: config.migrateOnStart }, 'database ready');

  const services = createServices(config, db, log);
  // Secrets this instance cannot open would fail every signed webhook of their tenants: refuse to start instead.
  const unopenable = await unopenableSecretsProblem(db.pool, services.secrets, services.secretsSource);
  if (unopenable) {
    await services.events.close();
    await db.close();
    fail(unopenable);
  }
  const sealed = await sealStoredSecrets(db.pool, services.secrets);
  if (sealed) log.info({ tenants: sealed }, 'webhook secrets stored in the clear were sealed');
  if (config.demoBootstrap) {
    const demo = await bootstrapDemoTenant(db.prisma, services.secrets);
    if (demo) {
      // Development only: kept sealed so that GraphiQL and /dashboard open with it (src/http/demo-key.ts).
      saveDemoReadKey(services, demo.readKey);
      announceDemoTenant(demo, { dataDir: config.dataDir, port: config.port, log });
      if (config.demoData) {
        const demoData = await loadDemoData(services.ingest, demo.tenantId, { timeZone: config.legacyTimeZone });
        log.info({ tenantId: demo.tenantId.toString(), messages: demoData.inserted }, 'demo data loaded (DEMO_DATA)');
      }
    }
  }

  const demoReadKey = await loadDemoReadKey(services);
  // Not ready until the migrations are applied by someone else (README "Rolling upgrades").
  const held = config.migrateOnStart ? null : await db.holdUntilMigrated();
  if (held) {
    log.warn({ reason: `migrations not applied: ${held.missing.join(', ')}` }, 'MIGRATE_ON_START=false on a database without all our migrations: requests answer 503 until they are applied (checked every 5 s)');
    void held.ready.then(() => log.info('migrations applied: serving requests'));
  }
  const app = createApp(services, { demoReadKey });
  const { host, reason: hostReason } = listenHost(config, demoReadKey);
  if (hostReason) log.info({ host }, hostReason);
  let server;
  try {
    server = await listen(app, config.port, host, { requestTimeoutMs: config.httpRequestTimeoutMs, headersTimeoutMs: config.httpHeadersTimeoutMs, bufferBodyBytes: config.graphqlLimits.maxBodyBytes });
  } catch (err) {
    await db.close();
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE') fail(`port ${config.port} is already in use (set PORT to another port)`);
    if (code === 'EACCES') fail(`no permission to listen on port ${config.port}`);
    throw err;
  }
  const websocket = attachWebSocket(app, server.server, services.authenticator, log, 12_000, services.rateLimiter);
  services.metrics.gauge('chatgraph_websocket_connections', 'Open graphql-ws sockets.', () => [[{}, websocket.size]]);
  log.info({ port: server.port, graphql: `http://localhost:${server.port}/graphql`, dashboard: `http://localhost:${server.port}/dashboard`, events: config.redisUrl ? 'redis' : 'in-process', host }, 'chatgraph listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    // Sockets first: they would otherwise hold the HTTP server open.
    await websocket.close();
    await server.close(config.shutdownTimeoutMs);
    await app.dispose();
    await services.events.close();
    await services.rateLimiter.close();
    await db.close();
    log.info('shutdown complete');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  log.fatal({ err }, 'unexpected start-up failure');
  log.flush();
  process.exit(1);
});
