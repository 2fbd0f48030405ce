// MSG_SYNC_MESSAGE's accessToken signs "<tenantId>:<timestamp>" only: the
// legacy CRM cannot sign the body, so whoever sees one delivery could post
// another `data` under the same token for as long as its timestamp is within
// the window. What the server can do is bind each token to the body it first
// came with: the identical body again (a redelivery) is accepted — storing is
// idempotent, and a delivery that failed with 503 must be retryable — and any
// other body under a seen token is refused.
//
// The seen tokens live in PostgreSQL (table "SeenAccessToken"), shared by
// every instance and the embedded database alike. Not in Redis: the delivery
// cannot be stored without PostgreSQL anyway, so the check adds no new way
// to fail, whereas a Redis outage (which ingest otherwise survives, README
// "Faults") would have either stopped the webhook or opened the replay.
//
// "The same body" is judged on the canonical JSON of the parsed `data` (keys
// sorted, numbers as parsed, integers exact), not on the raw text: what gets
// stored is derived from the parsed value, so two texts with the same parse
// store the same thing (a sender that re-serialises its retry — other key
// order, spacing or escapes — is still redelivering), while any change that
// could alter what is stored changes the hash.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { SIGNATURE_TOLERANCE_MS } from './webhook-signatures.ts';
import type { LosslessJsonValue } from '../domain/lossless-json.ts';

/** Kept past the window by this much: instances' clocks may differ a little. */
export const SEEN_TOKEN_CLOCK_MARGIN_MS = 60_000;
/** How often an instance deletes expired rows (piggybacked on a check). */
const CLEANUP_EVERY_MS = 60_000;

/** JSON text with object keys sorted at every level, bigints as their digits. */
export function canonicalJson(value: LosslessJsonValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export type TokenUse = 'first' | 'redelivery' | 'other-body';

export class SeenAccessTokens {
  private lastCleanup = 0;

  constructor(
    private readonly pool: Pick<pg.Pool, 'query'>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records that `accessToken` (already verified, timestamp within the
   * window) came with `data`: 'first' when it is new, 'redelivery' when it
   * was seen with the same data, 'other-body' when it was seen with other data.
   */
  async use(tenantId: bigint, accessToken: string, timestamp: number, data: LosslessJsonValue[]): Promise<TokenUse> {
    const tokenHash = sha256Hex(accessToken.toLowerCase());
    const bodyHash = sha256Hex(canonicalJson(data));
    const expiresAt = new Date(timestamp + SIGNATURE_TOLERANCE_MS + SEEN_TOKEN_CLOCK_MARGIN_MS);
    // One statement, safe under concurrency: a no-op DO UPDATE waits for a
    // concurrent insert of the same token and returns the stored row (its
    // first body); xmax = 0 tells a row this statement inserted.
    const { rows } = await this.pool.query<{ bodyHash: string; inserted: boolean }>(
      `INSERT INTO "SeenAccessToken" ("tenantId", "tokenHash", "bodyHash", "expiresAt")
       VALUES ($1, $2, $3, $4)
       ON CONFLICT ("tenantId", "tokenHash") DO UPDATE SET "tenantId" = EXCLUDED."tenantId"
       RETURNING "bodyHash", (xmax = 0) AS inserted`,
      [tenantId.toString(), tokenHash, bodyHash, expiresAt],
    );
    this.cleanupSometimes();
    const row = rows[0]!;
    if (row.inserted) return 'first';
    return row.bodyHash === bodyHash ? 'redelivery' : 'other-body';
  }

  /** Deletes rows past their window; returns how many. */
  async deleteExpired(): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM "SeenAccessToken" WHERE "expiresAt" < $1`, [new Date(this.now())]);
    return rowCount ?? 0;
  }

  private cleanupSometimes(): void {
    const now = this.now();
    if (now - this.lastCleanup < CLEANUP_EVERY_MS) return;
    this.lastCleanup = now;
    // Best effort, off the request's path: a failure only delays the cleanup.
    this.deleteExpired().catch(() => {
      this.lastCleanup = 0;
    });
  }
}
