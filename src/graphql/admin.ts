// Administration while serving: tenants, API keys and webhook secrets over
// GraphQL, for the CLI's --url mode and for operators' own tools. The rules
// live in src/auth/admin.ts (the CLI on the database runs the same code).
//
// Who may do what: an ADMIN key administers its own tenant only (its keys
// and webhook secrets; `tenantId` may be omitted, another tenant's is
// FORBIDDEN). Creating tenants and administering any tenant needs the
// server-wide operator key (OPERATOR_KEY, src/auth/operator.ts), which then
// must name the tenant. Keys and secrets are shown once, in the payload that
// creates them; lists show prefixes only. Expected failures (a tenant or key
// that does not exist, the last webhook secret) are `AdminError` results
// with a stable code; malformed input is a BAD_USER_INPUT error naming the field.
import { GraphQLError } from 'graphql';
import { ADMIN_ERROR_CODES, AdminError, addApiKey, addWebhookSecret, listApiKeys, listSecrets, listTenants, parseScopes, revokeApiKey, revokeWebhookSecret, rotateApiKey, rotateWebhookSecret, type ApiKeyInfo, type TenantSummary, type WebhookSecretInfo } from '../auth/admin.ts';
import { createTenant } from '../auth/tenants.ts';
import { parseTenantId } from '../domain/tenant-id.ts';
import { builder } from './builder.ts';
import type { Context } from './context.ts';
import { ApiKeyScopeEnum } from './viewer.ts';
import { badInput } from '../domain/bad-input.ts';


function parseTenantArg(raw: string, field: string): bigint {
  const id = parseTenantId(raw.trim());
  if (id === null) throw badInput(`${field} must be a tenant id (a positive 64-bit integer as decimal digits), got "${raw.slice(0, 40)}"`);
  return id;
}

/**
 * The tenant an operation acts on: an ADMIN key's own (naming another is
 * FORBIDDEN), or the one the operator names.
 */
export function targetTenant(ctx: Context, raw: string | null | undefined, field: string): bigint {
  const named = raw === null || raw === undefined ? null : parseTenantArg(raw, field);
  if (ctx.viewer) {
    if (named !== null && named !== ctx.viewer.tenantId) {
      throw new GraphQLError(`an ADMIN key administers its own tenant (${ctx.viewer.tenantId}) only; another tenant needs the operator key`, { extensions: { code: 'FORBIDDEN' } });
    }
    return ctx.viewer.tenantId;
  }
  if (named === null) throw badInput(`${field} is required with the operator key`);
  return named;
}

/** Where a reference (id or prefix) is looked up: within the ADMIN key's tenant, or the operator's choice (any tenant when omitted). */
function lookupTenant(ctx: Context, raw: string | null | undefined, field: string): bigint | undefined {
  if (ctx.viewer) return targetTenant(ctx, raw, field);
  return raw === null || raw === undefined ? undefined : parseTenantArg(raw, field);
}

// PostgreSQL text holds no NUL: refused here, naming the field (not a failed query).
const noNul = (raw: string, field: string) => {
  if (raw.includes('\u0000')) throw badInput(`${field} must not contain NUL characters (\\u0000)`);
};

const refOf = (raw: string, field: string) => {
  noNul(raw, field);
  const ref = raw.trim();
  if (!ref || ref.length > 64) throw badInput(`${field} must be an id or a prefix (as listed), got "${raw.slice(0, 64)}"`);
  return ref;
};

const AdminErrorCodeEnum = builder.enumType('AdminErrorCode', {
  description: 'Why an administrative operation was refused.',
  values: ADMIN_ERROR_CODES,
});

builder.objectType(AdminError, {
  name: 'AdminError',
  description: 'An expected failure of an administrative operation: nothing was changed.',
  fields: (t) => ({
    code: t.field({ type: AdminErrorCodeEnum, resolve: (e) => e.code }),
    message: t.exposeString('message'),
  }),
});

const Tenant = builder.objectRef<TenantSummary>('Tenant').implement({
  description: 'A company of the CRM, with counts of what it holds.',
  fields: (t) => ({
    id: t.string({ description: "The CRM's tenantId, as exact decimal digits.", resolve: (r) => r.id.toString() }),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    messageCount: t.exposeInt('messages'),
    activeApiKeyCount: t.exposeInt('activeKeys'),
    activeWebhookSecretCount: t.exposeInt('activeSecrets'),
  }),
});

const ApiKey = builder.objectRef<ApiKeyInfo>('ApiKey').implement({
  description: 'An API key, as listed: the key itself is shown only when created.',
  fields: (t) => ({
    id: t.exposeString('id'),
    tenantId: t.string({ resolve: (k) => k.tenantId.toString() }),
    prefix: t.exposeString('prefix', { description: 'The first characters of the key, to tell keys apart.' }),
    name: t.exposeString('name'),
    scopes: t.field({ type: [ApiKeyScopeEnum], resolve: (k) => k.scopes }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'To the minute; null for a key never used.' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

const WebhookSecret = builder.objectRef<WebhookSecretInfo>('WebhookSecret').implement({
  description: 'A webhook secret, as listed: the secret itself is shown only when created.',
  fields: (t) => ({
    id: t.exposeString('id'),
    tenantId: t.string({ resolve: (s) => s.tenantId.toString() }),
    prefix: t.exposeString('prefix', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

export const ADMIN = { $any: { admin: true, operator: true } } as const;

builder.queryFields((t) => ({
  tenants: t.field({
    type: [Tenant],
    description: "Every tenant with the operator key; an ADMIN key's own tenant otherwise.",
    authScopes: ADMIN,
    resolve: (_root, _args, ctx) => listTenants(ctx.services.db.pool, ctx.viewer?.tenantId),
  }),
  apiKeys: t.field({
    type: [ApiKey],
    description: "A tenant's API keys, oldest first (tenantId: the ADMIN key's own when omitted; required with the operator key).",
    authScopes: ADMIN,
    args: { tenantId: t.arg.string() },
    errors: { types: [AdminError], union: { name: 'ApiKeysResult' }, result: { name: 'ApiKeyList' }, dataField: { name: 'apiKeys' } },
    resolve: (_root, args, ctx) => listApiKeys(ctx.prisma, targetTenant(ctx, args.tenantId, 'tenantId')),
  }),
  webhookSecrets: t.field({
    type: [WebhookSecret],
    description: "A tenant's webhook secrets, oldest first (tenantId as for apiKeys).",
    authScopes: ADMIN,
    args: { tenantId: t.arg.string() },
    errors: { types: [AdminError], union: { name: 'WebhookSecretsResult' }, result: { name: 'WebhookSecretList' }, dataField: { name: 'webhookSecrets' } },
    resolve: (_root, args, ctx) => listSecrets(ctx.prisma, targetTenant(ctx, args.tenantId, 'tenantId')),
  }),
}));

interface CreatedTenant {
  tenant: TenantSummary;
  adminKey: string;
  ingestKey: string;
  readKey: string;
  webhookSecret: string;
}

const CreateTenantPayload = builder.objectRef<CreatedTenant>('CreateTenantPayload').implement({
  description: 'The new tenant and its credentials: shown only now (only the keys\' hashes are kept, the secret is sealed).',
  fields: (t) => ({
    tenant: t.field({ type: Tenant, resolve: (p) => p.tenant }),
    adminKey: t.exposeString('adminKey', { description: 'READ, INGEST and ADMIN.' }),
    ingestKey: t.exposeString('ingestKey', { description: 'INGEST: the array webhooks and the ingest mutations.' }),
    readKey: t.exposeString('readKey', { description: 'READ: queries, subscriptions and the legacy reads.' }),
    webhookSecret: t.exposeString('webhookSecret', { description: "Signs MSG_SYNC_MESSAGE's accessToken and X-Chatgraph-Signature." }),
  }),
});

const CreateApiKeyPayload = builder.objectRef<{ key: string; apiKey: ApiKeyInfo }>('CreateApiKeyPayload').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKey, resolve: (p) => p.apiKey }),
    key: t.exposeString('key', { description: 'The key: shown only now.' }),
  }),
});

const RevokeApiKeyPayload = builder.objectRef<{ apiKey: ApiKeyInfo; alreadyRevoked: boolean }>('RevokeApiKeyPayload').implement({
  description: 'Running servers refuse a revoked key within 5 s (their key cache).',
  fields: (t) => ({
    apiKey: t.field({ type: ApiKey, resolve: (p) => p.apiKey }),
    alreadyRevoked: t.exposeBoolean('alreadyRevoked', { description: 'It was revoked before; its revokedAt is unchanged.' }),
  }),
});

const RotateApiKeyPayload = builder.objectRef<{ key: string; apiKey: ApiKeyInfo; revoked: ApiKeyInfo }>('RotateApiKeyPayload').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKey, description: 'The new key (same name and scopes).', resolve: (p) => p.apiKey }),
    key: t.exposeString('key', { description: 'The new key: shown only now.' }),
    revokedApiKey: t.field({ type: ApiKey, description: 'The old key, revoked now.', resolve: (p) => p.revoked }),
  }),
});

const CreateWebhookSecretPayload = builder.objectRef<{ secret: string; webhookSecret: WebhookSecretInfo; activeSecrets: number }>('CreateWebhookSecretPayload').implement({
  fields: (t) => ({
    webhookSecret: t.field({ type: WebhookSecret, resolve: (p) => p.webhookSecret }),
    secret: t.exposeString('secret', { description: 'The secret: shown only now.' }),
    activeSecretCount: t.exposeInt('activeSecrets', { description: "The tenant's active secrets now (each verifies deliveries)." }),
  }),
});

const RevokeWebhookSecretPayload = builder.objectRef<{ webhookSecret: WebhookSecretInfo; alreadyRevoked: boolean; activeSecrets: number }>('RevokeWebhookSecretPayload').implement({
  fields: (t) => ({
    webhookSecret: t.field({ type: WebhookSecret, resolve: (p) => p.webhookSecret }),
    alreadyRevoked: t.exposeBoolean('alreadyRevoked'),
    activeSecretCount: t.exposeInt('activeSecrets'),
  }),
});

const RotateWebhookSecretPayload = builder.objectRef<{ secret: string; webhookSecret: WebhookSecretInfo; revoked: WebhookSecretInfo; activeSecrets: number }>('RotateWebhookSecretPayload').implement({
  fields: (t) => ({
    webhookSecret: t.field({ type: WebhookSecret, description: 'The successor.', resolve: (p) => p.webhookSecret }),
    secret: t.exposeString('secret', { description: 'The successor secret: shown only now.' }),
    revokedWebhookSecret: t.field({ type: WebhookSecret, description: 'The old secret, revoked now.', resolve: (p) => p.revoked }),
    activeSecretCount: t.exposeInt('activeSecrets'),
  }),
});

const CreateTenantInput = builder.inputType('CreateTenantInput', {
  fields: (t) => ({
    id: t.string({ required: true, description: "The CRM's tenantId: a positive 64-bit integer as decimal digits." }),
    name: t.string({ required: true }),
  }),
});

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    tenantId: t.string({ description: "The ADMIN key's own tenant when omitted; required with the operator key." }),
    scopes: t.field({ type: [ApiKeyScopeEnum], required: true }),
    name: t.string({ description: 'A label for lists (default: the scopes).' }),
  }),
});

const ApiKeyRefInput = builder.inputType('ApiKeyRefInput', {
  fields: (t) => ({
    apiKey: t.string({ required: true, description: 'The key\'s id or prefix (as listed).' }),
    tenantId: t.string({ description: 'Look only in this tenant (an ADMIN key: always its own).' }),
  }),
});

const CreateWebhookSecretInput = builder.inputType('CreateWebhookSecretInput', {
  fields: (t) => ({
    tenantId: t.string({ description: "The ADMIN key's own tenant when omitted; required with the operator key." }),
  }),
});

const WebhookSecretRefInput = builder.inputType('WebhookSecretRefInput', {
  fields: (t) => ({
    webhookSecret: t.string({ required: true, description: 'The secret\'s id or prefix (as listed).' }),
    tenantId: t.string({ description: 'Look only in this tenant (an ADMIN key: always its own).' }),
  }),
});

const RevokeWebhookSecretInput = builder.inputType('RevokeWebhookSecretInput', {
  fields: (t) => ({
    webhookSecret: t.string({ required: true, description: 'The secret\'s id or prefix (as listed).' }),
    tenantId: t.string({ description: 'Look only in this tenant (an ADMIN key: always its own).' }),
    force: t.boolean({ description: "Allow revoking the tenant's last active secret (its MSG_SYNC deliveries are then refused until a new one is added)." }),
  }),
});

const MAX_NAME = 200;
function nameOf(raw: string | null | undefined, field: string): string | undefined {
  if (raw) noNul(raw, field);
  // An unpaired surrogate is stored as U+FFFD (PostgreSQL refuses it).
  const name = raw?.toWellFormed().trim();
  if (raw !== null && raw !== undefined && !name) throw badInput(`${field} must not be empty`);
  if (name && name.length > MAX_NAME) throw badInput(`${field} must be at most ${MAX_NAME} characters, got ${name.length}`);
  return name;
}

export const errors = (name: string) => ({ types: [AdminError], union: { name: `${name}Result` } });

builder.mutationFields((t) => ({
  createTenant: t.field({
    type: CreateTenantPayload,
    description: 'Creates a tenant with a webhook secret and three keys (admin, ingest, read), shown only now. Needs the operator key.',
    authScopes: { operator: true },
    errors: errors('CreateTenant'),
    args: { input: t.arg({ type: CreateTenantInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = parseTenantArg(input.id, 'input.id');
      const name = nameOf(input.name, 'input.name')!;
      const created = await createTenant(ctx.prisma, ctx.services.secrets, { id, name });
      const [tenant] = await listTenants(ctx.services.db.pool, id);
      return { tenant: tenant!, adminKey: created.adminKey, ingestKey: created.ingestKey, readKey: created.readKey, webhookSecret: created.webhookSecret };
    },
  }),
  createApiKey: t.field({
    type: CreateApiKeyPayload,
    description: 'Creates an API key; the key is shown only now. Needs ADMIN (its own tenant) or the operator key.',
    authScopes: ADMIN,
    errors: errors('CreateApiKey'),
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      const scopes = parseScopes(input.scopes);
      if (!scopes) throw badInput('input.scopes must name at least one scope');
      return addApiKey(ctx.prisma, targetTenant(ctx, input.tenantId, 'input.tenantId'), scopes, nameOf(input.name, 'input.name'));
    },
  }),
  revokeApiKey: t.field({
    type: RevokeApiKeyPayload,
    description: 'Revokes an API key, named by id or prefix; servers refuse it within 5 s.',
    authScopes: ADMIN,
    errors: errors('RevokeApiKey'),
    args: { input: t.arg({ type: ApiKeyRefInput, required: true }) },
    resolve: (_root, { input }, ctx) => revokeApiKey(ctx.prisma, refOf(input.apiKey, 'input.apiKey'), lookupTenant(ctx, input.tenantId, 'input.tenantId')),
  }),
  rotateApiKey: t.field({
    type: RotateApiKeyPayload,
    description: 'Replaces an API key by a new one with the same name and scopes (shown only now) and revokes the old one.',
    authScopes: ADMIN,
    errors: errors('RotateApiKey'),
    args: { input: t.arg({ type: ApiKeyRefInput, required: true }) },
    resolve: (_root, { input }, ctx) => rotateApiKey(ctx.prisma, refOf(input.apiKey, 'input.apiKey'), lookupTenant(ctx, input.tenantId, 'input.tenantId')),
  }),
  createWebhookSecret: t.field({
    type: CreateWebhookSecretPayload,
    description: "Adds an active webhook secret (shown only now); the tenant's other secrets keep verifying until revoked: a rotation without a gap.",
    authScopes: ADMIN,
    errors: errors('CreateWebhookSecret'),
    args: { input: t.arg({ type: CreateWebhookSecretInput, required: true }) },
    resolve: (_root, { input }, ctx) => addWebhookSecret(ctx.prisma, ctx.services.secrets, targetTenant(ctx, input.tenantId, 'input.tenantId')),
  }),
  revokeWebhookSecret: t.field({
    type: RevokeWebhookSecretPayload,
    description: 'Revokes a webhook secret at once (servers stop accepting it within 5 s); the last active one only with force.',
    authScopes: ADMIN,
    errors: errors('RevokeWebhookSecret'),
    args: { input: t.arg({ type: RevokeWebhookSecretInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      revokeWebhookSecret(ctx.prisma, refOf(input.webhookSecret, 'input.webhookSecret'), { tenantId: lookupTenant(ctx, input.tenantId, 'input.tenantId'), force: input.force ?? false }),
  }),
  rotateWebhookSecret: t.field({
    type: RotateWebhookSecretPayload,
    description: 'Replaces a webhook secret: adds its successor (shown only now) and revokes it at once. Deliveries signed with the old one are refused from then on.',
    authScopes: ADMIN,
    errors: errors('RotateWebhookSecret'),
    args: { input: t.arg({ type: WebhookSecretRefInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      rotateWebhookSecret(ctx.prisma, ctx.services.secrets, refOf(input.webhookSecret, 'input.webhookSecret'), lookupTenant(ctx, input.tenantId, 'input.tenantId')),
  }),
}));
