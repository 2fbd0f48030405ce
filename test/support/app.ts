// The app in-process over a fresh test database, with one tenant and its
// credentials: `fetch` goes through Yoga exactly as an HTTP request would.
import { loadConfig } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { createApp, type App } from '../../src/http/app.ts';
import { createTenant, type TenantCredentials } from '../../src/auth/tenants.ts';
import type { AppServices } from '../../src/services.ts';
import { createServices } from '../../src/services.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';

export interface TestApp {
  readonly app: App;
  readonly services: AppServices;
  readonly testDb: TestDatabase;
  readonly tenant: TenantCredentials;
  /** POST a GraphQL operation with a key (the tenant's admin key by default). */
  graphql<T = unknown>(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<{ status: number; body: { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] } }>;
  createTenant(id: bigint, name?: string): Promise<TenantCredentials>;
  close(): Promise<void>;
}

export async function startTestApp(env: Record<string, string> = {}, logger?: Logger): Promise<TestApp> {
  const testDb = await openTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...env });
  const services: AppServices = createServices(config, testDb.db, logger ?? createLogger(config.logLevel));
  const app = createApp(services);
  const tenant = await createTenant(testDb.db.prisma, services.secrets, { id: 82n, name: 'Test company' });
  return {
    app,
    services,
    testDb,
    tenant,
    async graphql(query, variables, key = tenant.adminKey) {
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
      if (key) headers.authorization = `Bearer ${key}`;
      const res = await app.fetch('http://localhost/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return { status: res.status, body: (await res.json()) as never };
    },
    createTenant: (id, name = `Tenant ${id}`) => createTenant(testDb.db.prisma, services.secrets, { id, name }),
    async close() {
      await app.dispose();
      await services.events.close();
      await services.rateLimiter.close();
      await testDb.close();
    },
  };
}
