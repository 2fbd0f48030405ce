// GraphQL requests generated from the schema, the way client developers write
// them, for the differential test (issue 14): every root field; aliases,
// fragments (named, inline, nested), variables under any name with defaults,
// nulls, lists and single values for lists, @skip/@include; several
// operations per document; values from a pool of real data with edge values
// mixed in; and invalid-but-parseable variants, flagged.
//
// Built from fast-check combinators (a plan of plain data, then rendered), so
// it is deterministic for a seed and shrinks. The flags are decided by
// construction, never by running graphql-js on the result (the unit test does
// that, to prove them):
//
//   valid          the document passes graphql-js validation against the schema
//                  and `operationName` selects an operation (getOperationAST).
//                  Custom-scalar strings (DateTime) are judged by the scalar of
//                  the schema given: one built from SDL takes anything; the
//                  server's (src/graphql/schema.ts) refuses "not a date", so with
//                  it such a literal makes the request invalid
//                  ('wrong-literal-type') and such a variable sets expectError.
//   expectError    valid, but the variables do not coerce (getVariableValues
//                  fails: a required variable not provided, an Int variable out
//                  of 32-bit range, a value of the wrong JSON type …): the
//                  answer is errors and no data, before any resolver runs.
//   invalid        which invalid variant was applied (valid: false).
//   exceeded       the server limits the request breaks (depth, aliases,
//                  directives per documentLimitErrors, cost of the chosen
//                  operation per operationCost), measured with the server's own
//                  code against `options.limits`; exceedsLimits = exceeded.length > 0.
//   edge           an edge value (see EDGE_*) is somewhere in the request.
import fc from 'fast-check';
import {
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLInterfaceType,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLUnionType,
  doTypesOverlap,
  getNamedType,
  getNullableType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  isSpecifiedScalarType,
  Kind,
  parse,
  type GraphQLArgument,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationTypeNode,
} from 'graphql';
import { documentLimitErrors } from '../../src/execution/limits.ts';
import { operationCost } from '../../src/execution/query-cost.ts';

// ---------------------------------------------------------------------------
// Public types

export type OperationKind = 'query' | 'mutation' | 'subscription';

/** Argument values come from here so that operations hit real data. */
export interface ValuePool {
  /** Global ids (as the API returns them) of rows that exist. */
  ids: { Message: string[]; Conversation: string[]; Contact: string[] };
  /** By argument / input-field name: friendWhatsId, accountWhatsId, agentAccount, agentId, contactTag, externalId, text, day, whatsMessageId, … */
  strings: Record<string, string[]>;
  /** Connection cursors (`after`/`before`) seen in answers. */
  cursors?: string[];
  /** ISO instants for DateTime arguments. */
  dates: string[];
}

export interface Limits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxCost: number;
  /** Fields written in the document, and repeats of one response name in a selection set (checked before validation). */
  maxFields: number;
  maxFieldRepeats: number;
}

/** Within these, with margin under the server's defaults (config.ts: 12 / 30 / 20 / 50 000). */
export const DEFAULT_LIMITS: Limits = { maxDepth: 10, maxAliases: 20, maxDirectives: 15, maxCost: 20_000, maxFields: 400, maxFieldRepeats: 15 };

export const INVALID_KINDS = [
  'unknown-field',
  'unknown-argument',
  'wrong-literal-type',
  'missing-required-argument',
  'undefined-variable',
  'variable-wrong-type',
  'unused-variable',
  'unknown-fragment',
  'impossible-fragment',
  'duplicate-operation-name',
  'operation-name-matches-none',
  'several-operations-no-name',
  'subscription-two-root-fields',
] as const;
export type InvalidKind = (typeof INVALID_KINDS)[number];

export type LimitName = 'depth' | 'aliases' | 'directives' | 'fields' | 'fieldRepeats' | 'cost';

export interface GeneratedRequest {
  query: string;
  variables: Record<string, unknown>;
  operationName?: string;
  /** Kind of the operation that runs (the one operationName selects). */
  kind: OperationKind;
  valid: boolean;
  /** Valid document whose variables fail coercion: a required variable missing, a value out of range or of the wrong type. */
  expectError: boolean;
  /** Set when valid is false. */
  invalid?: InvalidKind;
  exceedsLimits: boolean;
  exceeded: LimitName[];
  edge: boolean;
}

export interface RequestOptions {
  /** Kinds of the operation that runs (other operations of a document may be of any kind). Default: all three. */
  kinds?: OperationKind[];
  /** Share of invalid variants, 0..1. Default 0.15. */
  invalidRate?: number;
  /** Share of requests pushed over a limit on purpose, 0..1. Default 0.03. */
  exceedRate?: number;
  /** Share of values taken from the edge values instead of the pool, 0..1. Default 0.03. */
  edgeRate?: number;
  /** Share of requests whose variables fail coercion (a required one missing, or a wrong value), 0..1. Default 0.04. */
  variableErrorRate?: number;
  /** Nesting depth of generated selections. Default limits.maxDepth. */
  maxDepth?: number;
  limits?: Partial<Limits>;
  /** Prefix of generated whatsMessageIds (pass a run id to keep them unique across runs). Default "gen". */
  idPrefix?: string;
}

// ---------------------------------------------------------------------------
// The plan: plain data, rendered at the end.

type V =
  | { k: 'int'; v: number }
  | { k: 'float'; v: number }
  /** `scalar`: the custom scalar (DateTime) the string is given to, whose own parser judges it. */
  | { k: 'str'; v: string; scalar?: string }
  | { k: 'bool'; v: boolean }
  | { k: 'enum'; v: string }
  | { k: 'null' }
  | { k: 'list'; items: V[] }
  | { k: 'obj'; fields: [string, V][] }
  | VarNode
  /** Literal text as written (invalid variants only). */
  | { k: 'raw'; text: string };

interface VarNode {
  k: 'var';
  hint: string;
  type: string;
  /** Value sent in `variables` (undefined: not sent). */
  value: unknown;
  default?: V;
  /** The sent value fails coercion. */
  bad?: boolean;
  /** Custom-scalar strings inside the value (their parser decides whether it coerces). */
  scalars?: [string, string][];
  edge?: boolean;
  /** Invalid variants: not declared, or declared with another type. */
  undeclared?: boolean;
  declaredType?: string;
}

interface Directive {
  name: 'skip' | 'include';
  cond: V;
}

interface FieldSel {
  k: 'field';
  name: string;
  alias?: string;
  args: [string, V][];
  dirs: Directive[];
  sel?: Sel[];
  /** Return type as printed (signature for merging). */
  rt: string;
}
interface InlineSel {
  k: 'inline';
  on?: string;
  dirs: Directive[];
  sel: Sel[];
}
interface SpreadSel {
  k: 'spread';
  /** Which applicable fragment (index modulo their count), resolved to `name`. */
  pick: number;
  name?: string;
  dirs: Directive[];
}
type Sel = FieldSel | InlineSel | SpreadSel;

interface Fragment {
  name: string;
  on: string;
  sel: Sel[];
}
interface Operation {
  kind: OperationKind;
  name?: string;
  sel: Sel[];
  /** Unused-variable variant. */
  extraDefs?: { name: string; type: string }[];
}

interface Plan {
  chosen: Operation;
  others: Operation[];
  position: number;
  frags: { on: string; sel: Sel[] }[];
  names: string[];
  anonymous: boolean;
  sendName: boolean;
  compact: boolean;
  invalid: { on: boolean; which: number; seed: number };
  exceed: { on: boolean; which: number };
  variableError: { on: boolean; seed: number };
}

// ---------------------------------------------------------------------------
// Edge values

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** Strings that are fine in a literal. */
export const EDGE_STRINGS = ['', ' ', '😀👍🏽', '\u200Fمرحبا\u200E', '\u202Eabc', 'a\u0000b', '%_\\', "'; select 1; --", 'x'.repeat(300), '𝕏\u0301'];
/** Strings that cannot be written in a literal (lone surrogates): variables only. */
export const EDGE_VARIABLE_STRINGS = ['\uD800', 'a\uDC00b', '\uDBFF'];
export const EDGE_DATES = ['0000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '-000001-01-01T00:00:00Z', '2024-02-30T00:00:00Z', 'not a date', '', '2024-01-01'];
export const EDGE_IDS = ['abc', '', b64('Message:'), b64('Message:-1'), b64('Message:99999999999999999999999'), b64('Conversation:1.5'), b64('Nope:1')];
/** In Int range, refused or clamped by resolvers. */
export const EDGE_INTS = [-1, 0, 101, 501, 100_000, 2 ** 31 - 1, -(2 ** 31)];
/** Out of Int range: variables only (as a literal it is a validation error). */
export const EDGE_OUT_OF_RANGE_INTS = [2 ** 31, -(2 ** 31) - 1, 1.5];

// ---------------------------------------------------------------------------

const WORDS = ['hello', 'order', 'refund', 'price', 'ok', 'thanks', 'Olá', 'こんにちは', 'test'];
const VAR_HINTS = ['where', 'since', 'filter', 's', 'first', 'n', 'f', 'id', 'v', 'input', 'after', 'day', 'ids', 'tag'];
const ALIAS_HINTS = ['latest', 'older', 'a', 'b', 'recent', 'mine', 'other', 'page1', 'page2', 'byTag', 'x', 'top', 'events'];
const OP_HINTS = ['GetMessages', 'Inbox', 'Feed', 'Contacts', 'Watch', 'Q', 'Sync', 'Dashboard', 'Load', 'Op'];
const FRAG_SUFFIXES = ['Fields', 'Parts', 'Info', 'Data', 'Bits'];
const identifier = fc.stringMatching(/^[a-z][A-Za-z0-9_]{0,7}$/);

function weighted<T>(rate: number, rare: fc.Arbitrary<T>, common: fc.Arbitrary<T>): fc.Arbitrary<T> {
  const w = Math.round(rate * 1000);
  if (w <= 0) return common;
  if (w >= 1000) return rare;
  return fc.oneof({ arbitrary: common, weight: 1000 - w }, { arbitrary: rare, weight: w });
}

/** The value with probability `rate`, else undefined. */
function maybe<T>(arb: fc.Arbitrary<T>, rate: number): fc.Arbitrary<T | undefined> {
  return weighted(rate, arb as fc.Arbitrary<T | undefined>, fc.constant(undefined));
}

function pick<T>(values: readonly T[], fallback: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return values.length > 0 ? fc.constantFrom(...values) : fallback;
}

interface GenCtx {
  /** Fields that may still nest below this selection set (1: leaves only). */
  depth: number;
  /** Inside a list or connection: page sizes kept small so the cost stays bounded. */
  nested: boolean;
  /** No inline fragments directly here (an inline fragment's own body). */
  noInline: boolean;
}

class Generator {
  private readonly selMemo = new Map<string, fc.Arbitrary<Sel[]>>();
  private readonly valueMemo = new Map<string, fc.Arbitrary<V>>();
  readonly limits: Limits;
  private readonly edgeRate: number;
  private readonly idPrefix: string;

  constructor(
    readonly schema: GraphQLSchema,
    readonly pool: ValuePool,
    readonly options: RequestOptions,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.edgeRate = options.edgeRate ?? 0.03;
    this.idPrefix = options.idPrefix ?? 'gen';
  }

  type(name: string): GraphQLNamedType {
    const t = this.schema.getType(name);
    if (!t) throw new Error(`no type ${name} in the schema`);
    return t;
  }

  // --- values --------------------------------------------------------------

  private edge<T>(normal: fc.Arbitrary<T>, edges: readonly T[]): fc.Arbitrary<T> {
    return weighted(this.edgeRate, fc.constantFrom(...edges), normal);
  }

  private strings(name: string): string[] | undefined {
    const s = this.pool.strings;
    const singular = name.endsWith('s') ? name.slice(0, -1) : name;
    const aliases: Record<string, string[]> = {
      tag: ['contactTag'],
      tags: ['contactTag'],
      contactTag: ['tag'],
      whatsId: ['friendWhatsId'],
      senderWhatsId: ['friendWhatsId'],
      contactExternalId: ['externalId'],
      nameContains: ['friendName', 'name'],
      content: ['text'],
      ownerName: ['agentAccount'],
      whatsMessageIds: ['whatsMessageId'],
    };
    for (const key of [name, singular, ...(aliases[name] ?? [])]) if (s[key]?.length) return s[key];
    return undefined;
  }

  private stringArb(name: string): fc.Arbitrary<V> {
    let base: fc.Arbitrary<string>;
    if (name === 'whatsMessageId' || name === 'whatsMessageIds') {
      // New ids (unique per request with overwhelming odds, and per run with idPrefix), sometimes stored ones.
      const fresh = fc.noBias(fc.bigInt({ min: 2n ** 40n, max: 2n ** 48n })).map((n) => `${this.idPrefix}-${n.toString(16)}`);
      const known = this.strings('whatsMessageId');
      base = known ? fc.oneof({ arbitrary: fresh, weight: 3 }, { arbitrary: fc.constantFrom(...known), weight: 1 }) : fresh;
    } else if (name === 'after' || name === 'before') {
      base = pick(this.pool.cursors ?? [], fc.constant(b64('cursor')));
    } else if (name === 'day') {
      base = pick(this.strings('day') ?? [...new Set(this.pool.dates.map((d) => d.slice(0, 10)))], fc.constant('2024-01-01'));
      return this.edge(base, ['2024-02-30', 'yesterday', '', '0000-01-01']).map((v) => ({ k: 'str', v }));
    } else if (name === 'externalId' || name === 'contactExternalId') {
      base = pick(this.strings(name) ?? [], fc.bigInt({ min: 1n, max: 2n ** 62n }).map(String));
      return this.edge(base, ['', '-1', '99999999999999999999999', 'abc', '1.5']).map((v) => ({ k: 'str', v }));
    } else {
      const known = this.strings(name);
      base = known ? fc.constantFrom(...known) : fc.constantFrom(...WORDS);
    }
    return this.edge(base, EDGE_STRINGS).map((v) => ({ k: 'str', v }));
  }

  private idArb(name: string): fc.Arbitrary<V> {
    const ids = this.pool.ids;
    const byName: Record<string, string[]> = {
      contactId: ids.Contact,
      conversationId: ids.Conversation,
      messageIds: ids.Message,
    };
    const own = byName[name] ?? [...ids.Message, ...ids.Conversation, ...ids.Contact];
    const others = byName[name] ? [...ids.Message, ...ids.Conversation, ...ids.Contact].filter((i) => !own.includes(i)) : [];
    const edges = [...EDGE_IDS, ...others.slice(0, 2)];
    return this.edge(pick(own, fc.constant(b64('Message:1'))), edges).map((v) => ({ k: 'str', v }));
  }

  private intArb(name: string, nested: boolean): fc.Arbitrary<V> {
    let base: fc.Arbitrary<number>;
    if (name === 'first' || name === 'last') base = fc.integer({ min: 1, max: nested ? 5 : 20 });
    else if (name === 'pageSize') base = fc.integer({ min: 1, max: nested ? 5 : 20 });
    else if (name === 'page') base = fc.integer({ min: 1, max: 3 });
    else base = fc.integer({ min: 0, max: 100 });
    return this.edge(base, EDGE_INTS).map((v) => ({ k: 'int', v }));
  }

  private scalarArb(type: GraphQLNamedType, name: string, nested: boolean): fc.Arbitrary<V> {
    switch (type.name) {
      case 'Int':
        return this.intArb(name, nested);
      case 'Float':
        return fc.double({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }).map((v) => ({ k: 'float', v }));
      case 'Boolean':
        return fc.boolean().map((v) => ({ k: 'bool', v }));
      case 'ID':
        return this.idArb(name);
      case 'DateTime':
        return this.edge(pick(this.pool.dates, fc.constant('2024-01-01T00:00:00.000Z')), EDGE_DATES).map((v) => ({ k: 'str', v }));
      case 'JSON': {
        const obj = fc
          .array(fc.tuple(fc.constantFrom('level', 'source', 'city', 'vip', 'note'), this.stringArb('customField')), { maxLength: 3 })
          .map((entries): V => ({ k: 'obj', fields: [...new Map(entries)] }));
        // A JSON value that is not an object: the ingest refuses it (customFields must be an object).
        return this.edge(obj, [{ k: 'str', v: 'not an object' } as V, { k: 'list', items: [{ k: 'int', v: 1 }] } as V]);
      }
      default:
        return this.stringArb(name);
    }
  }

  /** A value for an input position; with `vars`, variables may stand for it or for parts of it. */
  valueArb(type: GraphQLInputType, name: string, nested: boolean, vars: number): fc.Arbitrary<V> {
    const key = `${String(type)}|${name}|${nested}|${vars}`;
    let arb = this.valueMemo.get(key);
    if (!arb) {
      arb = this.buildValue(type, name, nested, vars);
      this.valueMemo.set(key, arb);
    }
    return arb;
  }

  private buildValue(type: GraphQLInputType, name: string, nested: boolean, vars: number): fc.Arbitrary<V> {
    // Inside a literal, variables stand for parts less often than for whole arguments.
    const literal = this.literalArb(type, name, nested, vars > 0 ? 0.08 : 0);
    if (vars <= 0) return literal;
    return weighted(vars, this.varArb(type, name, nested), literal);
  }

  private literalArb(type: GraphQLInputType, name: string, nested: boolean, vars: number): fc.Arbitrary<V> {
    if (!isNonNullType(type)) {
      const inner = this.literalArb(nonNullOf(type), name, nested, vars);
      return fc.oneof({ arbitrary: inner, weight: 19 }, { arbitrary: fc.constant<V>({ k: 'null' }), weight: 1 });
    }
    const t = type.ofType;
    if (isListType(t)) {
      const itemType = t.ofType as GraphQLInputType;
      const item = this.valueArb(itemType, name, nested, vars > 0 ? 0.05 : 0);
      const big = name === 'messages' || name === 'updates';
      const list = fc.array(item, { minLength: name === 'ids' || big ? 1 : 0, maxLength: big ? 4 : 3 }).map((items): V => ({ k: 'list', items }));
      // A single value where a list is expected: input coercion makes it a list of one (a literal:
      // a variable of the item's type is not allowed there).
      return fc.oneof({ arbitrary: list, weight: 9 }, { arbitrary: this.literalArb(itemType, name, nested, vars), weight: 1 });
    }
    if (isInputObjectType(t)) return this.inputObjectArb(t, nested, vars);
    if (isEnumType(t)) return fc.constantFrom(...t.getValues().map((v) => v.name)).map((v): V => ({ k: 'enum', v }));
    if (isSpecifiedScalarType(t)) return this.scalarArb(t, name, nested);
    return this.scalarArb(t, name, nested).map((v): V => (v.k === 'str' ? { ...v, scalar: t.name } : v));
  }

  private inputObjectArb(t: GraphQLInputObjectType, nested: boolean, vars: number): fc.Arbitrary<V> {
    const fields = Object.values(t.getFields());
    const parts = fields.map((f) => {
      const value = this.valueArb(f.type, f.name, nested, vars).map((v): [string, V] => [f.name, v]);
      const required = isNonNullType(f.type) && f.defaultValue === undefined;
      return required ? value : maybe(value, t.name === 'ContactProfileInput' || t.name === 'MessageInput' ? 0.4 : 0.2);
    });
    return fc.tuple(...parts).map((entries): V => ({ k: 'obj', fields: entries.filter((e): e is [string, V] => e !== undefined) }));
  }

  private varArb(type: GraphQLInputType, name: string, nested: boolean): fc.Arbitrary<V> {
    const positionNonNull = isNonNullType(type);
    const nullable = getNullableType(type) as GraphQLInputType;
    const strict = nonNullOf(nullable);
    const constValue = this.valueArb(strict, name, nested, 0);
    const hint = fc.oneof(
      { arbitrary: fc.constant(name), weight: 3 },
      { arbitrary: fc.constantFrom(...VAR_HINTS), weight: 3 },
      { arbitrary: identifier, weight: 2 },
    );
    return fc
      .record({
        hint,
        value: constValue,
        dflt: maybe(constValue, 0.25),
        tighten: fc.boolean(),
        send: fc.integer({ min: 0, max: 9 }),
        lone: getNamedType(nullable).name === 'String' ? maybe(fc.constantFrom(...EDGE_VARIABLE_STRINGS), this.edgeRate) : fc.constant(undefined),
        outOfRange: getNamedType(nullable).name === 'Int' ? maybe(fc.constantFrom(...EDGE_OUT_OF_RANGE_INTS), this.edgeRate / 2) : fc.constant(undefined),
      })
      .map(({ hint, value, dflt, tighten, send, lone, outOfRange }): V => {
        // Position non-null: `T!`, or `T = <non-null default>` (allowed by the spec); never sent null.
        // Position nullable: `T` or `T!`.
        const declaredNonNull = positionNonNull ? dflt === undefined || tighten : tighten;
        const node: VarNode = { k: 'var', hint, type: declaredNonNull ? String(strict) : String(nullable), value: toJS(value) };
        if (dflt !== undefined) node.default = dflt;
        if (dflt !== undefined && send < 5) node.value = undefined; // the default applies
        else if (!declaredNonNull && !positionNonNull && send === 9) node.value = null;
        else if (!declaredNonNull && !positionNonNull && send === 8) node.value = undefined;
        // A lone surrogate cannot be written in a literal, only sent.
        if (lone !== undefined && typeof node.value === 'string') node.value = lone;
        // What the scalars' own parsers will judge: the generated value, when it is the one sent.
        const scalars = node.value === null || node.value === undefined ? [] : scalarStrings(value);
        if (scalars.length) node.scalars = scalars;
        if (containsEdge(value) || (lone !== undefined && node.value === lone)) node.edge = true;
        // Sent only: as a literal it would be a validation error. The variables then fail coercion.
        if (outOfRange !== undefined && typeof node.value === 'number') {
          node.value = outOfRange;
          node.bad = true;
        }
        return node;
      });
  }

  // --- selections ----------------------------------------------------------

  private fieldArb(field: GraphQLField<unknown, unknown>, ctx: GenCtx): fc.Arbitrary<Sel> | null {
    const named = getNamedType(field.type);
    let child: fc.Arbitrary<Sel[] | undefined> = fc.constant(undefined);
    if (isCompositeType(named)) {
      if (ctx.depth <= 1) return null;
      const pages = field.args.some((a) => ['first', 'last', 'pageSize'].includes(a.name));
      const nested = ctx.nested || pages || isListType(getNullableType(field.type));
      child = this.selArb(named, { depth: ctx.depth - 1, nested, noInline: false });
    }
    return fc
      .record({
        alias: maybe(fc.oneof(fc.constantFrom(...ALIAS_HINTS), identifier), 0.12),
        args: this.argsArb(field, ctx.nested),
        dirs: this.dirsArb(),
        sel: child,
      })
      .map(({ alias, args, dirs, sel }): Sel => {
        const f: FieldSel = { k: 'field', name: field.name, args, dirs, rt: String(field.type) };
        if (alias !== undefined && alias !== field.name) f.alias = alias;
        if (sel) f.sel = sel;
        return f;
      });
  }

  private readonly argsMemo = new Map<GraphQLField<unknown, unknown>, fc.Arbitrary<[string, V][]>[]>();

  argsArb(field: GraphQLField<unknown, unknown>, nested: boolean): fc.Arbitrary<[string, V][]> {
    let known = this.argsMemo.get(field);
    if (!known) this.argsMemo.set(field, (known = []));
    return (known[Number(nested)] ??= this.buildArgs(field, nested));
  }

  private buildArgs(field: GraphQLField<unknown, unknown>, nested: boolean): fc.Arbitrary<[string, V][]> {
    const byName = new Map(field.args.map((a) => [a.name, a]));
    const parts: fc.Arbitrary<[string, V][]>[] = [];
    const arg = (a: GraphQLArgument) => this.valueArb(a.type, a.name, nested, 0.25).map((v): [string, V][] => [[a.name, v]]);
    const none = fc.constant<[string, V][]>([]);
    if (byName.has('first') && byName.has('last')) {
      // One page size; always given inside a list (the default 20 would multiply the cost).
      const first = arg(byName.get('first')!);
      const last = arg(byName.get('last')!);
      parts.push(nested ? fc.oneof({ arbitrary: first, weight: 4 }, { arbitrary: last, weight: 1 }) : fc.oneof({ arbitrary: first, weight: 5 }, { arbitrary: last, weight: 1 }, { arbitrary: none, weight: 2 }));
    }
    for (const a of field.args) {
      if (a.name === 'first' || a.name === 'last') continue;
      const required = isNonNullType(a.type) && a.defaultValue === undefined;
      if (required) parts.push(arg(a));
      else {
        const rare = a.name === 'after' || a.name === 'before';
        const rate = rare ? (this.pool.cursors?.length ? 0.1 : 0.03) : a.name === 'where' || a.name === 'since' ? 0.5 : 0.3;
        parts.push(maybe(arg(a), rate).map((p) => p ?? []));
      }
    }
    return fc.tuple(...parts).map((ps) => ps.flat());
  }

  private dirs?: fc.Arbitrary<Directive[]>;

  private dirsArb(): fc.Arbitrary<Directive[]> {
    return (this.dirs ??= this.buildDirs());
  }

  private buildDirs(): fc.Arbitrary<Directive[]> {
    const cond = fc.oneof(
      { arbitrary: fc.boolean().map((v): V => ({ k: 'bool', v })), weight: 1 },
      { arbitrary: this.varArb(this.nonNullBoolean(), 'show', false), weight: 1 },
    );
    const dir = fc.record({ name: fc.constantFrom<'skip' | 'include'>('skip', 'include'), cond });
    return maybe(dir, 0.06).map((d) => (d ? [d] : []));
  }

  private nonNullBoolean(): GraphQLInputType {
    return nonNullOf(this.type('Boolean') as GraphQLInputType);
  }

  /** The types an inline fragment or a fragment may be on, inside a selection on `parent`. */
  private readonly overlapMemo = new Map<string, GraphQLCompositeType[]>();

  overlapping(parent: GraphQLCompositeType): GraphQLCompositeType[] {
    let known = this.overlapMemo.get(parent.name);
    if (!known) this.overlapMemo.set(parent.name, (known = this.computeOverlapping(parent)));
    return known;
  }

  private computeOverlapping(parent: GraphQLCompositeType): GraphQLCompositeType[] {
    const all = Object.values(this.schema.getTypeMap()).filter(
      (t): t is GraphQLCompositeType => isCompositeType(t) && !t.name.startsWith('__') && ![this.schema.getQueryType(), this.schema.getMutationType(), this.schema.getSubscriptionType()].includes(t as GraphQLObjectType),
    );
    return all.filter((t) => doTypesOverlap(this.schema, parent, t));
  }

  selArb(type: GraphQLCompositeType, ctx: GenCtx): fc.Arbitrary<Sel[]> {
    const key = `${type.name}|${ctx.depth}|${ctx.nested}|${ctx.noInline}`;
    let arb = this.selMemo.get(key);
    if (!arb) {
      arb = this.buildSel(type, ctx);
      this.selMemo.set(key, arb);
    }
    return arb;
  }

  private buildSel(type: GraphQLCompositeType, ctx: GenCtx): fc.Arbitrary<Sel[]> {
    const options: fc.WeightedArbitrary<Sel>[] = [];
    if (!(type instanceof GraphQLUnionType)) {
      for (const field of Object.values(type.getFields())) {
        const arb = this.fieldArb(field, ctx);
        if (arb) options.push({ arbitrary: arb, weight: isCompositeType(getNamedType(field.type)) ? 4 : 3 });
      }
    }
    options.push({ arbitrary: this.dirsArb().map((dirs): Sel => ({ k: 'field', name: '__typename', args: [], dirs, rt: 'String!' })), weight: 1 });
    if (!ctx.noInline) {
      const inner = { ...ctx, noInline: true };
      for (const t of this.overlapping(type)) {
        const weight = type instanceof GraphQLUnionType || type instanceof GraphQLInterfaceType ? 6 : 1;
        options.push({ arbitrary: fc.tuple(this.selArb(t, inner), this.dirsArb()).map(([sel, dirs]): Sel => ({ k: 'inline', on: t.name, dirs, sel })), weight });
      }
      // No type condition: only to hang a directive on a group of fields.
      options.push({ arbitrary: fc.tuple(this.selArb(type, inner), this.dirsArb()).map(([sel, dirs]): Sel => ({ k: 'inline', dirs, sel })), weight: 1 });
    }
    options.push({ arbitrary: fc.tuple(fc.nat(), this.dirsArb()).map(([pick, dirs]): Sel => ({ k: 'spread', pick, dirs })), weight: 5 });
    return fc.array(fc.oneof(...options), { minLength: 1, maxLength: ctx.depth > 6 ? 4 : 3 });
  }

  rootArb(kind: OperationKind, depth: number): fc.Arbitrary<Sel[]> {
    if (kind === 'subscription') {
      const sub = this.schema.getSubscriptionType()!;
      // Exactly one field, no directives (the spec forbids @skip/@include there), aliased sometimes.
      const fields = Object.values(sub.getFields()).map((f) =>
        fc
          .record({
            alias: maybe(fc.constantFrom(...ALIAS_HINTS), 0.25),
            args: this.argsArb(f, false),
            sel: this.selArb(getNamedType(f.type) as GraphQLCompositeType, { depth: depth - 1, nested: false, noInline: false }),
          })
          .map(({ alias, args, sel }): Sel => ({ k: 'field', name: f.name, ...(alias ? { alias } : {}), args, dirs: [], sel, rt: String(f.type) })),
      );
      return fc.oneof(...fields).map((f) => [f]);
    }
    if (kind === 'mutation') {
      const mutation = this.schema.getMutationType()!;
      const fields = Object.values(mutation.getFields()).map((f) => this.fieldArb(f, { depth, nested: false, noInline: true })!);
      return fc.array(fc.oneof(...fields), { minLength: 1, maxLength: 2 });
    }
    const query = this.schema.getQueryType()!;
    return this.selArb(query, { depth, nested: false, noInline: false });
  }

  fragArb(): fc.Arbitrary<{ on: string; sel: Sel[] }> {
    const names = ['Message', 'Conversation', 'Contact', 'MessageContent', 'Node', 'MessageConnection', 'ConversationConnection', 'ContactConnection', 'PageInfo', 'TextContent', 'MediaContent', 'QuoteContent', 'Query', 'Viewer', 'MessageAddedEvent', 'MessageStatusChangedEvent', 'IngestPayload', 'MessageEdge', 'MessagePage'];
    const types = names.map((n) => this.schema.getType(n)).filter((t): t is GraphQLCompositeType => !!t && isCompositeType(t));
    return fc.oneof(...types.map((t) => this.selArb(t, { depth: FRAGMENT_DEPTH, nested: true, noInline: false }).map((sel) => ({ on: t.name, sel }))));
  }

  planArb(): fc.Arbitrary<Plan> {
    const kinds = this.options.kinds ?? ['query', 'mutation', 'subscription'];
    const depth = this.options.maxDepth ?? this.limits.maxDepth;
    const opArb = (kind: OperationKind) => this.rootArb(kind, depth).map((sel): Operation => ({ kind, sel }));
    const anyKind = fc.oneof({ arbitrary: opArb('query'), weight: 3 }, { arbitrary: opArb('mutation'), weight: 1 }, { arbitrary: opArb('subscription'), weight: 1 });
    const chosen = fc.oneof(...kinds.map((k) => opArb(k)));
    const invalidRate = this.options.invalidRate ?? 0.15;
    const exceedRate = this.options.exceedRate ?? 0.03;
    const variableErrorRate = this.options.variableErrorRate ?? 0.04;
    const chance = (rate: number) => weighted(rate, fc.constant(true), fc.constant(false));
    return fc.record({
      chosen,
      // Cross-shrink: a counterexample sheds the other operations first.
      others: fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant([] as Operation[]), weight: 3 }, { arbitrary: fc.array(anyKind, { minLength: 1, maxLength: 2 }), weight: 1 }),
      position: fc.nat(),
      frags: fc.array(this.fragArb(), { maxLength: 5 }),
      names: fc.array(fc.oneof(fc.constantFrom(...OP_HINTS), identifier.map((s) => s[0]!.toUpperCase() + s.slice(1))), { minLength: 3, maxLength: 3 }),
      anonymous: fc.boolean(),
      sendName: fc.integer({ min: 0, max: 9 }).map((n) => n < 7),
      compact: fc.boolean(),
      invalid: fc.record({ on: chance(invalidRate), which: fc.nat(), seed: fc.nat() }),
      exceed: fc.record({ on: chance(exceedRate), which: fc.nat() }),
      variableError: fc.record({ on: chance(variableErrorRate), seed: fc.nat() }),
    });
  }
}

const FRAGMENT_DEPTH = 4;

function nonNullOf(type: GraphQLInputType): GraphQLInputType {
  return isNonNullType(type) ? type : new GraphQLNonNull(type);
}

function toJS(v: V): unknown {
  switch (v.k) {
    case 'null':
      return null;
    case 'list':
      return v.items.map(toJS);
    case 'obj':
      return Object.fromEntries(v.fields.map(([k, x]) => [k, toJS(x)]));
    case 'var':
    case 'raw':
      throw new Error('a variable value holds no variables');
    default:
      return v.v;
  }
}

function scalarStrings(v: V, into: [string, string][] = []): [string, string][] {
  if (v.k === 'str' && v.scalar) into.push([v.scalar, v.v]);
  else if (v.k === 'list') v.items.forEach((x) => scalarStrings(x, into));
  else if (v.k === 'obj') v.fields.forEach(([, x]) => scalarStrings(x, into));
  return into;
}

/** Whether the schema's own scalar refuses the string (a schema built from SDL refuses nothing). */
function scalarRefuses(schema: GraphQLSchema, scalar: string, value: string, literal: boolean): boolean {
  const type = schema.getType(scalar);
  if (!type || !isScalarType(type)) return false;
  try {
    return (literal ? type.parseLiteral({ kind: Kind.STRING, value }, undefined) : type.parseValue(value)) === undefined;
  } catch {
    return true;
  }
}

function containsEdge(v: V): boolean {
  switch (v.k) {
    case 'str':
      return EDGE_STRINGS.includes(v.v) || EDGE_DATES.includes(v.v) || EDGE_IDS.includes(v.v);
    case 'int':
      return EDGE_INTS.includes(v.v);
    case 'list':
      return v.items.some(containsEdge);
    case 'obj':
      return v.fields.some(([, x]) => containsEdge(x));
    case 'var':
      return !!v.edge || !!v.bad || (v.default !== undefined && containsEdge(v.default));
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------
// From a plan to a request

const field = (name: string, rt: string, sel?: Sel[], args: [string, V][] = [], alias?: string, dirs: Directive[] = []): FieldSel => ({
  k: 'field',
  name,
  rt,
  args,
  dirs,
  ...(sel ? { sel } : {}),
  ...(alias ? { alias } : {}),
});
const typename = (dirs: Directive[] = []): FieldSel => field('__typename', 'String!', undefined, [], undefined, dirs);

/** Fields signature for merging: same name, arguments, type and sub-selection (spreads' pick left out). */
function signature(f: FieldSel): string {
  return JSON.stringify([f.name, f.args, f.rt, f.sel ?? null], (k, v) => (k === 'pick' || k === 'dirs' ? undefined : v));
}

function responseName(f: FieldSel): string {
  return f.alias ?? f.name;
}

class RequestBuilder {
  private readonly schema: GraphQLSchema;
  private frags: Fragment[] = [];
  private readonly fragDepth = new Map<string, number>();
  private readonly fragNames = new Map<string, Map<string, string>>();
  ops: Operation[];
  chosen: Operation;
  operationName: string | undefined;
  invalid: InvalidKind | undefined;

  constructor(
    private readonly gen: Generator,
    plan: Plan,
  ) {
    this.schema = gen.schema;
    const depth = gen.options.maxDepth ?? gen.limits.maxDepth;
    // Fragments: each may spread the ones before it (no cycles).
    plan.frags.forEach((f, i) => {
      const dup = plan.frags.slice(0, i).some((g, j) => g.on === f.on && FRAG_SUFFIXES[j % 5] === FRAG_SUFFIXES[i % 5]);
      const name = `${f.on}${FRAG_SUFFIXES[i % 5]}${dup ? i : ''}`;
      const fragment: Fragment = { name, on: f.on, sel: this.resolve(f.sel, this.composite(f.on), FRAGMENT_DEPTH, this.frags) };
      fragment.sel = this.fixScope(fragment.sel);
      this.fragDepth.set(name, this.depthOf(fragment.sel));
      this.frags.push(fragment);
      this.fragNames.set(name, this.mergedNames(fragment.sel));
    });
    this.chosen = plan.chosen;
    this.ops = [...plan.others];
    this.ops.splice(plan.position % (this.ops.length + 1), 0, this.chosen);
    for (const op of this.ops) op.sel = this.fixScope(this.resolve(op.sel, this.rootType(op), depth, this.frags));
    this.dropUnusedFragments();
    // Names: every operation of a multi-operation document; a single one may be anonymous.
    const taken = new Set<string>();
    this.ops.forEach((op, i) => {
      if (this.ops.length === 1 && plan.anonymous) return;
      let name = plan.names[i % plan.names.length]!;
      for (let k = 2; taken.has(name); k++) name = `${plan.names[i % plan.names.length]}${k}`;
      taken.add(name);
      op.name = name;
    });
    this.operationName = this.ops.length > 1 || plan.sendName ? this.chosen.name : undefined;
  }

  composite(name: string): GraphQLCompositeType {
    return this.gen.type(name) as GraphQLCompositeType;
  }

  rootType(op: Operation): GraphQLObjectType {
    return this.schema.getRootType(op.kind as OperationTypeNode)!;
  }

  fieldDef(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
    return parent instanceof GraphQLUnionType ? undefined : parent.getFields()[name];
  }

  // --- fragments -----------------------------------------------------------

  /** Spreads resolved to an applicable fragment (types overlap, depth fits) or dropped. */
  private resolve(sel: Sel[], parent: GraphQLCompositeType, remaining: number, candidates: Fragment[]): Sel[] {
    const out: Sel[] = [];
    for (const s of sel) {
      if (s.k === 'field') {
        if (s.sel) {
          const def = this.fieldDef(parent, s.name)!;
          s.sel = this.resolve(s.sel, getNamedType(def.type) as GraphQLCompositeType, remaining - 1, candidates);
        }
        out.push(s);
      } else if (s.k === 'inline') {
        s.sel = this.resolve(s.sel, s.on ? this.composite(s.on) : parent, remaining, candidates);
        out.push(s);
      } else {
        const fits = candidates.filter((f) => doTypesOverlap(this.schema, parent, this.composite(f.on)) && this.fragDepth.get(f.name)! <= remaining);
        if (fits.length === 0) continue;
        s.name = fits[s.pick % fits.length]!.name;
        out.push(s);
      }
    }
    return out;
  }

  private depthOf(sel: Sel[]): number {
    let d = 0;
    for (const s of sel) {
      if (s.k === 'field') d = Math.max(d, 1 + (s.sel ? this.depthOf(s.sel) : 0));
      else if (s.k === 'inline') d = Math.max(d, this.depthOf(s.sel));
      else d = Math.max(d, this.fragDepth.get(s.name!) ?? 0);
    }
    return d;
  }

  /** Response names of a merged selection (through inline fragments and spreads) and their signatures. */
  private mergedNames(sel: Sel[], into = new Map<string, string>()): Map<string, string> {
    for (const s of sel) {
      if (s.k === 'field') into.set(responseName(s), signature(s));
      else if (s.k === 'inline') this.mergedNames(s.sel, into);
      else for (const [k, v] of this.fragNames.get(s.name!) ?? []) into.set(k, v);
    }
    return into;
  }

  /**
   * Fields that would merge must be identical (OverlappingFieldsCanBeMerged):
   * a fragment spread clashing with an earlier one is dropped, and a field of
   * the selection itself clashing with anything is given an alias.
   */
  private fixScope(sel: Sel[]): Sel[] {
    const names = new Map<string, string>();
    const spreads = (list: Sel[]): Sel[] =>
      list.filter((s) => {
        if (s.k === 'inline') s.sel = spreads(s.sel);
        if (s.k !== 'spread') return true;
        const theirs = this.fragNames.get(s.name!)!;
        for (const [k, v] of theirs) if (names.has(k) && names.get(k) !== v) return false;
        for (const [k, v] of theirs) names.set(k, v);
        return true;
      });
    const own = (list: Sel[]) => {
      for (const s of list) {
        if (s.k === 'inline') {
          own(s.sel);
          if (s.sel.length === 0) s.sel.push(typename());
        } else if (s.k === 'field') {
          if (s.sel) s.sel = this.fixScope(s.sel);
          const sig = signature(s);
          const name = responseName(s);
          if (names.has(name) && names.get(name) !== sig) {
            let k = 2;
            while (names.has(`${name}${k}`)) k++;
            s.alias = `${name}${k}`;
          }
          names.set(responseName(s), sig);
        }
      }
    };
    const kept = spreads(sel);
    own(kept);
    if (kept.length === 0) kept.push(typename());
    return kept;
  }

  private spreadNames(sel: Sel[], into: Set<string>): Set<string> {
    for (const s of sel) {
      if (s.k === 'spread') {
        if (!into.has(s.name!)) {
          into.add(s.name!);
          const f = this.frags.find((x) => x.name === s.name);
          if (f) this.spreadNames(f.sel, into);
        }
      } else if (s.sel) this.spreadNames(s.sel, into);
    }
    return into;
  }

  private dropUnusedFragments() {
    const used = new Set<string>();
    for (const op of this.ops) this.spreadNames(op.sel, used);
    this.frags = this.frags.filter((f) => used.has(f.name));
  }

  // --- walking -------------------------------------------------------------

  /** Every field of a selection with its parent type, through inline fragments (and spreads when `follow`). */
  walkFields(sel: Sel[], parent: GraphQLCompositeType, cb: (f: FieldSel, parent: GraphQLCompositeType) => void, follow = false, seen = new Set<string>()) {
    for (const s of sel) {
      if (s.k === 'field') {
        cb(s, parent);
        const def = this.fieldDef(parent, s.name);
        if (s.sel && def) this.walkFields(s.sel, getNamedType(def.type) as GraphQLCompositeType, cb, follow, seen);
      } else if (s.k === 'inline') this.walkFields(s.sel, s.on ? this.composite(s.on) : parent, cb, follow, seen);
      else if (follow && !seen.has(s.name!)) {
        seen.add(s.name!);
        const f = this.frags.find((x) => x.name === s.name);
        if (f) this.walkFields(f.sel, this.composite(f.on), cb, follow, seen);
      }
    }
  }

  /** Every variable used by an operation (through its fragments), in order. */
  varsOf(op: Operation): VarNode[] {
    const out: VarNode[] = [];
    const value = (v: V) => {
      if (v.k === 'var') out.push(v);
      else if (v.k === 'list') v.items.forEach(value);
      else if (v.k === 'obj') v.fields.forEach(([, x]) => value(x));
    };
    const dirs = (ds: Directive[]) => ds.forEach((d) => value(d.cond));
    const walk = (sel: Sel[], seen: Set<string>) => {
      for (const s of sel) {
        dirs(s.dirs);
        if (s.k === 'field') {
          s.args.forEach(([, v]) => value(v));
          if (s.sel) walk(s.sel, seen);
        } else if (s.k === 'inline') walk(s.sel, seen);
        else if (!seen.has(s.name!)) {
          seen.add(s.name!);
          const f = this.frags.find((x) => x.name === s.name);
          if (f) walk(f.sel, seen);
        }
      }
    };
    walk(op.sel, new Set());
    return out;
  }

  /** The first field of the operation with a sub-selection (one is added to a query that has none). */
  firstComposite(op: Operation): FieldSel {
    const f = op.sel.find((s): s is FieldSel & { sel: Sel[] } => s.k === 'field' && !!s.sel);
    if (f) return f;
    const viewer = field('viewer', 'Viewer', [field('tenantId', 'String!')]);
    op.sel.push(viewer);
    return viewer;
  }

  fieldType(parent: GraphQLCompositeType, f: FieldSel): GraphQLCompositeType {
    return getNamedType(this.fieldDef(parent, f.name)!.type) as GraphQLCompositeType;
  }

  private nameAll() {
    const taken = new Set(this.ops.map((o) => o.name).filter(Boolean));
    for (const op of this.ops) {
      if (op.name) continue;
      let k = 1;
      while (taken.has(`Op${k}`)) k++;
      op.name = `Op${k}`;
      taken.add(op.name);
    }
  }

  private addOp(op: Operation) {
    this.ops.push(op);
    this.nameAll();
  }

  private queryOp(): Operation {
    const existing = [this.chosen, ...this.ops].find((o) => o.kind === 'query');
    if (existing) return existing;
    const op: Operation = { kind: 'query', sel: [] };
    this.addOp(op);
    if (this.operationName === undefined) this.operationName = this.chosen.name;
    return op;
  }

  // --- invalid variants ----------------------------------------------------

  applyInvalid(which: number, seed: number) {
    const order = [...INVALID_KINDS.slice(which % INVALID_KINDS.length), ...INVALID_KINDS.slice(0, which % INVALID_KINDS.length)];
    const kind = order[0]!;
    this.invalid = kind;
    const op = this.chosen;
    const root = this.rootType(op);
    const at = <T>(list: readonly T[]) => list[seed % list.length]!;
    switch (kind) {
      case 'unknown-field': {
        const f = this.firstComposite(op);
        const t = this.fieldType(root, f);
        const known = t instanceof GraphQLUnionType ? [] : Object.keys(t.getFields());
        let name = known.length ? `${at(known)}s` : 'text';
        while (known.includes(name)) name += 'Id';
        f.sel!.push(field(name, 'String'));
        break;
      }
      case 'unknown-argument': {
        const f = this.firstComposite(op);
        const def = this.fieldDef(root, f.name)!;
        const name = ['limit', 'offset', 'filter', 'sort', 'orderby', 'id', 'first'].find((n) => !def.args.some((a) => a.name === n))!;
        f.args.push([name, { k: 'int', v: 10 }]);
        break;
      }
      case 'wrong-literal-type': {
        const targets: { f: FieldSel; arg: GraphQLArgument }[] = [];
        for (const o of [op, ...this.ops.filter((x) => x !== op)]) {
          this.walkFields(o.sel, this.rootType(o), (f, parent) => {
            for (const arg of this.fieldDef(parent, f.name)?.args ?? []) if (!['DateTime', 'JSON'].includes(getNamedType(arg.type).name)) targets.push({ f, arg });
          });
          if (targets.length) break;
        }
        if (targets.length === 0) {
          this.queryOp().sel.push(field('messages', 'MessageConnection!', [field('totalCount', 'Int!')], [['first', { k: 'raw', text: '"ten"' }]], 'wrongType'));
          break;
        }
        const { f, arg } = at(targets);
        const text = wrongLiteral(arg.type, seed);
        f.args = [...f.args.filter(([n]) => n !== arg.name), [arg.name, { k: 'raw', text }]];
        break;
      }
      case 'missing-required-argument': {
        const targets: { f: FieldSel; name: string }[] = [];
        for (const o of this.ops) {
          this.walkFields(o.sel, this.rootType(o), (f, parent) => {
            for (const a of this.fieldDef(parent, f.name)?.args ?? []) {
              if (isNonNullType(a.type) && a.defaultValue === undefined && f.args.some(([n]) => n === a.name)) targets.push({ f, name: a.name });
            }
          });
        }
        if (targets.length === 0) {
          this.queryOp().sel.push(seed % 2 ? field('node', 'Node', [field('id', 'ID!')]) : field('contact', 'Contact', [field('name', 'String')]));
          break;
        }
        const { f, name } = at(targets);
        f.args = f.args.filter(([n]) => n !== name);
        break;
      }
      case 'undefined-variable': {
        const f = this.firstComposite(op);
        const def = this.fieldDef(root, f.name)!;
        const arg = def.args.find((a) => !['DateTime', 'JSON'].includes(getNamedType(a.type).name));
        const hint = at(VAR_HINTS);
        if (arg && seed % 2 === 0) {
          const v: VarNode = { k: 'var', hint, type: String(arg.type), value: undefined, undeclared: true };
          f.args = [...f.args.filter(([n]) => n !== arg.name), [arg.name, v]];
        } else {
          f.sel!.push(typename([{ name: 'include', cond: { k: 'var', hint, type: 'Boolean!', value: true, undeclared: true } }]));
        }
        break;
      }
      case 'variable-wrong-type': {
        const vars = this.varsOf(op);
        if (vars.length) {
          const v = at(vars);
          v.declaredType = wrongVariableType(v.type);
        } else {
          this.firstComposite(op).sel!.push(typename([{ name: 'include', cond: { k: 'var', hint: 'flag', type: 'Boolean!', declaredType: 'String', value: 'yes' } }]));
        }
        break;
      }
      case 'unused-variable':
        op.extraDefs = [{ name: at(['unused', 'since', 'where', 'first', 'debug']), type: at(['Int', 'String!', 'MessageWhere', '[ID!]', 'Boolean = false']) }];
        break;
      case 'unknown-fragment': {
        let name = `${this.fieldType(root, this.firstComposite(op)).name}Fragment`;
        while (this.frags.some((f) => f.name === name)) name += 'X';
        this.firstComposite(op).sel!.push({ k: 'spread', pick: 0, name, dirs: [] });
        break;
      }
      case 'impossible-fragment': {
        const f = this.firstComposite(op);
        const t = this.fieldType(root, f);
        const all = ['Viewer', 'Message', 'Conversation', 'Contact', 'TextContent', 'PageInfo', 'MessageContent', 'Node', 'IngestPayload'].map((n) => this.composite(n));
        const impossible = at(all.filter((x) => !doTypesOverlap(this.schema, t, x)));
        if (seed % 2) f.sel!.push({ k: 'inline', on: impossible.name, dirs: [], sel: [typename()] });
        else {
          const name = `Impossible${impossible.name}`;
          this.frags.push({ name, on: impossible.name, sel: [typename()] });
          f.sel!.push({ k: 'spread', pick: 0, name, dirs: [] });
        }
        break;
      }
      case 'duplicate-operation-name': {
        this.nameAll();
        const other = this.ops.find((o) => o !== op);
        if (other) other.name = op.name;
        else this.ops.push({ kind: 'query', name: op.name, sel: [field('viewer', 'Viewer', [field('tenantName', 'String!')])] });
        this.operationName = op.name;
        break;
      }
      case 'operation-name-matches-none': {
        this.nameAll();
        const names = new Set(this.ops.map((o) => o.name));
        let name = seed % 2 ? op.name!.toLowerCase() : `${op.name}2`;
        while (names.has(name)) name += 'x';
        this.operationName = name;
        break;
      }
      case 'several-operations-no-name':
        if (this.ops.length === 1) this.addOp({ kind: 'query', sel: [field('viewer', 'Viewer', [field('tenantId', 'String!')])] });
        this.operationName = undefined;
        break;
      case 'subscription-two-root-fields': {
        const sub = this.ops.find((o) => o.kind === 'subscription');
        const second = field(seed % 2 ? 'messageStatusChanged' : 'messageAdded', 'X!', [field('messageId', 'ID!')], [], 'second');
        if (sub) sub.sel.push(second);
        else this.addOp({ kind: 'subscription', sel: [field('messageAdded', 'MessageAddedEvent!', [field('messageId', 'ID!')]), second] });
        if (this.ops.length > 1 && this.operationName === undefined) this.operationName = op.name;
        break;
      }
    }
  }

  /** A valid document whose variables fail coercion. */
  applyVariableError(seed: number) {
    const op = this.chosen;
    const vars = this.varsOf(op).filter((v) => !v.undeclared);
    if (seed % 2 === 0) {
      const required = vars.filter((v) => v.type.endsWith('!') && v.default === undefined);
      if (required.length) required[seed % required.length]!.value = undefined;
      else this.firstComposite(op).sel!.push(typename([{ name: 'include', cond: { k: 'var', hint: 'show', type: 'Boolean!', value: undefined } }]));
      return;
    }
    const candidates = vars.filter((v) => badValues(v.type, this.schema).length > 0);
    if (candidates.length) {
      const v = candidates[seed % candidates.length]!;
      const bad = badValues(v.type, this.schema);
      v.value = bad[(seed >> 1) % bad.length];
      v.bad = true;
    } else {
      this.firstComposite(op).sel!.push(typename([{ name: 'skip', cond: { k: 'var', hint: 'hide', type: 'Boolean!', value: 'yes', bad: true } }]));
    }
  }

  // --- over the limits -----------------------------------------------------

  applyExceed(which: number) {
    const op = this.chosen;
    const limits = this.gen.limits;
    // Depth and cost are exceeded through a subscription event's `message` (messageCountsChanged has none).
    const root = op.kind === 'subscription' ? (op.sel[0] as { name?: string }).name : undefined;
    const nests = !root || 'message' in (getNamedType(this.schema.getSubscriptionType()!.getFields()[root]!.type) as GraphQLObjectType).getFields();
    const kinds = op.kind === 'mutation' || !nests ? ['aliases', 'directives'] : ['aliases', 'directives', 'depth', 'cost'];
    const kind = kinds[which % kinds.length];
    const f = this.firstComposite(op);
    if (kind === 'aliases') for (let i = 0; i <= limits.maxAliases; i++) f.sel!.push(field('__typename', 'String!', undefined, [], `over${i}`));
    // Two directives per field: as many repeats of one field would break the repeats limit first.
    else if (kind === 'directives') {
      for (let i = 0; i <= limits.maxDirectives; i += 2) f.sel!.push(typename([{ name: 'include', cond: { k: 'bool', v: true } }, { name: 'skip', cond: { k: 'bool', v: false } }]));
    }
    else {
      // conversations { edges { node { messages(first) { edges { node { conversation { … } } } } } } }
      const first = kind === 'cost' ? 100 : 1;
      const levels = kind === 'cost' ? Math.ceil(Math.log(limits.maxCost) / Math.log(first)) : Math.ceil(limits.maxDepth / 4) + 1;
      let inner: Sel[] = [field('id', 'ID!')];
      for (let i = 0; i < levels; i++) {
        inner = [field('messages', 'MessageConnection!', [field('edges', '[MessageEdge!]!', [field('node', 'Message!', [field('conversation', 'Conversation!', inner)])])], [['first', { k: 'int', v: first }]])];
      }
      if (op.kind === 'subscription') f.sel!.push(field('message', 'Message!', [field('conversation', 'Conversation!', inner)], [], 'overMessage'));
      else op.sel.push(field('conversations', 'ConversationConnection!', [field('edges', '[ConversationEdge!]!', [field('node', 'Conversation!', inner)])], [['first', { k: 'int', v: first }]], 'overConversations'));
    }
  }

  /** Custom-scalar strings written in the document: arguments, directives and variables' defaults. */
  private literalScalarStrings(): [string, string][] {
    const out: [string, string][] = [];
    const value = (v: V) => {
      if (v.k === 'var') {
        if (v.default) scalarStrings(v.default, out);
      } else if (v.k === 'list') v.items.forEach(value);
      else if (v.k === 'obj') v.fields.forEach(([, x]) => value(x));
      else scalarStrings(v, out);
    };
    const walk = (sel: Sel[]) => {
      for (const s of sel) {
        s.dirs.forEach((d) => value(d.cond));
        if (s.k === 'field') s.args.forEach(([, v]) => value(v));
        if (s.k !== 'spread') walk(s.sel ?? []);
      }
    };
    for (const op of this.ops) walk(op.sel);
    for (const f of this.frags) walk(f.sel);
    return out;
  }

  // --- rendering -----------------------------------------------------------

  build(compact: boolean): GeneratedRequest {
    // Variable names: one per distinct variable (same hint, type and value share it).
    const nameOf = new Map<VarNode, string>();
    const bySignature = new Map<string, string>();
    const takenNames = new Set<string>();
    for (const op of this.ops) for (const name of (op.extraDefs ?? []).map((d) => d.name)) takenNames.add(name);
    const allVars = [...this.ops.flatMap((o) => this.varsOf(o))];
    for (const v of allVars) {
      if (nameOf.has(v)) continue;
      const sig = JSON.stringify(v);
      let name = bySignature.get(sig);
      if (!name) {
        name = v.hint;
        for (let k = 2; takenNames.has(name); k++) name = `${v.hint}${k}`;
        takenNames.add(name);
        bySignature.set(sig, name);
      }
      nameOf.set(v, name);
    }

    const value = (v: V): string => {
      switch (v.k) {
        case 'str':
          return JSON.stringify(v.v);
        case 'int':
        case 'float':
        case 'bool':
          return String(v.v);
        case 'enum':
          return v.v;
        case 'null':
          return 'null';
        case 'list':
          return `[${v.items.map(value).join(', ')}]`;
        case 'obj':
          return `{${v.fields.map(([k, x]) => `${k}: ${value(x)}`).join(', ')}}`;
        case 'var':
          return `$${nameOf.get(v)}`;
        case 'raw':
          return v.text;
      }
    };
    const nl = compact ? ' ' : '\n';
    const pad = (n: number) => (compact ? '' : '  '.repeat(n));
    const dirs = (ds: Directive[]) => ds.map((d) => ` @${d.name}(if: ${value(d.cond)})`).join('');
    const sels = (list: Sel[], depth: number): string =>
      `{${nl}${list
        .map((s) => {
          let text: string;
          if (s.k === 'field') {
            const args = s.args.length ? `(${s.args.map(([k, v]) => `${k}: ${value(v)}`).join(', ')})` : '';
            text = `${s.alias ? `${s.alias}: ` : ''}${s.name}${args}${dirs(s.dirs)}${s.sel ? ` ${sels(s.sel, depth + 1)}` : ''}`;
          } else if (s.k === 'inline') text = `...${s.on ? ` on ${s.on}` : ''}${dirs(s.dirs)} ${sels(s.sel, depth + 1)}`;
          else text = `...${s.name}${dirs(s.dirs)}`;
          return pad(depth + 1) + text;
        })
        .join(nl)}${nl}${pad(depth)}}`;

    const variables: Record<string, unknown> = {};
    let expectError = false;
    const parts: string[] = [];
    for (const op of this.ops) {
      const defs = new Map<string, string>();
      for (const v of this.varsOf(op)) {
        if (v.undeclared) continue;
        const name = nameOf.get(v)!;
        if (defs.has(name)) continue;
        defs.set(name, `$${name}: ${v.declaredType ?? v.type}${v.default !== undefined ? ` = ${value(v.default)}` : ''}`);
        if (op === this.chosen) {
          if (v.value !== undefined) variables[name] = v.value;
          if (v.bad || (v.type.endsWith('!') && v.default === undefined && v.value === undefined)) expectError = true;
          if (v.value !== undefined && !v.bad && v.scalars?.some(([scalar, x]) => scalarRefuses(this.schema, scalar, x, false))) expectError = true;
        }
      }
      for (const d of op.extraDefs ?? []) defs.set(d.name, `$${d.name}: ${d.type}`);
      const head = defs.size ? `(${[...defs.values()].join(', ')})` : '';
      const shorthand = op.kind === 'query' && !op.name && !head && compact;
      parts.push(shorthand ? sels(op.sel, 0) : `${op.kind}${op.name ? ` ${op.name}` : ''}${head} ${sels(op.sel, 0)}`);
    }
    for (const f of this.frags) parts.push(`fragment ${f.name} on ${f.on} ${sels(f.sel, 0)}`);
    const query = parts.join(compact ? ' ' : '\n\n');

    let edge = false;
    for (const v of allVars) if (v.edge || v.bad) edge = true;
    const edgeIn = (list: Sel[]) => {
      for (const s of list) {
        if (s.k === 'field' && s.args.some(([, v]) => containsEdge(v))) edge = true;
        if (s.k !== 'spread') edgeIn(s.sel ?? []);
      }
    };
    for (const op of this.ops) edgeIn(op.sel);
    for (const f of this.frags) edgeIn(f.sel);

    // A custom-scalar literal its parser refuses (DateTime "not a date" with the server's schema) fails validation.
    if (this.invalid === undefined && this.literalScalarStrings().some(([scalar, x]) => scalarRefuses(this.schema, scalar, x, true))) this.invalid = 'wrong-literal-type';
    const valid = this.invalid === undefined;
    const request: GeneratedRequest = {
      query,
      variables,
      kind: this.chosen.kind,
      valid,
      expectError: valid && expectError,
      exceedsLimits: false,
      exceeded: [],
      edge,
    };
    if (this.operationName !== undefined) request.operationName = this.operationName;
    if (this.invalid) request.invalid = this.invalid;
    request.exceeded = measureLimits(this.schema, request, this.gen.limits);
    request.exceedsLimits = request.exceeded.length > 0;
    return request;
  }
}

/** The limits `request` breaks, measured with the server's own code (limits.ts, query-cost.ts). */
export function measureLimits(schema: GraphQLSchema, request: Pick<GeneratedRequest, 'query' | 'variables' | 'operationName'>, limits: Limits = DEFAULT_LIMITS): LimitName[] {
  const document = parse(request.query);
  const out: LimitName[] = documentLimitErrors(document, limits).map((e) => e.extensions.limit as LimitName);
  if (operationCost(schema, document, request.operationName, request.variables) > limits.maxCost) out.push('cost');
  return out;
}

function wrongLiteral(type: GraphQLInputType, seed: number): string {
  if (isNonNullType(type) && seed % 4 === 0) return 'null';
  const named = getNamedType(type);
  const choices: Record<string, string[]> = {
    Int: ['"10"', '1.5', String(2 ** 31), String(-(2 ** 31) - 1), 'true'],
    Float: ['"1.5"', 'true'],
    String: ['123', 'true', '["a", 1]'],
    ID: ['true', '1.5', '{id: 1}'],
    Boolean: ['"yes"', '1'],
  };
  let list = choices[named.name];
  if (!list && named instanceof GraphQLEnumType) list = [`"${named.getValues()[0]!.name}"`, 'UNKNOWN_VALUE', '1'];
  if (!list && named instanceof GraphQLInputObjectType) {
    const required = Object.values(named.getFields()).some((f) => isNonNullType(f.type) && f.defaultValue === undefined);
    list = ['"x"', '{bogusField: 1}', ...(required ? ['{}'] : [])];
  }
  list ??= ['{a: 1}'];
  return list[(seed >> 2) % list.length]!;
}

function wrongVariableType(type: string): string {
  const named = type.replace(/[[\]!]/g, '');
  const other = named === 'String' ? 'Int' : named === 'ID' ? 'Boolean' : 'String';
  return type.replace(named, other);
}

/** Values a variable of `type` can be sent that fail coercion (none for the custom scalars: the SDL schema takes anything). */
function badValues(type: string, schema: GraphQLSchema): unknown[] {
  const named = schema.getType(type.replace(/[[\]!]/g, ''));
  if (!named) return [];
  if (named.name === 'Int') return [...EDGE_OUT_OF_RANGE_INTS, '10'];
  if (named.name === 'String') return [5, true];
  if (named.name === 'ID') return [true, 1.5, {}];
  if (named.name === 'Boolean') return ['yes', 1];
  if (isEnumType(named)) return ['NOPE', 1];
  if (isInputObjectType(named)) return ['x', 5];
  return [];
}

// ---------------------------------------------------------------------------

/** Requests generated from `schema`, with argument values from `pool`. */
export function requestArbitrary(schema: GraphQLSchema, pool: ValuePool, options: RequestOptions = {}): fc.Arbitrary<GeneratedRequest> {
  const gen = new Generator(schema, pool, options);
  return gen.planArb().map((generated) => {
    // The builder edits its plan: work on a copy (fast-check reuses values when shrinking).
    const plan = structuredClone(generated);
    const builder = new RequestBuilder(gen, plan);
    if (plan.invalid.on) builder.applyInvalid(plan.invalid.which, plan.invalid.seed);
    else if (plan.variableError.on) builder.applyVariableError(plan.variableError.seed);
    if (plan.exceed.on) builder.applyExceed(plan.exceed.which);
    return builder.build(plan.compact);
  });
}

/** A request as text, for failure messages (variables as JSON: lone surrogates escaped). */
export function printRequest(request: GeneratedRequest): string {
  const flags = [
    request.kind,
    request.valid ? 'valid' : `invalid: ${request.invalid}`,
    request.expectError ? 'expectError' : '',
    request.exceedsLimits ? `exceeds: ${request.exceeded.join(', ')}` : '',
    request.edge ? 'edge values' : '',
  ].filter(Boolean);
  return [
    `# ${flags.join(' · ')}`,
    `# operationName: ${request.operationName === undefined ? '(none)' : JSON.stringify(request.operationName)}`,
    request.query,
    `# variables: ${JSON.stringify(request.variables)}`,
  ].join('\n');
}
