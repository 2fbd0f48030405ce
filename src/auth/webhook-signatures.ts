// Webhook authentication.
//
// MSG_SYNC_MESSAGE carries `accessToken` = lowercase hex of
//   HMAC-SHA256(key = the tenant's webhook secret, message = "<tenantId>:<timestamp>")
// with tenantId and timestamp written as the decimal digits sent in the body
// (e.g. "1238:1667295870936"); `timestamp` must be within ±300 s of our clock.
//
// The array webhooks (no tenant in the body) may instead of an ingest key send
//   X-Chatgraph-Tenant: <tenantId>
//   X-Chatgraph-Timestamp: <epoch ms>
//   X-Chatgraph-Signature: sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<raw body>")>
// the Stripe/Meta convention, so a replayed body with an old timestamp fails.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_TOLERANCE_MS = 300_000;

export function msgSyncAccessToken(secret: string, tenantId: string, timestamp: string | number): string {
  return createHmac('sha256', secret).update(`${tenantId}:${timestamp}`).digest('hex');
}

export function bodySignature(secret: string, timestamp: string | number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/** Constant-time comparison of two strings (false when lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function checkTimestamp(timestamp: number, now = Date.now()): SignatureCheck {
  if (!Number.isFinite(timestamp)) return { ok: false, reason: 'timestamp is not a number' };
  const skew = Math.abs(now - timestamp);
  return skew <= SIGNATURE_TOLERANCE_MS
    ? { ok: true }
    : { ok: false, reason: `timestamp is ${Math.round(skew / 1000)} s away from the server's clock (at most ${SIGNATURE_TOLERANCE_MS / 1000} s allowed)` };
}

export function verifyMsgSyncToken(secret: string, tenantId: string, timestamp: number, accessToken: string, now = Date.now()): SignatureCheck {
  const time = checkTimestamp(timestamp, now);
  if (!time.ok) return time;
  return safeEqual(accessToken.toLowerCase(), msgSyncAccessToken(secret, tenantId, timestamp))
    ? { ok: true }
    : { ok: false, reason: 'accessToken does not match: expected hex HMAC-SHA256 of "<tenantId>:<timestamp>" under the tenant\'s webhook secret' };
}

export function verifyBodySignature(secret: string, timestamp: number, rawBody: string, signature: string, now = Date.now()): SignatureCheck {
  const time = checkTimestamp(timestamp, now);
  if (!time.ok) return time;
  return safeEqual(signature, bodySignature(secret, timestamp, rawBody))
    ? { ok: true }
    : { ok: false, reason: 'X-Chatgraph-Signature does not match: expected sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">' };
}

// A tenant may have several active secrets (rotation): a delivery verifies
// when it matches any of them. Every secret is compared, each in constant
// time, whatever matched (the time taken tells only how many secrets there are).
//
// An unknown tenant, or one without an active secret (`secrets` null or
// empty), gets the very answer a wrong signature gets, after the same work
// (one HMAC under a throwaway key): the answer must not tell which tenant
// ids exist.
const NO_SECRETS = ['chatgraph: no secret matches this'];

export const MSG_SYNC_TOKEN_MISMATCH =
  'accessToken does not match: expected hex HMAC-SHA256 of "<tenantId>:<timestamp>" under one of the tenant\'s active webhook secrets';
export const BODY_SIGNATURE_MISMATCH =
  'X-Chatgraph-Signature does not match: expected sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>"> under one of the tenant\'s active webhook secrets';

/** verifyMsgSyncToken against each active secret; ok when one matches. */
export function verifyMsgSyncTokenAny(secrets: readonly string[] | null, tenantId: string, timestamp: number, accessToken: string, now = Date.now()): SignatureCheck {
  const time = checkTimestamp(timestamp, now);
  if (!time.ok) return time;
  const known = secrets !== null && secrets.length > 0;
  const presented = accessToken.toLowerCase();
  let matched = false;
  for (const secret of known ? secrets : NO_SECRETS) matched = safeEqual(presented, msgSyncAccessToken(secret, tenantId, timestamp)) || matched;
  return matched && known ? { ok: true } : { ok: false, reason: MSG_SYNC_TOKEN_MISMATCH };
}

/** verifyBodySignature against each active secret; ok when one matches. */
export function verifyBodySignatureAny(secrets: readonly string[] | null, tenantId: string, timestamp: number, rawBody: string, signature: string, now = Date.now()): SignatureCheck {
  const time = checkTimestamp(timestamp, now);
  if (!time.ok) return time;
  const known = secrets !== null && secrets.length > 0;
  let matched = false;
  for (const secret of known ? secrets : NO_SECRETS) matched = safeEqual(signature, bodySignature(secret, timestamp, rawBody)) || matched;
  return matched && known ? { ok: true } : { ok: false, reason: BODY_SIGNATURE_MISMATCH };
}
