// The Message column table (src/domain/message-columns.ts): the positional
// row it writes, the SQL reader generated from it, and the field → column map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildSchema, isObjectType } from 'graphql';
import { MESSAGE_FIELD_COLUMNS, MESSAGE_READ_COLUMNS, MESSAGE_ROW_SLOTS, messageRow, messageRowSqlLists } from '../../src/domain/message-columns.ts';
import { readMigrationsList } from '../../src/db/migration-files.ts';
import type { MergedMessage } from '../../src/ingest/batch.ts';

const lists = messageRowSqlLists();

/** The result columns of each chatgraph_message_rows a migration installed, oldest first. */
const installedReaders = (await readMigrationsList()).migrationDirectories.flatMap((d) => {
  const sql = (d.migrationFile.content as { value: string }).value;
  const m = /FUNCTION chatgraph_message_rows\(p_messages JSONB\)\s*RETURNS TABLE \(ord INTEGER, ([^)]*)\)/.exec(sql);
  return m ? [{ name: d.path, columns: m[1]!.split(', ') }] : [];
});

test('the row format only grows at its end: the readers installed since the rolling-upgrade fixture read a prefix of the current slots', () => {
  // The previous release's store calls (test/fixtures): rows of this many slots.
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/store-calls-93c1bb0.json', import.meta.url), 'utf8')) as { calls: { params: string[] }[] };
  const fixtureSlots = (JSON.parse(fixture.calls[0]!.params[1]!) as unknown[][])[0]!.length;
  // 20261123000000_store_batch_positional_rows (before rolling upgrades were kept) carried the contact itself at slot 28.
  const since = installedReaders.findIndex((r) => r.columns.length === fixtureSlots && r.columns.at(-1) === 'conv_ord INTEGER');
  assert.ok(since >= 0 && installedReaders.length - since >= 2, 'migrations install the fixture release\'s reader and later ones');
  const current = lists.message_row_columns!.items;
  assert.ok(current.length >= fixtureSlots);
  for (const reader of installedReaders.slice(since)) assert.deepEqual(current.slice(0, reader.columns.length), reader.columns, reader.name);
  assert.deepEqual(installedReaders.at(-1)!.columns, current, 'the newest migration installs the current reader');
});

test('the reader reads slot k of the row as its k-th column, typed as it travels', () => {
  const values = lists.message_row_values!.items;
  assert.equal(values.length, MESSAGE_ROW_SLOTS.length);
  MESSAGE_ROW_SLOTS.forEach((slot, k) => {
    assert.match(values[k]!, new RegExp(`r->>?${k}\\b`), slot.name);
    if (slot.type === 'TIMESTAMPTZ') assert.equal(values[k], `chatgraph_epoch_ms((r->>${k})::bigint)`);
  });
});

test('messageRow writes each slot in order: the message, its merged status and times (epoch ms), then the ordinals', () => {
  const chatTime = new Date('2026-01-05T01:30:00.123Z');
  const input = {
    whatsMessageId: 'w1', syncId: 's1', agentId: 'a1', agentAccount: 'login', accountWhatsId: '861@c.us', accountWhatsIdBare: '861',
    senderWhatsId: '918@c.us', friendWhatsId: '918@c.us', friendWhatsIdBare: '918', friendName: 'Asha', direction: 'INBOUND',
    chatType: 'PRIVATE', contentType: 'TEXT', legacyContentType: 0, content: 'hi', referContent: null, parsedContent: { kind: 'text', text: 'hi' },
    searchText: 'hi', status: 'SENT', statusAt: chatTime, origin: 'WEB', taskId: null, taskInfoId: 't2', source: 'MSG_SYNC', chatTime, contact: null,
  } as const;
  const merged = { input, status: 'READ', times: { SENT: chatTime, READ: new Date(chatTime.getTime() + 1000) } } as unknown as MergedMessage;
  const row = messageRow(merged, { contact: 3, conversation: 1 });
  assert.equal(row.length, MESSAGE_ROW_SLOTS.length);
  const bySlot = Object.fromEntries(MESSAGE_ROW_SLOTS.map((s, k) => [s.name, row[k]]));
  assert.deepEqual(bySlot, {
    whats_message_id: 'w1', sync_id: 's1', agent_id: 'a1', agent_account: 'login', account: '861@c.us', account_bare: '861', sender: '918@c.us',
    friend: '918@c.us', friend_bare: '918', friend_name: 'Asha', direction: 'INBOUND', chat_type: 'PRIVATE', content_type: 'TEXT',
    legacy_content_type: 0, content: 'hi', refer_content: null, parsed_content: { kind: 'text', text: 'hi' }, search_text: 'hi', status: 'READ',
    pending_at: null, sent_at: chatTime.getTime(), delivered_at: null, read_at: chatTime.getTime() + 1000, origin: 'WEB', task_id: null,
    task_info_id: 't2', source: 'MSG_SYNC', chat_time: chatTime.getTime(), contact_ord: 3, conv_ord: 1,
    ...bySlotsAfterTheOrdinals(row),
  });
});

/** Columns added after the ordinals (none yet): whatever they write. */
function bySlotsAfterTheOrdinals(row: unknown[]): Record<string, unknown> {
  const after = MESSAGE_ROW_SLOTS.findIndex((s) => s.name === 'conv_ord') + 1;
  return Object.fromEntries(MESSAGE_ROW_SLOTS.slice(after).map((s, k) => [s.name, row[after + k]]));
}

test('the INSERT stores every slot of a column that the function does not compute, cast to its enum where it has one', () => {
  const columns = lists.message_insert_columns!.items;
  const values = lists.message_insert_values!.items;
  assert.equal(columns.length, values.length);
  assert.ok(!columns.includes('"status"') && !columns.includes('"pendingAt"'), 'statuses are merged with pending ones by the function');
  assert.equal(values[columns.indexOf('"direction"')], 'm.direction::"Direction"');
  assert.equal(values[columns.indexOf('"chatTime"')], 'm.chat_time');
});

test('every field of Message in the printed schema says which columns it reads (else its pages read every column)', () => {
  const schema = buildSchema(readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8'));
  const message = schema.getType('Message');
  assert.ok(isObjectType(message));
  const missing = Object.keys(message.getFields()).filter((f) => !(f in MESSAGE_FIELD_COLUMNS));
  assert.deepEqual(missing, []);
  for (const columns of Object.values(MESSAGE_FIELD_COLUMNS)) for (const c of columns) assert.ok(MESSAGE_READ_COLUMNS.includes(c), c);
});
