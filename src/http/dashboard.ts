// The live dashboard (GET /dashboard): a small Preact + htm page without a
// build step (src/dashboard/), which subscribes over graphql-ws to
// messageAdded and messageStatusChanged. Served here: its own files, and the
// browser ES modules of preact, htm and graphql-ws straight from
// node_modules, mapped by the page's import map. Only the fixed list of files
// below is served (read once, at start-up; any other path is not a route), so
// no request path ever reaches the file system. The page and its files need
// no key: the API key is entered in the page and only sent over the socket.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resource } from '../paths.ts';
import { json, type Route } from './routes.ts';
import { asset, serve, VENDOR_CACHE, type Asset } from './static-assets.ts';

const PAGE_DIR = resource('src/dashboard');

/** The page's own files change with the server: revalidated every time (cheap with the ETag). */
const PAGE_CACHE = 'no-cache';

/** A package's ES module as Node resolves it (the same file its `browser` condition names, for these packages). */
function moduleFile(specifier: string): string {
  return fileURLToPath(import.meta.resolve(specifier));
}

/** graphql-ws's browser client and the chunks it imports by relative path (their names carry a hash). */
function graphqlWsFiles(): Map<string, string> {
  const client = moduleFile('graphql-ws/client');
  const files = new Map([[path.basename(client), client]]);
  for (const [, relative] of readFileSync(client, 'utf8').matchAll(/\bfrom\s*['"]\.\/([\w.-]+\.js)['"]/g)) {
    files.set(relative!, path.join(path.dirname(client), relative!));
  }
  return files;
}

/**
 * The page's Content-Security-Policy: scripts from this origin only, plus
 * the inline import map by its hash; connections (config, graphql-ws) to this
 * host only (ws: and wss: named too: not every browser counts them as 'self').
 */
function contentSecurityPolicy(html: string): (request: Request) => string {
  const importMap = html.match(/<script type="importmap">([\s\S]*?)<\/script>/)?.[1];
  if (importMap === undefined) throw new Error('dashboard: index.html has no import map');
  const hash = createHash('sha256').update(importMap).digest('base64');
  return (request) => {
    const host = new URL(request.url).host;
    const sockets = /^[\w.:[\]-]+$/.test(host) ? ` ws://${host} wss://${host}` : '';
    return [
      "default-src 'none'",
      `script-src 'self' 'sha256-${hash}'`,
      "style-src 'self'",
      "img-src 'self' data:",
      `connect-src 'self'${sockets}`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; ');
  };
}

export interface DashboardOptions {
  /** Development only: the demo tenant's read key, offered to the page to prefill (src/http/demo-key.ts). */
  readonly demoReadKey?: string | null;
}

/** Every path the dashboard serves, and what. */
export function dashboardAssets(): Map<string, Asset> {
  const page = (name: string) => path.join(PAGE_DIR, name);
  const csp = contentSecurityPolicy(readFileSync(page('index.html'), 'utf8'));
  const assets = new Map<string, Asset>([
    [
      '/dashboard',
      asset(page('index.html'), PAGE_CACHE, (request) => ({
        'content-security-policy': csp(request),
        // A `?key=` in the address must not travel on in a Referer.
        'referrer-policy': 'no-referrer',
      })),
    ],
    ['/dashboard/app.js', asset(page('app.js'), PAGE_CACHE)],
    ['/dashboard/live.js', asset(page('live.js'), PAGE_CACHE)],
    ['/dashboard/overview.js', asset(page('overview.js'), PAGE_CACHE)],
    ['/dashboard/style.css', asset(page('style.css'), PAGE_CACHE)],
    ['/dashboard/vendor/preact.mjs', asset(moduleFile('preact'), VENDOR_CACHE)],
    ['/dashboard/vendor/preact-hooks.mjs', asset(moduleFile('preact/hooks'), VENDOR_CACHE)],
    ['/dashboard/vendor/htm.mjs', asset(moduleFile('htm'), VENDOR_CACHE)],
  ]);
  for (const [name, file] of graphqlWsFiles()) assets.set(`/dashboard/vendor/graphql-ws/${name}`, asset(file, VENDOR_CACHE));
  return assets;
}

export function dashboardRoutes(options: DashboardOptions = {}): Route[] {
  const assets = dashboardAssets();
  const routes: Route[] = [...assets].map(([path, a]) => ({ method: 'GET', path, handler: (request) => serve(request, a) }));
  routes.push(
    // The page's address is /dashboard; its files are named absolutely, so /dashboard/ works the same.
    { method: 'GET', path: '/dashboard/', handler: (request) => serve(request, assets.get('/dashboard')!) },
    // What the page needs to know before connecting: in development, the demo key to prefill.
    {
      method: 'GET',
      path: '/dashboard/config.json',
      handler: () => json({ demoKey: options.demoReadKey ?? null }, 200, { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }),
    },
  );
  return routes;
}
