import { test } from 'node:test';
import assert from 'node:assert/strict';
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
  [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL is not a valid URL/],
  [{ DATABASE_URL: 'mysql://localhost/x' }, /^DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//],
  [{ REDIS_URL: 'http://localhost' }, /^REDIS_URL must start with redis:\/\/ or rediss:\/\//],
  [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
  [{ MIGRATE_ON_START: 'maybe' }, /^MIGRATE_ON_START must be true or false/],
  [{ NODE_ENV: 'staging' }, /^NODE_ENV must be one of development, production, test/],
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
