// Tenant isolation on the read path: with two tenants' data loaded, nothing
// tenant A asks (ids, nodes, cursors, filters, search, lookups) returns
// anything of tenant B's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.ts';
import { msgSyncAccessToken } from '../../src/auth/webhook-signatures.ts';
import type { TenantCredentials } from '../../src/auth/tenants.ts';

let t: TestApp;
let a: TenantCredentials;
let b: TenantCredentials;

async function push(tenant: TenantCredentials, prefix: string, word: string) {
  const timestamp = Date.now();
  const data = Array.from({ length: 10 }, (_, i) => ({
    id: `${prefix}-sync-${i}`, messageId: `${prefix}-${i}`, userName: `${prefix}-agent`, whatsId: '8613700000000', friendWhatsId: '447700000001', currentWhatsId: '8613700000000',
    actionType: 2, chatType: 1, messageStatus: 3, content: i === 9 ? JSON.stringify({ caption: `${word} quote`, type: 1, referContent: { msgId: 'shared-quoted' } }) : `${word} ${i}`,
    contentType: i === 9 ? 9 : 0, originType: 1, sendTime: `2024-06-01 12:00:${String(i).padStart(2, '0')}`,
    userProfile: { id: 5000, name: `${prefix} friend`, whatsApp: '447700000001', username: 'o', income: '', profession: '', desc: '', tags: ['shared-tag'], email: '', address: '', extendsMap: '{}' },
  }));
  // The same WhatsApp ids and contact id in both tenants: only the tenant tells them apart.
  data[0]!.messageId = 'shared-quoted';
  const body = JSON.stringify({ accessToken: msgSyncAccessToken(tenant.webhookSecret, tenant.tenantId.toString(), timestamp), tenantId: Number(tenant.tenantId), timestamp, data });
  const res = await t.app.fetch('http://localhost/webhooks/MSG_SYNC_MESSAGE', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(res.status, 200, await res.text());
}

let bIds: { message: string; conversation: string; contact: string; cursor: string };

before(async () => {
  t = await startTestApp();
  a = t.tenant;
  b = await t.createTenant(4242n, 'Other company');
  await push(a, 'a', 'apple');
  await push(b, 'b', 'banana');
  const res = await t.graphql<any>(`{ messages(first: 5) { edges { cursor node { id conversation { id } contact { id } } } } }`, {}, b.readKey);
  const edge = res.body.data.messages.edges[2];
  bIds = { message: edge.node.id, conversation: edge.node.conversation.id, contact: edge.node.contact.id, cursor: edge.cursor };
});
after(() => t.close());

const asA = <T = any>(query: string, variables: Record<string, unknown> = {}) => t.graphql<T>(query, variables, a.readKey);
const words = (edges: { node: { rawContent: string } }[]) => edges.map((e) => e.node.rawContent);

test('attack: listing everything returns only the own tenant', async () => {
  const res = await asA(`{ messages(first: 100) { totalCount edges { node { rawContent } } } conversations(first: 100) { totalCount edges { node { friendName } } } contacts(first: 100) { totalCount edges { node { name } } } }`);
  assert.equal(res.body.data.messages.totalCount, 10);
  assert.ok(words(res.body.data.messages.edges).every((w: string) => !w.includes('banana')));
  assert.deepEqual(res.body.data.conversations.edges.map((e: any) => e.node.friendName), ['a friend']);
  assert.deepEqual(res.body.data.contacts.edges.map((e: any) => e.node.name), ['a friend']);
});

test("attack: node() and nodes() with another tenant's ids resolve to null", async () => {
  const res = await asA(`query($m: ID!, $c: ID!, $p: ID!) { m: node(id: $m) { id } c: node(id: $c) { id } p: node(id: $p) { id } nodes(ids: [$m, $c, $p]) { id } }`, { m: bIds.message, c: bIds.conversation, p: bIds.contact });
  assert.equal(res.body.errors, undefined);
  assert.deepEqual(res.body.data, { m: null, c: null, p: null, nodes: [null, null, null] });
});

test("attack: another tenant's cursor only positions within the own data", async () => {
  const res = await asA(`query($after: String!) { messages(first: 100, after: $after) { edges { node { rawContent } } } }`, { after: bIds.cursor });
  assert.ok(words(res.body.data.messages.edges).every((w: string) => w.startsWith('apple')));
});

test("attack: filters naming another tenant's conversation or contact find nothing", async () => {
  const res = await asA(`query($c: ID!, $p: ID!) {
    byConversation: messages(first: 10, where: { conversationId: $c }) { totalCount edges { node { id } } }
    byContact: messages(first: 10, where: { contactId: $p }) { totalCount edges { node { id } } }
    conversations(first: 10, where: { contactId: $p }) { totalCount edges { node { id } } }
  }`, { c: bIds.conversation, p: bIds.contact });
  assert.equal(res.body.errors, undefined);
  assert.deepEqual(res.body.data, {
    byConversation: { totalCount: 0, edges: [] },
    byContact: { totalCount: 0, edges: [] },
    conversations: { totalCount: 0, edges: [] },
  });
});

test('attack: filters on shared values (friend, tag, WhatsApp ids, day) stay within the tenant', async () => {
  const res = await asA(`{
    friend: messages(first: 100, where: { friendWhatsId: "447700000001" }) { totalCount }
    tag: messages(first: 100, where: { contactTag: "shared-tag" }) { totalCount }
    ids: messages(first: 100, where: { whatsMessageIds: ["shared-quoted", "b-1"] }) { edges { node { rawContent } } }
    day: conversations(first: 100, where: { day: "2024-06-01" }) { totalCount }
    contacts(first: 10, where: { tag: "shared-tag" }) { totalCount }
    contact(externalId: "5000") { name }
  }`);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  assert.equal(res.body.data.friend.totalCount, 10);
  assert.equal(res.body.data.tag.totalCount, 10);
  assert.deepEqual(words(res.body.data.ids.edges), ['apple 0']);
  assert.equal(res.body.data.day.totalCount, 1);
  assert.equal(res.body.data.contacts.totalCount, 1);
  assert.deepEqual(res.body.data.contact, { name: 'a friend' });
});

test('attack: search and quoted-message lookups never reach the other tenant', async () => {
  const res = await asA(`{
    banana: searchMessages(text: "banana", first: 10) { totalCount }
    quotes: messages(first: 1, where: { contentTypes: [QUOTE] }) { edges { node { content { ... on QuoteContent { quoted { messageId message { rawContent } } } } } } }
  }`);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  assert.equal(res.body.data.banana.totalCount, 0);
  assert.deepEqual(res.body.data.quotes.edges[0].node.content.quoted, { messageId: 'shared-quoted', message: { rawContent: 'apple 0' } });
});

test("attack: another tenant's key sees its own data only, and a key of A cannot read as B", async () => {
  const res = await t.graphql<any>(`{ viewer { tenantId } messages(first: 1) { totalCount } }`, {}, b.readKey);
  assert.deepEqual(res.body.data, { viewer: { tenantId: '4242' }, messages: { totalCount: 10 } });
});
