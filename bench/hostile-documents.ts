// Memory under hostile GraphQL documents (issue "GraphQL exactly as the spec
// says"): the server's RSS before, right after 10 000 distinct hostile
// documents, and after a minute of ordinary traffic, beside the same server
// answering 10 000 ordinary requests. Hostile = large and distinct, of the
// kinds that cost memory or CPU: 24 KB of repeated fields (refused by the
// fields limit, but parsed and cached), many distinct fragments, deep
// nesting, parse errors with big strings, and valid operations with unique
// aliases (each parsed, validated and cached).
//
//   npx tsx bench/hostile-documents.ts [--database-url postgresql://postgres@127.0.0.1:55432/bench_hostile] [--documents 10000]
//
// The server runs as its own process (NODE_ENV=production, PostgreSQL); its RSS
// is read from /proc. A fresh database is created and migrated.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { createApiKey } from '../src/auth/api-keys.ts';
import { openDatabase } from '../src/db/database.ts';
import { startServerProcess } from '../test/support/process.ts';
import { freshDatabase, intArg, parseArgs } from './support.ts';

const log = (s: string) => process.stdout.write(s + '\n');

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

function hostile(i: number): string {
  switch (i % 5) {
    case 0:
      return `{ a${i}: viewer { tenantId } ${'viewer { tenantId } '.repeat(1200)}}`;
    case 1:
      return `{ ${Array.from({ length: 40 }, (_, k) => `...F${k}`).join(' ')} } ${Array.from({ length: 40 }, (_, k) => `fragment F${k} on Query { v${i}: viewer { tenantId tenantName scopes } }`).join(' ')}`;
    case 2:
      return `{ ${'viewer { '.repeat(40)}x${i} ${'} '.repeat(40)}}`;
    case 3:
      return `{ viewer(arg: "${'x'.repeat(20_000)}${i}") { tenantId } `; // unterminated: a parse error
    default:
      return `{ ${Array.from({ length: 25 }, (_, k) => `a${k}_${i}: viewer { tenantId tenantName }`).join(' ')} }`;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs(process.argv.slice(2), { values: ['database-url', 'documents'] }, 'usage: npx tsx bench/hostile-documents.ts [--database-url URL] [--documents N]');
  const url = values.get('database-url') ?? 'postgresql://postgres@127.0.0.1:55432/bench_hostile';
  const documents = intArg(values, 'documents', 10_000);
  await freshDatabase(url);
  const db = await openDatabase({ databaseUrl: url, databasePoolSize: 2, migrateOnStart: true, dataDir: '/tmp' });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`INSERT INTO "Tenant" (id, name) VALUES (1, 'Hostile bench') ON CONFLICT DO NOTHING`);
  await client.end();
  const key = (await createApiKey(db.prisma, 1n, 'hostile bench', ['READ'])).key;
  await db.close();

  const server = await startServerProcess({
    NODE_ENV: 'production',
    DATABASE_URL: url,
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_MINUTE: '0',
    RATE_LIMIT_IP_PER_MINUTE: '0',
    SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
  });
  const pid = server.child.pid!;
  const base = `http://127.0.0.1:${server.port}/graphql`;
  const send = async (query: string) => {
    const res = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query }) });
    await res.arrayBuffer();
    return res.status;
  };
  const ordinary = (i: number) => send(`{ viewer { tenantId } conversations(first: ${1 + (i % 20)}) { edges { node { id } } } }`);
  const burst = async (n: number, make: (i: number) => Promise<number>) => {
    const started = performance.now();
    for (let i = 0; i < n; i += 8) await Promise.all(Array.from({ length: Math.min(8, n - i) }, (_, k) => make(i + k)));
    return (performance.now() - started) / 1000;
  };
  try {
    await burst(2000, ordinary);
    const before = rssMiB(pid);
    log(`RSS after 2 000 ordinary requests (warm): ${before.toFixed(0)} MiB`);
    const statuses = new Map<number, number>();
    const took = await burst(documents, async (i) => {
      const status = await send(hostile(i));
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      return status;
    });
    const peak = rssMiB(pid);
    log(`RSS right after ${documents} distinct hostile documents (${took.toFixed(1)} s; answers ${JSON.stringify(Object.fromEntries(statuses))}): ${peak.toFixed(0)} MiB`);
    let after = peak;
    for (let round = 0; round < 6; round++) {
      await burst(2000, ordinary);
      await new Promise((r) => setTimeout(r, 5000));
      after = rssMiB(pid);
    }
    log(`RSS after 12 000 more ordinary requests and 30 s: ${after.toFixed(0)} MiB (${(after - before).toFixed(0)} MiB above before; target ≤ 50)`);
    log(`target met: ${after - before <= 50 ? 'yes' : 'NO'}`);
  } finally {
    await server.stop();
  }
}

await main();
