// Where our server's time goes on the read path: starts our server (same
// settings as bench/read.ts) under `node --cpu-prof`, loads it with wrk on one
// scenario (default: the largest conversation, page 1), stops it, and
// summarises the samples of the measured window from the .cpuprofile: self
// time by function, by package (native frames charged to their JS caller),
// and inclusive time by stage (Yoga/HTTP, parse, validate, execution,
// serialisation, pg driver, our resolvers…). No source file is changed.
//
//   npx tsx bench/profile-read.ts [--database-url URL] [--scenario 0..3] [--duration 10] [--connections 32]
//   npx tsx bench/profile-read.ts --summarise FILE.cpuprofile     # only the summary of an existing profile
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_URL, ROOT, prepare, runWrk, startOurs, wrkScript, cpuSeconds } from './read.ts';
import { intArg, parseArgs } from './support.ts';
import { isEntryModule } from '../src/paths.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const log = (s: string) => process.stdout.write(s + '\n');

/** The package (or our source folder) a frame belongs to; '' for native/builtin frames without a script. */
function ownerOf(f: CallFrame): string {
  const name = f.functionName;
  if (!f.url) {
    if (name === '(garbage collector)') return 'GC';
    if (name === '(idle)') return 'idle';
    if (name === '(program)') return '(program: V8/native, no JS frame)';
    if (name === '(root)') return '(root)';
    return '';
  }
  const url = f.url.replace(/^file:\/\//, '');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) {
    const m = /^node:(?:internal\/)?([^/]+)/.exec(url);
    const mod = m ? m[1]! : url;
    if (/^(http|_http|net|stream|streams|webstreams|tls|dns|url)/.test(mod)) return 'node core: http/net/streams';
    if (/^(modules|vm|fs|process|util|timers|async_hooks|events|buffer|errors|perf_hooks)/.test(mod)) return `node core: ${mod}`;
    return `node core: ${mod}`;
  }
  const src = /\/src\/([^/]+)\//.exec(url);
  if (src && url.startsWith(ROOT)) return `ours: src/${src[1]}`;
  if (url.startsWith(ROOT)) return `ours: ${path.relative(ROOT, url)}`;
  return url;
}

function where(f: CallFrame): string {
  if (!f.url) return '(native)';
  const url = f.url.replace(/^file:\/\//, '');
  const nm = /node_modules\/(.*)$/.exec(url);
  const p = nm ? nm[1]! : url.startsWith(ROOT) ? path.relative(ROOT, url) : url;
  return `${p}:${f.lineNumber + 1}`;
}

/** Stages: a sample counts for a stage when any frame on its stack matches (so stages overlap). */
const STAGES: [string, (f: CallFrame, owner: string) => boolean][] = [
  ['HTTP server + Yoga/whatwg-node request handling (incl. all below)', (_f, o) => o === 'graphql-yoga' || o.startsWith('@whatwg-node/')],
  ['envelop plugins (incl. parse/validate/execute they wrap)', (_f, o) => o.startsWith('@envelop/')],
  ['parse (graphql/language)', (f) => /node_modules\/graphql\/language\//.test(f.url)],
  ['validate (graphql/validation)', (f) => /node_modules\/graphql\/validation\//.test(f.url)],
  ['graphql-js execute / values / coercion', (f) => /node_modules\/graphql\/(execution|utilities)\//.test(f.url)],
  ['execution: JIT-compiled query (@envelop/graphql-jit, graphql-jit; incl. resolvers it calls synchronously)', (_f, o) => o === 'graphql-jit' || o === '@envelop/graphql-jit'],
  ['Pothos wrappers (plugins around resolvers)', (_f, o) => o.startsWith('@pothos/')],
  ['our code (src/)', (_f, o) => o.startsWith('ours: src/')],
  ['  src/graphql (resolvers)', (_f, o) => o === 'ours: src/graphql'],
  ['  src/read (SQL building, pages, loaders)', (_f, o) => o === 'ours: src/read'],
  ['  src/http + src/auth (context, auth gate)', (_f, o) => o === 'ours: src/http' || o === 'ours: src/auth'],
  ['dataloader', (_f, o) => o === 'dataloader'],
  ['pg driver (pg, pg-pool, pg-protocol, pg-types)', (_f, o) => /^(pg|pg-pool|pg-protocol|pg-types|postgres-.*|pg-connection-string)$/.test(o)],
  ['serialisation: Yoga result stringify (incl. JSON.stringify)', (f) => f.functionName === 'jsonStringifyResultWithoutInternals' || (!f.url && f.functionName === 'stringify')],
  ['pg row parsing (pg result.parseRow + pg-types + postgres-date)', (f, o) => f.functionName === 'parseRow' || o === 'pg-types' || o === 'postgres-date' || o === 'postgres-array'],
  ['JSON.parse (native)', (f) => !f.url && f.functionName === 'parse'],
  ['API key check (sha256 per request)', (f) => f.functionName === 'authenticate' || f.functionName === 'hashApiKey'],
  ['GC', (_f, o) => o === 'GC'],
];

export function summarise(profile: CpuProfile, window?: { fromUs: number; toUs: number }, top = 30): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Sample timestamps (µs, same clock as profile.startTime).
  let t = profile.startTime;
  const picked: number[] = [];
  const weights: number[] = [];
  let windowUsed = false;
  const inWindow = window && window.fromUs < profile.endTime && window.toUs > profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!;
    const next = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1]! : 0;
    if (inWindow && (t < window.fromUs || t > window.toUs)) continue;
    picked.push(profile.samples[i]!);
    weights.push(Math.max(0, next)); // a sample stands for the time until the next one
  }
  windowUsed = !!inWindow;
  const totalUs = weights.reduce((a, b) => a + b, 0);
  const self = new Map<number, number>();
  const ownerSelf = new Map<string, number>();
  const stage = new Map<string, number>();
  let busyUs = 0;
  for (let i = 0; i < picked.length; i++) {
    const id = picked[i]!;
    const w = weights[i]!;
    self.set(id, (self.get(id) ?? 0) + w);
    const node = byId.get(id)!;
    // Owner of the self time: native frames are charged to the nearest JS caller.
    let owner = ownerOf(node.callFrame);
    if (owner === '') {
      let p = parent.get(id);
      while (p !== undefined && owner === '') {
        owner = ownerOf(byId.get(p)!.callFrame);
        p = parent.get(p);
      }
      owner = `${owner || '?'} (native callee)`;
    }
    ownerSelf.set(owner, (ownerSelf.get(owner) ?? 0) + w);
    if (owner !== 'idle') busyUs += w;
    const hit = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const f = byId.get(n)!.callFrame;
      const o = ownerOf(f);
      for (const [name, test] of STAGES) if (!hit.has(name) && test(f, o)) hit.add(name);
    }
    for (const name of hit) stage.set(name, (stage.get(name) ?? 0) + w);
  }
  const pct = (us: number) => `${((100 * us) / Math.max(busyUs, 1)).toFixed(1)} %`;
  const ms = (us: number) => `${(us / 1000).toFixed(0)} ms`;
  const lines: string[] = [];
  lines.push(
    `samples: ${picked.length} over ${(totalUs / 1e6).toFixed(1)} s (${windowUsed ? 'the load window only' : 'whole profile'}); busy (not idle) ${ms(busyUs)}; percentages are of busy time`,
  );
  lines.push('', '### Self time by package (native frames charged to their JS caller)', '', '| package | self | % busy |', '|---|---:|---:|');
  for (const [o, us] of [...ownerSelf].sort((a, b) => b[1] - a[1]).filter(([o]) => o !== 'idle').slice(0, 25)) lines.push(`| ${o} | ${ms(us)} | ${pct(us)} |`);
  lines.push('', '### Inclusive time by stage (a sample counts for every stage on its stack)', '', '| stage | inclusive | % busy |', '|---|---:|---:|');
  for (const [name] of STAGES) lines.push(`| ${name} | ${ms(stage.get(name) ?? 0)} | ${pct(stage.get(name) ?? 0)} |`);
  // Self time by function (merge nodes with the same frame).
  const byFrame = new Map<string, { f: CallFrame; us: number; caller: string }>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') continue;
    const key = `${f.functionName}|${f.url}|${f.lineNumber}|${f.columnNumber}`;
    const e = byFrame.get(key) ?? { f, us: 0, caller: '' };
    e.us += us;
    if (!f.url && !e.caller) {
      const p = parent.get(id);
      if (p !== undefined) {
        const pf = byId.get(p)!.callFrame;
        e.caller = `${pf.functionName || '(anonymous)'} ${where(pf)}`;
      }
    }
    byFrame.set(key, e);
  }
  lines.push('', `### Top ${top} functions by self time`, '', '| function | where | self | % busy |', '|---|---|---:|---:|');
  for (const e of [...byFrame.values()].sort((a, b) => b.us - a.us).slice(0, top)) {
    const w = e.f.url ? where(e.f) : `(native)${e.caller ? ` ← ${e.caller}` : ''}`;
    lines.push(`| ${e.f.functionName || '(anonymous)'} | ${w.replace(/\|/g, '\\|')} | ${ms(e.us)} | ${pct(e.us)} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const USAGE = 'usage: npx tsx bench/profile-read.ts [--database-url URL] [--scenario 0..3] [--duration S] [--connections N] [--pool N] [--out FILE.md] | --summarise FILE.cpuprofile';
  const { values } = parseArgs(process.argv.slice(2), { values: ['database-url', 'scenario', 'duration', 'connections', 'pool', 'summarise', 'out', 'messages'] }, USAGE);
  const file = values.get('summarise');
  if (file) {
    log(summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile));
    return;
  }
  const url = values.get('database-url') ?? process.env.BENCH_DATABASE_URL ?? DEFAULT_URL;
  const pool = intArg(values, 'pool', 10);
  const connections = intArg(values, 'connections', 32);
  const duration = intArg(values, 'duration', 10);
  const which = intArg(values, 'scenario', 0, 0);
  const setup = await prepare({ url, messages: intArg(values, 'messages', 1_000_000), seed: 42, depth: 100_000 });
  const scenario = setup.scenarios[which];
  if (!scenario) throw new Error(`--scenario must be 0..${setup.scenarios.length - 1}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chatgraph-read-prof-'));
  const server = await startOurs(setup, pool, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const script = wrkScript(scenario.body, setup.apiKey);
  log(`profiling our server (pid ${server.child.pid}) on "${scenario.name}": 3 s warm-up, then ${duration} s with ${connections} connections`);
  await runWrk({ port: server.port, script, connections, threads: 2, seconds: 3 });
  const cpu0 = cpuSeconds(server.child.pid!);
  // V8's profile clock and process.hrtime are both CLOCK_MONOTONIC on Linux: the window selects the loaded samples.
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const r = await runWrk({ port: server.port, script, connections, threads: 2, seconds: duration });
  const toUs = Number(process.hrtime.bigint() / 1000n);
  const cpu = cpuSeconds(server.child.pid!) - cpu0;
  await server.stop();
  const prof = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!prof) throw new Error(`no .cpuprofile written in ${dir}`);
  const profile = JSON.parse(readFileSync(path.join(dir, prof), 'utf8')) as CpuProfile;
  const head =
    `## Profile of our server: ${scenario.name} (${connections} connections, ${duration} s)\n\n` +
    `under the profiler: ${r.rps.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms; ` +
    `server process CPU ${(cpu * 1000 / r.requests).toFixed(2)} ms per request (all threads); profile ${path.join(dir, prof)}\n`;
  const text = `${head}\n${summarise(profile, { fromUs, toUs })}\n`;
  log(text);
  const out = values.get('out') ?? path.join(ROOT, 'bench/results/profile-read.md');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, text);
  log(`wrote ${path.relative(process.cwd(), out)}`);
}

if (isEntryModule(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
