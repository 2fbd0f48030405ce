// Pure parts of issue 15: the id rule (src/domain/text.ts) as every entry
// point applies it, the canonical body a token is bound to, attributing a
// committed result that cannot fail, and the settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idProblem, storableText, unpairedSurrogateAt } from '../../src/domain/text.ts';
import { canonicalJson } from '../../src/auth/seen-tokens.ts';
import { parseJsonLossless } from '../../src/domain/lossless-json.ts';
import { attributeResults, prepareStore, type StoreFunctionResult } from '../../src/ingest/store.ts';
import { normaliseLine } from '../../src/cli/records.ts';
import { normaliseStatusSync } from '../../src/ingest/status-sync.ts';
import { normaliseApiStatusUpdates } from '../../src/ingest/api-input.ts';
import { loadConfig } from '../../src/config.ts';
import { listenHost } from '../../src/http/demo-key.ts';
import { verifyMsgSyncTokenAny, msgSyncAccessToken, MSG_SYNC_TOKEN_MISMATCH } from '../../src/auth/webhook-signatures.ts';

test('unpairedSurrogateAt / idProblem: lone surrogates and NUL are refused with where; pairs and bidirectional marks are fine', () => {
  assert.equal(unpairedSurrogateAt('UNI\udfff'), 3);
  assert.equal(unpairedSurrogateAt('\ud800x'), 0);
  assert.equal(unpairedSurrogateAt('a💥b'), -1);
  assert.equal(unpairedSurrogateAt('💥\ud83d'), 2);
  assert.equal(idProblem('UNI\udfff'), 'must be well-formed Unicode: an unpaired UTF-16 surrogate (\\udfff) at character 4');
  assert.equal(idProblem('a\u0000'), 'must not contain NUL characters (\\u0000)');
  assert.equal(idProblem('\u200F\u202Eid\u2066'), null);
  assert.equal(storableText('cut \ud83d'), 'cut \ufffd');
  assert.equal(storableText('a\u0000'), null);
});

test('every entry point applies the id rule, naming the field: status webhook, GraphQL status updates, CLI import', () => {
  assert.throws(() => normaliseStatusSync([{ userId: '1', messageStatus: 3, messageId: 'x\udc00' }], new Date()), /^IngestValidationError: \[0\]\.messageId: must be well-formed Unicode/);
  assert.throws(() => normaliseApiStatusUpdates([{ whatsMessageId: 'ok', status: 'READ', agentId: '\ud800' }]), /updates\[0\]\.agentId: must be well-formed Unicode/);
  const line = parseJsonLossless('[{"userId":"1","taskId":"","taskInfoId":"","messageStatus":3,"messageId":"UNI\\udfff"}]');
  assert.throws(() => normaliseLine(line, { tenantId: 82n, timeZone: 'Asia/Shanghai', receivedAt: new Date() }), /\[0\]\.messageId: must be well-formed Unicode/);
});

test('canonicalJson: key order and spacing do not matter; values, big integers and lone surrogates do', () => {
  const a = parseJsonLossless('[{"b":1,"a":{"y":"\\udfff","x":8423922419416375296}}]');
  const b = parseJsonLossless('[ { "a" : { "x" : 8423922419416375296, "y" : "\\udfff" }, "b" : 1.0 } ]');
  assert.equal(canonicalJson(a), canonicalJson(b));
  assert.equal(canonicalJson(a), '[{"a":{"x":8423922419416375296,"y":"\\udfff"},"b":1}]');
  assert.notEqual(canonicalJson(parseJsonLossless('[{"x":8423922419416375297}]')), canonicalJson(parseJsonLossless('[{"x":8423922419416375296}]')));
  assert.notEqual(canonicalJson(['\udfff']), canonicalJson(['\udffe']));
});

test('attributeResults after commit: a row of no batch does not throw; its event is kept apart, the batches\' counts are theirs', () => {
  const message = (id: string) => ({
    whatsMessageId: id, syncId: null, agentId: null, agentAccount: 'a', accountWhatsId: '861@c.us', accountWhatsIdBare: '861', senderWhatsId: null,
    friendWhatsId: '447@c.us', friendWhatsIdBare: '447', friendName: null, direction: 'INBOUND' as const, chatType: 'PRIVATE' as const, contentType: 'TEXT' as const,
    legacyContentType: 0, content: 'x', referContent: null, parsedContent: { kind: 'TEXT', text: 'x' } as never, searchText: 'x', status: 'SENT' as const,
    statusAt: new Date(0), origin: null, taskId: null, taskInfoId: null, source: 'API' as const, chatTime: new Date(0), contact: null,
  });
  const prepared = prepareStore([{ messages: [message('m1')], statusUpdates: [] }, { messages: [message('m2')], statusUpdates: [] }]);
  const raw: StoreFunctionResult = { inserted: [['1', '2', '3'], ['10', '10', '10'], ['861', '861', '999'], ['m1', 'm2', 'ghost'], ['SENT', 'SENT', 'SENT']], applied: [] };
  const { results, unattributed } = attributeResults(prepared, raw, '2024-01-01T00:00:00.000Z');
  assert.deepEqual(results.map((r) => [r.inserted, r.unchanged, r.added.map((e) => e.whatsMessageId)]), [[1, 0, ['m1']], [1, 0, ['m2']]]);
  assert.deepEqual(unattributed.added.map((e) => e.whatsMessageId), ['ghost']);
  // Even a malformed report yields no throw.
  assert.doesNotThrow(() => attributeResults(prepared, { inserted: undefined, applied: undefined } as never));
});

test('an unknown tenant (null secrets) and a tenant without secrets fail exactly as a wrong token does', () => {
  const now = 1_700_000_000_000;
  const token = msgSyncAccessToken('whsec_x', '82', now);
  for (const secrets of [null, [], ['whsec_y']]) assert.deepEqual(verifyMsgSyncTokenAny(secrets, '82', now, token, now), { ok: false, reason: MSG_SYNC_TOKEN_MISMATCH });
  assert.deepEqual(verifyMsgSyncTokenAny(['whsec_y', 'whsec_x'], '82', now, token, now), { ok: true });
});

test('settings: GRAPHQL_INTROSPECTION by NODE_ENV; SECRETS_KEY required in production on a shared database; HOST set or not', () => {
  assert.equal(loadConfig({}).graphqlIntrospection, 'public');
  assert.equal(loadConfig({ NODE_ENV: 'production' }).graphqlIntrospection, 'authenticated');
  assert.equal(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'public' }).graphqlIntrospection, 'public');
  assert.throws(() => loadConfig({ GRAPHQL_INTROSPECTION: 'yes' }), /^ConfigError: GRAPHQL_INTROSPECTION must be one of public, authenticated, got "yes"$/);
  assert.throws(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x' }), /^ConfigError: SECRETS_KEY is required with NODE_ENV=production and DATABASE_URL/);
  assert.doesNotThrow(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x', SECRETS_KEY: Buffer.alloc(32, 1).toString('base64') }));
  assert.doesNotThrow(() => loadConfig({ NODE_ENV: 'production' }), 'embedded: one process, one key file');
  assert.deepEqual(listenHost(loadConfig({}), 'cg_demo'), { host: '127.0.0.1', reason: listenHost(loadConfig({}), 'cg_demo').reason });
  assert.match(listenHost(loadConfig({}), 'cg_demo').reason!, /listens on 127\.0\.0\.1 only; set HOST/);
  assert.deepEqual(listenHost(loadConfig({}), null), { host: '0.0.0.0', reason: null });
  assert.deepEqual(listenHost(loadConfig({ HOST: '0.0.0.0' }), 'cg_demo'), { host: '0.0.0.0', reason: null });
});
