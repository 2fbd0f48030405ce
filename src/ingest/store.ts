// The one transaction that stores a normalised batch, in set-based SQL: a
// handful of statements whatever the batch size, each taking its rows as
// arrays (`unnest`). Rows are visited in a fixed order (sorted keys) so that
// concurrent batches lock in the same order.
import type pg from 'pg';
import { higherStatus, type MessageStatus } from '../domain/status.ts';
import type { MessageAddedEvent, MessageStatusChangedEvent } from '../events/pubsub.ts';
import type { ContactInput, MessageInput, StatusUpdateInput } from './model.ts';

export interface StoreResult {
  /** Messages stored for the first time. */
  inserted: number;
  /** Messages already stored whose status (or a status time) moved. */
  updated: number;
  /** Deliveries that changed nothing (already stored, nothing newer). */
  unchanged: number;
  /** Status updates kept until their message arrives. */
  pending: number;
  added: MessageAddedEvent[];
  statusChanged: MessageStatusChangedEvent[];
}

type StatusTimes = Partial<Record<MessageStatus, Date>>;

/** A message of the batch, merged with its duplicates in the batch. */
interface MergedMessage {
  input: MessageInput;
  status: MessageStatus;
  times: StatusTimes;
}

function earlier(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a <= b ? a : b;
}

function mergeTimes(into: StatusTimes, status: MessageStatus, at: Date): void {
  into[status] = earlier(into[status], at);
}

const iso = (d: Date | undefined) => (d ? d.toISOString() : null);

/** Duplicates in one batch (the same message pushed twice) become one row: highest status, earliest times. */
export function mergeBatch(messages: readonly MessageInput[]): MergedMessage[] {
  const byKey = new Map<string, MergedMessage>();
  for (const input of messages) {
    const key = `${input.accountWhatsIdBare}\u0000${input.whatsMessageId}`;
    const seen = byKey.get(key);
    if (!seen) {
      const merged: MergedMessage = { input, status: input.status, times: {} };
      mergeTimes(merged.times, input.status, input.statusAt);
      byKey.set(key, merged);
    } else {
      seen.status = higherStatus(seen.status, input.status);
      mergeTimes(seen.times, input.status, input.statusAt);
    }
  }
  return [...byKey.values()].sort((a, b) =>
    a.input.accountWhatsIdBare === b.input.accountWhatsIdBare
      ? compare(a.input.whatsMessageId, b.input.whatsMessageId)
      : compare(a.input.accountWhatsIdBare, b.input.accountWhatsIdBare),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function conversationKey(m: MessageInput): string {
  return `${m.accountWhatsIdBare}\u0000${m.friendWhatsIdBare}\u0000${m.chatType}`;
}

/**
 * JSON with object keys sorted, for comparing a value with what jsonb gives
 * back (jsonb keeps its own key order: a plain stringify would always differ).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  ).replace(/\\u0000/g, '');
}

/** jsonb refuses \u0000 even escaped: drop it from parsed values. */
function jsonText(value: unknown): string {
  return JSON.stringify(value).replace(/\\u0000/g, '');
}

export async function storeBatch(
  client: pg.PoolClient,
  tenantId: bigint,
  messages: readonly MessageInput[],
  statusUpdates: readonly StatusUpdateInput[],
): Promise<StoreResult> {
  const tenant = tenantId.toString();
  const merged = mergeBatch(messages);
  const result: StoreResult = { inserted: 0, updated: 0, unchanged: 0, pending: 0, added: [], statusChanged: [] };

  // A status may race its message (one transaction stores the message while
  // another finds no message and keeps the status as pending): both paths
  // lock the WhatsApp message ids they touch, in order.
  const messageIds = [...new Set([...merged.map((m) => m.input.whatsMessageId), ...statusUpdates.map((u) => u.whatsMessageId)])].sort(compare);
  if (messageIds.length) {
    await client.query(
      `SELECT pg_advisory_xact_lock(k) FROM (
         SELECT DISTINCT hashtextextended($1::text || ':' || id, 0) AS k FROM unnest($2::text[]) AS id
       ) keys ORDER BY k`,
      [tenant, messageIds],
    );
  }

  // Statuses that arrived before their message: fold them into the batch.
  let pendingFound = false;
  if (merged.length) {
    const pending = await client.query<{ whatsMessageId: string; status: MessageStatus; reachedAt: Date }>(
      `SELECT "whatsMessageId", status, "reachedAt" FROM "PendingStatus"
        WHERE "tenantId" = $1 AND "whatsMessageId" = ANY($2::text[])`,
      [tenant, merged.map((m) => m.input.whatsMessageId)],
    );
    pendingFound = pending.rows.length > 0;
    for (const row of pending.rows) {
      for (const m of merged) {
        if (m.input.whatsMessageId !== row.whatsMessageId) continue;
        m.status = higherStatus(m.status, row.status);
        mergeTimes(m.times, row.status, row.reachedAt);
      }
    }
  }

  const contactIds = await upsertContacts(client, tenant, merged);
  const conversationIds = await upsertConversations(client, tenant, merged, contactIds);

  // Insert what is new; what already exists is a status delivery.
  const inserted = merged.length
    ? await client.query<{ id: string; accountWhatsIdBare: string; whatsMessageId: string; conversationId: string; direction: string; status: MessageStatus; chatTime: Date }>(
        `INSERT INTO "Message" (
           "tenantId", "conversationId", "contactId", "whatsMessageId", "syncId", "agentId", "agentAccount",
           "accountWhatsId", "accountWhatsIdBare", "senderWhatsId", "friendWhatsId", "friendWhatsIdBare", "friendName",
           direction, "chatType", "contentType", "legacyContentType", content, "referContent", "parsedContent", "searchText",
           status, "pendingAt", "sentAt", "deliveredAt", "readAt", origin, "taskId", "taskInfoId", source, "chatTime")
         SELECT $1, v.conversation_id, v.contact_id, v.whats_message_id, v.sync_id, v.agent_id, v.agent_account,
                v.account, v.account_bare, v.sender, v.friend, v.friend_bare, v.friend_name,
                v.direction::"Direction", v.chat_type::"ChatType", v.content_type::"ContentType", v.legacy_content_type, v.content, v.refer_content,
                v.parsed_content::jsonb, v.search_text,
                v.status::"MessageStatus", v.pending_at, v.sent_at, v.delivered_at, v.read_at, v.origin::"Origin", v.task_id, v.task_info_id,
                v.source::"IngestSource", v.chat_time
           FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
                       $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
                       $14::text[], $15::text[], $16::text[], $17::int[], $18::text[], $19::text[], $20::text[], $21::text[],
                       $22::text[], $23::timestamptz[], $24::timestamptz[], $25::timestamptz[], $26::timestamptz[], $27::text[], $28::text[], $29::text[],
                       $30::text[], $31::timestamptz[])
             AS v(conversation_id, contact_id, whats_message_id, sync_id, agent_id, agent_account,
                  account, account_bare, sender, friend, friend_bare, friend_name,
                  direction, chat_type, content_type, legacy_content_type, content, refer_content, parsed_content, search_text,
                  status, pending_at, sent_at, delivered_at, read_at, origin, task_id, task_info_id,
                  source, chat_time)
         ON CONFLICT ("tenantId", "accountWhatsIdBare", "whatsMessageId") DO NOTHING
         RETURNING id, "accountWhatsIdBare", "whatsMessageId", "conversationId", direction, status, "chatTime"`,
        [
          tenant,
          merged.map((m) => conversationIds.get(conversationKey(m.input))!),
          merged.map((m) => (m.input.contact ? (contactIds.get(m.input.contact.externalId) ?? null) : null)),
          merged.map((m) => m.input.whatsMessageId),
          merged.map((m) => m.input.syncId),
          merged.map((m) => m.input.agentId),
          merged.map((m) => m.input.agentAccount),
          merged.map((m) => m.input.accountWhatsId),
          merged.map((m) => m.input.accountWhatsIdBare),
          merged.map((m) => m.input.senderWhatsId),
          merged.map((m) => m.input.friendWhatsId),
          merged.map((m) => m.input.friendWhatsIdBare),
          merged.map((m) => m.input.friendName),
          merged.map((m) => m.input.direction),
          merged.map((m) => m.input.chatType),
          merged.map((m) => m.input.contentType),
          merged.map((m) => m.input.legacyContentType),
          merged.map((m) => m.input.content),
          merged.map((m) => m.input.referContent),
          merged.map((m) => jsonText(m.input.parsedContent)),
          merged.map((m) => m.input.searchText),
          merged.map((m) => m.status),
          merged.map((m) => iso(m.times.PENDING)),
          merged.map((m) => iso(m.times.SENT)),
          merged.map((m) => iso(m.times.DELIVERED)),
          merged.map((m) => iso(m.times.READ)),
          merged.map((m) => m.input.origin),
          merged.map((m) => m.input.taskId),
          merged.map((m) => m.input.taskInfoId),
          merged.map((m) => m.input.source),
          merged.map((m) => m.input.chatTime.toISOString()),
        ],
      )
    : { rows: [] };

  const insertedKeys = new Set(inserted.rows.map((r) => `${r.accountWhatsIdBare}\u0000${r.whatsMessageId}`));
  const byKey = new Map(merged.map((m) => [`${m.input.accountWhatsIdBare}\u0000${m.input.whatsMessageId}`, m.input]));
  result.inserted = inserted.rows.length;
  const addedAt = new Date().toISOString();
  for (const row of inserted.rows) {
    const input = byKey.get(`${row.accountWhatsIdBare}\u0000${row.whatsMessageId}`)!;
    result.added.push({
      messageId: row.id,
      conversationId: row.conversationId,
      accountWhatsIdBare: row.accountWhatsIdBare,
      friendWhatsIdBare: input.friendWhatsIdBare,
      agentId: input.agentId,
      agentAccount: input.agentAccount,
      whatsMessageId: row.whatsMessageId,
      status: row.status,
      addedAt,
    });
  }
  if (inserted.rows.length && pendingFound) {
    await client.query(`DELETE FROM "PendingStatus" WHERE "tenantId" = $1 AND "whatsMessageId" = ANY($2::text[])`, [
      tenant,
      [...new Set(inserted.rows.map((r) => r.whatsMessageId))],
    ]);
  }

  // Status deliveries: repeated messages (matched on account and id) and
  // status updates (matched on id across the tenant's accounts).
  const deliveries: { account: string | null; id: string; status: MessageStatus; at: Date }[] = [];
  for (const m of merged) {
    if (insertedKeys.has(`${m.input.accountWhatsIdBare}\u0000${m.input.whatsMessageId}`)) continue;
    for (const [status, at] of Object.entries(m.times) as [MessageStatus, Date][]) {
      deliveries.push({ account: m.input.accountWhatsIdBare, id: m.input.whatsMessageId, status, at });
    }
  }
  for (const u of statusUpdates) deliveries.push({ account: null, id: u.whatsMessageId, status: u.status, at: u.reachedAt });
  const applied = deliveries.length ? await applyStatuses(client, tenant, deliveries) : [];

  const matchedIds = new Set(applied.map((a) => a.whatsMessageId));
  const changed = applied.filter((a) => a.changed);
  result.updated = changed.length;
  // Unchanged: repeated messages that moved nothing, and messages that status
  // updates reached without moving anything.
  result.unchanged =
    merged.length - result.inserted - changed.filter((c) => c.fromBatch).length +
    applied.filter((a) => !a.fromBatch && !a.changed).length;
  for (const a of changed) {
    if (a.previousStatus === a.status) continue;
    result.statusChanged.push({
      messageId: a.id,
      conversationId: a.conversationId,
      accountWhatsIdBare: a.accountWhatsIdBare,
      friendWhatsIdBare: a.friendWhatsIdBare,
      agentId: a.agentId,
      agentAccount: a.agentAccount,
      whatsMessageId: a.whatsMessageId,
      previousStatus: a.previousStatus,
      status: a.status,
      changedAt: a.changedAt.toISOString(),
    });
  }

  // Statuses whose message is not stored yet: kept until it arrives.
  const orphans = statusUpdates.filter((u) => !matchedIds.has(u.whatsMessageId));
  if (orphans.length) {
    await client.query(
      `INSERT INTO "PendingStatus" ("tenantId", "whatsMessageId", status, "agentId", "reachedAt")
       SELECT $1, v.id, v.status::"MessageStatus", (array_agg(v.agent_id ORDER BY v.at, v.agent_id))[1], min(v.at)
         FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS v(id, status, agent_id, at)
        GROUP BY v.id, v.status
        ORDER BY v.id, v.status
       ON CONFLICT ("tenantId", "whatsMessageId", status)
       DO UPDATE SET "reachedAt" = LEAST("PendingStatus"."reachedAt", EXCLUDED."reachedAt")`,
      [tenant, orphans.map((u) => u.whatsMessageId), orphans.map((u) => u.status), orphans.map((u) => u.agentId), orphans.map((u) => u.reachedAt.toISOString())],
    );
    result.pending = orphans.length;
  }

  await linkContacts(client, tenant, merged, insertedKeys, contactIds);
  await updateConversationCounters(client, merged, inserted.rows, applied, conversationIds, contactIds);
  return result;
}

/**
 * A message first stored without a profile (CLIENT_SYNC_MESSAGE) gets it when
 * a delivery carrying one (MSG_SYNC_MESSAGE) repeats it: the outcome must not
 * depend on which came first.
 */
async function linkContacts(
  client: pg.PoolClient,
  tenant: string,
  merged: MergedMessage[],
  insertedKeys: Set<string>,
  contactIds: Map<string, string>,
): Promise<void> {
  const repeated = merged.filter((m) => m.input.contact && !insertedKeys.has(`${m.input.accountWhatsIdBare}\u0000${m.input.whatsMessageId}`));
  if (!repeated.length) return;
  await client.query(
    `UPDATE "Message" m SET "contactId" = v.contact_id, "updatedAt" = now()
       FROM unnest($2::text[], $3::text[], $4::bigint[]) AS v(account, id, contact_id)
      WHERE m."tenantId" = $1 AND m."accountWhatsIdBare" = v.account AND m."whatsMessageId" = v.id
        AND m."contactId" IS DISTINCT FROM v.contact_id`,
    [
      tenant,
      repeated.map((m) => m.input.accountWhatsIdBare),
      repeated.map((m) => m.input.whatsMessageId),
      repeated.map((m) => contactIds.get(m.input.contact!.externalId) ?? null),
    ],
  );
}

const CONTACT_FIELDS = ['name', 'whatsId', 'whatsIdBare', 'ownerName', 'income', 'profession', 'description', 'email', 'address', 'extendsMap'] as const;

/**
 * Contacts: new ones inserted, existing ones read without a lock and updated
 * only when the profile really changed — a busy contact appears in most
 * batches, and locking it in each would make concurrent batches queue.
 */
async function upsertContacts(client: pg.PoolClient, tenant: string, merged: MergedMessage[]): Promise<Map<string, string>> {
  const byId = new Map<string, ContactInput>();
  for (const m of merged) if (m.input.contact) byId.set(m.input.contact.externalId, m.input.contact);
  const contacts = [...byId.values()].sort((a, b) => compare(a.externalId, b.externalId));
  if (!contacts.length) return new Map();
  const col = <K extends keyof ContactInput>(k: K) => contacts.map((c) => c[k]);
  // New rows come from the INSERT's RETURNING, existing ones from the table
  // (the statement's snapshot does not see its own inserts): no duplicates.
  const found = await client.query<ContactInput & { id: string; inserted: boolean }>(
    `WITH v AS (
       SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                            $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
         AS v(external_id, name, whats_id, whats_id_bare, owner_name, income, profession, description, email, address, tags, custom_fields, extends_map)
     ), inserted AS (
       INSERT INTO "Contact" ("tenantId", "externalId", name, "whatsId", "whatsIdBare", "ownerName", income, profession,
                              description, email, address, tags, "customFields", "extendsMap")
       SELECT $1, v.external_id, v.name, v.whats_id, v.whats_id_bare, v.owner_name, v.income, v.profession,
              v.description, v.email, v.address, ARRAY(SELECT jsonb_array_elements_text(v.tags::jsonb)), v.custom_fields::jsonb, v.extends_map
         FROM v
       ON CONFLICT ("tenantId", "externalId") DO NOTHING
       RETURNING id, "externalId"
     )
     SELECT id, "externalId", true AS inserted, NULL::text AS name, NULL::text AS "whatsId", NULL::text AS "whatsIdBare",
            NULL::text AS "ownerName", NULL::text AS income, NULL::text AS profession, NULL::text AS description,
            NULL::text AS email, NULL::text AS address, NULL::text[] AS tags, NULL::jsonb AS "customFields", NULL::text AS "extendsMap"
       FROM inserted
     UNION ALL
     SELECT c.id, c."externalId", false, c.name, c."whatsId", c."whatsIdBare", c."ownerName", c.income, c.profession, c.description,
            c.email, c.address, c.tags, c."customFields", c."extendsMap"
       FROM "Contact" c WHERE c."tenantId" = $1 AND c."externalId" = ANY($2::text[])`,
    [
      tenant,
      col('externalId'),
      col('name'),
      col('whatsId'),
      col('whatsIdBare'),
      col('ownerName'),
      col('income'),
      col('profession'),
      col('description'),
      col('email'),
      col('address'),
      contacts.map((c) => JSON.stringify(c.tags)),
      contacts.map((c) => jsonText(c.customFields)),
      col('extendsMap'),
    ],
  );
  const ids = new Map(found.rows.map((r) => [r.externalId, r.id]));
  // A contact another transaction inserted after this statement's snapshot
  // was taken: neither inserted here nor visible above. Read it again.
  const missing = contacts.filter((c) => !ids.has(c.externalId)).map((c) => c.externalId);
  if (missing.length) {
    const again = await client.query<{ id: string; externalId: string }>(
      `SELECT id, "externalId" FROM "Contact" WHERE "tenantId" = $1 AND "externalId" = ANY($2::text[])`,
      [tenant, missing],
    );
    for (const r of again.rows) ids.set(r.externalId, r.id);
  }
  const changed = contacts.filter((c) => {
    const row = found.rows.find((r) => r.externalId === c.externalId && !r.inserted);
    if (!row) return false;
    return (
      CONTACT_FIELDS.some((f) => (row[f] ?? null) !== (c[f] ?? null)) ||
      JSON.stringify(row.tags) !== JSON.stringify(c.tags) ||
      canonicalJson(row.customFields) !== canonicalJson(c.customFields)
    );
  });
  if (changed.length) {
    const ch = <K extends keyof ContactInput>(k: K) => changed.map((c) => c[k]);
    await client.query(
      `UPDATE "Contact" c SET name = v.name, "whatsId" = v.whats_id, "whatsIdBare" = v.whats_id_bare, "ownerName" = v.owner_name,
              income = v.income, profession = v.profession, description = v.description, email = v.email, address = v.address,
              tags = ARRAY(SELECT jsonb_array_elements_text(v.tags::jsonb)), "customFields" = v.custom_fields::jsonb,
              "extendsMap" = v.extends_map, "updatedAt" = now()
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
           AS v(external_id, name, whats_id, whats_id_bare, owner_name, income, profession, description, email, address, tags, custom_fields, extends_map)
        WHERE c."tenantId" = $1 AND c."externalId" = v.external_id`,
      [
        tenant, ch('externalId'), ch('name'), ch('whatsId'), ch('whatsIdBare'), ch('ownerName'), ch('income'), ch('profession'),
        ch('description'), ch('email'), ch('address'), changed.map((c) => JSON.stringify(c.tags)), changed.map((c) => jsonText(c.customFields)), ch('extendsMap'),
      ],
    );
  }
  return ids;
}

async function upsertConversations(
  client: pg.PoolClient,
  tenant: string,
  merged: MergedMessage[],
  contactIds: Map<string, string>,
): Promise<Map<string, string>> {
  const byKey = new Map<string, MessageInput>();
  for (const m of merged) byKey.set(conversationKey(m.input), m.input);
  const keys = [...byKey.keys()].sort(compare);
  if (!keys.length) return new Map();
  const rows = keys.map((k) => byKey.get(k)!);
  // Inserted rows come back from RETURNING, existing ones from the table.
  const found = await client.query<{ id: string; account: string; friend: string; chatType: string }>(
    `WITH v AS (
       SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[])
         AS v(account, account_bare, friend, friend_bare, chat_type, friend_name, contact_id, agent_id, agent_account)
     ), inserted AS (
       INSERT INTO "Conversation" ("tenantId", "accountWhatsId", "accountWhatsIdBare", "friendWhatsId", "friendWhatsIdBare",
                                   "chatType", "friendName", "contactId", "agentId", "agentAccount")
       SELECT $1, v.account, v.account_bare, v.friend, v.friend_bare, v.chat_type::"ChatType", v.friend_name, v.contact_id, v.agent_id, v.agent_account
         FROM v
       ON CONFLICT ("tenantId", "accountWhatsIdBare", "friendWhatsIdBare", "chatType") DO NOTHING
       RETURNING id, "accountWhatsIdBare" AS account, "friendWhatsIdBare" AS friend, "chatType"::text AS "chatType"
     )
     SELECT * FROM inserted
     UNION ALL
     SELECT c.id, c."accountWhatsIdBare", c."friendWhatsIdBare", c."chatType"::text
       FROM "Conversation" c JOIN v ON c."accountWhatsIdBare" = v.account_bare AND c."friendWhatsIdBare" = v.friend_bare
                                   AND c."chatType" = v.chat_type::"ChatType"
      WHERE c."tenantId" = $1`,
    [
      tenant,
      rows.map((r) => r.accountWhatsId),
      rows.map((r) => r.accountWhatsIdBare),
      rows.map((r) => r.friendWhatsId),
      rows.map((r) => r.friendWhatsIdBare),
      rows.map((r) => r.chatType),
      rows.map((r) => r.friendName),
      rows.map((r) => (r.contact ? (contactIds.get(r.contact.externalId) ?? null) : null)),
      rows.map((r) => r.agentId),
      rows.map((r) => r.agentAccount),
    ],
  );
  const ids = new Map(found.rows.map((r) => [`${r.account}\u0000${r.friend}\u0000${r.chatType}`, r.id]));
  // One inserted by another transaction after this statement's snapshot: read it again.
  const missing = rows.filter((r) => !ids.has(conversationKey(r)));
  if (missing.length) {
    const again = await client.query<{ id: string; account: string; friend: string; chatType: string }>(
      `SELECT c.id, c."accountWhatsIdBare" AS account, c."friendWhatsIdBare" AS friend, c."chatType"::text AS "chatType"
         FROM "Conversation" c
         JOIN unnest($2::text[], $3::text[], $4::text[]) AS v(account, friend, chat_type)
           ON c."accountWhatsIdBare" = v.account AND c."friendWhatsIdBare" = v.friend AND c."chatType" = v.chat_type::"ChatType"
        WHERE c."tenantId" = $1`,
      [tenant, missing.map((r) => r.accountWhatsIdBare), missing.map((r) => r.friendWhatsIdBare), missing.map((r) => r.chatType)],
    );
    for (const r of again.rows) ids.set(`${r.account}\u0000${r.friend}\u0000${r.chatType}`, r.id);
  }
  return ids;
}

interface AppliedStatus {
  id: string;
  conversationId: string;
  accountWhatsIdBare: string;
  friendWhatsIdBare: string;
  agentId: string | null;
  agentAccount: string | null;
  whatsMessageId: string;
  direction: string;
  previousStatus: MessageStatus;
  status: MessageStatus;
  changed: boolean;
  /** Matched through a repeated message of the batch (not a status update). */
  fromBatch: boolean;
  changedAt: Date;
}

/**
 * Raises statuses only forward, and keeps for each status the earliest time it
 * was reported: any order of deliveries ends in the same row.
 */
async function applyStatuses(
  client: pg.PoolClient,
  tenant: string,
  deliveries: { account: string | null; id: string; status: MessageStatus; at: Date }[],
): Promise<AppliedStatus[]> {
  const res = await client.query<AppliedStatus>(
    `WITH v AS (
       SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS v(account, id, status, at)
     ), target AS (
       SELECT m.id, m."conversationId", m."accountWhatsIdBare", m."friendWhatsIdBare", m."agentId", m."agentAccount",
              m."whatsMessageId", m.direction, m.status AS previous,
              bool_or(v.account IS NOT NULL) AS from_batch,
              max(v.status::"MessageStatus") AS status,
              min(v.at) FILTER (WHERE v.status = 'PENDING') AS pending_at,
              min(v.at) FILTER (WHERE v.status = 'SENT') AS sent_at,
              min(v.at) FILTER (WHERE v.status = 'DELIVERED') AS delivered_at,
              min(v.at) FILTER (WHERE v.status = 'READ') AS read_at,
              max(v.at) AS changed_at
         FROM v
         JOIN "Message" m ON m."tenantId" = $1 AND m."whatsMessageId" = v.id
                         AND (v.account IS NULL OR m."accountWhatsIdBare" = v.account)
        GROUP BY m.id
        ORDER BY m.id
     ), updated AS (
       UPDATE "Message" m SET
         status = GREATEST(m.status, t.status),
         "pendingAt" = LEAST(m."pendingAt", t.pending_at),
         "sentAt" = LEAST(m."sentAt", t.sent_at),
         "deliveredAt" = LEAST(m."deliveredAt", t.delivered_at),
         "readAt" = LEAST(m."readAt", t.read_at),
         "updatedAt" = now()
        FROM target t
       WHERE m.id = t.id
         AND (t.status > m.status
              OR LEAST(m."pendingAt", t.pending_at) IS DISTINCT FROM m."pendingAt"
              OR LEAST(m."sentAt", t.sent_at) IS DISTINCT FROM m."sentAt"
              OR LEAST(m."deliveredAt", t.delivered_at) IS DISTINCT FROM m."deliveredAt"
              OR LEAST(m."readAt", t.read_at) IS DISTINCT FROM m."readAt")
       RETURNING m.id, m.status
     )
     SELECT t.id, t."conversationId", t."accountWhatsIdBare", t."friendWhatsIdBare", t."agentId", t."agentAccount",
            t."whatsMessageId", t.direction::text AS direction, t.previous AS "previousStatus",
            COALESCE(u.status, t.previous) AS status, u.id IS NOT NULL AS changed, t.from_batch AS "fromBatch",
            t.changed_at AS "changedAt"
       FROM target t LEFT JOIN updated u ON u.id = t.id`,
    [tenant, deliveries.map((d) => d.account), deliveries.map((d) => d.id), deliveries.map((d) => d.status), deliveries.map((d) => d.at.toISOString())],
  );
  return res.rows;
}

/** Message counts, unread counts and the last message of every conversation the batch touched. */
async function updateConversationCounters(
  client: pg.PoolClient,
  merged: MergedMessage[],
  inserted: { id: string; conversationId: string; direction: string; status: MessageStatus; chatTime: Date }[],
  applied: AppliedStatus[],
  conversationIds: Map<string, string>,
  contactIds: Map<string, string>,
): Promise<void> {
  interface Delta { added: number; unread: number; lastId: string | null; lastAt: Date | null; input: MessageInput | null }
  const deltas = new Map<string, Delta>();
  const delta = (id: string) => {
    let d = deltas.get(id);
    if (!d) deltas.set(id, (d = { added: 0, unread: 0, lastId: null, lastAt: null, input: null }));
    return d;
  };
  for (const row of inserted) {
    const d = delta(row.conversationId);
    d.added += 1;
    if (row.direction === 'INBOUND' && row.status !== 'READ') d.unread += 1;
    const newer = !d.lastAt || row.chatTime > d.lastAt || (row.chatTime.getTime() === d.lastAt.getTime() && BigInt(row.id) > BigInt(d.lastId!));
    if (newer) {
      d.lastAt = row.chatTime;
      d.lastId = row.id;
    }
  }
  for (const a of applied) {
    if (a.changed && a.direction === 'INBOUND' && a.previousStatus !== 'READ' && a.status === 'READ') delta(a.conversationId).unread -= 1;
  }
  // The newest message of the batch names the conversation's agent, friend name
  // and contact; a repeated message carrying a profile links it too.
  for (const m of merged) {
    const id = conversationIds.get(conversationKey(m.input));
    if (!id) continue;
    if (!deltas.has(id) && !m.input.contact && !m.input.friendName) continue;
    const d = delta(id);
    if (!d.input || m.input.chatTime >= d.input.chatTime) d.input = m.input;
  }
  const ids = [...deltas.keys()].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  if (!ids.length) return;
  const rows = ids.map((id) => deltas.get(id)!);
  await client.query(
    `UPDATE "Conversation" c SET
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
      FROM unnest($1::bigint[], $2::int[], $3::int[], $4::bigint[], $5::timestamptz[], $6::text[], $7::bigint[], $8::text[], $9::text[])
        AS v(id, added, unread, last_id, last_at, friend_name, contact_id, agent_id, agent_account)
     WHERE c.id = v.id`,
    [
      ids,
      rows.map((r) => r.added),
      rows.map((r) => r.unread),
      rows.map((r) => r.lastId),
      rows.map((r) => (r.lastAt ? r.lastAt.toISOString() : null)),
      rows.map((r) => r.input?.friendName ?? null),
      rows.map((r) => (r.input?.contact ? (contactIds.get(r.input.contact.externalId) ?? null) : null)),
      rows.map((r) => r.input?.agentId ?? null),
      rows.map((r) => r.input?.agentAccount ?? null),
    ],
  );
}
