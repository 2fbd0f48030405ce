// msgPage: POST /wscrm-bus-api/open/message/msgPage — the legacy paged query
// of chat records (docs/legacy-api.md §1). A thin adapter: the legacy body is
// checked and turned into `messagePage` variables, schema/operations/
// msg-page.graphql runs through the /graphql pipeline with the caller's API
// key, and the page is written back as the legacy records, in their key order.
import { actionTypeOf, chatTypeCodeOf, chatTypeFromCode, directionFromActionType } from '../domain/codes.ts';
import { contentTypeFromWrittenMsgPageCode } from '../domain/content-type.ts';
import { toExactDecimalString } from '../domain/lossless-json.ts';
import { msgPageQuoteContent } from '../domain/legacy-quote.ts';
import { MsgPageDocument, type MessageWhere, type MsgPageQuery } from '../generated/graphql/graphql.ts';
import type { Route } from '../http/routes.ts';
import type { Logger } from '../log.ts';
import { DEFAULT_OFFSET_PAGE_SIZE, MAX_OFFSET_PAGE_SIZE } from '../read/pagination.ts';
import { legacyError, legacyJson } from './envelope.ts';
import { LegacyError, LegacyFields, type LegacyObject, legacyApiKey, legacyFailureOf, readLegacyObject, runLegacyOperation } from './legacy-operation.ts';

export const MSG_PAGE_PATH = '/wscrm-bus-api/open/message/msgPage';

/** Page numbers are GraphQL Ints (32-bit): a larger one could not even be passed to the operation. */
export const MAX_PAGE_NUMBER = 2_147_483_647;

/** Epoch milliseconds up to the end of year 9999. */
const MAX_EPOCH_MS = 253_402_300_799_999;

export interface MsgPageRequest {
  /** The body's tenantId, an exact decimal string: must be the API key's tenant. */
  tenantId: string;
  current: number;
  pageSize: number;
  where: MessageWhere;
}

// Every contentType a record shows can be filtered on (contentTypeFromWrittenMsgPageCode).
const CONTENT_CODES = '0 text, 1 image, 2 video, 3 audio, 4 file, 6 contact card, 7 sticker, 9 quote; 8, 10–15, 99 as written for client-only types';

/** The legacy body → the operation's variables; a 400 naming the field for anything wrong. */
export function readMsgPageRequest(body: LegacyObject): MsgPageRequest {
  const r = new LegacyFields(body);
  const tenantId = r.given('tenantId') ? r.id('tenantId') : r.fail('tenantId', 'is required (the company id)');
  const current = r.integer('current', { min: 1, max: MAX_PAGE_NUMBER }) ?? 1;
  const pageSize = r.integer('pageSize', { min: 1, max: MAX_OFFSET_PAGE_SIZE }) ?? DEFAULT_OFFSET_PAGE_SIZE;
  const info = r.object_('info', { required: true });
  const where: MessageWhere = {};
  if (info) {
    where.friendWhatsId = info.string('friendWhatsId');
    where.accountWhatsId = info.string('whatsId');
    where.agentAccount = info.string('agentAccount');
    where.chatType = info.code('chatType', chatTypeFromCode, '1 private, 2 group');
    where.direction = info.code('actionType', directionFromActionType, '1 sent, 2 received');
    const contentType = info.code('contentType', contentTypeFromWrittenMsgPageCode, CONTENT_CODES);
    if (contentType) where.contentTypes = [contentType];
    const start = info.integer('startChatTime', { min: 0, max: MAX_EPOCH_MS });
    const end = info.integer('endChatTime', { min: 0, max: MAX_EPOCH_MS });
    const hasStart = info.given('startChatTime');
    const hasEnd = info.given('endChatTime');
    if (hasStart !== hasEnd) {
      info.problem(`info.startChatTime and info.endChatTime must be given together (got only ${hasStart ? 'startChatTime' : 'endChatTime'})`);
    } else if (start !== null && end !== null) {
      if (start > end) info.problem(`info.startChatTime (${start}) must not be later than info.endChatTime (${end})`);
      where.chatTimeFrom = new Date(start).toISOString();
      where.chatTimeTo = new Date(end).toISOString();
    }
  }
  r.check();
  // Drop the filters not given, so the operation's `where` holds only real ones.
  for (const key of Object.keys(where) as (keyof MessageWhere)[]) if (where[key] == null) delete where[key];
  return { tenantId: tenantId!, current, pageSize, where };
}

type MsgPageNode = MsgPageQuery['messagePage']['nodes'][number];

/** The agent id as msgPage's numeric userId: exact digits (a bigint beyond 2^53); null when unknown or not a number. */
export function userIdOf(agentId: string | null): number | bigint | null {
  const decimal = agentId === null ? null : toExactDecimalString(agentId);
  if (decimal === null) return null;
  const n = Number(decimal);
  return Number.isSafeInteger(n) ? n : BigInt(decimal);
}

/** One legacy record, keys in the original order. */
export function msgPageRecord(node: MsgPageNode) {
  return {
    id: node.recordId,
    // The message's own seat id and login, else the agent directory's (README "Agents").
    userId: userIdOf(node.agentSeatId),
    username: node.agentLogin ?? '',
    whatsId: node.accountWhatsId,
    actionType: actionTypeOf(node.direction),
    chatType: chatTypeCodeOf(node.chatType),
    // A quote embeds what it quotes, whichever webhook brought it.
    content: node.msgPageContentType === 9 ? msgPageQuoteContent(node.rawContent, node.referContent) : node.rawContent,
    contentType: node.msgPageContentType,
    friendWhatsId: node.friendWhatsId,
    friendName: node.friendName ?? '',
    chatTime: Date.parse(node.chatTime),
    createTime: Date.parse(node.createdAt),
  };
}

/** The success envelope: `{code, message, data: {records, total, size, current, pages}}`. */
export function msgPageResponse(data: MsgPageQuery, request: Pick<MsgPageRequest, 'current' | 'pageSize'>) {
  const total = data.messagePage.totalCount;
  return {
    code: 200,
    message: 'Success',
    data: {
      records: data.messagePage.nodes.map(msgPageRecord),
      total,
      size: request.pageSize,
      current: request.current,
      pages: Math.ceil(total / request.pageSize),
    },
  };
}

export function msgPageRoute(deps: { log: Logger }): Route {
  return {
    method: 'POST',
    path: MSG_PAGE_PATH,
    handler: async (request, yoga) => {
      try {
        const apiKey = legacyApiKey(request);
        const msgPage = readMsgPageRequest(await readLegacyObject(request));
        const data = await runLegacyOperation(
          yoga,
          {
            document: MsgPageDocument,
            variables: { where: msgPage.where, page: msgPage.current, pageSize: msgPage.pageSize },
            apiKey,
            request,
            // The key decides the tenant; a body naming another one is refused, not answered with the key's data.
            beforeExecute: ({ viewer }) => {
              if (viewer && viewer.tenantId.toString() !== msgPage.tenantId) {
                throw new LegacyError(403, `tenantId ${msgPage.tenantId} is not the tenant of this API key`);
              }
            },
          },
          deps.log,
        );
        return legacyJson(msgPageResponse(data, msgPage));
      } catch (err) {
        const failure = legacyFailureOf(err, deps.log, 'msgPage');
        return legacyError(failure.code, failure.message);
      }
    },
  };
}
