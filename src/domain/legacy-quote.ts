// msgPage's content for a quote (code 9): the reply as a JSON string with the
// quoted message embedded as `referContent` — the shape of msgPage's own
// example. MSG_SYNC brings it so; CLIENT_SYNC sends the quoted message beside
// the content (its own `referContent`, keyed `whatsApp` / `messageId` where
// msgPage writes `whatsId` / `msgId`), joined here. Numbers stay exact.
import { parseJsonLossless, stringifyJson, type LosslessJsonValue } from './lossless-json.ts';

type JsonObject = { [key: string]: LosslessJsonValue };

function objectOf(text: string): JsonObject | null {
  try {
    const value = parseJsonLossless(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : null;
  } catch {
    return null;
  }
}

/** CLIENT_SYNC's names → msgPage's. */
const RENAMED: Record<string, string> = { whatsApp: 'whatsId', messageId: 'msgId' };

/**
 * The msgPage content of a quote: `raw` unchanged when it already embeds its
 * quoted message or when there is none to embed; else the reply (its JSON
 * object, or `{"caption": raw}` for a plain-text reply) with `referContent`
 * (the quoted message's JSON object with msgPage's key names, or the string
 * as it came when it is not JSON).
 */
export function msgPageQuoteContent(raw: string, referContent: string | null): string {
  if (referContent === null || referContent === '') return raw;
  const reply = objectOf(raw);
  if (reply && 'referContent' in reply) return raw;
  const quotedObject = objectOf(referContent);
  const quoted: LosslessJsonValue = quotedObject
    ? Object.fromEntries(Object.entries(quotedObject).map(([k, v]) => [RENAMED[k] && !(RENAMED[k]! in quotedObject) ? RENAMED[k]! : k, v]))
    : referContent;
  return stringifyJson({ ...(reply ?? { caption: raw }), referContent: quoted });
}
