// A batch as the store sees it: deliveries of the same message merged into
// one (highest status, earliest time of each status), in a fixed order so
// that concurrent batches lock rows in the same order.
import { higherStatus, type MessageStatus } from '../domain/status.ts';
import type { MessageInput } from './model.ts';

export type StatusTimes = Partial<Record<MessageStatus, Date>>;

/** A message of the batch, merged with its duplicates in the batch. */
export interface MergedMessage {
  input: MessageInput;
  status: MessageStatus;
  times: StatusTimes;
}

function earlier(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a <= b ? a : b;
}

function mergeTimes(into: StatusTimes, status: MessageStatus, at: Date): void {
  into[status] = earlier(into[status], at);
}

/** Duplicates in one batch (the same message pushed twice) become one row: highest status, earliest times. */
export function mergeBatch(messages: readonly MessageInput[]): MergedMessage[] {
  const byKey = new Map<string, MergedMessage>();
  for (const input of messages) {
    const key = messageKey(input);
    const seen = byKey.get(key);
    if (!seen) {
      const merged: MergedMessage = { input, status: input.status, times: {} };
      mergeTimes(merged.times, input.status, input.statusAt);
      byKey.set(key, merged);
    } else {
      seen.status = higherStatus(seen.status, input.status);
      mergeTimes(seen.times, input.status, input.statusAt);
    }
  }
  return [...byKey.values()].sort(compareMerged);
}

/** The order rows are written (and locked) in: by account, then WhatsApp message id. */
export function compareMerged(a: MergedMessage, b: MergedMessage): number {
  return a.input.accountWhatsIdBare === b.input.accountWhatsIdBare
    ? compare(a.input.whatsMessageId, b.input.whatsMessageId)
    : compare(a.input.accountWhatsIdBare, b.input.accountWhatsIdBare);
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A message's identity within its tenant: (account, WhatsApp message id). */
export function messageKey(m: { accountWhatsIdBare: string; whatsMessageId: string }): string {
  return `${m.accountWhatsIdBare}\u0000${m.whatsMessageId}`;
}
