// The one write path: every entry point (the three webhooks, the GraphQL
// mutations, imports) hands normalised messages and status updates to
// `IngestService.store`, which stores them in one transaction and, after
// commit, publishes what changed. Batches of one tenant are written one
// transaction at a time, those that queued meanwhile together
// (write-queue.ts); each caller still gets its own batch's outcome.
import type { Database } from '../db/database.ts';
import type { ChatPubSub } from '../events/pubsub.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { MessageInput, StatusUpdateInput } from './model.ts';
import { attributeResults, prepareStore, runStore, type PreparedStore, type StoreFunctionResult, type StoreResult } from './store.ts';
import { TenantWriteQueue, type QueuedJob } from './write-queue.ts';
import { TableStatistics } from '../db/statistics.ts';
import { isDatabaseUnavailable } from '../db/errors.ts';

export interface IngestBatch {
  messages?: readonly MessageInput[];
  statusUpdates?: readonly StatusUpdateInput[];
}

export type IngestSummary = Omit<StoreResult, 'added' | 'statusChanged'>;

/** Fault injection for tests: called after a group committed, where its result is turned into counts and events. */
export interface IngestFaults {
  afterCommit?(tenantId: bigint): void;
}

// Deadlocks and serialization failures are transient: the whole transaction
// is retried, which is safe because storing is idempotent.
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;
/** Messages and status updates one transaction takes from a tenant's queue (a single larger batch still goes alone). */
const MAX_GROUP_ITEMS = 500;

export class IngestService {
  /** Fault injection, for tests only (test/integration/faults.test.ts). */
  readonly faults: IngestFaults = {};

  /** Keeps the planner's statistics up with fast-growing tables (src/db/statistics.ts). */
  readonly statistics: TableStatistics;

  constructor(
    private readonly db: Database,
    private readonly pubsub: ChatPubSub,
    private readonly log: Logger,
    private readonly metrics: Metrics | null = null,
  ) {
    this.statistics = new TableStatistics(db.pool, log);
  }

  async store(tenantId: bigint, batch: IngestBatch): Promise<IngestSummary> {
    const messages = batch.messages ?? [];
    const statusUpdates = batch.statusUpdates ?? [];
    if (!messages.length && !statusUpdates.length) return { inserted: 0, updated: 0, unchanged: 0, pending: 0 };
    return this.queue.submit(tenantId, { messages, statusUpdates });
  }

  private readonly queue = new TenantWriteQueue<IngestSummary>((tenantId, group, committed) => this.writeGroup(tenantId, group, committed), MAX_GROUP_ITEMS);

  /**
   * Writes a group in one transaction. When that fails for a reason that may
   * lie in one batch's data (not a transient conflict, not the database
   * being away), each batch is written alone, so that only the batch at
   * fault fails and the others' callers see their own outcome.
   */
  private async writeGroup(tenantId: bigint, group: readonly QueuedJob<IngestSummary>[], committed?: () => void): Promise<void> {
    let prepared: PreparedStore;
    let raw: StoreFunctionResult;
    try {
      prepared = prepareStore(group.map((w) => w.job));
      raw = await this.writeWithRetries(tenantId, prepared);
    } catch (err) {
      if (group.length === 1 || isDatabaseUnavailable(err)) throw err;
      this.log.debug({ err, tenantId: tenantId.toString(), batches: group.length }, 'grouped ingest failed; writing its batches one by one');
      for (const w of group) await this.writeGroup(tenantId, [w]).catch(w.reject);
      return;
    }
    // Committed. From here on nothing may fail a caller or lose an event: a
    // failure would make the sender retry a delivery that landed (and a
    // group's batches be rewritten one by one, their events never sent).
    if (committed) {
      // The tenant's next group starts now; pg sends its statement on the
      // next tick, so wait for that tick: the database works on it while this
      // group's events fan out. This group's events still go out before the
      // next group's (its result cannot be read before this turn ends).
      committed();
      await new Promise<void>((resolve) => process.nextTick(resolve));
    }
    this.settle(tenantId, group, prepared, raw);
  }

  /** After commit: each caller gets its batch's counts, every event is published once. Never throws. */
  private settle(tenantId: bigint, group: readonly QueuedJob<IngestSummary>[], prepared: PreparedStore, raw: StoreFunctionResult): void {
    const tenant = tenantId.toString();
    let attributed: ReturnType<typeof attributeResults>;
    try {
      this.faults.afterCommit?.(tenantId);
      attributed = attributeResults(prepared, raw);
    } catch (err) {
      this.log.error({ err, tenantId: tenant, batches: group.length }, 'counting a committed ingest failed; counting it batch by batch');
      attributed = attributeJobByJob(prepared, raw, (err2, j) =>
        this.log.error({ err: err2, tenantId: tenant, batch: j }, 'a committed batch could not be counted: answered as unchanged, its events not sent'),
      );
    }
    const { results, unattributed } = attributed;
    if (unattributed.added.length || unattributed.statusChanged.length) {
      this.log.error({ tenantId: tenant, added: unattributed.added.length, statusChanged: unattributed.statusChanged.length }, 'stored rows matched no batch of the group (published, not counted)');
      this.publish(tenant, unattributed);
    }
    this.guard(() => this.metrics?.ingestTransactions.inc());
    group.forEach((w, i) => {
      const result = results[i]!;
      const { added: _added, statusChanged: _changed, ...summary } = result;
      this.publish(tenant, result);
      this.guard(() => {
        if (!this.metrics) return;
        this.metrics.ingestBatches.inc();
        for (const outcome of ['inserted', 'updated', 'unchanged', 'pending'] as const) {
          if (summary[outcome]) this.metrics.ingestMessages.inc({ outcome }, summary[outcome]);
        }
      });
      w.resolve(summary);
    });
    this.guard(() => {
      if (results.some((r) => r.inserted || r.pending)) this.statistics.noteWrite();
    });
  }

  /** Runs bookkeeping that must not turn a committed write into a failure. */
  private guard(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.log.error({ err }, 'bookkeeping after an ingest commit failed');
    }
  }

  private async writeWithRetries(tenantId: bigint, prepared: PreparedStore): Promise<StoreFunctionResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        // One statement, one implicit transaction (store.ts). The pool drops
        // a connection that broke during it.
        return await runStore(this.db.pool, tenantId, prepared);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) {
          this.log.debug({ code, attempt, tenantId: tenantId.toString() }, 'ingest transaction retried');
          await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20));
          continue;
        }
        throw err;
      }
    }
  }

  /** Publishes a result's events, each on its own: one that fails does not keep the others back. */
  private publish(tenantId: string, result: Pick<StoreResult, 'added' | 'statusChanged'>): void {
    for (const event of result.added) this.guard(() => this.pubsub.publish('messageAdded', tenantId, event));
    for (const event of result.statusChanged) this.guard(() => this.pubsub.publish('messageStatusChanged', tenantId, event));
    this.guard(() => {
      if (result.added.length) this.metrics?.eventsPublished.inc({ topic: 'messageAdded' }, result.added.length);
      if (result.statusChanged.length) this.metrics?.eventsPublished.inc({ topic: 'messageStatusChanged' }, result.statusChanged.length);
    });
  }
}

/**
 * The fallback when counting a committed group failed: each batch counted
 * on its own (a fault in one batch's rows leaves the others' counts and
 * events whole), and the rows of no batch published as they are. A batch
 * that still cannot be counted is answered as unchanged (it did commit).
 */
function attributeJobByJob(
  prepared: PreparedStore,
  raw: StoreFunctionResult,
  onFailure: (err: unknown, job: number) => void,
): ReturnType<typeof attributeResults> {
  const results = prepared.jobs.map((job, j): StoreResult => {
    try {
      const jobOf = new Map([...prepared.jobOf].filter(([, owner]) => owner === j).map(([id]) => [id, 0]));
      const perJob = prepared.perJob[j]!;
      return attributeResults({ jobs: [job], perJob: [perJob], merged: perJob, jobOf }, raw).results[0]!;
    } catch (err) {
      onFailure(err, j);
      return { inserted: 0, updated: 0, unchanged: prepared.perJob[j]?.length ?? 0, pending: 0, added: [], statusChanged: [] };
    }
  });
  let unattributed: ReturnType<typeof attributeResults>['unattributed'] = { added: [], statusChanged: [] };
  try {
    const none = attributeResults({ jobs: [], perJob: [], merged: prepared.merged, jobOf: new Map() }, raw).unattributed;
    unattributed = {
      added: none.added.filter((e) => !prepared.jobOf.has(e.whatsMessageId)),
      statusChanged: none.statusChanged.filter((e) => !prepared.jobOf.has(e.whatsMessageId)),
    };
  } catch (err) {
    onFailure(err, -1);
  }
  return { results, unattributed };
}
