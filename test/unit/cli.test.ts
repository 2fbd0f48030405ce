// The CLI's pure parts: msgPage records back to ingest input (the inverse of
// the msgPage mapping), telling JSON Lines apart, the backfill's keyset walk,
// JSON Lines offsets, argument errors and --help, and DEMO_DATA validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { CONTENT_TYPES, msgPageCodeOf } from '../../src/domain/content-type.ts';
import { parseJsonLossless, stringifyJson } from '../../src/domain/lossless-json.ts';
import { msgPageRecord } from '../../src/rest/msg-page.ts';
import type { MsgPageQuery } from '../../src/generated/graphql/graphql.ts';
import { classifyLine, messageFromMsgPageRecord, normaliseLine } from '../../src/cli/records.ts';
import { freshRecords, nextWalkState, type WalkState } from '../../src/cli/backfill.ts';
import { readLines } from '../../src/cli/import.ts';
import { runCli } from '../../src/cli/main.ts';
import { fitLine, formatSummary, emptyTotals, Progress } from '../../src/cli/progress.ts';
import { loadConfig, ConfigError } from '../../src/config.ts';
import { IngestValidationError, type MessageInput } from '../../src/ingest/model.ts';
import { seed } from '../support/seeds.ts';

type Node = MsgPageQuery['messagePage']['nodes'][number];

const node = (over: Partial<Node> = {}): Node => ({
  recordId: '2082', agentSeatId: '1255', agentLogin: 'kubrick108', accountWhatsId: '86131xxxxxx@c.us', direction: 'OUTBOUND', chatType: 'PRIVATE',
  rawContent: '这里是China', referContent: null, msgPageContentType: 0, friendWhatsId: '91844xxxxxx@c.us', friendName: null,
  chatTime: '2024-12-03T11:30:47.123Z', createdAt: '2024-12-03T12:50:30.000Z', ...over,
});

/** What msgPage would show of a stored input (the fields a record carries). */
function nodeOf(m: MessageInput, recordId: string): Node {
  return {
    recordId, agentSeatId: m.agentId, agentLogin: m.agentAccount, accountWhatsId: m.accountWhatsId, direction: m.direction, chatType: m.chatType,
    rawContent: m.content, referContent: m.referContent, msgPageContentType: msgPageCodeOf(m.contentType), friendWhatsId: m.friendWhatsId, friendName: m.friendName,
    chatTime: m.chatTime.toISOString(), createdAt: '2024-12-03T12:50:30.000Z',
  };
}

test('msgPage record → ingest input → msgPage record gives the record back, for every content type, direction, chat type and agent id', () => {
  const contents: Record<string, string> = { TEXT: 'hello', CONTACT_CARD: 'BEGIN:VCARD\nVERSION:3.0\nFN:A\nEND:VCARD' };
  for (const type of CONTENT_TYPES) {
    for (const over of [
      {},
      { direction: 'INBOUND' as const, chatType: 'GROUP' as const, agentSeatId: null, agentLogin: null, friendName: 'Group' },
      { agentSeatId: '9223372036854775000', friendName: 'Big' },
      { agentSeatId: null, agentLogin: null },
    ]) {
      const original = node({ msgPageContentType: msgPageCodeOf(type), rawContent: contents[type] ?? '{"filename":"a.png","url":"https://x/a.png","mimeType":"image/png","caption":"c"}', ...over });
      const wire = parseJsonLossless(stringifyJson(msgPageRecord(original)));
      const input = messageFromMsgPageRecord(wire);
      assert.equal(input.contentType, type);
      assert.equal(input.whatsMessageId, 'msgpage:2082');
      assert.equal(input.source, 'IMPORT');
      assert.equal(input.status, input.direction === 'OUTBOUND' ? 'PENDING' : 'DELIVERED');
      assert.deepEqual(stringifyJson(msgPageRecord(nodeOf(input, '2082'))), stringifyJson(msgPageRecord(original)));
    }
  }
});

test('msgPage record: its own messageId and messageStatus win; bad fields are named', () => {
  const record = parseJsonLossless(stringifyJson({ ...msgPageRecord(node()), messageId: 'wamid.1', messageStatus: 4 }));
  const input = messageFromMsgPageRecord(record);
  assert.equal(input.whatsMessageId, 'wamid.1');
  assert.equal(input.status, 'READ');
  assert.equal(input.senderWhatsId, '86131xxxxxx@c.us');
  const bad = parseJsonLossless(stringifyJson({ ...msgPageRecord(node()), contentType: 5, chatTime: 'yesterday' }));
  assert.throws(() => messageFromMsgPageRecord(bad, 'records[3]'), (err: IngestValidationError) => {
    assert.equal(err.message, 'records[3].contentType: unknown code 5 (expected 0 text, 1 image, 2 video, 3 audio, 4 file, 6 contact card, 7 sticker, 9 quote; 8, 10–15, 99 for client-only types) (and 1 more problem)');
    return true;
  });
});

test('JSON Lines: each line is told apart by its shape; the seed examples normalise', () => {
  const opts = { tenantId: 1238n, timeZone: 'Asia/Shanghai', receivedAt: new Date('2024-01-01T00:00:00Z') };
  assert.equal(classifyLine(parseJsonLossless(seed.msgSyncRequest)), 'msg-sync');
  assert.equal(classifyLine(parseJsonLossless(seed.clientSyncRequest)), 'client-sync');
  assert.equal(classifyLine(parseJsonLossless(seed.statusSyncRequest)), 'status');
  assert.equal(classifyLine(parseJsonLossless(seed.msgPageResponse)), 'msg-page-response');
  assert.equal(classifyLine(parseJsonLossless(stringifyJson(msgPageRecord(node())))), 'msg-page-record');
  assert.equal(classifyLine(parseJsonLossless('{"hello":1}')), null);
  const sync = normaliseLine(parseJsonLossless(seed.msgSyncRequest), opts);
  assert.ok(sync.messages.length > 0 && sync.messages.every((m) => m.source === 'IMPORT'));
  assert.equal(sync.messages[0]!.contact?.externalId, '8423922419416375296', 'big ids stay exact');
  assert.ok(normaliseLine(parseJsonLossless(seed.clientSyncRequest), opts).messages.length > 0);
  assert.ok(normaliseLine(parseJsonLossless(seed.statusSyncRequest), opts).statusUpdates.length > 0);
  assert.ok(normaliseLine(parseJsonLossless(seed.msgPageResponse), opts).messages.length > 0);
  assert.throws(() => normaliseLine(parseJsonLossless(seed.msgSyncRequest), { ...opts, tenantId: 82n }), /^IngestValidationError: tenantId: is 1238, not the tenant imported into \(--tenant 82\)$/);
  assert.throws(() => normaliseLine(parseJsonLossless('{"hello":1}'), opts), /line: cannot tell what this is \(an object\): expected a msgPage record/);
});

test('backfill walk: page 1 of [since, upper], upper moving to the oldest chat time seen; a page of one millisecond is paged through', () => {
  const start: WalkState = { upper: 1000, page: 1, seenAtUpper: [] };
  const rec = (id: string, chatTime: number) => ({ id, chatTime });
  assert.equal(nextWalkState(start, [rec('9', 990), rec('8', 980)], 3), null, 'a short page ends the walk');
  const s1 = nextWalkState(start, [rec('9', 990), rec('8', 980), rec('7', 970)], 3)!;
  assert.deepEqual(s1, { upper: 970, page: 1, seenAtUpper: ['7'] });
  // Next request reads 7 again (chat time 970): skipped.
  assert.deepEqual(freshRecords(s1, [rec('7', 970), rec('6', 970), rec('5', 960)]).map((r) => r.id), ['6', '5']);
  // A whole page at the boundary millisecond: page 2 of the same window.
  const s2 = nextWalkState({ upper: 970, page: 1, seenAtUpper: ['7'] }, [rec('7', 970), rec('6', 970), rec('5', 970)], 3)!;
  assert.deepEqual(s2, { upper: 970, page: 2, seenAtUpper: ['7', '6', '5'] });
  const s3 = nextWalkState(s2, [rec('4', 970), rec('3', 960), rec('2', 950)], 3)!;
  assert.deepEqual(s3, { upper: 950, page: 1, seenAtUpper: ['2'] });
});

test('readLines: line numbers and byte offsets (multi-byte text, CRLF, no final newline), from an offset', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cg-lines-'));
  try {
    const file = path.join(dir, 'a.jsonl');
    writeFileSync(file, '{"a":"好"}\r\n\n{"b":2}\n{"c":3}');
    const all = [];
    for await (const l of readLines(file, 0, 0)) all.push(l);
    assert.deepEqual(all, [
      { text: '{"a":"好"}', line: 1, end: 13 },
      { text: '', line: 2, end: 14 },
      { text: '{"b":2}', line: 3, end: 22 },
      { text: '{"c":3}', line: 4, end: 29 },
    ]);
    const rest = [];
    for await (const l of readLines(file, 14, 2)) rest.push(l);
    assert.deepEqual(rest.map((l) => [l.line, l.text]), [[3, '{"b":2}'], [4, '{"c":3}']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function sink(): { stream: Writable; text(): string } {
  let out = '';
  const stream = new Writable({ write(chunk, _enc, cb) { out += chunk.toString(); cb(); } });
  return { stream, text: () => out };
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(args, { stdout: stdout.stream, stderr: stderr.stream, env: {} });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

test('--help on the tool and on every command exits 0 with its usage; unknown commands and flags exit 2 naming them', async () => {
  const top = await cli(['--help']);
  assert.equal(top.code, 0);
  const commands = [...top.stdout.matchAll(/^ {2}(\S+(?: (?:create|list|revoke|rotate))?) {2,}/gm)].map((m) => m[1]!);
  assert.deepEqual(commands, ['tenant create', 'tenant list', 'key create', 'key list', 'key revoke', 'key rotate', 'secret create', 'secret list', 'secret revoke', 'secret rotate', 'migrate', 'status', 'import', 'backfill', 'send-webhook', 'demo', 'search-reindex']);
  for (const command of commands) {
    const help = await cli([...command.split(' '), '--help']);
    assert.equal(help.code, 0, command);
    assert.match(help.stdout, new RegExp(`^usage: chatgraph ${command}`), command);
  }
  for (const group of ['tenant', 'key', 'secret']) {
    const help = await cli([group, '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, new RegExp(`^usage: chatgraph ${group} <`));
  }
  assert.deepEqual(await cli(['frobnicate']), { code: 2, stdout: '', stderr: 'chatgraph: unknown command "frobnicate" (see chatgraph --help)\n' });
  assert.deepEqual(await cli(['key', 'expire']), { code: 2, stdout: '', stderr: 'chatgraph: unknown command "key expire" (see chatgraph key --help)\n' });
  // --url mode: a URL and a key are required, and a key alone (without --url) is refused.
  assert.deepEqual(await cli(['key', 'list', '--url', 'localhost:4000', '--key', 'k']), { code: 2, stdout: '', stderr: 'chatgraph: key list: --url must be an http(s) URL like http://localhost:4000, got "localhost:4000"\n' });
  assert.deepEqual(await cli(['key', 'list', '--url', 'http://localhost:4000']), { code: 2, stdout: '', stderr: 'chatgraph: key list: --url needs an ADMIN key or the operator key: --key <key> or CHATGRAPH_ADMIN_KEY\n' });
  assert.deepEqual(await cli(['key', 'list', '--tenant', '82', '--key', 'k']), { code: 2, stdout: '', stderr: 'chatgraph: key list: --key goes with --url (on the database no key is needed)\n' });
  assert.deepEqual(await cli(['tenant', 'list', '--verbose']), { code: 2, stdout: '', stderr: 'chatgraph: tenant list: unknown option --verbose (see chatgraph tenant list --help)\n' });
  assert.equal((await cli(['key', 'create', '--tenant', '82', '--scopes', 'READ,WRITE'])).stderr, 'chatgraph: key create: unknown scope "WRITE" (use READ, INGEST, ADMIN)\n');
  assert.equal((await cli(['tenant', 'create', '--id', 'abc', '--name', 'x'])).stderr, 'chatgraph: tenant create: --id must be a tenant id (a positive 64-bit integer), got "abc"\n');
  assert.equal((await cli(['import', '--tenant', '82'])).stderr, 'chatgraph: import: <file.jsonl> is required (see chatgraph import --help)\n');
  assert.equal((await cli(['backfill', '--from', 'x', '--token', 't', '--tenant', '82'])).code, 2);
  assert.equal((await cli(['backfill', '--from', 'http://h/m', '--token', 't', '--tenant', '82', '--since', 'soon'])).stderr, 'chatgraph: backfill: --since must be an ISO 8601 time (2024-01-31T00:00:00Z) or epoch milliseconds, got "soon"\n');
  assert.equal((await cli(['key', 'list', '--tenant'])).stderr, 'chatgraph: key list: option --tenant needs a value\n');
  const none = await cli([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^usage: chatgraph <command>/);
});

test('a bad configuration is one line and exit 1', async () => {
  const stdout = sink();
  const stderr = sink();
  const code = await runCli(['tenant', 'list'], { stdout: stdout.stream, stderr: stderr.stream, env: { DATABASE_URL: 'mysql://x' } });
  assert.equal(code, 1);
  assert.equal(stderr.text(), 'chatgraph: DATABASE_URL must start with postgres:// or postgresql://, got "mysql://x"\n');
});

test('DEMO_DATA: a boolean, and only with the demo tenant', () => {
  assert.equal(loadConfig({}).demoData, false);
  assert.equal(loadConfig({ DEMO_DATA: '1' }).demoData, true);
  assert.throws(() => loadConfig({ DEMO_DATA: 'lots' }), (err: Error) => err instanceof ConfigError && err.message === 'DEMO_DATA must be true or false, got "lots"');
  assert.throws(() => loadConfig({ DEMO_DATA: 'true', DATABASE_URL: 'postgresql://u@h/db' }), /^ConfigError: DEMO_DATA=true loads data for the demo tenant, which is created only with DEMO_BOOTSTRAP=true/);
  assert.equal(loadConfig({ DEMO_DATA: 'true', DEMO_BOOTSTRAP: 'true', DATABASE_URL: 'postgresql://u@h/db' }).demoData, true);
});

test('progress: a redrawn bar on a terminal, plain lines otherwise; the summary', () => {
  const tty = sink();
  const bar = new Progress(tty.stream, 'import', { tty: true });
  bar.update({ records: 500, fraction: 0.5 }, true);
  bar.done();
  assert.match(tty.text(), /^\r\x1b\[2Kimport \[#{12}-{12}\] 500 records {2}\d[\d,]*\/s {2}50% {2}ETA [\d.]+ s\n$/);
  const plain = sink();
  new Progress(plain.stream, 'backfill', { tty: false }).update({ records: 10, fraction: null, note: 'page 1' }, true);
  assert.match(plain.text(), /^backfill: 10 records, \d+\/s, page 1\n$/);
  assert.equal(formatSummary({ ...emptyTotals(), records: 5000, inserted: 4990, updated: 10 }, 3200), '5,000 records in 3.2 s: 4,990 inserted, 10 updated, 0 unchanged, 0 pending statuses, 0 errors');
});

test('progress on a narrow terminal: the bar narrows, then details go; the count and "100%" always show whole', () => {
  const parts = { records: '1,234,567 records', perSecond: '12,345/s', percent: '100%', eta: null, note: 'checkpoint saved' };
  const wide = fitLine('import', 1, parts, 120);
  assert.equal(wide, 'import [########################] 1,234,567 records  12,345/s  100%  checkpoint saved');
  for (let columns = 4; columns <= 120; columns++) {
    const line = fitLine('import', 1, parts, columns);
    assert.ok(line.length <= columns - 1, `${columns} columns: "${line}" would wrap`);
    if (columns >= 6) assert.match(line, /(^|\s)100%(\s|$)/, `${columns} columns: "${line}"`);
    if (columns >= 30) assert.match(line, /1,234,567 records/, `${columns} columns: "${line}"`);
  }
  assert.equal(fitLine('import', 1, parts, 80), `import [${'#'.repeat(18)}] 1,234,567 records  12,345/s  100%  checkpoint saved`);
  assert.equal(fitLine('import', 1, parts, 50), 'import 1,234,567 records  12,345/s  100%');
  // Through the stream's width, as a terminal reports it.
  const tty = sink();
  Object.assign(tty.stream, { columns: 40 });
  new Progress(tty.stream, 'import', { tty: true }).update({ records: 5000, fraction: 1 }, true);
  assert.match(tty.text(), /100%$/);
});

test('parseCommand: an option value starting with a dash (a random key) is the value, not an option', async () => {
  const { parseCommand } = await import('../../src/cli/args.ts');
  const spec = { name: 'tenant create', usage: '', options: { key: { type: 'string' as const }, url: { type: 'string' as const }, json: { type: 'boolean' as const } } };
  assert.equal(parseCommand(spec, ['--key', '-Xy_09abc', '--url', 'http://x']).values.key, '-Xy_09abc');
  assert.equal(parseCommand(spec, ['--key=-Xy', '--json']).values.key, '-Xy');
  assert.throws(() => parseCommand(spec, ['--key', '--json']), /needs a value|ambiguous/, 'an option of the command is not taken as the value');
  assert.throws(() => parseCommand(spec, ['--key', '-h']), /needs a value|ambiguous/);
});
