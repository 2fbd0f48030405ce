// chatgraph status — where the database is, which migrations are applied,
// the tenants and their messages, and optionally a running server's /readyz.
import { readdirSync, existsSync } from 'node:fs';
import { optionalString, table, usageError, write, type CommandSpec } from './args.ts';
import type { Command } from './command.ts';
import { withContext } from './context.ts';

const spec: CommandSpec = {
  name: 'status',
  usage: `usage: chatgraph status [--url http://localhost:4000] [--json]

Prints the database's location, its migration state, the tenants with their
message counts, and with --url the server's /readyz answer. Exits 1 when
migrations are pending or the server is not ready.`,
  options: { url: { type: 'string' }, json: { type: 'boolean' } },
};

export const statusCommand: Command = {
  spec,
  summary: 'database location, migrations, tenants, server readiness',
  async run(p, io) {
    const url = optionalString(p, 'url');
    if (url !== undefined && !/^https?:\/\//.test(url)) throw usageError(`status: --url must be an http(s) URL, got "${url}"`);
    // Loaded here, not at the top: `chatgraph --help` need not load the database drivers (src/cli/context.ts).
    const [{ migrationsDir }, { describePgError }] = await Promise.all([import('../db/migration-files.ts'), import('../db/database.ts')]);
    const expected = existsSync(migrationsDir) ? readdirSync(migrationsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort() : [];
    const report = await withContext(
      io,
      async (ctx) => {
        let applied: string[] = [];
        try {
          const { rows } = await ctx.db.pool.query<{ migration_name: string }>(
            'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name',
          );
          applied = rows.map((r) => r.migration_name);
        } catch (err) {
          if ((err as { code?: string }).code !== '42P01') throw err;
        }
        const pending = expected.filter((m) => !applied.includes(m));
        let tenants: { id: string; name: string; messages: number; conversations: number }[] = [];
        if (!pending.length) {
          const { rows } = await ctx.db.pool.query<{ id: string; name: string; messages: string; conversations: string }>(
            `SELECT t.id, t.name, COALESCE(sum(c."messageCount"), 0) AS messages, count(c.id) AS conversations
               FROM "Tenant" t LEFT JOIN "Conversation" c ON c."tenantId" = t.id
              GROUP BY t.id, t.name ORDER BY t.id`,
          );
          tenants = rows.map((r) => ({ id: r.id, name: r.name, messages: Number(r.messages), conversations: Number(r.conversations) }));
        }
        return { database: ctx.db.location, kind: ctx.db.kind, migrations: { applied, pending }, tenants };
      },
      { migrate: false },
    );
    let server: { url: string; status: number | null; body: string } | undefined;
    if (url) {
      try {
        const res = await fetch(new URL('/readyz', url), { signal: AbortSignal.timeout(5000) });
        server = { url, status: res.status, body: (await res.text()).trim() };
      } catch (err) {
        server = { url, status: null, body: describePgError((err as { cause?: unknown }).cause ?? err) };
      }
    }
    if (p.values.json) {
      write(io.stdout, JSON.stringify({ ...report, ...(server ? { server } : {}) }));
    } else {
      const lines = [`database    ${report.database}`];
      lines.push(
        report.migrations.pending.length
          ? `migrations  ${report.migrations.applied.length} applied, ${report.migrations.pending.length} pending: ${report.migrations.pending.join(', ')} (run: chatgraph migrate)`
          : `migrations  all ${report.migrations.applied.length} applied (latest ${report.migrations.applied.at(-1) ?? '-'})`,
      );
      if (server) lines.push(`server      ${server.url}/readyz → ${server.status ?? 'unreachable'} ${server.body}`);
      if (!report.migrations.pending.length) {
        lines.push(`tenants     ${report.tenants.length}`);
        if (report.tenants.length) lines.push(table(['  ID', 'NAME', 'MESSAGES', 'CONVERSATIONS'], report.tenants.map((t) => [`  ${t.id}`, t.name, String(t.messages), String(t.conversations)])));
      }
      write(io.stdout, lines.join('\n'));
    }
    if (report.migrations.pending.length || (server && server.status !== 200)) process.exitCode = 1;
  },
};
