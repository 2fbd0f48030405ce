// The one write path: every entry point (the three webhooks, the GraphQL
// mutations, imports) hands normalised messages and status updates to
// `IngestService.store`, which stores them in one transaction and, after
// commit, publishes what changed.
import type { Database } from '../db/database.ts';
import type { ChatPubSub } from '../events/pubsub.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../http/metrics.ts';
import type { MessageInput, StatusUpdateInput } from './model.ts';
import { storeBatch, type StoreResult } from './store.ts';
import { TableStatistics } from '../db/statistics.ts';

export interface IngestBatch {
  messages?: readonly MessageInput[];
  statusUpdates?: readonly StatusUpdateInput[];
}

export type IngestSummary = Omit<StoreResult, 'added' | 'statusChanged'>;

// Deadlocks and serialization failures are transient: the whole transaction
// is retried, which is safe because storing is idempotent.
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

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
    for (let attempt = 1; ; attempt++) {
      let result: StoreResult;
      try {
        // One statement, one implicit transaction (store.ts). The pool drops
        // a connection that broke during it.
        result = await storeBatch(this.db.pool, tenantId, messages, statusUpdates);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) {
          this.log.debug({ code, attempt, tenantId: tenantId.toString() }, 'ingest transaction retried');
          await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20));
          continue;
        }
        throw err;
      }
      this.publish(tenantId.toString(), result);
      if (result.inserted || result.pending) this.statistics.noteWrite();
      const { added: _added, statusChanged: _changed, ...summary } = result;
      if (this.metrics) {
        this.metrics.ingestBatches.inc();
        for (const outcome of ['inserted', 'updated', 'unchanged', 'pending'] as const) {
          if (summary[outcome]) this.metrics.ingestMessages.inc({ outcome }, summary[outcome]);
        }
      }
      return summary;
    }
  }

  private publish(tenantId: string, result: StoreResult): void {
    for (const event of result.added) this.pubsub.publish('messageAdded', tenantId, event);
    for (const event of result.statusChanged) this.pubsub.publish('messageStatusChanged', tenantId, event);
    if (result.added.length) this.metrics?.eventsPublished.inc({ topic: 'messageAdded' }, result.added.length);
    if (result.statusChanged.length) this.metrics?.eventsPublished.inc({ topic: 'messageStatusChanged' }, result.statusChanged.length);
  }
}
