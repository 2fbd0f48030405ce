// Limits on what one GraphQL request may ask for, so that a hostile or
// careless document cannot make the server parse, validate or resolve without
// bound. All of them apply wherever operations enter the envelop pipeline:
// POST/GET /graphql, SSE, graphql-ws (`getEnveloped`) and the legacy adapters.
//
//   body size   POST /graphql body (HTTP only)                  413 REQUEST_TOO_LARGE
//   tokens      lexical tokens of the document, at parse time  QUERY_LIMIT_EXCEEDED
//   depth       nested fields (introspection's `ofType` chain not counted)
//   aliases     aliased fields per operation, fragments counted where spread
//   directives  directives per operation, fragments counted where spread
//   cost        estimated objects returned, with the variables' page sizes
//   (and graphql-js's own budget for comparing repeated fields: `fieldComparisons`)
//
// Depth, aliases and directives are checked before graphql-js's own rules (so
// a flood is refused before they spend time on it) and cached with the
// validation result. The cost needs the variables: it is checked when the
// operation is about to run, from a plan made once per document.
import {
  GraphQLError,
  Kind,
  specifiedRules,
  TypeInfo,
  validate,
  type GraphQLSchema,
  type DocumentNode,
  type ExecutionArgs,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { GraphQLLimitsConfig } from '../config.ts';
import { operationCost } from './query-cost.ts';

export type LimitName = 'depth' | 'aliases' | 'directives' | 'tokens' | 'fields' | 'fieldRepeats' | 'cost' | 'fieldComparisons';

/** The error of a limit: code QUERY_LIMIT_EXCEEDED, `limit` naming it, `max` and what was `found` when known. */
export function limitError(limit: LimitName, message: string, max?: number, found?: number): GraphQLError {
  return createGraphQLError(message, {
    extensions: {
      code: 'QUERY_LIMIT_EXCEEDED',
      limit,
      ...(max === undefined ? {} : { max }),
      ...(found === undefined ? {} : { found }),
      http: { status: 400 },
    },
  });
}

// ---------------------------------------------------------------------------
// Depth, aliases, directives: from the document alone (run before validation,
// so unknown fields and fragments are possible and simply not followed).

interface Measure {
  depth: number;
  aliases: number;
  directives: number;
  /** Fields selected with every fragment spread expanded where it is spread (grows exponentially with nested spreads). */
  expanded: number;
}

const ZERO: Measure = { depth: 0, aliases: 0, directives: 0, expanded: 0 };

class DocumentMeasurer {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly memo = new Map<string, Measure>();
  private readonly visiting = new Set<string>();

  constructor(document: DocumentNode) {
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(d.name.value, d);
  }

  operation(op: OperationDefinitionNode): Measure {
    const m = this.selectionSet(op.selectionSet, false);
    let directives = m.directives + (op.directives?.length ?? 0);
    for (const v of op.variableDefinitions ?? []) directives += v.directives?.length ?? 0;
    return { depth: m.depth, aliases: m.aliases, directives, expanded: m.expanded };
  }

  private selectionSet(set: SelectionSetNode, introspection: boolean): Measure {
    let depth = 0;
    let aliases = 0;
    let directives = 0;
    let expanded = 0;
    for (const selection of set.selections) {
      directives += selection.directives?.length ?? 0;
      let inner: Measure;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const intro = introspection || name === '__schema' || name === '__type';
        inner = selection.selectionSet ? this.selectionSet(selection.selectionSet, intro) : ZERO;
        // `ofType` chains a wrapped type's layers (List of NonNull of …): one
        // object each, no fan-out; GraphiQL's introspection query nests it 7 deep.
        const own = intro && name === 'ofType' ? 0 : 1;
        depth = Math.max(depth, own + inner.depth);
        if (selection.alias) aliases++;
        expanded++;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = this.selectionSet(selection.selectionSet, introspection);
        depth = Math.max(depth, inner.depth);
      } else {
        inner = this.fragment(selection.name.value, introspection);
        depth = Math.max(depth, inner.depth);
      }
      aliases += inner.aliases;
      directives += inner.directives;
      expanded += inner.expanded;
    }
    return { depth, aliases, directives, expanded };
  }

  private fragment(name: string, introspection: boolean): Measure {
    const key = `${introspection ? 'i' : 'o'}:${name}`;
    const known = this.memo.get(key);
    if (known) return known;
    const fragment = this.fragments.get(name);
    // Unknown or cyclic: graphql-js's own rules report it.
    if (!fragment || this.visiting.has(key)) return ZERO;
    this.visiting.add(key);
    const m = this.selectionSet(fragment.selectionSet, introspection);
    this.visiting.delete(key);
    const measured = { depth: m.depth, aliases: m.aliases, directives: m.directives + (fragment.directives?.length ?? 0), expanded: m.expanded };
    this.memo.set(key, measured);
    return measured;
  }
}

/** The fields `operation` selects with every fragment spread expanded where it is spread (what a compiler that inlines fragments generates code for). */
export function expandedFieldCount(document: DocumentNode, operation: OperationDefinitionNode): number {
  return new DocumentMeasurer(document).operation(operation).expanded;
}

// ---------------------------------------------------------------------------
// Validation work: graphql-js's OverlappingFieldsCanBeMerged compares every
// pair of fields that share a response name in a selection set (fragments
// included), so its work grows with the square of the repeats: a 24 KB
// document of 1 200 `viewer { tenantId }` cost 0.5–1.1 s of CPU. Both
// measures are over every definition (an unused fragment is validated too),
// each written field once.

export interface ValidationWork {
  /** Fields written in the document. */
  fields: number;
  /** The most times one response name is selected in one selection set, through inline and named fragments. */
  repeats: number;
  /** That response name. */
  repeated: string | null;
}

export function validationWork(document: DocumentNode): ValidationWork {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const fragmentNames = new Map<string, Map<string, number>>();
  const visiting = new Set<string>();
  const work: ValidationWork = { fields: 0, repeats: 0, repeated: null };

  // The response names a selection set selects, with how often (its own inline fragments and each named fragment once).
  const namesOf = (set: SelectionSetNode, into: Map<string, number>, spread: Set<string>): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = (selection.alias ?? selection.name).value;
        into.set(name, (into.get(name) ?? 0) + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        namesOf(selection.selectionSet, into, spread);
      } else if (!spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        for (const [name, n] of fragmentNamesOf(selection.name.value)) into.set(name, (into.get(name) ?? 0) + n);
      }
    }
  };
  const fragmentNamesOf = (name: string): Map<string, number> => {
    const known = fragmentNames.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // Unknown or cyclic: graphql-js's own rules report it.
    if (!fragment || visiting.has(name)) return new Map();
    visiting.add(name);
    const names = new Map<string, number>();
    namesOf(fragment.selectionSet, names, new Set([name]));
    visiting.delete(name);
    fragmentNames.set(name, names);
    return names;
  };
  const visitSet = (set: SelectionSetNode): void => {
    const names = new Map<string, number>();
    namesOf(set, names, new Set());
    for (const [name, n] of names) {
      if (n > work.repeats) {
        work.repeats = n;
        work.repeated = name;
      }
    }
    visitSelections(set);
  };
  // Fields of an inline fragment belong to its parent's set (counted there); their sub-selections are sets of their own.
  const visitSelections = (set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        work.fields++;
        if (selection.selectionSet) visitSet(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visitSelections(selection.selectionSet);
      }
    }
  };
  for (const d of document.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION) visitSet(d.selectionSet);
  }
  return work;
}

/** The limits broken by the document: validation work, then depth, aliases and directives of any operation (first one per limit). */
export function documentLimitErrors(
  document: DocumentNode,
  limits: Pick<GraphQLLimitsConfig, 'maxDepth' | 'maxAliases' | 'maxDirectives' | 'maxFields' | 'maxFieldRepeats'>,
): GraphQLError[] {
  const work = validationWork(document);
  if (work.fields > limits.maxFields) {
    return [limitError('fields', `the document selects ${work.fields} fields, more than the limit of ${limits.maxFields} (each field written counts once)`, limits.maxFields, work.fields)];
  }
  if (work.repeats > limits.maxFieldRepeats) {
    return [
      limitError(
        'fieldRepeats',
        `the document selects "${work.repeated}" ${work.repeats} times in one selection set, more than the limit of ${limits.maxFieldRepeats} (fragments included; use aliases for different arguments)`,
        limits.maxFieldRepeats,
        work.repeats,
      ),
    ];
  }
  const measurer = new DocumentMeasurer(document);
  let depth = 0;
  let aliases = 0;
  let directives = 0;
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    const m = measurer.operation(d);
    depth = Math.max(depth, m.depth);
    aliases = Math.max(aliases, m.aliases);
    directives = Math.max(directives, m.directives);
  }
  const errors: GraphQLError[] = [];
  if (depth > limits.maxDepth) {
    errors.push(limitError('depth', `query depth ${depth} exceeds the limit of ${limits.maxDepth} nested fields`, limits.maxDepth, depth));
  }
  if (aliases > limits.maxAliases) {
    errors.push(limitError('aliases', `the operation uses ${aliases} aliases, more than the limit of ${limits.maxAliases} (fragments count each time they are spread)`, limits.maxAliases, aliases));
  }
  if (directives > limits.maxDirectives) {
    errors.push(limitError('directives', `the operation uses ${directives} directives, more than the limit of ${limits.maxDirectives} (fragments count each time they are spread)`, limits.maxDirectives, directives));
  }
  return errors;
}

// ---------------------------------------------------------------------------
// Cost (computed in query-cost.ts)

function costError(cost: number, max: number): GraphQLError {
  const shown = Number.isFinite(cost) ? Math.round(cost) : cost;
  return limitError(
    'cost',
    `query cost ${shown} exceeds the limit of ${max}: every object returned counts 1, multiplied by the page sizes (first/last, pageSize) of the connections around it — ask for smaller pages or nest fewer connections`,
    max,
    Number.isFinite(cost) ? Math.round(cost) : undefined,
  );
}

function checkCost(args: ExecutionArgs, maxCost: number): GraphQLError | null {
  const cost = operationCost(args.schema, args.document, args.operationName, args.variableValues);
  return cost > maxCost ? costError(cost, maxCost) : null;
}

// ---------------------------------------------------------------------------

const TOKENS_ABORTED = /Document contains more tha[nt] \d+ tokens/;

function requestTooLarge(size: number | null, max: number): GraphQLError {
  const what = size === null ? 'the request body is' : `the request body is ${size} bytes,`;
  return createGraphQLError(`${what} more than the ${max} bytes allowed on /graphql`, {
    extensions: { code: 'REQUEST_TOO_LARGE', limit: 'bodySize', max, http: { status: 413 } },
  });
}

/** The request with a body that fails with a 413 error once more than `max` bytes went through (bodies sent without Content-Length). */
function limitBody(request: Request, max: number, fetchAPI: { Request: typeof Request; TransformStream: typeof TransformStream }): Request {
  // A native stream needs the native TransformStream; whatwg-node's ponyfill stream its own (as Yoga's own body limit does).
  const Transform = request.body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  let bytes = 0;
  const body = request.body!.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        if (bytes > max) controller.error(requestTooLarge(null, max));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, signal: request.signal, body, duplex: 'half' } as RequestInit);
}

export interface GraphQLLimitsOptions extends GraphQLLimitsConfig {
  /** Keep graphql-js's "Did you mean …?" suggestions (development only: they reveal the schema). */
  readonly suggestions: boolean;
}

type ValidateFn = (...args: unknown[]) => readonly GraphQLError[];

/** The limits as one envelop/Yoga plugin. */
export function useGraphQLLimits(limits: GraphQLLimitsOptions): Plugin {
  let schema: GraphQLSchema | null = null;
  /** graphql-js's validation, the document's limits checked first (a flood is refused before graphql-js's rules spend time on it). */
  const validateDocument = (validateFn: ValidateFn, schema: GraphQLSchema, document: DocumentNode, rules: unknown, rest: unknown[]): readonly GraphQLError[] => {
    const limitErrors = documentLimitErrors(document, limits);
    if (limitErrors.length > 0) return limitErrors;
    // graphql-js takes (…, options, typeInfo); envelop's callers may pass a TypeInfo in either place.
    const typeInfo = rest.find((r) => r instanceof TypeInfo);
    const given = rest.find((r) => r && typeof r === 'object' && !(r instanceof TypeInfo)) as object | undefined;
    const options = { ...given, ...(limits.suggestions ? {} : { hideSuggestions: true }) };
    const errors = validateFn(schema, document, rules, options, typeInfo);
    return errors.map((error) =>
      // graphql-js gave up comparing the document's fields (its own budget): say why.
      error.message === 'Validation aborted.'
        ? limitError('fieldComparisons', 'validation aborted: the document selects the same fields too many times for them to be compared; send fewer repeated fields')
        : error,
    );
  };
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      if (request.method !== 'POST') return;
      const declared = request.headers.get('content-length');
      // Yoga's own body limit is off (src/http/app.ts): this one does its checks.
      if (declared !== null && !/^\d+$/.test(declared)) {
        throw createGraphQLError('Content-Length header is invalid.', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
      }
      if (declared !== null && Number(declared) > limits.maxBodyBytes) {
        throw requestTooLarge(Number(declared), limits.maxBodyBytes);
      }
      if (declared === null && requestParser && request.body) {
        setRequestParser((req) => requestParser(limitBody(req, limits.maxBodyBytes, fetchAPI as never)));
      }
    },
    onResponse({ response }) {
      // A body refused part-way is not read to its end: close the connection
      // after the answer, or the rest of that body would stall (or have to be
      // read and thrown away before) the next request on it.
      if (response.status === 413) response.headers.set('connection', 'close');
    },
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        try {
          return parseFn(source, { ...options, maxTokens: limits.maxTokens });
        } catch (err) {
          if (err instanceof GraphQLError && TOKENS_ABORTED.test(err.message)) {
            throw limitError('tokens', `the document has more than ${limits.maxTokens} tokens, the limit (names, punctuation and values each count one)`, limits.maxTokens);
          }
          throw err;
        }
      });
      // A GET request naming a mutation gets 405 (Yoga's check, next), but
      // when several operations share that name which one is meant is not
      // known: the document's validation errors are the answer, as on POST.
      return ({ result, context }) => {
        const { request, params } = context as { request?: Request; params?: { operationName?: string | null } };
        if (request?.method !== 'GET' || !result || result instanceof Error || !schema || !params?.operationName) return;
        const named = (result as DocumentNode).definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === params.operationName) as OperationDefinitionNode[];
        if (named.length < 2 || !named.some((d) => d.operation === 'mutation')) return;
        const errors = validateDocument(validate as ValidateFn, schema, result, specifiedRules, []);
        if (errors.length === 0) return;
        throw new AggregateError(
          errors.map((e) => (e.extensions?.code ? e : createGraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, extensions: { ...e.extensions, code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400, spec: true } } }))),
        );
      };
    },
    onSchemaChange({ schema: changed }) {
      schema = changed;
    },
    onValidate({ validateFn, setValidationFn }) {
      // Runs only when the validation cache has no result for the document.
      setValidationFn((schema, document, rules, ...rest) => validateDocument(validateFn as ValidateFn, schema, document, rules, rest));
    },
    onExecute({ args, setResultAndStopExecution }) {
      const error = checkCost(args, limits.maxCost);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = checkCost(args, limits.maxCost);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
