// The live dashboard (/dashboard) and GraphiQL's example tabs, against a real
// server process in development mode (the demo tenant bootstrapped by it):
// - the dashboard's files: a fixed list, right types and cache headers, no key;
// - in headless Chromium: the page goes live over graphql-ws, and shows the
//   messages and status ticks that webhooks posted over HTTP make, with their
//   counts (screenshot: test-results/dashboard.png); a bad key says 4403;
// - GraphiQL opens with every schema/operations/example-*.graphql as a tab and
//   the demo read key in its headers, still after a restart (the key is kept
//   sealed in DATA_DIR, development only).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TenantCredentials } from '../../src/auth/tenants.ts';
import { DEMO_KEY_FILE, loadDemoReadKey, saveDemoReadKey } from '../../src/http/demo-key.ts';
import { createLogger } from '../../src/log.ts';
import { demoCredentialsFrom, startServerProcess, type ServerProcess } from '../support/process.ts';
import { createPostgresTestDatabase, testTarget } from '../support/database.ts';
import { startTestApp } from '../support/app.ts';
import { msgSyncBody, msgSyncItem, postWebhook, statusSyncBody } from '../support/live.ts';

const root = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const noBrowser = !existsSync(CHROMIUM)
  ? `needs Chromium at ${CHROMIUM} (Debian/Ubuntu: apt-get install chromium; or set CHROMIUM_PATH)`
  : testTarget === 'postgres'
    ? 'the page does not depend on the database engine: checked in the embedded run'
    : false;

// ---- A development server on a fresh database, as `npm start` runs it ----

interface DevServer {
  server: ServerProcess;
  base: string;
}

let dataDir: string;
let databaseUrl: string | null = null;
let dropDatabase: (() => Promise<void>) | null = null;
let tenant: TenantCredentials;
let dev: DevServer;

async function freshDatabase(): Promise<void> {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'chatgraph-dashboard-'));
  if (testTarget === 'postgres') {
    const created = await createPostgresTestDatabase('cg_dash');
    databaseUrl = created.url;
    dropDatabase = created.drop;
  } else if (process.env.TEST_PGLITE_TEMPLATE) {
    // A migrated copy: start-up then has nothing to migrate.
    cpSync(process.env.TEST_PGLITE_TEMPLATE, path.join(dataDir, 'pglite'), { recursive: true });
  }
}

/** The first start picks a free port; a restart takes the same one (an open page reconnects to the same address). */
let port = 0;

async function startDev(): Promise<DevServer> {
  const server = await startServerProcess({
    NODE_ENV: 'development',
    DEMO_BOOTSTRAP: 'true',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    PORT: String(port),
    // HOST unset, as `npm start` runs: with the demo key served, it listens on 127.0.0.1 only.
    HOST: '',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  port = server.port;
  return { server, base: `http://127.0.0.1:${server.port}` };
}

before(async () => {
  await freshDatabase();
  dev = await startDev();
  tenant = demoCredentialsFrom(dev.server.output());
});

after(async () => {
  await dev?.server.stop();
  await dropDatabase?.();
  rmSync(dataDir, { recursive: true, force: true });
});

// ---- GraphiQL ----

/** The options GraphiQL is rendered with (the JSON data in the page, src/http/graphiql.ts). */
async function graphiqlOptions(base: string): Promise<{ defaultTabs: { query: string; variables: string | null; headers: string }[]; defaultHeaders: string }> {
  const res = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
  assert.equal(res.status, 200);
  const html = await res.text();
  const json = html.match(/<script type="application\/json" id="graphiql-options">(.*?)<\/script>/s)?.[1] ?? assert.fail('no GraphiQL options in the page');
  return JSON.parse(json);
}

const exampleNames = () =>
  readdirSync(path.join(root, 'schema/operations'))
    .filter((f) => f.startsWith('example-') && f.endsWith('.graphql'))
    .map((f) => readFileSync(path.join(root, 'schema/operations', f), 'utf8').match(/^(?:query|subscription|mutation)\s+(\w+)/m)![1]!)
    .sort();

test('GraphiQL (development) opens with a tab per example operation, the demo read key in their headers; still after a restart', async () => {
  const check = async (base: string) => {
    const options = await graphiqlOptions(base);
    const names = options.defaultTabs.map((t) => t.query.match(/^(?:query|subscription|mutation)\s+(\w+)/m)?.[1]);
    assert.deepEqual([...names].sort(), exampleNames());
    assert.ok(names.length >= 4, 'conversation messages, conversations, contact, status subscription');
    assert.match(names.at(-1)!, /Status/, 'the subscription comes last');
    for (const tab of options.defaultTabs) assert.deepEqual(JSON.parse(tab.headers), { Authorization: `Bearer ${tenant.readKey}` });
    assert.deepEqual(JSON.parse(options.defaultHeaders), { Authorization: `Bearer ${tenant.readKey}` });
    // A tab's query needing variables comes with them to fill in.
    const messages = options.defaultTabs.find((t) => /ExampleConversationMessages/.test(t.query));
    if (messages) assert.deepEqual(Object.keys(JSON.parse(messages.variables!)), ['conversationId']);
    const config = await (await fetch(`${base}/dashboard/config.json`)).json();
    assert.deepEqual(config, { demoKey: tenant.readKey });
  };
  await check(dev.base);
  // The demo key is served: HOST unset means the loopback interface only, and the log says so.
  assert.match(dev.server.output(), /"host":"127\.0\.0\.1"[^\n]*"msg":"development: the demo read key is served \(GraphiQL, \/dashboard\/config\.json\), so chatgraph listens on 127\.0\.0\.1 only; set HOST/);
  assert.match(dev.server.output(), /"host":"127\.0\.0\.1","msg":"chatgraph listening"/);
  const sealed = readFileSync(path.join(dataDir, DEMO_KEY_FILE), 'utf8');
  assert.ok(!sealed.includes(tenant.readKey), 'the key is kept sealed, not in the clear');

  // The demo key is printed once, at the first start; the next start still prefills it.
  assert.equal(await dev.server.stop(), 0);
  dev = await startDev();
  assert.doesNotMatch(dev.server.output(), /demo tenant created/);
  await check(dev.base);
});

test('the demo key is kept in development only, and only while it still works', async () => {
  const t = await startTestApp();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chatgraph-demo-key-'));
  try {
    const services = (nodeEnv: 'development' | 'production') => ({
      ...t.services,
      log: createLogger('silent'),
      config: { ...t.services.config, nodeEnv, dataDir: dir },
    });
    saveDemoReadKey(services('production'), t.tenant.readKey);
    assert.equal(existsSync(path.join(dir, DEMO_KEY_FILE)), false, 'never written in production');
    saveDemoReadKey(services('development'), t.tenant.readKey);
    assert.equal(await loadDemoReadKey(services('development')), t.tenant.readKey);
    assert.equal(await loadDemoReadKey(services('production')), null, 'never read in production');
    // Another database (or the key revoked): nothing is prefilled.
    const other = await t.createTenant(83n);
    saveDemoReadKey(services('development'), other.readKey);
    assert.equal(await loadDemoReadKey(services('development')), null, 'not a key of the demo tenant');
    saveDemoReadKey(services('development'), 'cg_revoked0000000000000000000000000000000000');
    assert.equal(await loadDemoReadKey(services('development')), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  }
});

// ---- The dashboard's files ----

/** GET with the path sent exactly as written (fetch would resolve `..`). */
function rawGet(base: string, rawPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    http.get({ host: url.hostname, port: url.port, path: rawPath }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    }).on('error', reject);
  });
}

test('the dashboard serves its fixed files without a key, with content types and cache headers', async () => {
  const page = await fetch(`${dev.base}/dashboard`);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  const csp = page.headers.get('content-security-policy')!;
  assert.match(csp, /script-src 'self' 'sha256-[\w+/=]+'/);
  assert.match(csp, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${port} wss://`));
  assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
  const html = await page.text();
  const imports: Record<string, string> = JSON.parse(html.match(/<script type="importmap">([\s\S]*?)<\/script>/)![1]!).imports;
  const files = ['/dashboard/app.js', '/dashboard/live.js', '/dashboard/overview.js', '/dashboard/style.css', ...Object.values(imports)];
  for (const file of files) {
    const res = await fetch(`${dev.base}${file}`);
    assert.equal(res.status, 200, file);
    assert.match(res.headers.get('content-type')!, file.endsWith('.css') ? /^text\/css/ : /^text\/javascript/, file);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('cache-control'), file.includes('/vendor/') ? 'public, max-age=86400' : 'no-cache', file);
    const etag = res.headers.get('etag')!;
    assert.equal((await fetch(`${dev.base}${file}`, { headers: { 'if-none-match': etag } })).status, 304, `${file} revalidates`);
  }
  assert.equal((await fetch(`${dev.base}/dashboard/nope.js`)).status, 404);
  for (const sneaky of ['/dashboard/../package.json', '/dashboard/vendor/../../package.json', '/dashboard/..%2f..%2fpackage.json', '/dashboard/%2e%2e/package.json', '/dashboard/vendor/preact.mjs/../../../package.json']) {
    assert.equal(await rawGet(dev.base, sneaky), 404, sneaky);
  }
  assert.equal((await fetch(`${dev.base}/dashboard`, { method: 'POST' })).status, 405);
});

// ---- In a browser ----

let browser: Browser | undefined;
after(async () => {
  await browser?.close();
});

async function openPage(context: BrowserContext, url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
  await page.goto(url);
  return { page, problems };
}

const text = (page: Page, selector: string) => page.locator(selector).first().textContent({ timeout: 10_000 });

async function waitForText(page: Page, selector: string, expected: string): Promise<void> {
  await page.waitForFunction(([s, e]) => document.querySelector(s!)?.textContent?.trim() === e, [selector, expected], { timeout: 15_000 }).catch(async () => {
    assert.fail(`${selector}: expected "${expected}", got "${await text(page, selector)}"`);
  });
}

const clientSyncBody = (messages: { id: string; text: string; friend: string; inbound?: boolean }[]) =>
  JSON.stringify(
    messages.map((m) => ({
      userId: '82',
      whatsApp: '8613700000001',
      friendWhatsApp: m.friend,
      actionType: m.inbound ? 2 : 1,
      chatType: 1,
      taskId: '',
      taskInfoId: '',
      content: [{ type: 1, text: m.text, messageId: m.id, time: Date.now() }],
    })),
  );

/** A MSG_SYNC item with a named contact. */
function item(id: string, status: number, friend: string, name: string, content: string, inbound = false) {
  const base = msgSyncItem(id, status, { friend, content });
  return { ...base, actionType: inbound ? 2 : 1, userProfile: { ...base.userProfile, id: Number(friend.slice(-7)), name, whatsApp: friend } };
}

test('the dashboard goes live and shows new messages, status ticks and counts as webhooks arrive', { skip: noBrowser }, async () => {
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  try {
    const { page, problems } = await openPage(context, `${dev.base}/dashboard?key=${tenant.readKey}&view=live`);
    await page.waitForSelector('[data-state="live"]', { timeout: 20_000 });
    assert.doesNotMatch(page.url(), /key=/, 'the key is taken out of the address');
    assert.match(page.url(), /view=live/);
    await waitForText(page, '.topbar .brand p', 'Demo company · tenant 82');

    // MSG_SYNC_MESSAGE (signed): two conversations.
    const sync = await postWebhook(dev.base, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(tenant, [
      item('dash-1', 2, '447711000001', 'Maria Santos', 'Hi Maria, your order #1042 has shipped'),
      item('dash-2', 4, '447711000001', 'Maria Santos', 'Great, thank you! When will it arrive?', true),
      item('dash-3', 1, '447711000002', 'Kenji Watanabe', 'Your appointment is confirmed for Tuesday 10:00'),
      item('dash-6', 1, '447711000002', 'Kenji Watanabe', 'Please bring your ID card to the appointment'),
    ]));
    assert.equal(sync.status, 200, sync.text);
    await page.waitForSelector('[data-message-id="dash-1"][data-status="SENT"]', { timeout: 15_000 });
    await page.waitForSelector('[data-message-id="dash-3"][data-status="PENDING"]');
    await waitForText(page, '.summary [data-count="TOTAL"] b', '4');
    await waitForText(page, '.summary [data-count="SENT"] b', '1');
    await waitForText(page, '.summary [data-count="PENDING"] b', '2');

    // CLIENT_SYNC_MESSAGE (ingest key): a third conversation appears.
    const client = await postWebhook(dev.base, '/webhooks/CLIENT_SYNC_MESSAGE', clientSyncBody([
      { id: 'dash-4', text: 'Hello! Is the blue jacket still available in size M?', friend: '447711000003', inbound: true },
      { id: 'dash-5', text: 'Yes, we have two left. Shall I reserve one for you?', friend: '447711000003' },
    ]), { authorization: `Bearer ${tenant.ingestKey}` });
    assert.equal(client.status, 200, client.text);
    await page.waitForSelector('[data-message-id="dash-5"]', { timeout: 15_000 });
    await waitForText(page, '.summary [data-count="TOTAL"] b', '6');
    assert.equal(await page.locator('article.conversation').count(), 3);

    // CLIENT_SYNC_MESSAGE_STATUS: ticks rise (✓ → ✓✓ → blue ✓✓; clock → ✓).
    const statuses = await postWebhook(dev.base, '/webhooks/CLIENT_SYNC_MESSAGE_STATUS', statusSyncBody([
      { messageId: 'dash-1', status: 3 },
      { messageId: 'dash-3', status: 2 },
      { messageId: 'dash-5', status: 3 },
    ]), { authorization: `Bearer ${tenant.ingestKey}` });
    assert.equal(statuses.status, 200, statuses.text);
    await page.waitForSelector('[data-message-id="dash-1"][data-status="DELIVERED"] .tick.delivered', { timeout: 15_000 });
    await page.waitForSelector('[data-message-id="dash-3"][data-status="SENT"] .tick.sent');
    await postWebhook(dev.base, '/webhooks/CLIENT_SYNC_MESSAGE_STATUS', statusSyncBody([{ messageId: 'dash-1', status: 4 }]), { authorization: `Bearer ${tenant.ingestKey}` });
    await page.waitForSelector('[data-message-id="dash-1"][data-status="READ"] .tick.read', { timeout: 15_000 });

    // Counts, overall and per conversation.
    await waitForText(page, '.summary [data-count="READ"] b', '2');
    const overall = Object.fromEntries(await Promise.all(['PENDING', 'SENT', 'DELIVERED', 'READ'].map(async (s) => [s, Number(await text(page, `.summary [data-count="${s}"] b`))])));
    assert.deepEqual(overall, { PENDING: 1, SENT: 1, DELIVERED: 2, READ: 2 }, 'dash-6 pending; dash-3 sent; dash-4 (received) and dash-5 delivered; dash-1 and dash-2 read');
    const maria = page.locator('article.conversation', { has: page.locator('[data-message-id="dash-1"]') });
    assert.equal(await maria.locator('[data-count="READ"] b').textContent(), '2');
    assert.equal(await maria.locator('[data-count="SENT"] b').textContent(), '0');

    await page.waitForTimeout(2600); // let the arrival highlight fade before the picture
    mkdirSync(path.join(root, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(root, 'test-results/dashboard.png'), fullPage: true });
    assert.deepEqual(problems, []);

    // A reload replays the last hour: the same picture, without new webhooks.
    await page.reload();
    await page.waitForSelector('[data-message-id="dash-1"][data-status="READ"]', { timeout: 15_000 });
    await waitForText(page, '.summary [data-count="TOTAL"] b', '6');
    await waitForText(page, '.summary [data-count="READ"] b', '2');

    // The server goes away and comes back: the page says so, reconnects, and
    // catches up from the last event it saw (a message stored meanwhile).
    assert.equal(await dev.server.stop(), 0);
    await page.waitForSelector('[data-state="reconnecting"]', { timeout: 15_000 });
    dev = await startDev();
    const late = await postWebhook(dev.base, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(tenant, [item('dash-7', 2, '447711000002', 'Kenji Watanabe', 'See you on Tuesday!')]));
    assert.equal(late.status, 200, late.text);
    await page.waitForSelector('[data-message-id="dash-7"][data-status="SENT"]', { timeout: 45_000 });
    await page.waitForSelector('[data-state="live"]');
    await waitForText(page, '.summary [data-count="TOTAL"] b', '7');
  } finally {
    await context.close();
  }
});

/** The overview's number in a tile. */
const tile = async (page: Page, name: string) => Number(await text(page, `[data-total="${name}"] b`));

async function waitForTile(page: Page, name: string, expected: number): Promise<void> {
  await page.waitForFunction(([n, e]) => document.querySelector(`[data-total="${n}"] b`)?.textContent?.trim() === String(e), [name, expected], { timeout: 15_000 }).catch(async () => {
    await page.screenshot({ path: path.join(root, 'test-results/dashboard-failure.png'), fullPage: true });
    const alert = await page.locator('[role="alert"]').allTextContents();
    assert.fail(`tile ${name}: expected ${expected}, got ${await tile(page, name)}${alert.length ? ` (page says: ${alert.join(' | ')})` : ''}`);
  });
}

test('the overview: aggregates, a pushed webhook appears live, filters narrow, a conversation opens with its history', { skip: noBrowser }, async () => {
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const shots = path.join(root, 'test-results');
  mkdirSync(shots, { recursive: true });
  try {
    const { page, problems } = await openPage(context, `${dev.base}/dashboard?key=${tenant.readKey}`);
    await page.waitForSelector('[data-view="overview"] [data-total="messages"]', { timeout: 20_000 });
    await page.waitForSelector('[data-state="live"]', { timeout: 20_000 });
    const before = await tile(page, 'messages');
    const awaitingBefore = await tile(page, 'awaiting');
    // Maria's conversation may be waiting from the test before (its inbound and outbound share a chat time); the reply below takes it off the queue.
    const mariaWaiting = await page.locator('tr[data-awaiting]', { hasText: 'Maria Santos' }).count();

    // A customer writes (inbound, tagged VIP, emoji in the name): the totals and the queue move without a reload.
    const olgaItem = item('dash-o1', 4, '447711000009', 'Olga 😀 Petrova', 'Hello, where is my parcel? 📦', true);
    const olga = { ...olgaItem, userProfile: { ...olgaItem.userProfile, tags: ['VIP'] } };
    const res = await postWebhook(dev.base, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(tenant, [olga, item('dash-o2', 2, '447711000001', 'Maria Santos', 'Following up on #1042')]));
    assert.equal(res.status, 200, res.text);
    await waitForTile(page, 'messages', before + 2).catch((e) => assert.fail(`${e.message}; problems: ${problems.join('; ')}`));
    await waitForTile(page, 'awaiting', awaitingBefore + 1 - mariaWaiting);
    const row = page.locator('tr[data-awaiting]', { hasText: 'Olga 😀 Petrova' });
    await row.waitFor({ timeout: 15_000 });
    assert.equal((await row.locator('.avatar').textContent())?.trim(), 'O😀', 'initials keep the emoji whole');
    assert.ok(Number(await row.locator('.wait').getAttribute('data-wait-seconds')) < 120);
    assert.equal(await page.locator('[data-live-queue]').getAttribute('data-live-queue'), 'live', 'the queue is the subscription\'s');
    const bars = await page.locator('.chart g[data-bucket]').count();
    assert.ok(bars === 24 || bars === 25, `one bar per hour of the last 24 (empty ones too), got ${bars}`);
    const busiest = Math.max(...(await page.locator('.chart g[data-bucket]').evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-count'))))));
    assert.ok(busiest >= 2, 'the hour of the new messages has its bar');
    assert.equal(await page.locator('.legend[aria-label="Legend"] li').count(), 8, 'a legend for the colours and icons');
    await page.screenshot({ path: path.join(shots, 'dashboard-overview.png'), fullPage: true });

    // Filters narrow: the agent of the MSG_SYNC messages (the CLIENT_SYNC ones have none), then a contact tag.
    const agentCount = async () => {
      const now = Date.now();
      const to = new Date(Math.ceil((now + 1) / 900_000) * 900_000);
      const r = await fetch(`${dev.base}/graphql`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.readKey}` },
        body: JSON.stringify({ query: 'query($f: DateTime!, $t: DateTime!) { messageCounts(from: $f, to: $t, interval: RANGE, where: { agentAccount: ["agent1"] }) { total } }', variables: { f: new Date(to.getTime() - 86_400_000).toISOString(), t: to.toISOString() } }),
      });
      return ((await r.json()) as { data: { messageCounts: { total: number } } }).data.messageCounts.total;
    };
    const all = await tile(page, 'messages');
    await page.selectOption('select[name="agent"]', 'agent1');
    const expected = await agentCount();
    assert.ok(expected > 0 && expected < all, `agent1 has ${expected} of ${all} messages`);
    await waitForTile(page, 'messages', expected);
    await page.fill('input[name="tag"]', 'VIP');
    await page.press('input[name="tag"]', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('tr[data-awaiting]').length === 1, null, { timeout: 15_000 });
    await waitForTile(page, 'awaiting', 1);
    await page.screenshot({ path: path.join(shots, 'dashboard-filtered.png'), fullPage: true });

    // Search finds a message; the queue's row opens the conversation with its history, and a new message arrives in it live.
    await page.fill('input[name="search"]', 'parcel');
    await page.locator('.search-results li', { hasText: 'Olga 😀 Petrova' }).waitFor({ timeout: 15_000 });
    // Reply times per agent: agent1's replies so far, before it answers Olga.
    const replies = async () => Number((await page.locator('[data-response-agent="agent1"]').getAttribute('data-count', { timeout: 1000 }).catch(() => null)) ?? 0);
    const repliesBefore = await replies();
    await row.locator('button').click();
    await page.waitForSelector('[data-conversation-view] [data-history-id="dash-o1"]', { timeout: 15_000 });
    const reply = await postWebhook(dev.base, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(tenant, [item('dash-o3', 2, '447711000009', 'Olga 😀 Petrova', 'It arrives tomorrow morning')]));
    assert.equal(reply.status, 200, reply.text);
    await page.waitForSelector('[data-conversation-view] [data-history-id="dash-o3"]', { timeout: 15_000 });
    await page.waitForFunction(() => document.querySelectorAll('tr[data-awaiting]').length === 0, null, { timeout: 15_000 });
    await page.screenshot({ path: path.join(shots, 'dashboard-conversation.png'), fullPage: true });
    // The answer is one more reply for agent1, in the distribution too (read again after the live event).
    await page.waitForFunction((n) => Number(document.querySelector('[data-response-agent="agent1"]')?.getAttribute('data-count')) === n, repliesBefore + 1, { timeout: 15_000 });
    assert.ok(await page.locator('[data-panel="response-times"] [data-response-bin]').count() >= 1, 'the reply-time histogram has its bars');
    assert.match((await text(page, '[data-response-agent="agent1"] td:nth-child(3)')) ?? '', /^≤ \d/, 'p50 shown as the bound of its bin');

    // A wall screen.
    await page.locator('[data-conversation-view] button', { hasText: 'Close' }).click();
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.locator('[data-panel="response-times"]').screenshot({ path: path.join(shots, 'dashboard-response-times.png') });
    await page.screenshot({ path: path.join(shots, 'dashboard-wall.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the dashboard prefills the demo key in development, and says 4403 for a bad key', { skip: noBrowser }, async () => {
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext();
  try {
    const { page } = await openPage(context, `${dev.base}/dashboard`);
    await page.waitForSelector('[data-state="live"]', { timeout: 20_000 });
    assert.match((await text(page, '.topbar .brand p'))!, /demo key/);

    await page.goto(`${dev.base}/dashboard?key=cg_not_a_real_key`);
    await page.waitForSelector('[data-state="error"]', { timeout: 20_000 });
    assert.match((await text(page, '[data-error]'))!, /4403/);
    assert.equal(await page.locator('#api-key').count(), 1, 'the key form is offered again');
  } finally {
    await context.close();
  }
});
