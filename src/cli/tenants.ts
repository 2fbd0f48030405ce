// chatgraph tenant create | list
import { formatCredentials } from '../auth/tenants.ts';
import { formatTime, requireString, table, tenantIdOf, write, type CommandSpec } from './args.ts';
import type { Command } from './command.ts';
import { REMOTE_OPTIONS, REMOTE_USAGE, withAdmin } from './admin-backend.ts';

const createSpec: CommandSpec = {
  name: 'tenant create',
  usage: `usage: chatgraph tenant create --id <tenantId> --name <name> [--url <url> --key <operator key>]

Creates a tenant (a company of the CRM; --id is the CRM's own tenantId) with a
webhook secret and three API keys (admin, ingest, read), and prints them once:
only the keys' hashes are stored, and the secret sealed. Through a server
(--url) it needs the operator key (the server's OPERATOR_KEY).

  --id <n>          the tenant id, a positive 64-bit integer
  --name <s>        a display name
${REMOTE_USAGE}`,
  options: { id: { type: 'string' }, name: { type: 'string' }, ...REMOTE_OPTIONS },
};

const listSpec: CommandSpec = {
  name: 'tenant list',
  usage: `usage: chatgraph tenant list [--json] [--url <url> --key <key>]

Lists the tenants: id, name, created, messages, active API keys, active webhook
secrets. Through a server: every tenant with the operator key, an ADMIN key's own.

  --json            one JSON object per line instead of a table
${REMOTE_USAGE}`,
  options: { json: { type: 'boolean' }, ...REMOTE_OPTIONS },
};

export const tenantCommands: Command[] = [
  {
    spec: createSpec,
    summary: 'create a tenant and print its keys and webhook secret (once)',
    async run(p, io) {
      const id = tenantIdOf(createSpec, requireString(p, createSpec, 'id'), '--id');
      const name = requireString(p, createSpec, 'name');
      await withAdmin(p, createSpec, io, async (admin) => {
        write(io.stdout, formatCredentials(await admin.createTenant(id, name)));
      });
    },
  },
  {
    spec: listSpec,
    summary: 'list tenants with message, key and secret counts',
    async run(p, io) {
      await withAdmin(p, listSpec, io, async (admin) => {
        const rows = await admin.listTenants();
        if (p.values.json) {
          for (const r of rows) {
            write(io.stdout, JSON.stringify({ id: r.id.toString(), name: r.name, createdAt: r.createdAt.toISOString(), messages: r.messages, activeKeys: r.activeKeys, activeSecrets: r.activeSecrets }));
          }
          return;
        }
        if (!rows.length) {
          write(io.stdout, 'no tenants (create one: chatgraph tenant create --id <n> --name <s>)');
          return;
        }
        write(io.stdout, table(['ID', 'NAME', 'CREATED', 'MESSAGES', 'KEYS', 'SECRETS'], rows.map((r) => [r.id.toString(), r.name, formatTime(r.createdAt), String(r.messages), String(r.activeKeys), String(r.activeSecrets)])));
      });
    },
  },
];
