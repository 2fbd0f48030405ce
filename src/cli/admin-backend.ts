// Where the tenant, key and secret commands act: directly on the database
// (the default; the embedded one only while no server has it open), or with
// --url through a running server's GraphQL admin operations
// (src/graphql/admin.ts) with an ADMIN key of the tenant or the operator key
// (--key, or CHATGRAPH_ADMIN_KEY). Both run the rules of src/auth/admin.ts and
// give the commands the same shapes, so each command formats one result.
import {
  AdminError,
  addApiKey,
  addWebhookSecret,
  listApiKeys,
  listSecrets,
  listTenants,
  revokeApiKey,
  revokeWebhookSecret,
  rotateApiKey,
  rotateWebhookSecret,
  type AdminErrorCode,
  type ApiKeyInfo,
  type TenantSummary,
  type WebhookSecretInfo,
} from '../auth/admin.ts';
import { createTenant, type TenantCredentials } from '../auth/tenants.ts';
import { setAgentProfile, type AgentProfileInput } from '../ingest/agent-profiles.ts';
import { loadAgentDirectory } from '../read/agents.ts';
import type { ApiKeyScope } from '../generated/prisma/enums.ts';
import { CliError, optionalString, usageError, type CommandSpec, type Io, type Parsed } from './args.ts';
import { withContext, type ContextOptions } from './context.ts';

export interface AdminBackend {
  /** 'database' or the server's URL, for messages. */
  readonly where: string;
  createTenant(id: bigint, name: string): Promise<TenantCredentials>;
  listTenants(): Promise<TenantSummary[]>;
  createApiKey(tenantId: bigint | undefined, scopes: ApiKeyScope[], name: string | undefined): Promise<{ key: string; apiKey: ApiKeyInfo }>;
  listApiKeys(tenantId: bigint | undefined): Promise<ApiKeyInfo[]>;
  revokeApiKey(ref: string, tenantId: bigint | undefined): Promise<{ apiKey: ApiKeyInfo; alreadyRevoked: boolean }>;
  rotateApiKey(ref: string, tenantId: bigint | undefined): Promise<{ key: string; apiKey: ApiKeyInfo; revoked: ApiKeyInfo }>;
  createWebhookSecret(tenantId: bigint | undefined): Promise<{ secret: string; webhookSecret: WebhookSecretInfo; activeSecrets: number }>;
  listWebhookSecrets(tenantId: bigint | undefined): Promise<WebhookSecretInfo[]>;
  revokeWebhookSecret(ref: string, tenantId: bigint | undefined, force: boolean): Promise<{ webhookSecret: WebhookSecretInfo; alreadyRevoked: boolean; activeSecrets: number }>;
  rotateWebhookSecret(ref: string, tenantId: bigint | undefined): Promise<{ secret: string; webhookSecret: WebhookSecretInfo; revoked: WebhookSecretInfo; activeSecrets: number }>;
  /** Sets an agent in the directory; answers the agent as the directory sees it then. */
  setAgent(tenantId: bigint | undefined, input: AgentProfileInput): Promise<AgentSummary>;
}

export interface AgentSummary {
  login: string | null;
  name: string | null;
  seatIds: string[];
  accounts: string[];
}

/** The options every tenant, key and secret command takes. */
export const REMOTE_OPTIONS = { url: { type: 'string' }, key: { type: 'string' } } as const;

export const REMOTE_USAGE = `  --url <url>       act through a running server (http://host:port) instead of on
                    the database (needed while a server has the embedded one open)
  --key <key>       with --url: an ADMIN key (its own tenant) or the operator key
                    (OPERATOR_KEY; any tenant); default: $CHATGRAPH_ADMIN_KEY`;

const HINTS: Partial<Record<AdminErrorCode, string>> = {
  TENANT_NOT_FOUND: ' (see chatgraph tenant list)',
  API_KEY_NOT_FOUND: ' (see chatgraph key list)',
  WEBHOOK_SECRET_NOT_FOUND: ' (see chatgraph secret list)',
  LAST_WEBHOOK_SECRET: ' (--force)',
};

function cliErrorOf(err: unknown): unknown {
  return err instanceof AdminError ? new CliError(err.message + (HINTS[err.code] ?? '')) : err;
}

/** Whether the command acts through a server (then `--tenant` may be left to the ADMIN key). */
export function isRemote(p: Parsed): boolean {
  return optionalString(p, 'url') !== undefined;
}

/** Runs `body` with the backend the options name, turning expected failures into one-line CLI errors. */
export async function withAdmin<T>(p: Parsed, spec: CommandSpec, io: Io, body: (admin: AdminBackend) => Promise<T>, options?: ContextOptions): Promise<T> {
  const url = optionalString(p, 'url');
  try {
    if (url !== undefined) return await body(remoteBackend(spec, url, optionalString(p, 'key') ?? io.env.CHATGRAPH_ADMIN_KEY));
    if (optionalString(p, 'key') !== undefined) throw usageError(`${spec.name}: --key goes with --url (on the database no key is needed)`);
    return await withContext(io, (ctx) => body(databaseBackend(ctx.db, ctx.secrets)), options);
  } catch (err) {
    throw cliErrorOf(err);
  }
}

type Db = Parameters<Parameters<typeof withContext>[1]>[0]['db'];
type Box = Parameters<Parameters<typeof withContext>[1]>[0]['secrets'];

const needTenant = (tenantId: bigint | undefined): bigint => {
  if (tenantId === undefined) throw usageError('--tenant is required (it may be left out only with --url and an ADMIN key)');
  return tenantId;
};

function databaseBackend(db: Db, box: Box): AdminBackend {
  const prisma = db.prisma;
  return {
    where: 'database',
    createTenant: (id, name) => createTenant(prisma, box, { id, name }),
    listTenants: () => listTenants(db.pool),
    createApiKey: (tenantId, scopes, name) => addApiKey(prisma, needTenant(tenantId), scopes, name),
    listApiKeys: (tenantId) => listApiKeys(prisma, needTenant(tenantId)),
    revokeApiKey: (ref, tenantId) => revokeApiKey(prisma, ref, tenantId),
    rotateApiKey: (ref, tenantId) => rotateApiKey(prisma, ref, tenantId),
    createWebhookSecret: (tenantId) => addWebhookSecret(prisma, box, needTenant(tenantId)),
    listWebhookSecrets: (tenantId) => listSecrets(prisma, needTenant(tenantId)),
    revokeWebhookSecret: (ref, tenantId, force) => revokeWebhookSecret(prisma, ref, { tenantId, force }),
    rotateWebhookSecret: (ref, tenantId) => rotateWebhookSecret(prisma, box, ref, tenantId),
    async setAgent(tenantId, input) {
      const tenant = needTenant(tenantId);
      await setAgentProfile(db.pool, tenant, input);
      const agent = (await loadAgentDirectory(db.pool, tenant.toString())).byLogin(input.login)!;
      return { login: agent.login, name: agent.name, seatIds: agent.seatIds, accounts: agent.accounts.map((a) => a.accountWhatsId) };
    },
  };
}

const API_KEY = 'id tenantId prefix name scopes createdAt lastUsedAt revokedAt';
const SECRET = 'id tenantId prefix createdAt revokedAt';
const TENANT = 'id name createdAt messageCount activeApiKeyCount activeWebhookSecretCount';
const ERROR = '... on AdminError { code message }';

type Json = Record<string, unknown>;
const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
const apiKeyOf = (k: Json): ApiKeyInfo => ({
  id: k.id as string, tenantId: BigInt(k.tenantId as string), prefix: k.prefix as string, name: k.name as string, scopes: k.scopes as ApiKeyScope[],
  createdAt: date(k.createdAt)!, lastUsedAt: date(k.lastUsedAt), revokedAt: date(k.revokedAt),
});
const secretOf = (s: Json): WebhookSecretInfo => ({ id: s.id as string, tenantId: BigInt(s.tenantId as string), prefix: (s.prefix as string | null) ?? null, createdAt: date(s.createdAt)!, revokedAt: date(s.revokedAt) });
const tenantOf = (t: Json): TenantSummary => ({
  id: BigInt(t.id as string), name: t.name as string, createdAt: date(t.createdAt)!, messages: t.messageCount as number, activeKeys: t.activeApiKeyCount as number, activeSecrets: t.activeWebhookSecretCount as number,
});
const tid = (tenantId: bigint | undefined) => (tenantId === undefined ? null : tenantId.toString());

function remoteBackend(spec: CommandSpec, rawUrl: string, key: string | undefined): AdminBackend {
  if (!/^https?:\/\/[^/]/.test(rawUrl)) throw usageError(`${spec.name}: --url must be an http(s) URL like http://localhost:4000, got "${rawUrl}"`);
  if (!key) throw usageError(`${spec.name}: --url needs an ADMIN key or the operator key: --key <key> or CHATGRAPH_ADMIN_KEY`);
  const endpoint = new URL('/graphql', rawUrl).toString();

  /** Runs one operation; returns its one root field's value, an AdminError thrown as such. */
  async function call(query: string, variables: Json): Promise<Json> {
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach the server at ${endpoint}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    const text = await res.text();
    let body: { data?: Record<string, Json | null> | null; errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new CliError(`${endpoint} answered HTTP ${res.status} without GraphQL JSON: ${text.slice(0, 200)}`);
    }
    if (body.errors?.length) {
      const e = body.errors[0]!;
      throw new CliError(`the server refused it (${e.extensions?.code ?? `HTTP ${res.status}`}): ${e.message}`);
    }
    const value = Object.values(body.data ?? {})[0];
    if (!value) throw new CliError(`${endpoint} answered HTTP ${res.status} without data`);
    if (value.__typename === 'AdminError') throw new AdminError(value.code as AdminErrorCode, value.message as string);
    return value;
  }

  return {
    where: endpoint,
    async createTenant(id, name) {
      const r = await call(`mutation ($input: CreateTenantInput!) { createTenant(input: $input) { __typename ${ERROR} ... on CreateTenantPayload { tenant { id name } adminKey ingestKey readKey webhookSecret } } }`, { input: { id: id.toString(), name } });
      const t = r.tenant as Json;
      return { tenantId: BigInt(t.id as string), name: t.name as string, adminKey: r.adminKey as string, ingestKey: r.ingestKey as string, readKey: r.readKey as string, webhookSecret: r.webhookSecret as string };
    },
    async listTenants() {
      // A list field without typed errors: call() returns the array as its "value".
      const res = await call(`{ tenants { ${TENANT} } }`, {});
      return (res as unknown as Json[]).map(tenantOf);
    },
    async createApiKey(tenantId, scopes, name) {
      const r = await call(`mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { __typename ${ERROR} ... on CreateApiKeyPayload { key apiKey { ${API_KEY} } } } }`, { input: { tenantId: tid(tenantId), scopes, name: name ?? null } });
      return { key: r.key as string, apiKey: apiKeyOf(r.apiKey as Json) };
    },
    async listApiKeys(tenantId) {
      const r = await call(`query ($tenantId: String) { apiKeys(tenantId: $tenantId) { __typename ${ERROR} ... on ApiKeyList { apiKeys { ${API_KEY} } } } }`, { tenantId: tid(tenantId) });
      return (r.apiKeys as Json[]).map(apiKeyOf);
    },
    async revokeApiKey(ref, tenantId) {
      const r = await call(`mutation ($input: ApiKeyRefInput!) { revokeApiKey(input: $input) { __typename ${ERROR} ... on RevokeApiKeyPayload { alreadyRevoked apiKey { ${API_KEY} } } } }`, { input: { apiKey: ref, tenantId: tid(tenantId) } });
      return { apiKey: apiKeyOf(r.apiKey as Json), alreadyRevoked: r.alreadyRevoked as boolean };
    },
    async rotateApiKey(ref, tenantId) {
      const r = await call(`mutation ($input: ApiKeyRefInput!) { rotateApiKey(input: $input) { __typename ${ERROR} ... on RotateApiKeyPayload { key apiKey { ${API_KEY} } revokedApiKey { ${API_KEY} } } } }`, { input: { apiKey: ref, tenantId: tid(tenantId) } });
      return { key: r.key as string, apiKey: apiKeyOf(r.apiKey as Json), revoked: apiKeyOf(r.revokedApiKey as Json) };
    },
    async createWebhookSecret(tenantId) {
      const r = await call(`mutation ($input: CreateWebhookSecretInput!) { createWebhookSecret(input: $input) { __typename ${ERROR} ... on CreateWebhookSecretPayload { secret activeSecretCount webhookSecret { ${SECRET} } } } }`, { input: { tenantId: tid(tenantId) } });
      return { secret: r.secret as string, webhookSecret: secretOf(r.webhookSecret as Json), activeSecrets: r.activeSecretCount as number };
    },
    async listWebhookSecrets(tenantId) {
      const r = await call(`query ($tenantId: String) { webhookSecrets(tenantId: $tenantId) { __typename ${ERROR} ... on WebhookSecretList { webhookSecrets { ${SECRET} } } } }`, { tenantId: tid(tenantId) });
      return (r.webhookSecrets as Json[]).map(secretOf);
    },
    async revokeWebhookSecret(ref, tenantId, force) {
      const r = await call(`mutation ($input: RevokeWebhookSecretInput!) { revokeWebhookSecret(input: $input) { __typename ${ERROR} ... on RevokeWebhookSecretPayload { alreadyRevoked activeSecretCount webhookSecret { ${SECRET} } } } }`, { input: { webhookSecret: ref, tenantId: tid(tenantId), force } });
      return { webhookSecret: secretOf(r.webhookSecret as Json), alreadyRevoked: r.alreadyRevoked as boolean, activeSecrets: r.activeSecretCount as number };
    },
    async rotateWebhookSecret(ref, tenantId) {
      const r = await call(`mutation ($input: WebhookSecretRefInput!) { rotateWebhookSecret(input: $input) { __typename ${ERROR} ... on RotateWebhookSecretPayload { secret activeSecretCount webhookSecret { ${SECRET} } revokedWebhookSecret { ${SECRET} } } } }`, { input: { webhookSecret: ref, tenantId: tid(tenantId) } });
      return { secret: r.secret as string, webhookSecret: secretOf(r.webhookSecret as Json), revoked: secretOf(r.revokedWebhookSecret as Json), activeSecrets: r.activeSecretCount as number };
    },
    async setAgent(tenantId, input) {
      const r = await call(`mutation ($input: SetAgentInput!) { setAgent(input: $input) { __typename ${ERROR} ... on SetAgentPayload { agent { login name seatIds accounts { accountWhatsId } } } } }`, { input: { tenantId: tid(tenantId), ...input } });
      const agent = r.agent as Json;
      return { login: agent.login as string | null, name: agent.name as string | null, seatIds: agent.seatIds as string[], accounts: (agent.accounts as Json[]).map((a) => a.accountWhatsId as string) };
    },
  };
}
