-- The ingest write path: the one source of chatgraph_store_batch and the
-- helpers it reads its arguments with (README "Database and migrations"); the
-- caller is src/ingest/store.ts. The newest migration that installs them
-- carries this text, its {{…}} lists expanded (test/unit/sql-sources.test.ts):
-- after changing it or the Message column table, `npm run db:migration --
-- <name>` writes that migration.

-- Epoch milliseconds as a timestamp, exactly (whole seconds, then the milliseconds).
CREATE OR REPLACE FUNCTION chatgraph_epoch_ms(p_ms BIGINT)
RETURNS TIMESTAMPTZ
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$ SELECT to_timestamp(p_ms / 1000) + (p_ms % 1000) * INTERVAL '1 millisecond' $fn$;

-- The batch's messages as rows: the slots of the positional rows written by
-- messageRow, as the Message column table lists them
-- (src/domain/message-columns.ts; `npm run db:migration` expands each
-- {{message_…}} list from it). `ord` is a message's position in the batch,
-- `contact_ord` its contact's in the contacts argument, `conv_ord` its
-- conversation's among the batch's distinct conversations (numbered in order
-- of first appearance). A slot a shorter row (the previous release's) lacks
-- reads as NULL. Dropped first: a slot added to the table changes the result
-- type, which CREATE OR REPLACE cannot; the store function's statements
-- inline this function, so no plan keeps the dropped one.
DROP FUNCTION IF EXISTS chatgraph_message_rows(JSONB);
CREATE FUNCTION chatgraph_message_rows(p_messages JSONB)
RETURNS TABLE (ord INTEGER, {{message_row_columns}})
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
  SELECT (o - 1)::integer,
         {{message_row_values}}
    FROM jsonb_array_elements(p_messages) WITH ORDINALITY AS e(r, o)
$fn$;

-- A contact of the store call (its keys those of contactRow in
-- src/ingest/store.ts) as a patch of a "Contact" row: the keys it has,
-- renamed to the columns'. jsonb_populate_record(row, patch) is the row with
-- the fields given replaced; a field absent keeps its value.
CREATE OR REPLACE FUNCTION chatgraph_contact_patch(c JSONB) RETURNS JSONB
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
  SELECT COALESCE(jsonb_object_agg(k.col, c->k.key), '{}')
    FROM (VALUES ('name', 'name'), ('whats_id', 'whatsId'), ('whats_id_bare', 'whatsIdBare'), ('owner_name', 'ownerName'),
                 ('income', 'income'), ('profession', 'profession'), ('description', 'description'), ('email', 'email'),
                 ('address', 'address'), ('tags', 'tags'), ('custom_fields', 'customFields'), ('extends_map', 'extendsMap')) AS k(key, col)
   WHERE c ? k.key);

CREATE OR REPLACE FUNCTION chatgraph_store_batch(p_tenant BIGINT, p_messages JSONB, p_contacts JSONB, p_statuses JSONB)
RETURNS JSONB
LANGUAGE plpgsql
AS $fn$
DECLARE
  v_message_count INTEGER := jsonb_array_length(p_messages);
  -- Ids of the batch's contacts and conversations, by their numbers (+ 1).
  v_contact_ids BIGINT[] := '{}';
  v_conv_ids BIGINT[] := '{}';
  -- The rows inserted into "Message", one array per column.
  v_ins_id BIGINT[] := '{}';
  v_ins_conv BIGINT[] := '{}';
  v_ins_account TEXT[] := '{}';
  v_ins_wid TEXT[] := '{}';
  v_ins_direction "Direction"[] := '{}';
  v_ins_status "MessageStatus"[] := '{}';
  v_ins_at TIMESTAMPTZ[] := '{}';
  v_ins_status_at TIMESTAMPTZ[] := '{}';
  v_inserted_count INTEGER := 0;
  v_applied JSONB := '[]';
  v_changed BIGINT[];
  v_has_pending BOOLEAN;
BEGIN
  -- A status may race its message (one transaction stores the message while
  -- another finds no message and keeps the status as pending): both lock the
  -- WhatsApp message ids they touch, in order.
  PERFORM pg_advisory_xact_lock(k)
     FROM (SELECT DISTINCT hashtextextended(p_tenant::text || ':' || id, 0) AS k
             FROM (SELECT m.whats_message_id AS id FROM chatgraph_message_rows(p_messages) m
                   UNION ALL
                   SELECT s->>'id' FROM jsonb_array_elements(p_statuses) s) ids) keys
    ORDER BY k;

  -- Contacts: only missing ones are inserted (an INSERT … ON CONFLICT on a
  -- row another transaction is updating would wait for it, and busy contacts
  -- are in most batches); existing ones are updated only when the profile
  -- changed. Then each is looked up once: its id, by its position. A key
  -- absent from a contact's row keeps the stored value (a partial profile,
  -- chatgraph_contact_patch); a new contact starts without it.
  IF jsonb_array_length(p_contacts) > 0 THEN
    INSERT INTO "Contact" ("tenantId", "externalId", name, "whatsId", "whatsIdBare", "ownerName", income, profession,
                           description, email, address, tags, "customFields", "extendsMap")
    SELECT p_tenant, c.external_id, c.name, c.whats_id, c.whats_id_bare, c.owner_name, c.income, c.profession,
           c.description, c.email, c.address, COALESCE(c.tags, '{}'), COALESCE(c.custom_fields, '{}'), c.extends_map
      FROM jsonb_to_recordset(p_contacts) AS c(external_id TEXT, name TEXT, whats_id TEXT, whats_id_bare TEXT, owner_name TEXT,
             income TEXT, profession TEXT, description TEXT, email TEXT, address TEXT, tags TEXT[], custom_fields JSONB, extends_map TEXT)
     WHERE NOT EXISTS (SELECT 1 FROM "Contact" x WHERE x."tenantId" = p_tenant AND x."externalId" = c.external_id OFFSET 0)
     ORDER BY c.external_id
    ON CONFLICT ("tenantId", "externalId") DO NOTHING;

    SELECT array_agg((s.x).id ORDER BY c.o),
           array_agg((s.x).id ORDER BY (s.x).id) FILTER (
             WHERE (s.x).id IS NOT NULL AND jsonb_populate_record(s.x, chatgraph_contact_patch(c.r)) IS DISTINCT FROM s.x)
      INTO v_contact_ids, v_changed
      -- The id as a column of its own: planned on empty tables, a probe by
      -- c.r->>'external_id' went through another index of the tenant's contacts.
      FROM ROWS FROM (jsonb_to_recordset(p_contacts) AS (external_id TEXT), jsonb_array_elements(p_contacts))
           WITH ORDINALITY AS c(external_id, r, o)
      LEFT JOIN LATERAL (
       SELECT x FROM "Contact" x WHERE x."tenantId" = p_tenant AND x."externalId" = c.external_id OFFSET 0
     ) s ON true;

    IF v_changed IS NOT NULL THEN
      -- The patch is applied to the row as this statement finds it (a
      -- concurrent update of a field the patch leaves out is kept).
      UPDATE "Contact" x
         SET (name, "whatsId", "whatsIdBare", "ownerName", income, profession, description, email, address, tags,
              "customFields", "extendsMap", "updatedAt")
           = (SELECT p.name, p."whatsId", p."whatsIdBare", p."ownerName", p.income, p.profession, p.description, p.email, p.address,
                     p.tags, p."customFields", p."extendsMap", now()
                FROM jsonb_populate_record(x, chatgraph_contact_patch(c.r)) p)
        FROM ROWS FROM (jsonb_to_recordset(p_contacts) AS (external_id TEXT), jsonb_array_elements(p_contacts)) AS c(external_id, r)
       WHERE x.id = ANY(v_changed) AND x."tenantId" = p_tenant AND x."externalId" = c.external_id
         AND jsonb_populate_record(x, chatgraph_contact_patch(c.r)) IS DISTINCT FROM x;
    END IF;
  END IF;

  IF v_message_count > 0 THEN
    -- Conversations: only missing ones inserted, as contacts, with what the
    -- newest message of the batch says of them; then each is looked up once.
    INSERT INTO "Conversation" ("tenantId", "accountWhatsId", "accountWhatsIdBare", "friendWhatsId", "friendWhatsIdBare",
                                "chatType", "friendName", "contactId", "agentId", "agentAccount")
    SELECT p_tenant, n.account, n.account_bare, n.friend, n.friend_bare, n.chat_type::"ChatType", n.friend_name,
           v_contact_ids[n.contact_ord + 1], n.agent_id, n.agent_account
      FROM (SELECT DISTINCT ON (m.conv_ord) m.account, m.account_bare, m.friend, m.friend_bare, m.chat_type, m.friend_name,
                   m.contact_ord, m.agent_id, m.agent_account
              FROM chatgraph_message_rows(p_messages) AS m
             ORDER BY m.conv_ord, m.chat_time DESC, m.ord DESC) n
     WHERE NOT EXISTS (SELECT 1 FROM "Conversation" x
                        WHERE x."tenantId" = p_tenant AND x."accountWhatsIdBare" = n.account_bare
                          AND x."friendWhatsIdBare" = n.friend_bare AND x."chatType" = n.chat_type::"ChatType" OFFSET 0)
     ORDER BY n.account_bare, n.friend_bare, n.chat_type
    ON CONFLICT ("tenantId", "accountWhatsIdBare", "friendWhatsIdBare", "chatType") DO NOTHING;

    SELECT array_agg(cv.id ORDER BY k.conv_ord)
      INTO v_conv_ids
      FROM (SELECT DISTINCT ON (m.conv_ord) m.conv_ord, m.account_bare, m.friend_bare, m.chat_type
              FROM chatgraph_message_rows(p_messages) AS m
             ORDER BY m.conv_ord) k
      LEFT JOIN LATERAL (
       SELECT cv.id FROM "Conversation" cv
        WHERE cv."tenantId" = p_tenant AND cv."accountWhatsIdBare" = k.account_bare
          AND cv."friendWhatsIdBare" = k.friend_bare AND cv."chatType" = k.chat_type::"ChatType"
       OFFSET 0
     ) cv ON true;

    -- Messages, with statuses that arrived before them folded in: what
    -- already exists is a status delivery (below). Most tenants have no
    -- status waiting: then the per-message lookup is skipped.
    v_has_pending := EXISTS (SELECT 1 FROM "PendingStatus" ps WHERE ps."tenantId" = p_tenant);
    WITH batch AS (
      SELECT m.*, p.status AS pending_status, p.pending_at AS p_pending, p.sent_at AS p_sent, p.delivered_at AS p_delivered, p.read_at AS p_read
        FROM chatgraph_message_rows(p_messages) AS m
        LEFT JOIN LATERAL (
          SELECT max(ps.status) AS status,
                 min(ps."reachedAt") FILTER (WHERE ps.status = 'PENDING') AS pending_at,
                 min(ps."reachedAt") FILTER (WHERE ps.status = 'SENT') AS sent_at,
                 min(ps."reachedAt") FILTER (WHERE ps.status = 'DELIVERED') AS delivered_at,
                 min(ps."reachedAt") FILTER (WHERE ps.status = 'READ') AS read_at
            FROM "PendingStatus" ps
           WHERE v_has_pending AND ps."tenantId" = p_tenant AND ps."whatsMessageId" = m.whats_message_id
        ) p ON true
    ), ins AS (
      INSERT INTO "Message" (
        "tenantId", "conversationId", "contactId", status, "pendingAt", "sentAt", "deliveredAt", "readAt",
        {{message_insert_columns}})
      SELECT p_tenant, v_conv_ids[m.conv_ord + 1], v_contact_ids[m.contact_ord + 1],
             GREATEST(m.status::"MessageStatus", m.pending_status), LEAST(m.pending_at, m.p_pending), LEAST(m.sent_at, m.p_sent),
             LEAST(m.delivered_at, m.p_delivered), LEAST(m.read_at, m.p_read),
             {{message_insert_values}}
        FROM batch m
       ORDER BY m.ord
      ON CONFLICT ("tenantId", "accountWhatsIdBare", "whatsMessageId") DO NOTHING
      RETURNING id, "conversationId", "accountWhatsIdBare", "whatsMessageId", direction, status, "chatTime",
                CASE status WHEN 'PENDING' THEN "pendingAt" WHEN 'SENT' THEN "sentAt" WHEN 'DELIVERED' THEN "deliveredAt" ELSE "readAt" END AS status_at
    )
    SELECT COALESCE(array_agg(ins.id), '{}'), COALESCE(array_agg(ins."conversationId"), '{}'),
           COALESCE(array_agg(ins."accountWhatsIdBare"), '{}'), COALESCE(array_agg(ins."whatsMessageId"), '{}'),
           COALESCE(array_agg(ins.direction), '{}'), COALESCE(array_agg(ins.status), '{}'), COALESCE(array_agg(ins."chatTime"), '{}'),
           COALESCE(array_agg(ins.status_at), '{}'), count(*)
      INTO v_ins_id, v_ins_conv, v_ins_account, v_ins_wid, v_ins_direction, v_ins_status, v_ins_at, v_ins_status_at, v_inserted_count
      FROM ins;

    IF v_inserted_count > 0 THEN
      DELETE FROM "PendingStatus" ps
       WHERE v_has_pending AND ps."tenantId" = p_tenant AND ps."whatsMessageId" = ANY(v_ins_wid);
    END IF;
  END IF;

  -- Status deliveries: repeated messages (matched on account and id, each
  -- status time they carry) and status updates (matched on id across the
  -- tenant's accounts). Statuses only move forward: each status keeps the
  -- earliest time it was reported: any order of deliveries ends the same.
  IF v_inserted_count < v_message_count OR jsonb_array_length(p_statuses) > 0 THEN
    WITH repeated AS (
      SELECT m.*
        FROM chatgraph_message_rows(p_messages) AS m
       WHERE NOT EXISTS (SELECT 1 FROM unnest(v_ins_account, v_ins_wid) AS i(account, wid)
                          WHERE i.account = m.account_bare AND i.wid = m.whats_message_id)
    ), v AS (
      SELECT r.account_bare AS account, r.whats_message_id AS id, t.status, t.at
        FROM repeated r
       CROSS JOIN LATERAL (VALUES ('PENDING'::"MessageStatus", r.pending_at), ('SENT', r.sent_at), ('DELIVERED', r.delivered_at), ('READ', r.read_at)) AS t(status, at)
       WHERE t.at IS NOT NULL
      UNION ALL
      SELECT NULL, s.id, s.status::"MessageStatus", s.at
        FROM jsonb_to_recordset(p_statuses) AS s(id TEXT, status TEXT, at TIMESTAMPTZ)
    ), target AS (
      SELECT msg.id, msg."conversationId", msg."accountWhatsIdBare", msg."friendWhatsIdBare", msg."agentId", msg."agentAccount",
             msg."whatsMessageId", msg.direction, msg.status AS previous,
             bool_or(v.account IS NOT NULL) AS from_batch,
             max(v.status) AS status,
             min(v.at) FILTER (WHERE v.status = 'PENDING') AS pending_at,
             min(v.at) FILTER (WHERE v.status = 'SENT') AS sent_at,
             min(v.at) FILTER (WHERE v.status = 'DELIVERED') AS delivered_at,
             min(v.at) FILTER (WHERE v.status = 'READ') AS read_at,
             max(v.at) AS changed_at
        FROM v
       CROSS JOIN LATERAL (
         SELECT msg.* FROM "Message" msg
          WHERE msg."tenantId" = p_tenant AND msg."whatsMessageId" = v.id AND (v.account IS NULL OR msg."accountWhatsIdBare" = v.account)
         OFFSET 0
       ) msg
       GROUP BY msg.id, msg."conversationId", msg."accountWhatsIdBare", msg."friendWhatsIdBare", msg."agentId", msg."agentAccount",
                msg."whatsMessageId", msg.direction, msg.status
       ORDER BY msg.id
    ), updated AS (
      UPDATE "Message" msg SET
        status = GREATEST(msg.status, t.status),
        "pendingAt" = LEAST(msg."pendingAt", t.pending_at),
        "sentAt" = LEAST(msg."sentAt", t.sent_at),
        "deliveredAt" = LEAST(msg."deliveredAt", t.delivered_at),
        "readAt" = LEAST(msg."readAt", t.read_at),
        "updatedAt" = now()
       FROM target t
      WHERE msg.id = ANY(ARRAY(SELECT id FROM target)) AND msg.id = t.id
        AND (t.status > msg.status
             OR LEAST(msg."pendingAt", t.pending_at) IS DISTINCT FROM msg."pendingAt"
             OR LEAST(msg."sentAt", t.sent_at) IS DISTINCT FROM msg."sentAt"
             OR LEAST(msg."deliveredAt", t.delivered_at) IS DISTINCT FROM msg."deliveredAt"
             OR LEAST(msg."readAt", t.read_at) IS DISTINCT FROM msg."readAt")
      RETURNING msg.id, msg.status
    ), new_status AS MATERIALIZED (
      -- Each target's new status looked up by id in one object of the updated
      -- rows (a binary search), built once, not by a join: with hash joins
      -- off, that was a nested loop, n² comparisons for n status updates.
      SELECT COALESCE(jsonb_object_agg(id::text, status), '{}') AS statuses FROM updated
    )
    SELECT COALESCE(jsonb_agg(jsonb_build_object(
             'id', t.id::text, 'conversationId', t."conversationId"::text, 'accountWhatsIdBare', t."accountWhatsIdBare",
             'friendWhatsIdBare', t."friendWhatsIdBare", 'agentId', t."agentId", 'agentAccount', t."agentAccount",
             'whatsMessageId', t."whatsMessageId", 'direction', t.direction, 'previousStatus', t.previous,
             'status', COALESCE(u.statuses->>(t.id::text), t.previous::text), 'changed', u.statuses ? (t.id::text),
             'fromBatch', t.from_batch, 'changedAt', t.changed_at)), '[]')
      INTO v_applied
      FROM target t CROSS JOIN new_status u;
  END IF;

  -- Statuses whose message is not stored yet: kept until it arrives.
  IF jsonb_array_length(p_statuses) > 0 THEN
    INSERT INTO "PendingStatus" ("tenantId", "whatsMessageId", status, "agentId", "reachedAt")
    SELECT p_tenant, o.id, o.status::"MessageStatus", (array_agg(o.agent_id ORDER BY o.at, o.agent_id))[1], min(o.at)
      FROM jsonb_to_recordset(p_statuses) AS o(id TEXT, status TEXT, agent_id TEXT, at TIMESTAMPTZ)
     -- The ids that reached no message, found once (a set difference, not a
     -- nested loop over the applied rows per status): usually none.
     WHERE o.id = ANY(ARRAY(SELECT s->>'id' FROM jsonb_array_elements(p_statuses) s
                            EXCEPT SELECT a->>'whatsMessageId' FROM jsonb_array_elements(v_applied) a))
     GROUP BY o.id, o.status
     ORDER BY o.id, o.status
    ON CONFLICT ("tenantId", "whatsMessageId", status)
    DO UPDATE SET "reachedAt" = LEAST("PendingStatus"."reachedAt", EXCLUDED."reachedAt");
  END IF;

  IF v_message_count > 0 THEN
    -- A message first stored without a profile (CLIENT_SYNC_MESSAGE) gets it
    -- when a delivery carrying one (MSG_SYNC_MESSAGE) repeats it: the outcome
    -- must not depend on which came first.
    IF v_inserted_count < v_message_count THEN
      WITH fix AS (
        SELECT msg.id, v_contact_ids[m.contact_ord + 1] AS contact_id
          FROM chatgraph_message_rows(p_messages) AS m
         CROSS JOIN LATERAL (
           SELECT msg.id, msg."contactId" FROM "Message" msg
            WHERE msg."tenantId" = p_tenant AND msg."accountWhatsIdBare" = m.account_bare AND msg."whatsMessageId" = m.whats_message_id
           OFFSET 0
         ) msg
         WHERE m.contact_ord IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM unnest(v_ins_account, v_ins_wid) AS i(account, wid)
                            WHERE i.account = m.account_bare AND i.wid = m.whats_message_id)
           AND msg."contactId" IS DISTINCT FROM v_contact_ids[m.contact_ord + 1]
      )
      UPDATE "Message" msg SET "contactId" = fix.contact_id, "updatedAt" = now()
        FROM fix
       WHERE msg.id = ANY(ARRAY(SELECT id FROM fix)) AND msg.id = fix.id;
    END IF;

    -- Counters and last message of every conversation the batch touched:
    -- the newest message of the batch names the conversation's agent, friend
    -- name and contact. Last statement: the hot conversation rows it locks
    -- are held only until the commit.
    WITH added AS (
      SELECT i.conv AS id, count(*)::int AS added,
             count(*) FILTER (WHERE i.direction = 'INBOUND' AND i.status <> 'READ')::int AS unread,
             (array_agg(i.at ORDER BY i.at DESC, i.id DESC))[1] AS last_at,
             (array_agg(i.id ORDER BY i.at DESC, i.id DESC))[1] AS last_id
        FROM unnest(v_ins_id, v_ins_conv, v_ins_direction, v_ins_status, v_ins_at) AS i(id, conv, direction, status, at)
       GROUP BY 1
    ), read AS (
      SELECT (a->>'conversationId')::bigint AS id, count(*)::int AS read
        FROM jsonb_array_elements(v_applied) a
       WHERE (a->>'changed')::boolean AND a->>'direction' = 'INBOUND' AND a->>'previousStatus' <> 'READ' AND a->>'status' = 'READ'
       GROUP BY 1
    ), delta AS (
      SELECT COALESCE(ad.id, rd.id) AS id, COALESCE(ad.added, 0) AS added, COALESCE(ad.unread, 0) - COALESCE(rd.read, 0) AS unread,
             ad.last_at, ad.last_id
        FROM added ad FULL JOIN read rd ON rd.id = ad.id
    ), newest AS (
      SELECT DISTINCT ON (m.conv_ord) v_conv_ids[m.conv_ord + 1] AS id, m.friend_name,
             v_contact_ids[m.contact_ord + 1] AS contact_id, m.agent_id, m.agent_account
        FROM chatgraph_message_rows(p_messages) AS m
       WHERE m.contact_ord IS NOT NULL OR m.friend_name IS NOT NULL OR EXISTS (SELECT 1 FROM delta d WHERE d.id = v_conv_ids[m.conv_ord + 1])
       ORDER BY m.conv_ord, m.chat_time DESC, m.ord DESC
    ), v AS (
      SELECT COALESCE(d.id, n.id) AS id, COALESCE(d.added, 0) AS added, COALESCE(d.unread, 0) AS unread, d.last_at, d.last_id,
             n.friend_name, n.contact_id, n.agent_id, n.agent_account
        FROM delta d FULL JOIN newest n ON n.id = d.id
       ORDER BY 1
    )
    UPDATE "Conversation" c SET
      "messageCount" = c."messageCount" + v.added,
      "unreadCount" = GREATEST(c."unreadCount" + v.unread, 0),
      "lastMessageId" = CASE WHEN v.last_id IS NOT NULL AND (c."lastMessageAt" IS NULL OR (v.last_at, v.last_id) > (c."lastMessageAt", c."lastMessageId"))
                             THEN v.last_id ELSE c."lastMessageId" END,
      "lastMessageAt" = CASE WHEN v.last_id IS NOT NULL AND (c."lastMessageAt" IS NULL OR (v.last_at, v.last_id) > (c."lastMessageAt", c."lastMessageId"))
                             THEN v.last_at ELSE c."lastMessageAt" END,
      "friendName" = COALESCE(v.friend_name, c."friendName"),
      "contactId" = COALESCE(v.contact_id, c."contactId"),
      "agentId" = CASE WHEN v.last_id IS NOT NULL AND (c."lastMessageAt" IS NULL OR v.last_at >= c."lastMessageAt") THEN COALESCE(v.agent_id, c."agentId") ELSE c."agentId" END,
      "agentAccount" = CASE WHEN v.last_id IS NOT NULL AND (c."lastMessageAt" IS NULL OR v.last_at >= c."lastMessageAt") THEN COALESCE(v.agent_account, c."agentAccount") ELSE c."agentAccount" END,
      "updatedAt" = now()
     FROM v
    WHERE c.id = ANY(ARRAY(SELECT id FROM v)) AND c.id = v.id;
  ELSIF jsonb_array_length(v_applied) > 0 THEN
    -- Status updates alone: unread counts of conversations whose inbound messages were read.
    WITH r AS (
      SELECT (a->>'conversationId')::bigint AS id, count(*)::int AS read
        FROM jsonb_array_elements(v_applied) a
       WHERE (a->>'changed')::boolean AND a->>'direction' = 'INBOUND' AND a->>'previousStatus' <> 'READ' AND a->>'status' = 'READ'
       GROUP BY 1 ORDER BY 1
    )
    UPDATE "Conversation" c SET "unreadCount" = GREATEST(c."unreadCount" - r.read, 0), "updatedAt" = now()
      FROM r
     WHERE c.id = ANY(ARRAY(SELECT id FROM r)) AND c.id = r.id;
  END IF;

  -- The tenant's total: the stripe of this connection, so that concurrent
  -- batches of a tenant (on other connections) do not wait for each other.
  -- Last statement, like the conversations' counters: the row is locked
  -- only until the commit.
  IF v_inserted_count > 0 THEN
    INSERT INTO "TenantMessageCount" AS t ("tenantId", stripe, n) VALUES (p_tenant, pg_backend_pid() % 16, v_inserted_count)
    ON CONFLICT ("tenantId", stripe) DO UPDATE SET n = t.n + EXCLUDED.n;
  END IF;

  RETURN jsonb_build_object(
    'inserted', jsonb_build_array(to_jsonb(v_ins_id::text[]), to_jsonb(v_ins_conv::text[]), to_jsonb(v_ins_account), to_jsonb(v_ins_wid),
                                  to_jsonb(v_ins_status), to_jsonb(v_ins_status_at)),
    'applied', v_applied);
END
$fn$;

-- Generic plans: PL/pgSQL's plan cache otherwise plans most statements anew
-- at every call (a custom plan, with the values of the call's variables, is
-- estimated cheaper than the generic one: "v_has_pending AND …" is constant
-- false in it), which perf showed as a twentieth of the database's CPU. The
-- statements are key probes and set operations on the batch; their generic
-- plans are the same shape (the settings above keep them to index probes).
ALTER FUNCTION chatgraph_store_batch(BIGINT, JSONB, JSONB, JSONB)
  SET enable_seqscan = off
  SET enable_hashjoin = off
  SET enable_mergejoin = off
  SET jit = off
  SET plan_cache_mode = force_generic_plan;
