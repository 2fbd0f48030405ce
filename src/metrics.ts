// The server's Prometheus metrics, through prom-client: the standard
// process_* and nodejs_* families (CPU, memory, event-loop lag, GC, handles,
// start time), HTTP requests and latencies per route, GraphQL operations
// and their latencies per operation, ingest counts, and gauges read when
// scraped (live subscribers, the database pool). One registry per app (not
// prom-client's global one), so that several apps in one process (tests)
// keep apart. Served at GET /metrics (src/http/health.ts); the HTTP and
// GraphQL counting is src/http/metrics.ts.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

type Labels = Record<string, string>;

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Distinct operation names labelled per process; later new names count as "other". */
export const MAX_OPERATION_NAMES = 100;

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({ name: 'chatgraph_http_requests_total', help: 'HTTP requests answered, by route, method and status.', labelNames: ['route', 'method', 'status'], registers: [this.registry] });
  readonly httpDuration = new Histogram({ name: 'chatgraph_http_request_duration_seconds', help: 'Time to answer an HTTP request, by route.', labelNames: ['route'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly graphqlOperations = new Counter({
    name: 'chatgraph_graphql_operations_total',
    help: 'GraphQL operations (HTTP and graphql-ws), by operation name, type and outcome (ok, error: executed with errors, invalid: refused by parsing or validation).',
    labelNames: ['operation', 'type', 'outcome'],
    registers: [this.registry],
  });
  readonly graphqlDuration = new Histogram({
    name: 'chatgraph_graphql_operation_duration_seconds',
    help: 'Time to execute a GraphQL operation (a subscription: to start its stream), by operation name, type and outcome.',
    labelNames: ['operation', 'type', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly ingestBatches = new Counter({ name: 'chatgraph_ingest_batches_total', help: 'Ingest batches committed.', registers: [this.registry] });
  readonly ingestTransactions = new Counter({ name: 'chatgraph_ingest_transactions_total', help: 'Ingest transactions committed (one per batch, or one for several batches of a tenant that queued together).', registers: [this.registry] });
  readonly ingestMessages = new Counter({ name: 'chatgraph_ingest_messages_total', help: 'Messages and status updates ingested, by outcome (inserted, updated, unchanged, pending).', labelNames: ['outcome'], registers: [this.registry] });
  readonly ingestFailures = new Counter({ name: 'chatgraph_ingest_failures_total', help: 'Ingest batches not stored, by reason (invalid, unauthorized, database_unavailable, error).', labelNames: ['route', 'reason'], registers: [this.registry] });
  readonly eventsPublished = new Counter({ name: 'chatgraph_events_published_total', help: 'Live events published after commit, by topic.', labelNames: ['topic'], registers: [this.registry] });
  private readonly operationNames = new Set<string>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    // process_cpu_*, process_resident_memory_bytes, process_start_time_seconds,
    // nodejs_eventloop_lag_*, nodejs_gc_duration_seconds, nodejs_heap_*, …
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** A gauge read when scraped. */
  gauge(name: string, help: string, read: () => [Labels, number][], labelNames: readonly string[] = []): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, value] of read()) this.set(labels, value);
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The operation label: the name when among the first MAX_OPERATION_NAMES seen, else "other"; "anonymous" without one. */
  operationLabel(name: string | undefined): string {
    if (!name) return 'anonymous';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(name);
    return name;
  }
}
