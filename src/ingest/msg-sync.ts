// MSG_SYNC_MESSAGE: `{ accessToken, tenantId, timestamp, data: [ …0 to 50 messages ] }`.
// The same message is pushed again whenever its status changes, so this
// webhook is both insert and status update.
import { chatTypeFromCode, directionFromActionType, originFromCode } from '../domain/codes.ts';
import { contentTypeFromWrittenMsgPageCode } from '../domain/content-type.ts';
import { parseLocalDateTime } from '../domain/local-time.ts';
import type { LosslessJsonValue } from '../domain/lossless-json.ts';
import { statusFromMsgSyncCode } from '../domain/status.ts';
import { bareWhatsId } from '../domain/whats-id.ts';
import { ErrorList, FieldReader, describeJsonType, isObject } from './fields.ts';
import { IngestValidationError, messageInput, type ContactInput, type MessageInput } from './model.ts';

export const MSG_SYNC_MAX_ITEMS = 50;

export interface MsgSyncEnvelope {
  tenantId: bigint;
  timestamp: number;
  accessToken: string;
  data: LosslessJsonValue[];
}

/** The envelope fields, checked before authentication (so only signed callers see item-level errors). */
export function readMsgSyncEnvelope(body: LosslessJsonValue): MsgSyncEnvelope {
  const errors = new ErrorList();
  if (!isObject(body)) {
    throw new IngestValidationError([{ index: null, field: 'body', message: `must be a JSON object, got ${describeJsonType(body)}` }]);
  }
  const r = new FieldReader(body, '', null, errors);
  const accessToken = r.string('accessToken', { max: 256 });
  const tenantId = r.longId('tenantId');
  const timestamp = r.integer('timestamp', { min: 0 });
  const data = body.data;
  if (data === undefined || data === null) r.fail('data', 'is required');
  else if (!Array.isArray(data)) r.fail('data', `must be an array, got ${describeJsonType(data)}`);
  else if (data.length > MSG_SYNC_MAX_ITEMS) r.fail('data', `must have at most ${MSG_SYNC_MAX_ITEMS} items, got ${data.length}`);
  if (!errors.empty) throw new IngestValidationError(errors.errors);
  return { tenantId: BigInt(tenantId!), timestamp: timestamp!, accessToken: accessToken!, data: data as LosslessJsonValue[] };
}

function readContact(p: FieldReader): ContactInput | null {
  const externalId = p.longId('id');
  const whatsId = p.optionalString('whatsApp', { max: 256 });
  const extendsMap = p.optionalString('extendsMap', { text: true });
  let customFields: Record<string, unknown> = {};
  if (extendsMap) {
    try {
      const parsed: unknown = JSON.parse(extendsMap);
      if (isObject(parsed)) customFields = parsed;
      else p.fail('extendsMap', 'must be a JSON string of an object');
    } catch {
      p.fail('extendsMap', 'must be a JSON string of an object (it does not parse as JSON)');
    }
  }
  const contact: ContactInput = {
    externalId: externalId ?? '',
    name: p.optionalString('name', { max: 1024, text: true }),
    whatsId,
    whatsIdBare: whatsId ? bareWhatsId(whatsId) : null,
    ownerName: p.optionalString('username', { max: 1024, text: true }),
    income: p.optionalString('income', { max: 1024, text: true }),
    profession: p.optionalString('profession', { max: 1024, text: true }),
    description: p.optionalString('desc', { max: 8192, text: true }),
    email: p.optionalString('email', { max: 1024, text: true }),
    address: p.optionalString('address', { max: 2048, text: true }),
    tags: p.stringArray('tags', { maxItems: 500 }),
    customFields,
    extendsMap,
  };
  return externalId === null ? null : contact;
}

/** Validates and normalises every item; throws IngestValidationError naming each bad item and field. */
export function normaliseMsgSync(envelope: MsgSyncEnvelope, timeZone: string): MessageInput[] {
  const errors = new ErrorList();
  const statusAt = new Date(envelope.timestamp);
  const messages: MessageInput[] = [];
  envelope.data.forEach((item, index) => {
    const path = `data[${index}]`;
    if (!isObject(item)) {
      errors.add(index, path, `must be an object, got ${describeJsonType(item)}`);
      return;
    }
    const r = new FieldReader(item, path, index, errors);
    const before = errors.count;
    const syncId = r.string('id', { max: 128 });
    const whatsMessageId = r.string('messageId', { max: 256 });
    const agentAccount = r.string('userName', { max: 256 });
    const senderWhatsId = r.string('whatsId', { max: 256 });
    const friendWhatsId = r.string('friendWhatsId', { max: 256 });
    const accountWhatsId = r.string('currentWhatsId', { max: 256 });
    const direction = r.code('actionType', directionFromActionType, '1 sent, 2 received');
    const chatType = r.code('chatType', chatTypeFromCode, '1 private, 2 group');
    const status = r.code('messageStatus', statusFromMsgSyncCode, '1 sent from the client, 2 sent, 3 delivered, 4 read');
    const content = r.string('content', { allowEmpty: true, max: 1_000_000, text: true });
    const contentType = r.code('contentType', contentTypeFromWrittenMsgPageCode, '0 text, 1 image, 2 video, 3 audio, 4 file, 6 contact card, 7 sticker, 9 quote');
    const sendTimeText = r.string('sendTime', { max: 64 });
    const chatTime = sendTimeText === null ? null : parseLocalDateTime(sendTimeText, timeZone);
    if (sendTimeText !== null && chatTime === null) r.fail('sendTime', `must be a local time "YYYY-MM-DD HH:mm:ss", got "${sendTimeText.slice(0, 64)}"`);
    const origin = r.code('originType', originFromCode, '1 pc, 2 app, 3 web');
    const profile = r.object_('userProfile');
    const contact = profile ? readContact(profile) : null;
    const taskId = r.optionalId('taskId');
    const taskInfoId = r.optionalId('taskInfoId');
    if (errors.count > before) return;

    messages.push(
      messageInput({
        whatsMessageId: whatsMessageId!,
        syncId,
        agentAccount,
        accountWhatsId: accountWhatsId!,
        senderWhatsId,
        friendWhatsId: friendWhatsId!,
        // The profile is the friend's: it names a one-to-one friend, not a group.
        friendName: chatType === 'PRIVATE' ? (contact?.name ?? null) : null,
        direction: direction!,
        chatType: chatType!,
        contentType: contentType!,
        legacyContentType: item.contentType as number,
        content: content!,
        status: status!,
        // PENDING ("sent, from the client") is reached when the message is
        // written: its chat time, as CLIENT_SYNC has it (one meaning of
        // pendingAt). A later status was reached by the time of this delivery.
        statusAt: status === 'PENDING' ? chatTime! : statusAt,
        origin,
        taskId,
        taskInfoId,
        source: 'MSG_SYNC',
        chatTime: chatTime!,
        contact,
      }),
    );
  });
  if (!errors.empty) throw new IngestValidationError(errors.errors);
  return messages;
}
