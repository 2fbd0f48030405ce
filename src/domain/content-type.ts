// The unified content type and the two legacy numberings that map onto it.
// msgPage (and MSG_SYNC_MESSAGE) number types one way, the client webhooks
// (CLIENT_SYNC_MESSAGE) another; each legacy endpoint writes back its own.

/** Every unified content type, in the Prisma enum's order. */
export const CONTENT_TYPES = [
  'TEXT',
  'IMAGE',
  'VIDEO',
  'AUDIO',
  'FILE',
  'CONTACT_CARD',
  'STICKER',
  'CALL',
  'QUOTE',
  'CARD_LINK',
  'DIVERT_LINK',
  'VOICE_NOTE',
  'LOCATION',
  'CONTACT_CARDS',
  'GIF',
  'UNSUPPORTED',
] as const;

export type ContentType = (typeof CONTENT_TYPES)[number];

// msgPage has no 5 or 8: those gaps are real, not typos.
const MSG_PAGE_CODES: ReadonlyMap<number, ContentType> = new Map<number, ContentType>([
  [0, 'TEXT'],
  [1, 'IMAGE'],
  [2, 'VIDEO'],
  [3, 'AUDIO'],
  [4, 'FILE'],
  [6, 'CONTACT_CARD'],
  [7, 'STICKER'],
  [9, 'QUOTE'],
]);

// Client numbering: note VIDEO is 5 and AUDIO 3 here, unlike msgPage.
const CLIENT_CODES: ReadonlyMap<number, ContentType> = new Map<number, ContentType>([
  [1, 'TEXT'],
  [2, 'IMAGE'],
  [3, 'AUDIO'],
  [4, 'FILE'],
  [5, 'VIDEO'],
  [6, 'CONTACT_CARD'],
  [7, 'STICKER'],
  [8, 'CALL'],
  [9, 'QUOTE'],
  [10, 'CARD_LINK'],
  [11, 'DIVERT_LINK'],
  [12, 'VOICE_NOTE'],
  [13, 'LOCATION'],
  [14, 'CONTACT_CARDS'],
  [15, 'GIF'],
  [99, 'UNSUPPORTED'],
]);

function invert(codes: ReadonlyMap<number, ContentType>): ReadonlyMap<ContentType, number> {
  return new Map([...codes].map(([code, type]) => [type, code] as const));
}
const MSG_PAGE_BY_TYPE = invert(MSG_PAGE_CODES);
const CLIENT_BY_TYPE = invert(CLIENT_CODES);

// Codes come from JSON (possibly as numeric strings, e.g. msgPage's info.contentType),
// so accept an integer or a string of digits and nothing looser ("1.0", " 1", true).
function toCode(code: unknown): number | null {
  if (typeof code === 'number') return Number.isInteger(code) ? code : null;
  if (typeof code === 'string' && /^-?\d{1,9}$/.test(code)) return Number(code);
  return null;
}

/** True when the value is one of the unified content type names. */
export function isContentType(value: unknown): value is ContentType {
  return typeof value === 'string' && (CONTENT_TYPES as readonly string[]).includes(value);
}

/** msgPage / MSG_SYNC_MESSAGE code → unified type; null for a code msgPage does not define. */
export function contentTypeFromMsgPageCode(code: unknown): ContentType | null {
  const n = toCode(code);
  return n === null ? null : (MSG_PAGE_CODES.get(n) ?? null);
}

/** CLIENT_SYNC_MESSAGE code → unified type; null for a code the client does not define. */
export function contentTypeFromClientCode(code: unknown): ContentType | null {
  const n = toCode(code);
  return n === null ? null : (CLIENT_CODES.get(n) ?? null);
}

/**
 * A code as msgPage (and MSG_SYNC_MESSAGE) writes it → unified type: its own
 * codes, and the client code of a type it has none for (8 call, 10–15, 99):
 * the inverse of msgPageCodeOf. 5 (the client's video, msgPage's 2) is none.
 */
export function contentTypeFromWrittenMsgPageCode(code: unknown): ContentType | null {
  const own = contentTypeFromMsgPageCode(code);
  if (own) return own;
  const type = contentTypeFromClientCode(code);
  return type && !MSG_PAGE_BY_TYPE.has(type) ? type : null;
}

/** Unified type → msgPage code; types msgPage cannot name are written with their client code. */
export function msgPageCodeOf(type: ContentType): number {
  // Every type has a client code, so the fallback always exists.
  return MSG_PAGE_BY_TYPE.get(type) ?? CLIENT_BY_TYPE.get(type) ?? 99;
}

/** Unified type → client code. */
export function clientCodeOf(type: ContentType): number {
  return CLIENT_BY_TYPE.get(type) ?? 99;
}
