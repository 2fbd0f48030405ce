// CPU per request of the peer workloads (bench/peer.ts) through two source
// trees' apps in ONE process, in-process (`app.fetch`, no sockets): A (e.g. a
// checkout of main) and B (this tree), alternating in small batches, so that
// a shared machine's load falls on both alike — on a busy machine the
// separate-process comparison (bench/cpu-ab.ts) moves by ±40 %, this by a few.
// The process's CPU (user + system, all threads: pg parsing included, the
// HTTP server not) per request; requests are sequential (one at a time).
//
//   npx tsx bench/cpu-ab-inprocess.ts --a /tmp/main-checkout [--b .] [--database-url URL]
//       [--batches 40] [--batch 10] [--only page1,contact]
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_URL, prepare, workloads } from './peer.ts';
import { ROOT, benchSecretsKey } from './read.ts';
import { intArg, parseArgs } from './support.ts';

const log = (s: string) => process.stdout.write(s + '\n');
const loadAverage = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Tree {
  fetch(path: string, init: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

async function openTree(dir: string, url: string): Promise<Tree> {
  const mod = (p: string) => import(pathToFileURL(path.join(dir, p)).href);
  const { loadConfig } = await mod('src/config.ts');
  const { createLogger } = await mod('src/log.ts');
  const { openDatabase } = await mod('src/db/database.ts');
  const { createServices } = await mod('src/services.ts');
  const { createApp } = await mod('src/http/app.ts');
  const config = loadConfig({
    ...process.env, NODE_ENV: 'production', DATABASE_URL: url, DATABASE_POOL_SIZE: '4', LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false',
    RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_IP_PER_MINUTE: '0', SECRETS_KEY: benchSecretsKey(),
  });
  const db = await openDatabase(config);
  const services = createServices(config, db, createLogger('warn'));
  const app = createApp(services);
  return {
    fetch: (p, init) => app.fetch(`http://localhost${p}`, init),
    close: async () => {
      await services.events?.close?.();
      await services.rateLimiter?.close?.();
      await db.close();
    },
  };
}

async function main(): Promise<void> {
  const USAGE = 'usage: npx tsx bench/cpu-ab-inprocess.ts --a DIR [--b DIR] [--database-url URL] [--batches N] [--batch N] [--only key,key]';
  const { values } = parseArgs(process.argv.slice(2), { values: ['a', 'b', 'database-url', 'batches', 'batch', 'only'] }, USAGE);
  if (!values.get('a')) throw new Error(USAGE);
  const dirs = { A: path.resolve(values.get('a')!), B: path.resolve(values.get('b') ?? ROOT) };
  const url = values.get('database-url') ?? process.env.BENCH_DATABASE_URL ?? DEFAULT_URL;
  const batches = intArg(values, 'batches', 40);
  const batch = intArg(values, 'batch', 10);
  const only = values.get('only')?.split(',');
  const setup = await prepare(url, 30_000, 30_000);
  const trees = { A: await openTree(dirs.A, url), B: await openTree(dirs.B, url) };
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${setup.apiKey}` };
  const send = async (who: 'A' | 'B', r: { path: string; body: string }) => {
    const res = await trees[who].fetch(r.path, { method: 'POST', headers, body: r.body });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${who} ${r.path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return text;
  };
  try {
    // Our deep cursor: the row `depth` deep (as bench/peer.ts).
    const c = Buffer.from(`Conversation:${setup.conversationId}`).toString('base64');
    const probe = JSON.parse(await send('A', { path: '/graphql', body: JSON.stringify({ query: `query Probe($c: ID!) { messagePage(where: { conversationId: $c }, page: ${setup.depth}, pageSize: 1) { nodes { id chatTime } } }`, variables: { c } }) }));
    const node = probe.data.messagePage.nodes[0] as { id: string; chatTime: string };
    const cursor = Buffer.from(`M:${Date.parse(node.chatTime)}:${Buffer.from(node.id, 'base64').toString('utf8').split(':')[1]}`).toString('base64url');
    const list = workloads(setup, { ours: cursor, postgraphile: '' }).filter((w) => !only || only.includes(w.key));
    log(`A = ${dirs.A}, B = ${dirs.B}; ${batches} alternating batches of ${batch} sequential requests per tree and workload; load average ${loadAverage()}`);
    log('\n| workload | A CPU ms/req | B CPU ms/req | B/A | answers |\n|---|---:|---:|---:|---|');
    for (const w of list) {
      const r = w.requests.ours;
      const [a, b] = [await send('A', r), await send('B', r)];
      for (let i = 0; i < 30; i++) await Promise.all([send('A', r), send('B', r)]); // warm-up (and compilation)
      const per: Record<'A' | 'B', number[]> = { A: [], B: [] };
      for (let i = 0; i < batches; i++) {
        for (const who of i % 2 ? (['B', 'A'] as const) : (['A', 'B'] as const)) {
          const u0 = process.cpuUsage();
          for (let j = 0; j < batch; j++) await send(who, r);
          const u = process.cpuUsage(u0);
          per[who].push((u.user + u.system) / 1000 / batch);
        }
      }
      const ma = median(per.A), mb = median(per.B);
      log(`| ${w.key} | ${ma.toFixed(3)} | ${mb.toFixed(3)} | **${(mb / ma).toFixed(2)}** | ${a === b ? 'same' : 'DIFFERENT'} |`);
    }
    log(`\nload average after: ${loadAverage()}`);
  } finally {
    await trees.A.close();
    await trees.B.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
