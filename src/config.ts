// Environment → one typed, validated configuration. Every setting the server
// reads is here and in the README's configuration table; a bad value stops
// start-up with one line naming the variable and what is wrong with it.
import path from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type NodeEnv = 'development' | 'production' | 'test';

export interface Config {
  readonly nodeEnv: NodeEnv;
  /** HTTP port (PORT). */
  readonly port: number;
  /** Interface to listen on (HOST). */
  readonly host: string;
  /** A PostgreSQL server (DATABASE_URL); null = embedded PGlite in dataDir. */
  readonly databaseUrl: string | null;
  /** Embedded database's directory (DATA_DIR). */
  readonly dataDir: string;
  /** Connections in the database pool (DATABASE_POOL_SIZE). */
  readonly databasePoolSize: number;
  /** Apply pending migrations at start-up (MIGRATE_ON_START). */
  readonly migrateOnStart: boolean;
  /** Redis for events across instances (REDIS_URL); null = in-process events. */
  readonly redisUrl: string | null;
  /** Zone of legacy local times without a zone (LEGACY_TIME_ZONE). */
  readonly legacyTimeZone: string;
  readonly logLevel: LogLevel;
  /** Serve GraphiQL on GET /graphql (GRAPHIQL). */
  readonly graphiql: boolean;
  /** Create and print a demo tenant and keys on the first start of an empty embedded database (DEMO_BOOTSTRAP). */
  readonly demoBootstrap: boolean;
  /** How long graceful shutdown waits for in-flight requests (SHUTDOWN_TIMEOUT_MS). */
  readonly shutdownTimeoutMs: number;
}

/** A configuration value is wrong; its message is the one line to print. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (!(values as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${env[name]}"`);
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: readonly string[]): string | null {
  const raw = read(env, name);
  if (raw === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL: "${redact(raw)}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => p + '//').join(' or ')}, got "${redact(raw)}"`);
  }
  if (!parsed.hostname && !parsed.searchParams.get('host')) {
    throw new ConfigError(`${name} names no host: "${redact(raw)}"`);
  }
  return raw;
}

/** A URL with its password replaced, for messages and logs. */
export function redact(raw: string): string {
  try {
    const parsed = new URL(raw);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return raw.replace(/:[^:@/]*@/, ':***@');
  }
}

function timeZone(env: Env, name: string, fallback: string): string {
  const zone = read(env, name) ?? fallback;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new ConfigError(`${name} is not a known IANA time zone: "${zone}" (e.g. Asia/Shanghai, UTC)`);
  }
  return zone;
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  return {
    nodeEnv,
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: read(env, 'HOST') ?? '0.0.0.0',
    databaseUrl,
    dataDir: path.resolve(read(env, 'DATA_DIR') ?? './data'),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', databaseUrl ? 10 : 4, 1, 1000),
    migrateOnStart: boolean(env, 'MIGRATE_ON_START', true),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    legacyTimeZone: timeZone(env, 'LEGACY_TIME_ZONE', 'Asia/Shanghai'),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    graphiql: boolean(env, 'GRAPHIQL', nodeEnv !== 'production'),
    demoBootstrap: boolean(env, 'DEMO_BOOTSTRAP', !databaseUrl && nodeEnv !== 'production'),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
  };
}
