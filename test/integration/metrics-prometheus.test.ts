// /metrics as Prometheus reads it: the whole scrape parsed with
// parse-prometheus-text-format (it throws on any line that is not text
// exposition format): the standard process_* / nodejs_* families, ours, and
// a GraphQL operation counted and timed under its name. That parser merges
// the series of a labelled histogram into one, so one series is cut out of
// the scrape (its labels but `le` dropped) and parsed alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import parsePrometheus from 'parse-prometheus-text-format';
import { MAX_OPERATION_NAMES } from '../../src/metrics.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

const scrape = async () => {
  const res = await t.app.fetch('http://localhost/metrics');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  return res.text();
};

function families(text: string) {
  return new Map(parsePrometheus(text).map((f) => [f.name, f]));
}

function counter(text: string, name: string, labels: Record<string, string>): number {
  const family = families(text).get(name);
  const sample = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v) && Object.keys(m.labels ?? {}).length === Object.keys(labels).length);
  return Number(sample?.value ?? 0);
}

/** One series of a labelled histogram, parsed alone: buckets, count, sum. */
function histogramSeries(text: string, name: string, labels: Record<string, string>) {
  const selector = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
  // prom-client writes `le` first: name_bucket{le="0.1",operation="…",…}.
  const bucket = new RegExp(`^${name}_bucket\\{le="[^"]+",${selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\} `);
  const lines = text.split('\n').filter((l) => l.startsWith(`# HELP ${name} `) || l.startsWith(`# TYPE ${name} `) || bucket.test(l) || l.startsWith(`${name}_sum{${selector}} `) || l.startsWith(`${name}_count{${selector}} `));
  const alone = lines.map((l) => l.replace(`,${selector}}`, '}').replace(`{${selector}}`, '')).join('\n') + '\n';
  const [family] = parsePrometheus(alone);
  return family?.metrics[0] ?? null;
}

test('/metrics parses as Prometheus text format, with the process, Node and chatgraph families', async () => {
  await t.graphql('{ viewer { tenantId } }');
  const found = families(await scrape());
  const expected: Record<string, string> = {
    process_cpu_user_seconds_total: 'COUNTER',
    process_resident_memory_bytes: 'GAUGE',
    process_start_time_seconds: 'GAUGE',
    process_open_fds: 'GAUGE',
    nodejs_eventloop_lag_seconds: 'GAUGE',
    nodejs_eventloop_lag_p99_seconds: 'GAUGE',
    nodejs_gc_duration_seconds: 'HISTOGRAM',
    nodejs_heap_size_used_bytes: 'GAUGE',
    nodejs_active_handles_total: 'GAUGE',
    chatgraph_http_requests_total: 'COUNTER',
    chatgraph_http_request_duration_seconds: 'HISTOGRAM',
    chatgraph_graphql_operations_total: 'COUNTER',
    chatgraph_graphql_operation_duration_seconds: 'HISTOGRAM',
    chatgraph_ingest_batches_total: 'COUNTER',
    chatgraph_ingest_messages_total: 'COUNTER',
    chatgraph_db_pool_connections: 'GAUGE',
    chatgraph_subscriptions_active: 'GAUGE',
    chatgraph_events_transport_up: 'GAUGE',
  };
  for (const [name, type] of Object.entries(expected)) {
    assert.equal(found.get(name)?.type, type, `${name}: ${found.has(name) ? found.get(name)!.type : 'missing'}`);
    assert.ok(found.get(name)!.help.length > 0, `${name} has a HELP line`);
  }
  const start = Number(found.get('process_start_time_seconds')!.metrics[0]!.value);
  assert.ok(Math.abs(start - Date.now() / 1000) < 3600, `start time ${start}`);
  assert.deepEqual(
    found.get('chatgraph_db_pool_connections')!.metrics.map((m) => m.labels?.state).sort(),
    ['idle', 'total', 'waiting'],
  );
});

test('a GraphQL operation is counted and timed under its name, type and outcome; invalid documents and anonymous ones apart', async () => {
  const before = await scrape();
  const ok = { operation: 'MetricsProbe', type: 'query', outcome: 'ok' };
  for (let i = 0; i < 3; i++) assert.equal((await t.graphql('query MetricsProbe { viewer { tenantId } }')).status, 200);
  await t.graphql('{ viewer { tenantId } }');
  await t.graphql('query Broken { noSuchField }');
  await t.graphql('mutation MetricsFails { ingestMessages(messages: [{ accountWhatsId: "", whatsMessageId: "", friendWhatsId: "", direction: INBOUND, chatType: PRIVATE, contentType: TEXT, content: "", status: SENT, chatTime: "not a time" }]) { inserted } }');
  await t.graphql('query MetricsForbidden { conversations(first: 1) { totalCount } }', undefined, t.tenant.ingestKey);
  const text = await scrape();
  const delta = (labels: Record<string, string>) => counter(text, 'chatgraph_graphql_operations_total', labels) - counter(before, 'chatgraph_graphql_operations_total', labels);
  assert.equal(delta(ok), 3);
  assert.equal(delta({ operation: 'anonymous', type: 'query', outcome: 'ok' }), 1);
  assert.equal(delta({ operation: 'unknown', type: 'unknown', outcome: 'invalid' }), 2, 'the unknown field and the bad DateTime literal');
  assert.equal(delta({ operation: 'MetricsForbidden', type: 'query', outcome: 'error' }), 1, 'executed, refused by the field\'s scope');
  const series = histogramSeries(text, 'chatgraph_graphql_operation_duration_seconds', ok);
  assert.ok(series, 'the histogram has the series');
  assert.equal(Number(series.count), 3);
  assert.equal(Number(series.buckets!['+Inf']), 3);
  assert.ok(Number(series.sum) > 0 && Number(series.sum) < 30, `sum ${series.sum}`);
  const buckets = Object.entries(series.buckets!).filter(([le]) => le !== '+Inf').map(([le, n]) => [Number(le), Number(n)] as const).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]![1] >= buckets[i - 1]![1], 'buckets are cumulative');
  assert.doesNotMatch(text, /operation="Broken"/, 'names of invalid documents are not label values');
});

test('operation names are bounded: past the first names seen, new ones count as "other"', () => {
  const metrics = t.services.metrics;
  const labels = Array.from({ length: MAX_OPERATION_NAMES + 20 }, (_, i) => metrics.operationLabel(`Op${i}`));
  assert.equal(new Set(labels).size <= MAX_OPERATION_NAMES + 1, true);
  assert.equal(labels.at(-1), 'other');
  assert.equal(metrics.operationLabel(undefined), 'anonymous');
  assert.equal(metrics.operationLabel('MetricsProbe'), 'MetricsProbe', 'a name already seen keeps its label');
});
