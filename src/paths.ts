// Where the files the server reads at run time live (the dashboard page,
// schema/operations/, prisma/ with the migrations, README.md): from source
// (tsx), the repository; built, the build folder — `npm run build` bundles
// the code into dist/*.js and copies those files beside it
// (scripts/build.js), so that dist/ and the production dependencies are all
// a deployment needs.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Set to true by the build (esbuild `define`); absent when running from source. */
declare const __CHATGRAPH_BUILD__: boolean | undefined;

const here = path.dirname(fileURLToPath(import.meta.url));

export const resourceRoot = typeof __CHATGRAPH_BUILD__ !== 'undefined' ? here : path.resolve(here, '..');

/** A path under the resource root, e.g. resource('schema/operations'). */
export const resource = (relative: string): string => path.join(resourceRoot, relative);

/** Whether the module at `moduleUrl` (its import.meta.url) is the script node was started with (symlinks resolved). */
export function isEntryModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return moduleUrl === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}
