// The build as `npm start` runs it: `scripts/build.js` bundles the server and
// the CLI; the bundle starts under plain node (no tsx), finds the files it
// reads at run time beside it (migrations, dashboard, GraphiQL's tabs, the
// README), serves, and writes only JSON lines; the CLI answers --help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testTarget } from '../support/database.ts';
import { demoCredentialsFrom } from '../support/process.ts';

const root = path.resolve(import.meta.dirname, '../..');

test('the built server starts with node alone, serves every surface, logs JSON; the built CLI answers --help', { skip: testTarget === 'postgres' ? 'checked in the embedded run' : false }, async () => {
  const out = path.join(root, 'test-results', `build-${process.pid}`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chatgraph-build-'));
  try {
    const built = spawnSync(process.execPath, ['scripts/build.js', '--outdir', out], { cwd: root, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stdout + built.stderr);
    for (const file of ['main.js', 'cli.js', 'prisma/schema.prisma', 'src/dashboard/index.html', 'schema/operations', 'README.md']) {
      assert.ok(existsSync(path.join(out, file)), `${file} is in the build`);
    }
    assert.ok(spawnSync('ls', [path.join(out, 'prisma/migrations')], { encoding: 'utf8' }).stdout.includes('_init'), 'the migrations are in the build');

    const help = spawnSync(process.execPath, [path.join(out, 'cli.js'), '--help'], { cwd: root, encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^usage: chatgraph <command> \[options\]/);

    if (process.env.TEST_PGLITE_TEMPLATE) cpSync(process.env.TEST_PGLITE_TEMPLATE, path.join(dataDir, 'pglite'), { recursive: true });
    // Plain node, from another directory: nothing depends on the working directory or on tsx.
    const server = spawn(process.execPath, [path.join(out, 'main.js')], {
      cwd: os.tmpdir(),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'development', DEMO_BOOTSTRAP: 'true', DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout.on('data', (c: Buffer) => (output += c.toString()));
    server.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the built server did not listen in 90 s:\n${output}`)), 90_000);
        const poll = setInterval(() => {
          const match = output.match(/"port":(\d+),"graphql"/);
          if (match) {
            clearTimeout(timer);
            clearInterval(poll);
            resolve(Number(match[1]));
          } else if (server.exitCode !== null) {
            clearTimeout(timer);
            clearInterval(poll);
            reject(new Error(`the built server exited ${server.exitCode}:\n${output}`));
          }
        }, 100);
      });
      const base = `http://127.0.0.1:${port}`;
      assert.deepEqual(await (await fetch(`${base}/readyz`)).json(), { status: 'ready', database: 'embedded' });
      for (const [route, accept] of [['/', '*/*'], ['/graphql', 'text/html'], ['/dashboard', '*/*'], ['/docs', '*/*'], ['/openapi.json', '*/*'], ['/graphiql/start.js', '*/*']] as const) {
        const res = await fetch(`${base}${route}`, { headers: { accept } });
        assert.equal(res.status, 200, route);
        await res.arrayBuffer();
      }
      const page = await (await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } })).text();
      assert.match(page, /ExampleConversations/, 'GraphiQL\'s tabs, read from the build\'s schema/operations');
      const { readKey } = demoCredentialsFrom(output);
      const viewer = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${readKey}` },
        body: JSON.stringify({ query: '{ viewer { tenantId scopes } }' }),
      });
      assert.deepEqual(await viewer.json(), { data: { viewer: { tenantId: '82', scopes: ['READ'] } } });
    } finally {
      server.kill('SIGTERM');
      assert.equal(await exited, 0, output);
    }
    const notJson = output.split('\n').filter((line) => line.trim() && !line.startsWith('{'));
    assert.deepEqual(notJson, [], 'only JSON log lines');
  } finally {
    rmSync(out, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
});
