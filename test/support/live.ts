// Real clients for the live tests: a graphql-ws client over a real socket,
// an SSE reader over real HTTP, and webhook bodies to make events with.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { msgSyncAccessToken } from '../../src/auth/webhook-signatures.ts';
import type { TenantCredentials } from '../../src/auth/tenants.ts';
import { formatLocalDateTime } from '../../src/domain/local-time.ts';
import { uniqueTimestamp } from './seeds.ts';

export { uniqueTimestamp };

/** A message of one conversation (account 8613700000001 × friend `friend`), as MSG_SYNC_MESSAGE carries it. */
export function msgSyncItem(messageId: string, status: number, opts: { friend?: string; account?: string; chatTime?: Date; content?: string } = {}) {
  const account = opts.account ?? '8613700000001';
  const friend = opts.friend ?? '447711000001';
  return {
    id: `sync-${messageId}-${status}`,
    messageId,
    userName: 'agent1',
    whatsId: `${account}@c.us`,
    friendWhatsId: `${friend}@c.us`,
    currentWhatsId: `${account}@c.us`,
    actionType: 1,
    chatType: 1,
    messageStatus: status,
    content: opts.content ?? `hello ${messageId}`,
    contentType: 0,
    originType: 1,
    sendTime: formatLocalDateTime(opts.chatTime ?? new Date(), 'Asia/Shanghai'),
    userProfile: { id: 1_000_001, name: 'Friend', whatsApp: friend, username: 'owner', tags: [], extendsMap: '', income: '', profession: '', desc: '', email: '', address: '' },
    taskId: 0,
    taskInfoId: 0,
  };
}

/** A signed MSG_SYNC_MESSAGE body. */
export function msgSyncBody(tenant: TenantCredentials, data: unknown[], timestamp = uniqueTimestamp()): string {
  return JSON.stringify({ accessToken: msgSyncAccessToken(tenant.webhookSecret, tenant.tenantId.toString(), timestamp), tenantId: Number(tenant.tenantId), timestamp, data });
}

/** A CLIENT_SYNC_MESSAGE_STATUS body: client status codes 1 pending, 2 sent, 3 delivered, 4 read. */
export function statusSyncBody(updates: { messageId: string; status: number }[]): string {
  return JSON.stringify(updates.map((u) => ({ userId: '1255', taskId: '', taskInfoId: '', messageStatus: u.status, messageId: u.messageId })));
}

export async function postWebhook(baseUrl: string, path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, text: await res.text() };
}

/** Results of one subscription, read one at a time with a timeout. */
export interface Feed<T = Record<string, unknown>> {
  /** The next result (its `data`), or a rejection after `timeoutMs`. */
  next(timeoutMs?: number): Promise<T>;
  /** Resolves when nothing arrives within `ms` (rejects with what did). */
  none(ms: number): Promise<void>;
  /** Errors the server sent (subscription refused). */
  readonly errors: unknown[];
  close(): void;
}

class Queue<T> {
  private items: T[] = [];
  private waiters: ((item: T) => void)[] = [];
  push(item: T) {
    const waiter = this.waiters.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  }
  take(timeoutMs: number, what: string): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`nothing on ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (value: T) => {
        clearTimeout(timer);
        resolve(value);
      };
      this.waiters.push(waiter);
    });
  }
  get pending(): number {
    return this.items.length;
  }
}

function feedOf<T>(queue: Queue<{ data?: T; errors?: unknown }>, errors: unknown[], close: () => void, what: string): Feed<T> {
  return {
    errors,
    async next(timeoutMs = 5000) {
      const result = await queue.take(timeoutMs, what);
      if (result.errors) throw new Error(`${what}: ${JSON.stringify(result.errors)}`);
      return result.data as T;
    },
    async none(ms) {
      await new Promise((r) => setTimeout(r, ms));
      if (queue.pending) throw new Error(`${what}: expected nothing, got ${JSON.stringify(await queue.take(0, what))}`);
    },
    close,
  };
}

export interface LiveClient {
  readonly client: Client;
  subscribe<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Feed<T>;
  /** Resolves once the connection is acknowledged (the key accepted). */
  connected(): Promise<void>;
  /** The close code, once the server closed the socket. */
  closed(): Promise<number>;
  dispose(): Promise<void>;
}

export function liveClient(wsUrl: string, connectionParams: Record<string, unknown> | undefined): LiveClient {
  let onConnected: () => void;
  let onClosed: (code: number) => void;
  const connected = new Promise<void>((r) => (onConnected = r));
  const closed = new Promise<number>((r) => (onClosed = r));
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    on: {
      connected: () => onConnected(),
      closed: (event) => onClosed((event as { code: number }).code),
    },
    onNonLazyError: () => {},
  });
  return {
    client,
    connected: () => connected,
    closed: () => closed,
    subscribe<T>(query: string, variables?: Record<string, unknown>) {
      const queue = new Queue<{ data?: T; errors?: unknown }>();
      const errors: unknown[] = [];
      const dispose = client.subscribe<T>(
        { query, variables },
        {
          next: (result) => queue.push(result as never),
          error: (err) => {
            errors.push(err);
            queue.push({ errors: err });
          },
          complete: () => {},
        },
      );
      return feedOf(queue, errors, dispose, 'graphql-ws');
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}

/**
 * Reads an SSE response's `event:` / `data:` blocks until it ends, is aborted,
 * or `onEvent` returns true.
 */
export async function readSseEvents(res: Response, onEvent: (event: string | undefined, data: string | undefined) => boolean | void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (onEvent(/^event: (.*)$/m.exec(block)?.[1], /^data: (.*)$/m.exec(block)?.[1])) return;
      }
    }
  } catch {
    // aborted
  }
}

/**
 * A subscription over SSE (Yoga's "distinct connections" mode): POST with
 * `Accept: text/event-stream`, then `event: next` / `data: {…}` blocks.
 */
export async function sseSubscribe<T = Record<string, unknown>>(
  url: string,
  key: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<Feed<T> & { /** Resolves when the server ended the stream. */ ended: Promise<void> }> {
  const controller = new AbortController();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  if (!res.ok || !res.headers.get('content-type')?.includes('text/event-stream')) {
    throw new Error(`SSE refused: ${res.status} ${await res.text()}`);
  }
  const queue = new Queue<{ data?: T; errors?: unknown }>();
  const errors: unknown[] = [];
  const ended = readSseEvents(res, (event, data) => {
    if (event === 'next' && data) queue.push(JSON.parse(data));
  });
  await new Promise((r) => setTimeout(r, 50));
  return Object.assign(feedOf(queue, errors, () => controller.abort(), 'SSE'), { ended });
}
