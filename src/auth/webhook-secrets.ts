// Webhook secrets of a tenant: several may be active at once, so that a
// secret can be rotated without a gap (create a new one, move the sender to
// it, revoke the old one). Every active secret verifies a delivery. Secrets
// are sealed at rest (secret-box.ts); only a short prefix is kept readable,
// to tell them apart in lists.
import type pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { randomToken } from './api-keys.ts';
import { SecretBox } from './secret-box.ts';
import { parseTenantId } from '../domain/tenant-id.ts';

export function generateWebhookSecret(): string {
  return `whsec_${randomToken(40)}`;
}

export function webhookSecretPrefix(secret: string): string {
  return secret.slice(0, 10);
}

export interface WebhookSecretRow {
  id: string;
  tenantId: bigint;
  prefix: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Adds an active secret to the tenant; the secret is returned only now. */
export async function createWebhookSecret(prisma: PrismaClient, box: SecretBox, tenantId: bigint): Promise<{ id: string; secret: string }> {
  const secret = generateWebhookSecret();
  const row = await prisma.webhookSecret.create({
    data: { tenantId, secret: box.seal(secret), prefix: webhookSecretPrefix(secret) },
    select: { id: true },
  });
  return { id: row.id, secret };
}

export async function listWebhookSecrets(prisma: PrismaClient, tenantId: bigint): Promise<WebhookSecretRow[]> {
  return prisma.webhookSecret.findMany({
    where: { tenantId },
    select: { id: true, tenantId: true, prefix: true, createdAt: true, revokedAt: true },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

/**
 * Seals secrets stored in the clear (moved from before sealing existed) and
 * fills in missing prefixes; returns how many rows it changed. Through the
 * pg pool: it runs at every start-up, which then needs no Prisma query.
 */
export async function sealWebhookSecrets(pool: Pick<pg.Pool, 'query'>, box: SecretBox): Promise<number> {
  const { rows } = await pool.query<{ id: string; secret: string; prefix: string | null }>(
    `SELECT id, secret, prefix FROM "WebhookSecret" WHERE prefix IS NULL OR secret NOT LIKE 'v1:%'`,
  );
  let changed = 0;
  for (const row of rows) {
    const plain = box.open(row.secret);
    await pool.query('UPDATE "WebhookSecret" SET secret = $2, prefix = $3 WHERE id = $1', [
      row.id,
      SecretBox.isSealed(row.secret) ? row.secret : box.seal(plain),
      row.prefix ?? webhookSecretPrefix(plain),
    ]);
    changed++;
  }
  return changed;
}

/**
 * The active webhook secrets of a tenant, opened, for verifying deliveries.
 * Cached for `ttlMs` per tenant, as API keys are (api-keys.ts): a sender
 * pushing many batches a second costs one query per interval, not one per
 * batch; a secret revoked or added stops or starts verifying within that
 * interval. An unknown tenant is cached the same way (a tenant just
 * created verifies within the interval): were it asked every time, the time
 * an answer takes would tell an unknown tenant from a known one.
 */
export class WebhookSecretResolver {
  private readonly cache = new Map<string, { secrets: string[] | null; expires: number }>();

  constructor(
    private readonly pool: Pick<pg.Pool, 'query'>,
    private readonly box: SecretBox,
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The tenant's active secrets (several while one is being rotated, none if it has none); null for an unknown tenant. */
  async secrets(tenantId: string): Promise<string[] | null> {
    if (parseTenantId(tenantId) === null) return null;
    const now = this.now();
    const hit = this.cache.get(tenantId);
    if (hit && hit.expires > now) return hit.secrets;
    // One row per active secret, or one row with a null secret for a tenant that has none.
    const { rows } = await this.pool.query<{ secret: string | null }>(
      `SELECT s.secret FROM "Tenant" t
         LEFT JOIN "WebhookSecret" s ON s."tenantId" = t.id AND s."revokedAt" IS NULL
        WHERE t.id = $1`,
      [tenantId],
    );
    const secrets = rows.length ? rows.filter((r) => r.secret !== null).map((r) => this.box.open(r.secret!)) : null;
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(tenantId, { secrets, expires: now + this.ttlMs });
    return secrets;
  }
}

/**
 * Start-up check (server and CLI): every active webhook secret must open
 * under this instance's key. Without SECRETS_KEY each machine makes its own
 * key file, and secrets sealed by one cannot be opened by another: every
 * signed webhook of those tenants would fail ("not stored, retry later")
 * for good. Returns the one line that says so, or null when all open.
 */
export async function unopenableSecretsProblem(pool: Pick<pg.Pool, 'query'>, box: SecretBox, keySource: string): Promise<string | null> {
  const { rows } = await pool.query<{ tenantId: string; secret: string; prefix: string | null }>(
    `SELECT "tenantId"::text AS "tenantId", secret, prefix FROM "WebhookSecret" WHERE "revokedAt" IS NULL ORDER BY "tenantId", "createdAt"`,
  );
  const failed = rows.filter((row) => {
    try {
      box.open(row.secret);
      return false;
    } catch {
      return true;
    }
  });
  if (!failed.length) return null;
  const tenants = [...new Set(failed.map((r) => r.tenantId))];
  const listed = tenants.slice(0, 10).join(', ') + (tenants.length > 10 ? ` and ${tenants.length - 10} more` : '');
  const prefixes = failed.slice(0, 5).map((r) => r.prefix ?? '(no prefix)').join(', ') + (failed.length > 5 ? ', …' : '');
  const key = keySource === 'SECRETS_KEY' ? 'SECRETS_KEY' : `the key file ${keySource}`;
  return (
    `${failed.length} of ${rows.length} active webhook secret${rows.length === 1 ? '' : 's'} (tenant${tenants.length === 1 ? '' : 's'} ${listed}; ${prefixes}) ` +
    `cannot be opened with ${key}: they were sealed under another key. Set SECRETS_KEY to the key they were sealed with ` +
    `(the same on every instance and the CLI, e.g. SECRETS_KEY=$(cat <DATA_DIR>/secrets.key) from the machine that created them), ` +
    `or revoke them (chatgraph secret revoke <prefix> --tenant <id> --force) and create new ones`
  );
}
