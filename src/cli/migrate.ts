// chatgraph migrate — apply pending migrations (the server also does it at start-up unless MIGRATE_ON_START=false).
import { CliError, write, type CommandSpec } from './args.ts';
import type { Command } from './command.ts';
import { withContext } from './context.ts';

const spec: CommandSpec = {
  name: 'migrate',
  usage: `usage: chatgraph migrate

Applies the pending migrations of prisma/migrations/ to the database:
DATABASE_URL when set, else the embedded database in DATA_DIR (./data).
Each runs as one transaction (a failing one leaves nothing behind); a
database that applied a migration since edited is refused.`,
  options: {},
};

export const migrateCommand: Command = {
  spec,
  summary: 'apply pending migrations to DATABASE_URL or the embedded database',
  async run(_p, io) {
    await withContext(
      io,
      async (ctx) => {
        let applied: string[];
        try {
          applied = await ctx.db.migrate();
        } catch (err) {
          const [{ MigrationFailedError }, { MigrationHistoryError }] = await Promise.all([import('../db/migrations.ts'), import('../db/migration-history.ts')]);
          if (err instanceof MigrationFailedError || err instanceof MigrationHistoryError) throw new CliError(`${ctx.db.location}: ${err.message}`);
          throw err;
        }
        write(io.stdout, applied.length ? `${ctx.db.location}: applied ${applied.join(', ')}` : `${ctx.db.location}: up to date`);
      },
      { migrate: false },
    );
  },
};
