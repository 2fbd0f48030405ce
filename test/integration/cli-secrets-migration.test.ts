// The webhook_secrets migration's data step: each tenant's one secret (sealed,
// or in the clear from before sealing) becomes its first active WebhookSecret;
// Tenant.webhookSecret is gone. Run on a database holding the migrations before it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { SecretBox } from '../../src/auth/secret-box.ts';
import { migrationsDir } from '../../src/db/migration-files.ts';
import { testTarget } from '../support/database.ts';

test('webhook_secrets migration moves every tenant secret into WebhookSecret', async () => {
  let url: string;
  let cleanup: () => Promise<void>;
  if (testTarget === 'postgres') {
    const name = `cg_mig_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const u = new URL(process.env.TEST_DATABASE_URL!);
    u.pathname = `/${name}`;
    url = u.toString();
    cleanup = async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  } else {
    const embedded = await startEmbeddedPostgres(null, 2);
    url = embedded.url;
    cleanup = () => embedded.stop();
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const dirs = readdirSync(migrationsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    const mine = dirs.findIndex((d) => d.endsWith('_webhook_secrets'));
    assert.ok(mine > 0);
    const sql = (dir: string) => readFileSync(path.join(migrationsDir, dir, 'migration.sql'), 'utf8');
    for (const dir of dirs.slice(0, mine)) await client.query(sql(dir));
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal('whsec_sealedsecret0000000000000000000000000000');
    await client.query(
      `INSERT INTO "Tenant" (id, name, "webhookSecret", "createdAt") VALUES (82, 'A', $1, '2024-01-01T00:00:00Z'), (9223372036854775807, 'B', 'whsec_clearsecret', '2024-02-01T00:00:00Z')`,
      [sealed],
    );
    await client.query(sql(dirs[mine]!));
    const { rows } = await client.query(`SELECT "tenantId", secret, prefix, "createdAt", "revokedAt" FROM "WebhookSecret" ORDER BY "tenantId"`);
    assert.deepEqual(rows, [
      { tenantId: '82', secret: sealed, prefix: null, createdAt: new Date('2024-01-01T00:00:00Z'), revokedAt: null },
      { tenantId: '9223372036854775807', secret: 'whsec_clearsecret', prefix: 'whsec_clea', createdAt: new Date('2024-02-01T00:00:00Z'), revokedAt: null },
    ]);
    assert.equal(box.open(rows[0]!.secret), 'whsec_sealedsecret0000000000000000000000000000');
    const columns = await client.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'Tenant' ORDER BY column_name`);
    assert.deepEqual(columns.rows.map((r) => r.column_name), ['createdAt', 'id', 'name']);
  } finally {
    await client.end();
    await cleanup();
  }
});
