// Loaded by the Prisma CLI before anything else. The CLI looks for its native
// schema-engine binary, which cannot be downloaded on these machines; pointing
// it at any existing file lets `prisma generate` run. Migrations go through
// the WASM schema engine instead (src/db/migrations.ts).
import { defineConfig } from 'prisma/config';

process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= '/bin/false';
process.env.CHECKPOINT_DISABLE ??= '1';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
