// Environment → one typed, validated configuration. Every setting the server
// reads is here and in the README's configuration table; a bad value stops
// start-up with one line naming the variable and what is wrong with it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type NodeEnv = 'development' | 'production' | 'test';

export interface Config {
  readonly nodeEnv: NodeEnv;
  /** HTTP port (PORT). */
  readonly port: number;
  /** Interface to listen on (HOST). */
  readonly host: string;
  /** Whether HOST was set: if not, development binds 127.0.0.1 while it serves the demo key (src/http/demo-key.ts). */
  readonly hostSet: boolean;
  /** A PostgreSQL server (DATABASE_URL); null = embedded PGlite in dataDir. */
  readonly databaseUrl: string | null;
  /** Embedded database's directory (DATA_DIR). */
  readonly dataDir: string;
  /** Seals webhook secrets at rest (SECRETS_KEY, 32 bytes in base64); null = the key file in DATA_DIR. */
  readonly secretsKey: Buffer | null;
  /** Connections in the database pool (DATABASE_POOL_SIZE). */
  readonly databasePoolSize: number;
  /** Prepare statements that come back, once per connection (DATABASE_PREPARED_STATEMENTS; off behind a transaction-pooling PgBouncer before 1.21). */
  readonly databasePreparedStatements: boolean;
  /** Apply pending migrations at start-up (MIGRATE_ON_START). */
  readonly migrateOnStart: boolean;
  /** Redis for events across instances (REDIS_URL); null = in-process events. */
  readonly redisUrl: string | null;
  /** Zone of legacy local times without a zone (LEGACY_TIME_ZONE). */
  readonly legacyTimeZone: string;
  readonly logLevel: LogLevel;
  /**
   * Who may run an introspection query (GRAPHQL_INTROSPECTION): 'public'
   * also callers without an API key, 'authenticated' only callers with one
   * (src/execution/auth-gate.ts).
   */
  readonly graphqlIntrospection: 'public' | 'authenticated';
  /**
   * Compile a query operation (graphql-jit) after it ran this many times
   * from one parsed document (GRAPHQL_COMPILE_AFTER); 0 = never compile
   * (src/execution/compiled-queries.ts).
   */
  readonly graphqlCompileAfter: number;
  /** Serve GraphiQL on GET /graphql (GRAPHIQL). */
  readonly graphiql: boolean;
  /** Create and print a demo tenant and keys on the first start of an empty embedded database (DEMO_BOOTSTRAP). */
  readonly demoBootstrap: boolean;
  /** With the demo tenant, also load the generated demo dataset (DEMO_DATA; src/cli/demo.ts). */
  readonly demoData: boolean;
  /** How long graceful shutdown waits for in-flight requests (SHUTDOWN_TIMEOUT_MS). */
  readonly shutdownTimeoutMs: number;
  /** Limits on GraphQL documents and requests (README "Limits"). */
  readonly graphqlLimits: GraphQLLimitsConfig;
  /** Token buckets per API key and per client IP; 0 = off (README "Limits"). */
  readonly rateLimit: RateLimitConfig;
  /** Caps on live connections and subscriptions, per instance (README "Limits"). */
  readonly live: LiveCapsConfig;
  /** Origins allowed to call from a browser (CORS_ORIGINS): a list, '*' for any, empty for none. */
  readonly corsOrigins: readonly string[] | '*';
  /** Node's server.requestTimeout (HTTP_REQUEST_TIMEOUT_MS): the whole request must arrive within it; 0 = none. */
  readonly httpRequestTimeoutMs: number;
  /** Node's server.headersTimeout (HTTP_HEADERS_TIMEOUT_MS): the headers must arrive within it. */
  readonly httpHeadersTimeoutMs: number;
  /** Persisted operations (PERSISTED_OPERATIONS, PERSISTED_OPERATIONS_FILE). */
  readonly persistedOperations: PersistedOperationsConfig;
  /** The server-wide operator credential (OPERATOR_KEY, at least 32 characters); null = tenants are created with the CLI only. */
  readonly operatorKey: string | null;
}

export interface PersistedOperationsConfig {
  /** off: documents only; allow: a persisted id or a document; only: persisted ids only. */
  readonly mode: 'off' | 'allow' | 'only';
  /** The manifest: a JSON object of sha256 (hex) of each document → the document. */
  readonly file: string;
  /** The manifest's operations (empty when off). */
  readonly operations: ReadonlyMap<string, string>;
}

export interface GraphQLLimitsConfig {
  /** Nested fields (GRAPHQL_MAX_DEPTH). */
  readonly maxDepth: number;
  /** Aliased fields per operation, fragments counted where spread (GRAPHQL_MAX_ALIASES). */
  readonly maxAliases: number;
  /** Directives per operation (GRAPHQL_MAX_DIRECTIVES). */
  readonly maxDirectives: number;
  /** Lexical tokens per document (GRAPHQL_MAX_TOKENS). */
  readonly maxTokens: number;
  /** Fields written in a document (GRAPHQL_MAX_FIELDS). */
  readonly maxFields: number;
  /** Times one response name may be selected in one selection set, fragments included (GRAPHQL_MAX_FIELD_REPEATS). */
  readonly maxFieldRepeats: number;
  /** Estimated objects returned, page sizes multiplied (GRAPHQL_MAX_COST). */
  readonly maxCost: number;
  /** Bytes of a POST /graphql body (GRAPHQL_MAX_BODY_BYTES). */
  readonly maxBodyBytes: number;
}

export interface LiveCapsConfig {
  /** Open graphql-ws sockets and SSE streams per API key (LIVE_MAX_CONNECTIONS_PER_KEY). */
  readonly connectionsPerKey: number;
  /** Live subscriptions per API key, all its connections (LIVE_MAX_SUBSCRIPTIONS_PER_KEY). */
  readonly subscriptionsPerKey: number;
  /** Live subscriptions on one graphql-ws socket (LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION). */
  readonly subscriptionsPerConnection: number;
}

export interface RateLimitConfig {
  /** Requests a minute per API key (RATE_LIMIT_PER_MINUTE); 0 = no limit. */
  readonly perKeyPerMinute: number;
  /** Requests a minute per client IP (RATE_LIMIT_IP_PER_MINUTE); 0 = no limit. */
  readonly perIpPerMinute: number;
  /** Take the client IP from the last X-Forwarded-For address (TRUST_PROXY). */
  readonly trustProxy: boolean;
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

function key32(env: Env, name: string): Buffer | null {
  const raw = read(env, name);
  if (raw === undefined) return null;
  const key = /^[A-Za-z0-9+/_-]+=*$/.test(raw) ? Buffer.from(raw, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new ConfigError(`${name} must be 32 random bytes in base64 (e.g. \`openssl rand -base64 32\`), got ${key.length} bytes`);
  return key;
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

/** A secret presented as a bearer token: at least 32 printable characters without spaces. */
function secret(env: Env, name: string): string | null {
  const raw = read(env, name);
  if (raw === undefined) return null;
  if (!/^[\x21-\x7e]{32,512}$/.test(raw)) {
    throw new ConfigError(`${name} must be 32 to 512 printable characters without spaces (e.g. \`openssl rand -base64 32\`), got ${raw.length} characters`);
  }
  return raw;
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

/** CORS_ORIGINS: comma-separated origins (scheme://host[:port]), or '*'. */
function origins(env: Env, name: string): readonly string[] | '*' {
  const raw = read(env, name);
  if (raw === undefined) return [];
  if (raw === '*') return '*';
  return raw.split(',').map((item) => {
    const origin = item.trim();
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(`${name} must be * or a comma-separated list of origins like https://app.example.com (scheme, host, optional port; no path or trailing slash), got "${origin}"`);
    }
    return origin;
  });
}

/** PERSISTED_OPERATIONS and its manifest, read and checked now so that a bad file stops start-up. */
function persistedOperations(env: Env): PersistedOperationsConfig {
  const mode = oneOf(env, 'PERSISTED_OPERATIONS', ['off', 'allow', 'only'] as const, 'off');
  const file = path.resolve(read(env, 'PERSISTED_OPERATIONS_FILE') ?? 'schema/persisted-operations.json');
  const operations = new Map<string, string>();
  if (mode === 'off') return { mode, file, operations };
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`PERSISTED_OPERATIONS_FILE "${file}" cannot be read as JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!manifest || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new ConfigError(`PERSISTED_OPERATIONS_FILE "${file}" must hold a JSON object of sha256 hash → GraphQL document`);
  }
  for (const [hash, document] of Object.entries(manifest)) {
    if (typeof document !== 'string' || createHash('sha256').update(document).digest('hex') !== hash) {
      throw new ConfigError(`PERSISTED_OPERATIONS_FILE "${file}": entry "${hash.slice(0, 80)}" is not the sha256 (hex) of its document (rebuild it: npm run persisted:print)`);
    }
    operations.set(hash, document);
  }
  return { mode, file, operations };
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const httpRequestTimeoutMs = integer(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 0, 3_600_000);
  const httpHeadersTimeoutMs = integer(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 1000, 3_600_000);
  if (httpRequestTimeoutMs > 0 && httpHeadersTimeoutMs > httpRequestTimeoutMs) {
    throw new ConfigError(`HTTP_HEADERS_TIMEOUT_MS (${httpHeadersTimeoutMs}) must not be more than HTTP_REQUEST_TIMEOUT_MS (${httpRequestTimeoutMs})`);
  }
  const demoBootstrap = boolean(env, 'DEMO_BOOTSTRAP', !databaseUrl && nodeEnv !== 'production');
  const demoData = boolean(env, 'DEMO_DATA', false);
  if (demoData && !demoBootstrap) {
    throw new ConfigError('DEMO_DATA=true loads data for the demo tenant, which is created only with DEMO_BOOTSTRAP=true (its default is true only on the embedded database outside production)');
  }
  const secretsKey = key32(env, 'SECRETS_KEY');
  if (nodeEnv === 'production' && databaseUrl && !secretsKey) {
    // A key file is per machine: instances (and the CLI) on a shared database would each seal with their own.
    throw new ConfigError('SECRETS_KEY is required with NODE_ENV=production and DATABASE_URL: every instance and the CLI must seal webhook secrets under the same key (32 bytes in base64, e.g. `openssl rand -base64 32`; on an existing deployment, the content of the secrets.key file that sealed them)');
  }
  return {
    nodeEnv,
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: read(env, 'HOST') ?? '0.0.0.0',
    hostSet: read(env, 'HOST') !== undefined,
    databaseUrl,
    dataDir: path.resolve(read(env, 'DATA_DIR') ?? './data'),
    secretsKey,
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', databaseUrl ? 10 : 4, 1, 1000),
    databasePreparedStatements: boolean(env, 'DATABASE_PREPARED_STATEMENTS', true),
    migrateOnStart: boolean(env, 'MIGRATE_ON_START', true),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    legacyTimeZone: timeZone(env, 'LEGACY_TIME_ZONE', 'Asia/Shanghai'),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    graphqlIntrospection: oneOf(env, 'GRAPHQL_INTROSPECTION', ['public', 'authenticated'] as const, nodeEnv === 'production' ? 'authenticated' : 'public'),
    graphqlCompileAfter: integer(env, 'GRAPHQL_COMPILE_AFTER', 2, 0, 1_000_000),
    graphiql: boolean(env, 'GRAPHIQL', nodeEnv !== 'production'),
    demoBootstrap,
    demoData,
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    graphqlLimits: {
      maxDepth: integer(env, 'GRAPHQL_MAX_DEPTH', 12, 1, 1000),
      maxAliases: integer(env, 'GRAPHQL_MAX_ALIASES', 30, 0, 100_000),
      maxDirectives: integer(env, 'GRAPHQL_MAX_DIRECTIVES', 20, 0, 100_000),
      maxTokens: integer(env, 'GRAPHQL_MAX_TOKENS', 5000, 100, 1_000_000),
      maxFields: integer(env, 'GRAPHQL_MAX_FIELDS', 500, 10, 1_000_000),
      maxFieldRepeats: integer(env, 'GRAPHQL_MAX_FIELD_REPEATS', 20, 2, 1_000_000),
      maxCost: integer(env, 'GRAPHQL_MAX_COST', 50_000, 1, 1_000_000_000),
      maxBodyBytes: integer(env, 'GRAPHQL_MAX_BODY_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    },
    rateLimit: {
      perKeyPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 60_000, 0, 1_000_000_000),
      perIpPerMinute: integer(env, 'RATE_LIMIT_IP_PER_MINUTE', 120_000, 0, 1_000_000_000),
      trustProxy: boolean(env, 'TRUST_PROXY', false),
    },
    live: {
      connectionsPerKey: integer(env, 'LIVE_MAX_CONNECTIONS_PER_KEY', 20_000, 1, 10_000_000),
      subscriptionsPerKey: integer(env, 'LIVE_MAX_SUBSCRIPTIONS_PER_KEY', 50_000, 1, 10_000_000),
      subscriptionsPerConnection: integer(env, 'LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION', 100, 1, 100_000),
    },
    corsOrigins: origins(env, 'CORS_ORIGINS'),
    httpRequestTimeoutMs,
    httpHeadersTimeoutMs,
    persistedOperations: persistedOperations(env),
    operatorKey: secret(env, 'OPERATOR_KEY'),
  };
}
