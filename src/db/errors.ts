// Telling "the database is not there right now" (retry later: 503) from any
// other failure (a bug: 500). The pg driver, the pool and Prisma's adapter
// report an outage in different words; all of them are recognised here,
// through the `cause` chain.

const MIGRATIONS_PENDING = 'CHATGRAPH_MIGRATIONS_PENDING';

/**
 * The server was started with MIGRATE_ON_START=false on a database that
 * lacks some of this release's migrations: nothing is read or written until
 * they are applied (Database.holdUntilMigrated), and clients are told to
 * retry, as in an outage.
 */
export class MigrationsPendingError extends Error {
  override name = 'MigrationsPendingError';
  readonly code = MIGRATIONS_PENDING;
  constructor(readonly missing: readonly string[]) {
    super(`migrations not applied: ${missing.join(', ')} (run \`chatgraph migrate\`, or start with MIGRATE_ON_START=true)`);
  }
}

/** SQLSTATEs and socket errors that mean the server is unreachable, restarting or full. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, recovery)
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
  MIGRATIONS_PENDING, // ours: started on a database lacking some of our migrations (below)
]);

const UNAVAILABLE_MESSAGES =
  /connection terminated|timeout exceeded when trying to connect|client has encountered a connection error|connection to server .* failed|the database system is (starting up|shutting down|in recovery mode)|server closed the connection unexpectedly|Connection ended unexpectedly|Can't reach database server|ECONNREFUSED|ECONNRESET/i;

/** Whether `err` (or what caused it) says the database cannot be reached. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = err; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const { code, message, originalCode } = e as { code?: unknown; message?: unknown; originalCode?: unknown };
    for (const c of [code, originalCode]) {
      if (typeof c === 'string' && (UNAVAILABLE_CODES.has(c) || /^08/.test(c))) return true;
    }
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
    // AggregateError (a connect to several addresses that all failed).
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some((x) => isDatabaseUnavailable(x))) return true;
  }
  return false;
}

/** The one answer to clients while the database is away. */
export const DATABASE_UNAVAILABLE_MESSAGE = 'the database is unavailable: nothing was stored or read; retry later';

/** Seconds a client should wait before retrying (Retry-After). */
export const RETRY_AFTER_SECONDS = 5;

/** Whether PostgreSQL refused a value (SQLSTATE class 22, data exception: out of range, invalid text, bad encoding). */
export function isDataException(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = err; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const { code, originalCode } = e as { code?: unknown; originalCode?: unknown };
    for (const c of [code, originalCode]) if (typeof c === 'string' && /^22[0-9A-Z]{3}$/.test(c)) return true;
  }
  return false;
}
