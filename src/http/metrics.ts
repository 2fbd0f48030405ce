// Prometheus metrics at GET /metrics, through prom-client: the standard
// process_* and nodejs_* families (CPU, memory, event-loop lag, GC, handles,
// start time), HTTP requests and latencies per route, GraphQL operations
// and their latencies per operation, ingest counts, live subscribers and
// sockets, the database pool. One registry per app (not prom-client's
// global one), so that several apps in one process (tests) keep apart.
import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { requestIdOf } from './request-id.ts';
import type { Plugin } from 'graphql-yoga';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../log.ts';

type Labels = Record<string, string>;

const KNOWN_ROUTES = [
  '/graphql', '/healthz', '/readyz', '/metrics', '/openapi.json',
  '/webhooks/MSG_SYNC_MESSAGE', '/webhooks/CLIENT_SYNC_MESSAGE', '/webhooks/CLIENT_SYNC_MESSAGE_STATUS',
  '/wscrm-bus-api/open/message/msgPage', '/xd/client/retrievePastRecords',
];

/** The route label: a known path, or "other" (paths are not a label's unbounded values). */
export function routeOf(pathname: string): string {
  return KNOWN_ROUTES.includes(pathname) ? pathname : 'other';
}

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

/**
 * Counts and times every HTTP request Yoga answers (GraphQL and REST routes
 * alike), answers with its request id (the caller's `x-request-id`, or a new
 * one) and logs one line per request at debug level: method, route, status,
 * time and request id — never a body, a key or a message's content.
 */
export function useMetrics(metrics: Metrics, log: Logger): Plugin {
  const started = new WeakMap<Request, { t0: number; id: string; route: string }>();
  return {
    onRequest({ request, url }) {
      started.set(request, { t0: performance.now(), id: requestIdOf(request), route: routeOf(url.pathname) });
    },
    onResponse({ request, response }) {
      const s = started.get(request);
      const route = s?.route ?? 'other';
      const status = response.status;
      metrics.httpRequests.inc({ route, method: request.method, status: String(status) });
      if (!s) return;
      const seconds = (performance.now() - s.t0) / 1000;
      metrics.httpDuration.observe({ route }, seconds);
      try {
        if (!response.headers.has('x-request-id')) response.headers.set('x-request-id', s.id);
      } catch {
        // immutable headers (a proxied response): the id is in the log line
      }
      if (log.isLevelEnabled('debug')) log.debug({ requestId: s.id, method: request.method, route, status, ms: Math.round(seconds * 1000) }, 'request');
    },
  };
}

function operationOf(document: DocumentNode, name: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return name ? operations.find((o) => o.name?.value === name) : operations.length === 1 ? operations[0] : undefined;
}

/**
 * Counts and times GraphQL operations, over HTTP and graphql-ws alike (both
 * run Yoga's plugins). Placed after the auth gate and the limits, so that
 * what it times was executed; documents refused by parsing or validation
 * count as outcome "invalid", operation "unknown" (their names are not
 * trusted as label values). Operation names are bounded (Metrics.operationLabel).
 */
export function useOperationMetrics(metrics: Metrics): Plugin {
  const record = (labels: Labels, t0: number) => {
    metrics.graphqlOperations.inc(labels);
    metrics.graphqlDuration.observe(labels, (performance.now() - t0) / 1000);
  };
  const labelsOf = (document: DocumentNode, operationName: string | null | undefined) => {
    const operation = operationOf(document, operationName);
    return { operation: metrics.operationLabel(operation?.name?.value), type: operation?.operation ?? 'unknown' };
  };
  return {
    onParse() {
      const t0 = performance.now();
      return ({ result }) => {
        if (result instanceof Error) record({ operation: 'unknown', type: 'unknown', outcome: 'invalid' }, t0);
      };
    },
    onValidate() {
      const t0 = performance.now();
      return ({ valid }) => {
        if (!valid) record({ operation: 'unknown', type: 'unknown', outcome: 'invalid' }, t0);
      };
    },
    onExecute({ args }) {
      const t0 = performance.now();
      const labels = labelsOf(args.document, args.operationName);
      return {
        onExecuteDone({ result }) {
          // A stream (@defer/@stream) is timed to its first part.
          const errors = 'errors' in result ? result.errors : undefined;
          record({ ...labels, outcome: errors?.length ? 'error' : 'ok' }, t0);
        },
      };
    },
    onSubscribe({ args }) {
      const t0 = performance.now();
      const labels = labelsOf(args.document, args.operationName);
      return {
        onSubscribeResult({ result }) {
          const errors = 'errors' in result ? (result as { errors?: unknown[] }).errors : undefined;
          record({ ...labels, outcome: errors?.length ? 'error' : 'ok' }, t0);
        },
        onSubscribeError() {
          record({ ...labels, outcome: 'error' }, t0);
        },
      };
    },
  };
}
