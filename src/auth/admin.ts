// Administration of tenants and their credentials: the one implementation
// behind the CLI (directly on the database) and the GraphQL admin operations
// (src/graphql/admin.ts), which the CLI also drives with --url. Expected
// failures are AdminErrors with a stable code; the CLI prints their message,
// GraphQL returns them as typed errors.
import type pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { ApiKeyScope } from '../generated/prisma/enums.ts';
import { API_KEY_SCOPES, createApiKey } from './api-keys.ts';
import type { SecretBox } from './secret-box.ts';
import { createWebhookSecret } from './webhook-secrets.ts';

export const ADMIN_ERROR_CODES = [
  'TENANT_NOT_FOUND',
  'TENANT_EXISTS',
  'API_KEY_NOT_FOUND',
  'WEBHOOK_SECRET_NOT_FOUND',
  'AMBIGUOUS_REFERENCE',
  'LAST_WEBHOOK_SECRET',
] as const;
export type AdminErrorCode = (typeof ADMIN_ERROR_CODES)[number];

/** An expected failure of an administrative operation; `message` is written for the operator. */
export class AdminError extends Error {
  override name = 'AdminError';
  constructor(readonly code: AdminErrorCode, message: string) {
    super(message);
  }
}

export interface TenantSummary {
  id: bigint;
  name: string;
  createdAt: Date;
  messages: number;
  activeKeys: number;
  activeSecrets: number;
}

export interface ApiKeyInfo {
  id: string;
  tenantId: bigint;
  prefix: string;
  name: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface WebhookSecretInfo {
  id: string;
  tenantId: bigint;
  prefix: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

const API_KEY_FIELDS = { id: true, tenantId: true, prefix: true, name: true, scopes: true, createdAt: true, lastUsedAt: true, revokedAt: true } as const;
const SECRET_FIELDS = { id: true, tenantId: true, prefix: true, createdAt: true, revokedAt: true } as const;

/** Tenants with their message, active-key and active-secret counts; `only` narrows to one. */
export async function listTenants(pool: Pick<pg.Pool, 'query'>, only?: bigint): Promise<TenantSummary[]> {
  const { rows } = await pool.query<{ id: string; name: string; createdAt: Date; messages: string; keys: string; secrets: string }>(
    `SELECT t.id, t.name, t."createdAt",
            COALESCE((SELECT sum(c."messageCount") FROM "Conversation" c WHERE c."tenantId" = t.id), 0) AS messages,
            (SELECT count(*) FROM "ApiKey" k WHERE k."tenantId" = t.id AND k."revokedAt" IS NULL) AS keys,
            (SELECT count(*) FROM "WebhookSecret" s WHERE s."tenantId" = t.id AND s."revokedAt" IS NULL) AS secrets
       FROM "Tenant" t ${only === undefined ? '' : 'WHERE t.id = $1'} ORDER BY t.id`,
    only === undefined ? [] : [only.toString()],
  );
  return rows.map((r) => ({ id: BigInt(r.id), name: r.name, createdAt: r.createdAt, messages: Number(r.messages), activeKeys: Number(r.keys), activeSecrets: Number(r.secrets) }));
}

export async function requireTenant(prisma: PrismaClient, tenantId: bigint): Promise<void> {
  const tenant = await prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true } });
  if (!tenant) throw new AdminError('TENANT_NOT_FOUND', `tenant ${tenantId} does not exist`);
}

/** Scopes named case-insensitively, deduplicated; null when one is unknown or none is given. */
export function parseScopes(names: readonly string[]): ApiKeyScope[] | null {
  const scopes = names.map((s) => s.trim().toUpperCase()).filter(Boolean);
  if (!scopes.length || scopes.some((s) => !(API_KEY_SCOPES as readonly string[]).includes(s))) return null;
  return [...new Set(scopes)] as ApiKeyScope[];
}

export async function listApiKeys(prisma: PrismaClient, tenantId: bigint): Promise<ApiKeyInfo[]> {
  await requireTenant(prisma, tenantId);
  return prisma.apiKey.findMany({ where: { tenantId }, select: API_KEY_FIELDS, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/** Creates a key; the key itself is returned only now (only its hash is kept). */
export async function addApiKey(prisma: PrismaClient, tenantId: bigint, scopes: readonly ApiKeyScope[], name?: string): Promise<{ key: string; apiKey: ApiKeyInfo }> {
  await requireTenant(prisma, tenantId);
  const label = name?.trim() || scopes.join('+').toLowerCase();
  const { key, id } = await createApiKey(prisma, tenantId, label, scopes);
  return { key, apiKey: await prisma.apiKey.findUniqueOrThrow({ where: { id }, select: API_KEY_FIELDS }) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one row named by id (a UUID) or by prefix, within a tenant when given:
 * none or several is an AdminError saying which and how to narrow it.
 */
async function findOne<T extends { id: string; tenantId: bigint }>(
  ref: string,
  tenantId: bigint | undefined,
  what: { name: string; plural: string; notFound: AdminErrorCode },
  find: (where: { id?: string; prefix?: string; tenantId?: bigint }) => Promise<T[]>,
): Promise<T> {
  const byId = UUID.test(ref);
  const matches = await find({ ...(byId ? { id: ref } : { prefix: ref }), ...(tenantId ? { tenantId } : {}) });
  if (!matches.length) throw new AdminError(what.notFound, `no ${what.name} with ${byId ? 'id' : 'prefix'} "${ref}"${tenantId ? ` in tenant ${tenantId}` : ''}`);
  if (matches.length > 1) {
    throw new AdminError('AMBIGUOUS_REFERENCE', `"${ref}" names ${matches.length} ${what.plural} (${matches.map((m) => `${m.id} of tenant ${m.tenantId}`).join(', ')}): give the id, or the tenant`);
  }
  return matches[0]!;
}

export function findApiKey(prisma: PrismaClient, ref: string, tenantId?: bigint): Promise<ApiKeyInfo> {
  return findOne(ref.trim(), tenantId, { name: 'API key', plural: 'keys', notFound: 'API_KEY_NOT_FOUND' }, (where) => prisma.apiKey.findMany({ where, select: API_KEY_FIELDS }));
}

export function findWebhookSecret(prisma: PrismaClient, ref: string, tenantId?: bigint): Promise<WebhookSecretInfo> {
  return findOne(ref.trim(), tenantId, { name: 'webhook secret', plural: 'secrets', notFound: 'WEBHOOK_SECRET_NOT_FOUND' }, (where) => prisma.webhookSecret.findMany({ where, select: SECRET_FIELDS }));
}

/**
 * Revokes a key (running servers refuse it within their 5 s key cache);
 * `alreadyRevoked` when it was, its revocation time unchanged.
 */
export async function revokeApiKey(prisma: PrismaClient, ref: string, tenantId?: bigint): Promise<{ apiKey: ApiKeyInfo; alreadyRevoked: boolean }> {
  const key = await findApiKey(prisma, ref, tenantId);
  if (key.revokedAt) return { apiKey: key, alreadyRevoked: true };
  // Only an active key is revoked: of two concurrent revocations one wins, its time kept.
  await prisma.apiKey.updateMany({ where: { id: key.id, revokedAt: null }, data: { revokedAt: new Date() } });
  return { apiKey: await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id }, select: API_KEY_FIELDS }), alreadyRevoked: false };
}

/** Replaces a key by a new one with the same name and scopes, and revokes the old one at once. */
export async function rotateApiKey(prisma: PrismaClient, ref: string, tenantId?: bigint): Promise<{ key: string; apiKey: ApiKeyInfo; revoked: ApiKeyInfo }> {
  const old = await findApiKey(prisma, ref, tenantId);
  if (old.revokedAt) throw new AdminError('API_KEY_NOT_FOUND', `API key ${old.prefix} (${old.id}) was revoked at ${old.revokedAt.toISOString()}: create a new key instead`);
  const created = await addApiKey(prisma, old.tenantId, old.scopes, old.name);
  const { apiKey: revoked } = await revokeApiKey(prisma, old.id);
  return { ...created, revoked };
}

export async function listSecrets(prisma: PrismaClient, tenantId: bigint): Promise<WebhookSecretInfo[]> {
  await requireTenant(prisma, tenantId);
  return prisma.webhookSecret.findMany({ where: { tenantId }, select: SECRET_FIELDS, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

const activeSecrets = (prisma: PrismaClient, tenantId: bigint) => prisma.webhookSecret.count({ where: { tenantId, revokedAt: null } });

/** Adds an active secret (the others keep verifying); the secret is returned only now. */
export async function addWebhookSecret(prisma: PrismaClient, box: SecretBox, tenantId: bigint): Promise<{ secret: string; webhookSecret: WebhookSecretInfo; activeSecrets: number }> {
  await requireTenant(prisma, tenantId);
  const { id, secret } = await createWebhookSecret(prisma, box, tenantId);
  const webhookSecret = await prisma.webhookSecret.findUniqueOrThrow({ where: { id }, select: SECRET_FIELDS });
  return { secret, webhookSecret, activeSecrets: await activeSecrets(prisma, tenantId) };
}

/**
 * Revokes a webhook secret at once: deliveries signed with it are refused.
 * The tenant's last active secret only with `force` (its MSG_SYNC deliveries
 * would all be refused until a new one is created).
 */
export async function revokeWebhookSecret(
  prisma: PrismaClient,
  ref: string,
  options: { tenantId?: bigint; force?: boolean } = {},
): Promise<{ webhookSecret: WebhookSecretInfo; alreadyRevoked: boolean; activeSecrets: number }> {
  const secret = await findWebhookSecret(prisma, ref, options.tenantId);
  if (secret.revokedAt) return { webhookSecret: secret, alreadyRevoked: true, activeSecrets: await activeSecrets(prisma, secret.tenantId) };
  const others = await prisma.webhookSecret.count({ where: { tenantId: secret.tenantId, revokedAt: null, NOT: { id: secret.id } } });
  if (others === 0 && !options.force) {
    throw new AdminError(
      'LAST_WEBHOOK_SECRET',
      `secret ${secret.prefix ?? secret.id} is tenant ${secret.tenantId}'s last active webhook secret: create its successor first (or rotate it), or force the revocation`,
    );
  }
  await prisma.webhookSecret.updateMany({ where: { id: secret.id, revokedAt: null }, data: { revokedAt: new Date() } });
  const webhookSecret = await prisma.webhookSecret.findUniqueOrThrow({ where: { id: secret.id }, select: SECRET_FIELDS });
  return { webhookSecret, alreadyRevoked: false, activeSecrets: await activeSecrets(prisma, secret.tenantId) };
}

/**
 * Replaces a webhook secret: creates its successor and revokes it at once.
 * Deliveries still signed with the old one are refused from now on; for a
 * rotation without a gap, add a secret, move the sender, then revoke.
 */
export async function rotateWebhookSecret(
  prisma: PrismaClient,
  box: SecretBox,
  ref: string,
  tenantId?: bigint,
): Promise<{ secret: string; webhookSecret: WebhookSecretInfo; revoked: WebhookSecretInfo; activeSecrets: number }> {
  const old = await findWebhookSecret(prisma, ref, tenantId);
  if (old.revokedAt) throw new AdminError('WEBHOOK_SECRET_NOT_FOUND', `webhook secret ${old.prefix ?? old.id} was revoked at ${old.revokedAt.toISOString()}: add a new secret instead`);
  const created = await addWebhookSecret(prisma, box, old.tenantId);
  const { webhookSecret: revoked, activeSecrets: active } = await revokeWebhookSecret(prisma, old.id, { force: true });
  return { secret: created.secret, webhookSecret: created.webhookSecret, revoked, activeSecrets: active };
}
