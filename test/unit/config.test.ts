import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, ConfigError, redact } from '../../src/config.ts';

test('defaults: port 4000, embedded database in ./data, Asia/Shanghai, migrations on start', () => {
  const c = loadConfig({});
  assert.equal(c.port, 4000);
  assert.equal(c.databaseUrl, null);
  assert.equal(c.dataDir, path.resolve('./data'));
  assert.equal(c.legacyTimeZone, 'Asia/Shanghai');
  assert.equal(c.migrateOnStart, true);
  assert.equal(c.redisUrl, null);
  assert.equal(c.logLevel, 'info');
  assert.equal(c.graphiql, true);
  assert.equal(c.demoBootstrap, true);
});

test('values are read and validated', () => {
  const c = loadConfig({
    PORT: '8080',
    DATABASE_URL: 'postgresql://u:p@db.example:5432/chat',
    REDIS_URL: 'redis://127.0.0.1:6379',
    LEGACY_TIME_ZONE: 'UTC',
    LOG_LEVEL: 'DEBUG',
    MIGRATE_ON_START: 'false',
    NODE_ENV: 'production',
    SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
  });
  assert.equal(c.port, 8080);
  assert.equal(c.databaseUrl, 'postgresql://u:p@db.example:5432/chat');
  assert.equal(c.redisUrl, 'redis://127.0.0.1:6379');
  assert.equal(c.legacyTimeZone, 'UTC');
  assert.equal(c.logLevel, 'debug');
  assert.equal(c.migrateOnStart, false);
  assert.equal(c.graphiql, false, 'no GraphiQL in production unless asked');
  assert.equal(c.demoBootstrap, false, 'no demo tenant on a real server');
});

const bad: [Record<string, string>, RegExp][] = [
  [{ PORT: 'abc' }, /^PORT must be a whole number from 0 to 65535, got "abc"$/],
  [{ PORT: '70000' }, /^PORT must be a whole number/],
  [{ PORT: '-1' }, /^PORT must be a whole number/],
  [{ LEGACY_TIME_ZONE: 'Mars/Olympus' }, /^LEGACY_TIME_ZONE is not a known IANA time zone: "Mars\/Olympus"/],
  [{ SECRETS_KEY: 'too-short' }, /^SECRETS_KEY must be 32 random bytes in base64 .* got 6 bytes$/],
  [{ SECRETS_KEY: 'not base64 at all!' }, /^SECRETS_KEY must be 32 random bytes in base64/],
  [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL is not a valid URL/],
  [{ DATABASE_URL: 'mysql://localhost/x' }, /^DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//],
  [{ REDIS_URL: 'http://localhost' }, /^REDIS_URL must start with redis:\/\/ or rediss:\/\//],
  [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
  [{ MIGRATE_ON_START: 'maybe' }, /^MIGRATE_ON_START must be true or false/],
  [{ NODE_ENV: 'staging' }, /^NODE_ENV must be one of development, production, test/],
  [{ OPERATOR_KEY: 'short' }, /^OPERATOR_KEY must be 32 to 512 printable characters without spaces .* got 5 characters$/],
  [{ OPERATOR_KEY: 'a'.repeat(20) + ' ' + 'b'.repeat(20) }, /^OPERATOR_KEY must be 32 to 512 printable characters without spaces/],
];
for (const [env, message] of bad) {
  test(`rejects ${JSON.stringify(env)} with one clear line`, () => {
    assert.throws(() => loadConfig(env), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, message);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  });
}

test('passwords never appear in messages', () => {
  assert.equal(redact('postgresql://u:secret@h:5432/d'), 'postgresql://u:***@h:5432/d');
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://u:secret@h/d' }), (err: Error) => !err.message.includes('secret'));
});

test('SECRETS_KEY: 32 bytes in base64 are accepted', () => {
  const key = Buffer.alloc(32, 7);
  assert.deepEqual(loadConfig({ SECRETS_KEY: key.toString('base64') }).secretsKey, key);
  assert.equal(loadConfig({}).secretsKey, null);
});

test('OPERATOR_KEY: unset by default; a long secret is accepted, and never echoed in a message', () => {
  assert.equal(loadConfig({}).operatorKey, null);
  const key = 'x'.repeat(43);
  assert.equal(loadConfig({ OPERATOR_KEY: key }).operatorKey, key);
  assert.throws(() => loadConfig({ OPERATOR_KEY: 'secret-but-short' }), (err: Error) => !err.message.includes('secret-but-short'));
});

test('limits: defaults, values, and one clear line for a bad value', () => {
  const c = loadConfig({});
  assert.deepEqual(c.graphqlLimits, { maxDepth: 12, maxAliases: 30, maxDirectives: 20, maxTokens: 5000, maxFields: 500, maxFieldRepeats: 20, maxCost: 50_000, maxBodyBytes: 1_048_576 });
  assert.deepEqual(c.rateLimit, { perKeyPerMinute: 60_000, perIpPerMinute: 120_000, trustProxy: false });
  assert.deepEqual(c.corsOrigins, []);
  assert.equal(c.httpRequestTimeoutMs, 30_000);
  assert.equal(c.httpHeadersTimeoutMs, 10_000);
  assert.equal(c.persistedOperations.mode, 'off');
  const set = loadConfig({
    GRAPHQL_MAX_DEPTH: '8',
    GRAPHQL_MAX_COST: '1000',
    RATE_LIMIT_PER_MINUTE: '0',
    TRUST_PROXY: 'yes',
    CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
    HTTP_REQUEST_TIMEOUT_MS: '0',
    HTTP_HEADERS_TIMEOUT_MS: '60000',
  });
  assert.equal(set.graphqlLimits.maxDepth, 8);
  assert.equal(set.graphqlLimits.maxCost, 1000);
  assert.equal(set.rateLimit.perKeyPerMinute, 0);
  assert.equal(set.rateLimit.trustProxy, true);
  assert.deepEqual(set.corsOrigins, ['https://app.example.com', 'http://localhost:5173']);
  assert.equal(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins, '*');
  const bad: [Record<string, string>, RegExp][] = [
    [{ GRAPHQL_MAX_DEPTH: '0' }, /^GRAPHQL_MAX_DEPTH must be a whole number from 1 to 1000, got "0"$/],
    [{ GRAPHQL_MAX_TOKENS: 'lots' }, /^GRAPHQL_MAX_TOKENS must be a whole number from 100 to 1000000, got "lots"$/],
    [{ GRAPHQL_MAX_BODY_BYTES: '1e6' }, /^GRAPHQL_MAX_BODY_BYTES must be a whole number/],
    [{ RATE_LIMIT_IP_PER_MINUTE: '-1' }, /^RATE_LIMIT_IP_PER_MINUTE must be a whole number from 0/],
    [{ TRUST_PROXY: 'sometimes' }, /^TRUST_PROXY must be true or false/],
    [{ CORS_ORIGINS: 'https://app.example.com/' }, /^CORS_ORIGINS must be \* or a comma-separated list of origins .*got "https:\/\/app.example.com\/"$/],
    [{ CORS_ORIGINS: 'app.example.com' }, /^CORS_ORIGINS must be \* or a comma-separated list/],
    [{ CORS_ORIGINS: 'ftp://x.example' }, /^CORS_ORIGINS must be/],
    [{ HTTP_HEADERS_TIMEOUT_MS: '40000' }, /^HTTP_HEADERS_TIMEOUT_MS \(40000\) must not be more than HTTP_REQUEST_TIMEOUT_MS \(30000\)$/],
    [{ PERSISTED_OPERATIONS: 'sometimes' }, /^PERSISTED_OPERATIONS must be one of off, allow, only/],
  ];
  for (const [env, message] of bad) {
    assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && message.test(err.message) && !err.message.includes('\n'), JSON.stringify(env));
  }
});

test('PERSISTED_OPERATIONS: the manifest is read and checked at start-up', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chatgraph-config-'));
  try {
    const document = '{ viewer { tenantId } }';
    const hash = createHash('sha256').update(document).digest('hex');
    const good = path.join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ [hash]: document }));
    const c = loadConfig({ PERSISTED_OPERATIONS: 'only', PERSISTED_OPERATIONS_FILE: good });
    assert.equal(c.persistedOperations.mode, 'only');
    assert.equal(c.persistedOperations.operations.get(hash), document);
    // The committed manifest is the default and is valid.
    assert.ok(loadConfig({ PERSISTED_OPERATIONS: 'allow' }).persistedOperations.operations.size >= 3);
    const wrong = path.join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ ['0'.repeat(64)]: document }));
    assert.throws(() => loadConfig({ PERSISTED_OPERATIONS: 'allow', PERSISTED_OPERATIONS_FILE: wrong }), (err: unknown) => err instanceof ConfigError && /^PERSISTED_OPERATIONS_FILE ".*wrong.json": entry "0{64}" is not the sha256 \(hex\) of its document/.test(err.message));
    assert.throws(() => loadConfig({ PERSISTED_OPERATIONS: 'allow', PERSISTED_OPERATIONS_FILE: path.join(dir, 'missing.json') }), (err: unknown) => err instanceof ConfigError && /^PERSISTED_OPERATIONS_FILE ".*missing.json" cannot be read as JSON: ENOENT/.test(err.message));
    writeFileSync(wrong, '[]');
    assert.throws(() => loadConfig({ PERSISTED_OPERATIONS: 'allow', PERSISTED_OPERATIONS_FILE: wrong }), (err: unknown) => err instanceof ConfigError && /must hold a JSON object of sha256 hash → GraphQL document$/.test(err.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
