// The root `messagePage`: messages by page number, for table UIs and the
// legacy REST adapters (msgPage's `current`, retrievePastRecords' `pageNo`).
// Same filters, order and Message type as the `messages` connection; deep
// pages cost about what page 1 does (src/read/messages.ts, messageOffsetPage).
import { countFromCounters, countMessages, counterTotalSql, messageOffsetPage, type MessageRow } from '../read/messages.ts';
import { Params } from '../read/sql.ts';
import { DEFAULT_OFFSET_PAGE_SIZE, MAX_OFFSET_PAGE_SIZE } from '../read/pagination.ts';
import { builder } from './builder.ts';
import { tenantOf } from './ids.ts';
import { MessageOrderEnum, MessageWhere, giveDirectoryOf, messageFilterOf, selectedMessageColumns, wantsAgentDirectory } from './message.ts';
import { MessageRef } from './refs.ts';
import { selects } from './selection.ts';
import { badInput } from '../domain/bad-input.ts';

/** From this many rows deep, a page may walk from the other end of the list. */
const DEEP_OFFSET = 20_000;

// The totals the counters gave lately, per listing (tenant and filter): only
// to choose which end a deep page walks from — the walk itself always uses an
// exact total. With one at hand, a page before the middle needs no count
// first, and its count (when selected) runs beside the walk.
const RECENT_TOTAL_MS = 60_000;
const recentTotals = new Map<string, { total: number; at: number }>();

function rememberTotal(key: string, total: number): void {
  if (recentTotals.size >= 1000) recentTotals.clear();
  recentTotals.set(key, { total, at: Date.now() });
}

function recentTotal(key: string): number | undefined {
  const hit = recentTotals.get(key);
  return hit && Date.now() - hit.at < RECENT_TOTAL_MS ? hit.total : undefined;
}

interface MessagePageShape {
  nodes: MessageRow[];
  page: number;
  pageSize: number;
  /** Counted once, and only when totalCount or pageCount is selected. */
  totalCount: () => Promise<number>;
}


/** Checks page and pageSize (null = the default) and returns them with the rows to skip. */
export function offsetPageArgs(page: number | null | undefined, pageSize: number | null | undefined): { page: number; pageSize: number; offset: number } {
  const p = page ?? 1;
  const size = pageSize ?? DEFAULT_OFFSET_PAGE_SIZE;
  if (p < 1) throw badInput(`page must be at least 1, got ${p}`);
  if (size < 1 || size > MAX_OFFSET_PAGE_SIZE) throw badInput(`pageSize must be between 1 and ${MAX_OFFSET_PAGE_SIZE}, got ${size}`);
  return { page: p, pageSize: size, offset: (p - 1) * size };
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= fn());
}

const MessagePageRef = builder.objectRef<MessagePageShape>('MessagePage').implement({
  description: 'One page of messages by page number.',
  fields: (t) => ({
    nodes: t.field({ type: [MessageRef], resolve: (p) => p.nodes }),
    totalCount: t.int({
      description: 'How many messages match (from counters where the filter allows; computed only when selected).',
      resolve: (p) => p.totalCount(),
    }),
    page: t.exposeInt('page', { description: 'This page, from 1.' }),
    pageSize: t.exposeInt('pageSize'),
    pageCount: t.int({
      description: 'ceil(totalCount / pageSize): how many pages there are (0 when nothing matches).',
      resolve: async (p) => Math.ceil((await p.totalCount()) / p.pageSize),
    }),
  }),
});

builder.queryField('messagePage', (t) =>
  t.field({
    type: MessagePageRef,
    description: `Messages by page number (1, 2, …), newest first unless ordered otherwise; pages of 10 by default, at most ${MAX_OFFSET_PAGE_SIZE}. For table UIs and legacy callers; \`messages\` (cursors) suits endless lists.`,
    authScopes: { read: true },
    args: {
      where: t.arg({ type: MessageWhere }),
      orderBy: t.arg({ type: MessageOrderEnum }),
      page: t.arg.int({ defaultValue: 1 }),
      pageSize: t.arg.int({ defaultValue: DEFAULT_OFFSET_PAGE_SIZE }),
    },
    resolve: async (_root, args, ctx, info) => {
      const tenantId = tenantOf(ctx);
      const { page, pageSize, offset } = offsetPageArgs(args.page, args.pageSize);
      const filter = await messageFilterOf(ctx, args.where);
      const timeZone = ctx.services.config.legacyTimeZone;
      const pool = ctx.services.db.pool;
      const listing = `${tenantId}:${JSON.stringify(filter)}`;
      const fromCounters = async () => {
        const n = await countFromCounters(pool, tenantId, filter, ctx.loaders.messageTotals);
        if (n !== null) rememberTotal(listing, n);
        return n;
      };
      // A deep page that may lie past the middle first asks the counters for
      // the total (cheap when the filter allows, else null): past the middle
      // it then walks from the other end.
      let total: number | null = null;
      if (offset >= DEEP_OFFSET) {
        const recent = recentTotal(listing);
        if (recent === undefined || offset > recent / 2) total = await fromCounters();
      }
      const counted = once(async () => (await fromCounters()) ?? countMessages(pool, tenantId, filter, timeZone, ctx.loaders.messageTotals));
      // When the operation asks for the total, it is read from the counters in
      // the page's own statement where they answer it; else counted beside the page, not after it.
      const wanted = total === null && (selects(info, ['totalCount']) || selects(info, ['pageCount']));
      const inPage = wanted && counterTotalSql(tenantId, filter, new Params()) !== null;
      if (wanted && !inPage) counted().catch(() => {});
      // Agent fields resolve through the tenant's directory: read in the page's own statement.
      const withAgentDirectory = wantsAgentDirectory(ctx, info, [['nodes']]);
      const result = await messageOffsetPage(pool, {
        tenantId,
        filter,
        order: args.orderBy ?? 'CHAT_TIME_DESC',
        offset,
        limit: pageSize,
        total,
        withCounterTotal: inPage,
        withAgentDirectory,
        timeZone,
        ...selectedMessageColumns(info, [['nodes']]),
      });
      const known = total ?? result.total;
      if (result.total !== null) rememberTotal(listing, result.total);
      const totalCount = known !== null ? () => Promise.resolve(known) : counted;
      giveDirectoryOf(ctx, result);
      const nodes = result.rows;
      return { nodes, page, pageSize, totalCount };
    },
  }),
);
