// The small legacy integer codes shared by every endpoint: who sent a message
// (actionType), what kind of chat (chatType), and which client (originType).

/** Who sent a message: the agent (OUTBOUND) or the friend (INBOUND). */
export const DIRECTIONS = ['OUTBOUND', 'INBOUND'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** One-to-one or group chat. */
export const CHAT_TYPES = ['PRIVATE', 'GROUP'] as const;
export type ChatType = (typeof CHAT_TYPES)[number];

/** Which client the agent used (MSG_SYNC_MESSAGE's originType). */
export const ORIGINS = ['PC', 'APP', 'WEB'] as const;
export type Origin = (typeof ORIGINS)[number];

// All three tables number their members from 1 in declaration order.
function decode<T extends string>(values: readonly T[], code: unknown): T | null {
  let n: number | null = null;
  if (typeof code === 'number' && Number.isInteger(code)) n = code;
  else if (typeof code === 'string' && /^\d{1,9}$/.test(code)) n = Number(code);
  if (n === null || n < 1) return null;
  return values[n - 1] ?? null;
}

function encode<T extends string>(values: readonly T[], value: T): number {
  return values.indexOf(value) + 1;
}

/** actionType → direction: 1 sent by the agent (OUTBOUND), 2 received (INBOUND); else null. */
export function directionFromActionType(code: unknown): Direction | null {
  return decode(DIRECTIONS, code);
}

/** Direction → actionType (1 OUTBOUND, 2 INBOUND). */
export function actionTypeOf(direction: Direction): 1 | 2 {
  return encode(DIRECTIONS, direction) as 1 | 2;
}

/** chatType → 1 PRIVATE, 2 GROUP; else null. */
export function chatTypeFromCode(code: unknown): ChatType | null {
  return decode(CHAT_TYPES, code);
}

/** ChatType → chatType code (1 PRIVATE, 2 GROUP). */
export function chatTypeCodeOf(chatType: ChatType): 1 | 2 {
  return encode(CHAT_TYPES, chatType) as 1 | 2;
}

/** originType → 1 PC, 2 APP, 3 WEB; else null. */
export function originFromCode(code: unknown): Origin | null {
  return decode(ORIGINS, code);
}

/** retrievePastRecords' sender: 1 when the contact sent it (INBOUND), 0 when the agent did. */
export function senderCodeOf(direction: Direction): 0 | 1 {
  return direction === 'INBOUND' ? 1 : 0;
}

