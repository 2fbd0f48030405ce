#!/usr/bin/env node
// `npx chatgraph …` from the project directory: the built CLI (dist/cli.js),
// built first when its sources changed (scripts/build.js; checking costs
// milliseconds). Build messages are JSON on stderr: stdout is the command's.
import { BuildError, buildLogger, prepare } from '../scripts/build.js';

process.setSourceMapsEnabled(true);
const log = buildLogger({ fd: 2, service: 'chatgraph-cli' });
try {
  await prepare({ logger: log });
} catch (err) {
  if (!(err instanceof BuildError)) throw err;
  log.fatal({ reason: err.message }, 'cannot run: the build is missing or stale and cannot be made here');
  process.exit(1);
}
await import('../dist/cli.js');
