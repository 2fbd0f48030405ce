// Observability and secrets at rest: /metrics in Prometheus' text format
// counts what the server did; webhook secrets are sealed in the database and
// still verify signatures.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SecretBox } from '../../src/auth/secret-box.ts';
import { sealStoredSecrets } from '../../src/auth/tenants.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { msgSyncBody, msgSyncItem } from '../support/live.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  t.app.fetch(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
const scrape = async () => (await (await t.app.fetch('http://localhost/metrics')).text());
const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"+.]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);

test('/metrics counts requests by route and status, ingest outcomes and failures, and reports the pool and subscriptions', async () => {
  const before = await scrape();
  assert.equal(((await post('/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(t.tenant, [msgSyncItem('m-1', 1), msgSyncItem('m-2', 1)]))).status), 200);
  assert.equal((await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', '[{"userId":"1","messageStatus":9,"messageId":"x"}]', { token: t.tenant.ingestKey })).status, 400);
  assert.equal((await post('/webhooks/CLIENT_SYNC_MESSAGE_STATUS', '[]', { token: 'cg_wrong' })).status, 401);
  const res = await t.app.fetch('http://localhost/metrics');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  const after = await res.text();
  const delta = (series: string) => value(after, series) - value(before, series);
  assert.equal(delta('chatgraph_http_requests_total{route="/webhooks/MSG_SYNC_MESSAGE",method="POST",status="200"}'), 1);
  assert.equal(delta('chatgraph_http_requests_total{route="/webhooks/CLIENT_SYNC_MESSAGE_STATUS",method="POST",status="400"}'), 1);
  assert.equal(delta('chatgraph_ingest_messages_total{outcome="inserted"}'), 2);
  assert.equal(delta('chatgraph_ingest_batches_total'), 1);
  assert.equal(delta('chatgraph_events_published_total{topic="messageAdded"}'), 2);
  assert.equal(delta('chatgraph_ingest_failures_total{route="CLIENT_SYNC_MESSAGE_STATUS",reason="invalid"}') + delta('chatgraph_ingest_failures_total{route="/webhooks/CLIENT_SYNC_MESSAGE_STATUS",reason="invalid"}'), 1);
  assert.match(after, /^chatgraph_http_request_duration_seconds_bucket\{le="\+Inf",route="\/webhooks\/MSG_SYNC_MESSAGE"\} \d+$/m);
  assert.match(after, /^chatgraph_db_pool_connections\{state="total"\} \d+$/m);
  assert.match(after, /^chatgraph_subscriptions_active 0$/m);
  assert.match(after, /^process_resident_memory_bytes \d+$/m);
  // Unknown paths are one label value, not one per path.
  await t.app.fetch('http://localhost/no/such/path/' + randomBytes(4).toString('hex'));
  assert.match(await scrape(), /route="other"/);
  assert.doesNotMatch(await scrape(), /no\/such\/path/);
});

test('webhook secrets are stored sealed, never in the clear, and still verify MSG_SYNC signatures', async () => {
  const prisma = t.testDb.db.prisma;
  const row = await prisma.webhookSecret.findFirst({ where: { tenantId: t.tenant.tenantId } });
  assert.ok(row!.secret.startsWith('v1:'));
  assert.ok(!row!.secret.includes(t.tenant.webhookSecret));
  assert.equal(row!.prefix, t.tenant.webhookSecret.slice(0, 10));
  assert.equal(t.services.secrets.open(row!.secret), t.tenant.webhookSecret);
  // Sealing is randomised: the same secret never seals to the same text.
  assert.notEqual(t.services.secrets.seal('s'), t.services.secrets.seal('s'));
  // Under another key it does not open (a clear error, not a wrong secret).
  assert.throws(() => new SecretBox(randomBytes(32)).open(row!.secret), /sealed under another key/);
  // A secret stored in the clear (before sealing existed) still verifies, and is sealed at start-up.
  await prisma.webhookSecret.update({ where: { id: row!.id }, data: { secret: t.tenant.webhookSecret } });
  assert.equal((await post('/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(t.tenant, [msgSyncItem('m-3', 1)]))).status, 200);
  assert.equal(await sealStoredSecrets(t.testDb.db.pool, t.services.secrets), 1);
  assert.equal(await sealStoredSecrets(t.testDb.db.pool, t.services.secrets), 0);
  assert.equal((await post('/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(t.tenant, [msgSyncItem('m-4', 1)]))).status, 200);
  // A secret moved by the migration without its prefix gets it at start-up.
  await prisma.webhookSecret.update({ where: { id: row!.id }, data: { prefix: null } });
  assert.equal(await sealStoredSecrets(t.testDb.db.pool, t.services.secrets), 1);
  assert.equal((await prisma.webhookSecret.findUnique({ where: { id: row!.id } }))!.prefix, t.tenant.webhookSecret.slice(0, 10));
});
