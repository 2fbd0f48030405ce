// GET / — what this server offers, one link each: GraphiQL, the dashboard,
// the OpenAPI document, metrics, the health checks, and the documentation
// (GET /docs: the README rendered, its sections linked from here). Public,
// like the health checks; no script, nothing from another origin.
import { existsSync, readFileSync } from 'node:fs';
import { Marked } from 'marked';
import { gfmHeadingId } from 'marked-gfm-heading-id';
import { resource } from '../paths.ts';
import type { Route } from './routes.ts';
import { bufferAsset, serve, type Asset } from './static-assets.ts';

const PAGE_HEADERS = () => ({
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
});

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
a{color:#0969da}code,pre{font:14px ui-monospace,monospace;background:#f6f8fa}pre{padding:.8rem;overflow:auto}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.2rem .5rem;vertical-align:top}
li{margin:.2rem 0}.muted{color:#59636e}`;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>${escapeHtml(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`;
}

export interface Docs {
  readonly html: string;
  /** The README's top-level sections: anchor id and title. */
  readonly sections: readonly { id: string; title: string }[];
}

/** README.md as HTML, its headings with GitHub's anchors (the README's own links use them). */
export function renderDocs(markdown: string): Docs {
  const html = new Marked(gfmHeadingId()).parse(markdown, { async: false });
  const sections = [...html.matchAll(/<h2 id="([^"]+)">([\s\S]*?)<\/h2>/g)]
    .map((m) => ({ id: m[1]!, title: m[2]!.replace(/<[^>]+>/g, '') }))
    .filter((s) => s.id !== 'contents');
  return { html, sections };
}

export interface LandingOptions {
  /** GraphiQL is served on GET /graphql (GRAPHIQL). */
  readonly graphiql: boolean;
  /** Default: the README beside the code (src/paths.ts). */
  readonly readmeFile?: string;
}

export function landingRoutes(options: LandingOptions): Route[] {
  const readme = options.readmeFile ?? resource('README.md');
  const docs = existsSync(readme) ? renderDocs(readFileSync(readme, 'utf8')) : null;
  const link = (href: string, text: string, note: string) => `<li><a href="${href}">${text}</a> <span class="muted">— ${note}</span></li>`;
  const surfaces = [
    options.graphiql
      ? link('/graphql', 'GraphiQL', 'explore and run GraphQL operations (<code>POST /graphql</code> for clients; an API key in <code>Authorization: Bearer …</code>)')
      : '<li>GraphiQL is off on this server (<code>GRAPHIQL=false</code>); the API is <code>POST /graphql</code></li>',
    link('/dashboard', 'Live dashboard', 'messages and status changes as they arrive (graphql-ws)'),
    link('/openapi.json', 'OpenAPI document', 'the legacy endpoints and the webhooks'),
    link('/metrics', 'Metrics', 'Prometheus text format'),
    link('/healthz', 'Liveness', '<code>/healthz</code>: the process serves HTTP'),
    link('/readyz', 'Readiness', '<code>/readyz</code>: the database answers and is migrated'),
  ];
  const documentation = docs
    ? `<h2>Documentation</h2>\n<ul>\n${link('/docs', 'README', 'the whole guide')}\n${docs.sections.map((s) => `<li><a href="/docs#${s.id}">${s.title}</a></li>`).join('\n')}\n</ul>`
    : '';
  const landing = bufferAsset(
    'index.html',
    page('chatgraph', `<h1>chatgraph</h1>\n<p>A GraphQL API over the chat records of a WhatsApp customer-service CRM.</p>\n<h2>On this server</h2>\n<ul>\n${surfaces.join('\n')}\n</ul>\n${documentation}`),
    'no-cache',
    PAGE_HEADERS,
  );
  const routes: Route[] = [{ method: 'GET', path: '/', handler: (request) => serve(request, landing) }];
  if (docs) {
    const docsPage: Asset = bufferAsset('docs.html', page('chatgraph — README', `<p><a href="/">← chatgraph</a></p>\n${docs.html}`), 'no-cache', PAGE_HEADERS);
    routes.push({ method: 'GET', path: '/docs', handler: (request) => serve(request, docsPage) });
  }
  return routes;
}
