// GET /openapi.json: an OpenAPI 3.1 description of the legacy REST surface —
// msgPage, retrievePastRecords and the three webhooks — with the original
// documents' examples (src/rest/openapi-examples.ts, verbatim). Public: it
// describes the endpoints, it opens none of them (only /graphql is gated).
// The examples carry ids beyond 2^53, so the document is parsed and written
// with the lossless JSON functions.
import { parseJsonLossless, stringifyJson } from '../domain/lossless-json.ts';
import type { Route } from '../http/routes.ts';
import { MAX_OFFSET_PAGE_SIZE } from '../read/pagination.ts';
import * as ex from './openapi-examples.ts';
import { MSG_PAGE_PATH } from './msg-page.ts';
import { PAST_RECORDS_PATH } from './past-records.ts';

export const OPENAPI_PATH = '/openapi.json';

const example = (text: string) => ({ value: parseJsonLossless(text) });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonBody = (schema: object, examples?: Record<string, { summary?: string; value: unknown }>) => ({
  content: { 'application/json': { schema, ...(examples ? { examples } : {}) } },
});
const str = (description?: string) => ({ type: 'string', ...(description ? { description } : {}) });
const int = (description?: string, extra: object = {}) => ({ type: 'integer', ...(description ? { description } : {}), ...extra });
/** A number, or a string of digits (legacy callers send both). */
const intOrDigits = (description: string, extra: object = {}) => ({
  description,
  oneOf: [{ type: 'integer', ...extra }, { type: 'string', pattern: '^\\s*-?\\d+\\s*$' }, { type: 'string', const: '' }],
});

function legacyErrorResponse(description: string, shape: 'message' | 'msg', code: number, message: string) {
  const value = shape === 'message' ? { code, message, data: null } : { msg: message, code, data: null };
  return { description, ...jsonBody(ref(shape === 'message' ? 'LegacyError' : 'PastRecordsError'), { error: { value } }) };
}

const webhookAck = (text: string) => ({ description: 'Stored (committed) — the legacy acknowledgement.', ...jsonBody(ref('WebhookAck'), { seed: example(text) }) });

const webhookFailures = {
  '400': legacyErrorResponse('The batch is invalid; nothing was stored. The message names the item and field.', 'message', 400, 'data[1].messageStatus: unknown code 9 (expected 1 sent from the client, 2 sent, 3 delivered, 4 read)'),
  '401': legacyErrorResponse('Missing or bad credentials.', 'message', 401, 'invalid or revoked API key'),
  '403': legacyErrorResponse('The API key lacks the INGEST scope.', 'message', 403, 'this API key lacks the INGEST scope'),
  '413': legacyErrorResponse('The body is larger than 5 MiB.', 'message', 413, 'request body is more than the 5242880 bytes allowed'),
  '500': legacyErrorResponse('Not stored; retry later.', 'message', 500, 'internal error: the delivery was not stored, retry later'),
};

const document = {
  openapi: '3.1.0',
  info: {
    title: 'chatgraph legacy REST endpoints',
    version: '1.0.0',
    description:
      'The endpoints of the original CRM server that chatgraph keeps byte-compatible: the chat-record queries msgPage and ' +
      'retrievePastRecords (thin adapters over the GraphQL `messagePage` query at /graphql) and the three webhooks the CRM pushes. ' +
      'Errors keep each endpoint\'s envelope with a non-200 `code` (also the HTTP status) and a message naming what was wrong. ' +
      'Local times without a zone are in LEGACY_TIME_ZONE (default Asia/Shanghai).',
  },
  paths: {
    [MSG_PAGE_PATH]: {
      post: {
        operationId: 'msgPage',
        summary: 'Paged query of chat records',
        description:
          `Newest first. \`current\` defaults to 1, \`pageSize\` to 10 (at most ${MAX_OFFSET_PAGE_SIZE}). In \`info\`, an empty string means no filter; ` +
          'startChatTime and endChatTime must come together. `tenantId` must be the API key\'s tenant (else 403). ' +
          'Unknown fields are ignored. A record\'s `userId` is null when the agent id is unknown (MSG_SYNC_MESSAGE does not carry it); ' +
          '`username` and `friendName` are "" when unknown. The server writes `"message":"Success"`.',
        security: [{ bearerApiKey: [] }, { tokenHeader: [] }],
        requestBody: { required: true, ...jsonBody(ref('MsgPageRequest'), { seed: example(ex.MSG_PAGE_REQUEST) }) },
        responses: {
          '200': { description: 'One page of records.', ...jsonBody(ref('MsgPageResponse'), { seed: example(ex.MSG_PAGE_RESPONSE) }) },
          '400': legacyErrorResponse('A field is missing or wrong (the message names it), or the body is not JSON.', 'message', 400, 'info.startChatTime and info.endChatTime must be given together (got only startChatTime)'),
          '401': legacyErrorResponse('No API key, or an invalid or revoked one.', 'message', 401, 'invalid or revoked API key'),
          '403': legacyErrorResponse('tenantId is not the API key\'s tenant, or the key lacks the READ scope.', 'message', 403, 'tenantId 83 is not the tenant of this API key'),
        },
      },
    },
    [PAST_RECORDS_PATH]: {
      post: {
        operationId: 'retrievePastRecords',
        summary: "One agent's messages (with one contact, on one day), page by page",
        description:
          'Newest first. `pageNo` (or `pageno`, as the seed example spells it) and `pageSize` ' +
          `(1–${MAX_OFFSET_PAGE_SIZE}) are required. \`oocDate\` is a local day; \`receId\` the contact's CRM id (userProfile.id); ` +
          '`convType` is echoed back and does not filter. `lastSendTime` is the newest chat time among all matching messages; ' +
          '`receName` the contact\'s name (null without receId). Times are Java Date.toString() in LEGACY_TIME_ZONE; ' +
          '`contentType` is the client content code as a string; `contReadState` "1" when read; `sender` 1 contact, 0 agent.',
        security: [{ tokenHeader: [] }, { bearerApiKey: [] }],
        requestBody: { required: true, ...jsonBody(ref('PastRecordsRequest'), { seed: example(ex.PAST_RECORDS_REQUEST) }) },
        responses: {
          '200': { description: 'One page of messages.', ...jsonBody(ref('PastRecordsResponse'), { seed: example(ex.PAST_RECORDS_RESPONSE) }) },
          '400': legacyErrorResponse('A field is missing or wrong (the message names it).', 'msg', 400, 'pageSize: is required (1 to 500)'),
          '401': legacyErrorResponse('No API key, or an invalid or revoked one.', 'msg', 401, 'invalid or revoked API key'),
          '403': legacyErrorResponse('The key lacks the READ scope.', 'msg', 403, 'this API key lacks the scope this field needs'),
        },
      },
    },
    '/webhooks/MSG_SYNC_MESSAGE': {
      post: {
        operationId: 'msgSyncMessage',
        summary: 'Webhook: messages sent and received (also re-pushed on every status change)',
        description:
          'Authenticated by the body: `accessToken` is the lowercase hex HMAC-SHA256, keyed with the tenant\'s webhook secret, of ' +
          '`"<tenantId>:<timestamp>"` (both as the decimal digits of the body), and `timestamp` (epoch ms) must be within ±300 s ' +
          'of the server\'s clock. At most 50 items; the batch is stored in one transaction, idempotently.',
        security: [],
        requestBody: { required: true, ...jsonBody(ref('MsgSyncRequest'), { seed: example(ex.MSG_SYNC_REQUEST) }) },
        responses: { '200': webhookAck(ex.MSG_SYNC_RESPONSE), ...webhookFailures },
      },
    },
    '/webhooks/CLIENT_SYNC_MESSAGE': {
      post: {
        operationId: 'clientSyncMessage',
        summary: 'Webhook: client message sync',
        description: 'An API key with the INGEST scope (Authorization: Bearer, a `token` header or `?token=`), or the signature headers.',
        security: [{ bearerApiKey: [] }, { tokenHeader: [] }, { tokenQuery: [] }, { signature: [] }],
        requestBody: { required: true, ...jsonBody({ type: 'array', items: ref('ClientSyncItem') }, { seed: example(ex.CLIENT_SYNC_REQUEST) }) },
        responses: { '200': webhookAck(ex.CLIENT_SYNC_RESPONSE), ...webhookFailures },
      },
    },
    '/webhooks/CLIENT_SYNC_MESSAGE_STATUS': {
      post: {
        operationId: 'clientSyncMessageStatus',
        summary: 'Webhook: message status sync',
        description: 'Authenticated as CLIENT_SYNC_MESSAGE. A status for a message not stored yet is kept and applied when it arrives; statuses never move backwards.',
        security: [{ bearerApiKey: [] }, { tokenHeader: [] }, { tokenQuery: [] }, { signature: [] }],
        requestBody: { required: true, ...jsonBody({ type: 'array', items: ref('StatusSyncItem') }, { seed: example(ex.STATUS_SYNC_REQUEST) }) },
        responses: { '200': webhookAck(ex.STATUS_SYNC_RESPONSE), ...webhookFailures },
      },
    },
  },
  components: {
    securitySchemes: {
      bearerApiKey: { type: 'http', scheme: 'bearer', description: 'An API key (`cg_…`): READ scope for the queries, INGEST for the webhooks.' },
      tokenHeader: { type: 'apiKey', in: 'header', name: 'token', description: 'The same API key in a `token` header.' },
      tokenQuery: { type: 'apiKey', in: 'query', name: 'token', description: 'The ingest key on the URL, for senders that can only set a URL.' },
      signature: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Chatgraph-Signature',
        description:
          '`sha256=<hex HMAC-SHA256(webhook secret, "<timestamp>.<raw body>")>`, with `X-Chatgraph-Tenant: <tenantId>` and ' +
          '`X-Chatgraph-Timestamp: <epoch ms>` (within ±300 s).',
      },
    },
    schemas: {
      LegacyError: {
        type: 'object',
        required: ['code', 'message', 'data'],
        properties: { code: int('400, 401, 403, 413 or 500 (also the HTTP status)'), message: str('What was wrong.'), data: { type: 'null' } },
      },
      PastRecordsError: {
        type: 'object',
        required: ['msg', 'code', 'data'],
        properties: { msg: str('What was wrong.'), code: int('400, 401, 403, 413 or 500 (also the HTTP status)'), data: { type: 'null' } },
      },
      MsgPageRequest: {
        type: 'object',
        required: ['tenantId', 'info'],
        properties: {
          tenantId: intOrDigits('Company id; must be the API key\'s tenant.'),
          info: ref('MsgPageInfo'),
          current: intOrDigits('Page number, from 1 (default 1).', { minimum: 1 }),
          pageSize: intOrDigits(`Page size, 1–${MAX_OFFSET_PAGE_SIZE} (default 10).`, { minimum: 1, maximum: MAX_OFFSET_PAGE_SIZE }),
        },
      },
      MsgPageInfo: {
        type: 'object',
        description: 'Filters; all optional, "" means no filter. WhatsApp ids match with or without @c.us / @g.us.',
        properties: {
          friendWhatsId: str('The friend (customer or group).'),
          whatsId: str("The agent's WhatsApp account."),
          chatType: intOrDigits('1 private, 2 group.', { enum: [1, 2] }),
          actionType: intOrDigits('1 sent, 2 received.', { enum: [1, 2] }),
          contentType: intOrDigits('msgPage content code: 0 text, 1 image, 2 video, 3 audio, 4 file, 6 contact card, 7 sticker, 9 quote (8, 10–15, 99: client-only types).'),
          startChatTime: intOrDigits('Chat time from, epoch ms (inclusive); only together with endChatTime.'),
          endChatTime: intOrDigits('Chat time to, epoch ms (inclusive); only together with startChatTime.'),
          agentAccount: str('Agent login account, exact.'),
        },
      },
      MsgPageRecord: {
        type: 'object',
        required: ['id', 'userId', 'username', 'whatsId', 'actionType', 'chatType', 'content', 'contentType', 'friendWhatsId', 'friendName', 'chatTime', 'createTime'],
        properties: {
          id: str('Record id, decimal.'),
          userId: { type: ['integer', 'null'], description: 'Agent id (exact digits, even beyond 2^53); null when unknown.' },
          username: str('Agent login account ("" when unknown).'),
          whatsId: str("The agent's WhatsApp account, as it came."),
          actionType: int('1 sent, 2 received.'),
          chatType: int('1 private, 2 group.'),
          content: str('As it came: text, a JSON string (media, quote) or vCard text.'),
          contentType: int('msgPage content code.'),
          friendWhatsId: str('The friend, as it came.'),
          friendName: str('"" when unknown.'),
          chatTime: int('Epoch ms.'),
          createTime: int('Epoch ms the record was stored.'),
        },
      },
      MsgPageResponse: {
        type: 'object',
        required: ['code', 'message', 'data'],
        properties: {
          code: { const: 200 },
          message: str(),
          data: {
            type: 'object',
            required: ['records', 'total', 'size', 'current', 'pages'],
            properties: {
              records: { type: 'array', items: ref('MsgPageRecord') },
              total: int('Matching records.'),
              size: int('Page size.'),
              current: int('This page.'),
              pages: int('ceil(total / size).'),
            },
          },
        },
      },
      PastRecordsRequest: {
        type: 'object',
        required: ['custServId', 'pageSize'],
        anyOf: [{ required: ['pageNo'] }, { required: ['pageno'] }],
        properties: {
          custServId: { type: ['string', 'integer'], description: 'The agent id.' },
          oocDate: str('The day, "YYYY-MM-DD" (LEGACY_TIME_ZONE).'),
          convType: str('Conversation type; echoed back.'),
          receId: { type: ['string', 'integer'], description: "The contact's CRM id (userProfile.id)." },
          pageNo: intOrDigits('Page, from 1 (required: this or pageno).', { minimum: 1 }),
          pageno: intOrDigits('Same as pageNo.', { minimum: 1 }),
          pageSize: intOrDigits(`1–${MAX_OFFSET_PAGE_SIZE}.`, { minimum: 1, maximum: MAX_OFFSET_PAGE_SIZE }),
        },
      },
      PastRecordsResponse: {
        type: 'object',
        required: ['msg', 'code', 'data'],
        properties: {
          msg: str(),
          code: { const: 200 },
          data: {
            type: 'object',
            required: ['custServId', 'convType', 'occDate', 'receId', 'lastSendTime', 'receName', 'total', 'pageno', 'pageSize', 'contGroups'],
            properties: {
              custServId: str(),
              convType: { type: ['string', 'null'] },
              occDate: { type: ['string', 'null'], description: 'The request\'s oocDate.' },
              receId: { type: ['string', 'null'] },
              lastSendTime: { type: ['string', 'null'], description: 'Newest chat time of the matching messages, e.g. "Sat Jul 01 10:53:52 CST 2023".' },
              receName: { type: ['string', 'null'] },
              total: int(),
              pageno: int(),
              pageSize: int(),
              contGroups: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['contentType', 'content', 'sendTime', 'contReadState', 'sender'],
                  properties: {
                    contentType: str('Client content code.'),
                    content: str(),
                    sendTime: str('Java Date.toString().'),
                    contReadState: { type: 'string', enum: ['0', '1'] },
                    sender: { type: 'integer', enum: [0, 1], description: '1 the contact, 0 the agent.' },
                  },
                },
              },
            },
          },
        },
      },
      WebhookAck: {
        type: 'object',
        required: ['code', 'message', 'data'],
        properties: { code: { const: 200 }, message: str(), data: { const: '' } },
      },
      MsgSyncRequest: {
        type: 'object',
        required: ['accessToken', 'tenantId', 'timestamp', 'data'],
        properties: {
          accessToken: str('hex HMAC-SHA256(webhook secret, "<tenantId>:<timestamp>")'),
          tenantId: int(),
          timestamp: int('Epoch ms, within ±300 s.'),
          data: { type: 'array', maxItems: 50, items: ref('MsgSyncItem') },
        },
      },
      MsgSyncItem: {
        type: 'object',
        required: ['id', 'messageId', 'userName', 'whatsId', 'friendWhatsId', 'currentWhatsId', 'actionType', 'chatType', 'messageStatus', 'content', 'contentType', 'sendTime', 'originType', 'userProfile'],
        properties: {
          id: str('Sync record uuid.'),
          messageId: str('WhatsApp message id.'),
          userName: str('Agent login account.'),
          whatsId: str('Sender (in a group, the member).'),
          friendWhatsId: str(),
          currentWhatsId: str("The agent's account."),
          actionType: int('1 sent, 2 received.'),
          chatType: int('1 private, 2 group.'),
          messageStatus: int('1 sent from the client, 3 delivered, 4 read (2 sent also accepted).'),
          content: str(),
          contentType: int('msgPage content code.'),
          sendTime: str('"YYYY-MM-DD HH:mm:ss" in LEGACY_TIME_ZONE.'),
          originType: int('1 pc, 2 app, 3 web.'),
          userProfile: ref('UserProfile'),
          taskId: { type: ['integer', 'string', 'null'], description: '0 or null: none.' },
          taskInfoId: { type: ['integer', 'string', 'null'] },
        },
      },
      UserProfile: {
        type: 'object',
        required: ['id'],
        properties: {
          id: { type: 'integer', description: 'Customer id; a Long beyond 2^53 is kept exactly.' },
          name: str(), whatsApp: str(), username: str('Owner agent.'), income: str(), profession: str(), desc: str(),
          tags: { type: 'array', items: str() }, email: str(), address: str(),
          extendsMap: str('JSON string of custom fields.'),
        },
      },
      ClientSyncItem: {
        type: 'object',
        required: ['whatsApp', 'friendWhatsApp', 'actionType', 'chatType', 'content'],
        properties: {
          userId: str('Agent id.'),
          whatsApp: str("The agent's account."),
          friendWhatsApp: str(),
          actionType: int('1 sent, 2 received.'),
          chatType: int('1 private, 2 group.'),
          taskId: str(),
          taskInfoId: str(),
          content: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['type', 'messageId', 'time'],
              properties: {
                type: int('Client content code: 1 text, 2 image, 3 audio, 4 file, 5 video, 6 contact card, 7 sticker, 8 call, 9 quote, 10–15, 99.'),
                text: str(),
                url: str('JSON string {filename, url, mimeType, caption, type}.'),
                messageId: str(),
                time: int('Epoch ms.'),
                referContent: str('JSON string of the quoted message.'),
              },
            },
          },
        },
      },
      StatusSyncItem: {
        type: 'object',
        required: ['userId', 'messageStatus', 'messageId'],
        properties: {
          userId: str('Agent id.'),
          taskId: str(),
          taskInfoId: str(),
          messageStatus: int('1 not yet on the WhatsApp server, 2 sent, 3 delivered, 4 read.'),
          messageId: str(),
        },
      },
    },
  },
};

/** The document as served (written once). */
export const OPENAPI_JSON = stringifyJson(document);

export function openApiRoute(): Route {
  return {
    method: 'GET',
    path: OPENAPI_PATH,
    handler: () => new Response(OPENAPI_JSON, { headers: { 'content-type': 'application/json; charset=utf-8' } }),
  };
}
