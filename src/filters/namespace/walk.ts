// Walks decoded messages along property paths (arrays traversed implicitly), and removes array
// elements a visitor says to hide: a response entry naming another tenant's resource disappears
// with the entry (topic, group, transaction, ACL binding) that holds it.

export type Struct = Record<string, unknown>;

/**
 * Calls `visit(holder, key)` for every struct holding the last property of `path`. A visitor
 * returning true hides the nearest array element enclosing that struct (the whole message when
 * there is none: the caller sees true).
 */
export function walk(
  value: unknown,
  path: readonly string[],
  visit: (holder: Struct, key: string) => boolean,
): boolean {
  return step(value, path, 0, visit);
}

function step(
  value: unknown,
  path: readonly string[],
  depth: number,
  visit: (holder: Struct, key: string) => boolean,
): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    let kept = 0;
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      if (!step(item, path, depth, visit)) value[kept++] = item;
    }
    value.length = kept;
    return false;
  }
  const holder = value as Struct;
  const key = path[depth]!;
  if (depth === path.length - 1) return key in holder ? visit(holder, key) : false;
  return step(holder[key], path, depth + 1, visit);
}

/** Every struct at `path` (a struct path: each element of the arrays on the way). */
export function eachStruct(value: unknown, path: readonly string[], visit: (struct: Struct) => void, depth = 0): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) eachStruct(item, path, visit, depth);
    return;
  }
  if (depth === path.length) {
    visit(value as Struct);
    return;
  }
  eachStruct((value as Struct)[path[depth]!], path, visit, depth + 1);
}
