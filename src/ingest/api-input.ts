// The GraphQL mutations' input (already typed by the schema: enums, DateTime)
// normalised into the same shape as the webhooks', with the same checks.
import type { ChatType, Direction, Origin } from '../domain/codes.ts';
import { clientCodeOf, type ContentType } from '../domain/content-type.ts';
import type { MessageStatus } from '../domain/status.ts';
import { toExactDecimalString } from '../domain/lossless-json.ts';
import { bareWhatsId } from '../domain/whats-id.ts';
import { ErrorList, FieldReader, isObject } from './fields.ts';
import { IngestValidationError, messageInput, type ContactInput, type MessageInput, type StatusUpdateInput } from './model.ts';

export const API_MAX_ITEMS = 500;

/** As the schema types it: the profile's fields, tags and custom fields possibly null (given null: cleared). */
export type ApiContactInput = Omit<ContactInput, 'whatsIdBare' | 'tags' | 'customFields' | 'extendsMap'> & {
  tags?: string[] | null;
  customFields?: unknown;
};

export interface ApiMessageInput {
  accountWhatsId: string;
  whatsMessageId: string;
  friendWhatsId: string;
  friendName?: string | null;
  agentId?: string | null;
  agentAccount?: string | null;
  senderWhatsId?: string | null;
  direction: Direction;
  chatType: ChatType;
  contentType: ContentType;
  content: string;
  referContent?: string | null;
  status: MessageStatus;
  statusAt?: Date | null;
  origin?: Origin | null;
  taskId?: string | null;
  taskInfoId?: string | null;
  chatTime: Date;
  contact?: ApiContactInput | null;
}

export interface ApiStatusUpdateInput {
  whatsMessageId: string;
  status: MessageStatus;
  reachedAt?: Date | null;
  agentId?: string | null;
}

/** The profile's text fields and their longest values (as MSG_SYNC's userProfile). */
const PROFILE_TEXT = [
  ['name', 1024],
  ['ownerName', 1024],
  ['income', 1024],
  ['profession', 1024],
  ['description', 8192],
  ['email', 1024],
  ['address', 2048],
] as const;

function tooMany(count: number): never {
  throw new IngestValidationError([{ index: null, field: 'input', message: `at most ${API_MAX_ITEMS} items per call, got ${count}` }]);
}

export function normaliseApiMessages(items: readonly ApiMessageInput[], now = new Date()): MessageInput[] {
  if (items.length > API_MAX_ITEMS) tooMany(items.length);
  const errors = new ErrorList();
  const out: MessageInput[] = [];
  items.forEach((item, index) => {
    // Reuse the webhook checks (non-blank ids, lengths, NUL) on the string fields.
    const r = new FieldReader(item as never, `messages[${index}]`, index, errors);
    const before = errors.count;
    const accountWhatsId = r.string('accountWhatsId', { max: 256 });
    const whatsMessageId = r.string('whatsMessageId', { max: 256 });
    const friendWhatsId = r.string('friendWhatsId', { max: 256 });
    const content = r.string('content', { allowEmpty: true, max: 1_000_000, text: true });
    const referContent = r.optionalString('referContent', { max: 1_000_000, text: true });
    const friendName = r.optionalString('friendName', { max: 1024, text: true });
    const agentId = r.optionalString('agentId', { max: 256 });
    const agentAccount = r.optionalString('agentAccount', { max: 256 });
    const senderWhatsId = r.optionalString('senderWhatsId', { max: 256 });
    const taskId = r.optionalString('taskId', { max: 256 });
    const taskInfoId = r.optionalString('taskInfoId', { max: 256 });
    if (Number.isNaN(item.chatTime.getTime())) r.fail('chatTime', 'must be a valid instant');
    let contact: ContactInput | null = null;
    if (item.contact) {
      const given = item.contact as unknown as Record<string, unknown>;
      const c = new FieldReader(given as never, `messages[${index}].contact`, index, errors);
      const raw = c.string('externalId', { max: 32 });
      const externalId = raw === null ? null : toExactDecimalString(raw);
      if (raw !== null && externalId === null) c.fail('externalId', 'must be a decimal integer id');
      // Only the fields given are stored (a partial profile); null clears one.
      contact = { externalId: externalId ?? '' };
      for (const [field, max] of PROFILE_TEXT) {
        if (Object.hasOwn(given, field)) contact[field] = c.optionalString(field, { max, text: true });
      }
      if (Object.hasOwn(given, 'whatsId')) {
        contact.whatsId = c.optionalString('whatsId', { max: 256 });
        contact.whatsIdBare = contact.whatsId ? bareWhatsId(contact.whatsId) : null;
      }
      if (Object.hasOwn(given, 'tags')) contact.tags = c.stringArray('tags', { maxItems: 500 });
      if (Object.hasOwn(given, 'customFields')) {
        const customFields = item.contact.customFields ?? {};
        if (!isObject(customFields)) c.fail('customFields', 'must be a JSON object');
        contact.customFields = isObject(customFields) ? (customFields as Record<string, unknown>) : {};
        // The fields' order as given (jsonb keeps its own key order): read back by Contact.customFields.
        contact.extendsMap = JSON.stringify(contact.customFields);
      }
    }
    if (errors.count > before) return;
    out.push(
      messageInput({
        whatsMessageId: whatsMessageId!,
        agentId,
        agentAccount,
        accountWhatsId: accountWhatsId!,
        senderWhatsId,
        friendWhatsId: friendWhatsId!,
        friendName,
        direction: item.direction,
        chatType: item.chatType,
        contentType: item.contentType,
        legacyContentType: clientCodeOf(item.contentType),
        content: content!,
        referContent,
        status: item.status,
        statusAt: item.statusAt ?? now,
        origin: item.origin,
        taskId,
        taskInfoId,
        source: 'API',
        chatTime: item.chatTime,
        contact,
      }),
    );
  });
  if (!errors.empty) throw new IngestValidationError(errors.errors);
  return out;
}

export function normaliseApiStatusUpdates(items: readonly ApiStatusUpdateInput[], now = new Date()): StatusUpdateInput[] {
  if (items.length > API_MAX_ITEMS) tooMany(items.length);
  const errors = new ErrorList();
  const out: StatusUpdateInput[] = [];
  items.forEach((item, index) => {
    const r = new FieldReader(item as never, `updates[${index}]`, index, errors);
    const whatsMessageId = r.string('whatsMessageId', { max: 256 });
    const agentId = r.optionalString('agentId', { max: 256 });
    if (whatsMessageId === null) return;
    out.push({ whatsMessageId, status: item.status, reachedAt: item.reachedAt ?? now, agentId });
  });
  if (!errors.empty) throw new IngestValidationError(errors.errors);
  return out;
}
