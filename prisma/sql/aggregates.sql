-- Dashboard roll-ups (README "Dashboard aggregates"): the one source of the
-- rules that keep "MessageCountByDirection", "MessageCountByKind" (and their
-- hourly copies "…Hour"), "MessageCountFull", "ConversationAwaitingReply" and the
-- response times ("ConversationReply", "ConversationFirstReply",
-- "ResponseTimeHistogram") exact. The migration
-- that installs them carries this text verbatim (test/unit/aggregates.test.ts).
-- Statement-level triggers on "Message" see each statement's rows at once
-- (transition tables), so a batch of the store function costs one upsert per
-- cuboid, whatever its size.

-- A message's 15-minute UTC slot: every IANA zone's offset is a multiple of
-- 15 minutes, so local hours and days are unions of whole slots.
CREATE OR REPLACE FUNCTION chatgraph_count_slot(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN date_bin('15 minutes', t, timestamptz '2000-01-01 00:00:00+00');

-- Its whole UTC hour: the grain of the hourly copies of the two small
-- cuboids, read for zones whose offsets are whole hours (4× fewer rows).
CREATE OR REPLACE FUNCTION chatgraph_count_hour(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN date_bin('1 hour', t, timestamptz '2000-01-01 00:00:00+00');

-- Adds signed counts to the cuboids (and the hourly copies). Rows are upserted in key order, so
-- two transactions touching the same slots lock them in the same order.
CREATE OR REPLACE FUNCTION chatgraph_add_message_counts(
  p_tenant BIGINT[], p_slot TIMESTAMPTZ[], p_direction "Direction"[], p_status "MessageStatus"[],
  p_content "ContentType"[], p_chat "ChatType"[], p_agent TEXT[], p_account TEXT[], p_n INTEGER[])
RETURNS void
LANGUAGE sql
AS $fn$
  WITH d AS (
    SELECT * FROM unnest(p_tenant, p_slot, p_direction, p_status, p_content, p_chat, p_agent, p_account, p_n)
      AS d(tenant, slot, direction, status, content, chat, agent, account, n)
  ), by_direction AS (
    INSERT INTO "MessageCountByDirection" AS c ("tenantId", slot, direction, n)
    SELECT tenant, slot, direction, sum(n) FROM d GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT ("tenantId", slot, direction) DO UPDATE SET n = c.n + EXCLUDED.n
  ), by_direction_hour AS (
    INSERT INTO "MessageCountByDirectionHour" AS c ("tenantId", hour, direction, n)
    SELECT tenant, chatgraph_count_hour(slot), direction, sum(n) FROM d GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT ("tenantId", hour, direction) DO UPDATE SET n = c.n + EXCLUDED.n
  ), by_kind_hour AS (
    INSERT INTO "MessageCountByKindHour" AS c ("tenantId", hour, direction, status, "contentType", "chatType", n)
    SELECT tenant, chatgraph_count_hour(slot), direction, status, content, chat, sum(n) FROM d GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT ("tenantId", hour, direction, status, "contentType", "chatType") DO UPDATE SET n = c.n + EXCLUDED.n
  ), by_kind AS (
    INSERT INTO "MessageCountByKind" AS c ("tenantId", slot, direction, status, "contentType", "chatType", n)
    SELECT tenant, slot, direction, status, content, chat, sum(n) FROM d GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT ("tenantId", slot, direction, status, "contentType", "chatType") DO UPDATE SET n = c.n + EXCLUDED.n
  )
  INSERT INTO "MessageCountFull" AS c ("tenantId", slot, direction, status, "contentType", "chatType", "agentAccount", "accountWhatsIdBare", n)
  SELECT tenant, slot, direction, status, content, chat, agent, account, sum(n) FROM d GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
  ON CONFLICT ("tenantId", slot, direction, status, "contentType", "chatType", "agentAccount", "accountWhatsIdBare") DO UPDATE SET n = c.n + EXCLUDED.n;
$fn$;

-- Recomputes the awaiting-reply row of each conversation given: awaiting
-- when an inbound message is newer than the newest outbound one (a tie
-- counts as answered); `since` is the oldest such inbound message. Each
-- lookup walks the ("conversationId", "chatTime", id) index from one end.
CREATE OR REPLACE FUNCTION chatgraph_refresh_awaiting_reply(p_conversations BIGINT[])
RETURNS void
LANGUAGE sql
AS $fn$
  WITH c AS (
    SELECT DISTINCT u.id FROM unnest(p_conversations) AS u(id) WHERE u.id IS NOT NULL
  ), state AS (
    SELECT c.id, o.at AS answered_at
      FROM c
      LEFT JOIN LATERAL (
        SELECT m."chatTime" AS at FROM "Message" m
         WHERE m."conversationId" = c.id AND m.direction = 'OUTBOUND'
         ORDER BY m."chatTime" DESC, m.id DESC LIMIT 1
      ) o ON true
  ), awaiting AS (
    SELECT s.id, first_in."tenantId", first_in."chatTime" AS since, last_in."chatTime" AS last_at,
           newest.agent, newest."accountWhatsIdBare", newest."chatType"
      FROM state s
      JOIN LATERAL (
        SELECT m."tenantId", m."chatTime" FROM "Message" m
         WHERE m."conversationId" = s.id AND m.direction = 'INBOUND'
           AND (s.answered_at IS NULL OR m."chatTime" > s.answered_at)
         ORDER BY m."chatTime", m.id LIMIT 1
      ) first_in ON true
      JOIN LATERAL (
        SELECT m."chatTime" FROM "Message" m
         WHERE m."conversationId" = s.id AND m.direction = 'INBOUND'
         ORDER BY m."chatTime" DESC, m.id DESC LIMIT 1
      ) last_in ON true
      JOIN LATERAL (
        SELECT coalesce(m."agentAccount", '') AS agent, m."accountWhatsIdBare", m."chatType" FROM "Message" m
         WHERE m."conversationId" = s.id
         ORDER BY m."chatTime" DESC, m.id DESC LIMIT 1
      ) newest ON true
  ), removed AS (
    DELETE FROM "ConversationAwaitingReply" a
     WHERE a."conversationId" IN (SELECT id FROM c) AND a."conversationId" NOT IN (SELECT id FROM awaiting)
  )
  INSERT INTO "ConversationAwaitingReply" AS a
    ("conversationId", "tenantId", since, "lastInboundAt", "agentAccount", "accountWhatsIdBare", "chatType")
  SELECT id, "tenantId", since, last_at, agent, "accountWhatsIdBare", "chatType" FROM awaiting ORDER BY id
  ON CONFLICT ("conversationId") DO UPDATE
     SET since = EXCLUDED.since, "lastInboundAt" = EXCLUDED."lastInboundAt", "agentAccount" = EXCLUDED."agentAccount",
         "accountWhatsIdBare" = EXCLUDED."accountWhatsIdBare", "chatType" = EXCLUDED."chatType"
   WHERE (a.since, a."lastInboundAt", a."agentAccount", a."accountWhatsIdBare", a."chatType")
         IS DISTINCT FROM (EXCLUDED.since, EXCLUDED."lastInboundAt", EXCLUDED."agentAccount", EXCLUDED."accountWhatsIdBare", EXCLUDED."chatType");
$fn$;

CREATE OR REPLACE FUNCTION chatgraph_message_aggregates_insert() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
  PERFORM chatgraph_add_message_counts(
    array_agg("tenantId"), array_agg(chatgraph_count_slot("chatTime")), array_agg(direction), array_agg(status),
    array_agg("contentType"), array_agg("chatType"), array_agg(coalesce("agentAccount", '')), array_agg("accountWhatsIdBare"),
    array_agg(1))
    FROM new_rows
  HAVING count(*) > 0;
  PERFORM chatgraph_refresh_awaiting_reply(ARRAY(SELECT DISTINCT "conversationId" FROM new_rows));
  PERFORM chatgraph_refresh_response_times(array_agg(c), array_agg(t0), array_agg(t1), ARRAY(SELECT id FROM new_rows))
    FROM (SELECT "conversationId" AS c, min("chatTime") AS t0, max("chatTime") AS t1 FROM new_rows GROUP BY 1 ORDER BY 1) x;
  RETURN NULL;
END
$fn$;

-- Updates: only rows whose counted dimensions changed (in practice a status
-- moving forward) move from one cell to another. Old and new rows are paired
-- by id with hash joins: the store function turns them off for its own
-- statements, and its settings reach the triggers its statements fire, where
-- nested loops made a statement of n rows cost n² comparisons per pairing
-- (half the database time of a batch of 500 status updates).
CREATE OR REPLACE FUNCTION chatgraph_message_aggregates_update() RETURNS trigger
LANGUAGE plpgsql
SET enable_hashjoin = on
SET enable_mergejoin = on
AS $fn$
DECLARE
  v_conversations BIGINT[];
BEGIN
  PERFORM chatgraph_add_message_counts(
    array_agg(d."tenantId"), array_agg(chatgraph_count_slot(d."chatTime")), array_agg(d.direction), array_agg(d.status),
    array_agg(d."contentType"), array_agg(d."chatType"), array_agg(coalesce(d."agentAccount", '')), array_agg(d."accountWhatsIdBare"),
    array_agg(d.sign))
    FROM (
      SELECT o."tenantId", o."chatTime", o.direction, o.status, o."contentType", o."chatType", o."agentAccount", o."accountWhatsIdBare", -1 AS sign
        FROM old_rows o JOIN new_rows n ON n.id = o.id
       WHERE (o."tenantId", o."chatTime", o.direction, o.status, o."contentType", o."chatType", o."agentAccount", o."accountWhatsIdBare")
             IS DISTINCT FROM (n."tenantId", n."chatTime", n.direction, n.status, n."contentType", n."chatType", n."agentAccount", n."accountWhatsIdBare")
      UNION ALL
      SELECT n."tenantId", n."chatTime", n.direction, n.status, n."contentType", n."chatType", n."agentAccount", n."accountWhatsIdBare", 1
        FROM old_rows o JOIN new_rows n ON n.id = o.id
       WHERE (o."tenantId", o."chatTime", o.direction, o.status, o."contentType", o."chatType", o."agentAccount", o."accountWhatsIdBare")
             IS DISTINCT FROM (n."tenantId", n."chatTime", n.direction, n.status, n."contentType", n."chatType", n."agentAccount", n."accountWhatsIdBare")
    ) d
  HAVING count(*) > 0;
  -- One pairing, not a second one for an EXISTS (planned as a nested loop, to stop at the first row).
  v_conversations := ARRAY(
    SELECT unnest(ARRAY[o."conversationId", n."conversationId"])
      FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE (o."conversationId", o."chatTime", o.direction, o."agentAccount")
           IS DISTINCT FROM (n."conversationId", n."chatTime", n.direction, n."agentAccount"));
  IF cardinality(v_conversations) > 0 THEN
    PERFORM chatgraph_refresh_awaiting_reply(v_conversations);
  END IF;
  -- Stretches: the span of each conversation's moved messages, where they were and where they are.
  PERFORM chatgraph_refresh_response_times(array_agg(c), array_agg(t0), array_agg(t1),
      ARRAY(SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
             WHERE (o."conversationId", o."chatTime", o.direction, o."agentAccount", o."whatsMessageId", o."accountWhatsIdBare", o."chatType")
             IS DISTINCT FROM (n."conversationId", n."chatTime", n.direction, n."agentAccount", n."whatsMessageId", n."accountWhatsIdBare", n."chatType")))
    FROM (SELECT c, min(t) AS t0, max(t) AS t1
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            CROSS JOIN LATERAL (VALUES (o."conversationId", o."chatTime"), (n."conversationId", n."chatTime")) AS v(c, t)
           WHERE (o."conversationId", o."chatTime", o.direction, o."agentAccount", o."whatsMessageId", o."accountWhatsIdBare", o."chatType")
             IS DISTINCT FROM (n."conversationId", n."chatTime", n.direction, n."agentAccount", n."whatsMessageId", n."accountWhatsIdBare", n."chatType")
           GROUP BY 1 ORDER BY 1) x;
  RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION chatgraph_message_aggregates_delete() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
  PERFORM chatgraph_add_message_counts(
    array_agg("tenantId"), array_agg(chatgraph_count_slot("chatTime")), array_agg(direction), array_agg(status),
    array_agg("contentType"), array_agg("chatType"), array_agg(coalesce("agentAccount", '')), array_agg("accountWhatsIdBare"),
    array_agg(-1))
    FROM old_rows
  HAVING count(*) > 0;
  PERFORM chatgraph_refresh_awaiting_reply(ARRAY(SELECT DISTINCT "conversationId" FROM old_rows));
  PERFORM chatgraph_refresh_response_times(array_agg(c), array_agg(t0), array_agg(t1), '{}')
    FROM (SELECT "conversationId" AS c, min("chatTime") AS t0, max("chatTime") AS t1 FROM old_rows GROUP BY 1 ORDER BY 1) x;
  RETURN NULL;
END
$fn$;

-- Response times (README "Response times"; the rule is stated on model
-- "ConversationReply" in schema.prisma). Reply times fall in fixed
-- log-scale bins: bin 0 is [0, 1 s), bin k (1..96) is [2^((k-1)/4) s,
-- 2^(k/4) s) — each bound about 19% above the last, rounded to the
-- millisecond — and bin 97 is [2^24 s ≈ 194 days, ∞). These are the bins'
-- lower bounds in milliseconds (bin k starts at element k).
CREATE OR REPLACE FUNCTION chatgraph_response_bounds() RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY(SELECT round(1000 * power(2::numeric, (k - 1) / 4.0))::bigint FROM generate_series(1, 97) AS k ORDER BY k);

-- The bin of a reply time (integer comparisons with the bounds: no rounding at the edges).
CREATE OR REPLACE FUNCTION chatgraph_response_bin(waited interval) RETURNS smallint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN width_bucket(round(extract(epoch FROM waited) * 1000)::bigint, chatgraph_response_bounds());

-- Recomputes the answered stretches of each conversation given between the
-- chat times its changed messages had or have (p_from..p_to). Only stretches
-- answered after the last outbound message before p_from and up to the first
-- unchanged outbound message at or after p_to can differ (an unchanged
-- outbound message bounds the stretches on both sides), so the work is the
-- messages of that window, read through the ("conversationId", "chatTime")
-- index, whatever order messages arrive in. Rows are written only where they
-- change (the histogram's triggers then move only what moved).
CREATE OR REPLACE FUNCTION chatgraph_refresh_replies(p_conversation BIGINT[], p_from TIMESTAMPTZ[], p_to TIMESTAMPTZ[], p_changed BIGINT[])
RETURNS void
LANGUAGE sql
AS $fn$
  WITH w AS (
    SELECT c.id, lo.at AS lo, hi.at AS hi
      FROM unnest(p_conversation, p_from, p_to) AS c(id, t0, t1)
      LEFT JOIN LATERAL (
        SELECT m."chatTime" AS at FROM "Message" m
         WHERE m."conversationId" = c.id AND m."chatTime" < c.t0 AND m.direction = 'OUTBOUND'
         ORDER BY m."chatTime" DESC LIMIT 1
      ) lo ON true
      LEFT JOIN LATERAL (
        SELECT m."chatTime" AS at FROM "Message" m
         WHERE m."conversationId" = c.id AND m."chatTime" >= c.t1 AND m.direction = 'OUTBOUND' AND m.id <> ALL(p_changed)
         ORDER BY m."chatTime" LIMIT 1
      ) hi ON true
  ), msgs AS (
    SELECT w.id AS conversation, m."chatTime", m.direction,
           -- the first outbound message at this instant or later (peers included: a tie is answered),
           -- as a running minimum from the end (a frame from UNBOUNDED PRECEDING is one pass)
           min(m."chatTime") FILTER (WHERE m.direction = 'OUTBOUND')
             OVER (PARTITION BY w.id ORDER BY m."chatTime" DESC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS answer
      FROM w
      JOIN LATERAL (
        SELECT m."chatTime", m.direction FROM "Message" m
         WHERE m."conversationId" = w.id AND (w.lo IS NULL OR m."chatTime" > w.lo) AND (w.hi IS NULL OR m."chatTime" <= w.hi)
      ) m ON true
  ), stretches AS (
    -- The answer's details: one index probe per stretch (of outbound messages at that instant, the smallest whatsMessageId).
    SELECT s.conversation, s.answer, s.since, a."tenantId", a.agent, a."accountWhatsIdBare", a."chatType"
      FROM (SELECT conversation, answer, min("chatTime") AS since FROM msgs
             WHERE direction = 'INBOUND' AND answer IS NOT NULL GROUP BY 1, 2) s
      JOIN LATERAL (
        SELECT m."tenantId", coalesce(m."agentAccount", '') AS agent, m."accountWhatsIdBare", m."chatType" FROM "Message" m
         WHERE m."conversationId" = s.conversation AND m."chatTime" = s.answer AND m.direction = 'OUTBOUND'
         ORDER BY m."whatsMessageId" LIMIT 1
      ) a ON true
  ), removed AS (
    DELETE FROM "ConversationReply" r USING w
     WHERE r."conversationId" = w.id AND (w.lo IS NULL OR r."answeredAt" > w.lo) AND (w.hi IS NULL OR r."answeredAt" <= w.hi)
       AND NOT EXISTS (SELECT 1 FROM stretches s WHERE s.conversation = r."conversationId" AND s.answer = r."answeredAt")
  )
  INSERT INTO "ConversationReply" AS r ("conversationId", "answeredAt", "tenantId", since, "agentAccount", "accountWhatsIdBare", "chatType")
  SELECT conversation, answer, "tenantId", since, agent, "accountWhatsIdBare", "chatType" FROM stretches ORDER BY 1, 2
  ON CONFLICT ("conversationId", "answeredAt") DO UPDATE
     SET "tenantId" = EXCLUDED."tenantId", since = EXCLUDED.since, "agentAccount" = EXCLUDED."agentAccount",
         "accountWhatsIdBare" = EXCLUDED."accountWhatsIdBare", "chatType" = EXCLUDED."chatType"
   WHERE (r."tenantId", r.since, r."agentAccount", r."accountWhatsIdBare", r."chatType")
         IS DISTINCT FROM (EXCLUDED."tenantId", EXCLUDED.since, EXCLUDED."agentAccount", EXCLUDED."accountWhatsIdBare", EXCLUDED."chatType");
$fn$;

-- Copies each given conversation's earliest answered stretch (the primary
-- key's first entry) into "ConversationFirstReply", or removes it.
CREATE OR REPLACE FUNCTION chatgraph_refresh_first_replies(p_conversations BIGINT[])
RETURNS void
LANGUAGE sql
AS $fn$
  WITH c AS (
    SELECT DISTINCT u.id FROM unnest(p_conversations) AS u(id) WHERE u.id IS NOT NULL
  ), firsts AS (
    SELECT f.* FROM c JOIN LATERAL (
      SELECT * FROM "ConversationReply" r WHERE r."conversationId" = c.id ORDER BY r."answeredAt" LIMIT 1
    ) f ON true
  ), removed AS (
    DELETE FROM "ConversationFirstReply" f
     WHERE f."conversationId" IN (SELECT id FROM c) AND f."conversationId" NOT IN (SELECT "conversationId" FROM firsts)
  )
  INSERT INTO "ConversationFirstReply" AS f ("conversationId", "answeredAt", "tenantId", since, "agentAccount", "accountWhatsIdBare", "chatType")
  SELECT "conversationId", "answeredAt", "tenantId", since, "agentAccount", "accountWhatsIdBare", "chatType" FROM firsts ORDER BY 1
  ON CONFLICT ("conversationId") DO UPDATE
     SET "answeredAt" = EXCLUDED."answeredAt", "tenantId" = EXCLUDED."tenantId", since = EXCLUDED.since, "agentAccount" = EXCLUDED."agentAccount",
         "accountWhatsIdBare" = EXCLUDED."accountWhatsIdBare", "chatType" = EXCLUDED."chatType"
   WHERE (f."answeredAt", f."tenantId", f.since, f."agentAccount", f."accountWhatsIdBare", f."chatType")
         IS DISTINCT FROM (EXCLUDED."answeredAt", EXCLUDED."tenantId", EXCLUDED.since, EXCLUDED."agentAccount", EXCLUDED."accountWhatsIdBare", EXCLUDED."chatType");
$fn$;

-- Statement-level triggers on "ConversationReply" (TG_ARGV[0] = 'REPLY') and
-- "ConversationFirstReply" ('FIRST_RESPONSE') add their changed rows to the
-- histogram, signed, in key order.
CREATE OR REPLACE FUNCTION chatgraph_add_response_times(
  p_metric "ResponseTimeMetric", p_tenant BIGINT[], p_answered TIMESTAMPTZ[], p_since TIMESTAMPTZ[], p_agent TEXT[], p_account TEXT[],
  p_chat "ChatType"[], p_n INTEGER[])
RETURNS void
LANGUAGE sql
AS $fn$
  INSERT INTO "ResponseTimeHistogram" AS h ("tenantId", metric, slot, "agentAccount", "accountWhatsIdBare", "chatType", bin, n)
  SELECT tenant, p_metric, chatgraph_count_slot(answered), agent, account, chat, chatgraph_response_bin(answered - since), sum(n)
    FROM unnest(p_tenant, p_answered, p_since, p_agent, p_account, p_chat, p_n) AS d(tenant, answered, since, agent, account, chat, n)
   GROUP BY 1, 3, 4, 5, 6, 7 HAVING sum(n) <> 0 ORDER BY 1, 3, 4, 5, 6, 7
  ON CONFLICT ("tenantId", metric, slot, "agentAccount", "accountWhatsIdBare", "chatType", bin) DO UPDATE SET n = h.n + EXCLUDED.n;
$fn$;

CREATE OR REPLACE FUNCTION chatgraph_response_times_changed() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
  -- Each branch names only the transition tables its event has.
  IF TG_OP = 'INSERT' THEN
    PERFORM chatgraph_add_response_times(TG_ARGV[0]::"ResponseTimeMetric", array_agg("tenantId"), array_agg("answeredAt"), array_agg(since),
      array_agg("agentAccount"), array_agg("accountWhatsIdBare"), array_agg("chatType"), array_agg(1))
      FROM new_rows HAVING count(*) > 0;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM chatgraph_add_response_times(TG_ARGV[0]::"ResponseTimeMetric", array_agg("tenantId"), array_agg("answeredAt"), array_agg(since),
      array_agg("agentAccount"), array_agg("accountWhatsIdBare"), array_agg("chatType"), array_agg(-1))
      FROM old_rows HAVING count(*) > 0;
  ELSE
    PERFORM chatgraph_add_response_times(TG_ARGV[0]::"ResponseTimeMetric", array_agg(d."tenantId"), array_agg(d."answeredAt"), array_agg(d.since),
      array_agg(d."agentAccount"), array_agg(d."accountWhatsIdBare"), array_agg(d."chatType"), array_agg(d.sign))
      FROM (SELECT "tenantId", "answeredAt", since, "agentAccount", "accountWhatsIdBare", "chatType", -1 AS sign FROM old_rows
            UNION ALL
            SELECT "tenantId", "answeredAt", since, "agentAccount", "accountWhatsIdBare", "chatType", 1 FROM new_rows) d
      HAVING count(*) > 0;
  END IF;
  RETURN NULL;
END
$fn$;

-- The stretches of the conversations a statement on "Message" changed
-- (p_conversation with the chat-time span of its changed rows, old and
-- new), then their first responses.
CREATE OR REPLACE FUNCTION chatgraph_refresh_response_times(p_conversation BIGINT[], p_from TIMESTAMPTZ[], p_to TIMESTAMPTZ[], p_changed BIGINT[])
RETURNS void
LANGUAGE plpgsql
AS $fn$
BEGIN
  IF cardinality(p_conversation) > 0 THEN
    -- Two statements: the first responses are read from the stretches as the first one left them.
    PERFORM chatgraph_refresh_replies(p_conversation, p_from, p_to, p_changed);
    PERFORM chatgraph_refresh_first_replies(p_conversation);
  END IF;
END
$fn$;
