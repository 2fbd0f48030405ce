// `npm run build`: code generation (Prisma client, GraphQL operation types)
// when its inputs changed, then the server and the CLI bundled by esbuild
// into dist/ (main.js, cli.js; npm packages stay imports of node_modules),
// with the files they read at run time copied beside them (src/paths.ts).
// `npm start` (scripts/start.js) and `npx chatgraph` (bin/chatgraph.js) call
// prepare() first: it hashes the inputs (a few milliseconds) and rebuilds
// only what is stale.
//
// Plain JavaScript on purpose: it runs under `node` before anything is
// compiled. Its messages are JSON log lines, like the server's.
//   node scripts/build.js             code generation when stale; the bundle always
//   node scripts/build.js --codegen   code generation when stale (npm test, typecheck)
//   node scripts/build.js --generate  code generation now (npm run generate)
//   node scripts/build.js --outdir D  the bundle into D (inside the project; tests)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const distDir = path.join(root, 'dist');
const generatedDir = path.join(root, 'src/generated');
const STAMP = '.inputs.sha256';

/** What code generation reads (package.json: the generators' versions). */
const CODEGEN_INPUTS = ['prisma/schema.prisma', 'prisma.config.ts', 'codegen.ts', 'schema/schema.graphql', 'schema/operations', 'package.json'];
/** What the build reads: the sources (generated code included) and the files copied into dist/. */
const BUILD_INPUTS = ['src', 'schema/operations', 'prisma/schema.prisma', 'prisma/migrations', 'README.md', 'scripts/build.js', 'package.json'];
/** Read by the server or the CLI at run time (src/paths.ts): copied into dist/ under the same relative paths. */
const RESOURCES = ['src/dashboard', 'schema/operations', 'prisma/schema.prisma', 'prisma/migrations', 'README.md'];

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
/**
 * The build's logger: JSON lines as the server's (stdout), or the CLI's
 * (stderr: its stdout is the command's output). Made on first use, so that
 * `npx chatgraph --help` with nothing stale does not load pino twice.
 */
export function buildLogger({ fd = 1, service = 'chatgraph', level = 'info' } = {}) {
  let logger;
  const make = () => {
    const { pino } = createRequire(import.meta.url)('pino');
    const env = process.env.LOG_LEVEL?.trim().toLowerCase();
    return pino({ level: LEVELS.has(env ?? '') ? env : level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd, sync: true }));
  };
  return new Proxy(
    {},
    {
      get: (_, name) => {
        logger ??= make();
        const value = logger[name];
        return typeof value === 'function' ? value.bind(logger) : value;
      },
    },
  );
}
let log = buildLogger();

export class BuildError extends Error {}

function listFiles(relative, out) {
  const abs = path.join(root, relative);
  if (!existsSync(abs)) return;
  if (!statSync(abs).isDirectory()) {
    out.push(relative);
    return;
  }
  for (const name of readdirSync(abs).sort()) {
    if (name === STAMP) continue;
    listFiles(path.join(relative, name), out);
  }
}

/** sha256 over the inputs' paths and contents: a changed, added or removed file changes it. */
function hashInputs(inputs) {
  const files = [];
  for (const input of inputs) listFiles(input, files);
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update('\0').update(readFileSync(path.join(root, file))).update('\0');
  return hash.digest('hex');
}

function stampOf(dir) {
  try {
    return readFileSync(path.join(dir, STAMP), 'utf8').trim();
  } catch {
    return null;
  }
}

const codegenHash = () => hashInputs(CODEGEN_INPUTS);
const buildHash = () => hashInputs(BUILD_INPUTS);

export const codegenStale = () => stampOf(generatedDir) !== codegenHash();
export const buildStale = () => stampOf(distDir) !== buildHash();

/** A dev tool's command, or a clear error when devDependencies are not installed (a pruned production install). */
function devTool(bin, what) {
  const file = path.join(root, 'node_modules/.bin', bin);
  if (!existsSync(file)) {
    throw new BuildError(`${what} is needed (its inputs changed or it never ran) but ${bin} is not installed: run npm ci (with devDependencies), then npm run build`);
  }
  return file;
}

function run(file, args, what) {
  const started = Date.now();
  // Prisma finds its tools on PATH, as under npm run.
  const env = { ...process.env, CHECKPOINT_DISABLE: '1', PATH: `${path.join(root, 'node_modules/.bin')}${path.delimiter}${process.env.PATH ?? ''}` };
  const result = spawnSync(file, args, { cwd: root, encoding: 'utf8', env });
  if (result.status !== 0) {
    throw new BuildError(`${what} failed (exit ${result.status ?? result.signal}): ${`${result.stderr}\n${result.stdout}`.trim().slice(-4000)}`);
  }
  return Date.now() - started;
}

/** prisma generate + graphql-codegen into src/generated/ (git-ignored). */
export function generate() {
  const hash = codegenHash();
  const prisma = devTool('prisma', 'code generation (prisma generate)');
  const codegen = devTool('graphql-codegen', 'code generation (graphql-codegen)');
  const ms = run(prisma, ['generate'], 'prisma generate') + run(codegen, ['--config', 'codegen.ts', '--silent'], 'graphql-codegen');
  mkdirSync(generatedDir, { recursive: true });
  writeFileSync(path.join(generatedDir, STAMP), hash + '\n');
  log.info({ ms, output: 'src/generated' }, 'build: code generated (Prisma client, GraphQL operation types)');
}

/**
 * Bundles src/main.ts and src/cli/run.ts into dist/ (or `outDir`, which must
 * be inside the project so that node_modules resolves) and copies the
 * run-time files beside them.
 */
export async function bundle(outDir = distDir) {
  const hash = buildHash();
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new BuildError('the build (dist/) is missing or stale but esbuild is not installed: run npm ci (with devDependencies), then npm run build');
  }
  const started = Date.now();
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    await esbuild.build({
      absWorkingDir: root,
      entryPoints: { main: 'src/main.ts', cli: 'src/cli/run.ts' },
      outdir: tmp,
      bundle: true,
      // Shared code in chunks beside the entries (src/paths.ts finds the copied files next to its own chunk).
      splitting: true,
      chunkNames: '[name]-[hash]',
      platform: 'node',
      format: 'esm',
      target: 'node20.10',
      // Every npm package stays an import resolved in node_modules (dependencies).
      packages: 'external',
      sourcemap: 'linked',
      define: { __CHATGRAPH_BUILD__: 'true' },
      legalComments: 'none',
      logLevel: 'silent',
    });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    const errors = (err.errors ?? []).map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`);
    throw new BuildError(`esbuild failed: ${errors.join('; ') || err.message}`);
  }
  for (const resource of RESOURCES) {
    const from = path.join(root, resource);
    if (existsSync(from)) cpSync(from, path.join(tmp, resource), { recursive: true });
  }
  writeFileSync(path.join(tmp, STAMP), hash + '\n');
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmp, outDir);
  log.info({ ms: Date.now() - started, output: path.relative(root, outDir) }, 'build: server and CLI bundled');
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** One build at a time in this directory (two `npm start` at once): the second waits, then finds it done. */
async function withLock(body) {
  const lock = path.join(root, '.build-lock');
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      // A lock older than two minutes was left by a build that died.
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue;
      }
      if (age > 120_000) rmSync(lock, { recursive: true, force: true });
      else sleep(200);
      if (waited === 1000) log.info({ lock }, 'build: waiting for another build in this directory');
    }
  }
  try {
    return await body();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Generates what is stale and bundles when stale (always with `bundleAlways`;
 * never with `codegenOnly`); returns what it did.
 */
export async function prepare({ bundleAlways = false, codegenOnly = false, logger } = {}) {
  if (logger) log = logger;
  if (codegenOnly) {
    if (!codegenStale()) return { generated: false, built: false };
    return withLock(async () => {
      const generated = codegenStale();
      if (generated) generate();
      return { generated, built: false };
    });
  }
  if (!bundleAlways && !codegenStale() && !buildStale()) return { generated: false, built: false };
  return withLock(async () => {
    const generated = codegenStale();
    if (generated) generate();
    const built = bundleAlways || generated || buildStale();
    if (built) await bundle();
    return { generated, built };
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const flags = process.argv.slice(2);
    const outdir = flags.indexOf('--outdir');
    if (outdir >= 0) await bundle(path.resolve(flags[outdir + 1] ?? 'dist'));
    else if (flags.includes('--generate')) await withLock(async () => generate());
    else await prepare({ bundleAlways: !flags.includes('--codegen'), codegenOnly: flags.includes('--codegen') });
  } catch (err) {
    if (err instanceof BuildError) log.error({ reason: err.message }, 'build failed');
    else log.error({ err }, 'build: unexpected failure');
    process.exitCode = 1;
  }
}
