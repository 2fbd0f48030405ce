// chatgraph — the operator's command-line tool: tenants, API keys, webhook
// secrets, migrations, status, imports, backfills, test webhooks, demo data.
// It opens the database as the server does (DATABASE_URL, else the embedded
// database in DATA_DIR) and writes through the same ingest service.
//   npx chatgraph <command> [options]      (or: npm run cli -- <command> …; the process: run.ts)
// Exit codes: 0 done, 1 failed (one line on stderr), 2 usage error.
import { CliError, parseCommand, usageError, write, type Io } from './args.ts';
import type { Command } from './command.ts';
import { tenantCommands } from './tenants.ts';
import { keyCommands } from './keys.ts';
import { secretCommands } from './secrets.ts';
import { agentCommands } from './agents.ts';
import { migrateCommand } from './migrate.ts';
import { statusCommand } from './status.ts';
import { importCommand } from './import.ts';
import { backfillCommand } from './backfill.ts';
import { sendWebhookCommand } from './send-webhook.ts';
import { demoCommand } from './demo.ts';
import { searchReindexCommand } from './search-reindex.ts';

const groups: Record<string, { summary: string; commands: Command[] }> = {
  tenant: { summary: 'tenants (companies of the CRM)', commands: tenantCommands },
  key: { summary: 'API keys', commands: keyCommands },
  secret: { summary: 'webhook secrets (several active per tenant, for rotation)', commands: secretCommands },
  agent: { summary: 'the agent directory (seat ids and logins)', commands: agentCommands },
};
const singles: Command[] = [migrateCommand, statusCommand, importCommand, backfillCommand, sendWebhookCommand, demoCommand, searchReindexCommand];

function usage(): string {
  const rows: [string, string][] = [];
  for (const group of Object.values(groups)) for (const c of group.commands) rows.push([c.spec.name, c.summary]);
  for (const c of singles) rows.push([c.spec.name, c.summary]);
  const width = Math.max(...rows.map(([n]) => n.length));
  return `usage: chatgraph <command> [options]

Commands:
${rows.map(([n, s]) => `  ${n.padEnd(width)}  ${s}`).join('\n')}

Run "chatgraph <command> --help" for a command's options.
The database is the server's: DATABASE_URL when set, else the embedded one in
DATA_DIR (./data). While a server has the embedded database open, the tenant,
key and secret commands act through it: --url http://host:port --key <key>.
Exit codes: 0 done, 1 failed, 2 usage error.`;
}

function groupUsage(name: string): string {
  const group = groups[name]!;
  const width = Math.max(...group.commands.map((c) => c.spec.name.length));
  return `usage: chatgraph ${name} <${group.commands.map((c) => c.spec.name.split(' ')[1]).join('|')}> [options]

${group.summary}:
${group.commands.map((c) => `  ${c.spec.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "chatgraph ${name} <command> --help" for its options.`;
}

/** Runs one command line; returns the exit code (output on io). */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  try {
    const [first, second, ...rest] = argv;
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      write(first === undefined ? io.stderr : io.stdout, usage());
      return first === undefined ? 2 : 0;
    }
    let command: Command | undefined;
    let args: readonly string[];
    if (first in groups) {
      if (second === undefined || second === '--help' || second === '-h') {
        write(second === undefined ? io.stderr : io.stdout, groupUsage(first));
        return second === undefined ? 2 : 0;
      }
      command = groups[first]!.commands.find((c) => c.spec.name === `${first} ${second}`);
      if (!command) throw usageError(`unknown command "${first} ${second}" (see chatgraph ${first} --help)`);
      args = rest;
    } else {
      command = singles.find((c) => c.spec.name === first);
      if (!command) throw usageError(`unknown command "${first}" (see chatgraph --help)`);
      args = argv.slice(1);
    }
    const parsed = parseCommand(command.spec, args);
    if (parsed.help) {
      write(io.stdout, command.spec.usage);
      return 0;
    }
    process.exitCode = undefined;
    await command.run(parsed, io);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CliError) {
      write(io.stderr, `chatgraph: ${err.message}`);
      return err.exitCode;
    }
    write(io.stderr, `chatgraph: unexpected failure: ${(err as Error).stack ?? err}`);
    return 1;
  }
}
