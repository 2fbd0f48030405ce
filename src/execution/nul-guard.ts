// PostgreSQL text cannot hold NUL (U+0000): a filter or search text carrying
// one can match nothing and makes the database refuse the query (which would
// surface as an "Unexpected error"). Queries and subscriptions carrying a NUL
// in a variable or a string literal are refused up front with BAD_USER_INPUT
// naming where it is. Mutations are left to the ingest validation, which
// names the item and field in the payload's `errors`.
import { GraphQLError, Kind, visit, type ASTNode, type DocumentNode, type ExecutionArgs, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { badInput } from '../domain/bad-input.ts';

const NUL = '\u0000';

function nulError(where: string): GraphQLError {
  return badInput(`${where} must not contain NUL characters (\\u0000)`);
}

/** The path of the first string holding a NUL in a variables value (`$where.friendWhatsId`), or null. */
export function nulPath(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes(NUL) ? path : null;
  if (value === null || typeof value !== 'object' || depth > 64) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}[${i}]`, depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    const found = key.includes(NUL) ? `${path}.${JSON.stringify(key)}` : nulPath(item, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return null;
}

// Per operation of a document: the argument holding a NUL string literal in
// it or the fragments it spreads, if any ('' = none). Another operation of
// the same document does not run and is not judged.
const literals = new WeakMap<DocumentNode, Map<OperationDefinitionNode, string>>();

function nulLiteral(document: DocumentNode, operation: OperationDefinitionNode): string | null {
  let byOperation = literals.get(document);
  if (!byOperation) literals.set(document, (byOperation = new Map()));
  let found = byOperation.get(operation);
  if (found === undefined) {
    found = '';
    const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
    const seen = new Set<string>();
    const pending: ASTNode[] = [operation];
    while (pending.length && !found) {
      let argument = '';
      visit(pending.pop()!, {
        Argument: {
          enter(node) {
            argument = node.name.value;
          },
        },
        StringValue(node) {
          if (!found && node.value.includes(NUL)) found = `argument ${argument || '(a directive or default value)'}`;
        },
        FragmentSpread(node) {
          const fragment = fragments.get(node.name.value);
          if (fragment && !seen.has(node.name.value)) {
            seen.add(node.name.value);
            pending.push(fragment);
          }
        },
      });
    }
    byOperation.set(operation, found);
  }
  return found || null;
}

function operationOf(args: ExecutionArgs): OperationDefinitionNode | undefined {
  const operations = args.document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return args.operationName ? operations.find((o) => o.name?.value === args.operationName) : operations[0];
}

function check(args: ExecutionArgs): GraphQLError | null {
  const operation = operationOf(args);
  if (operation?.operation === 'mutation') return null;
  // Only the variables the operation declares: graphql-js ignores the others.
  const values = args.variableValues;
  if (values && operation) {
    for (const definition of operation.variableDefinitions ?? []) {
      const name = definition.variable.name.value;
      const found = Object.hasOwn(values, name) ? nulPath(values[name], `$${name}`) : null;
      if (found) return nulError(found);
    }
  }
  const inDocument = operation ? nulLiteral(args.document, operation) : null;
  return inDocument ? nulError(inDocument) : null;
}

export function useNulGuard(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
