// The legacy read endpoints and the OpenAPI document, as routes of the app
// (src/http/app.ts); the webhooks are in webhooks.ts.
import type { AppServices } from '../services.ts';
import type { Route } from '../http/routes.ts';
import { msgPageRoute } from './msg-page.ts';
import { openApiRoute } from './openapi.ts';
import { pastRecordsRoute } from './past-records.ts';

export function legacyRoutes(services: Pick<AppServices, 'log' | 'config'>): Route[] {
  return [
    msgPageRoute({ log: services.log }),
    pastRecordsRoute({ log: services.log, timeZone: services.config.legacyTimeZone }),
    openApiRoute(),
  ];
}
