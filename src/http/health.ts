// Liveness and readiness, for load balancers and orchestrators.
import type { Database } from '../db/database.ts';
import { json, type Route } from './routes.ts';

export function healthRoutes(db: Database): Route[] {
  return [
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
