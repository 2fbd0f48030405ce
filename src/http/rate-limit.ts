// Rate limits per API key and per client IP: an in-memory token bucket each,
// per instance (N instances behind a balancer allow N times the rate). A
// bucket holds a minute's allowance and refills continuously, so a client may
// burst up to the per-minute figure and then goes at the per-minute rate.
// Applied to /graphql (HTTP and SSE; GraphiQL's page counts as one request),
// the webhooks and the legacy read endpoints; health checks, /metrics and
// /openapi.json are not counted, nor CORS preflights.
// A refused request answers 429 with Retry-After: on /graphql a GraphQL error
// with code RATE_LIMITED, on the REST routes their legacy envelope.
import { createHash } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import type { RateLimitConfig } from '../config.ts';
import { bearerToken } from '../auth/api-keys.ts';
import { legacyJsonText } from '../rest/envelope.ts';

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
  return new Response(body, { status: 429, headers });
}

export interface RateLimiter {
  readonly keys: TokenBuckets | null;
  readonly ips: TokenBuckets | null;
}

export function createRateLimiter(config: RateLimitConfig, now: () => number = Date.now): RateLimiter {
  return {
    keys: config.perKeyPerMinute > 0 ? new TokenBuckets(config.perKeyPerMinute, now) : null,
    ips: config.perIpPerMinute > 0 ? new TokenBuckets(config.perIpPerMinute, now) : null,
  };
}

/** Refuses requests over the limits before anything else reads them. */
export function useRateLimit(config: RateLimitConfig, limiter: RateLimiter = createRateLimiter(config)): Plugin {
  const { keys, ips } = limiter;
  if (!keys && !ips) return {};
  return {
    onRequest({ request, url, serverContext, endResponse }) {
      const kind = LIMITED[url.pathname];
      if (!kind || request.method === 'OPTIONS') return;
      const ip = ips ? clientIp(request, serverContext, config.trustProxy) : '';
      const refused = takeAllowance(limiter, keys ? presentedKey(request, url) : null, ip);
      if (refused) endResponse(refusal(kind, refused.message, refused.retryAfterSeconds));
    },
  };
}

/**
 * Takes one request from the key's and the address's buckets, or neither
 * when either is empty; returns the refusal then. HTTP requests and
 * graphql-ws (each socket, and each operation it starts) draw on the same
 * buckets.
 */
export function takeAllowance(limiter: RateLimiter, key: string | null, ip: string): { message: string; retryAfterSeconds: number } | null {
  const { keys, ips } = limiter;
  const id = key && keys ? keyId(key) : null;
  const ipWait = ips ? ips.wait(ip) : 0;
  const keyWait = keys && id ? keys.wait(id) : 0;
  if (ipWait === 0 && keyWait === 0) {
    ips?.take(ip);
    if (keys && id) keys.take(id);
    return null;
  }
  const retryAfterSeconds = Math.max(1, Math.ceil(Math.max(ipWait, keyWait) / 1000));
  const message =
    keyWait >= ipWait
      ? `rate limit exceeded: more than ${keys!.perMinute} requests a minute with this API key (RATE_LIMIT_PER_MINUTE); retry after ${retryAfterSeconds} s`
      : `rate limit exceeded: more than ${ips!.perMinute} requests a minute from this address (RATE_LIMIT_IP_PER_MINUTE); retry after ${retryAfterSeconds} s`;
  return { message, retryAfterSeconds };
}
