// Liveness and readiness, for load balancers and orchestrators.
import type { Database } from '../db/database.ts';
import { json, type Route } from './routes.ts';
import type { Metrics } from '../metrics.ts';

export function healthRoutes(db: Database, metrics?: Metrics): Route[] {
  return [
    // Prometheus scrape (no key: nothing in it names a tenant or a message).
    ...(metrics
      ? [{ method: 'GET' as const, path: '/metrics', handler: async () => new Response(await metrics.render(), { headers: { 'content-type': metrics.contentType } }) }]
      : []),
    // The process is up and serving HTTP.
    { method: 'GET', path: '/healthz', handler: () => json({ status: 'ok' }) },
    // The database answers and every migration is applied.
    {
      method: 'GET',
      path: '/readyz',
      handler: async () => {
        const reason = await db.notReadyReason();
        return reason
          ? json({ status: 'unavailable', reason }, 503)
          : json({ status: 'ready', database: db.kind });
      },
    },
  ];
}
