// `npm start`: the built server (dist/main.js) under plain node — built
// first when its sources changed, with code generation only when its own
// inputs changed (scripts/build.js; checking costs milliseconds).
import { BuildError, buildLogger, prepare } from './build.js';

process.setSourceMapsEnabled(true);
const log = buildLogger();
try {
  await prepare({ logger: log });
} catch (err) {
  if (!(err instanceof BuildError)) throw err;
  log.fatal({ reason: err.message }, 'cannot start: the build is missing or stale and cannot be made here');
  process.exit(1);
}
await import('../dist/main.js');
