// Stores a normalised batch in one statement: the server-side function
// `chatgraph_store_batch` (prisma/sql/store-batch.sql) does the
// whole write — contacts, conversations, messages, statuses, pending
// statuses, counters — as one implicit transaction. One round trip per batch
// instead of a dozen: the statements' per-call costs (protocol, planning,
// socket writes) were most of the ingest's CPU, and a shorter transaction
// holds the rows concurrent batches share (busy contacts and conversations)
// for less time.
//
// Here: merge duplicates of the batch (highest status, earliest time of
// each), hand the rows over as JSON, and turn what the function reports into
// counts and events.
import type pg from 'pg';
import { statusRank, type MessageStatus } from '../domain/status.ts';
import type { MessageAddedEvent, MessageStatusChangedEvent } from '../events/pubsub.ts';
import { compare, compareMerged, mergeBatch, messageKey, type MergedMessage } from './batch.ts';
import type { ContactInput, MessageInput, StatusUpdateInput } from './model.ts';
import { agentSightings, LEARN_SIGHTINGS_CTE } from './agent-sightings.ts';
import { messageRow } from '../domain/message-columns.ts';

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

/** What `chatgraph_store_batch` reports: the rows it inserted and the stored messages deliveries reached. */
interface FunctionResult {
  /** One array per column, a row per index; `statusAts`: when the stored status was reached (absent from the function's earlier versions). */
  inserted: [ids: string[], conversationIds: string[], accountWhatsIdBares: string[], whatsMessageIds: string[], statuses: MessageStatus[], statusAts?: (string | null)[]];
  /** The stored messages deliveries reached: an event's fields (under the row's `id`), and what the function knows of them. */
  applied: (Omit<MessageStatusChangedEvent, 'messageId'> & {
    id: string;
    changed: boolean;
    /** Reached through a repeated message of the batch (not a status update). */
    fromBatch: boolean;
  })[];
}

// The agent directory learns from the same statement (agent-sightings.ts).
const STORE_BATCH = `WITH ${LEARN_SIGHTINGS_CTE}
SELECT chatgraph_store_batch($1::bigint, $2::jsonb, $3::jsonb, $4::jsonb) AS result`;

/**
 * JSON for a jsonb argument. jsonb refuses \u0000 and unpaired surrogates
 * (\ud800 alone), which JSON.parse lets through from a request body: NUL
 * characters are dropped and an unpaired surrogate becomes U+FFFD, in values
 * and in object keys (a contact's custom fields are the sender's JSON) — what
 * a text parameter did with them before. Only the rare payload that has them
 * takes the slower path that cleans it string by string.
 */
export function jsonArgument(value: unknown): string {
  const text = JSON.stringify(value);
  if (!NEEDS_CLEANING.test(text)) return text;
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'string') return cleanString(v);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v).map(([k, member]) => [cleanString(k), member]));
  });
}

/** What JSON.stringify writes for a NUL or a lone surrogate (a literal backslash-u only costs the slow path). */
const NEEDS_CLEANING = /\\u(?:0000|d[89a-f])/;

function cleanString(s: string): string {
  return (s.includes('\0') ? s.replaceAll('\0', '') : s).toWellFormed();
}

/**
 * The messages as rows (messageRow), numbering their contacts (by position
 * in `contacts`) and their distinct conversations: the function looks each
 * up once per batch, not once per message.
 */
function messageRows(merged: readonly MergedMessage[], contacts: readonly ContactInput[]): unknown[][] {
  const contactOrd = new Map(contacts.map((c, n) => [c.externalId, n]));
  const conversationOrd = new Map<string, number>();
  return merged.map((m) => {
    const i = m.input;
    const key = `${i.accountWhatsIdBare}\u0000${i.friendWhatsIdBare}\u0000${i.chatType}`;
    let conversation = conversationOrd.get(key);
    if (conversation === undefined) conversationOrd.set(key, (conversation = conversationOrd.size));
    return messageRow(m, { contact: i.contact ? contactOrd.get(i.contact.externalId)! : null, conversation });
  });
}

/** A contact as the store function reads it; a field absent (undefined) is left out of the JSON and keeps the stored value. */
function contactRow(c: ContactInput) {
  return {
    external_id: c.externalId,
    name: c.name,
    whats_id: c.whatsId,
    whats_id_bare: c.whatsIdBare,
    owner_name: c.ownerName,
    income: c.income,
    profession: c.profession,
    description: c.description,
    email: c.email,
    address: c.address,
    tags: c.tags,
    custom_fields: c.customFields,
    extends_map: c.extendsMap,
  };
}

/** One caller's share of a stored group: its messages and status updates. */
export interface StoreJob {
  messages: readonly MessageInput[];
  statusUpdates: readonly StatusUpdateInput[];
}

/**
 * The WhatsApp message ids a job touches: a status update reaches a message
 * by id across the tenant's accounts, so two jobs can share a statement only
 * when their ids are disjoint (then each job's outcome is its own).
 */
export function jobIds(job: StoreJob): Set<string> {
  const ids = new Set<string>();
  for (const m of job.messages) ids.add(m.whatsMessageId);
  for (const u of job.statusUpdates) ids.add(u.whatsMessageId);
  return ids;
}

/**
 * Stores several jobs of one tenant in one statement (one transaction) and
 * returns each job's outcome, as if each had been stored alone. The jobs'
 * WhatsApp message ids must be disjoint (jobIds); a contact in several jobs
 * gets the profile of the last one, as stored one after the other.
 */
export async function storeJobs(db: pg.Pool | pg.PoolClient, tenantId: bigint, jobs: readonly StoreJob[]): Promise<StoreResult[]> {
  const prepared = prepareStore(jobs);
  return attributeResults(prepared, await runStore(db, tenantId, prepared)).results;
}

/** An ISO time, or `fallback` for a value that is none (an invalid Date would throw in toISOString). */
function isoTime(value: unknown, fallback: string): string {
  const time = new Date(value as string);
  return Number.isNaN(time.getTime()) ? fallback : time.toISOString();
}

/** A group ready for the store function, and what attributing its result needs. */
export interface PreparedStore {
  readonly jobs: readonly StoreJob[];
  readonly perJob: readonly MergedMessage[][];
  readonly merged: readonly MergedMessage[];
  /** Which job each WhatsApp message id belongs to, keyed by the id as stored (storedForm). */
  readonly jobOf: ReadonlyMap<string, number>;
}

/**
 * How the database gets a string: what jsonArgument makes of it. Ids are
 * refused when ill-formed (src/domain/text.ts), so this is the id itself;
 * keyed by it, the function's report is matched to the jobs even if one slipped by.
 */
function storedForm(s: string): string {
  return NEEDS_CLEANING.test(JSON.stringify(s)) ? cleanString(s) : s;
}

/** Merges each job's duplicates and maps ids to jobs (before the database: may throw). */
export function prepareStore(jobs: readonly StoreJob[]): PreparedStore {
  const jobOf = new Map<string, number>();
  jobs.forEach((job, j) => {
    for (const id of jobIds(job)) {
      const stored = storedForm(id);
      if (jobOf.has(stored)) throw new Error(`storeJobs: jobs ${jobOf.get(stored)} and ${j} share the WhatsApp message id ${id}`);
      jobOf.set(stored, j);
    }
  });
  const perJob = jobs.map((job) => mergeBatch(job.messages));
  const merged = perJob.length === 1 ? perJob[0]! : perJob.flat().sort(compareMerged);
  return { jobs, perJob, merged, jobOf };
}

/** Runs chatgraph_store_batch: when it returns, the group is committed. */
export async function runStore(db: pg.Pool | pg.PoolClient, tenantId: bigint, prepared: PreparedStore): Promise<FunctionResult> {
  const { jobs, merged } = prepared;
  // The last profile of each contact, in a fixed order (rows are locked in it).
  const lastProfiles = new Map<string, ContactInput>();
  // A partial profile updates the fields it gives, as if stored one after the other.
  for (const job of jobs) {
    for (const m of job.messages) if (m.contact) lastProfiles.set(m.contact.externalId, { ...lastProfiles.get(m.contact.externalId), ...m.contact });
  }
  const contacts = [...lastProfiles.values()].sort((a, b) => compare(a.externalId, b.externalId));
  const statusUpdates = jobs.flatMap((job) => job.statusUpdates);
  const { rows } = await db.query<{ result: FunctionResult }>(STORE_BATCH, [
    tenantId.toString(),
    jsonArgument(messageRows(merged, contacts)),
    jsonArgument(contacts.map(contactRow)),
    jsonArgument(statusUpdates.map((u) => ({ id: u.whatsMessageId, status: u.status, agent_id: u.agentId, at: u.reachedAt }))),
    jsonArgument(agentSightings(merged.map((m) => m.input))),
  ]);
  return rows[0]!.result;
}

export type { FunctionResult as StoreFunctionResult };

/**
 * Each job's counts and events from what the store function reported. Runs
 * after commit, so it must not fail on what it is given: a row it cannot
 * place in a job (which validated ids make impossible) still yields its
 * event, in `unattributed`, and is reported there rather than thrown.
 */
export function attributeResults(
  prepared: PreparedStore,
  raw: FunctionResult,
  addedAt = new Date().toISOString(),
): { results: StoreResult[]; unattributed: Pick<StoreResult, 'added' | 'statusChanged'> } {
  const { jobs, perJob, merged, jobOf } = prepared;
  const results: StoreResult[] = jobs.map((job, j) => ({
    inserted: 0,
    updated: 0,
    unchanged: perJob[j]!.length,
    pending: job.statusUpdates.length,
    added: [],
    statusChanged: [],
  }));
  const unattributed: Pick<StoreResult, 'added' | 'statusChanged'> = { added: [], statusChanged: [] };
  const resultOf = (whatsMessageId: string): StoreResult | null => {
    const j = jobOf.get(whatsMessageId);
    return j === undefined ? null : results[j]!;
  };
  const byKey = new Map(merged.map((m) => [messageKey({ accountWhatsIdBare: storedForm(m.input.accountWhatsIdBare), whatsMessageId: storedForm(m.input.whatsMessageId) }), m]));
  const [ids = [], conversationIds = [], accounts = [], whatsMessageIds = [], statuses = [], statusAts = []] = raw?.inserted ?? [];
  for (let k = 0; k < ids.length; k++) {
    const accountWhatsIdBare = accounts[k]!;
    const whatsMessageId = whatsMessageIds[k]!;
    const mergedMessage = byKey.get(messageKey({ accountWhatsIdBare, whatsMessageId }));
    const input = mergedMessage?.input;
    const r = resultOf(whatsMessageId);
    const stored = statuses[k]!;
    // A status that arrived before its message (kept as pending) raised it as
    // it was stored: the message is added at its own status, and the raise is
    // a status change like any other, so that a subscriber folding the events
    // reaches the stored status with no step missing.
    const held = mergedMessage && statusRank(stored) > statusRank(mergedMessage.status) ? mergedMessage.status : null;
    const event: MessageAddedEvent = {
      messageId: ids[k]!,
      conversationId: conversationIds[k]!,
      accountWhatsIdBare,
      friendWhatsIdBare: input?.friendWhatsIdBare ?? '',
      agentId: input?.agentId ?? null,
      agentAccount: input?.agentAccount ?? null,
      whatsMessageId,
      status: held ?? stored,
      addedAt,
    };
    const target = r && input ? r : unattributed;
    if (r && input) {
      r.inserted++;
      r.unchanged--;
    }
    target.added.push(event);
    if (held) {
      const { addedAt: _at, status: _status, ...fields } = event;
      target.statusChanged.push({ ...fields, previousStatus: held, status: stored, changedAt: statusAts[k] ? isoTime(statusAts[k], addedAt) : addedAt });
    }
  }
  // A stored message the job reached, by a repeated message or a status
  // update: "updated" when it moved, else "unchanged" (a repeated message is
  // already counted as unchanged above). Status updates that reached no
  // stored message are kept as pending.
  const reached = new Set<string>();
  for (const a of raw?.applied ?? []) {
    reached.add(a.whatsMessageId);
    const r = resultOf(a.whatsMessageId);
    if (a.changed) {
      if (r) {
        r.updated++;
        if (a.fromBatch) r.unchanged--;
      }
      if (a.previousStatus !== a.status) {
        (r ?? unattributed).statusChanged.push({
          messageId: a.id,
          conversationId: a.conversationId,
          accountWhatsIdBare: a.accountWhatsIdBare,
          friendWhatsIdBare: a.friendWhatsIdBare,
          agentId: a.agentId,
          agentAccount: a.agentAccount,
          whatsMessageId: a.whatsMessageId,
          previousStatus: a.previousStatus,
          status: a.status,
          changedAt: isoTime(a.changedAt, addedAt),
        });
      }
    } else if (!a.fromBatch && r) {
      r.unchanged++;
    }
  }
  jobs.forEach((job, j) => {
    for (const u of job.statusUpdates) if (reached.has(storedForm(u.whatsMessageId))) results[j]!.pending--;
  });
  return { results, unattributed };
}
