// Whether an operation selects a path below the current field (through
// fragments), so a resolver can fetch in one statement what will be asked for.
import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** What the selection helpers read of a resolver's info: its field nodes and the operation's fragments. */
export type SelectionInfo = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>;

// What a resolver derives from its selection is the same every time the same
// field nodes are executed (a document is parsed once and cached, and its
// fragments are its own), so it is worked out once per field and kept with
// the document's nodes (gone with them): a page of messages asks for its
// columns, joins and probes on every request.
interface Memo {
  readonly nodes: readonly FieldNode[];
  readonly values: Map<string, unknown>;
}
const memos = new WeakMap<FieldNode, Memo[]>();

function memoOf(nodes: readonly FieldNode[]): Memo | null {
  const first = nodes[0];
  if (!first) return null;
  let list = memos.get(first);
  if (!list) memos.set(first, (list = []));
  // The same node may be merged with different siblings where a fragment is spread in several places.
  for (const memo of list) if (memo.nodes.length === nodes.length && memo.nodes.every((n, i) => n === nodes[i])) return memo;
  const memo = { nodes: [...nodes], values: new Map<string, unknown>() };
  if (list.length < 16) list.push(memo);
  return memo;
}

/** `compute()` once per field (its field nodes) and `key`; the value is frozen, shared by every later execution. */
export function onSelection<T>(info: SelectionInfo, key: string, compute: () => T): T {
  const memo = memoOf(info.fieldNodes);
  if (!memo) return compute();
  if (memo.values.has(key)) return memo.values.get(key) as T;
  const value = deepFreeze(compute());
  memo.values.set(key, value);
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function fieldsNamed(set: SelectionSetNode | undefined, name: string, fragments: Record<string, FragmentDefinitionNode>, out: SelectionSetNode[], hit: { found: boolean }): void {
  if (!set) return;
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) {
      if (s.name.value === name) {
        hit.found = true;
        if (s.selectionSet) out.push(s.selectionSet);
      }
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      fieldsNamed(s.selectionSet, name, fragments, out, hit);
    } else {
      fieldsNamed(fragments[s.name.value]?.selectionSet, name, fragments, out, hit);
    }
  }
}

/** True when `path` (field names, e.g. ['edges', 'node', 'contact']) is selected under this field. */
export function selects(info: SelectionInfo, path: readonly string[]): boolean {
  return onSelection(info, `selects:${path.join('.')}`, () => selectsNow(info, path));
}

function selectsNow(info: SelectionInfo, path: readonly string[]): boolean {
  let sets = info.fieldNodes.map((f) => f.selectionSet).filter((s): s is SelectionSetNode => !!s);
  for (let i = 0; i < path.length; i++) {
    const next: SelectionSetNode[] = [];
    const hit = { found: false };
    for (const set of sets) fieldsNamed(set, path[i]!, info.fragments, next, hit);
    if (!hit.found) return false;
    if (i === path.length - 1) return true;
    sets = next;
  }
  return false;
}

function collectNames(set: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, out: Set<string>): void {
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) out.add(s.name.value);
    else if (s.kind === Kind.INLINE_FRAGMENT) collectNames(s.selectionSet, fragments, out);
    else {
      const fragment = fragments[s.name.value];
      if (fragment) collectNames(fragment.selectionSet, fragments, out);
    }
  }
}

/** The field names selected at `path` below this field (empty when the path is not selected). */
export function selectedFieldNames(info: SelectionInfo, path: readonly string[]): ReadonlySet<string> {
  return onSelection(info, `names:${path.join('.')}`, () => selectedFieldNamesNow(info, path));
}

function selectedFieldNamesNow(info: SelectionInfo, path: readonly string[]): Set<string> {
  let sets = info.fieldNodes.map((f) => f.selectionSet).filter((s): s is SelectionSetNode => !!s);
  for (const name of path) {
    const next: SelectionSetNode[] = [];
    for (const set of sets) fieldsNamed(set, name, info.fragments, next, { found: false });
    sets = next;
  }
  const out = new Set<string>();
  for (const set of sets) collectNames(set, info.fragments, out);
  return out;
}

function collectFields(set: SelectionSetNode, name: string, fragments: Record<string, FragmentDefinitionNode>, out: Map<string, FieldNode[]>): void {
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) {
      if (s.name.value !== name) continue;
      const key = s.alias?.value ?? name;
      out.set(key, [...(out.get(key) ?? []), s]);
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      collectFields(s.selectionSet, name, fragments, out);
    } else {
      const fragment = fragments[s.name.value];
      if (fragment) collectFields(fragment.selectionSet, name, fragments, out);
    }
  }
}

/**
 * The fields named `name` selected directly below this field, grouped by
 * response key (as the executor merges them), through fragments; type
 * conditions and @skip/@include are not looked at.
 */
export function childFieldNodes(info: SelectionInfo, name: string): FieldNode[][] {
  const out = new Map<string, FieldNode[]>();
  for (const f of info.fieldNodes) if (f.selectionSet) collectFields(f.selectionSet, name, info.fragments, out);
  return [...out.values()];
}
