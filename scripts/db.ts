// Database commands that Prisma's CLI cannot run here (it needs a native
// engine that cannot be downloaded):
//   npm run db:migrate            apply pending migrations to DATABASE_URL or the embedded database
//   npm run db:migration -- NAME  write the next migration from schema.prisma changes and changed prisma/sql/ files
//   npm run db:drift              print the SQL the migrations lack (exit 1 if any)
import { loadConfig, ConfigError } from '../src/config.ts';
import { createMigration, diffMigrationsToSchema } from '../src/db/migrations.ts';
import { openDatabase } from '../src/db/database.ts';

const [command, arg] = process.argv.slice(2);

async function main(): Promise<number> {
  switch (command) {
    case 'migrate': {
      const config = loadConfig(process.env);
      const db = await openDatabase({ ...config, migrateOnStart: false });
      try {
        const applied = await db.migrate();
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      } finally {
        await db.close();
      }
      return 0;
    }
    case 'migration': {
      if (!arg) {
        console.error('usage: npm run db:migration -- <name_in_snake_case>');
        return 2;
      }
      const dir = await createMigration(arg);
      console.log(dir ? `wrote ${dir}/migration.sql` : 'schema.prisma, prisma/sql/ and the migrations agree: nothing to write');
      return 0;
    }
    case 'drift': {
      const sql = await diffMigrationsToSchema();
      if (!sql) {
        console.log('no drift: the migrations produce schema.prisma');
        return 0;
      }
      console.log(sql);
      return 1;
    }
    default:
      console.error('usage: tsx scripts/db.ts migrate | migration <name> | drift');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  },
);
