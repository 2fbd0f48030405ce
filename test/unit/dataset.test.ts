import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CONTENT_MIX,
  createDataset,
  formatShanghai,
  signMsgSync,
  toJson,
  type MessageRow,
} from '../../src/demo/dataset.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TWO_53 = 2n ** 53n;

function digest(seed: number, messages: number): string {
  const ds = createDataset({ seed, messages, contactsPerTenant: 800, groupsPerTenant: 10 });
  const h = createHash('sha256');
  for (const b of ds.msgSyncBatches()) h.update(b.json).update('\n');
  for (const b of ds.clientSyncBatches({ batchSize: 40 })) h.update(b.json).update('\n');
  for (const b of ds.statusBatches()) h.update(b.json).update('\n');
  for (const r of ds.messageRows()) h.update(JSON.stringify(r)).update('\n');
  return h.digest('hex');
}

test('determinism: the same seed gives byte-identical output, another seed does not', () => {
  const a = digest(7, 15_000);
  assert.equal(digest(7, 15_000), a);
  assert.notEqual(digest(8, 15_000), a);
  const w1 = createDataset({ seed: 'abc', messages: 1000 });
  const w2 = createDataset({ seed: 'abc', messages: 1000 });
  assert.deepEqual(
    w1.conversations.map((c) => c.messageCount),
    w2.conversations.map((c) => c.messageCount),
  );
});

test('world: tenants, agents, accounts, contacts, groups', () => {
  const ds = createDataset({ seed: 3, messages: 5000 });
  assert.deepEqual(ds.tenants.map((t) => t.id), [1001, 1002, 1003]);
  const t = ds.tenants[0]!;
  assert.equal(t.agents.length, 20);
  assert.equal(t.accounts.length, 40);
  assert.equal(t.contacts.length, 5000);
  assert.equal(t.groups.length, 50);
  assert.match(t.agents[0]!.userName, /^agent\d{4}$/);
  assert.ok(t.accounts.some((a) => a.whatsId.endsWith('@c.us')) && t.accounts.some((a) => /^\d+$/.test(a.whatsId)));
  assert.ok(t.groups.every((g) => /^120363\d{12}(@g\.us)?$/.test(g.whatsId)));
  assert.ok(t.groups.some((g) => g.whatsId.endsWith('@g.us')));
  assert.ok(t.contacts.some((c) => c.externalId !== null && c.externalId > TWO_53));
  assert.ok(t.contacts.some((c) => c.profile.tags.some((tag) => /[\u4e00-\u9fff]/.test(tag))));
  const ext = JSON.parse(t.contacts.find((c) => c.externalId !== null)!.profile.extendsMap) as Record<string, unknown>;
  assert.ok('单行文本' in ext || Object.keys(ext).length === 0);
  assert.equal(ds.conversations.reduce((s, c) => s + c.messageCount, 0), 5000);
  assert.equal(formatShanghai(Date.parse('2022-10-31T16:25:42+08:00')), '2022-10-31 16:25:42');
});

test('MSG_SYNC bodies: ≤ 50 items, every field with the right JSON type, exact big ids', () => {
  const ds = createDataset({ seed: 11, messages: 20_000 });
  let items = 0;
  let bigSeen = 0;
  let lossy = 0;
  const contentTypes = new Set<number>();
  let mimetypeVariant = 0;
  let nullFilename = 0;
  for (const b of ds.msgSyncBatches()) {
    assert.equal(toJson(b.body), b.json, 'json is the exact text of body');
    const body = JSON.parse(b.json) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['accessToken', 'tenantId', 'timestamp', 'data']);
    assert.equal(body.accessToken, '');
    assert.equal(body.timestamp, 0);
    assert.equal(body.tenantId, b.tenantId);
    const data = body.data as Record<string, unknown>[];
    assert.ok(Array.isArray(data) && data.length >= 1 && data.length <= 50);
    items += data.length;
    for (const it of data) {
      assert.match(it.id as string, /^[0-9a-f]{32}$/);
      assert.match(it.messageId as string, /^[0-9A-F]{22}$/);
      for (const k of ['userName', 'whatsId', 'friendWhatsId', 'currentWhatsId', 'content', 'sendTime']) {
        assert.equal(typeof it[k], 'string', k);
      }
      assert.ok([1, 2].includes(it.actionType as number));
      assert.ok([1, 2].includes(it.chatType as number));
      assert.ok([1, 3, 4].includes(it.messageStatus as number));
      assert.ok([1, 2, 3].includes(it.originType as number));
      assert.match(it.sendTime as string, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      assert.ok(it.taskId === null || typeof it.taskId === 'number');
      assert.ok(it.taskInfoId === null || typeof it.taskInfoId === 'number');
      if (it.chatType === 2) assert.match(it.friendWhatsId as string, /^120363\d{12}(@g\.us)?$/);
      const ct = it.contentType as number;
      contentTypes.add(ct);
      const content = it.content as string;
      if ([1, 2, 3, 4, 7].includes(ct)) {
        const m = JSON.parse(content) as Record<string, unknown>;
        assert.equal(typeof m.filename, 'string');
        assert.equal(typeof m.url, 'string');
        assert.equal(typeof m.caption, 'string');
        assert.equal(typeof (m.mimeType ?? m.mimetype), 'string');
        if ('mimetype' in m) mimetypeVariant++;
        if (m.filename === 'null') nullFilename++;
      } else if (ct === 6) {
        assert.match(content, /^BEGIN:VCARD\nVERSION:3\.0\n[\s\S]*TEL;[^\n]*waid=\d+:\+[\d ]+\nEND:VCARD$/);
      } else if (ct === 9) {
        const qv = JSON.parse(content) as Record<string, unknown>;
        const ref = qv.referContent as Record<string, unknown>;
        assert.equal(typeof ref, 'object');
        for (const k of ['caption', 'filename', 'mimeType', 'url', 'whatsId', 'msgId']) assert.equal(typeof ref[k], 'string', k);
        assert.equal(typeof ref.type, 'number');
      } else {
        assert.equal(ct, 0);
      }
      const p = it.userProfile as Record<string, unknown>;
      assert.equal(typeof p.id, 'number');
      for (const k of ['name', 'whatsApp', 'username', 'income', 'profession', 'desc', 'email', 'address', 'extendsMap']) {
        assert.equal(typeof p[k], 'string', k);
      }
      assert.ok(Array.isArray(p.tags) && (p.tags as unknown[]).every((x) => typeof x === 'string'));
      assert.equal(typeof JSON.parse(p.extendsMap as string), 'object');
    }
    // Big ids: read the digits straight from the text and compare to the bigint.
    const ids = [...b.json.matchAll(/"userProfile":\{"id":(\d+),/g)].map((m) => m[1]!);
    assert.equal(ids.length, b.body.data.length);
    b.body.data.forEach((it, i) => {
      assert.equal(ids[i], it.userProfile.id.toString());
      if (it.userProfile.id > TWO_53) {
        bigSeen++;
        assert.equal(BigInt(ids[i]!), it.userProfile.id);
        // JSON.parse would round most of them: the digits are only safe in the text.
        const parsed = ((data[i] as Record<string, unknown>).userProfile as { id: number }).id;
        if (BigInt(parsed) !== it.userProfile.id) lossy++;
      }
      if (typeof it.taskId === 'bigint') assert.ok(b.json.includes(`"taskId":${it.taskId.toString()},`));
    });
    const signed = b.sign(b.tenantId, 1667295870936, 'e6e1'.repeat(16));
    assert.equal(signMsgSync(b.json, b.tenantId, 1667295870936, 'e6e1'.repeat(16)), signed);
    const sb = JSON.parse(signed) as { accessToken: string; timestamp: number; data: unknown[] };
    assert.equal(sb.accessToken, 'e6e1'.repeat(16));
    assert.equal(sb.timestamp, 1667295870936);
    assert.equal(sb.data.length, b.body.data.length);
  }
  assert.equal(items, 20_000);
  assert.ok(bigSeen > 100, `ids beyond 2^53 seen: ${bigSeen}`);
  assert.ok(lossy > bigSeen / 2, `ids JSON.parse would round: ${lossy}`);
  assert.deepEqual([...contentTypes].sort((a, b) => a - b), [0, 1, 2, 3, 4, 6, 7, 9]);
  assert.ok(mimetypeVariant > 0 && nullFilename > 0);
  // Re-pushes: same message again, only messageStatus differs.
  let repushed = 0;
  for (const b of createDataset({ seed: 11, messages: 3000 }).msgSyncBatches({ repushStatus: true })) repushed += b.repushes;
  assert.ok(repushed > 0);
});

test('100k rows: unique message ids per (tenant, account), skew, content mix, direction, time order', () => {
  const ds = createDataset({ seed: 42, messages: 100_000 });
  const seen = new Set<string>();
  const byType = new Map<number, number>();
  const convSize = new Map<number, number>();
  const lastTime = new Map<number, number>();
  let n = 0;
  let outbound = 0;
  let read = 0;
  let bigContact = 0;
  const start = ds.startTime;
  const end = ds.endTime;
  for (const r of ds.messageRows()) {
    n++;
    const key = `${r.tenantId}|${r.accountWhatsId}|${r.messageId}`;
    assert.ok(!seen.has(key), `duplicate ${key}`);
    seen.add(key);
    byType.set(r.contentType, (byType.get(r.contentType) ?? 0) + 1);
    convSize.set(r.conversationIndex, (convSize.get(r.conversationIndex) ?? 0) + 1);
    const prev = lastTime.get(r.conversationIndex) ?? 0;
    assert.ok(r.chatTime >= prev, 'chat times increase within a conversation');
    lastTime.set(r.conversationIndex, r.chatTime);
    assert.ok(r.chatTime >= start && r.chatTime <= end);
    assert.equal(r.chatTime % 1000, 0);
    if (r.direction === 'OUTBOUND') outbound++;
    if (r.status === 4) read++;
    if (r.contactExternalId !== null && BigInt(r.contactExternalId) > TWO_53) bigContact++;
    if (r.chatType === 2) assert.equal(r.contactExternalId, null);
  }
  assert.equal(n, 100_000);
  const sizes = [...convSize.values()].sort((a, b) => a - b);
  const median = sizes[Math.floor(sizes.length / 2)]!;
  const largest = sizes[sizes.length - 1]!;
  assert.ok(largest >= 50 * median, `largest ${largest} vs median ${median}`);
  for (const [code, share] of CONTENT_MIX) {
    const got = (byType.get(code) ?? 0) / n;
    assert.ok(Math.abs(got - share) <= 0.03, `content type ${code}: ${got} vs ${share}`);
  }
  assert.ok(Math.abs(outbound / n - 0.5) < 0.05, `outbound share ${outbound / n}`);
  assert.ok(read / n > 0.8, `read share ${read / n}`);
  assert.ok(bigContact > 0);
});

test('status batches: progressions, duplicates, out-of-order, unknown ids; final status matches rows', () => {
  const ds = createDataset({ seed: 5, messages: 30_000 });
  const rows = new Map<string, MessageRow>();
  for (const r of ds.messageRows()) rows.set(r.messageId, r);
  const updates = new Map<string, number[]>();
  let unknown = 0;
  for (const b of ds.statusBatches({ batchSize: 100 })) {
    assert.ok(b.body.length >= 1 && b.body.length <= 100);
    assert.deepEqual(JSON.parse(b.json), b.body);
    for (const s of b.body) {
      assert.equal(typeof s.userId, 'string');
      assert.equal(typeof s.taskId, 'string');
      assert.equal(typeof s.taskInfoId, 'string');
      assert.ok([2, 3, 4].includes(s.messageStatus));
      const row = rows.get(s.messageId);
      if (!row) {
        unknown++;
        continue;
      }
      assert.equal(row.tenantId, b.tenantId);
      assert.equal(row.direction, 'OUTBOUND');
      assert.equal(s.userId, String(row.agentUserId));
      const list = updates.get(s.messageId) ?? [];
      list.push(s.messageStatus);
      updates.set(s.messageId, list);
    }
  }
  assert.ok(unknown > 0, 'some updates for ids never emitted');
  let dups = 0;
  let outOfOrder = 0;
  for (const [id, list] of updates) {
    const row = rows.get(id)!;
    assert.equal(Math.max(...list), row.status);
    if (new Set(list).size !== list.length) dups++;
    if (list.indexOf(4) >= 0 && list.indexOf(3) > list.indexOf(4)) outOfOrder++;
  }
  const outboundRows = [...rows.values()].filter((r) => r.direction === 'OUTBOUND').length;
  const ratio = updates.size / outboundRows;
  assert.ok(Math.abs(ratio - 0.5) < 0.05, `updated share ${ratio}`);
  assert.ok(dups > 0 && outOfOrder > 0, `dups ${dups} out-of-order ${outOfOrder}`);
});

test('mixed batches: a status never precedes the body carrying its message', () => {
  const ds = createDataset({ seed: 9, messages: 10_000 });
  const emitted = new Set<string>();
  const all = new Set<string>();
  for (const r of ds.messageRows()) all.add(r.messageId);
  let statuses = 0;
  for (const kind of ['msg-sync', 'client-sync'] as const) {
    emitted.clear();
    for (const b of ds.mixedBatches({ kind })) {
      if (b.kind === 'msg-sync') for (const it of b.body.data) emitted.add(it.messageId);
      else if (b.kind === 'client-sync') for (const el of b.body) for (const c of el.content) emitted.add(c.messageId);
      else {
        for (const s of b.body) {
          statuses++;
          if (all.has(s.messageId)) assert.ok(emitted.has(s.messageId), `status before message ${s.messageId}`);
        }
      }
    }
    assert.equal(emitted.size, 10_000);
  }
  assert.ok(statuses > 0);
});

test('CLIENT_SYNC bodies: documented shape, client codes, JSON-string url/referContent', () => {
  const ds = createDataset({ seed: 13, messages: 8000 });
  let messages = 0;
  const types = new Set<number>();
  for (const b of ds.clientSyncBatches({ batchSize: 50 })) {
    const body = JSON.parse(b.json) as Record<string, unknown>[];
    assert.ok(Array.isArray(body));
    let count = 0;
    for (const el of body) {
      assert.equal(typeof el.userId, 'string');
      assert.equal(typeof el.whatsApp, 'string');
      assert.equal(typeof el.friendWhatsApp, 'string');
      assert.equal(typeof el.taskId, 'string');
      assert.equal(typeof el.taskInfoId, 'string');
      assert.ok([1, 2].includes(el.actionType as number) && [1, 2].includes(el.chatType as number));
      const content = el.content as Record<string, unknown>[];
      assert.ok(content.length >= 1);
      for (const c of content) {
        count++;
        types.add(c.type as number);
        assert.equal(typeof c.messageId, 'string');
        assert.ok(Number.isSafeInteger(c.time));
        if (c.type === 1 || c.type === 6) assert.equal(typeof c.text, 'string');
        else assert.equal(typeof JSON.parse(c.url as string), 'object');
        if (c.type === 9) {
          const ref = JSON.parse(c.referContent as string) as Record<string, unknown>;
          assert.equal(typeof ref.messageId, 'string');
          assert.equal(typeof ref.whatsApp, 'string');
          assert.equal(typeof ref.type, 'number');
        }
      }
    }
    assert.equal(count, b.messages);
    assert.ok(count <= 50);
    messages += count;
  }
  assert.equal(messages, 8000);
  assert.deepEqual([...types].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 9]);
});

test('CLI: JSON Lines on stdout, stats on stderr, deterministic', () => {
  const run = (): { stdout: string; stderr: string; status: number | null } =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/demo/dataset-cli.ts', '--messages', '300', '--seed', '42', '--kind', 'msg-sync', '--stats'], {
      cwd: root,
      encoding: 'utf8',
    });
  const a = run();
  assert.equal(a.status, 0, a.stderr);
  const lines = a.stdout.trimEnd().split('\n');
  assert.ok(lines.length >= 6);
  let items = 0;
  for (const l of lines) items += (JSON.parse(l) as { data: unknown[] }).data.length;
  assert.equal(items, 300);
  assert.match(a.stderr, /top-10 conversation sizes/);
  assert.match(a.stderr, /1001 /);
  assert.equal(run().stdout, a.stdout);
});
