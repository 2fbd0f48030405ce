// Writes schema/persisted-operations.json (sha256 → document) from
// schema/operations/*.graphql: the manifest PERSISTED_OPERATIONS=allow|only
// serves. A test fails when it is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildPersistedManifest } from '../src/execution/persisted-operations.ts';

const manifest = buildPersistedManifest(fileURLToPath(new URL('../schema/operations', import.meta.url)));
writeFileSync(new URL('../schema/persisted-operations.json', import.meta.url), JSON.stringify(manifest, null, 2) + '\n');
console.log(`wrote schema/persisted-operations.json (${Object.keys(manifest).length} operations)`);
