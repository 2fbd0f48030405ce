// chatgraph key create | list | revoke
import { API_KEY_SCOPES, createApiKey } from '../auth/api-keys.ts';
import type { ApiKeyScope } from '../generated/prisma/enums.ts';
import { CliError, findOneByPrefixOrId, formatTime, optionalString, requirePositional, requireString, table, tenantIdOf, usageError, write, type CommandSpec } from './args.ts';
import type { Command } from './command.ts';
import { withContext, type CliContext } from './context.ts';

const createSpec: CommandSpec = {
  name: 'key create',
  usage: `usage: chatgraph key create --tenant <id> --scopes READ,INGEST [--name <s>]

Creates an API key and prints it once (only its SHA-256 is stored).

  --tenant <id>     the tenant
  --scopes <list>   comma-separated: READ (queries, legacy reads), INGEST (webhooks,
                    mutations), ADMIN (everything)
  --name <s>        a label for lists (default: the scopes)`,
  options: { tenant: { type: 'string' }, scopes: { type: 'string' }, name: { type: 'string' } },
};

const listSpec: CommandSpec = {
  name: 'key list',
  usage: `usage: chatgraph key list --tenant <id> [--json]

Lists a tenant's API keys: id, prefix, name, scopes, created, last used (to
the minute; "-" for a key never used), revoked. The keys themselves are not
stored and cannot be shown.`,
  options: { tenant: { type: 'string' }, json: { type: 'boolean' } },
};

const revokeSpec: CommandSpec = {
  name: 'key revoke',
  usage: `usage: chatgraph key revoke <prefix-or-id> [--tenant <id>]

Revokes an API key, named by its prefix (as in "key list", e.g. cg_AbC1234) or
its id. A running server refuses it within 5 s (its key cache).

  --tenant <id>     only look among this tenant's keys (when a prefix is ambiguous)`,
  options: { tenant: { type: 'string' } },
  positionals: ['prefix-or-id'],
};

export function parseScopes(spec: CommandSpec, raw: string): ApiKeyScope[] {
  const scopes = raw.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  if (!scopes.length) throw usageError(`${spec.name}: --scopes needs at least one of ${API_KEY_SCOPES.join(', ')}`);
  for (const s of scopes) {
    if (!(API_KEY_SCOPES as readonly string[]).includes(s)) throw usageError(`${spec.name}: unknown scope "${s}" (use ${API_KEY_SCOPES.join(', ')})`);
  }
  return [...new Set(scopes)] as ApiKeyScope[];
}

export async function requireTenant(ctx: CliContext, tenantId: bigint): Promise<void> {
  const tenant = await ctx.db.prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true } });
  if (!tenant) throw new CliError(`tenant ${tenantId} does not exist (see chatgraph tenant list)`);
}

export const keyCommands: Command[] = [
  {
    spec: createSpec,
    summary: 'create an API key with scopes (printed once)',
    async run(p, io) {
      const tenantId = tenantIdOf(createSpec, requireString(p, createSpec, 'tenant'));
      const scopes = parseScopes(createSpec, requireString(p, createSpec, 'scopes'));
      const name = optionalString(p, 'name')?.trim() || scopes.join('+').toLowerCase();
      await withContext(io, async (ctx) => {
        await requireTenant(ctx, tenantId);
        const { key, id } = await createApiKey(ctx.db.prisma, tenantId, name, scopes);
        write(io.stdout, `${key}\n  id ${id}, tenant ${tenantId}, name "${name}", scopes ${scopes.join(',')}\nThe key is shown once: only its hash is kept.`);
      });
    },
  },
  {
    spec: listSpec,
    summary: "list a tenant's API keys",
    async run(p, io) {
      const tenantId = tenantIdOf(listSpec, requireString(p, listSpec, 'tenant'));
      await withContext(io, async (ctx) => {
        await requireTenant(ctx, tenantId);
        const keys = await ctx.db.prisma.apiKey.findMany({ where: { tenantId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
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
      const tenant = optionalString(p, 'tenant');
      const tenantId = tenant === undefined ? undefined : tenantIdOf(revokeSpec, tenant);
      await withContext(io, async (ctx) => {
        const key = await findOneByPrefixOrId(ref, tenantId, { name: 'API key', plural: 'keys', list: 'chatgraph key list' }, (where) => ctx.db.prisma.apiKey.findMany({ where }));
        if (key.revokedAt) {
          write(io.stdout, `key ${key.prefix} (${key.id}) of tenant ${key.tenantId} was already revoked at ${formatTime(key.revokedAt)}`);
          return;
        }
        await ctx.db.prisma.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
        write(io.stdout, `revoked key ${key.prefix} (${key.id}, "${key.name}") of tenant ${key.tenantId}`);
      });
    },
  },
];
