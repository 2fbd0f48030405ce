// Response times (README "Response times"): reply-time distributions per
// bucket, agent, account and chat type, read from the histogram kept on write
// (src/read/response-times.ts, prisma/sql/aggregates.sql). Same range, zone
// and filter conventions as messageCounts.
import DataLoader from 'dataloader';
import type { ChatType } from '../domain/codes.ts';
import type { CountInterval } from '../read/aggregates.ts';
import {
  firstResponsesOf, repliesOf, responseTimes, type AnsweredStretch, type ResponseTimeBin, type ResponseTimeDimension, type ResponseTimeMetric, type ResponseTimeRow,
} from '../read/response-times.ts';
import { CountIntervalEnum, timeZoneArg } from './aggregates.ts';
import { builder } from './builder.ts';
import { ChatTypeEnum } from './enums.ts';
import { tenantOf } from './ids.ts';
import { ConversationRef } from './refs.ts';
import { badInput } from '../domain/bad-input.ts';

const ResponseTimeMetricEnum = builder.enumType('ResponseTimeMetric', {
  description:
    'In a conversation\'s chat-time order, an inbound message is answered by the first outbound message at the same instant or later; ' +
    'the inbound messages one outbound message answers form an answered stretch, whose reply time is the answer\'s chat time minus the oldest of them ' +
    '(how long the first unanswered message waited: awaitingReply\'s `since`).',
  values: {
    REPLY: { description: 'Every answered stretch, counted in the bucket of its answer.' },
    FIRST_RESPONSE: { description: "Each conversation's first answered stretch (its first response)." },
  } as const,
});

const DIMENSION_OF = { AGENT: 'agentAccount', ACCOUNT: 'accountWhatsId', CHAT_TYPE: 'chatType' } as const satisfies Record<string, ResponseTimeDimension>;

const ResponseTimeDimensionEnum = builder.enumType('ResponseTimeDimension', {
  description: 'What response-time distributions can be split by: the answer\'s agent, account and chat type.',
  values: {
    AGENT: { description: "The answering message's agent login; null when it has none." },
    ACCOUNT: { description: "The agent's WhatsApp account, bare." },
    CHAT_TYPE: {},
  } as const,
});

const ResponseTimeWhere = builder.inputType('ResponseTimeWhere', {
  description: 'Counts only the stretches whose answer matches every given field (a list: any of its values).',
  fields: (t) => ({
    agentAccount: t.stringList({ description: 'Agent logins of the answering message; "" for none.' }),
    accountWhatsId: t.stringList({ description: "The agent's WhatsApp accounts (with or without @c.us)." }),
    chatType: t.field({ type: ChatTypeEnum }),
  }),
});

const ResponseTimeBinRef = builder.objectRef<ResponseTimeBin>('ResponseTimeBin').implement({
  description:
    'A reply-time bin: [0, 1 s), then bins each about 19% wider than the last (bounds 2^(k/4) s, to the millisecond) up to 2^24 s, then one open bin.',
  fields: (t) => ({
    fromSeconds: t.exposeFloat('fromSeconds', { description: 'Inclusive.' }),
    toSeconds: t.exposeFloat('toSeconds', { nullable: true, description: 'Exclusive; null for the last, open bin.' }),
    count: t.exposeInt('count'),
  }),
});

const ResponseTimeRowRef = builder.objectRef<ResponseTimeRow>('ResponseTimeRow').implement({
  description: 'The reply times of one bucket and one combination of the split dimensions (the others are null).',
  fields: (t) => ({
    bucketStart: t.field({ type: 'DateTime', resolve: (r) => r.bucketStart }),
    bucketLocal: t.exposeString('bucketLocal', { description: 'The bucket\'s start on the zone\'s wall clock, "YYYY-MM-DDTHH:MM".' }),
    agentAccount: t.exposeString('agentAccount', { nullable: true }),
    accountWhatsId: t.exposeString('accountWhatsId', { nullable: true }),
    chatType: t.field({ type: ChatTypeEnum, nullable: true, resolve: (r) => r.chatType }),
    count: t.exposeInt('count', { description: 'Answered stretches.' }),
    p50: t.field({ type: ResponseTimeBinRef, description: 'The bin holding the median (nearest rank: the ⌈N/2⌉-th smallest reply time).', resolve: (r) => r.p50 }),
    p90: t.field({ type: ResponseTimeBinRef, description: 'The bin holding the 90th percentile (the ⌈0.9·N⌉-th smallest).', resolve: (r) => r.p90 }),
    p50Seconds: t.float({
      description: 'p50 as one number: the upper bound of its bin (the median is below it, and at least 84% of it); the lower bound for the open bin.',
      resolve: (r) => r.p50.toSeconds ?? r.p50.fromSeconds,
    }),
    p90Seconds: t.float({ description: 'p90 as one number, like p50Seconds.', resolve: (r) => r.p90.toSeconds ?? r.p90.fromSeconds }),
    bins: t.field({ type: [ResponseTimeBinRef], description: 'The non-empty bins, shortest first.', resolve: (r) => r.bins }),
  }),
});

const ResponseTimes = builder.objectRef<{ total: number; timeZone: string; rows: ResponseTimeRow[] }>('ResponseTimes').implement({
  fields: (t) => ({
    total: t.exposeInt('total', { description: 'Answered stretches in the range that match the filter.' }),
    timeZone: t.exposeString('timeZone'),
    rows: t.field({ type: [ResponseTimeRowRef], description: 'Non-empty cells, by bucket then by the split values.', resolve: (r) => r.rows }),
  }),
});

builder.queryFields((t) => ({
  responseTimes: t.field({
    type: ResponseTimes,
    description:
      'Reply-time distributions (count, p50, p90, bins) per local hour or day of a zone, by the chat time of the answer, split by agent, account or chat type. ' +
      'Read from a histogram kept on write: O(buckets × bins), exact bin counts. `from` and `to` fall on quarter hours.',
    authScopes: { read: true },
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true, description: 'Exclusive.' }),
      timeZone: t.arg.string({ description: 'An IANA zone; LEGACY_TIME_ZONE by default.' }),
      interval: t.arg({ type: CountIntervalEnum, defaultValue: 'RANGE' }),
      metric: t.arg({ type: ResponseTimeMetricEnum, defaultValue: 'REPLY' }),
      groupBy: t.arg({ type: [ResponseTimeDimensionEnum], defaultValue: [] }),
      where: t.arg({ type: ResponseTimeWhere }),
    },
    resolve: async (_root, args, ctx) => {
      const timeZone = timeZoneArg(args.timeZone, ctx.services.config.legacyTimeZone);
      const groupBy = [...new Set((args.groupBy ?? []).map((d) => DIMENSION_OF[d as keyof typeof DIMENSION_OF]))];
      const where = args.where ?? {};
      const result = await responseTimes(ctx.services.db.pool, {
        tenantId: tenantOf(ctx), from: args.from, to: args.to, timeZone,
        interval: (args.interval ?? 'RANGE') as CountInterval, metric: (args.metric ?? 'REPLY') as ResponseTimeMetric, groupBy,
        filter: { agentAccount: where.agentAccount, accountWhatsId: where.accountWhatsId, chatType: where.chatType as ChatType | null | undefined },
      });
      return { ...result, timeZone };
    },
  }),
}));

const AnsweredStretchRef = builder.objectRef<AnsweredStretch>('AnsweredStretch').implement({
  description: "Inbound messages answered by one outbound message (ResponseTimeMetric): the customer's wait from `since` to `answeredAt`.",
  fields: (t) => ({
    since: t.field({ type: 'DateTime', description: 'The oldest inbound message the answer took.', resolve: (r) => r.since }),
    answeredAt: t.field({ type: 'DateTime', description: "The answer's chat time.", resolve: (r) => r.answeredAt }),
    replySeconds: t.float({ resolve: (r) => (r.answeredAt.getTime() - r.since.getTime()) / 1000 }),
    agentAccount: t.exposeString('agentAccount', { nullable: true, description: "The answer's agent." }),
  }),
});

const MAX_REPLIES = 100;
/** Per-request loaders (kept beside the request's own, never module-wide). */
const stretchLoaders = new WeakMap<object, { first: DataLoader<string, AnsweredStretch | null>; replies: DataLoader<string, AnsweredStretch[]> }>();
function loadersOf(ctx: { loaders: object; services: { db: { pool: import('pg').Pool } } }, tenantId: string) {
  let l = stretchLoaders.get(ctx.loaders);
  if (!l) {
    const pool = ctx.services.db.pool;
    l = { first: new DataLoader((ids) => firstResponsesOf(pool, tenantId, ids)), replies: new DataLoader((keys) => repliesOf(pool, tenantId, keys)) };
    stretchLoaders.set(ctx.loaders, l);
  }
  return l;
}

builder.objectFields(ConversationRef, (t) => ({
  firstResponse: t.field({
    type: AnsweredStretchRef,
    nullable: true,
    description: 'Its first answered stretch (first-response time = replySeconds); null until a customer message is answered.',
    resolve: (c, _args, ctx) => loadersOf(ctx, tenantOf(ctx)).first.load(c.id),
  }),
  replies: t.field({
    type: [AnsweredStretchRef],
    description: 'Its answered stretches (reply times), newest first.',
    args: { first: t.arg.int({ defaultValue: 20, description: `At most ${MAX_REPLIES}.` }) },
    resolve: (c, args, ctx) => {
      const first = args.first ?? 20;
      if (first < 0 || first > MAX_REPLIES) throw badInput(`first must be between 0 and ${MAX_REPLIES}, got ${first}`);
      return loadersOf(ctx, tenantOf(ctx)).replies.load(`${c.id}:${first}`);
    },
  }),
}));
