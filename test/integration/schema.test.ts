// The committed SDL and migrations must match the code: a stale
// schema/schema.graphql or a schema.prisma change without a migration fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { printSortedSchema } from '../../src/graphql/schema.ts';
import { diffMigrationsToSchema } from '../../src/db/migrations.ts';
import { testTarget } from '../support/database.ts';

// Independent of the database under test: run once, in the embedded run.
const once = { skip: testTarget === 'postgres' ? 'checked in the embedded run' : false };

test('schema/schema.graphql is the printed Pothos schema (run `npm run schema:print`)', once, () => {
  const committed = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
  assert.equal(committed, printSortedSchema());
});

test('prisma/migrations produce exactly prisma/schema.prisma (run `npm run db:migration -- <name>`)', once, async () => {
  const missing = await diffMigrationsToSchema();
  assert.equal(missing, '', `the migrations lack:\n${missing}`);
});
