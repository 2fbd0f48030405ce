// chatgraph secret create | list | revoke | rotate — webhook secrets, several
// active per tenant so that one can be rotated: create the new one, move the
// CRM to it, revoke the old one. Every active secret verifies deliveries.
import { formatTime, requirePositional, table, write, type CommandSpec } from './args.ts';
import type { Command } from './command.ts';
import { REMOTE_OPTIONS, REMOTE_USAGE, withAdmin } from './admin-backend.ts';
import { tenantOption } from './keys.ts';

const TENANT_USAGE = `  --tenant <id>     the tenant (optional with --url and an ADMIN key: its own)`;

const createSpec: CommandSpec = {
  name: 'secret create',
  usage: `usage: chatgraph secret create --tenant <id> [--url <url> --key <key>]

Adds an active webhook secret to the tenant and prints it once. The tenant's
other active secrets keep verifying until revoked (rotation without a gap).

${TENANT_USAGE}
${REMOTE_USAGE}`,
  options: { tenant: { type: 'string' }, ...REMOTE_OPTIONS },
};

const listSpec: CommandSpec = {
  name: 'secret list',
  usage: `usage: chatgraph secret list --tenant <id> [--json] [--url <url> --key <key>]

Lists the tenant's webhook secrets: id, prefix, created, revoked. The secrets
themselves are stored sealed and are not shown.

${TENANT_USAGE}
  --json            one JSON object per line instead of a table
${REMOTE_USAGE}`,
  options: { tenant: { type: 'string' }, json: { type: 'boolean' }, ...REMOTE_OPTIONS },
};

const revokeSpec: CommandSpec = {
  name: 'secret revoke',
  usage: `usage: chatgraph secret revoke <prefix-or-id> [--tenant <id>] [--force] [--url <url> --key <key>]

Revokes a webhook secret at once: deliveries signed with it are refused (401;
a running server within 5 s, its secret cache).

  --tenant <id>     only look among this tenant's secrets
  --force           allow revoking the tenant's last active secret (its MSG_SYNC
                    deliveries are then all refused until a new secret is created)
${REMOTE_USAGE}`,
  options: { tenant: { type: 'string' }, force: { type: 'boolean' }, ...REMOTE_OPTIONS },
  positionals: ['prefix-or-id'],
};

const rotateSpec: CommandSpec = {
  name: 'secret rotate',
  usage: `usage: chatgraph secret rotate <prefix-or-id> [--tenant <id>] [--url <url> --key <key>]

Replaces a webhook secret: adds its successor, prints it once, and revokes the
old one at once (deliveries signed with it are refused from then on). For a
rotation without a gap use "secret create", move the CRM, then "secret revoke".

  --tenant <id>     only look among this tenant's secrets
${REMOTE_USAGE}`,
  options: { tenant: { type: 'string' }, ...REMOTE_OPTIONS },
  positionals: ['prefix-or-id'],
};

const active = (n: number) => `${n} active secret${n === 1 ? '' : 's'}`;

export const secretCommands: Command[] = [
  {
    spec: createSpec,
    summary: 'add a webhook secret to a tenant (printed once)',
    async run(p, io) {
      const tenantId = tenantOption(p, createSpec);
      await withAdmin(p, createSpec, io, async (admin) => {
        const { secret, webhookSecret, activeSecrets } = await admin.createWebhookSecret(tenantId);
        write(io.stdout, `${secret}\n  id ${webhookSecret.id}, tenant ${webhookSecret.tenantId}; ${active(activeSecrets)} now verify this tenant's webhooks\nThe secret is shown once (it is stored sealed).`);
      });
    },
  },
  {
    spec: listSpec,
    summary: "list a tenant's webhook secrets",
    async run(p, io) {
      const tenantId = tenantOption(p, listSpec);
      await withAdmin(p, listSpec, io, async (admin) => {
        const rows = await admin.listWebhookSecrets(tenantId);
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
      const tenantId = tenantOption(p, revokeSpec, false);
      await withAdmin(p, revokeSpec, io, async (admin) => {
        const { webhookSecret: secret, alreadyRevoked, activeSecrets } = await admin.revokeWebhookSecret(ref, tenantId, p.values.force === true);
        if (alreadyRevoked) {
          write(io.stdout, `secret ${secret.prefix ?? secret.id} of tenant ${secret.tenantId} was already revoked at ${formatTime(secret.revokedAt)}`);
          return;
        }
        write(io.stdout, `revoked webhook secret ${secret.prefix ?? ''} (${secret.id}) of tenant ${secret.tenantId}; ${active(activeSecrets)} left`);
      }, { checkSecrets: false }); // the way out of secrets sealed under a lost key
    },
  },
  {
    spec: rotateSpec,
    summary: 'replace a webhook secret by a new one (printed once) and revoke it',
    async run(p, io) {
      const ref = requirePositional(p, rotateSpec, 0).trim();
      const tenantId = tenantOption(p, rotateSpec, false);
      await withAdmin(p, rotateSpec, io, async (admin) => {
        const { secret, webhookSecret, revoked, activeSecrets } = await admin.rotateWebhookSecret(ref, tenantId);
        write(io.stdout, `${secret}\n  id ${webhookSecret.id}, tenant ${webhookSecret.tenantId}; revoked ${revoked.prefix ?? revoked.id} (${revoked.id}); ${active(activeSecrets)}\nThe secret is shown once (it is stored sealed).`);
      });
    },
  },
];
