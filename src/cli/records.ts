// Pure mapping of what `import` and `backfill` read into the ingest service's
// input: msgPage records (the reverse of src/rest/msg-page.ts's mapping) and
// the three webhook bodies (normalised by the webhooks' own functions).
//
// A msgPage record carries no WhatsApp message id and no status, so:
// - identity: `msgpage:<record id>` (the source's record id; its own
//   `messageId`, when a record carries one, wins);
// - status: what a client sync says about a message when it is first seen —
//   PENDING when the agent sent it, DELIVERED when received (a `messageStatus`
//   in MSG_SYNC numbering, when a record carries one, wins); statuses only
//   rise, so a later webhook still raises them;
// - sender: the account when sent, the friend in a one-to-one chat when
//   received, unknown in a group (as for CLIENT_SYNC_MESSAGE).
import { chatTypeFromCode, directionFromActionType } from '../domain/codes.ts';
import { contentTypeFromWrittenMsgPageCode } from '../domain/content-type.ts';
import type { LosslessJsonValue } from '../domain/lossless-json.ts';
import { statusFromMsgSyncCode } from '../domain/status.ts';
import { ErrorList, FieldReader, describeJsonType, isObject } from '../ingest/fields.ts';
import { firstSeenStatus, impliedSender, IngestValidationError, messageInput, type MessageInput, type StatusUpdateInput } from '../ingest/model.ts';
import { normaliseMsgSync } from '../ingest/msg-sync.ts';
import { normaliseClientSync } from '../ingest/client-sync.ts';
import { normaliseStatusSync } from '../ingest/status-sync.ts';
import { toExactDecimalString } from '../domain/lossless-json.ts';

/** The synthetic WhatsApp message id of a msgPage record that carries none. */
export function msgPageMessageId(recordId: string): string {
  return `msgpage:${recordId}`;
}

const CONTENT_CODES = '0 text, 1 image, 2 video, 3 audio, 4 file, 6 contact card, 7 sticker, 9 quote; 8, 10–15, 99 for client-only types';
const MAX_EPOCH_MS = 253_402_300_799_999;

/** One msgPage record → a message; `path` prefixes field names in errors (e.g. `records[3]`). */
export function messageFromMsgPageRecord(record: LosslessJsonValue, path = ''): MessageInput {
  const errors = new ErrorList();
  if (!isObject(record)) {
    throw new IngestValidationError([{ index: null, field: path || 'record', message: `must be an object, got ${describeJsonType(record)}` }]);
  }
  const r = new FieldReader(record, path, null, errors);
  const recordId = r.longId('id');
  const agentId = r.optionalId('userId');
  const agentAccount = r.optionalString('username', { max: 256 });
  const accountWhatsId = r.string('whatsId', { max: 256 });
  const direction = r.code('actionType', directionFromActionType, '1 sent, 2 received');
  const chatType = r.code('chatType', chatTypeFromCode, '1 private, 2 group');
  const content = r.string('content', { allowEmpty: true, max: 1_000_000, text: true });
  const contentType = r.code('contentType', contentTypeFromWrittenMsgPageCode, CONTENT_CODES);
  const friendWhatsId = r.string('friendWhatsId', { max: 256 });
  const friendName = r.optionalString('friendName', { max: 1024, text: true });
  const chatTimeMs = r.integer('chatTime', { min: 0, max: MAX_EPOCH_MS });
  const ownMessageId = r.optionalString('messageId', { max: 256 });
  const ownStatus = r.has('messageStatus') ? r.code('messageStatus', statusFromMsgSyncCode, '1 sent from the client, 2 sent, 3 delivered, 4 read') : null;
  if (!errors.empty) throw new IngestValidationError(errors.errors);

  const chatTime = new Date(chatTimeMs!);
  const fields = {
    whatsMessageId: ownMessageId ?? msgPageMessageId(recordId!),
    agentId: agentId === null ? null : (toExactDecimalString(agentId) ?? agentId),
    agentAccount,
    accountWhatsId: accountWhatsId!,
    friendWhatsId: friendWhatsId!,
    friendName,
    direction: direction!,
    chatType: chatType!,
    contentType: contentType!,
    legacyContentType: record.contentType as number,
    content: content!,
    status: ownStatus ?? firstSeenStatus(direction!),
    statusAt: chatTime,
    source: 'IMPORT',
    chatTime,
  } as const;
  return messageInput({ ...fields, senderWhatsId: impliedSender(fields) });
}

export type LineKind = 'msg-page-record' | 'msg-page-response' | 'msg-sync' | 'client-sync' | 'status';

/** What a JSON Lines line holds, by its shape; null when it is none of them. */
export function classifyLine(value: LosslessJsonValue): LineKind | null {
  if (Array.isArray(value)) {
    const first = value.find(isObject);
    if (!first) return value.length === 0 ? 'status' : null;
    if ('content' in first || 'friendWhatsApp' in first) return 'client-sync';
    if ('messageStatus' in first && 'messageId' in first) return 'status';
    return null;
  }
  if (!isObject(value)) return null;
  if (isObject(value.data) && Array.isArray(value.data.records)) return 'msg-page-response';
  if (Array.isArray(value.records)) return 'msg-page-response';
  if (Array.isArray(value.data)) return 'msg-sync';
  if ('chatTime' in value && 'friendWhatsId' in value) return 'msg-page-record';
  return null;
}

export interface LineBatch {
  kind: LineKind;
  messages: MessageInput[];
  statusUpdates: StatusUpdateInput[];
}

const SHAPES =
  'expected a msgPage record ({id, whatsId, friendWhatsId, chatTime, …}), a msgPage response ({data: {records: […]}}), a MSG_SYNC_MESSAGE body ({tenantId, timestamp, data: […]}), a CLIENT_SYNC_MESSAGE array ([{whatsApp, friendWhatsApp, content: […]}]) or a CLIENT_SYNC_MESSAGE_STATUS array ([{messageId, messageStatus}])';

/**
 * One line's content → messages or status updates for `tenantId`. Throws
 * IngestValidationError naming the field (e.g. `data[0].messageStatus`).
 * Everything imported is recorded with source IMPORT.
 */
export function normaliseLine(value: LosslessJsonValue, options: { tenantId: bigint; timeZone: string; receivedAt: Date }): LineBatch {
  const kind = classifyLine(value);
  switch (kind) {
    case 'msg-page-record':
      return { kind, messages: [messageFromMsgPageRecord(value)], statusUpdates: [] };
    case 'msg-page-response': {
      const obj = value as { [k: string]: LosslessJsonValue };
      const nested = isObject(obj.data) && Array.isArray(obj.data.records);
      const records = (nested ? (obj.data as { records: LosslessJsonValue[] }).records : obj.records) as LosslessJsonValue[];
      const prefix = nested ? 'data.records' : 'records';
      const messages: MessageInput[] = [];
      const errors: IngestValidationError['errors'] = [];
      records.forEach((record, i) => {
        try {
          messages.push(messageFromMsgPageRecord(record, `${prefix}[${i}]`));
        } catch (err) {
          if (!(err instanceof IngestValidationError)) throw err;
          errors.push(...err.errors);
        }
      });
      if (errors.length) throw new IngestValidationError(errors);
      return { kind, messages, statusUpdates: [] };
    }
    case 'msg-sync': {
      const body = value as { [k: string]: LosslessJsonValue };
      const given = body.tenantId;
      if (given !== undefined && given !== null && given !== '' && toExactDecimalString(given) !== options.tenantId.toString()) {
        throw new IngestValidationError([{ index: null, field: 'tenantId', message: `is ${String(given)}, not the tenant imported into (--tenant ${options.tenantId})` }]);
      }
      const timestamp = typeof body.timestamp === 'number' && Number.isSafeInteger(body.timestamp) && body.timestamp > 0 ? body.timestamp : options.receivedAt.getTime();
      const messages = normaliseMsgSync({ tenantId: options.tenantId, timestamp, accessToken: '', data: body.data as LosslessJsonValue[] }, options.timeZone);
      return { kind, messages: messages.map((m) => ({ ...m, source: 'IMPORT' })), statusUpdates: [] };
    }
    case 'client-sync':
      return { kind, messages: normaliseClientSync(value).map((m) => ({ ...m, source: 'IMPORT' })), statusUpdates: [] };
    case 'status':
      return { kind, messages: [], statusUpdates: normaliseStatusSync(value, options.receivedAt) };
    default:
      throw new IngestValidationError([{ index: null, field: 'line', message: `cannot tell what this is (${describeJsonType(value)}): ${SHAPES}` }]);
  }
}
