// chatgraph tenant create | list
import { createTenant, formatCredentials } from '../auth/tenants.ts';
import { CliError, formatTime, requireString, table, tenantIdOf, write, type CommandSpec } from './args.ts';
import type { Command } from './command.ts';
import { withContext } from './context.ts';

const createSpec: CommandSpec = {
  name: 'tenant create',
  usage: `usage: chatgraph tenant create --id <tenantId> --name <name>

Creates a tenant (a company of the CRM; --id is the CRM's own tenantId) with a
webhook secret and three API keys (admin, ingest, read), and prints them once:
only the keys' hashes are stored, and the secret sealed.

  --id <n>       the tenant id, a positive 64-bit integer
  --name <s>     a display name`,
  options: { id: { type: 'string' }, name: { type: 'string' } },
};

const listSpec: CommandSpec = {
  name: 'tenant list',
  usage: `usage: chatgraph tenant list [--json]

Lists the tenants: id, name, created, messages, active API keys, active webhook secrets.

  --json         one JSON object per line instead of a table`,
  options: { json: { type: 'boolean' } },
};

export const tenantCommands: Command[] = [
  {
    spec: createSpec,
    summary: 'create a tenant and print its keys and webhook secret (once)',
    async run(p, io) {
      const id = tenantIdOf(createSpec, requireString(p, createSpec, 'id'), '--id');
      const name = requireString(p, createSpec, 'name');
      await withContext(io, async (ctx) => {
        const existing = await ctx.db.prisma.tenant.findUnique({ where: { id }, select: { id: true } });
        if (existing) throw new CliError(`tenant ${id} already exists`);
        write(io.stdout, formatCredentials(await createTenant(ctx.db.prisma, ctx.secrets, { id, name })));
      });
    },
  },
  {
    spec: listSpec,
    summary: 'list tenants with message, key and secret counts',
    async run(p, io) {
      await withContext(io, async (ctx) => {
        const { rows } = await ctx.db.pool.query<{ id: string; name: string; createdAt: Date; messages: string; keys: string; secrets: string }>(
          `SELECT t.id, t.name, t."createdAt",
                  COALESCE((SELECT sum(c."messageCount") FROM "Conversation" c WHERE c."tenantId" = t.id), 0) AS messages,
                  (SELECT count(*) FROM "ApiKey" k WHERE k."tenantId" = t.id AND k."revokedAt" IS NULL) AS keys,
                  (SELECT count(*) FROM "WebhookSecret" s WHERE s."tenantId" = t.id AND s."revokedAt" IS NULL) AS secrets
             FROM "Tenant" t ORDER BY t.id`,
        );
        if (p.values.json) {
          for (const r of rows) {
            write(io.stdout, JSON.stringify({ id: r.id, name: r.name, createdAt: r.createdAt.toISOString(), messages: Number(r.messages), activeKeys: Number(r.keys), activeSecrets: Number(r.secrets) }));
          }
          return;
        }
        if (!rows.length) {
          write(io.stdout, 'no tenants (create one: chatgraph tenant create --id <n> --name <s>)');
          return;
        }
        write(io.stdout, table(['ID', 'NAME', 'CREATED', 'MESSAGES', 'KEYS', 'SECRETS'], rows.map((r) => [r.id, r.name, formatTime(r.createdAt), r.messages, r.keys, r.secrets])));
      });
    },
  },
];
