// CLIENT_SYNC_MESSAGE_STATUS: a bare array of `{ userId, taskId, taskInfoId,
// messageStatus, messageId }`. Statuses carry no time: the time of receipt is
// the time the status was reached.
import type { LosslessJsonValue } from '../domain/lossless-json.ts';
import { statusFromClientCode } from '../domain/status.ts';
import { ErrorList, FieldReader, describeJsonType, isObject } from './fields.ts';
import { IngestValidationError, type StatusUpdateInput } from './model.ts';

export const STATUS_SYNC_MAX_ITEMS = 1000;

export function normaliseStatusSync(body: LosslessJsonValue, receivedAt: Date): StatusUpdateInput[] {
  if (!Array.isArray(body)) {
    throw new IngestValidationError([{ index: null, field: 'body', message: `must be a JSON array of status updates, got ${describeJsonType(body)}` }]);
  }
  if (body.length > STATUS_SYNC_MAX_ITEMS) {
    throw new IngestValidationError([{ index: null, field: 'body', message: `must have at most ${STATUS_SYNC_MAX_ITEMS} items, got ${body.length}` }]);
  }
  const errors = new ErrorList();
  const updates: StatusUpdateInput[] = [];
  body.forEach((item, index) => {
    const path = `[${index}]`;
    if (!isObject(item)) {
      errors.add(index, path, `must be an object, got ${describeJsonType(item)}`);
      return;
    }
    const r = new FieldReader(item, path, index, errors);
    const before = errors.count;
    if (!r.has('userId')) r.fail('userId', 'is required');
    const agentId = r.optionalId('userId');
    r.optionalId('taskId');
    r.optionalId('taskInfoId');
    const status = r.code('messageStatus', statusFromClientCode, '1 not yet on the WhatsApp server, 2 sent, 3 delivered, 4 read');
    const whatsMessageId = r.string('messageId', { max: 256 });
    if (errors.count > before) return;
    updates.push({ whatsMessageId: whatsMessageId!, status: status!, reachedAt: receivedAt, agentId });
  });
  if (!errors.empty) throw new IngestValidationError(errors.errors);
  return updates;
}
