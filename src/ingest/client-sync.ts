// CLIENT_SYNC_MESSAGE: a bare array of `{ userId, whatsApp, friendWhatsApp,
// actionType, chatType, taskId, taskInfoId, content: [ …items ] }`; each
// content item is one message, numbered with the client's content codes.
import { chatTypeFromCode, directionFromActionType } from '../domain/codes.ts';
import { contentTypeFromClientCode } from '../domain/content-type.ts';
import type { LosslessJsonValue } from '../domain/lossless-json.ts';
import { ErrorList, FieldReader, describeJsonType, isObject } from './fields.ts';
import { firstSeenStatus, impliedSender, IngestValidationError, messageInput, type MessageInput } from './model.ts';

export const CLIENT_SYNC_MAX_MESSAGES = 500;

const CLIENT_CODES = '1 text, 2 image, 3 audio, 4 file, 5 video, 6 contact card, 7 sticker, 8 call, 9 quote, 10 card link, 11 divert link, 12 voice, 13 location, 14 contact cards, 15 GIF, 99 unsupported';
// Epoch milliseconds between 2000 and 2200: anything else is a unit mistake.
const MIN_TIME = 946_684_800_000;
const MAX_TIME = 7_258_118_400_000;

export function normaliseClientSync(body: LosslessJsonValue): MessageInput[] {
  if (!Array.isArray(body)) {
    throw new IngestValidationError([{ index: null, field: 'body', message: `must be a JSON array of messages, got ${describeJsonType(body)}` }]);
  }
  const errors = new ErrorList();
  const messages: MessageInput[] = [];
  body.forEach((item, index) => {
    const path = `[${index}]`;
    if (!isObject(item)) {
      errors.add(index, path, `must be an object, got ${describeJsonType(item)}`);
      return;
    }
    const r = new FieldReader(item, path, index, errors);
    const before = errors.count;
    const agentId = r.optionalId('userId');
    const accountWhatsId = r.string('whatsApp', { max: 256 });
    const friendWhatsId = r.string('friendWhatsApp', { max: 256 });
    const direction = r.code('actionType', directionFromActionType, '1 sent, 2 received');
    const chatType = r.code('chatType', chatTypeFromCode, '1 private, 2 group');
    const taskId = r.optionalId('taskId');
    const taskInfoId = r.optionalId('taskInfoId');
    const content = item.content;
    if (content === undefined || content === null) r.fail('content', 'is required');
    else if (!Array.isArray(content)) r.fail('content', `must be an array, got ${describeJsonType(content)}`);
    else if (content.length === 0) r.fail('content', 'must have at least one item');
    if (errors.count > before) return;

    (content as LosslessJsonValue[]).forEach((entry, i) => {
      const entryPath = `${path}.content[${i}]`;
      if (!isObject(entry)) {
        errors.add(index, entryPath, `must be an object, got ${describeJsonType(entry)}`);
        return;
      }
      const c = new FieldReader(entry, entryPath, index, errors);
      const mark = errors.count;
      const contentType = c.code('type', contentTypeFromClientCode, CLIENT_CODES);
      const text = c.optionalString('text', { max: 1_000_000, text: true });
      const url = c.optionalString('url', { max: 1_000_000, text: true });
      const whatsMessageId = c.string('messageId', { max: 256 });
      const time = c.integer('time', { min: MIN_TIME, max: MAX_TIME });
      const referContent = c.optionalString('referContent', { max: 1_000_000, text: true });
      if (errors.count > mark) return;
      // Text travels in `text`; every other type's object is the JSON string in `url`.
      const raw = contentType === 'TEXT' ? (text ?? '') : (url ?? text ?? '');
      const chatTime = new Date(time!);
      const fields = {
        whatsMessageId: whatsMessageId!,
        agentId,
        accountWhatsId: accountWhatsId!,
        friendWhatsId: friendWhatsId!,
        direction: direction!,
        chatType: chatType!,
        contentType: contentType!,
        legacyContentType: entry.type as number,
        content: raw,
        referContent,
        status: firstSeenStatus(direction!),
        statusAt: chatTime,
        taskId,
        taskInfoId,
        source: 'CLIENT_SYNC',
        chatTime,
      } as const;
      messages.push(messageInput({ ...fields, senderWhatsId: impliedSender(fields) }));
    });
  });
  if (errors.empty && messages.length > CLIENT_SYNC_MAX_MESSAGES) {
    errors.add(null, 'body', `must carry at most ${CLIENT_SYNC_MAX_MESSAGES} messages, got ${messages.length}`);
  }
  if (!errors.empty) throw new IngestValidationError(errors.errors);
  return messages;
}
