// GraphiQL (GET /graphql from a browser, when GRAPHIQL is on): it opens with
// one tab per example operation — every schema/operations/example-*.graphql,
// the same documents the typed client uses — with the Authorization header
// filled in: the demo tenant's read key in development (src/http/demo-key.ts),
// else a placeholder to replace.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, type OperationDefinitionNode, type TypeNode } from 'graphql';
import { resource } from '../paths.ts';
import type { GraphiQLOptions } from 'graphql-yoga';

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
