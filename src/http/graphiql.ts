// GraphiQL (GET /graphql from a browser, when GRAPHIQL is on), served
// entirely from this origin (no CDN: it works offline). It opens with
// one tab per example operation — every schema/operations/example-*.graphql,
// the same documents the typed client uses — with the Authorization header
// filled in: the demo tenant's read key in development (src/http/demo-key.ts),
// else a placeholder to replace.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, type OperationDefinitionNode, type TypeNode } from 'graphql';
import { resource } from '../paths.ts';
import type { GraphiQLOptions } from 'graphql-yoga';
import type { Route } from './routes.ts';
import { bufferAsset, serve, VENDOR_CACHE, type Asset } from './static-assets.ts';

const OPERATIONS_DIR = resource('schema/operations');

export interface ExampleTab {
  /** The operation's name (GraphiQL titles the tab with it). */
  readonly name: string;
  readonly query: string;
  /** JSON: the required variables without a default, with empty values to fill in. */
  readonly variables: string;
}

const KIND_ORDER = { query: 0, mutation: 1, subscription: 2 } as const;

function placeholder(type: TypeNode): unknown {
  if (type.kind === Kind.NON_NULL_TYPE) return placeholder(type.type);
  if (type.kind === Kind.LIST_TYPE) return [];
  return ['Int', 'Float'].includes(type.name.value) ? 0 : type.name.value === 'Boolean' ? false : '';
}

/** The example operations, queries first and those needing no variables first, then by name. */
export function loadExampleTabs(dir = OPERATIONS_DIR): ExampleTab[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.startsWith('example-') && f.endsWith('.graphql'));
  } catch {
    return [];
  }
  const tabs = files.map((file) => {
    const query = readFileSync(path.join(dir, file), 'utf8').trim() + '\n';
    const operation = parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const required = (operation?.variableDefinitions ?? []).filter((v) => v.type.kind === Kind.NON_NULL_TYPE && !v.defaultValue);
    const variables = Object.fromEntries(required.map((v) => [v.variable.name.value, placeholder(v.type)]));
    return {
      name: operation?.name?.value ?? file,
      query,
      variables: required.length ? JSON.stringify(variables, null, 2) : '',
      order: [KIND_ORDER[operation?.operation ?? 'query'], required.length] as const,
    };
  });
  tabs.sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1] || a.name.localeCompare(b.name));
  return tabs.map(({ order: _order, ...tab }) => tab);
}

/** Yoga's `graphiql` option: the example tabs, each with the Authorization header (the demo key when given). */
export function graphiqlOptions(demoReadKey: string | null, tabs: readonly ExampleTab[] = loadExampleTabs()): GraphiQLOptions {
  const headers = JSON.stringify({ Authorization: `Bearer ${demoReadKey ?? '<your API key>'}` }, null, 2);
  return {
    title: 'chatgraph',
    defaultHeaders: headers,
    defaultTabs: tabs.map((tab) => ({ query: tab.query, variables: tab.variables || null, headers })),
    // Subscriptions over SSE (POST with Accept: text/event-stream), which carries the Authorization header.
    subscriptionsProtocol: 'GRAPHQL_SSE',
  };
}

// ---- The page and its files, all from this origin ----
// GraphiQL's build comes from node_modules (@graphql-yoga/render-graphiql:
// the same GraphiQL Yoga would load from a CDN, as strings), served as
// separate cacheable files under /graphiql/: the page works without any
// network but this server's. Loaded on the first request (9 MB of strings).

export const GRAPHIQL_ASSET_PATH = '/graphiql';

/** Monaco's workers by the label it asks for. */
const WORKERS = { editorWorkerService: 'editor.worker.js', json: 'json.worker.js', graphql: 'graphql.worker.js' } as const;

/** Reads the options from the page and renders GraphiQL (a file, not inline, so the page needs no inline script). */
const START_SCRIPT = `// chatgraph: starts GraphiQL with the options the server put in the page.
(function () {
  var base = ${JSON.stringify(GRAPHIQL_ASSET_PATH)};
  var workers = ${JSON.stringify(WORKERS)};
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (moduleId, label) { return base + '/' + (workers[label] || workers.editorWorkerService); },
  };
  var options = JSON.parse(document.getElementById('graphiql-options').textContent);
  YogaGraphiQL.renderYogaGraphiQL(document.getElementById('root'), options);
})();
`;

let assets: Promise<Map<string, Asset>> | null = null;

function graphiqlAssets(): Promise<Map<string, Asset>> {
  assets ??= import('@graphql-yoga/render-graphiql/graphiql').then((g: typeof import('@graphql-yoga/render-graphiql/graphiql')) => {
    const favicon = g.favicon.match(/^data:[^;,]+;base64,(.*)$/)?.[1];
    const files: [string, Asset][] = [
      ['graphiql.js', bufferAsset('graphiql.js', g.js, VENDOR_CACHE)],
      ['graphiql.css', bufferAsset('graphiql.css', g.css, VENDOR_CACHE)],
      [WORKERS.editorWorkerService, bufferAsset(WORKERS.editorWorkerService, g.editorWorkerService, VENDOR_CACHE)],
      [WORKERS.json, bufferAsset(WORKERS.json, g.jsonWorker, VENDOR_CACHE)],
      [WORKERS.graphql, bufferAsset(WORKERS.graphql, g.graphqlWorker, VENDOR_CACHE)],
      ['start.js', bufferAsset('start.js', START_SCRIPT, 'no-cache')],
      ...(favicon ? [['favicon.ico', bufferAsset('favicon.ico', Buffer.from(favicon, 'base64'), VENDOR_CACHE)] as [string, Asset]] : []),
    ];
    return new Map(files.map(([name, a]) => [`${GRAPHIQL_ASSET_PATH}/${name}`, a]));
  });
  return assets;
}

const ASSET_NAMES = ['graphiql.js', 'graphiql.css', ...Object.values(WORKERS), 'start.js', 'favicon.ico'];

/** GraphiQL's files (GET /graphiql/…), public like the page. */
export function graphiqlRoutes(): Route[] {
  return ASSET_NAMES.map((name) => {
    const route = `${GRAPHIQL_ASSET_PATH}/${name}`;
    return {
      method: 'GET' as const,
      path: route,
      handler: async (request: Request) => {
        const a = (await graphiqlAssets()).get(route);
        return a ? serve(request, a) : new Response('not found', { status: 404 });
      },
    };
  });
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Yoga's `renderGraphiQL`: the page, naming only files of this origin; the options as JSON data (`<` escaped). */
export function renderGraphiQL(options: GraphiQLOptions = {}): string {
  const title = escapeHtml(typeof options.title === 'string' ? options.title : 'GraphiQL');
  const data = JSON.stringify(options).replace(/</g, '\\u003c');
  const at = GRAPHIQL_ASSET_PATH;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="icon" href="${at}/favicon.ico">
<link rel="stylesheet" href="${at}/graphiql.css">
</head>
<body id="body" class="no-focus-outline">
<noscript>GraphiQL needs JavaScript.</noscript>
<div id="root"></div>
<script type="application/json" id="graphiql-options">${data}</script>
<script src="${at}/graphiql.js"></script>
<script src="${at}/start.js"></script>
</body>
</html>
`;
}
