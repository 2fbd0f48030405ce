// Per-request DataLoaders: everything a list resolves per item is fetched in
// one statement per kind, whatever the page size. Created for one viewer and
// one request (never shared: their caches hold that tenant's rows).
import DataLoader from 'dataloader';
import { isRowId } from '../domain/ranges.ts';
import type pg from 'pg';
import { contactsByIds, type ContactRow } from './contacts.ts';
import { conversationPages, conversationsByIds, type ConversationPageQuery, type ConversationRow } from './conversations.ts';
import { messagePagesByParent, messagesByIds, messagesByWhatsIds, messageTotals, type MessagePageQuery, type MessageRow } from './messages.ts';
import type { Page } from './pagination.ts';
import { loadAgentDirectory } from './agents.ts';
import type { AgentDirectory } from '../domain/agent-directory.ts';

function byId<Row extends { id: string }>(load: (ids: readonly string[]) => Promise<Row[]>) {
  return new DataLoader<string, Row | null>(async (ids) => {
    // Ids come from clients (global ids): anything but a row id finds nothing.
    const valid = ids.filter(isRowId);
    const rows = new Map((valid.length ? await load(valid) : []).map((r) => [r.id, r]));
    return ids.map((id) => rows.get(id) ?? null);
  });
}

/** Loads pages for many parents: requests with the same arguments share one statement. */
type PagesByParent<Query, Row> = DataLoader<{ parentId: string; query: Query }, Page<Row>, string>;
function pagesByParent<Query, Row>(run: (parentIds: readonly string[], query: Query) => Promise<Map<string, Page<Row>>>): PagesByParent<Query, Row> {
  return new DataLoader<{ parentId: string; query: Query }, Page<Row>, string>(
    async (keys) => {
      const groups = new Map<string, { query: Query; ids: string[] }>();
      for (const key of keys) {
        const argsKey = JSON.stringify(key.query);
        const group = groups.get(argsKey) ?? { query: key.query, ids: [] };
        group.ids.push(key.parentId);
        groups.set(argsKey, group);
      }
      const results = new Map<string, Page<Row>>();
      await Promise.all(
        [...groups.entries()].map(async ([argsKey, group]) => {
          const pages = await run([...new Set(group.ids)], group.query);
          for (const [parentId, page] of pages) results.set(`${parentId}|${argsKey}`, page);
        }),
      );
      return keys.map((k) => results.get(`${k.parentId}|${JSON.stringify(k.query)}`)!);
    },
    { cacheKeyFn: (k) => `${k.parentId}|${JSON.stringify(k.query)}` },
  );
}

/**
 * One request's loaders, each made when first used: most operations are
 * planned into one statement and use none, and making all ten per request
 * (a DataLoader, its batch function and options each) was measurable garbage
 * on the hot read path.
 */
export class RequestLoaders {
  private _directory: Promise<AgentDirectory> | null = null;
  private _conversationAgentIdentities?: DataLoader<string, { agentId: string | null; agentAccount: string | null; accountWhatsIdBare: string }[]>;
  private _message?: DataLoader<string, MessageRow | null>;
  private _conversation?: DataLoader<string, ConversationRow | null>;
  private _contact?: DataLoader<string, ContactRow | null>;
  private _messageByWhatsId?: DataLoader<string, MessageRow | null>;
  private _messageTotals?: DataLoader<string, number>;
  private _conversationMessages?: PagesByParent<MessagePageQuery, MessageRow>;
  private _contactMessages?: PagesByParent<MessagePageQuery, MessageRow>;
  private _contactConversations?: PagesByParent<ConversationPageQuery, ConversationRow>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly tenantId: string,
  ) {}

  /** Whether this request has the directory already (read, being read, or given). */
  hasAgentDirectory(): boolean {
    return this._directory !== null;
  }

  /** The directory as a page's own statement read it (messageOffsetPage, messagePage, messagePagesByParent): not read again. */
  giveAgentDirectory(directory: AgentDirectory): void {
    this._directory ??= Promise.resolve(directory);
  }

  /** The tenant's agent directory, read once per request (a failed read is retried by the next caller). */
  agentDirectory(): Promise<AgentDirectory> {
    return (this._directory ??= loadAgentDirectory(this.pool, this.tenantId).catch((err: unknown) => {
      this._directory = null;
      throw err;
    }));
  }

  /** The distinct (seat id, login) pairs of each conversation's messages. */
  get conversationAgentIdentities() {
    const { pool, tenantId } = this;
    return (this._conversationAgentIdentities ??= new DataLoader(async (ids) => {
      const { rows } = await pool.query<{ conversationId: string; agentId: string | null; agentAccount: string | null; accountWhatsIdBare: string }>(
        `SELECT DISTINCT "conversationId", "agentId", "agentAccount", "accountWhatsIdBare" FROM "Message"
          WHERE "tenantId" = $1::bigint AND "conversationId" = ANY($2::bigint[]) AND ("agentId" IS NOT NULL OR "agentAccount" IS NOT NULL)`,
        [tenantId, ids.filter(isRowId)],
      );
      const byConversation = new Map<string, typeof rows>();
      for (const r of rows) byConversation.set(r.conversationId, [...(byConversation.get(r.conversationId) ?? []), r]);
      return ids.map((id) => byConversation.get(id) ?? []);
    }));
  }

  get message() {
    return (this._message ??= byId<MessageRow>((ids) => messagesByIds(this.pool, this.tenantId, ids)));
  }

  get conversation() {
    return (this._conversation ??= byId<ConversationRow>((ids) => conversationsByIds(this.pool, this.tenantId, ids)));
  }

  get contact() {
    return (this._contact ??= byId<ContactRow>((ids) => contactsByIds(this.pool, this.tenantId, ids)));
  }

  /** The stored message with this WhatsApp id (the oldest, when several accounts saw it). */
  get messageByWhatsId() {
    return (this._messageByWhatsId ??= new DataLoader(async (ids) => {
      const rows = await messagesByWhatsIds(this.pool, this.tenantId, ids);
      const first = new Map<string, MessageRow>();
      for (const r of rows) if (!first.has(r.whatsMessageId)) first.set(r.whatsMessageId, r);
      return ids.map((id) => first.get(id) ?? null);
    }));
  }

  /** Message totals from the counters: a conversation id, or '' for the tenant (countFromCounters). */
  get messageTotals() {
    return (this._messageTotals ??= new DataLoader(async (keys) => {
      const totals = await messageTotals(this.pool, this.tenantId, keys);
      return keys.map((k) => totals.get(k)!);
    }));
  }

  get conversationMessages() {
    return (this._conversationMessages ??= pagesByParent((ids, q) => messagePagesByParent(this.pool, 'conversationId', ids, q, (d) => this.giveAgentDirectory(d))));
  }

  get contactMessages() {
    return (this._contactMessages ??= pagesByParent((ids, q) => messagePagesByParent(this.pool, 'contactId', ids, q, (d) => this.giveAgentDirectory(d))));
  }

  get contactConversations() {
    return (this._contactConversations ??= pagesByParent((ids, q) => conversationPages(this.pool, q, { column: 'contactId', ids })));
  }
}

export function createLoaders(pool: pg.Pool, tenantId: string): RequestLoaders {
  return new RequestLoaders(pool, tenantId);
}

export type Loaders = RequestLoaders;

/**
 * Loaders for subscriptions, shared by every subscriber of a tenant on this
 * instance and renewed on every turn of the event loop. An event reaches
 * its subscribers in the same turn, so a thousand dashboards resolving the
 * same message cost one statement, and the next event reads fresh rows
 * (a subscription lives for hours: a per-subscription cache would go stale).
 */
export class SharedLoaders {
  private current = new Map<string, Loaders>();
  private renewing = false;

  constructor(private readonly pool: pg.Pool) {}

  /** This turn's loaders of `tenantId`. */
  of(tenantId: string): Loaders {
    let loaders = this.current.get(tenantId);
    if (!loaders) {
      loaders = createLoaders(this.pool, tenantId);
      this.current.set(tenantId, loaders);
      if (!this.renewing) {
        this.renewing = true;
        setImmediate(() => {
          this.current = new Map();
          this.renewing = false;
        });
      }
    }
    return loaders;
  }

  /** A Loaders object that always answers with the current turn's loaders of `tenantId`. */
  live(tenantId: string): Loaders {
    return new Proxy({} as Loaders, {
      get: (_target, key) => {
        const loaders = this.of(tenantId);
        const value = loaders[key as keyof Loaders];
        // A method (agentDirectory) runs on this turn's loaders, not on the proxy.
        return typeof value === 'function' ? value.bind(loaders) : value;
      },
    });
  }
}
