// A message's content as it came (plain text, a JSON string, or vCard text,
// depending on its type) parsed into typed content. Parsing runs at ingest on
// whatever the CRM sends, so it never throws: anything it cannot read is kept
// as `raw`. The result is stored in a JSON column, so it holds only JSON values
// (strings, finite numbers, booleans, null, arrays, plain objects).
import { isContentType, type ContentType } from './content-type.ts';
import { parseVcards } from './vcard.ts';

/** A file attachment; every field null when absent. */
export interface MediaFields {
  filename: string | null;
  url: string | null;
  /** As given: a full MIME type ("image/png") or a bare kind ("audio", "document"). */
  mimeType: string | null;
  caption: string | null;
}

/** One phone line of a contact card: the number as written and its WhatsApp id (`waid`). */
export interface ContactPhone {
  number: string | null;
  whatsId: string | null;
}

/** One vCard. */
export interface ContactCard {
  name: string | null;
  businessName: string | null;
  phones: ContactPhone[];
}

/** The message a reply quotes, as far as the reply tells. */
export interface QuotedMessage {
  messageId: string | null;
  whatsId: string | null;
  /** The quoted message's `type` exactly as given (its numbering depends on the sender). */
  contentType: number | string | null;
  text: string | null;
  caption: string | null;
  filename: string | null;
  url: string | null;
  mimeType: string | null;
}

export interface TextContent {
  kind: 'text';
  text: string;
}

export interface MediaContent extends MediaFields {
  kind: 'media';
}

export interface ContactCardContent {
  kind: 'contactCard';
  cards: ContactCard[];
}

export interface QuoteContent {
  kind: 'quote';
  text: string | null;
  caption: string | null;
  /** The reply's own attachment, when it has one. */
  media: MediaFields | null;
  /** Null when the quoted message was not sent along. */
  quoted: QuotedMessage | null;
}

export interface CallContent {
  kind: 'call';
  video: boolean | null;
  /** As given by the sender (the legacy docs do not say the unit). */
  duration: number | null;
  caption: string | null;
}

export interface LocationContent {
  kind: 'location';
  latitude: number | null;
  longitude: number | null;
  name: string | null;
  address: string | null;
  url: string | null;
}

export interface UnsupportedContent {
  kind: 'unsupported';
  raw: string;
}

/** Content that could not be read as its type; `text` keeps plain (non-JSON) text searchable. */
export interface RawContent {
  kind: 'raw';
  raw: string;
  text: string | null;
}

/** A message's content, by `kind`. */
export type ParsedContent =
  | TextContent
  | MediaContent
  | ContactCardContent
  | QuoteContent
  | CallContent
  | LocationContent
  | UnsupportedContent
  | RawContent;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// JSON.parse without throwing; undefined means "not JSON". A JSON string that
// itself holds a JSON object (double-encoded) is unwrapped once.
function tryJson(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'string' && /^\s*\{/.test(value)) {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    }
    return value;
  } catch {
    return undefined;
  }
}

function jsonObject(text: string): JsonObject | null {
  const value = tryJson(text);
  return isObject(value) ? value : null;
}

// A string field; numbers and booleans are written out, empty means absent.
function str(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value);
  return null;
}

function firstStr(obj: JsonObject, ...keys: string[]): string | null {
  for (const key of keys) {
    const s = str(obj[key]);
    if (s !== null) return s;
  }
  return null;
}

// The legacy Java side writes a missing file name as the string "null".
function filenameOf(obj: JsonObject): string | null {
  const s = firstStr(obj, 'filename', 'fileName');
  return s === 'null' ? null : s;
}

function mediaFieldsOf(obj: JsonObject): MediaFields {
  return {
    filename: filenameOf(obj),
    url: firstStr(obj, 'url'),
    // The seed spells it both ways.
    mimeType: firstStr(obj, 'mimeType', 'mimetype'),
    caption: firstStr(obj, 'caption'),
  };
}

function finiteNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return null;
}

// Not JSON and not an attempt at it: worth keeping as searchable text.
function plainTextOf(raw: string): string | null {
  const trimmed = raw.trim();
  if (trimmed === '' || trimmed.startsWith('{') || trimmed.startsWith('[')) return null;
  return tryJson(trimmed) === undefined ? raw : null;
}

function rawContent(raw: string): RawContent {
  return { kind: 'raw', raw, text: plainTextOf(raw) };
}

// ---------------------------------------------------------------- vCard (parsed in vcard.ts)

const HAS_VCARD = /BEGIN:VCARD/i;

// vCard text found in the content itself or, when the content is JSON, in any of
// its string values (a client may wrap the card: {"caption":"BEGIN:VCARD…"}).
function vcardTexts(raw: string): string[] {
  if (!HAS_VCARD.test(raw)) return [];
  const value = tryJson(raw);
  if (value === undefined || typeof value === 'string') return [typeof value === 'string' ? value : raw];
  const found: string[] = [];
  const visit = (v: unknown, depth: number): void => {
    if (depth > 8) return;
    if (typeof v === 'string') {
      if (HAS_VCARD.test(v)) found.push(v);
    } else if (Array.isArray(v)) {
      for (const item of v) visit(item, depth + 1);
    } else if (isObject(v)) {
      for (const item of Object.values(v)) visit(item, depth + 1);
    }
  };
  visit(value, 0);
  return found;
}

function parseContactCards(raw: string): ParsedContent {
  const cards = vcardTexts(raw).flatMap(parseVcards);
  return cards.length > 0 ? { kind: 'contactCard', cards } : rawContent(raw);
}

// ---------------------------------------------------------------- quote

function quotedOf(value: unknown): QuotedMessage | null {
  let obj: JsonObject | null = null;
  if (isObject(value)) obj = value;
  else if (typeof value === 'string') {
    obj = jsonObject(value);
    // Not JSON: all we know of the quoted message is its text.
    if (!obj) {
      const text = plainTextOf(value);
      return text === null ? null : { ...emptyQuoted(), text };
    }
  }
  if (!obj) return null;
  const type = obj['type'];
  return {
    messageId: firstStr(obj, 'msgId', 'messageId'),
    whatsId: firstStr(obj, 'whatsId', 'whatsApp'),
    contentType:
      (typeof type === 'number' && Number.isFinite(type)) || (typeof type === 'string' && type !== '') ? type : null,
    text: firstStr(obj, 'text'),
    ...mediaFieldsOf(obj),
  };
}

function emptyQuoted(): QuotedMessage {
  return {
    messageId: null,
    whatsId: null,
    contentType: null,
    text: null,
    caption: null,
    filename: null,
    url: null,
    mimeType: null,
  };
}

function parseQuote(raw: string, referContent: string | null | undefined): ParsedContent {
  const reply = jsonObject(raw);
  // CLIENT_SYNC sends the quoted message beside the content; msgPage embeds it.
  const quoted = quotedOf(referContent) ?? (reply ? quotedOf(reply['referContent']) : null);
  if (!reply) {
    // A plain-text reply is still a reply when we know what it quotes.
    const text = plainTextOf(raw);
    return quoted ? { kind: 'quote', text, caption: null, media: null, quoted } : rawContent(raw);
  }
  const fields = mediaFieldsOf(reply);
  return {
    kind: 'quote',
    text: firstStr(reply, 'text'),
    caption: fields.caption,
    media: fields.url !== null || fields.filename !== null ? fields : null,
    quoted,
  };
}

// ---------------------------------------------------------------- call, location

function parseCall(raw: string): ParsedContent {
  const obj = jsonObject(raw);
  if (!obj) return rawContent(raw);
  const flag = obj['video'] ?? obj['isVideo'] ?? obj['isVideoCall'] ?? obj['videoCall'];
  return {
    kind: 'call',
    video: typeof flag === 'boolean' ? flag : null,
    duration: finiteNumber(obj['duration'] ?? obj['callDuration']),
    caption: firstStr(obj, 'caption', 'text'),
  };
}

function parseLocation(raw: string): ParsedContent {
  const obj = jsonObject(raw);
  if (!obj) return rawContent(raw);
  return {
    kind: 'location',
    latitude: finiteNumber(obj['latitude'] ?? obj['lat']),
    longitude: finiteNumber(obj['longitude'] ?? obj['lng'] ?? obj['lon']),
    name: firstStr(obj, 'name', 'caption'),
    address: firstStr(obj, 'address'),
    url: firstStr(obj, 'url'),
  };
}

// ---------------------------------------------------------------- entry points

function parseMedia(raw: string): ParsedContent {
  const obj = jsonObject(raw);
  return obj ? { kind: 'media', ...mediaFieldsOf(obj) } : rawContent(raw);
}

function parse(type: ContentType, raw: string, referContent: string | null | undefined): ParsedContent {
  switch (type) {
    case 'TEXT':
      return { kind: 'text', text: raw };
    case 'IMAGE':
    case 'VIDEO':
    case 'AUDIO':
    case 'FILE':
    case 'STICKER':
    case 'VOICE_NOTE':
    case 'GIF':
    // Links come in the same {filename, url, mimeType, caption} object as files.
    case 'CARD_LINK':
    case 'DIVERT_LINK':
      return parseMedia(raw);
    case 'CONTACT_CARD':
    case 'CONTACT_CARDS':
      return parseContactCards(raw);
    case 'QUOTE':
      return parseQuote(raw, referContent);
    case 'CALL':
      return parseCall(raw);
    case 'LOCATION':
      return parseLocation(raw);
    case 'UNSUPPORTED':
      return { kind: 'unsupported', raw };
  }
}

/**
 * A message's content read as its type. `raw` is the content string as it came
 * (msgPage / MSG_SYNC `content`, or CLIENT_SYNC's `text` / `url`); `referContent`
 * is CLIENT_SYNC's separate quoted message. Never throws.
 */
export function parseContent(type: ContentType, raw: string | null | undefined, referContent?: string | null): ParsedContent {
  const text = typeof raw === 'string' ? raw : '';
  try {
    if (!isContentType(type)) return rawContent(text);
    return parse(type, text, typeof referContent === 'string' ? referContent : null);
  } catch {
    // Defence in depth: nothing above should throw, but ingest must not fail on content.
    return { kind: 'raw', raw: text, text: null };
  }
}

/**
 * The words a message can be found by: its text, captions, contact names and
 * place names, joined by spaces. A quote's quoted message is left out: it is
 * another message, found by its own text.
 */
export function searchTextOf(parsed: ParsedContent): string {
  const parts: (string | null)[] = [];
  switch (parsed.kind) {
    case 'text':
      parts.push(parsed.text);
      break;
    case 'media':
      parts.push(parsed.caption);
      break;
    case 'contactCard':
      for (const card of parsed.cards) parts.push(card.name, card.businessName);
      break;
    case 'quote':
      parts.push(parsed.text, parsed.caption);
      break;
    case 'call':
      parts.push(parsed.caption);
      break;
    case 'location':
      parts.push(parsed.name, parsed.address);
      break;
    case 'raw':
      parts.push(parsed.text);
      break;
    case 'unsupported':
      break;
  }
  const seen = new Set<string>();
  const words: string[] = [];
  for (const part of parts) {
    const t = part?.trim();
    if (t && !seen.has(t)) {
      seen.add(t);
      words.push(t);
    }
  }
  return words.join(' ');
}
