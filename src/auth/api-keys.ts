// API keys: `cg_` + 40 random base62 characters. Only the SHA-256 of a key is
// stored (a key has 238 bits of entropy, so a plain hash is enough; no salt
// or slow hash needed). The first characters are kept as a prefix to tell
// keys apart in lists and logs.
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { ApiKeyScope } from '../generated/prisma/enums.ts';

export const API_KEY_SCOPES = ['READ', 'INGEST', 'ADMIN'] as const satisfies readonly ApiKeyScope[];

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function randomToken(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  // Rejection sampling keeps every character equally likely.
  for (let i = 0; i < bytes.length && out.length < length; i++) {
    const b = bytes[i]!;
    if (b < 248) out += BASE62[b % 62];
  }
  return out.length === length ? out : out + randomToken(length - out.length);
}

export function generateApiKey(): string {
  return `cg_${randomToken(40)}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function apiKeyPrefix(key: string): string {
  return key.slice(0, 10);
}

export interface Viewer {
  readonly tenantId: bigint;
  readonly apiKeyId: string;
  readonly scopes: ReadonlySet<ApiKeyScope>;
}

export async function createApiKey(
  prisma: PrismaClient,
  tenantId: bigint,
  name: string,
  scopes: readonly ApiKeyScope[],
): Promise<{ key: string; id: string }> {
  if (scopes.length === 0) throw new Error('an API key needs at least one scope');
  const key = generateApiKey();
  const row = await prisma.apiKey.create({
    data: { tenantId, name, prefix: apiKeyPrefix(key), hash: hashApiKey(key), scopes: [...scopes] },
    select: { id: true },
  });
  return { key, id: row.id };
}

/**
 * Resolves API keys to viewers. Lookups are cached for `ttlMs` so that a
 * busy key costs one query per interval, not one per request; a revoked key
 * stops working within that interval.
 */
/** How stale `ApiKey.lastUsedAt` may get: it is written at most this often per key. */
export const LAST_USED_PRECISION_MS = 60_000;

export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, { viewer: Viewer | null; expires: number }>();
  /** Lookups under way, by key: the requests that miss the cache together share one query. */
  private readonly lookups = new Map<string, Promise<Viewer | null>>();
  /** Long-lived connections (sockets, SSE streams) by the key they were opened with. */
  private readonly watchers = new Map<string, Set<() => void>>();
  private watchTimer: NodeJS.Timeout | null = null;

  constructor(
    // The pg pool, not Prisma: every request path goes through here, and a
    // server that never runs a Prisma query never loads Prisma's query
    // compiler (WebAssembly, ~80 MB of RSS once compiled).
    private readonly pool: Pick<pg.Pool, 'query'>,
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 10_000,
  ) {}

  async authenticate(key: string): Promise<Viewer | null> {
    if (!/^cg_[0-9A-Za-z]{40}$/.test(key)) return null;
    // Cached by the key itself (held only in memory, like the requests that
    // carry it), so a busy key costs neither a query nor a hash per request.
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.expires > now) return hit.viewer;
    // When a busy key's entry expires, every request in flight misses at
    // once (10,000 sockets connecting): one query (and one lastUsedAt write)
    // answers them all, not one each, queueing on the key's row.
    let lookup = this.lookups.get(key);
    if (!lookup) {
      lookup = this.lookUp(key, now).finally(() => this.lookups.delete(key));
      this.lookups.set(key, lookup);
    }
    return lookup;
  }

  private async lookUp(key: string, now: number): Promise<Viewer | null> {
    const hash = hashApiKey(key);
    // scopes as text[]: pg parses arrays of its built-in types only, not of the enum.
    const { rows } = await this.pool.query<{ id: string; tenantId: string; scopes: ApiKeyScope[]; revokedAt: Date | null; lastUsedAt: Date | null }>(
      'SELECT id, "tenantId", scopes::text[] AS scopes, "revokedAt", "lastUsedAt" FROM "ApiKey" WHERE hash = $1',
      [hash],
    );
    const row = rows[0];
    const viewer = row && !row.revokedAt ? { tenantId: BigInt(row.tenantId), apiKeyId: row.id, scopes: new Set(row.scopes) } : null;
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(key, { viewer, expires: now + this.ttlMs });
    // A key in use is looked up again every ttlMs: record its use then, to
    // the minute (operators see it in `chatgraph key list`), off the request's path.
    if (viewer && (!row!.lastUsedAt || now - row!.lastUsedAt.getTime() >= LAST_USED_PRECISION_MS)) {
      this.pool.query('UPDATE "ApiKey" SET "lastUsedAt" = $2 WHERE id = $1', [row!.id, new Date(now)]).catch(() => {});
    }
    return viewer;
  }

  /**
   * Calls `onRevoked` once the key `apiKeyId` is revoked (or deleted), found
   * within `ttlMs` — the interval after which a request would refuse it — by
   * one query per interval for all the keys long-lived connections hold, on
   * every instance (each asks the database). Returns the function that stops
   * watching (the connection ended).
   */
  watch(apiKeyId: string, onRevoked: () => void): () => void {
    let set = this.watchers.get(apiKeyId);
    if (!set) this.watchers.set(apiKeyId, (set = new Set()));
    const entry = () => onRevoked();
    set.add(entry);
    if (!this.watchTimer) {
      this.watchTimer = setInterval(() => void this.checkWatched(), this.ttlMs);
      this.watchTimer.unref();
    }
    return () => {
      const current = this.watchers.get(apiKeyId);
      if (!current?.delete(entry) || current.size) return;
      this.watchers.delete(apiKeyId);
      if (!this.watchers.size && this.watchTimer) {
        clearInterval(this.watchTimer);
        this.watchTimer = null;
      }
    };
  }

  /** Ends the watched connections of keys revoked since the last check. */
  async checkWatched(): Promise<void> {
    const ids = [...this.watchers.keys()];
    if (!ids.length) return;
    let active: Set<string>;
    try {
      const { rows } = await this.pool.query<{ id: string }>('SELECT id FROM "ApiKey" WHERE id = ANY($1::uuid[]) AND "revokedAt" IS NULL', [ids]);
      active = new Set(rows.map((r) => r.id));
    } catch {
      return; // The database away: connections are kept, and checked again at the next interval.
    }
    for (const id of ids) {
      if (active.has(id)) continue;
      // Refused from now on by new requests too, not only after the cache entry expires.
      for (const [key, hit] of this.cache) if (hit.viewer?.apiKeyId === id) this.cache.delete(key);
      const set = this.watchers.get(id);
      this.watchers.delete(id);
      for (const onRevoked of set ?? []) {
        try {
          onRevoked();
        } catch {
          // One connection failing to close must not keep the others open.
        }
      }
    }
    if (!this.watchers.size && this.watchTimer) {
      clearInterval(this.watchTimer);
      this.watchTimer = null;
    }
  }
}

/** The key in `Authorization: Bearer <key>`, or null. */
export function bearerToken(authorization: string | null): string | null {
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  return match ? match[1]! : null;
}
