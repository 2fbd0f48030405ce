// Queries run compiled: graphql-jit turns an operation into a plain function
// once, and that function resolves the same fields as graphql-js's generic
// executor at about two thirds of its cost per request (README "Speed").
//
// What the earlier use of it got wrong, and how this one is kept exact:
//   - compiled operations are keyed by the parsed document *and* the
//     operation name (a document may hold several operations), never by text;
//   - queries only: mutations keep graphql-js's serial execution and
//     subscriptions its `subscribe` (graphql-jit hands `subscribe` the
//     operation's variables, not the field's arguments);
//   - variables are coerced by graphql-js first: its errors, in its words,
//     answer a request whose variables do not fit; the compiled function sees
//     only variables graphql-js accepted;
//   - documents using @skip or @include run uncompiled: graphql-jit 0.8.9
//     drops a fragment's fields when one spread of it is skipped and another
//     is not (found by the differential test, seed 99991);
//   - operations whose fields, fragments expanded, exceed a bound run
//     uncompiled (graphql-jit inlines fragments: exponential in nested spreads);
//   - an operation is compiled the second time its document is executed
//     (GRAPHQL_COMPILE_AFTER; documents seen once, as a flood of distinct
//     ones, cost no compilation and hold no memory), and is dropped with its
//     document; GRAPHQL_COMPILE_AFTER=0 turns compilation off.
// The differential test (test/integration/differential.test.ts) compares
// every transport's answers with graphql-js's own `execute`: it is what
// allows this.
import { BREAK, getOperationAST, getVariableValues, valueFromASTUntyped, visit, type DocumentNode, type ExecutionResult, type VariableDefinitionNode } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import { expandedFieldCount } from './limits.ts';

interface Compiled {
  readonly query: CompiledQuery;
  readonly variables: readonly VariableDefinitionNode[];
  readonly defaults: readonly VariableDefinitionNode[];
}

/** Per document: per operation name, the compiled query, null (not compiled: not a query, or refused), or how many times it ran. */
const compiled = new WeakMap<DocumentNode, Map<string, Compiled | null | number>>();

/**
 * Operations selecting more fields than this once their fragments are
 * expanded run uncompiled: graphql-jit inlines every spread, so nested
 * spreads (a fragment spreading another twice, and so on) make code, and
 * memory, grow exponentially — the differential test's seed 31337 took the
 * process past 5 GB. graphql-js collects fields per object as it goes.
 */
const MAX_EXPANDED_FIELDS = 2000;

/** Compiled operations kept at most, process-wide (the oldest is dropped, to be compiled again if it comes back): generated code is not small. */
const MAX_COMPILED = 256;
const compiledOrder: [DocumentNode, string][] = [];

function remember(document: DocumentNode, key: string): void {
  compiledOrder.push([document, key]);
  if (compiledOrder.length > MAX_COMPILED) {
    const [oldDocument, oldKey] = compiledOrder.shift()!;
    compiled.get(oldDocument)?.delete(oldKey);
  }
}

/** Operations compiled per document at most (a document names few operations; more are run uncompiled). */
const MAX_PER_DOCUMENT = 8;

function usesSkipOrInclude(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if (node.name.value === 'skip' || node.name.value === 'include') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

export function useCompiledQueries(compileAfter: number): Plugin {
  return {
    onExecute({ args, setExecuteFn }) {
      if (compileAfter === 0) return;
      const key = args.operationName ?? '';
      let byName = compiled.get(args.document);
      if (!byName) compiled.set(args.document, (byName = new Map()));
      let entry = byName.get(key);
      if (entry === null) return;
      if (entry === undefined || typeof entry === 'number') {
        const runs = (entry ?? 0) + 1;
        if (runs < compileAfter || byName.size > MAX_PER_DOCUMENT) {
          if (byName.size <= MAX_PER_DOCUMENT) byName.set(key, runs);
          return;
        }
        const operation = getOperationAST(args.document, args.operationName);
        const compilable = operation?.operation === 'query' && !usesSkipOrInclude(args.document) && expandedFieldCount(args.document, operation) <= MAX_EXPANDED_FIELDS;
        const result = compilable ? compileQuery(args.schema, args.document, args.operationName ?? undefined) : null;
        if (!result || !isCompiledQuery(result)) {
          byName.set(key, null);
          return;
        }
        const variables = operation!.variableDefinitions ?? [];
        entry = { query: result, variables, defaults: variables.filter((d) => d.defaultValue) };
        byName.set(key, entry);
        remember(args.document, key);
      }
      const { query, variables, defaults } = entry;
      setExecuteFn((a) => {
        const given = (a.variableValues ?? {}) as Record<string, unknown>;
        const coerced = getVariableValues(a.schema, variables, given, { maxErrors: 50 });
        if (coerced.errors) return { errors: coerced.errors } as ExecutionResult;
        // graphql-jit refuses a missing non-null variable that has a default: hand it the default, as written.
        let values = given;
        for (const d of defaults) {
          const name = d.variable.name.value;
          if (!Object.hasOwn(given, name)) values = { ...values, [name]: valueFromASTUntyped(d.defaultValue!) };
        }
        return query.query(a.rootValue, a.contextValue, values) as ExecutionResult | Promise<ExecutionResult>;
      });
    },
  };
}
