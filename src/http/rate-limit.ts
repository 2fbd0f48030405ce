// Rate limits per API key and per client IP: a token bucket each. A bucket
// holds a minute's allowance and refills continuously, so a client may burst
// up to the per-minute figure and then goes at the per-minute rate.
// With REDIS_URL the buckets live in Redis, shared by every instance (one
// atomic script takes from the key's and the address's bucket, or from
// neither); without it, in memory per instance (N instances allow N times the
// rate). A Redis outage fails open to this instance's own buckets — limits
// then hold per instance — logged once per outage, never a 500.
// Applied to /graphql (HTTP and SSE; GraphiQL's page counts as one request),
// the webhooks and the legacy read endpoints; health checks, /metrics and
// /openapi.json are not counted, nor CORS preflights.
// A refused request answers 429 with Retry-After: on /graphql a GraphQL error
// with code RATE_LIMITED, on the REST routes their legacy envelope.
// Why a small Lua script and not a limiter library: rate-limiter-flexible
// (tried) counts in fixed windows, so a client refused would wait up to a
// minute (Retry-After up to 60 s) instead of the ~1 s a refilling bucket
// gives, and a burst could pass twice at a window's edge; the documented
// token bucket, the same in memory and in Redis, is kept instead.
import { createHash } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { Logger } from '../log.ts';
import type { RateLimitConfig } from '../config.ts';
import { bearerToken } from '../auth/api-keys.ts';
import { legacyJsonText } from '../rest/envelope.ts';
import { textResponse } from './response.ts';

/** Buckets kept at most (per kind); beyond it the full and then the oldest are dropped. */
const MAX_BUCKETS = 100_000;

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets of one kind (keys or IPs), `perMinute` requests a minute each. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly maxBuckets = MAX_BUCKETS,
  ) {
    this.perMs = perMinute / 60_000;
  }

  get size(): number {
    return this.buckets.size;
  }

  private bucket(id: string, now: number): Bucket {
    let bucket = this.buckets.get(id);
    if (!bucket) {
      if (this.buckets.size >= this.maxBuckets) this.evict(now);
      bucket = { tokens: this.perMinute, at: now };
      this.buckets.set(id, bucket);
    } else {
      bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.perMs);
      bucket.at = now;
    }
    return bucket;
  }

  /** Milliseconds until `id` may make a request (0 = now), without taking anything. */
  wait(id: string): number {
    const bucket = this.bucket(id, this.now());
    return bucket.tokens >= 1 ? 0 : Math.ceil((1 - bucket.tokens) / this.perMs);
  }

  take(id: string): void {
    this.bucket(id, this.now()).tokens -= 1;
  }

  private evict(now: number): void {
    // A full bucket is the same as no bucket.
    for (const [id, b] of this.buckets) if (b.tokens + (now - b.at) * this.perMs >= this.perMinute) this.buckets.delete(id);
    if (this.buckets.size < this.maxBuckets) return;
    let drop = Math.ceil(this.maxBuckets / 10);
    for (const id of this.buckets.keys()) {
      this.buckets.delete(id);
      if (--drop === 0) break;
    }
  }
}

type RouteKind = 'graphql' | 'legacy' | 'legacy-msg';

/** What each limited path answers a refusal with; other paths are not limited. */
const LIMITED: Record<string, RouteKind> = {
  '/graphql': 'graphql',
  '/webhooks/MSG_SYNC_MESSAGE': 'legacy',
  '/webhooks/CLIENT_SYNC_MESSAGE': 'legacy',
  '/webhooks/CLIENT_SYNC_MESSAGE_STATUS': 'legacy',
  '/wscrm-bus-api/open/message/msgPage': 'legacy',
  // retrievePastRecords answers {"msg","code","data"}.
  '/xd/client/retrievePastRecords': 'legacy-msg',
};

/** The API key a request presents (any form a route accepts), or null. */
function presentedKey(request: Request, url: URL): string | null {
  const key = bearerToken(request.headers.get('authorization')) ?? request.headers.get('token')?.trim() ?? url.searchParams.get('token')?.trim();
  return key ? key : null;
}

/** The client's address: the TCP peer, or with TRUST_PROXY the last X-Forwarded-For entry (the one the proxy added). */
export function clientIp(request: Request, serverContext: unknown, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for');
    const last = forwarded?.split(',').pop()?.trim();
    if (last) return last;
  }
  const req = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req;
  return req?.socket?.remoteAddress ?? 'unknown';
}

const keyId = (key: string) => createHash('sha256').update(key).digest('base64url').slice(0, 22);

function refusal(kind: RouteKind, message: string, retryAfterSeconds: number): Response {
  const headers = { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfterSeconds) };
  const body =
    kind === 'graphql'
      ? JSON.stringify({ errors: [{ message, extensions: { code: 'RATE_LIMITED', retryAfterSeconds } }] })
      : legacyJsonText(kind === 'legacy-msg' ? { msg: message, code: 429, data: null } : { code: 429, message, data: null });
  return textResponse(body, { status: 429, headers });
}

/** Why a request was refused, and when to come back. */
export interface Refusal {
  message: string;
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** 'memory', or 'redis' while Redis holds the buckets ('redis-down' while this instance falls back to its own). */
  state(): 'memory' | 'redis' | 'redis-down';
  /**
   * Takes one request from the key's and the address's buckets, or neither
   * when either is empty; returns the refusal then. HTTP requests and
   * graphql-ws (each socket, and each operation it starts) draw on the same
   * buckets.
   */
  take(key: string | null, ip: string): Promise<Refusal | null>;
  close(): Promise<void>;
}

function refusalOf(config: RateLimitConfig, keyWait: number, ipWait: number): Refusal | null {
  if (keyWait <= 0 && ipWait <= 0) return null;
  const retryAfterSeconds = Math.max(1, Math.ceil(Math.max(ipWait, keyWait) / 1000));
  const message =
    keyWait >= ipWait
      ? `rate limit exceeded: more than ${config.perKeyPerMinute} requests a minute with this API key (RATE_LIMIT_PER_MINUTE); retry after ${retryAfterSeconds} s`
      : `rate limit exceeded: more than ${config.perIpPerMinute} requests a minute from this address (RATE_LIMIT_IP_PER_MINUTE); retry after ${retryAfterSeconds} s`;
  return { message, retryAfterSeconds };
}

/** This instance's buckets (no Redis, or Redis away). */
class MemoryBuckets {
  readonly keys: TokenBuckets | null;
  readonly ips: TokenBuckets | null;

  constructor(private readonly config: RateLimitConfig, now: () => number) {
    this.keys = config.perKeyPerMinute > 0 ? new TokenBuckets(config.perKeyPerMinute, now) : null;
    this.ips = config.perIpPerMinute > 0 ? new TokenBuckets(config.perIpPerMinute, now) : null;
  }

  take(key: string | null, ip: string): Refusal | null {
    const { keys, ips } = this;
    const id = key && keys ? keyId(key) : null;
    const ipWait = ips ? ips.wait(ip) : 0;
    const keyWait = keys && id ? keys.wait(id) : 0;
    const refused = refusalOf(this.config, keyWait, ipWait);
    if (!refused) {
      ips?.take(ip);
      if (keys && id) keys.take(id);
    }
    return refused;
  }
}

/**
 * The token buckets of TokenBuckets, in Redis: KEYS are the buckets, ARGV
 * their per-minute allowances. Time is Redis' own (instances' clocks may
 * differ). Returns each bucket's wait in ms (all 0: taken from every one).
 * A bucket expires once it would be full again (a full bucket is no bucket).
 */
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tokens, waits, refused = {}, {}, false
for i, key in ipairs(KEYS) do
  local per = tonumber(ARGV[i])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tok = per
  if state[1] then tok = math.min(per, tonumber(state[1]) + (now - tonumber(state[2])) * per / 60000) end
  tokens[i] = tok
  waits[i] = 0
  if tok < 1 then
    waits[i] = math.ceil((1 - tok) * 60000 / per)
    refused = true
  end
end
if not refused then
  for i, key in ipairs(KEYS) do
    local per = tonumber(ARGV[i])
    redis.call('HSET', key, 'tokens', tostring(tokens[i] - 1), 'at', now)
    redis.call('PEXPIRE', key, math.ceil((per - tokens[i] + 1) * 60000 / per) + 1000)
  end
end
return waits
`;

type RedisWithTake = Redis & { chatgraphTakeAllowance(numberOfKeys: number, ...args: (string | number)[]): Promise<number[]> };

/** Buckets shared through Redis; this instance's own while Redis does not answer. */
class RedisBuckets {
  private readonly redis: RedisWithTake;
  private down = false;

  constructor(
    url: string,
    private readonly config: RateLimitConfig,
    private readonly fallback: MemoryBuckets,
    private readonly log: Logger,
  ) {
    // No offline queue and a short command timeout: with Redis away a request
    // goes on at once on this instance's buckets instead of waiting for it.
    this.redis = new Redis(url, { enableOfflineQueue: false, commandTimeout: 500, maxRetriesPerRequest: 0, connectionName: 'chatgraph-rate-limit' }) as RedisWithTake;
    this.redis.defineCommand('chatgraphTakeAllowance', { lua: TAKE_SCRIPT });
    // ioredis reconnects by itself; the outage is logged by take().
    this.redis.on('error', () => {});
  }

  get isDown(): boolean {
    return this.down;
  }

  async take(key: string | null, ip: string): Promise<Refusal | null> {
    const buckets: string[] = [];
    const allowances: number[] = [];
    if (key && this.config.perKeyPerMinute > 0) {
      buckets.push(`chatgraph:ratelimit:key:${keyId(key)}`);
      allowances.push(this.config.perKeyPerMinute);
    }
    if (this.config.perIpPerMinute > 0) {
      buckets.push(`chatgraph:ratelimit:ip:${ip}`);
      allowances.push(this.config.perIpPerMinute);
    }
    if (!buckets.length) return null;
    let waits: number[];
    try {
      waits = await this.redis.chatgraphTakeAllowance(buckets.length, ...buckets, ...allowances);
    } catch (err) {
      if (!this.down) this.log.warn({ err: (err as Error).message }, 'rate limits: Redis does not answer; limiting per instance until it does');
      this.down = true;
      return this.fallback.take(key, ip);
    }
    if (this.down) this.log.warn('rate limits: Redis answers again; limits are shared across instances');
    this.down = false;
    const keyed = key && this.config.perKeyPerMinute > 0;
    return refusalOf(this.config, keyed ? waits[0]! : 0, this.config.perIpPerMinute > 0 ? waits[keyed ? 1 : 0]! : 0);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** In Redis with a URL (shared by every instance), else in memory. */
export function createRateLimiter(config: RateLimitConfig, options: { redisUrl?: string | null; log?: Logger; now?: () => number } = {}): RateLimiter {
  const memory = new MemoryBuckets(config, options.now ?? Date.now);
  const off = config.perKeyPerMinute <= 0 && config.perIpPerMinute <= 0;
  if (!options.redisUrl || off) {
    return { state: () => 'memory', take: async (key, ip) => memory.take(key, ip), close: async () => {} };
  }
  const shared = new RedisBuckets(options.redisUrl, config, memory, options.log!);
  return { state: () => (shared.isDown ? 'redis-down' : 'redis'), take: (key, ip) => shared.take(key, ip), close: () => shared.close() };
}

/** Refuses requests over the limits before anything else reads them. */
export function useRateLimit(config: RateLimitConfig, limiter: RateLimiter): Plugin {
  if (config.perKeyPerMinute <= 0 && config.perIpPerMinute <= 0) return {};
  return {
    async onRequest({ request, url, serverContext, endResponse }) {
      const kind = LIMITED[url.pathname];
      if (!kind || request.method === 'OPTIONS') return;
      const ip = config.perIpPerMinute > 0 ? clientIp(request, serverContext, config.trustProxy) : '';
      const refused = await limiter.take(config.perKeyPerMinute > 0 ? presentedKey(request, url) : null, ip);
      if (refused) endResponse(refusal(kind, refused.message, refused.retryAfterSeconds));
    },
  };
}
