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
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  TypeInfo,
  valueFromASTUntyped,
  type DocumentNode,
  type ExecutionArgs,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { GraphQLLimitsConfig } from '../config.ts';
import { DEFAULT_OFFSET_PAGE_SIZE, DEFAULT_PAGE_SIZE, MAX_OFFSET_PAGE_SIZE, MAX_PAGE_SIZE } from '../read/pagination.ts';

export type LimitName = 'depth' | 'aliases' | 'directives' | 'tokens' | 'cost' | 'fieldComparisons';

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
}

const ZERO: Measure = { depth: 0, aliases: 0, directives: 0 };

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
    return { depth: m.depth, aliases: m.aliases, directives };
  }

  private selectionSet(set: SelectionSetNode, introspection: boolean): Measure {
    let depth = 0;
    let aliases = 0;
    let directives = 0;
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
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = this.selectionSet(selection.selectionSet, introspection);
        depth = Math.max(depth, inner.depth);
      } else {
        inner = this.fragment(selection.name.value, introspection);
        depth = Math.max(depth, inner.depth);
      }
      aliases += inner.aliases;
      directives += inner.directives;
    }
    return { depth, aliases, directives };
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
    const measured = { depth: m.depth, aliases: m.aliases, directives: m.directives + (fragment.directives?.length ?? 0) };
    this.memo.set(key, measured);
    return measured;
  }
}

/** The depth, alias and directive limits broken by any operation of the document (first one per limit). */
export function documentLimitErrors(document: DocumentNode, limits: Pick<GraphQLLimitsConfig, 'maxDepth' | 'maxAliases' | 'maxDirectives'>): GraphQLError[] {
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
// Cost: the number of objects the operation may return. Each object (a field
// of object, interface or union type) counts 1; scalars are free. A list
// counts its length times what each element costs. The length of a list is
// the page size of the field above it when that field takes one —
// `first`/`last` (20 when neither is given, at most 100) for the edges and
// nodes of a connection, `pageSize` (10 by default, at most 500) for
// messagePage's nodes — the number of `ids` for nodes(ids), else 10.
// Variables are read from the request; a page size above its maximum counts
// as the maximum (the resolver refuses it with its own message).

/** The length assumed for a list whose size no argument tells (contact cards, phones, custom fields, …). */
export const DEFAULT_LIST_SIZE = 10;

interface EvalContext {
  readonly variables: Record<string, unknown>;
  readonly defaults: Record<string, unknown>;
  /** Fragment costs of this evaluation, by "name:inherited size". */
  readonly memo: Map<string, number>;
}

/** The cost of a selection set; `inherited` is the length of its list fields (the page size given by the field above). */
type CostFn = (ctx: EvalContext, inherited: number) => number;

interface CostPlan {
  readonly cost: CostFn;
  readonly defaults: Record<string, unknown>;
  /** Whether a size comes from a variable (else the cost is the same for every request). */
  readonly dynamic: boolean;
  constant?: number;
}

function argumentValue(node: ValueNode | undefined, ctx: EvalContext): unknown {
  if (!node) return undefined;
  if (node.kind === Kind.VARIABLE) {
    const name = node.name.value;
    return Object.prototype.hasOwnProperty.call(ctx.variables, name) ? ctx.variables[name] : ctx.defaults[name];
  }
  return valueFromASTUntyped(node, ctx.variables);
}

function pageSize(value: unknown, fallback: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) return max;
  return Math.min(Math.max(Math.floor(value), 0), max);
}

class CostCompiler {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly compiled = new Map<string, CostFn>();
  dynamic = false;

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
  ) {
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(d.name.value, d);
  }

  private fieldDef(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
    if (name === '__typename') return TypeNameMetaFieldDef;
    if (parent === this.schema.getQueryType()) {
      if (name === '__schema') return SchemaMetaFieldDef;
      if (name === '__type') return TypeMetaFieldDef;
    }
    return 'getFields' in parent ? parent.getFields()[name] : undefined;
  }

  private arg(field: FieldNode, name: string): ValueNode | undefined {
    const node = field.arguments?.find((a) => a.name.value === name)?.value;
    if (node && (node.kind === Kind.VARIABLE || containsVariable(node))) this.dynamic = true;
    return node;
  }

  /** The page size a field gives the lists inside it, or null when it takes none. */
  private childSize(field: FieldNode, def: GraphQLField<unknown, unknown>): ((ctx: EvalContext) => number) | null {
    const names = new Set(def.args.map((a) => a.name));
    if (names.has('first') || names.has('last')) {
      const first = this.arg(field, 'first');
      const last = this.arg(field, 'last');
      return (ctx) => {
        const f = argumentValue(first, ctx);
        const l = argumentValue(last, ctx);
        return pageSize(f ?? l, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
      };
    }
    if (names.has('pageSize')) {
      const node = this.arg(field, 'pageSize');
      const schemaDefault = def.args.find((a) => a.name === 'pageSize')?.defaultValue;
      const fallback = typeof schemaDefault === 'number' ? schemaDefault : DEFAULT_OFFSET_PAGE_SIZE;
      return (ctx) => pageSize(argumentValue(node, ctx), fallback, MAX_OFFSET_PAGE_SIZE);
    }
    return null;
  }

  /** The length of a list field: its own `ids` argument, else the size its parent gives. */
  private ownLength(field: FieldNode, def: GraphQLField<unknown, unknown>): (ctx: EvalContext, inherited: number) => number {
    const ids = def.args.find((a) => a.name === 'ids' && isListType(getNullableType(a.type)));
    if (ids) {
      const node = this.arg(field, 'ids');
      return (ctx) => {
        const value = argumentValue(node, ctx);
        return Array.isArray(value) ? value.length : value == null ? 0 : 1;
      };
    }
    return (_ctx, inherited) => inherited;
  }

  selectionSet(parent: GraphQLCompositeType, set: SelectionSetNode): CostFn {
    const terms: CostFn[] = [];
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const def = this.fieldDef(parent, selection.name.value);
        if (!def) continue;
        const type = getNamedType(def.type);
        if (!isCompositeType(type) || !selection.selectionSet) continue;
        const inner = this.selectionSet(type, selection.selectionSet);
        const size = this.childSize(selection, def);
        const isList = isListType(getNullableType(def.type));
        const length = isList ? this.ownLength(selection, def) : null;
        terms.push((ctx, inherited) => {
          const count = length ? length(ctx, inherited) : 1;
          return count === 0 ? 0 : count * (1 + inner(ctx, size ? size(ctx) : DEFAULT_LIST_SIZE));
        });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? this.schema.getType(selection.typeCondition.name.value) : parent;
        if (!condition || !isCompositeType(condition)) continue;
        terms.push(this.selectionSet(condition, selection.selectionSet));
      } else {
        const name = selection.name.value;
        const fragment = this.fragment(name);
        if (!fragment) continue;
        terms.push((ctx, inherited) => {
          const key = `${name}:${inherited}`;
          let cost = ctx.memo.get(key);
          if (cost === undefined) {
            cost = fragment(ctx, inherited);
            ctx.memo.set(key, cost);
          }
          return cost;
        });
      }
    }
    return (ctx, inherited) => {
      let total = 0;
      for (const term of terms) total += term(ctx, inherited);
      return total;
    };
  }

  private fragment(name: string): CostFn | null {
    const known = this.compiled.get(name);
    if (known) return known;
    const fragment = this.fragments.get(name);
    const type = fragment ? this.schema.getType(fragment.typeCondition.name.value) : undefined;
    if (!fragment || !type || !isCompositeType(type)) return null;
    // A cycle cannot pass validation; the placeholder only keeps compiling finite.
    let body: CostFn = () => 0;
    const indirect: CostFn = (ctx, inherited) => body(ctx, inherited);
    this.compiled.set(name, indirect);
    body = this.selectionSet(type, fragment.selectionSet);
    return indirect;
  }
}

function containsVariable(node: ValueNode): boolean {
  if (node.kind === Kind.VARIABLE) return true;
  if (node.kind === Kind.LIST) return node.values.some(containsVariable);
  if (node.kind === Kind.OBJECT) return node.fields.some((f) => containsVariable(f.value));
  return false;
}

const plans = new WeakMap<DocumentNode, Map<string, CostPlan | null>>();

function planOf(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): CostPlan | null {
  let byOperation = plans.get(document);
  if (!byOperation) {
    byOperation = new Map();
    plans.set(document, byOperation);
  }
  const key = operationName ?? '';
  if (byOperation.has(key)) return byOperation.get(key)!;
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  const root = operation ? schema.getRootType(operation.operation) : undefined;
  let plan: CostPlan | null = null;
  if (operation && root) {
    const compiler = new CostCompiler(schema, document);
    const cost = compiler.selectionSet(root, operation.selectionSet);
    const defaults: Record<string, unknown> = {};
    for (const v of operation.variableDefinitions ?? []) if (v.defaultValue) defaults[v.variable.name.value] = valueFromASTUntyped(v.defaultValue);
    plan = { cost, defaults, dynamic: compiler.dynamic };
  }
  byOperation.set(key, plan);
  return plan;
}

/** The estimated cost of running `operationName` of `document` with `variables` (0 when there is no such operation). */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: unknown): number {
  const plan = planOf(schema, document, operationName);
  if (!plan) return 0;
  if (!plan.dynamic && plan.constant !== undefined) return plan.constant;
  const vars = variables && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : {};
  const cost = plan.cost({ variables: vars, defaults: plan.defaults, memo: new Map() }, DEFAULT_LIST_SIZE);
  if (!plan.dynamic) plan.constant = cost;
  return cost;
}

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

/** The limits as one envelop/Yoga plugin. */
export function useGraphQLLimits(limits: GraphQLLimitsOptions): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      if (request.method !== 'POST') return;
      const declared = request.headers.get('content-length');
      if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limits.maxBodyBytes) {
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
    },
    onValidate({ validateFn, setValidationFn }) {
      // Runs only when the validation cache has no result for the document.
      setValidationFn((schema, document, rules, ...rest) => {
        const limitErrors = documentLimitErrors(document, limits);
        if (limitErrors.length > 0) return limitErrors;
        // graphql-js takes (…, options, typeInfo); envelop's callers may pass a TypeInfo in either place.
        const typeInfo = rest.find((r) => r instanceof TypeInfo);
        const given = rest.find((r) => r && typeof r === 'object' && !(r instanceof TypeInfo)) as object | undefined;
        const options = { ...given, ...(limits.suggestions ? {} : { hideSuggestions: true }) };
        const errors = (validateFn as (...args: unknown[]) => readonly GraphQLError[])(schema, document, rules, options, typeInfo);
        return errors.map((error) =>
          // graphql-js gave up comparing the document's fields (its own budget): say why.
          error.message === 'Validation aborted.'
            ? limitError('fieldComparisons', 'validation aborted: the document selects the same fields too many times for them to be compared; send fewer repeated fields')
            : error,
        );
      });
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
