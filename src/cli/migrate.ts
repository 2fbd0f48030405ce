// chatgraph migrate — apply pending migrations (the server also does it at start-up unless MIGRATE_ON_START=false).
import { write, type CommandSpec } from './args.ts';
import type { Command } from './command.ts';
import { withContext } from './context.ts';

const spec: CommandSpec = {
  name: 'migrate',
  usage: `usage: chatgraph migrate

Applies the pending migrations of prisma/migrations/ to the database:
DATABASE_URL when set, else the embedded database in DATA_DIR (./data).`,
  options: {},
};

export const migrateCommand: Command = {
  spec,
  summary: 'apply pending migrations to DATABASE_URL or the embedded database',
  async run(_p, io) {
    await withContext(
      io,
      async (ctx) => {
        const applied = await ctx.db.migrate();
        write(io.stdout, applied.length ? `${ctx.db.location}: applied ${applied.join(', ')}` : `${ctx.db.location}: up to date`);
      },
      { migrate: false },
    );
  },
};
