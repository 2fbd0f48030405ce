// Like startTestApp (test/support/app.ts), with a chosen connection-pool size:
// concurrency tests need more connections than the default 4 to make
// transactions actually overlap.
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { createApp } from '../../src/http/app.ts';
import { createTenant } from '../../src/auth/tenants.ts';
import type { AppServices } from '../../src/services.ts';
import { createServices } from '../../src/services.ts';
import { openTestDatabase } from './database.ts';
import type { TestApp } from './app.ts';

export async function startTestAppWithPool(poolSize: number, env: Record<string, string> = {}): Promise<TestApp> {
  const testDb = await openTestDatabase(poolSize);
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_POOL_SIZE: String(poolSize), ...env });
  const services: AppServices = createServices(config, testDb.db, createLogger(config.logLevel));
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
