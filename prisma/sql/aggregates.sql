-- Dashboard roll-ups (README "Dashboard aggregates"): the one source of the
-- rules that keep "MessageCountByDirection", "MessageCountByKind" (and their
-- hourly copies "…Hour"), "MessageCountFull" and "ConversationAwaitingReply" exact. The migration
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
  RETURN NULL;
END
$fn$;

-- Updates: only rows whose counted dimensions changed (in practice a status
-- moving forward) move from one cell to another.
CREATE OR REPLACE FUNCTION chatgraph_message_aggregates_update() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
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
  PERFORM chatgraph_refresh_awaiting_reply(ARRAY(
    SELECT unnest(ARRAY[o."conversationId", n."conversationId"])
      FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE (o."conversationId", o."chatTime", o.direction, o."agentAccount")
           IS DISTINCT FROM (n."conversationId", n."chatTime", n.direction, n."agentAccount")))
  WHERE EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
                 WHERE (o."conversationId", o."chatTime", o.direction, o."agentAccount")
                       IS DISTINCT FROM (n."conversationId", n."chatTime", n.direction, n."agentAccount"));
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
  RETURN NULL;
END
$fn$;
