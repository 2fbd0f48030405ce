// One status scale for both webhooks. A status only moves forward: webhooks are
// at-least-once and unordered, so a late DELIVERED must never undo READ.
import { MessageStatus as DatabaseStatuses } from '../generated/prisma/enums.ts';

export type MessageStatus = (typeof DatabaseStatuses)[keyof typeof DatabaseStatuses];

/**
 * The unified statuses, lowest first: the order of the database enum
 * (prisma/schema.prisma), on which the store function's GREATEST and max()
 * rely: one order for both.
 */
export const MESSAGE_STATUSES: readonly MessageStatus[] = Object.values(DatabaseStatuses);

/** Position on the scale: PENDING 0 … READ 3. */
export function statusRank(status: MessageStatus): number {
  return MESSAGE_STATUSES.indexOf(status);
}

// Both webhooks use 1–4 for the same four steps, in order. MSG_SYNC_MESSAGE
// calls its 1 "sent (from the client)": the client has it but WhatsApp's
// server does not yet, which is CLIENT_SYNC_MESSAGE_STATUS's 1 — so both map
// 1 to PENDING. MSG_SYNC documents only 1, 3 and 4; its 2 is taken to mean
// what the other says.
function decode(code: unknown): MessageStatus | null {
  let n: number | null = null;
  if (typeof code === 'number' && Number.isInteger(code)) n = code;
  else if (typeof code === 'string' && /^\d{1,9}$/.test(code)) n = Number(code);
  return n !== null && n >= 1 ? (MESSAGE_STATUSES[n - 1] ?? null) : null;
}

/** MSG_SYNC_MESSAGE messageStatus → unified status; null for an unknown code. */
export function statusFromMsgSyncCode(code: unknown): MessageStatus | null {
  return decode(code);
}

/** CLIENT_SYNC_MESSAGE_STATUS messageStatus → unified status; null for an unknown code. */
export function statusFromClientCode(code: unknown): MessageStatus | null {
  return decode(code);
}

/** The further along of two statuses. */
export function higherStatus(a: MessageStatus, b: MessageStatus): MessageStatus {
  return statusRank(b) > statusRank(a) ? b : a;
}

/** retrievePastRecords' contReadState: "1" once read, else "0" (a string, as the legacy API sends it). */
export function contReadStateOf(status: MessageStatus): '0' | '1' {
  return status === 'READ' ? '1' : '0';
}
