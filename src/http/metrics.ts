// Prometheus metrics at GET /metrics (text exposition format 0.0.4): HTTP
// requests and latencies per route, ingest counts, live subscribers and
// sockets, the database pool, process memory. Written out by hand: a few
// counters and histograms do not need a client library.
import { requestIdOf } from './request-id.ts';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../log.ts';

type Labels = Record<string, string>;

const key = (labels: Labels) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

class Counter {
  private readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(key(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines.join('\n');
  }
}

class Histogram {
  private readonly series = new Map<string, { buckets: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly bounds: readonly number[]) {}
  observe(labels: Labels, value: number): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { buckets: this.bounds.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]!) s.buckets[i]!++;
    s.sum += value;
    s.count++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : '';
      this.bounds.forEach((b, i) => lines.push(`${this.name}_bucket{${sep}le="${b}"} ${s.buckets[i]}`));
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return lines.join('\n');
  }
}

/** A value read when scraped. */
interface Gauge {
  name: string;
  help: string;
  read: () => [Labels, number][];
}

const KNOWN_ROUTES = [
  '/graphql', '/healthz', '/readyz', '/metrics', '/openapi.json',
  '/webhooks/MSG_SYNC_MESSAGE', '/webhooks/CLIENT_SYNC_MESSAGE', '/webhooks/CLIENT_SYNC_MESSAGE_STATUS',
  '/wscrm-bus-api/open/message/msgPage', '/xd/client/retrievePastRecords',
];

/** The route label: a known path, or "other" (paths are not a label's unbounded values). */
export function routeOf(pathname: string): string {
  return KNOWN_ROUTES.includes(pathname) ? pathname : 'other';
}

export class Metrics {
  readonly httpRequests = new Counter('chatgraph_http_requests_total', 'HTTP requests answered, by route, method and status.');
  readonly httpDuration = new Histogram('chatgraph_http_request_duration_seconds', 'Time to answer an HTTP request, by route.', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  readonly ingestBatches = new Counter('chatgraph_ingest_batches_total', 'Ingest batches committed.');
  readonly ingestTransactions = new Counter('chatgraph_ingest_transactions_total', 'Ingest transactions committed (one per batch, or one for several batches of a tenant that queued together).');
  readonly ingestMessages = new Counter('chatgraph_ingest_messages_total', 'Messages and status updates ingested, by outcome (inserted, updated, unchanged, pending).');
  readonly ingestFailures = new Counter('chatgraph_ingest_failures_total', 'Ingest batches not stored, by reason (invalid, unauthorized, database_unavailable, error).');
  readonly eventsPublished = new Counter('chatgraph_events_published_total', 'Live events published after commit, by topic.');
  private readonly gauges: Gauge[] = [];
  private readonly started = Date.now();

  gauge(name: string, help: string, read: Gauge['read']): void {
    this.gauges.push({ name, help, read });
  }

  render(): string {
    const parts = [this.httpRequests, this.httpDuration, this.ingestBatches, this.ingestTransactions, this.ingestMessages, this.ingestFailures, this.eventsPublished]
      .map((m) => m.render());
    const memory = process.memoryUsage();
    const builtIn: Gauge[] = [
      { name: 'chatgraph_process_resident_memory_bytes', help: 'Resident memory of the process.', read: () => [[{}, memory.rss]] },
      { name: 'chatgraph_process_heap_used_bytes', help: 'V8 heap in use.', read: () => [[{}, memory.heapUsed]] },
      { name: 'chatgraph_process_uptime_seconds', help: 'Seconds since start.', read: () => [[{}, (Date.now() - this.started) / 1000]] },
    ];
    for (const g of [...this.gauges, ...builtIn]) {
      const lines = [`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`];
      for (const [labels, value] of g.read()) {
        const k = key(labels);
        lines.push(`${g.name}${k ? `{${k}}` : ''} ${value}`);
      }
      parts.push(lines.join('\n'));
    }
    return parts.join('\n') + '\n';
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
