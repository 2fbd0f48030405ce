// Tenants and their credentials: created by the CLI, or once for a demo on
// the first start of an empty embedded database.
import type pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { createApiKey } from './api-keys.ts';
import type { SecretBox } from './secret-box.ts';
import { createWebhookSecret, sealWebhookSecrets } from './webhook-secrets.ts';
import { isTenantId } from '../domain/tenant-id.ts';
import { AdminError } from './admin.ts';

export { generateWebhookSecret } from './webhook-secrets.ts';

export interface TenantCredentials {
  tenantId: bigint;
  name: string;
  /** Full access: read, ingest and admin. */
  adminKey: string;
  /** For the array webhooks (CLIENT_SYNC_MESSAGE, CLIENT_SYNC_MESSAGE_STATUS). */
  ingestKey: string;
  /** Read-only, for frontends and legacy reads. */
  readKey: string;
  /** Signs MSG_SYNC_MESSAGE's accessToken. */
  webhookSecret: string;
}

/** Creates a tenant with its webhook secret and three keys; the keys are shown only now. */
export async function createTenant(
  prisma: PrismaClient,
  secrets: SecretBox,
  input: { id: bigint; name: string },
): Promise<TenantCredentials> {
  if (!isTenantId(input.id)) {
    throw new Error(`tenant id must be a positive 64-bit integer, got ${input.id}`);
  }
  const existing = await prisma.tenant.findUnique({ where: { id: input.id }, select: { id: true } });
  if (existing) throw new AdminError('TENANT_EXISTS', `tenant ${input.id} already exists`);
  await prisma.tenant.create({ data: { id: input.id, name: input.name } });
  const { secret: webhookSecret } = await createWebhookSecret(prisma, secrets, input.id);
  const admin = await createApiKey(prisma, input.id, 'admin', ['READ', 'INGEST', 'ADMIN']);
  const ingest = await createApiKey(prisma, input.id, 'ingest', ['INGEST']);
  const read = await createApiKey(prisma, input.id, 'read', ['READ']);
  return { tenantId: input.id, name: input.name, adminKey: admin.key, ingestKey: ingest.key, readKey: read.key, webhookSecret };
}

export const DEMO_TENANT_ID = 82n;

/** On an empty database, creates the demo tenant and returns its credentials; otherwise null. */
export async function bootstrapDemoTenant(prisma: PrismaClient, secrets: SecretBox): Promise<TenantCredentials | null> {
  if ((await prisma.tenant.count()) > 0) return null;
  return createTenant(prisma, secrets, { id: DEMO_TENANT_ID, name: 'Demo company' });
}

/** Seals webhook secrets stored before sealing existed (and fills in their prefixes); returns how many. */
export async function sealStoredSecrets(pool: Pick<pg.Pool, 'query'>, secrets: SecretBox): Promise<number> {
  return sealWebhookSecrets(pool, secrets);
}

export function formatCredentials(c: TenantCredentials): string {
  return [
    `tenant ${c.tenantId} (${c.name})`,
    `  admin key      ${c.adminKey}`,
    `  ingest key     ${c.ingestKey}`,
    `  read key       ${c.readKey}`,
    `  webhook secret ${c.webhookSecret}`,
    'These are shown once: only the keys\' hashes are kept, and the webhook secret sealed (it verifies signatures).',
  ].join('\n');
}
