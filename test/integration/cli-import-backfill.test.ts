// `chatgraph backfill` and `chatgraph import` end to end: a source server is
// fed through its webhooks; backfilling from its msgPage into an empty
// database, and importing the same webhook bodies from a JSON Lines file into
// another, give the same messages field by field (msgPage of both); a rerun
// stores nothing new; a run stopped part-way resumes from its checkpoint and
// ends in the same state, without duplicates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createDataset } from '../../src/demo/dataset.ts';
import { msgSyncAccessToken } from '../../src/auth/webhook-signatures.ts';
import { allMsgPageRecords, openCliDatabase, parseCredentials, type CliDatabase } from '../support/cli.ts';
import { msgSyncItem } from '../support/live.ts';
import { startServerProcess, type ServerProcess } from '../support/process.ts';

const opened: CliDatabase[] = [];
const servers: ServerProcess[] = [];
let sourceUrl = '';
let sourceRead = '';
/** Every webhook body posted to the source, in order: the import's input. */
const bodies: { route: string; json: string }[] = [];
let expected: Record<string, unknown>[] = [];

async function database(): Promise<{ db: CliDatabase; creds: ReturnType<typeof parseCredentials> }> {
  const db = await openCliDatabase();
  opened.push(db);
  const created = await db.cli(['tenant', 'create', '--id', '82', '--name', 'Acme']);
  assert.equal(created.code, 0, created.stderr);
  return { db, creds: parseCredentials(created.stdout) };
}

async function serve(db: CliDatabase): Promise<{ url: string; server: ServerProcess }> {
  const server = await startServerProcess({ ...db.env, DEMO_BOOTSTRAP: 'false', RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_IP_PER_MINUTE: '0' });
  servers.push(server);
  return { url: `http://127.0.0.1:${server.port}`, server };
}

function json<T = Record<string, number | string | boolean>>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

before(async () => {
  const { db, creds } = await database();
  const { url } = await serve(db);
  sourceUrl = url;
  sourceRead = creds.readKey;
  const now = Date.now();
  const shape = { tenants: 1, agentsPerTenant: 3, contactsPerTenant: 40, groupsPerTenant: 3, spanDays: 10 };
  for (const batch of createDataset({ ...shape, seed: 7, messages: 240 }).mixedBatches({ kind: 'msg-sync' })) {
    if (batch.kind === 'msg-sync') bodies.push({ route: 'MSG_SYNC_MESSAGE', json: batch.sign(82, now - bodies.length, msgSyncAccessToken(creds.webhookSecret, '82', now - bodies.length)) });
    else bodies.push({ route: 'CLIENT_SYNC_MESSAGE_STATUS', json: batch.json });
  }
  for (const batch of createDataset({ ...shape, seed: 8, messages: 120 }).mixedBatches({ kind: 'client-sync' })) {
    bodies.push({ route: batch.kind === 'client-sync' ? 'CLIENT_SYNC_MESSAGE' : 'CLIENT_SYNC_MESSAGE_STATUS', json: batch.json });
  }
  // 30 messages in one millisecond (more than a backfill page): the walk must page through it.
  const sameTime = new Date('2024-03-01T12:00:00+08:00');
  bodies.push({
    route: 'MSG_SYNC_MESSAGE',
    json: JSON.stringify({ accessToken: msgSyncAccessToken(creds.webhookSecret, '82', now + 1), tenantId: 82, timestamp: now + 1, data: Array.from({ length: 30 }, (_, i) => msgSyncItem(`same-ms-${i}`, 4, { friend: `44770000${String(i).padStart(4, '0')}`, chatTime: sameTime })) }),
  });
  // An agent id beyond 2^53 must survive msgPage and the backfill exactly.
  bodies.push({
    route: 'CLIENT_SYNC_MESSAGE',
    json: '[{"userId":"9223372036854775000","whatsApp":"8613700000009","friendWhatsApp":"447711000099","actionType":2,"chatType":1,"taskId":"","taskInfoId":"","content":[{"type":1,"text":"big agent","messageId":"big-agent-1","time":1709265600000}]}]',
  });
  for (const body of bodies) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (body.route !== 'MSG_SYNC_MESSAGE') headers.authorization = `Bearer ${creds.ingestKey}`;
    const res = await fetch(`${sourceUrl}/webhooks/${body.route}`, { method: 'POST', headers, body: body.json });
    assert.equal(((await res.json()) as { code: number }).code, 200);
  }
  expected = await allMsgPageRecords(sourceUrl, sourceRead);
  assert.ok(expected.length >= 390, `source has ${expected.length} messages`);
  assert.ok(expected.some((r) => r.userId === 9223372036854775000n), 'msgPage carries the big agent id exactly');
});

after(async () => {
  for (const s of servers) await s.stop();
  for (const db of opened) await db.close();
});

test('backfill from a msgPage endpoint: same messages as the source, resumable, idempotent', async () => {
  const { db, creds } = await database();
  const from = `${sourceUrl}/wscrm-bus-api/open/message/msgPage`;
  const args = ['backfill', '--from', from, '--token', sourceRead, '--tenant', '82', '--page-size', '10', '--json'];

  const first = await db.cli([...args, '--max-pages', '5']);
  assert.equal(first.code, 0, first.stderr);
  const partial = json(first.stdout);
  assert.equal(partial.complete, false);
  assert.equal(partial.pages, 5);
  // At most 5 × 10; fewer where a page is read again at a millisecond boundary (30 messages share one).
  assert.ok(Number(partial.inserted) > 0 && Number(partial.inserted) <= 50, `inserted ${partial.inserted}`);
  assert.ok(existsSync(String(partial.checkpoint)), 'the checkpoint is kept');
  assert.match(first.stderr, /stopped after 5 pages \(--max-pages 5\); rerun the same command to continue/);

  const second = await db.cli(args);
  assert.equal(second.code, 0, second.stderr);
  const rest = json(second.stdout);
  assert.equal(rest.complete, true);
  assert.equal(rest.resumed, true);
  assert.match(second.stderr, /resuming the backfill of .* at chat time/);
  assert.equal(Number(partial.inserted) + Number(rest.inserted), expected.length, 'each message stored once');
  assert.equal(rest.errors, 0);
  assert.ok(!existsSync(String(partial.checkpoint)), 'a completed walk removes its checkpoint');

  const third = await db.cli(args);
  assert.equal(third.code, 0, third.stderr);
  const again = json(third.stdout);
  assert.equal(again.inserted, 0, 'a rerun stores nothing new');
  assert.equal(again.updated, 0);
  assert.equal(again.unchanged, expected.length);

  const target = await serve(db);
  assert.deepEqual(await allMsgPageRecords(target.url, creds.readKey), expected);
  await target.server.stop();
});

test('import from JSON Lines: the webhook bodies give the source state; resumable, idempotent; bad lines named', async () => {
  const { db, creds } = await database();
  const file = path.join(db.dataDir, 'webhooks.jsonl');
  writeFileSync(file, bodies.map((b) => b.json).join('\n') + '\n\n');
  const args = ['import', file, '--tenant', '82', '--batch-size', '40', '--json'];

  const first = await db.cli([...args, '--max-batches', '2']);
  assert.equal(first.code, 0, first.stderr);
  const partial = json(first.stdout);
  assert.equal(partial.complete, false);
  assert.ok(Number(partial.inserted) > 0);
  assert.ok(existsSync(`${file}.checkpoint.json`));

  const second = await db.cli(args);
  assert.equal(second.code, 0, second.stderr);
  const rest = json(second.stdout);
  assert.equal(rest.complete, true);
  assert.equal(rest.resumedAfterLine, partial.lines);
  assert.equal(Number(partial.inserted) + Number(rest.inserted), expected.length, 'each message stored once');
  assert.ok(!existsSync(`${file}.checkpoint.json`));

  const third = await db.cli(args);
  const again = json(third.stdout);
  assert.equal(again.inserted, 0, 're-import stores nothing new');
  assert.equal(again.updated, 0);
  assert.equal(again.errors, 0);

  // Bad lines: the first stops the import, naming the line and the field; --skip-errors goes on.
  const records = path.join(db.dataDir, 'records.jsonl');
  const record = (id: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ id: String(id), userId: 7, username: 'kb', whatsId: '8613700000001@c.us', actionType: 1, chatType: 1, content: `record ${id}`, contentType: 0, friendWhatsId: '447700900001@c.us', friendName: 'F', chatTime: 1709265600000 + id, createTime: 1709265600000, ...extra });
  writeFileSync(records, [record(1), record(2, { actionType: 7 }), '{not json', record(4)].join('\n'));
  const bad = await db.cli(['import', records, '--tenant', '82', '--json']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^chatgraph: line 2: actionType: unknown code 7 \(expected 1 sent, 2 received\) — the lines before it are stored; fix it and rerun/m);
  const skipped = await db.cli(['import', records, '--tenant', '82', '--json', '--skip-errors']);
  assert.equal(skipped.code, 1, 'skipped lines make the exit code 1');
  const summary = json(skipped.stdout);
  assert.equal(summary.errors, 2);
  assert.equal(summary.inserted, 1, 'line 1 was stored by the first run; line 4 now');
  assert.match(skipped.stderr, /skipped line 3: not valid JSON/);

  const target = await serve(db);
  const mine = await allMsgPageRecords(target.url, creds.readKey);
  const extra = mine.filter((r) => String(r.content).startsWith('record '));
  assert.deepEqual(extra.map((r) => r.content).sort(), ['record 1', 'record 4']);
  assert.deepEqual(mine.filter((r) => !String(r.content).startsWith('record ')), expected, 'the same messages as the source, field by field');
  // Statuses too: the status bodies were replayed in order.
  const statuses = async (url: string, key: string) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: '{ messagePage(where: {}, page: 1, pageSize: 500) { nodes { whatsMessageId status } } }' }),
    });
    const body = (await res.json()) as { data: { messagePage: { nodes: { whatsMessageId: string; status: string }[] } } };
    return body.data.messagePage.nodes.filter((n) => !n.whatsMessageId.startsWith('msgpage:')).map((n) => `${n.whatsMessageId}=${n.status}`).sort();
  };
  assert.deepEqual(await statuses(target.url, creds.readKey), await statuses(sourceUrl, sourceRead));
  await target.server.stop();
  assert.ok(!readdirSync(db.dataDir).some((f) => f.endsWith('.checkpoint.json')));
});
