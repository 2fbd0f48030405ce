// Our server's CPU per request on the peer benchmark's workloads (bench/peer.ts),
// two source trees side by side: A (e.g. a checkout of main) and B (this
// tree), each a production server of its own, measured in interleaved rounds
// (the order alternating) so that a shared machine's load falls on both alike.
// Checks first that both give the same answer to every workload.
//
//   npx tsx bench/cpu-ab.ts --a /tmp/main-checkout [--b .] [--database-url URL] [--rounds 3]
//       [--duration 3] [--connections 8] [--only page1,conversations] [--cpu 1] [--profile-b DIR]
//
// A checkout of another commit: `git archive <commit> | tar -x -C DIR`, then
// link node_modules into it and run `npm run -s generate` there (or copy src/generated).
// --profile-b DIR runs B under `node --cpu-prof` (summary: bench/profile-read.ts --summarise DIR/*.cpuprofile).
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_URL, prepare, send, workloads } from './peer.ts';
import { ROOT, cpuSeconds, runWrk, startServer, wrkScript, type Server } from './read.ts';
import { intArg, parseArgs } from './support.ts';

const log = (s: string) => process.stdout.write(s + '\n');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const loadAverage = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const USAGE = 'usage: npx tsx bench/cpu-ab.ts --a DIR [--b DIR] [--database-url URL] [--rounds N] [--duration S] [--connections N] [--only key,key] [--cpu CPUS] [--profile-b DIR]';
  const { values } = parseArgs(process.argv.slice(2), { values: ['a', 'b', 'database-url', 'rounds', 'duration', 'connections', 'only', 'cpu', 'profile-b'] }, USAGE);
  if (!values.get('a')) throw new Error(USAGE);
  const dirs = { A: path.resolve(values.get('a')!), B: path.resolve(values.get('b') ?? ROOT) };
  const url = values.get('database-url') ?? process.env.BENCH_DATABASE_URL ?? DEFAULT_URL;
  const rounds = intArg(values, 'rounds', 3);
  const duration = intArg(values, 'duration', 3);
  const connections = intArg(values, 'connections', 8);
  const cpu = values.get('cpu');
  const only = values.get('only')?.split(',');

  const setup = await prepare(url, 30_000, 30_000);
  const env = {
    NODE_ENV: 'production', DATABASE_URL: url, DATABASE_POOL_SIZE: '10', LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false',
    RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_IP_PER_MINUTE: '0',
  };
  const servers: Record<'A' | 'B', Server> = {
    A: await startServer('A', ['src/main.ts'], env, cpu, dirs.A),
    B: await startServer('B', [...(values.get('profile-b') ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values.get('profile-b')!)}`] : []), 'src/main.ts'], env, cpu, dirs.B),
  };
  try {
    // Our deep cursor: the row `depth` deep, by the legacy-style page probe (as bench/peer.ts).
    const c = Buffer.from(`Conversation:${setup.conversationId}`).toString('base64');
    const probe = { path: '/graphql', body: JSON.stringify({ query: `query Probe($c: ID!) { messagePage(where: { conversationId: $c }, page: ${setup.depth}, pageSize: 1) { nodes { id chatTime } } }`, variables: { c } }) };
    const node = ((await send(servers.A.port, probe, setup.apiKey)) as { data: { messagePage: { nodes: { id: string; chatTime: string }[] } } }).data.messagePage.nodes[0]!;
    const rowId = Buffer.from(node.id, 'base64').toString('utf8').split(':')[1]!;
    const cursor = Buffer.from(`M:${Date.parse(node.chatTime)}:${rowId}`).toString('base64url');
    const list = workloads(setup, { ours: cursor, postgraphile: '' }).filter((w) => !only || only.includes(w.key));

    for (const w of list) {
      const [a, b] = await Promise.all([send(servers.A.port, w.requests.ours, setup.apiKey), send(servers.B.port, w.requests.ours, setup.apiKey)]);
      const same = JSON.stringify(a) === JSON.stringify(b);
      log(`check ${w.key}: ${same ? 'same answer from A and B' : `DIFFERENT ANSWERS\n  A ${JSON.stringify(a).slice(0, 600)}\n  B ${JSON.stringify(b).slice(0, 600)}`}`);
    }
    log(`A = ${dirs.A}, B = ${dirs.B}; ${rounds} rounds × ${duration} s at ${connections} connections; load average ${loadAverage()}`);
    const cpuMs: Record<string, Record<'A' | 'B', number[]>> = {};
    const rps: Record<string, Record<'A' | 'B', number[]>> = {};
    for (let round = 0; round < rounds; round++) {
      for (const w of list) {
        const script = wrkScript(w.requests.ours.body, setup.apiKey);
        const order = (['A', 'B'] as const).slice();
        if (round % 2) order.reverse();
        for (const who of order) {
          const s = servers[who];
          await runWrk({ port: s.port, script, path: w.requests.ours.path, connections, threads: 1, seconds: 1 }); // warm-up
          const cpu0 = cpuSeconds(s.child.pid!);
          const r = await runWrk({ port: s.port, script, path: w.requests.ours.path, connections, threads: 1, seconds: duration });
          const used = cpuSeconds(s.child.pid!) - cpu0;
          ((cpuMs[w.key] ??= { A: [], B: [] })[who]).push((used * 1000) / r.requests);
          ((rps[w.key] ??= { A: [], B: [] })[who]).push(r.rps);
        }
      }
      log(`round ${round + 1}/${rounds} done (load average ${loadAverage()})`);
    }
    log('\n| workload | A CPU ms/req | B CPU ms/req | B/A CPU | A req/s | B req/s |\n|---|---:|---:|---:|---:|---:|');
    for (const w of list) {
      const a = median(cpuMs[w.key]!.A), b = median(cpuMs[w.key]!.B);
      log(`| ${w.key} | ${a.toFixed(2)} | ${b.toFixed(2)} | **${(b / a).toFixed(2)}** | ${median(rps[w.key]!.A).toFixed(0)} | ${median(rps[w.key]!.B).toFixed(0)} |`);
    }
    log(`load average after: ${loadAverage()}`);
  } finally {
    await Promise.all([servers.A.stop(), servers.B.stop()]);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
