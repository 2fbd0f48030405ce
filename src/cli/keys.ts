// chatgraph key create | list | revoke | rotate
import { API_KEY_SCOPES } from '../auth/api-keys.ts';
import { AdminError, parseScopes as scopesOf, requireTenant as requireTenantRow } from '../auth/admin.ts';
import type { ApiKeyInfo } from '../auth/admin.ts';
import type { ApiKeyScope } from '../generated/prisma/enums.ts';
import { CliError, formatTime, optionalString, requirePositional, requireString, table, tenantIdOf, usageError, write, type CommandSpec, type Parsed } from './args.ts';
import type { Command } from './command.ts';
import type { CliContext } from './context.ts';
import { REMOTE_OPTIONS, REMOTE_USAGE, isRemote, withAdmin } from './admin-backend.ts';

const TENANT_USAGE = `  --tenant <id>     the tenant (optional with --url and an ADMIN key: its own)`;

const createSpec: CommandSpec = {
  name: 'key create',
  usage: `usage: chatgraph key create --tenant <id> --scopes READ,INGEST [--name <s>] [--url <url> --key <key>]

Creates an API key and prints it once (only its SHA-256 is stored).

${TENANT_USAGE}
  --scopes <list>   comma-separated: READ (queries, legacy reads), INGEST (webhooks,
                    mutations), ADMIN (everything, and the tenant's keys and secrets)
  --name <s>        a label for lists (default: the scopes)
${REMOTE_USAGE}`,
  options: { tenant: { type: 'string' }, scopes: { type: 'string' }, name: { type: 'string' }, ...REMOTE_OPTIONS },
};

const listSpec: CommandSpec = {
  name: 'key list',
  usage: `usage: chatgraph key list --tenant <id> [--json] [--url <url> --key <key>]

Lists a tenant's API keys: id, prefix, name, scopes, created, last used (to
the minute; "-" for a key never used), revoked. The keys themselves are not
stored and cannot be shown.

${TENANT_USAGE}
  --json            one JSON object per line instead of a table
${REMOTE_USAGE}`,
  options: { tenant: { type: 'string' }, json: { type: 'boolean' }, ...REMOTE_OPTIONS },
};

const revokeSpec: CommandSpec = {
  name: 'key revoke',
  usage: `usage: chatgraph key revoke <prefix-or-id> [--tenant <id>] [--url <url> --key <key>]

Revokes an API key, named by its prefix (as in "key list", e.g. cg_AbC1234) or
its id. A running server refuses it within 5 s (its key cache).

  --tenant <id>     only look among this tenant's keys (when a prefix is ambiguous)
${REMOTE_USAGE}`,
  options: { tenant: { type: 'string' }, ...REMOTE_OPTIONS },
  positionals: ['prefix-or-id'],
};

const rotateSpec: CommandSpec = {
  name: 'key rotate',
  usage: `usage: chatgraph key rotate <prefix-or-id> [--tenant <id>] [--url <url> --key <key>]

Replaces an API key: creates a new key with the same name and scopes, prints it
once, and revokes the old one (running servers refuse it within 5 s).

  --tenant <id>     only look among this tenant's keys
${REMOTE_USAGE}`,
  options: { tenant: { type: 'string' }, ...REMOTE_OPTIONS },
  positionals: ['prefix-or-id'],
};

export function parseScopes(spec: CommandSpec, raw: string): ApiKeyScope[] {
  const names = raw.split(',');
  const scopes = scopesOf(names);
  if (scopes) return scopes;
  const unknown = names.map((s) => s.trim().toUpperCase()).find((s) => s && !(API_KEY_SCOPES as readonly string[]).includes(s));
  if (unknown) throw usageError(`${spec.name}: unknown scope "${unknown}" (use ${API_KEY_SCOPES.join(', ')})`);
  throw usageError(`${spec.name}: --scopes needs at least one of ${API_KEY_SCOPES.join(', ')}`);
}

/** For the commands that work on the database directly (import, backfill). */
export async function requireTenant(ctx: CliContext, tenantId: bigint): Promise<void> {
  try {
    await requireTenantRow(ctx.db.prisma, tenantId);
  } catch (err) {
    if (err instanceof AdminError) throw new CliError(`${err.message} (see chatgraph tenant list)`);
    throw err;
  }
}

/** --tenant: required on the database, optional through a server (an ADMIN key's own tenant). */
export function tenantOption(p: Parsed, spec: CommandSpec, required = true): bigint | undefined {
  const raw = optionalString(p, 'tenant');
  if (raw === undefined) return required && !isRemote(p) ? tenantIdOf(spec, requireString(p, spec, 'tenant')) : undefined;
  return tenantIdOf(spec, raw.trim());
}

const keyLine = (k: ApiKeyInfo) => `id ${k.id}, tenant ${k.tenantId}, name "${k.name}", scopes ${k.scopes.join(',')}`;

export const keyCommands: Command[] = [
  {
    spec: createSpec,
    summary: 'create an API key with scopes (printed once)',
    async run(p, io) {
      const tenantId = tenantOption(p, createSpec);
      const scopes = parseScopes(createSpec, requireString(p, createSpec, 'scopes'));
      const name = optionalString(p, 'name')?.trim() || undefined;
      await withAdmin(p, createSpec, io, async (admin) => {
        const { key, apiKey } = await admin.createApiKey(tenantId, scopes, name);
        write(io.stdout, `${key}\n  ${keyLine(apiKey)}\nThe key is shown once: only its hash is kept.`);
      });
    },
  },
  {
    spec: listSpec,
    summary: "list a tenant's API keys",
    async run(p, io) {
      const tenantId = tenantOption(p, listSpec);
      await withAdmin(p, listSpec, io, async (admin) => {
        const keys = await admin.listApiKeys(tenantId);
        if (p.values.json) {
          for (const k of keys) {
            write(io.stdout, JSON.stringify({ id: k.id, prefix: k.prefix, name: k.name, scopes: k.scopes, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt, revokedAt: k.revokedAt }));
          }
          return;
        }
        write(io.stdout, table(['PREFIX', 'NAME', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED', 'ID'], keys.map((k) => [k.prefix, k.name, k.scopes.join(','), formatTime(k.createdAt), formatTime(k.lastUsedAt), formatTime(k.revokedAt), k.id])));
      });
    },
  },
  {
    spec: revokeSpec,
    summary: 'revoke an API key by prefix or id',
    async run(p, io) {
      const ref = requirePositional(p, revokeSpec, 0).trim();
      const tenantId = tenantOption(p, revokeSpec, false);
      await withAdmin(p, revokeSpec, io, async (admin) => {
        const { apiKey: key, alreadyRevoked } = await admin.revokeApiKey(ref, tenantId);
        if (alreadyRevoked) {
          write(io.stdout, `key ${key.prefix} (${key.id}) of tenant ${key.tenantId} was already revoked at ${formatTime(key.revokedAt)}`);
          return;
        }
        write(io.stdout, `revoked key ${key.prefix} (${key.id}, "${key.name}") of tenant ${key.tenantId}`);
      });
    },
  },
  {
    spec: rotateSpec,
    summary: 'replace an API key by a new one (printed once) and revoke it',
    async run(p, io) {
      const ref = requirePositional(p, rotateSpec, 0).trim();
      const tenantId = tenantOption(p, rotateSpec, false);
      await withAdmin(p, rotateSpec, io, async (admin) => {
        const { key, apiKey, revoked } = await admin.rotateApiKey(ref, tenantId);
        write(io.stdout, `${key}\n  ${keyLine(apiKey)}\nrevoked key ${revoked.prefix} (${revoked.id})\nThe key is shown once: only its hash is kept.`);
      });
    },
  },
];
