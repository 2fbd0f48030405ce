// The agent directory end to end: learned from MSG_SYNC (logins) and
// CLIENT_SYNC (seat ids) on the same accounts, an agent moved to another
// account mid-day, and the reads that stand on it — retrievePastRecords by
// seat id (both directions), msgPage's userId/username, Agent, agents,
// conversations(where: {agentId, day}), Message.agent, Conversation.agents.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.ts';
import { uniqueTimestamp } from '../support/seeds.ts';
import { msgSyncAccessToken } from '../../src/auth/webhook-signatures.ts';
import { openCliDatabase } from '../support/cli.ts';

let t: TestApp;
type Obj = Record<string, any>;

const A = '8613900000001'; // served by alice (seat 3001) until noon, then by bob (seat 4001)
const B = '8613900000002'; // alice (seat 3002) from 13:00
const F1 = '8613700000001'; // contact 901
const F2 = '8613700000002'; // contact 902
const DAY = '2024-03-05';
/** Local time (Asia/Shanghai) on DAY as epoch ms. */
const at = (hhmm: string) => Date.parse(`${DAY}T${hhmm}:00+08:00`);

async function post(path: string, body: unknown, headers: Record<string, string>) {
  const res = await t.app.fetch(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as Obj };
}

/** One MSG_SYNC delivery of one received message (the friend writes). */
async function msgSync(login: string, account: string, friend: string, contactId: number, hhmm: string, text: string) {
  const timestamp = uniqueTimestamp();
  const res = await post('/webhooks/MSG_SYNC_MESSAGE', {
    accessToken: msgSyncAccessToken(t.tenant.webhookSecret, '82', timestamp),
    tenantId: 82,
    timestamp,
    data: [{
      id: `sync-${account}-${hhmm}`, messageId: `in-${account}-${hhmm}`, userName: login, whatsId: `${friend}@c.us`, friendWhatsId: `${friend}@c.us`,
      currentWhatsId: `${account}@c.us`, actionType: 2, chatType: 1, messageStatus: 3, content: text, contentType: 0, originType: 1,
      sendTime: `${DAY} ${hhmm}:00`,
      userProfile: { id: contactId, name: `contact ${contactId}`, whatsApp: friend, username: login, extendsMap: '{}', income: '', profession: '', desc: '', tags: [], email: '', address: '' },
    }],
  }, {});
  assert.equal(res.text, '{"code":200,"message":"success!","data":""}');
}

/** One CLIENT_SYNC delivery of one sent message (the agent writes). */
async function clientSync(seat: string, account: string, friend: string, hhmm: string, text: string) {
  const res = await post('/webhooks/CLIENT_SYNC_MESSAGE', [
    { userId: seat, whatsApp: account, friendWhatsApp: friend, actionType: 1, chatType: 1, content: [{ type: 1, text, messageId: `out-${account}-${hhmm}`, time: at(hhmm) }] },
  ], { token: t.tenant.ingestKey });
  assert.equal(res.text, '{"data":"","code":200,"message":"success"}');
}

async function gql<T = Obj>(query: string, variables?: Obj): Promise<T> {
  const res = await t.graphql<T>(query, variables, t.tenant.readKey);
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data!;
}

before(async () => {
  t = await startTestApp();
  // The morning on A: alice's login in MSG_SYNC, her seat 3001 in CLIENT_SYNC.
  await msgSync('alice', A, F1, 901, '09:00', 'hello, is anyone there?');
  await clientSync('3001', A, F1, '09:01', 'good morning, how can I help?');
  await msgSync('alice', A, F1, 901, '09:02', 'how do I use the product?');
  await clientSync('3001', A, F1, '09:03', 'like this');
  // Alice moves to B at 13:00 (seat 3002 there); bob takes A (seat 4001).
  await clientSync('3002', B, F2, '14:01', 'alice on B');
  await msgSync('alice', B, F2, 902, '14:00', 'a question for B');
  await msgSync('bob', A, F1, 901, '15:00', 'anyone this afternoon?');
  await clientSync('4001', A, F1, '15:01', 'bob here');
});
after(() => t.close());

const pastRecords = (custServId: string, receId: string, oocDate = DAY) =>
  post('/xd/client/retrievePastRecords', { custServId, oocDate, convType: 'biDirFriend', receId, pageno: 1, pageSize: 10 }, { token: t.tenant.readKey });

test('retrievePastRecords by the seat id returns both directions of the agent\'s conversation, newest first, sender 1/0', async () => {
  const res = await pastRecords('3001', '901');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.data.total, 4);
  assert.deepEqual(
    res.json.data.contGroups.map((g: Obj) => [g.content, g.sender]),
    [['like this', 0], ['how do I use the product?', 1], ['good morning, how can I help?', 0], ['hello, is anyone there?', 1]],
  );
  assert.equal(res.json.data.lastSendTime, 'Tue Mar 05 09:03:00 CST 2024');
  // Bob, who took A in the afternoon, has only his own part of the same conversation.
  const bob = await pastRecords('4001', '901');
  assert.deepEqual(bob.json.data.contGroups.map((g: Obj) => [g.content, g.sender]), [['bob here', 0], ['anyone this afternoon?', 1]]);
  // Another day: nothing.
  assert.equal((await pastRecords('3001', '901', '2024-03-06')).json.data.total, 0);
});

test('msgPage: records from both webhooks carry userId and username (the seat of their agent on their account)', async () => {
  const res = await post('/wscrm-bus-api/open/message/msgPage', { tenantId: 82, pageSize: 50, info: {} }, { token: t.tenant.readKey });
  assert.equal(res.status, 200, res.text);
  const byContent = Object.fromEntries((res.json.data.records as Obj[]).map((r) => [r.content, [r.userId, r.username, r.whatsId]]));
  assert.deepEqual(byContent, {
    'hello, is anyone there?': [3001, 'alice', `${A}@c.us`],
    'good morning, how can I help?': [3001, 'alice', A],
    'how do I use the product?': [3001, 'alice', `${A}@c.us`],
    'like this': [3001, 'alice', A],
    'a question for B': [3002, 'alice', `${B}@c.us`],
    'alice on B': [3002, 'alice', B],
    'anyone this afternoon?': [4001, 'bob', `${A}@c.us`],
    'bob here': [4001, 'bob', A],
  });
});

test('Agent: seats tied to logins, the accounts served over time, its conversations of one local day, its messages', async () => {
  const data = await gql(`{
    alice: agent(seatId: "3001") { id login seatIds accounts { accountWhatsId seatId firstChatAt lastChatAt }
      conversations(day: "${DAY}") { totalCount edges { node { accountWhatsId friendWhatsId } } }
      other: conversations(day: "2024-03-06") { totalCount }
      messages(orderBy: CHAT_TIME_ASC) { totalCount edges { node { rawContent direction agent { login } } } } }
    bob: agent(login: "bob") { login seatIds conversations(day: "${DAY}") { edges { node { accountWhatsId friendWhatsId } } } }
    agents(first: 10) { edges { node { login seatIds } } }
  }`);
  assert.equal(data.alice.login, 'alice');
  assert.deepEqual(data.alice.seatIds, ['3001', '3002']);
  assert.deepEqual(data.alice.accounts, [
    { accountWhatsId: `${A}@c.us`, seatId: '3001', firstChatAt: new Date(at('09:00')).toISOString(), lastChatAt: new Date(at('09:03')).toISOString() },
    { accountWhatsId: B, seatId: '3002', firstChatAt: new Date(at('14:00')).toISOString(), lastChatAt: new Date(at('14:01')).toISOString() },
  ]);
  assert.equal(data.alice.conversations.totalCount, 2);
  assert.deepEqual(new Set(data.alice.conversations.edges.map((e: Obj) => e.node).map((c: Obj) => `${c.accountWhatsId}>${c.friendWhatsId}`)), new Set([`${A}@c.us>${F1}@c.us`, `${B}>${F2}`]));
  assert.equal(data.alice.other.totalCount, 0);
  assert.equal(data.alice.messages.totalCount, 6);
  assert.deepEqual(data.alice.messages.edges.map((e: Obj) => e.node).map((m: Obj) => m.rawContent), [
    'hello, is anyone there?', 'good morning, how can I help?', 'how do I use the product?', 'like this', 'a question for B', 'alice on B',
  ]);
  assert.ok(data.alice.messages.edges.map((e: Obj) => e.node).every((m: Obj) => m.agent.login === 'alice'));
  assert.deepEqual(data.bob, { login: 'bob', seatIds: ['4001'], conversations: { edges: [{ node: { accountWhatsId: `${A}@c.us`, friendWhatsId: `${F1}@c.us` } }] } });
  assert.deepEqual(data.agents.edges.map((e: Obj) => e.node), [{ login: 'alice', seatIds: ['3001', '3002'] }, { login: 'bob', seatIds: ['4001'] }]);
  // The id is the node's: node(id) finds it again.
  const again = await gql(`query($id: ID!) { node(id: $id) { ... on Agent { login } } }`, { id: data.alice.id });
  assert.deepEqual(again.node, { login: 'alice' });
});

test('conversations(where: {agentId, day}) and Conversation.agents', async () => {
  const aliceId = (await gql(`{ agent(login: "alice") { id } }`)).agent.id as string;
  const data = await gql(`{
    today: conversations(where: { agentId: "3002", day: "${DAY}" }) { edges { node { accountWhatsId friendWhatsId agents { login seatIds } } } }
    onA: conversations(where: { agentId: "3001", day: "${DAY}" }) { edges { node { agents { login seatIds } } } }
    alice: conversations(where: { agent: "${aliceId}", day: "${DAY}" }) { totalCount }
    newest: conversations(where: { agentId: "4001" }) { edges { node { accountWhatsId } } }
    none: conversations(where: { agentId: "no-such-seat" }) { totalCount }
  }`);
  // Seat 3002 is alice's on B: her conversation there, not hers on A (seat 3001).
  assert.deepEqual(data.today.edges.map((e: Obj) => e.node), [{ accountWhatsId: B, friendWhatsId: F2, agents: [{ login: 'alice', seatIds: ['3001', '3002'] }] }]);
  assert.deepEqual(data.onA.edges.map((e: Obj) => e.node.agents), [[{ login: 'alice', seatIds: ['3001', '3002'] }, { login: 'bob', seatIds: ['4001'] }]]);
  assert.equal(data.alice.totalCount, 2);
  // Without a day: the conversations whose newest message is the agent's (bob's on A).
  assert.deepEqual(data.newest.edges.map((e: Obj) => e.node), [{ accountWhatsId: `${A}@c.us` }]);
  assert.equal(data.none.totalCount, 0);
  const bad = await t.graphql(`{ conversations(where: { agent: "bm90LWFuLWFnZW50" }) { totalCount } }`, {}, t.tenant.readKey);
  assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  assert.match(bad.body.errors![0]!.message, /where\.agent/);
});

test('a seat seen with no login is an agent of its own; its id still finds it once tied', async () => {
  await clientSync('5001', '8613900000003', F2, '16:00', 'a seat without a login yet');
  const lone = await gql(`{ agent(seatId: "5001") { id login seatIds } }`);
  assert.deepEqual({ ...lone.agent, id: undefined }, { id: undefined, login: null, seatIds: ['5001'] });
  await msgSync('carol', '8613900000003', F2, 902, '16:05', 'carol\'s customer writes');
  const tied = await gql(`query($id: ID!) { node(id: $id) { ... on Agent { login seatIds } } }`, { id: lone.agent.id });
  assert.deepEqual(tied.node, { login: 'carol', seatIds: ['5001'] });
});

test('setAgent (ADMIN): ties where the CRM never sends both halves; msgPage then fills them; READ keys and bad input refused', async () => {
  // Seat 6001 only ever on D (CLIENT_SYNC), login dave only ever on E (MSG_SYNC): never tied by learning.
  await clientSync('6001', '8613900000004', F1, '17:00', 'dave via the client');
  await msgSync('dave', '8613900000005', F2, 902, '17:05', 'dave via the CRM');
  assert.equal((await gql(`{ agent(seatId: "6001") { login } }`)).agent.login, null);
  const SET = `mutation ($input: SetAgentInput!) { setAgent(input: $input) { __typename ... on AdminError { code message } ... on SetAgentPayload { agent { login name seatIds accounts { accountWhatsId seatId } } } } }`;
  const forbidden = await t.graphql(SET, { input: { login: 'dave', seatIds: ['6001'] } }, t.tenant.readKey);
  assert.ok(forbidden.body.errors?.length, JSON.stringify(forbidden.body));
  const bad = await t.graphql(SET, { input: { login: 'dave', seatIds: [''] } });
  assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  assert.match(bad.body.errors![0]!.message, /input\.seatIds/);
  const set = await t.graphql<Obj>(SET, { input: { login: 'dave', name: 'Dave D.', seatIds: ['6001'] } });
  assert.equal(set.body.errors, undefined, JSON.stringify(set.body.errors));
  assert.deepEqual(set.body.data!.setAgent, {
    __typename: 'SetAgentPayload',
    agent: { login: 'dave', name: 'Dave D.', seatIds: ['6001'], accounts: [{ accountWhatsId: '8613900000004', seatId: '6001' }, { accountWhatsId: '8613900000005@c.us', seatId: null }] },
  });
  // The name is kept when not given; the seat's old id now finds dave.
  const renamed = await t.graphql<Obj>(SET, { input: { login: 'dave', seatIds: ['6001', '6002'] } });
  assert.equal(renamed.body.data!.setAgent.agent.name, 'Dave D.');
  assert.equal((await gql(`{ agent(seatId: "6001") { login name } }`)).agent.login, 'dave');
  const res = await post('/wscrm-bus-api/open/message/msgPage', { tenantId: 82, info: { whatsId: '8613900000004' } }, { token: t.tenant.readKey });
  assert.deepEqual(res.json.data.records.map((r: Obj) => [r.userId, r.username]), [[6001, 'dave']]);
  // Another tenant's id is refused to this tenant's ADMIN key.
  const other = await t.graphql(SET, { input: { tenantId: '999', login: 'dave' } });
  assert.equal(other.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
});

test('chatgraph agent set, on the database', async () => {
  const db = await openCliDatabase();
  try {
    assert.equal((await db.cli(['tenant', 'create', '--id', '82', '--name', 'Acme'])).code, 0);
    const set = await db.cli(['agent', 'set', '--tenant', '82', '--login', 'erin', '--name', 'Erin', '--seats', '7001, 7002']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout.trim(), 'agent erin ("Erin"): seats 7001,7002; accounts -');
    const bad = await db.cli(['agent', 'set', '--tenant', '82', '--login', '']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--login/);
    const missing = await db.cli(['agent', 'set', '--tenant', '83', '--login', 'erin']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /tenant 83 does not exist/);
  } finally {
    await db.close();
  }
});
