// What an operation may cost: the number of objects it may return, from a
// plan made once per document and the request's variables. Pure: limits.ts
// refuses operations above GRAPHQL_MAX_COST with it.
import {
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { DEFAULT_OFFSET_PAGE_SIZE, DEFAULT_PAGE_SIZE, MAX_OFFSET_PAGE_SIZE, MAX_PAGE_SIZE } from '../read/pagination.ts';

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
