// `npm test`: every test file under test/, on the embedded database; then,
// when TEST_DATABASE_URL names a PostgreSQL server, the integration files
// again against it (and the Redis suites when TEST_REDIS_URL is set).
// Databases are prepared once here (migrated templates) so each test file
// starts from a copy instead of migrating its own.
//   tsx scripts/test.ts [unit|integration] [filter]   (filter: substrings of the
//   file path, alternatives separated by |, e.g. "webhooks|legacy")
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { applyMigrations } from '../src/db/migrations.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [only, filter] = process.argv.slice(2);
const filters = filter ? filter.split('|').filter(Boolean) : [];
const resultsDir = path.join(root, 'test-results');
mkdirSync(resultsDir, { recursive: true });

function listTests(dir: string): string[] {
  const abs = path.join(root, 'test', dir);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.test.ts') && (filters.length === 0 || filters.some((f) => p.includes(f)))) out.push(path.relative(root, p));
    }
  };
  walk(abs);
  return out;
}

async function preparePgliteTemplate(): Promise<string> {
  // One template per run: concurrent runs must not share (or delete) it.
  const dir = path.join(resultsDir, `pglite-template-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const embedded = await startEmbeddedPostgres(dir, 4);
  try {
    await applyMigrations(embedded.url);
  } finally {
    await embedded.stop();
  }
  return dir;
}

async function preparePostgresTemplate(url: string): Promise<string> {
  const name = `chatgraph_test_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  await applyMigrations(target.toString());
  return name;
}

async function dropDatabase(url: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

interface Totals { pass: number; fail: number; skip: number }

function runNodeTest(label: string, files: string[], env: Record<string, string>): Totals {
  const tap = path.join(resultsDir, `${label}.tap`);
  console.log(`\n=== ${label}: ${files.length} file(s) ===`);
  const result = spawnSync(
    process.execPath,
    [
      '--import', 'tsx', '--test', '--test-timeout=300000',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } },
  );
  const text = readFileSync(tap, 'utf8');
  const count = (key: string) => Number(text.match(new RegExp(`^# ${key} (\\d+)$`, 'm'))?.[1] ?? 0);
  const totals = { pass: count('pass'), fail: count('fail') + count('cancelled'), skip: count('skipped') + count('todo') };
  if (result.status !== 0 && totals.fail === 0) totals.fail = 1;
  return totals;
}

async function main(): Promise<number> {
  // Which Node ran the tests (package.json's engines says which are tested).
  console.log(`node ${process.version} (${process.platform}-${process.arch})`);
  const unit = only === 'integration' ? [] : listTests('unit');
  const integration = only === 'unit' ? [] : listTests('integration');
  const runs: Totals[] = [];
  const env: Record<string, string> = { NODE_ENV: 'test', TEST_TARGET: 'pglite' };
  if (integration.length) env.TEST_PGLITE_TEMPLATE = await preparePgliteTemplate();
  if (unit.length || integration.length) runs.push(runNodeTest('embedded', [...unit, ...integration], env));

  const pgUrl = process.env.TEST_DATABASE_URL;
  if (integration.length && pgUrl) {
    const template = await preparePostgresTemplate(pgUrl);
    runs.push(runNodeTest('postgres', integration, { ...env, TEST_TARGET: 'postgres', TEST_PG_TEMPLATE_DB: template }));
  } else if (integration.length) {
    console.log('\n(TEST_DATABASE_URL not set: the PostgreSQL run is skipped)');
  }

  if (pgUrl && integration.length) await dropDatabase(pgUrl, `chatgraph_test_template_${process.pid}`);
  const total = runs.reduce((a, b) => ({ pass: a.pass + b.pass, fail: a.fail + b.fail, skip: a.skip + b.skip }), { pass: 0, fail: 0, skip: 0 });
  console.log(`\n${total.pass} passed, ${total.fail} failed, ${total.skip} skipped`);
  return total.fail === 0 && total.pass > 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (err) => { console.error(err); process.exit(1); });
