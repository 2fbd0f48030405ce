// The write mutations over HTTP (in-process app.fetch): ingestMessages and
// updateMessageStatuses, their counts, all-or-nothing validation, and scopes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => t.testDb.db.pool.query(sql, params).then((r) => r.rows as T[]);

const INGEST = `mutation($messages: [MessageInput!]!) {
  ingestMessages(messages: $messages) { inserted updated unchanged pending errors { index field message } }
}`;
const UPDATE = `mutation($updates: [MessageStatusUpdateInput!]!) {
  updateMessageStatuses(updates: $updates) { inserted updated unchanged pending errors { index field message } }
}`;

interface Payload { inserted: number; updated: number; unchanged: number; pending: number; errors: { index: number | null; field: string; message: string }[] }

async function ingest(messages: unknown[], key: string | null = t.tenant.ingestKey) {
  return t.graphql<{ ingestMessages: Payload }>(INGEST, { messages }, key);
}
async function update(updates: unknown[], key: string | null = t.tenant.ingestKey) {
  return t.graphql<{ updateMessageStatuses: Payload }>(UPDATE, { updates }, key);
}
function payload<T extends Record<string, Payload>>(res: { status: number; body: { data?: T; errors?: unknown[] } }): Payload {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return Object.values(res.body.data!)[0]!;
}

const ACCOUNT = '8613911110000@c.us';
function message(id: string, o: Record<string, unknown> = {}) {
  return {
    accountWhatsId: ACCOUNT,
    whatsMessageId: id,
    friendWhatsId: '447700900001@c.us',
    friendName: 'Alice',
    agentAccount: 'agent7',
    direction: 'INBOUND',
    chatType: 'PRIVATE',
    contentType: 'TEXT',
    content: `text of ${id}`,
    status: 'DELIVERED',
    statusAt: '2024-03-01T10:00:00.000Z',
    chatTime: '2024-03-01T09:59:00.000Z',
    contact: { externalId: '8423922419416375296', name: 'Alice', whatsId: '447700900001', tags: ['vip'], customFields: { tier: 'gold' } },
    ...o,
  };
}

const counts = async () =>
  (await q<{ m: number; p: number; c: number; k: number; n: string }>(
    `SELECT (SELECT count(*) FROM "Message" WHERE "tenantId" = 82)::int AS m,
            (SELECT count(*) FROM "PendingStatus" WHERE "tenantId" = 82)::int AS p,
            (SELECT count(*) FROM "Conversation" WHERE "tenantId" = 82)::int AS c,
            (SELECT count(*) FROM "Contact" WHERE "tenantId" = 82)::int AS k,
            (SELECT COALESCE(sum("messageCount"), 0)::text FROM "Conversation" WHERE "tenantId" = 82) AS n`,
  ))[0]!;

const row = async (id: string) =>
  (await q(`SELECT status, "pendingAt", "sentAt", "deliveredAt", "readAt", "contactId" FROM "Message" WHERE "tenantId" = 82 AND "whatsMessageId" = $1`, [id]))[0] as
    | Record<string, any>
    | undefined;

test('ingestMessages stores new messages and answers with the counts', async () => {
  const p = payload(await ingest([message('gql-1'), message('gql-2', { chatTime: '2024-03-01T10:01:00.000Z' }), message('gql-3', { direction: 'OUTBOUND', status: 'SENT' })]));
  assert.deepEqual(p, { inserted: 3, updated: 0, unchanged: 0, pending: 0, errors: [] });
  const rows = await q(`SELECT "whatsMessageId", status, source, "accountWhatsIdBare", "legacyContentType", "deliveredAt", "sentAt" FROM "Message" WHERE "tenantId" = 82 ORDER BY 1`);
  assert.deepEqual(rows.map((r) => [r.whatsMessageId, r.status, r.source, r.accountWhatsIdBare, r.legacyContentType]), [
    ['gql-1', 'DELIVERED', 'API', '8613911110000', 1],
    ['gql-2', 'DELIVERED', 'API', '8613911110000', 1],
    ['gql-3', 'SENT', 'API', '8613911110000', 1],
  ]);
  assert.equal((rows[0]!.deliveredAt as Date).toISOString(), '2024-03-01T10:00:00.000Z');
  assert.equal((rows[2]!.sentAt as Date).toISOString(), '2024-03-01T10:00:00.000Z');
  const [contact] = await q(`SELECT "externalId", "customFields", tags FROM "Contact" WHERE "tenantId" = 82`);
  assert.deepEqual(contact, { externalId: '8423922419416375296', customFields: { tier: 'gold' }, tags: ['vip'] });
  const [conv] = await q(`SELECT c."messageCount", c."unreadCount", c."friendName", m."whatsMessageId" AS last FROM "Conversation" c JOIN "Message" m ON m.id = c."lastMessageId" WHERE c."tenantId" = 82`);
  assert.deepEqual(conv, { messageCount: 3, unreadCount: 2, friendName: 'Alice', last: 'gql-2' });
  assert.equal((await counts()).n, '3');
});

test('the same call again changes nothing: inserted 0, unchanged 3', async () => {
  const before = await counts();
  const p = payload(await ingest([message('gql-1'), message('gql-2', { chatTime: '2024-03-01T10:01:00.000Z' }), message('gql-3', { direction: 'OUTBOUND', status: 'SENT' })]));
  assert.deepEqual(p, { inserted: 0, updated: 0, unchanged: 3, pending: 0, errors: [] });
  assert.deepEqual(await counts(), before);
});

test('a repeated message with a higher status counts as updated, the rest as unchanged', async () => {
  const p = payload(await ingest([message('gql-1', { status: 'READ', statusAt: '2024-03-01T11:00:00.000Z' }), message('gql-2')]));
  assert.deepEqual(p, { inserted: 0, updated: 1, unchanged: 1, pending: 0, errors: [] });
  const r = await row('gql-1');
  assert.equal(r!.status, 'READ');
  assert.equal((r!.readAt as Date).toISOString(), '2024-03-01T11:00:00.000Z');
  assert.equal((r!.deliveredAt as Date).toISOString(), '2024-03-01T10:00:00.000Z', 'earlier status times are kept');
  const [conv] = await q(`SELECT "unreadCount" FROM "Conversation" WHERE "tenantId" = 82`);
  assert.equal(conv!.unreadCount, 1);
});

test('updateMessageStatuses raises a status (updated 1) and never lowers it', async () => {
  let p = payload(await update([{ whatsMessageId: 'gql-2', status: 'READ', reachedAt: '2024-03-02T00:00:00.000Z' }]));
  assert.deepEqual(p, { inserted: 0, updated: 1, unchanged: 0, pending: 0, errors: [] });
  assert.equal((await row('gql-2'))!.status, 'READ');
  assert.equal((await q(`SELECT "unreadCount" FROM "Conversation" WHERE "tenantId" = 82`))[0]!.unreadCount, 0);

  p = payload(await update([{ whatsMessageId: 'gql-2', status: 'DELIVERED', reachedAt: '2024-03-03T00:00:00.000Z' }, { whatsMessageId: 'gql-3', status: 'PENDING', reachedAt: '2024-03-03T00:00:00.000Z' }]));
  assert.equal(p.updated, 1, 'only gql-3 gains a (PENDING) time; no status is lowered');
  assert.equal(p.pending, 0);
  const r2 = await row('gql-2');
  assert.equal(r2!.status, 'READ');
  assert.equal((r2!.deliveredAt as Date).toISOString(), '2024-03-01T10:00:00.000Z', 'a later DELIVERED keeps the earliest time');
  const r3 = await row('gql-3');
  assert.equal(r3!.status, 'SENT');
  assert.equal((r3!.pendingAt as Date).toISOString(), '2024-03-03T00:00:00.000Z');

  // An earlier report of a reached status moves its time back.
  p = payload(await update([{ whatsMessageId: 'gql-2', status: 'READ', reachedAt: '2024-03-01T12:00:00.000Z' }]));
  assert.equal(p.updated, 1);
  assert.equal(((await row('gql-2'))!.readAt as Date).toISOString(), '2024-03-01T12:00:00.000Z');
  // The very same again: nothing moves.
  p = payload(await update([{ whatsMessageId: 'gql-2', status: 'READ', reachedAt: '2024-03-01T12:00:00.000Z' }]));
  assert.equal(p.updated, 0);
  assert.equal((await q(`SELECT "unreadCount" FROM "Conversation" WHERE "tenantId" = 82`))[0]!.unreadCount, 0);
});

test(
  'a status update that changes nothing is counted as unchanged',
  async () => {
    const p = payload(await update([{ whatsMessageId: 'gql-2', status: 'DELIVERED', reachedAt: '2024-03-05T00:00:00.000Z' }]));
    assert.deepEqual(p, { inserted: 0, updated: 0, unchanged: 1, pending: 0, errors: [] });
  },
);

test('a status for an unknown message is kept (pending 1) and applied when the message arrives', async () => {
  let p = payload(await update([{ whatsMessageId: 'gql-late', status: 'READ', reachedAt: '2024-03-04T00:00:00.000Z', agentId: '7' }]));
  assert.deepEqual(p, { inserted: 0, updated: 0, unchanged: 0, pending: 1, errors: [] });
  assert.deepEqual(await q(`SELECT "whatsMessageId", status, "agentId" FROM "PendingStatus" WHERE "tenantId" = 82`), [{ whatsMessageId: 'gql-late', status: 'READ', agentId: '7' }]);
  const unreadBefore = (await q(`SELECT "unreadCount" FROM "Conversation" WHERE "tenantId" = 82`))[0]!.unreadCount as number;

  p = payload(await ingest([message('gql-late', { status: 'DELIVERED', chatTime: '2024-03-01T09:00:00.000Z' })]));
  assert.deepEqual(p, { inserted: 1, updated: 0, unchanged: 0, pending: 0, errors: [] });
  const r = await row('gql-late');
  assert.equal(r!.status, 'READ');
  assert.equal((r!.readAt as Date).toISOString(), '2024-03-04T00:00:00.000Z');
  assert.equal((r!.deliveredAt as Date).toISOString(), '2024-03-01T10:00:00.000Z');
  assert.deepEqual(await q(`SELECT * FROM "PendingStatus" WHERE "tenantId" = 82`), []);
  assert.equal((await q(`SELECT "unreadCount" FROM "Conversation" WHERE "tenantId" = 82`))[0]!.unreadCount, unreadBefore, 'arrived already read: not unread');
});

test('a batch with one invalid item (blank whatsMessageId) → errors naming it, nothing written', async () => {
  const before = await counts();
  const p = payload(await ingest([message('gql-new-1'), message('   ')]));
  assert.deepEqual(p, { inserted: 0, updated: 0, unchanged: 0, pending: 0, errors: [{ index: 1, field: 'messages[1].whatsMessageId', message: 'must not be empty' }] });
  assert.deepEqual(await counts(), before);
  assert.equal(await row('gql-new-1'), undefined);
});

test('a batch with an invalid contact externalId → errors naming it, nothing written', async () => {
  const before = await counts();
  const p = payload(await ingest([message('gql-new-2'), message('gql-new-3', { contact: { externalId: '12ab' } }), message('gql-new-4', { content: 'nul\u0000' })]));
  assert.deepEqual(p.errors, [
    { index: 1, field: 'messages[1].contact.externalId', message: 'must be a decimal integer id' },
    { index: 2, field: 'messages[2].content', message: 'must not contain NUL characters (\\u0000)' },
  ]);
  assert.deepEqual([p.inserted, p.updated, p.unchanged, p.pending], [0, 0, 0, 0]);
  assert.deepEqual(await counts(), before);
});

test('status updates: an invalid item refuses the whole batch', async () => {
  const before = await counts();
  const p = payload(await update([{ whatsMessageId: 'gql-1', status: 'READ' }, { whatsMessageId: '', status: 'READ' }]));
  assert.deepEqual(p, { inserted: 0, updated: 0, unchanged: 0, pending: 0, errors: [{ index: 1, field: 'updates[1].whatsMessageId', message: 'must not be empty' }] });
  assert.deepEqual(await counts(), before);
});

test('a read-only key → FORBIDDEN, nothing written; no key → UNAUTHENTICATED', async () => {
  const before = await counts();
  for (const [res, code] of [
    [await ingest([message('gql-ro-1')], t.tenant.readKey), 'FORBIDDEN'],
    [await update([{ whatsMessageId: 'gql-ro-2', status: 'READ' }], t.tenant.readKey), 'FORBIDDEN'],
    [await ingest([message('gql-ro-3')], null), 'UNAUTHENTICATED'],
    [await update([{ whatsMessageId: 'gql-ro-4', status: 'READ' }], null), 'UNAUTHENTICATED'],
  ] as const) {
    const errors = res.body.errors ?? [];
    assert.equal(errors.length, 1, JSON.stringify(res.body));
    assert.equal(errors[0]!.extensions?.code, code);
    assert.equal(res.body.data ?? null, null);
  }
  assert.deepEqual(await counts(), before);
  // An admin key may ingest too.
  assert.equal(payload(await ingest([message('gql-admin-1')], t.tenant.adminKey)).inserted, 1);
});

test('the counters still equal a recount after all of the above', async () => {
  const [conv] = await q(`SELECT c."messageCount", c."unreadCount", c."lastMessageId"::text AS last FROM "Conversation" c WHERE c."tenantId" = 82`);
  const [re] = await q(
    `SELECT count(*)::int AS "messageCount",
            (count(*) FILTER (WHERE direction = 'INBOUND' AND status <> 'READ'))::int AS "unreadCount",
            ((array_agg(id ORDER BY "chatTime" DESC, id DESC))[1])::text AS last
       FROM "Message" WHERE "tenantId" = 82`,
  );
  assert.deepEqual(conv, re);
  const c = await counts();
  assert.equal(c.n, String(c.m));
});

test(
  'two status updates for the same unknown message and status from different agents are both accepted',
  async () => {
    const res = await update([
      { whatsMessageId: 'gql-two-agents', status: 'SENT', reachedAt: '2024-03-04T00:00:02.000Z', agentId: '1' },
      { whatsMessageId: 'gql-two-agents', status: 'SENT', reachedAt: '2024-03-04T00:00:01.000Z', agentId: '2' },
    ]);
    const p = payload(res);
    assert.deepEqual(p.errors, []);
    const rows = await q(`SELECT status, "reachedAt" FROM "PendingStatus" WHERE "tenantId" = 82 AND "whatsMessageId" = 'gql-two-agents'`);
    assert.equal(rows.length, 1);
    assert.equal((rows[0]!.reachedAt as Date).toISOString(), '2024-03-04T00:00:01.000Z', 'the earliest time');
  },
);

test(
  'CLIENT_SYNC_MESSAGE_STATUS: the same pending case through the webhook answers 200, not 500',
  async () => {
    const body = JSON.stringify([{ userId: '1', messageStatus: 2, messageId: 'wh-two-agents' }, { userId: '2', messageStatus: 2, messageId: 'wh-two-agents' }]);
    const res = await t.app.fetch('http://localhost/webhooks/CLIENT_SYNC_MESSAGE_STATUS', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tenant.ingestKey}` }, body });
    assert.equal(res.status, 200, await res.text());
  },
);

test(
  'webhooks: a NUL character in a string id (userId / taskId) is a 400 naming the field, not a 500',
  async () => {
    const body = JSON.stringify([{ userId: '8\u00002', whatsApp: '86172272727', friendWhatsApp: '61191828282', actionType: 1, chatType: 1, content: [{ type: 1, text: 'x', messageId: 'nul-user-1', time: 1689129792000 }] }]);
    const res = await t.app.fetch('http://localhost/webhooks/CLIENT_SYNC_MESSAGE', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tenant.ingestKey}` }, body });
    const text = await res.text();
    assert.equal(res.status, 400, text);
    assert.match(JSON.parse(text).message, /^\[0\]\.userId: must not contain NUL/);
  },
);

test('ingestMessages: a contact\'s custom fields come back in the order given (jsonb sorts its keys)', async () => {
  const given = { zeta: 1, b: 'two', alpha: [3] };
  const p = payload(await ingest([message('order-1', { contact: { externalId: '777', customFields: given } })]));
  assert.equal(p.inserted, 1);
  const res = await t.graphql<{ contact: { customFields: { key: string; value: unknown }[]; customFieldsJson: object } }>(
    `{ contact(externalId: "777") { customFields { key value } customFieldsJson } }`, {}, t.tenant.readKey);
  assert.deepEqual(res.body.data!.contact.customFields, [{ key: 'zeta', value: 1 }, { key: 'b', value: 'two' }, { key: 'alpha', value: [3] }]);
  assert.deepEqual(Object.keys(res.body.data!.contact.customFieldsJson), ['zeta', 'b', 'alpha']);
});

// Issue #16: a partial profile updates only the fields it gives.
const PROFILE = `SELECT name, "whatsId", "whatsIdBare", "ownerName", income, profession, description, email, address, tags,
                        "customFields", "extendsMap" FROM "Contact" WHERE "tenantId" = 82 AND "externalId" = $1`;
const profile = async (externalId: string) => (await q(PROFILE, [externalId]))[0];
const FULL = {
  externalId: '9001', name: 'Ravi Kumar', whatsId: '919800000001@c.us', ownerName: 'agent7', income: '10-20k', profession: 'Engineer',
  description: 'Asked for a refund', email: 'ravi@example.com', address: 'Pune', tags: ['vip', 'refund'], customFields: { city: 'Pune', tier: 'gold' },
};
const FULL_ROW = {
  name: 'Ravi Kumar', whatsId: '919800000001@c.us', whatsIdBare: '919800000001', ownerName: 'agent7', income: '10-20k', profession: 'Engineer',
  description: 'Asked for a refund', email: 'ravi@example.com', address: 'Pune', tags: ['vip', 'refund'], customFields: { city: 'Pune', tier: 'gold' },
  extendsMap: '{"city":"Pune","tier":"gold"}',
};

test('ingestMessages: a partial contact ({externalId, tags}) changes the tags alone; the rest of the profile is kept', async () => {
  assert.equal(payload(await ingest([message('partial-1', { contact: FULL })])).inserted, 1);
  assert.deepEqual(await profile('9001'), FULL_ROW);
  assert.equal(payload(await ingest([message('partial-2', { contact: { externalId: '9001', tags: ['paid'] } })])).inserted, 1);
  assert.deepEqual(await profile('9001'), { ...FULL_ROW, tags: ['paid'] });
  // Two fields, one of them the WhatsApp id (its bare form follows it); custom fields replace the stored ones whole.
  await ingest([message('partial-3', { contact: { externalId: '9001', whatsId: '919800000002', customFields: { tier: 'silver' } } })]);
  assert.deepEqual(await profile('9001'), {
    ...FULL_ROW, tags: ['paid'], whatsId: '919800000002', whatsIdBare: '919800000002', customFields: { tier: 'silver' }, extendsMap: '{"tier":"silver"}',
  });
  // Every message still points at the one contact.
  const linked = await q<{ n: number }>(
    `SELECT count(*)::int AS n FROM "Message" m JOIN "Contact" c ON c.id = m."contactId" WHERE m."tenantId" = 82 AND c."externalId" = '9001'`);
  assert.equal(linked[0]!.n, 3);
});

test('ingestMessages: a contact field given as null (or "") clears it; tags: null and customFields: null store none', async () => {
  await ingest([message('null-1', { contact: { ...FULL, externalId: '9002' } })]);
  await ingest([message('null-2', { contact: { externalId: '9002', name: null, email: '', tags: null, customFields: null, whatsId: null } })]);
  assert.deepEqual(await profile('9002'), {
    ...FULL_ROW, name: null, email: null, tags: [], customFields: {}, extendsMap: '{}', whatsId: null, whatsIdBare: null,
  });
});

test('ingestMessages: a new contact given in part starts with the rest empty; in one batch the later part adds to the earlier', async () => {
  const p = payload(await ingest([
    message('new-part-1', { contact: { externalId: '9003', name: 'Mei' } }),
    message('new-part-2', { contact: { externalId: '9003', tags: ['cn'] }, chatTime: '2024-03-01T10:01:00.000Z' }),
  ]));
  assert.equal(p.inserted, 2);
  assert.deepEqual(await profile('9003'), {
    name: 'Mei', whatsId: null, whatsIdBare: null, ownerName: null, income: null, profession: null, description: null, email: null,
    address: null, tags: ['cn'], customFields: {}, extendsMap: null,
  });
});

test('MSG_SYNC_MESSAGE: the userProfile is the whole profile and still replaces every field (absent ones stored empty)', async () => {
  const { msgSyncAccessToken } = await import('../../src/auth/webhook-signatures.ts');
  await ingest([message('sync-full-1', { contact: { ...FULL, externalId: '9004' } })]);
  const timestamp = Date.now();
  const data = {
    id: 'sync-9004', messageId: 'sync-full-2', userName: 'agent8', whatsId: '919800000001@c.us', friendWhatsId: '919800000001@c.us',
    currentWhatsId: ACCOUNT, actionType: 2, chatType: 1, messageStatus: 3, content: 'hi', contentType: 0, originType: 1,
    sendTime: '2024-03-01 18:00:00',
    userProfile: { id: 9004, name: 'Ravi K', whatsApp: '919800000001', username: 'agent8', extendsMap: '{"city":"Mumbai"}', tags: ['new'] },
  };
  const body = JSON.stringify({ accessToken: msgSyncAccessToken(t.tenant.webhookSecret, '82', timestamp), tenantId: 82, timestamp, data: [data] });
  const res = await t.app.fetch('http://localhost/webhooks/MSG_SYNC_MESSAGE', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(res.status, 200, await res.text());
  assert.deepEqual(await profile('9004'), {
    name: 'Ravi K', whatsId: '919800000001', whatsIdBare: '919800000001', ownerName: 'agent8', income: null, profession: null,
    description: null, email: null, address: null, tags: ['new'], customFields: { city: 'Mumbai' }, extendsMap: '{"city":"Mumbai"}',
  });
});
