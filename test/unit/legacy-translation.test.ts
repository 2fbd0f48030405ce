// The legacy adapters' pure translation: request bodies → GraphQL variables
// (codes, numeric strings, "" as no filter, field-naming errors) and GraphQL
// results → legacy records (key order, exact big ids, Java date strings).
import { msgPageQuoteContent } from '../../src/domain/legacy-quote.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonLossless } from '../../src/domain/lossless-json.ts';
import type { MsgPageQuery, PastRecordsQuery } from '../../src/generated/graphql/graphql.ts';
import { legacyJsonText } from '../../src/rest/envelope.ts';
import { LegacyError, type LegacyObject } from '../../src/rest/legacy-operation.ts';
import { msgPageRecord, msgPageResponse, readMsgPageRequest, userIdOf } from '../../src/rest/msg-page.ts';
import { pastRecordsResponse, pastRecordsVariables, readPastRecordsRequest } from '../../src/rest/past-records.ts';
import { seed } from '../support/seeds.ts';

const body = (value: unknown) => parseJsonLossless(typeof value === 'string' ? value : JSON.stringify(value)) as LegacyObject;

function refused(fn: () => unknown, ...mentions: string[]) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof LegacyError, String(err));
    assert.equal(err.code, 400);
    for (const m of mentions) assert.ok(err.message.includes(m), `"${err.message}" should mention ${m}`);
    return true;
  });
}

test('readMsgPageRequest: the seed example → MessageWhere; "" is no filter', () => {
  assert.deepEqual(readMsgPageRequest(body(seed.msgPageRequest)), {
    tenantId: '82',
    current: 1,
    pageSize: 10,
    where: { friendWhatsId: '91844XXXX', chatType: 'PRIVATE', contentTypes: ['VIDEO'], agentAccount: 'dev_miors' },
  });
});

test('readMsgPageRequest: numbers as strings, every filter, defaults', () => {
  const r = readMsgPageRequest(body({
    tenantId: '82', current: '3', pageSize: '25',
    info: { whatsId: '8613800000000@c.us', friendWhatsId: '447700900123', chatType: '2', actionType: '2', contentType: '9', startChatTime: '1700000000000', endChatTime: 1700000001000, agentAccount: 'kubrick108' },
  }));
  assert.deepEqual(r, {
    tenantId: '82', current: 3, pageSize: 25,
    where: {
      friendWhatsId: '447700900123', accountWhatsId: '8613800000000@c.us', agentAccount: 'kubrick108', chatType: 'GROUP', direction: 'INBOUND',
      contentTypes: ['QUOTE'], chatTimeFrom: '2023-11-14T22:13:20.000Z', chatTimeTo: '2023-11-14T22:13:21.000Z',
    },
  });
  assert.deepEqual(readMsgPageRequest(body({ tenantId: 82, info: {} })), { tenantId: '82', current: 1, pageSize: 10, where: {} });
  // A tenant id beyond 2^53 stays exact; msgPage codes, and the client codes it writes for client-only types.
  assert.equal(readMsgPageRequest(body('{"tenantId": 9223372036854775807, "info": {}}')).tenantId, '9223372036854775807');
  assert.deepEqual(readMsgPageRequest(body({ tenantId: 1, info: { contentType: 0 } })).where.contentTypes, ['TEXT']);
  assert.deepEqual(readMsgPageRequest(body({ tenantId: 1, info: { contentType: 6 } })).where.contentTypes, ['CONTACT_CARD']);
  assert.deepEqual(readMsgPageRequest(body({ tenantId: 1, info: { contentType: 13 } })).where.contentTypes, ['LOCATION']);
});

test('readMsgPageRequest: refusals name the field', () => {
  refused(() => readMsgPageRequest(body({ info: {} })), 'tenantId: is required');
  refused(() => readMsgPageRequest(body({ tenantId: '8 2', info: {} })), 'tenantId');
  refused(() => readMsgPageRequest(body({ tenantId: 82 })), 'info: is required');
  refused(() => readMsgPageRequest(body({ tenantId: 82, info: [] })), 'info: must be an object');
  refused(() => readMsgPageRequest(body({ tenantId: 82, info: { startChatTime: 1 } })), 'info.startChatTime and info.endChatTime must be given together');
  refused(() => readMsgPageRequest(body({ tenantId: 82, info: { endChatTime: 1 } })), 'info.startChatTime and info.endChatTime', 'got only endChatTime');
  refused(() => readMsgPageRequest(body({ tenantId: 82, info: { startChatTime: -1, endChatTime: 1 } })), 'info.startChatTime', 'at least 0');
  refused(() => readMsgPageRequest(body({ tenantId: 82, info: { contentType: 5 } })), 'info.contentType: unknown code 5');
  refused(() => readMsgPageRequest(body({ tenantId: 82, info: { chatType: 0 } })), 'info.chatType: unknown code 0', '1 private, 2 group');
  refused(() => readMsgPageRequest(body({ tenantId: 82, info: { actionType: true } })), 'info.actionType: must be an integer, got a boolean');
  refused(() => readMsgPageRequest(body({ tenantId: 82, info: { friendWhatsId: {} } })), 'info.friendWhatsId: must be a string');
  refused(() => readMsgPageRequest(body({ tenantId: 82, info: {}, pageSize: 501 })), 'pageSize: must be at most 500, got 501');
  refused(() => readMsgPageRequest(body({ tenantId: 82, info: {}, current: -1 })), 'current: must be at least 1');
  refused(() => readMsgPageRequest(body({ tenantId: 82, info: {}, current: 1.5 })), 'current: must be an integer, got 1.5');
});

const node = (over: Partial<MsgPageQuery['messagePage']['nodes'][number]> = {}): MsgPageQuery['messagePage']['nodes'][number] => ({
  recordId: '2082', agentSeatId: '1255', agentLogin: 'kubrick108', accountWhatsId: '86131xxxxxx', direction: 'OUTBOUND', chatType: 'PRIVATE',
  rawContent: '这里是China', referContent: null, msgPageContentType: 0, friendWhatsId: '91844xxxxxx', friendName: null,
  chatTime: '2024-12-03T11:30:47.000Z', createdAt: '2024-12-03T12:50:30.000Z', ...over,
});

test('msgPageRecord: the seed record keys in order; codes, epoch ms, "" for unknown names', () => {
  const seedRecord = (JSON.parse(seed.msgPageResponse) as { data: { records: Record<string, unknown>[] } }).data.records[0]!;
  const record = msgPageRecord(node());
  assert.deepEqual(Object.keys(record), Object.keys(seedRecord));
  assert.deepEqual(record, {
    id: '2082', userId: 1255, username: 'kubrick108', whatsId: '86131xxxxxx', actionType: 1, chatType: 1, content: '这里是China', contentType: 0,
    friendWhatsId: '91844xxxxxx', friendName: '', chatTime: 1733225447000, createTime: 1733230230000,
  });
  const inbound = msgPageRecord(node({ direction: 'INBOUND', chatType: 'GROUP', agentLogin: null, agentSeatId: null, friendName: 'Evbuomwan Lawrence' }));
  assert.deepEqual([inbound.actionType, inbound.chatType, inbound.username, inbound.userId, inbound.friendName], [2, 2, '', null, 'Evbuomwan Lawrence']);
});

test('userIdOf: exact digits beyond 2^53, null for unknown or non-numeric agent ids', () => {
  assert.equal(userIdOf('846164'), 846164);
  assert.equal(userIdOf('9007199254740993'), 9007199254740993n);
  assert.equal(userIdOf('007'), 7);
  assert.equal(userIdOf('agent-7'), null);
  assert.equal(userIdOf(null), null);
  const page = msgPageResponse({ messagePage: { totalCount: 21, nodes: [node({ agentSeatId: '9223372036854775807' })] } }, { current: 3, pageSize: 10 });
  const text = legacyJsonText(page);
  assert.ok(text.startsWith('{"code":200,"message":"Success","data":{"records":[{"id":"2082","userId":9223372036854775807,"username":"kubrick108",'), text);
  assert.ok(text.endsWith('"total":21,"size":10,"current":3,"pages":3}}'), text);
  assert.equal(legacyJsonText({ a: 1, b: 'x' }), '{"a":1,"b":"x"}');
});

test('readPastRecordsRequest: the seed example (pageno) and pageNo; refusals name the field', () => {
  const zone = 'Asia/Shanghai';
  const expected = { custServId: '2844', oocDate: '2023-07-01', convType: 'biDirFriend', receId: '187', pageNo: 1, pageSize: 10 };
  assert.deepEqual(readPastRecordsRequest(body(seed.retrievePastRecordsRequest), zone), expected);
  const { pageno: _, ...rest } = JSON.parse(seed.retrievePastRecordsRequest) as Record<string, unknown>;
  assert.deepEqual(readPastRecordsRequest(body({ ...rest, pageNo: '1' }), zone), expected);
  assert.deepEqual(readPastRecordsRequest(body({ custServId: 2844, pageNo: 2, pageSize: 5, oocDate: '', receId: '' }), zone), {
    custServId: '2844', oocDate: null, convType: null, receId: null, pageNo: 2, pageSize: 5,
  });
  assert.deepEqual(pastRecordsVariables(expected), {
    where: { agentSeatId: '2844', day: '2023-07-01', contactExternalId: '187' }, page: 1, pageSize: 10, receId: '187', withContact: true,
  });
  assert.deepEqual(pastRecordsVariables({ ...expected, oocDate: null, receId: null }), { where: { agentSeatId: '2844' }, page: 1, pageSize: 10, receId: '', withContact: false });
  refused(() => readPastRecordsRequest(body({ pageNo: 1, pageSize: 1 }), zone), 'custServId: is required');
  refused(() => readPastRecordsRequest(body({ custServId: true, pageNo: 1, pageSize: 1 }), zone), 'custServId');
  refused(() => readPastRecordsRequest(body({ custServId: '1', pageSize: 1 }), zone), 'pageNo: is required', 'pageno');
  refused(() => readPastRecordsRequest(body({ custServId: '1', pageNo: 1, pageno: 2, pageSize: 1 }), zone), 'pageNo (1) and pageno (2) differ');
  refused(() => readPastRecordsRequest(body({ custServId: '1', pageNo: 1 }), zone), 'pageSize: is required');
  refused(() => readPastRecordsRequest(body({ custServId: '1', pageNo: 1, pageSize: 1, oocDate: '01/07/2023' }), zone), 'oocDate: must be a date "YYYY-MM-DD"');
  refused(() => readPastRecordsRequest(body({ custServId: '1', pageNo: 1, pageSize: 1, receId: '18a' }), zone), 'receId');
});

test('pastRecordsResponse: the seed keys in order, Java date strings in the configured zone, codes as strings', () => {
  const request = { custServId: '2844', oocDate: '2023-07-01', convType: 'biDirFriend', receId: '187', pageNo: 2, pageSize: 10 };
  const at = '2023-07-01T02:53:52.000Z';
  const data: PastRecordsQuery = {
    records: {
      totalCount: 14,
      nodes: [
        { clientContentType: 1, rawContent: '你好这个产品怎么用', chatTime: at, status: 'DELIVERED', direction: 'INBOUND' },
        { clientContentType: 5, rawContent: '{"url":"https://x/v.mp4"}', chatTime: at, status: 'READ', direction: 'OUTBOUND' },
      ],
    },
    latest: { nodes: [{ chatTime: at }] },
    contact: { name: '曾林' },
  };
  const response = pastRecordsResponse(data, request, 'Asia/Shanghai');
  const seedResponse = JSON.parse(seed.retrievePastRecordsResponse) as { data: Record<string, unknown> & { contGroups: object[] } };
  assert.deepEqual(Object.keys(response), Object.keys(seedResponse));
  assert.deepEqual(Object.keys(response.data), Object.keys(seedResponse.data));
  assert.deepEqual(Object.keys(response.data.contGroups[0]!), Object.keys(seedResponse.data.contGroups[0]!));
  assert.equal(response.data.lastSendTime, 'Sat Jul 01 10:53:52 CST 2023');
  assert.deepEqual(response.data.contGroups, [
    { contentType: '1', content: '你好这个产品怎么用', sendTime: 'Sat Jul 01 10:53:52 CST 2023', contReadState: '0', sender: 1 },
    { contentType: '5', content: '{"url":"https://x/v.mp4"}', sendTime: 'Sat Jul 01 10:53:52 CST 2023', contReadState: '1', sender: 0 },
  ]);
  const ny = pastRecordsResponse(data, request, 'America/New_York');
  assert.equal(ny.data.lastSendTime, 'Fri Jun 30 22:53:52 EDT 2023');
  const empty = pastRecordsResponse({ records: { totalCount: 0, nodes: [] }, latest: { nodes: [] } }, { ...request, receId: null }, 'Asia/Shanghai');
  assert.deepEqual([empty.data.lastSendTime, empty.data.receName, empty.data.total, empty.data.contGroups], [null, null, 0, []]);
});

test('msgPage quote content: CLIENT_SYNC\'s reply and referContent joined in msgPage\'s shape; an embedded one kept as it came', () => {
  const reply = '{"caption":"1","filename":"","mimeType":"","type":1,"url":""}';
  const refer = '{"caption":"1","filename":"","mimeType":"","type":1,"url":"","whatsApp":"8615375457649","messageId":"3EB04F939512D66B1F2DFA"}';
  assert.equal(
    msgPageQuoteContent(reply, refer),
    '{"caption":"1","filename":"","mimeType":"","type":1,"url":"","referContent":{"caption":"1","filename":"","mimeType":"","type":1,"url":"","whatsId":"8615375457649","msgId":"3EB04F939512D66B1F2DFA"}}',
  );
  const embedded = '{"caption":"hasaki","type":4,"referContent":{"type":1,"msgId":"X"}}';
  assert.equal(msgPageQuoteContent(embedded, refer), embedded);
  assert.equal(msgPageQuoteContent(reply, null), reply);
  assert.equal(msgPageQuoteContent('thanks', '{"type":1,"id":12345678901234567890}'), '{"caption":"thanks","referContent":{"type":1,"id":12345678901234567890}}');
  assert.equal(msgPageQuoteContent(reply, 'not json'), '{"caption":"1","filename":"","mimeType":"","type":1,"url":"","referContent":"not json"}');
  // Through a record: only code 9 is rewritten.
  assert.equal(msgPageRecord(node({ msgPageContentType: 9, rawContent: reply, referContent: refer })).content, msgPageQuoteContent(reply, refer));
  assert.equal(msgPageRecord(node({ msgPageContentType: 0, rawContent: 'x', referContent: refer })).content, 'x');
});
