// chatgraph secret create | list | revoke — webhook secrets, several active
// per tenant so that one can be rotated: create the new one, move the CRM to
// it, revoke the old one. Every active secret verifies deliveries.
import { createWebhookSecret, listWebhookSecrets } from '../auth/webhook-secrets.ts';
import { CliError, findOneByPrefixOrId, formatTime, optionalString, requirePositional, requireString, table, tenantIdOf, write, type CommandSpec } from './args.ts';
import type { Command } from './command.ts';
import { withContext } from './context.ts';
import { requireTenant } from './keys.ts';

const createSpec: CommandSpec = {
  name: 'secret create',
  usage: `usage: chatgraph secret create --tenant <id>

Adds an active webhook secret to the tenant and prints it once. The tenant's
other active secrets keep verifying until revoked (rotation without a gap).`,
  options: { tenant: { type: 'string' } },
};

const listSpec: CommandSpec = {
  name: 'secret list',
  usage: `usage: chatgraph secret list --tenant <id> [--json]

Lists the tenant's webhook secrets: id, prefix, created, revoked. The secrets
themselves are stored sealed and are not shown.`,
  options: { tenant: { type: 'string' }, json: { type: 'boolean' } },
};

const revokeSpec: CommandSpec = {
  name: 'secret revoke',
  usage: `usage: chatgraph secret revoke <prefix-or-id> [--tenant <id>] [--force]

Revokes a webhook secret at once: deliveries signed with it are refused (401).

  --tenant <id>   only look among this tenant's secrets
  --force         allow revoking the tenant's last active secret (its MSG_SYNC
                  deliveries are then all refused until a new secret is created)`,
  options: { tenant: { type: 'string' }, force: { type: 'boolean' } },
  positionals: ['prefix-or-id'],
};

export const secretCommands: Command[] = [
  {
    spec: createSpec,
    summary: 'add a webhook secret to a tenant (printed once)',
    async run(p, io) {
      const tenantId = tenantIdOf(createSpec, requireString(p, createSpec, 'tenant'));
      await withContext(io, async (ctx) => {
        await requireTenant(ctx, tenantId);
        const { id, secret } = await createWebhookSecret(ctx.db.prisma, ctx.secrets, tenantId);
        const active = await ctx.db.prisma.webhookSecret.count({ where: { tenantId, revokedAt: null } });
        write(io.stdout, `${secret}\n  id ${id}, tenant ${tenantId}; ${active} active secret${active === 1 ? '' : 's'} now verify this tenant's webhooks\nThe secret is shown once (it is stored sealed).`);
      });
    },
  },
  {
    spec: listSpec,
    summary: "list a tenant's webhook secrets",
    async run(p, io) {
      const tenantId = tenantIdOf(listSpec, requireString(p, listSpec, 'tenant'));
      await withContext(io, async (ctx) => {
        await requireTenant(ctx, tenantId);
        const rows = await listWebhookSecrets(ctx.db.prisma, tenantId);
        if (p.values.json) {
          for (const s of rows) write(io.stdout, JSON.stringify({ id: s.id, prefix: s.prefix, createdAt: s.createdAt, revokedAt: s.revokedAt }));
          return;
        }
        write(io.stdout, table(['PREFIX', 'CREATED', 'REVOKED', 'ID'], rows.map((s) => [s.prefix ?? '(sealed)', formatTime(s.createdAt), formatTime(s.revokedAt), s.id])));
      }, { checkSecrets: false });
    },
  },
  {
    spec: revokeSpec,
    summary: 'revoke a webhook secret by prefix or id',
    async run(p, io) {
      const ref = requirePositional(p, revokeSpec, 0).trim();
      const tenant = optionalString(p, 'tenant');
      const tenantId = tenant === undefined ? undefined : tenantIdOf(revokeSpec, tenant);
      await withContext(io, async (ctx) => {
        const secret = await findOneByPrefixOrId(ref, tenantId, { name: 'webhook secret', plural: 'secrets', list: 'chatgraph secret list' }, (where) => ctx.db.prisma.webhookSecret.findMany({ where }));
        if (secret.revokedAt) {
          write(io.stdout, `secret ${secret.prefix ?? secret.id} of tenant ${secret.tenantId} was already revoked at ${formatTime(secret.revokedAt)}`);
          return;
        }
        const others = await ctx.db.prisma.webhookSecret.count({ where: { tenantId: secret.tenantId, revokedAt: null, NOT: { id: secret.id } } });
        if (others === 0 && !p.values.force) {
          throw new CliError(`secret ${secret.prefix ?? secret.id} is tenant ${secret.tenantId}'s last active webhook secret: create its successor first (chatgraph secret create --tenant ${secret.tenantId}), or pass --force`);
        }
        await ctx.db.prisma.webhookSecret.update({ where: { id: secret.id }, data: { revokedAt: new Date() } });
        write(io.stdout, `revoked webhook secret ${secret.prefix ?? ''} (${secret.id}) of tenant ${secret.tenantId}; ${others} active secret${others === 1 ? '' : 's'} left`);
      }, { checkSecrets: false }); // the way out of secrets sealed under a lost key
    },
  },
];
