// The dashboard's data: what the two subscriptions (messageAdded,
// messageStatusChanged) report, kept per conversation with counts per
// status, and the graphql-ws connection that feeds it.
import { createClient } from 'graphql-ws';

// The API's MessageStatus values, lowest first (a status only rises): the
// browser's one copy of the order (src/domain/status.ts on the server).
export const STATUSES = ['PENDING', 'SENT', 'DELIVERED', 'READ'];
const RANK = Object.fromEntries(STATUSES.map((s, i) => [s, i]));
/** Messages kept per conversation for display (counts cover every message seen). */
const KEEP_PER_CONVERSATION = 50;

const MESSAGE_FIELDS = /* GraphQL */ `
  fragment DashboardMessage on Message {
    id
    whatsMessageId
    direction
    status
    chatTime
    contentType
    content {
      __typename
      ... on TextContent { text }
      ... on MediaContent { caption filename }
      ... on QuoteContent { replyText: text caption }
      ... on LocationContent { name address }
      ... on CallContent { video }
      ... on ContactCardContent { cards { name } }
    }
    conversation { id chatType friendName friendWhatsId accountWhatsId agentAccount contact { name } }
  }
`;

const MESSAGE_ADDED = /* GraphQL */ `
  subscription DashboardMessageAdded($since: DateTime) {
    messageAdded(since: $since) { addedAt replayed message { ...DashboardMessage } }
  }
  ${MESSAGE_FIELDS}
`;

const STATUS_CHANGED = /* GraphQL */ `
  subscription DashboardStatusChanged($since: DateTime) {
    messageStatusChanged(since: $since) { changedAt status replayed message { ...DashboardMessage } }
  }
  ${MESSAGE_FIELDS}
`;

const VIEWER = /* GraphQL */ `query DashboardViewer { viewer { tenantId tenantName } }`;

const emptyCounts = () => Object.fromEntries(STATUSES.map((s) => [s, 0]));
const higher = (a, b) => (b && RANK[b] > RANK[a] ? b : a);

/** Everything the subscriptions reported; notifies its listeners at most once a frame. */
export class LiveStore {
  conversations = new Map();
  totals = emptyCounts();
  messageCount = 0;
  lastEventAt = null;
  /** Counts live (not replayed) events: views that read aggregates read them again when it moves. */
  version = 0;
  /** Each known message's status (counts move with it). */
  statusOf = new Map();
  listeners = new Set();
  scheduled = false;

  /** True while the replay of `since` is still arriving: the page says "catching up", not "live". */
  catchingUp = false;
  catchUpTimer = null;

  /** The replay is over when no replayed event came for a second (the server sends them back to back). */
  replayed() {
    this.catchingUp = true;
    clearTimeout(this.catchUpTimer);
    this.catchUpTimer = setTimeout(() => {
      this.catchingUp = false;
      this.changed();
    }, 1000);
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A message was added or its status rose; statuses only move forward, so repeats and replays change nothing. */
  apply(message, reportedStatus, { live }) {
    const conversation = this.conversation(message.conversation);
    const known = this.statusOf.get(message.id);
    const status = higher(higher(reportedStatus, message.status), known);
    if (!known) {
      this.messageCount++;
      conversation.messageCount++;
    } else if (known !== status) {
      this.totals[known]--;
      conversation.counts[known]--;
    }
    if (known !== status) {
      this.totals[status]++;
      conversation.counts[status]++;
    }
    this.statusOf.set(message.id, status);

    const row = { ...message, status, isNew: live && !known, statusChanged: live && Boolean(known) && known !== status };
    const rows = conversation.messages.filter((m) => m.id !== message.id);
    rows.push(row);
    rows.sort((a, b) => (a.chatTime < b.chatTime ? 1 : a.chatTime > b.chatTime ? -1 : 0));
    conversation.messages = rows.slice(0, KEEP_PER_CONVERSATION);
    conversation.lastActivity = Date.now();
    this.lastEventAt = new Date().toISOString();
    if (live) this.version++;
    this.changed();
  }

  conversation(c) {
    let conversation = this.conversations.get(c.id);
    if (!conversation) {
      conversation = { id: c.id, counts: emptyCounts(), messageCount: 0, messages: [], lastActivity: 0 };
      this.conversations.set(c.id, conversation);
    }
    Object.assign(conversation, {
      name: c.contact?.name || c.friendName || null,
      friendWhatsId: c.friendWhatsId,
      accountWhatsId: c.accountWhatsId,
      agentAccount: c.agentAccount,
      group: c.chatType === 'GROUP',
    });
    return conversation;
  }

  clear() {
    this.conversations.clear();
    this.statusOf.clear();
    this.totals = emptyCounts();
    this.messageCount = 0;
    this.lastEventAt = null;
    this.changed();
  }

  changed() {
    if (this.scheduled) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      for (const listener of this.listeners) listener();
    };
    // Replays come in bursts: one render a frame (a hidden tab renders when shown again).
    if (typeof requestAnimationFrame === 'function' && document.visibilityState === 'visible') requestAnimationFrame(flush);
    else setTimeout(flush, 100);
  }
}

/** A close code after which retrying cannot help: 4403 is a refused key. */
const FATAL_CLOSE_CODES = new Set([4400, 4401, 4403, 4406]);
const isCloseEvent = (value) => typeof value === 'object' && value !== null && 'code' in value && 'reason' in value;

/** What went wrong, in words: GraphQL errors, a close event or an Error. */
export function describeError(error) {
  if (Array.isArray(error)) return error.map((e) => e.message).join('; ');
  if (isCloseEvent(error)) {
    if (error.code === 4403) return 'The server refused this API key (4403 Forbidden): check that it is complete and not revoked.';
    return `Connection closed: ${error.code}${error.reason ? ` ${error.reason}` : ''}`;
  }
  return error?.message ?? String(error);
}

/**
 * Connects with `key` and feeds `store`. History: the events stored since
 * `since` are replayed first; after a reconnect each subscription resumes
 * from the last event it saw (the README's "Catching up after a reconnect").
 * `onState({ state, message })`: connecting | live | reconnecting | error.
 * Returns a function that disconnects.
 */
export function connect({ key, store, since, onState, onViewer, onClient }) {
  const url = new URL('/graphql', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  let disposed = false;
  let failed = false;
  const fail = (error) => {
    if (disposed || failed) return;
    failed = true;
    onState({ state: 'error', message: describeError(error) });
  };

  const client = createClient({
    url: url.href,
    // The key goes in connection_init; the server checks it once and closes with 4403 when it is bad.
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: Infinity,
    shouldRetry: (event) => !(isCloseEvent(event) && FATAL_CLOSE_CODES.has(event.code)),
    // 1 s, 2 s, 4 s … at most 30 s, with jitter.
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** retries) * (0.5 + Math.random() / 2))),
  });
  onClient?.(client);
  client.on('connecting', (isRetry) => !failed && onState({ state: isRetry ? 'reconnecting' : 'connecting' }));
  client.on('connected', () => !failed && onState({ state: 'live' }));
  client.on('closed', (event) => {
    if (disposed || failed) return;
    if (isCloseEvent(event) && FATAL_CLOSE_CODES.has(event.code)) fail(event);
    else onState({ state: 'reconnecting', message: describeError(event) });
  });

  client.subscribe({ query: VIEWER }, { next: (result) => result.data && onViewer(result.data.viewer), error: () => {}, complete: () => {} });

  const follow = (query, field, timeField, statusOf) => {
    let resumeFrom = since;
    const payload = {
      query,
      // Read each time the subscription is (re)sent: a reconnect resumes from the last event seen.
      get variables() {
        return { since: resumeFrom };
      },
    };
    return client.subscribe(payload, {
      next: (result) => {
        if (result.errors?.length) return fail(result.errors);
        const event = result.data?.[field];
        if (!event) return;
        if (!resumeFrom || event[timeField] > resumeFrom) resumeFrom = event[timeField];
        if (event.replayed) store.replayed();
        store.apply(event.message, statusOf(event), { live: !event.replayed });
      },
      error: fail,
      complete: () => {},
    });
  };
  const stops = [
    follow(MESSAGE_ADDED, 'messageAdded', 'addedAt', (e) => e.message.status),
    follow(STATUS_CHANGED, 'messageStatusChanged', 'changedAt', (e) => e.status),
  ];
  return () => {
    disposed = true;
    for (const stop of stops) stop();
    void client.dispose();
  };
}

/** A query over the same socket: resolves with `data`, rejects with the errors' messages. */
export function runQuery(client, query, variables) {
  return new Promise((resolve, reject) => {
    let data = null;
    client.subscribe({ query, variables }, {
      next: (result) => {
        if (result.errors?.length) reject(new Error(result.errors.map((e) => e.message).join('; ')));
        else data = result.data;
      },
      error: (error) => reject(new Error(describeError(error))),
      complete: () => resolve(data),
    });
  });
}
