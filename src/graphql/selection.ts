// Whether an operation selects a path below the current field (through
// fragments), so a resolver can fetch in one statement what will be asked for.
import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** What the selection helpers read of a resolver's info: its field nodes and the operation's fragments. */
export type SelectionInfo = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>;

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
export function selectedFieldNames(info: SelectionInfo, path: readonly string[]): Set<string> {
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
