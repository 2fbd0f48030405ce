// Writes schema/schema.graphql from the Pothos schema (sorted), so the SDL is
// reviewed in diffs and codegen reads it. A test fails when it is stale.
import { writeFileSync } from 'node:fs';
import { printSortedSchema } from '../src/graphql/schema.ts';

writeFileSync(new URL('../schema/schema.graphql', import.meta.url), printSortedSchema());
console.log('wrote schema/schema.graphql');
