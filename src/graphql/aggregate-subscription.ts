// messageCountsChanged: the buckets of messageCounts that live events touch,
// pushed again with their new numbers. Events (message added, status
// changed) are gathered for a short while, their messages' chat times give
// the buckets they fall in, and each such bucket is read again from the
// roll-ups (the same code as messageCounts): a subscriber replaces the bucket
// it holds. Events of other tenants never reach the listener (topics carry
// the tenant).
import { Repeater } from '@graphql-yoga/subscription';
import { awaitingReply, messageCounts, type CountDimension, type CountRow } from '../read/aggregates.ts';
import { builder } from './builder.ts';
import {
  AwaitingReplyQueue, AwaitingReplyWhere, CountIntervalEnum, DIMENSION_OF, MessageCountDimensionEnum, MessageCountRowRef, MessageCountWhere,
  awaitingFilterOf, awaitingFirstArg, countFilterOf, timeZoneArg,
} from './aggregates.ts';
import { tenantOf } from './ids.ts';
import { badInput } from '../domain/bad-input.ts';

/** Events arriving within this window are answered together. */
const GATHER_MS = 250;

interface BucketUpdate {
  bucketStart: Date;
  bucketLocal: string;
  total: number;
  rows: CountRow[];
}

const MessageCountBucket = builder.objectRef<BucketUpdate>('MessageCountBucket').implement({
  description: 'One bucket of messageCounts, as it is now: replaces the bucket with the same start.',
  fields: (t) => ({
    bucketStart: t.field({ type: 'DateTime', resolve: (b) => b.bucketStart }),
    bucketLocal: t.exposeString('bucketLocal'),
    total: t.exposeInt('total', { description: 'Messages of the bucket that match the filter.' }),
    rows: t.field({ type: [MessageCountRowRef], resolve: (b) => b.rows }),
  }),
});

builder.subscriptionFields((t) => ({
  messageCountsChanged: t.field({
    type: MessageCountBucket,
    description:
      'The messageCounts buckets (local HOUR or DAY of the zone) that stored messages and status changes touch, each pushed with its new numbers ' +
      'shortly after (events of a quarter second are answered together).',
    authScopes: { read: true },
    args: {
      timeZone: t.arg.string({ description: 'An IANA zone; LEGACY_TIME_ZONE by default.' }),
      interval: t.arg({ type: CountIntervalEnum, defaultValue: 'HOUR', description: 'HOUR or DAY.' }),
      groupBy: t.arg({ type: [MessageCountDimensionEnum], defaultValue: [] }),
      where: t.arg({ type: MessageCountWhere }),
    },
    subscribe: (_root, args, ctx) => {
      const tenantId = tenantOf(ctx);
      const timeZone = timeZoneArg(args.timeZone, ctx.services.config.legacyTimeZone);
      const interval = args.interval ?? 'HOUR';
      if (interval === 'RANGE') throw badInput('interval must be HOUR or DAY for messageCountsChanged');
      const groupBy = [...new Set((args.groupBy ?? []).map((d) => DIMENSION_OF[d as keyof typeof DIMENSION_OF]))] as CountDimension[];
      const filter = countFilterOf(args.where);
      const pool = ctx.services.db.pool;
      const unit = interval === 'HOUR' ? 'hour' : 'day';

      return new Repeater<BucketUpdate>(async (push, stop) => {
        let pending = new Set<string>();
        let timer: NodeJS.Timeout | null = null;
        const flush = async () => {
          timer = null;
          const ids = [...pending];
          pending = new Set();
          // The buckets of the events' messages, with their bounds (local hours and days start on quarter hours).
          const { rows } = await pool.query(
            `SELECT DISTINCT b AT TIME ZONE $3 AS "from", (b + interval '1 ${unit}') AT TIME ZONE $3 AS "to"
               FROM (SELECT date_trunc('${unit}', "chatTime" AT TIME ZONE $3) AS b FROM "Message"
                      WHERE "tenantId" = $1::bigint AND id = ANY($2::bigint[])) m ORDER BY 1`,
            [tenantId, ids, timeZone],
          );
          for (const r of rows as { from: Date; to: Date }[]) {
            const counts = await messageCounts(pool, { tenantId, from: r.from, to: r.to, timeZone, interval, groupBy, filter });
            const local = await pool.query(`SELECT to_char($1::timestamptz AT TIME ZONE $2, 'YYYY-MM-DD"T"HH24:MI') AS l`, [r.from, timeZone]);
            await push({ bucketStart: r.from, bucketLocal: local.rows[0].l as string, total: counts.total, rows: counts.rows });
          }
        };
        const onEvent = (e: { messageId: string }) => {
          pending.add(e.messageId);
          timer ??= setTimeout(() => void flush().catch((err) => stop(err)), GATHER_MS);
        };
        const stops = [
          ctx.services.events.listen('messageAdded', tenantId, onEvent),
          ctx.services.events.listen('messageStatusChanged', tenantId, onEvent),
        ];
        await stop;
        if (timer) clearTimeout(timer);
        for (const s of stops) s();
      });
    },
    resolve: (update) => update,
  }),
}));

// awaitingReplyChanged: the waiting queue (awaitingReply, same filter and
// page), pushed when the subscription starts and again whenever stored
// messages change it: messages of a quarter second are answered together
// by one read of "ConversationAwaitingReply", and a read that finds the page
// and total as they were pushes nothing.
builder.subscriptionFields((t) => ({
  awaitingReplyChanged: t.field({
    type: AwaitingReplyQueue,
    description:
      'The awaitingReply queue (same filter and page), pushed at once and then each time stored messages change it ' +
      '(a conversation starts or stops waiting, its oldest unanswered message or its agent changes; events of a quarter second are answered together).',
    authScopes: { read: true },
    args: {
      where: t.arg({ type: AwaitingReplyWhere }),
      first: t.arg.int({ defaultValue: 50, description: 'At most 500.' }),
    },
    subscribe: (_root, args, ctx) => {
      const tenantId = tenantOf(ctx);
      const filter = awaitingFilterOf(args.where);
      const first = awaitingFirstArg(args.first);
      const pool = ctx.services.db.pool;
      type Queue = Awaited<ReturnType<typeof awaitingReply>>;

      return new Repeater<Queue>(async (push, stop) => {
        let last = '';
        let timer: NodeJS.Timeout | null = null;
        const read = async () => {
          const queue = await awaitingReply(pool, tenantId, filter, first);
          const key = JSON.stringify([queue.total, queue.items]);
          if (key === last) return;
          last = key;
          await push(queue);
        };
        // Reads one after another, so pushes come in the order the queue changed.
        let reading = read().catch((err) => stop(err));
        const onEvent = () => {
          timer ??= setTimeout(() => {
            timer = null;
            reading = reading.then(read).catch((err) => stop(err));
          }, GATHER_MS);
        };
        const unlisten = ctx.services.events.listen('messageAdded', tenantId, onEvent);
        await stop;
        if (timer) clearTimeout(timer);
        unlisten();
      });
    },
    resolve: (queue) => queue,
  }),
}));
