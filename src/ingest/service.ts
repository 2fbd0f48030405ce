// The one write path: every entry point (the three webhooks, the GraphQL
// mutations, imports) hands normalised messages and status updates to
// `IngestService.store`, which stores them in one transaction and, after
// commit, publishes what changed. Batches of one tenant are written one
// transaction at a time, those that queued meanwhile together
// (write-queue.ts); each caller still gets its own batch's outcome.
import type { Database } from '../db/database.ts';
import type { ChatPubSub } from '../events/pubsub.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../http/metrics.ts';
import type { MessageInput, StatusUpdateInput } from './model.ts';
import { storeJobs, type StoreResult } from './store.ts';
import { TenantWriteQueue, type QueuedJob } from './write-queue.ts';
import { TableStatistics } from '../db/statistics.ts';
import { isDatabaseUnavailable } from '../db/errors.ts';

export interface IngestBatch {
  messages?: readonly MessageInput[];
  statusUpdates?: readonly StatusUpdateInput[];
}

export type IngestSummary = Omit<StoreResult, 'added' | 'statusChanged'>;

// Deadlocks and serialization failures are transient: the whole transaction
// is retried, which is safe because storing is idempotent.
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;
/** Messages and status updates one transaction takes from a tenant's queue (a single larger batch still goes alone). */
const MAX_GROUP_ITEMS = 500;

export class IngestService {
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

  private readonly queue = new TenantWriteQueue<IngestSummary>((tenantId, group) => this.writeGroup(tenantId, group), MAX_GROUP_ITEMS);

  /**
   * Writes a group in one transaction. When that fails for a reason that may
   * lie in one batch's data (not a transient conflict, not the database
   * being away), each batch is written alone, so that only the batch at
   * fault fails and the others' callers see their own outcome.
   */
  private async writeGroup(tenantId: bigint, group: readonly QueuedJob<IngestSummary>[]): Promise<void> {
    let results: StoreResult[];
    try {
      results = await this.writeWithRetries(tenantId, group);
    } catch (err) {
      if (group.length === 1 || isDatabaseUnavailable(err)) throw err;
      this.log.debug({ err, tenantId: tenantId.toString(), batches: group.length }, 'grouped ingest failed; writing its batches one by one');
      for (const w of group) await this.writeGroup(tenantId, [w]).catch(w.reject);
      return;
    }
    this.metrics?.ingestTransactions.inc();
    group.forEach((w, i) => {
      const result = results[i]!;
      this.publish(tenantId.toString(), result);
      const { added: _added, statusChanged: _changed, ...summary } = result;
      if (this.metrics) {
        this.metrics.ingestBatches.inc();
        for (const outcome of ['inserted', 'updated', 'unchanged', 'pending'] as const) {
          if (summary[outcome]) this.metrics.ingestMessages.inc({ outcome }, summary[outcome]);
        }
      }
      w.resolve(summary);
    });
    if (results.some((r) => r.inserted || r.pending)) this.statistics.noteWrite();
  }

  private async writeWithRetries(tenantId: bigint, group: readonly QueuedJob<IngestSummary>[]): Promise<StoreResult[]> {
    const jobs = group.map((w) => w.job);
    for (let attempt = 1; ; attempt++) {
      try {
        // One statement, one implicit transaction (store.ts). The pool drops
        // a connection that broke during it.
        return await storeJobs(this.db.pool, tenantId, jobs);
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

  private publish(tenantId: string, result: StoreResult): void {
    for (const event of result.added) this.pubsub.publish('messageAdded', tenantId, event);
    for (const event of result.statusChanged) this.pubsub.publish('messageStatusChanged', tenantId, event);
    if (result.added.length) this.metrics?.eventsPublished.inc({ topic: 'messageAdded' }, result.added.length);
    if (result.statusChanged.length) this.metrics?.eventsPublished.inc({ topic: 'messageStatusChanged' }, result.statusChanged.length);
  }
}
