// Issue 15 (hardening II), on the embedded database and on PostgreSQL (with
// Redis when TEST_REDIS_URL is set):
// - a MSG_SYNC accessToken is good for the body it first came with, across
//   two instances: a redelivery is 200, another body under it 401;
// - an unknown tenant is answered as a wrong signature is;
// - ids that PostgreSQL would store as something else are refused before
//   the database, and a commit is never answered with a failure: a fault
//   injected just after commit still answers 200 with the right counts and
//   publishes every event once;
// - introspection without a key follows GRAPHQL_INTROSPECTION.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createApp, type App } from '../../src/http/app.ts';
import { createServices } from '../../src/services.ts';
import { openDatabase, type Database } from '../../src/db/database.ts';
import type { AppServices } from '../../src/services.ts';
import { msgSyncAccessToken, bodySignature, MSG_SYNC_TOKEN_MISMATCH, BODY_SIGNATURE_MISMATCH } from '../../src/auth/webhook-signatures.ts';
import { SeenAccessTokens, SEEN_TOKEN_CLOCK_MARGIN_MS } from '../../src/auth/seen-tokens.ts';
import { ACCESS_TOKEN_REUSED } from '../../src/rest/webhooks.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { msgSyncItem, uniqueTimestamp } from '../support/live.ts';

const redisEnv: Record<string, string> = process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL } : {};

let t: TestApp;
/** A second instance over the same database: its own pool on PostgreSQL, its own services (caches, token store) on both. */
let second: { app: App; services: AppServices; db: Database | null };

before(async () => {
  t = await startTestApp(redisEnv);
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...redisEnv });
  // PGlite serves one process: there the second instance shares the connection, not the services.
  const db = t.testDb.url ? await openDatabase({ databaseUrl: t.testDb.url, dataDir: '', databasePoolSize: 4, migrateOnStart: false }) : null;
  const services = createServices(config, db ?? t.testDb.db, createLogger(config.logLevel));
  second = { app: createApp(services), services, db };
});
after(async () => {
  await second.app.dispose();
  await second.services.events.close();
  await second.services.rateLimiter.close();
  await second.db?.close();
  await t.close();
});

async function postTo(app: App, path: string, body: string, headers: Record<string, string> = {}) {
  const res = await app.fetch(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, text: await res.text() };
}
const post = (path: string, body: string, headers: Record<string, string> = {}) => postTo(t.app, path, body, headers);

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await t.testDb.db.pool.query<{ n: string }>(sql, params);
  return Number(rows[0]!.n);
}
const messagesWithIdLike = (pattern: string) => count(`SELECT count(*) AS n FROM "Message" WHERE "whatsMessageId" LIKE $1`, [pattern]);

function signed(timestamp: number, data: unknown[], tenantId = '82', secret = t.tenant.webhookSecret) {
  return { accessToken: msgSyncAccessToken(secret, tenantId, timestamp), tenantId: Number(tenantId), timestamp, data };
}

describe('MSG_SYNC accessToken bound to its first body, across instances', () => {
  test('identical redelivery (also re-serialised, on the other instance) is 200 and idempotent; another body under the token is 401 on both, and not stored', async () => {
    const ts = uniqueTimestamp();
    const first = signed(ts, [msgSyncItem('tok-a-1', 2), msgSyncItem('tok-a-2', 2)]);
    assert.equal((await post('/webhooks/MSG_SYNC_MESSAGE', JSON.stringify(first))).text, '{"code":200,"message":"success!","data":""}');
    // The same delivery, keys in another order and spaced: the same parsed data.
    const reordered = JSON.stringify({ data: first.data.map((m) => Object.fromEntries(Object.entries(m as Record<string, unknown>).reverse())), timestamp: ts, tenantId: 82, accessToken: first.accessToken.toUpperCase() }, null, 2);
    assert.equal((await postTo(second.app, '/webhooks/MSG_SYNC_MESSAGE', reordered)).status, 200);
    assert.equal(await messagesWithIdLike('tok-a-%'), 2);

    const forged = JSON.stringify(signed(ts, [msgSyncItem('tok-a-forged', 4)]));
    for (const app of [second.app, t.app]) {
      const res = await postTo(app, '/webhooks/MSG_SYNC_MESSAGE', forged);
      assert.equal(res.status, 401);
      assert.equal(JSON.parse(res.text).message, ACCESS_TOKEN_REUSED);
    }
    // A changed status of a stored message is another body too.
    const raised = JSON.stringify(signed(ts, [msgSyncItem('tok-a-1', 4), msgSyncItem('tok-a-2', 2)]));
    assert.equal((await postTo(second.app, '/webhooks/MSG_SYNC_MESSAGE', raised)).status, 401);
    assert.equal(await messagesWithIdLike('tok-a-forged'), 0);
    assert.equal(await count(`SELECT count(*) AS n FROM "Message" WHERE "whatsMessageId" = 'tok-a-1' AND status = 'READ'`), 0);
  });

  test('two instances racing two bodies under one new token: exactly one is stored', async () => {
    for (let round = 0; round < 5; round++) {
      const ts = uniqueTimestamp();
      const [a, b] = await Promise.all([
        postTo(t.app, '/webhooks/MSG_SYNC_MESSAGE', JSON.stringify(signed(ts, [msgSyncItem(`race-${round}-a`, 2)]))),
        postTo(second.app, '/webhooks/MSG_SYNC_MESSAGE', JSON.stringify(signed(ts, [msgSyncItem(`race-${round}-b`, 2)]))),
      ]);
      assert.deepEqual([a.status, b.status].sort(), [200, 401], `round ${round}: ${a.text} ${b.text}`);
      assert.equal(await messagesWithIdLike(`race-${round}-%`), 1);
    }
  });

  test('a refused (400) body does not use the token up; a token recorded by a delivery that then failed (503) stays good for its body', async () => {
    const ts = uniqueTimestamp();
    const bad = await post('/webhooks/MSG_SYNC_MESSAGE', JSON.stringify(signed(ts, [{ ...msgSyncItem('tok-b-1', 2), messageStatus: 9 }])));
    assert.equal(bad.status, 400);
    assert.equal((await post('/webhooks/MSG_SYNC_MESSAGE', JSON.stringify(signed(ts, [msgSyncItem('tok-b-1', 2)])))).status, 200);
    // The token was recorded, then the store failed (the database went away): the sender retries the same body.
    const retry = signed(uniqueTimestamp(), [msgSyncItem('tok-b-2', 2)]);
    assert.equal(await t.services.seenTokens.use(82n, retry.accessToken, retry.timestamp, JSON.parse(JSON.stringify(retry.data))), 'first');
    assert.equal((await postTo(second.app, '/webhooks/MSG_SYNC_MESSAGE', JSON.stringify(retry))).status, 200);
    assert.equal(await messagesWithIdLike('tok-b-2'), 1);
  });

  test('seen tokens are kept for the window (plus the clock margin) and then deleted', async () => {
    const ts = uniqueTimestamp();
    assert.equal((await post('/webhooks/MSG_SYNC_MESSAGE', JSON.stringify(signed(ts, [msgSyncItem('tok-c-1', 2)])))).status, 200);
    const { rows } = await t.testDb.db.pool.query<{ expiresAt: Date }>(`SELECT "expiresAt" FROM "SeenAccessToken" ORDER BY "expiresAt" DESC LIMIT 1`);
    assert.equal(rows[0]!.expiresAt.getTime(), ts + 300_000 + SEEN_TOKEN_CLOCK_MARGIN_MS);
    const total = await count(`SELECT count(*) AS n FROM "SeenAccessToken"`);
    assert.equal(await new SeenAccessTokens(t.testDb.db.pool, () => Date.now()).deleteExpired(), 0, 'nothing is due yet');
    const later = new SeenAccessTokens(t.testDb.db.pool, () => Date.now() + 300_000 + SEEN_TOKEN_CLOCK_MARGIN_MS + 60_000);
    assert.equal(await later.deleteExpired(), total);
    assert.equal(await count(`SELECT count(*) AS n FROM "SeenAccessToken"`), 0);
  });
});

describe('one answer for an unknown tenant and a bad signature', () => {
  test('MSG_SYNC_MESSAGE: unknown tenant, tenant without an active secret and wrong token answer the same', async () => {
    const noSecret = await t.createTenant(BigInt(randomInt(30_000_000, 40_000_000)));
    await t.testDb.db.pool.query(`UPDATE "WebhookSecret" SET "revokedAt" = now() WHERE "tenantId" = $1`, [noSecret.tenantId.toString()]);
    const answers = [];
    for (const [tenantId, secret] of [['9999', t.tenant.webhookSecret], [noSecret.tenantId.toString(), noSecret.webhookSecret], ['82', 'whsec_wrong']] as const) {
      const res = await postTo(second.app, '/webhooks/MSG_SYNC_MESSAGE', JSON.stringify(signed(uniqueTimestamp(), [], tenantId, secret)));
      answers.push(`${res.status} ${res.text}`);
    }
    assert.deepEqual(new Set(answers), new Set([`401 ${JSON.stringify({ code: 401, message: MSG_SYNC_TOKEN_MISMATCH, data: null })}`]));
    // A stale timestamp is told as such whoever the tenant is.
    const stale = Date.now() - 400_000;
    const known = await post('/webhooks/MSG_SYNC_MESSAGE', JSON.stringify(signed(stale, [])));
    const unknown = await post('/webhooks/MSG_SYNC_MESSAGE', JSON.stringify(signed(stale, [], '9999')));
    assert.equal(unknown.text, known.text);
    assert.match(known.text, /timestamp is 400 s away/);
  });

  test('signature headers on the array webhooks: unknown tenant and wrong signature answer the same', async () => {
    const body = JSON.stringify([{ userId: '1', messageStatus: 3, messageId: 'x' }]);
    const answers = new Set<string>();
    for (const route of ['/webhooks/CLIENT_SYNC_MESSAGE_STATUS', '/webhooks/CLIENT_SYNC_MESSAGE']) {
      for (const [tenantId, secret] of [['9999', t.tenant.webhookSecret], ['82', 'whsec_wrong']]) {
        const ts = Date.now();
        const res = await post(route, body, { 'x-chatgraph-tenant': tenantId!, 'x-chatgraph-timestamp': String(ts), 'x-chatgraph-signature': bodySignature(secret!, ts, body) });
        answers.add(`${res.status} ${res.text}`);
      }
    }
    assert.deepEqual(answers, new Set([`401 ${JSON.stringify({ code: 401, message: BODY_SIGNATURE_MISMATCH, data: null })}`]));
  });

  test('legacy msgPage: another tenant that exists and one that does not answer alike', async () => {
    const other = await t.createTenant(BigInt(randomInt(40_000_000, 50_000_000)));
    const ask = async (tenantId: string) => {
      const res = await post('/wscrm-bus-api/open/message/msgPage', `{"tenantId":${tenantId},"current":1,"pageSize":10,"info":{}}`, { token: t.tenant.readKey });
      return `${res.status} ${res.text.replace(tenantId, '<id>')}`;
    };
    assert.equal(await ask(other.tenantId.toString()), await ask('987654321987'));
  });
});

describe('no 500 after a commit', () => {
  test('a lone surrogate in an id is a 400 naming the field on every webhook and a payload error on the mutations; nothing is stored', async () => {
    const ts = uniqueTimestamp();
    const msgSync = await post('/webhooks/MSG_SYNC_MESSAGE', JSON.stringify(signed(ts, [{ ...msgSyncItem('UNI\udfff', 2), id: 'sync-uni' }])));
    assert.equal(msgSync.text, '{"code":400,"message":"data[0].messageId: must be well-formed Unicode: an unpaired UTF-16 surrogate (\\\\udfff) at character 4","data":null}');
    const clientSync = await post('/webhooks/CLIENT_SYNC_MESSAGE', JSON.stringify([{ userId: '1', whatsApp: '8613700000001', friendWhatsApp: '447711000009', actionType: 1, chatType: 1, content: [{ type: 1, text: 'hi', messageId: 'UNI\udfff', time: 1689129792000 }] }]), { authorization: `Bearer ${t.tenant.ingestKey}` });
    assert.equal(clientSync.status, 400);
    assert.match(JSON.parse(clientSync.text).message, /^\[0\]\.content\[0\]\.messageId: must be well-formed Unicode/);
    const status = await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', JSON.stringify([{ userId: '1', messageStatus: 3, messageId: '\ud800UNI' }]), { authorization: `Bearer ${t.tenant.ingestKey}` });
    assert.match(JSON.parse(status.text).message, /^\[0\]\.messageId: must be well-formed Unicode: an unpaired UTF-16 surrogate \(\\ud800\) at character 1/);
    const mutation = await t.graphql<{ ingestMessages: { inserted: number; errors: { field: string }[] } }>(
      'mutation($m: [MessageInput!]!) { ingestMessages(messages: $m) { inserted errors { field } } }',
      { m: [{ accountWhatsId: '86138\udc00', whatsMessageId: 'ok-id', friendWhatsId: '4477', direction: 'INBOUND', chatType: 'PRIVATE', contentType: 'TEXT', content: 'x', status: 'SENT', chatTime: '2023-07-01T02:53:52Z' }] },
      t.tenant.ingestKey,
    );
    assert.deepEqual(mutation.body.data?.ingestMessages, { inserted: 0, errors: [{ field: 'messages[0].accountWhatsId' }] });
    assert.equal(await count(`SELECT count(*) AS n FROM "Message" WHERE "whatsMessageId" LIKE '%\ufffd%' OR "whatsMessageId" = 'ok-id'`), 0);
  });

  test('a failure injected just after commit (counting): 200 with the right counts for every batch of the group, every event published once', async () => {
    const published: string[] = [];
    const pubsub = t.services.pubsub as { publish: (...args: unknown[]) => void };
    const publish = pubsub.publish.bind(pubsub);
    pubsub.publish = (topic, tenant, event) => {
      published.push(`${String(topic)} ${(event as { whatsMessageId: string }).whatsMessageId}`);
      publish(topic, tenant, event);
    };
    let injected = 0;
    t.services.ingest.faults.afterCommit = () => {
      injected++;
      throw new Error('injected: counting failed after commit');
    };
    try {
      const ingest = (ids: string[], status = 'SENT') =>
        t.graphql<{ ingestMessages: { inserted: number; updated: number; unchanged: number; errors: unknown[] } }>(
          'mutation($m: [MessageInput!]!) { ingestMessages(messages: $m) { inserted updated unchanged errors { message } } }',
          { m: ids.map((id) => ({ accountWhatsId: '8613800000009', whatsMessageId: id, friendWhatsId: '447700900999', direction: 'INBOUND', chatType: 'PRIVATE', contentType: 'TEXT', content: id, status, chatTime: '2023-07-01T02:53:52Z' })) },
          t.tenant.ingestKey,
        );
      // Concurrent batches of one tenant are written as one group (one transaction).
      await ingest(['fault-0']);
      const [a, b, c] = await Promise.all([ingest(['fault-1', 'fault-2']), ingest(['fault-3']), ingest(['fault-0', 'fault-4'], 'READ')]);
      assert.ok(injected >= 2, `injected ${injected}`);
      assert.deepEqual(a.body.data?.ingestMessages, { inserted: 2, updated: 0, unchanged: 0, errors: [] });
      assert.deepEqual(b.body.data?.ingestMessages, { inserted: 1, updated: 0, unchanged: 0, errors: [] });
      assert.deepEqual(c.body.data?.ingestMessages, { inserted: 1, updated: 1, unchanged: 0, errors: [] });
      // A webhook under the same fault: 200, stored, its event sent.
      const hook = await post('/webhooks/MSG_SYNC_MESSAGE', JSON.stringify(signed(uniqueTimestamp(), [msgSyncItem('fault-5', 2)])));
      assert.equal(hook.text, '{"code":200,"message":"success!","data":""}');
      assert.deepEqual(published.sort(), [
        'messageAdded fault-0', 'messageAdded fault-1', 'messageAdded fault-2', 'messageAdded fault-3', 'messageAdded fault-4', 'messageAdded fault-5',
        'messageStatusChanged fault-0',
      ]);
      assert.equal(await messagesWithIdLike('fault-%'), 6);
    } finally {
      t.services.ingest.faults.afterCommit = undefined;
      pubsub.publish = publish;
    }
  });
});

describe('introspection without a key (GRAPHQL_INTROSPECTION)', () => {
  const INTROSPECTION = '{ __schema { queryType { name } } }';
  test('production: refused without a key, answered with one; GRAPHQL_INTROSPECTION=public opens it; development opens it by default', async () => {
    const make = (env: Record<string, string>) => {
      const config = loadConfig({ LOG_LEVEL: 'silent', ...env });
      const services = createServices(config, t.testDb.db, createLogger('silent'));
      return { app: createApp(services), services };
    };
    const ask = async (app: App, key?: string) => {
      const res = await app.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query: INTROSPECTION }),
      });
      return res.status;
    };
    const cases: [Record<string, string>, number, number][] = [
      [{ NODE_ENV: 'production' }, 401, 200],
      [{ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'public' }, 200, 200],
      [{ NODE_ENV: 'development', GRAPHQL_INTROSPECTION: 'authenticated' }, 401, 200],
      [{ NODE_ENV: 'development' }, 200, 200],
    ];
    for (const [env, anonymous, keyed] of cases) {
      const { app, services } = make(env);
      try {
        assert.deepEqual([await ask(app), await ask(app, t.tenant.readKey)], [anonymous, keyed], JSON.stringify(env));
      } finally {
        await app.dispose();
        await services.events.close();
        await services.rateLimiter.close();
      }
    }
  });
});
