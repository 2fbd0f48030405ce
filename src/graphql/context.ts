// What every resolver gets for one request (or one subscription): the
// database, the viewer resolved from the credential, a request id and the
// logger. Loaders are created per request, never shared.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Viewer } from '../auth/api-keys.ts';
import type { LiveConnection } from '../events/live-hub.ts';
import type { Loaders } from '../read/loaders.ts';
import type { AppServices } from '../services.ts';

export interface Context {
  readonly services: AppServices;
  readonly prisma: PrismaClient;
  readonly viewer: Viewer | null;
  /** The caller presented the operator credential (OPERATOR_KEY): tenants of the whole server, no tenant's data. */
  readonly operator: boolean;
  /** A key was sent (valid or not): tells "invalid key" from "no key". */
  readonly apiKeyGiven: boolean;
  readonly requestId: string;
  /** This request's loaders, scoped to the viewer's tenant (subscriptions: the shared ones). */
  readonly loaders: Loaders;
  /** Over graphql-ws: the socket's count of live subscriptions (its cap); absent over HTTP and SSE. */
  readonly liveConnection?: LiveConnection;
}
