// Counting and timing what the HTTP server answers (per route) and the
// GraphQL operations it executes (per operation), into the server's
// metrics (src/metrics.ts) as Yoga plugins.
import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { requestIdOf } from './request-id.ts';
import { requestState } from './request-state.ts';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../metrics.ts';
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

/**
 * Counts and times every HTTP request Yoga answers (GraphQL and REST routes
 * alike), answers with its request id (the caller's `x-request-id`, or a new
 * one) and logs one line per request at debug level: method, route, status,
 * time and request id — never a body, a key or a message's content.
 */
export function useMetrics(metrics: Metrics, log: Logger): Plugin {
  return {
    onRequest({ request, url }) {
      requestIdOf(request);
      const state = requestState(request);
      state.t0 = performance.now();
      state.route = routeOf(url.pathname);
    },
    onResponse({ request, response }) {
      const s = requestState(request);
      const route = s.route ?? 'other';
      const status = response.status;
      metrics.httpRequests.inc({ route, method: request.method, status: String(status) });
      if (s.t0 === undefined || s.id === undefined) return;
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
