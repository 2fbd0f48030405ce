// GraphiQL works with the network cut, and GET / links every surface:
// - headless Chromium resolves no host but loopback (every other name fails,
//   and a dead proxy catches what would bypass resolution), loads GraphiQL
//   from a development server, runs the example conversations query with the
//   prefilled demo key and sees the result (screenshot:
//   test-results/graphiql-offline.png); no request left loopback;
// - the landing page's links (GraphiQL, dashboard, OpenAPI, metrics, health
//   checks, the README's sections) each answer, and each README anchor exists.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { demoCredentialsFrom, startServerProcess, type ServerProcess } from '../support/process.ts';
import { testTarget } from '../support/database.ts';
import { msgSyncBody, msgSyncItem, postWebhook } from '../support/live.ts';

const root = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** The network cut: no name resolves but loopback's, and anything else would go to a proxy that is not there. */
const OFFLINE_ARGS = [
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
  '--proxy-server=http://127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>;127.0.0.1;localhost',
];
const skip = testTarget === 'postgres' ? 'the pages do not depend on the database engine: checked in the embedded run' : false;
const noBrowser = skip || (!existsSync(CHROMIUM) ? `needs Chromium at ${CHROMIUM} (Debian/Ubuntu: apt-get install chromium; or set CHROMIUM_PATH)` : false);

let dataDir: string;
let server: ServerProcess;
let base: string;
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'chatgraph-graphiql-'));
  if (process.env.TEST_PGLITE_TEMPLATE) cpSync(process.env.TEST_PGLITE_TEMPLATE, path.join(dataDir, 'pglite'), { recursive: true });
  server = await startServerProcess({ NODE_ENV: 'development', DEMO_BOOTSTRAP: 'true', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
  base = `http://127.0.0.1:${server.port}`;
});

after(async () => {
  await browser?.close();
  if (skip) return;
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const isLoopback = (url: string) => {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
};

test('GraphiQL loads and runs a query with the network cut: every file from this origin', { skip: noBrowser }, async () => {
  const demo = demoCredentialsFrom(server.output());
  const stored = await postWebhook(base, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(demo, [msgSyncItem('offline-1', 2, { friend: '918440000777', content: 'Is the shop open on Sunday?' })]));
  assert.equal(stored.status, 200, stored.text);

  // The page names no other host.
  const html = await (await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } })).text();
  assert.deepEqual([...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => !u!.startsWith('/')), [], 'only this origin\'s paths');

  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...OFFLINE_ARGS] });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    // The cut works: another host does not answer.
    const probe = await context.newPage();
    await assert.rejects(probe.goto('https://unpkg.com/', { timeout: 10_000 }), /ERR_NAME_NOT_RESOLVED|ERR_PROXY_CONNECTION_FAILED|ERR_/);
    await probe.close();

    const page = await context.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    context.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
    await page.goto(`${base}/graphql`);
    await page.waitForSelector('.graphiql-container', { timeout: 60_000 });
    // The first tab is the conversation list (no variables needed), with the demo key in its headers.
    const tabs = page.locator('.graphiql-tab');
    assert.ok((await tabs.count()) >= 4, 'one tab per example operation');
    await page.locator('.graphiql-execute-button').first().click();
    await page.waitForFunction(() => /918440000777/.test(document.querySelector('.graphiql-response')?.textContent ?? ''), null, { timeout: 30_000 });
    const response = (await page.locator('.graphiql-response').textContent())!.replace(/\s+/g, '');
    assert.match(response, /"friendWhatsId":"918440000777@c\.us"/);
    assert.doesNotMatch(response, /"errors"/);
    mkdirSync(path.join(root, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(root, 'test-results/graphiql-offline.png') });

    assert.ok(requests.some((u) => u.endsWith('/graphiql/graphiql.js')), 'GraphiQL\'s code came from this server');
    assert.deepEqual(requests.filter((u) => !isLoopback(u)), [], 'no request left loopback');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('GET / links GraphiQL, the dashboard, OpenAPI, metrics, the health checks and the README\'s sections; each answers', { skip }, async () => {
  const res = await fetch(`${base}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /text\/html/);
  const links = [...(await res.text()).matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
  for (const surface of ['/graphql', '/dashboard', '/openapi.json', '/metrics', '/healthz', '/readyz', '/docs', '/docs#graphql-api', '/docs#live-events-subscriptions', '/docs#webhooks-the-crm-pushes-to-us', '/docs#legacy-endpoints-msgpage-retrievepastrecords-openapi']) {
    assert.ok(links.includes(surface), `/ links ${surface}`);
  }
  const docs = await (await fetch(`${base}/docs`)).text();
  for (const link of links) {
    const answer = await fetch(new URL(link, base), { headers: { accept: link === '/graphql' ? 'text/html' : '*/*' } });
    assert.ok(answer.status < 400, `${link} answers ${answer.status}`);
    await answer.arrayBuffer();
    const anchor = link.split('#')[1];
    if (anchor) assert.ok(docs.includes(`id="${anchor}"`), `/docs has the section #${anchor}`);
  }
});
