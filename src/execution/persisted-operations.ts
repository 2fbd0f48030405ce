// Persisted operations (PERSISTED_OPERATIONS=allow|only): a client sends
// `extensions: {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}`
// instead of the document, and the server runs the document of that hash
// from the manifest (schema/persisted-operations.json, built from
// schema/operations/*.graphql by `npm run persisted:print`). With `only`,
// documents sent in full are refused over HTTP, and over graphql-ws only a
// manifest document (the same text) is accepted. The legacy endpoints run
// their own operations inside the server and are not affected.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, visit, type DefinitionNode, type DocumentNode, type FragmentDefinitionNode } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { PersistedOperationsConfig } from '../config.ts';

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** Each operation of the .graphql files in `dir` as its own printed document (with the fragments it uses), by sha256. */
export function buildPersistedManifest(dir: string): Record<string, string> {
  const definitions: DefinitionNode[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.graphql')).sort()) {
    definitions.push(...parse(readFileSync(path.join(dir, name), 'utf8')).definitions);
  }
  const fragments = new Map(definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  const manifest: Record<string, string> = {};
  for (const operation of definitions) {
    if (operation.kind !== Kind.OPERATION_DEFINITION) continue;
    const used = new Set<string>();
    const collect = (node: DefinitionNode) =>
      visit(node, {
        FragmentSpread(spread) {
          if (used.has(spread.name.value)) return;
          used.add(spread.name.value);
          const fragment = fragments.get(spread.name.value);
          if (fragment) collect(fragment);
        },
      });
    collect(operation);
    const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...[...used].sort().flatMap((n) => fragments.get(n) ?? [])] };
    const text = print(document);
    manifest[sha256Hex(text)] = text;
  }
  return Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
}

export function usePersisted(config: PersistedOperationsConfig): Plugin[] {
  if (config.mode === 'off') return [];
  const documents = new Set(config.operations.values());
  const only = config.mode === 'only';
  return [
    usePersistedOperations({
      allowArbitraryOperations: !only,
      getPersistedOperation: (hash) => config.operations.get(hash) ?? null,
      customErrors: {
        notFound: (payload) =>
          createGraphQLError(
            `PersistedQueryNotFound: no persisted operation has sha256Hash "${String(
              (payload.params.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash,
            ).slice(0, 80)}"${only ? '' : ' (send the query with it)'}`,
            { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: only ? 400 : 200 } } },
          ),
        keyNotFound: {
          message: 'no operation: send extensions.persistedQuery {"version": 1, "sha256Hash": "<sha256 of the document>"}' + (only ? '' : ' or a query'),
          extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED', http: { status: 400 } },
        },
        persistedQueryOnly: {
          message:
            'this server runs persisted operations only (PERSISTED_OPERATIONS=only): send extensions.persistedQuery {"version": 1, "sha256Hash": "…"} instead of query',
          extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
        },
      },
    }),
    {
      // graphql-ws sends documents, not ids: in `only` mode they must be one of the manifest's.
      onParse({ context, params }) {
        if (!only || !(context as { ws?: unknown }).ws) return;
        if (!documents.has(params.source.toString())) {
          throw createGraphQLError('this server runs persisted operations only (PERSISTED_OPERATIONS=only): over graphql-ws, send a document of the manifest as it is written there', {
            extensions: { code: 'PERSISTED_QUERY_ONLY' },
          });
        }
      },
    },
  ];
}
