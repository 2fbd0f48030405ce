// Rolling upgrades (README "Rolling upgrades"): while instances of the
// previous release still run, the database already has this release's
// migrations. Their store calls, kept as a fixture (the statement and the
// parameters that release sent), must work against this schema and mean
// what they meant: a change of the write path's argument format ships under
// a new function name, the previous one staying until a later release.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startTestApp, type TestApp } from '../support/app.ts';

interface Fixture { release: string; calls: { text: string; params: unknown[] }[] }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/store-calls-93c1bb0.json', import.meta.url), 'utf8')) as Fixture;

interface StoreResult { inserted: [string[], string[], string[], string[], string[], (string | null)[]?]; applied: { whatsMessageId: string; status: string; changed: boolean }[] }

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => t.testDb.db.pool.query(sql, params).then((r) => r.rows as T[]);
const call = async (n: number) => (await q<{ result: StoreResult }>(fixture.calls[n]!.text, fixture.calls[n]!.params))[0]!.result;
const PROFILE = `SELECT "externalId", name, "whatsId", "ownerName", income, profession, description, email, address, tags, "customFields", "extendsMap"
                   FROM "Contact" WHERE "tenantId" = 82 ORDER BY "externalId"`;
const ASHA = {
  externalId: '187', name: 'Asha Rao', whatsId: '918440000001', ownerName: 'agent01', income: '10-20k', profession: 'Engineer',
  description: 'prefers mornings', email: 'asha@example.com', address: 'Pune', tags: ['vip'], customFields: { city: 'Pune', tier: 'gold' },
  extendsMap: '{"city":"Pune","tier":"gold"}',
};
const LI = {
  externalId: '188', name: 'Li Wei', whatsId: '918440000002', ownerName: null, income: null, profession: null, description: null, email: null,
  address: null, tags: ['new'], customFields: { city: 'Shanghai' }, extendsMap: '{"city":"Shanghai"}',
};

test(`release ${fixture.release}'s store call of three messages stores them, their conversations and contacts`, async () => {
  const result = await call(0);
  assert.equal(result.inserted[0].length, 3);
  assert.deepEqual([...result.inserted[3]].sort(), ['3EB0A1B2C3D4E5F60001', '3EB0A1B2C3D4E5F60002', '3EB0A1B2C3D4E5F60003']);
  assert.deepEqual(result.applied, []);
  const messages = await q(
    `SELECT "whatsMessageId", direction, status, source, "agentId", "agentAccount", "contactId" IS NOT NULL AS has_contact
       FROM "Message" WHERE "tenantId" = 82 ORDER BY "whatsMessageId"`,
  );
  assert.deepEqual(messages, [
    { whatsMessageId: '3EB0A1B2C3D4E5F60001', direction: 'INBOUND', status: 'DELIVERED', source: 'MSG_SYNC', agentId: null, agentAccount: 'agent01', has_contact: true },
    { whatsMessageId: '3EB0A1B2C3D4E5F60002', direction: 'OUTBOUND', status: 'PENDING', source: 'CLIENT_SYNC', agentId: '1001', agentAccount: null, has_contact: false },
    { whatsMessageId: '3EB0A1B2C3D4E5F60003', direction: 'INBOUND', status: 'READ', source: 'API', agentId: '1001', agentAccount: 'agent01', has_contact: true },
  ]);
  assert.deepEqual(await q(PROFILE), [ASHA, LI]);
  const conversations = await q(`SELECT "friendWhatsIdBare", "messageCount", "unreadCount" FROM "Conversation" WHERE "tenantId" = 82 ORDER BY 1`);
  assert.deepEqual(conversations, [
    { friendWhatsIdBare: '918440000001', messageCount: 2, unreadCount: 1 },
    { friendWhatsIdBare: '918440000002', messageCount: 1, unreadCount: 0 },
  ]);
  // The agent directory learned from the same statement.
  const seen = await q(`SELECT kind::text, value FROM "AgentSighting" WHERE "tenantId" = 82 ORDER BY 1, 2`);
  assert.deepEqual(seen, [{ kind: 'LOGIN', value: 'agent01' }, { kind: 'SEAT', value: '1001' }]);
});

test(`release ${fixture.release}'s status call raises a stored message and keeps the other's status until it arrives`, async () => {
  const result = await call(1);
  assert.deepEqual(result.inserted[0], []);
  assert.deepEqual(result.applied.map((a) => [a.whatsMessageId, a.status, a.changed]), [['3EB0A1B2C3D4E5F60002', 'DELIVERED', true]]);
  assert.deepEqual(await q(`SELECT "whatsMessageId", status::text FROM "PendingStatus" WHERE "tenantId" = 82`), [{ whatsMessageId: '3EB0A1B2C3D4E5F60009', status: 'READ' }]);
});

test(`release ${fixture.release}'s call again changes nothing, and its whole profile still replaces one this release updated in part`, async () => {
  const res = await t.graphql<{ ingestMessages: { inserted: number; errors: unknown[] } }>(
    `mutation($m: [MessageInput!]!) { ingestMessages(messages: $m) { inserted errors { field message } } }`,
    {
      m: [{
        accountWhatsId: '8617600000000@c.us', whatsMessageId: 'partial-after', friendWhatsId: '918440000001@c.us', direction: 'INBOUND',
        chatType: 'PRIVATE', contentType: 'TEXT', content: 'x', status: 'DELIVERED', chatTime: '2026-01-05T01:50:00Z',
        contact: { externalId: '187', tags: ['paid'], email: null },
      }],
    },
    t.tenant.ingestKey,
  );
  assert.deepEqual(res.body.data?.ingestMessages, { inserted: 1, errors: [] });
  assert.deepEqual((await q(PROFILE))[0], { ...ASHA, tags: ['paid'], email: null });
  const again = await call(0);
  assert.deepEqual(again.inserted[0], []);
  assert.deepEqual(await q(PROFILE), [ASHA, LI]);
  const counts = await q(`SELECT sum("messageCount")::int AS n FROM "Conversation" WHERE "tenantId" = 82`);
  assert.deepEqual(counts, [{ n: 4 }]);
});
