// What a command needs from the server's own parts: the validated config,
// the database (embedded PGlite in DATA_DIR, or DATABASE_URL), the secret box
// and the one ingest service. Opened on demand, closed once.
import { loadConfig, ConfigError, type Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { loadSecretBox, type SecretBox } from '../auth/secret-box.ts';
import type { ChatEventBus } from '../events/pubsub.ts';
import type { IngestService } from '../ingest/service.ts';
import { createLogger, type Logger } from '../log.ts';
import { CliError, type Io } from './args.ts';

export interface CliContext {
  readonly config: Config;
  readonly db: Database;
  readonly secrets: SecretBox;
  readonly log: Logger;
  ingest(): IngestService;
  close(): Promise<void>;
}

export function cliConfig(io: Io): Config {
  try {
    return loadConfig(io.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
}

/** Logs go to stderr (stdout carries the command's output), warnings and worse unless LOG_LEVEL says otherwise. */
export function cliLogger(io: Io, config: Config): Logger {
  return createLogger(io.env.LOG_LEVEL ? config.logLevel : 'warn', { service: 'chatgraph-cli', destination: 2 });
}

export interface ContextOptions {
  migrate?: boolean;
  /**
   * Refuse when active webhook secrets do not open under this key (default
   * true): a command would otherwise seal new secrets under a key the
   * servers do not have. Off for `secret list` and `secret revoke`, the way out.
   */
  checkSecrets?: boolean;
}

export async function openCliContext(io: Io, options: ContextOptions = {}): Promise<CliContext> {
  const config = cliConfig(io);
  // The database drivers, Prisma, ioredis are loaded when a command opens the
  // database, not at start: `chatgraph --help` answers without them.
  const [{ openDatabase, DatabaseUnavailableError }, { createEventBus }, { IngestService }] = await Promise.all([
    import('../db/database.ts'),
    import('../events/pubsub.ts'),
    import('../ingest/service.ts'),
  ]);
  let db: Database;
  try {
    db = await openDatabase({ ...config, migrateOnStart: false });
  } catch (err) {
    if (err instanceof DatabaseUnavailableError) throw new CliError(err.message);
    throw err;
  }
  // Like the server, apply pending migrations (MIGRATE_ON_START); the schema
  // engine is loaded only when something is pending (it costs a second or two).
  if ((options.migrate ?? config.migrateOnStart) && (await db.notReadyReason())?.startsWith('migrations not applied')) {
    try {
      await db.migrate();
    } catch (err) {
      await db.close();
      throw new CliError(`migrations failed on ${db.location}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const log = cliLogger(io, config);
  let secrets: SecretBox;
  let problem: string | null = null;
  try {
    const loaded = loadSecretBox({ secretsKey: config.secretsKey, dataDir: config.dataDir });
    secrets = loaded.box;
    if (options.checkSecrets ?? true) problem = await (await import('../auth/webhook-secrets.ts')).unopenableSecretsProblem(db.pool, secrets, loaded.source);
  } catch (err) {
    await db.close();
    throw new CliError((err as Error).message);
  }
  if (problem) {
    await db.close();
    throw new CliError(problem);
  }
  // Events stay in this process: live subscribers of a running server do not
  // see what the CLI stores (they catch up with `since`, which replays it).
  let events: ChatEventBus | null = null;
  let ingest: IngestService | null = null;
  return {
    config,
    db,
    secrets,
    log,
    ingest() {
      events ??= createEventBus(null, log);
      ingest ??= new IngestService(db, events.pubsub, log);
      return ingest;
    },
    async close() {
      await events?.close();
      await db.close();
    },
  };
}

/** Runs `body` with an open context and closes it whatever happens. */
export async function withContext<T>(io: Io, body: (ctx: CliContext) => Promise<T>, options?: ContextOptions): Promise<T> {
  const ctx = await openCliContext(io, options);
  try {
    return await body(ctx);
  } finally {
    await ctx.close();
  }
}
