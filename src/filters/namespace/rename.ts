// Puts the names of requests into a tenant's namespace and takes responses out of it: `orders`
// from the client is `tenant-a.orders` upstream and back. Response entries naming anything outside
// the namespace are hidden. Empty and null names (a topic named by id, "no group") are left alone.

import type { NamespaceFields } from './fields.ts';
import { type Struct, walk } from './walk.ts';

/** Config resource types (ConfigResource.Type) that name a tenant's resources: TOPIC and GROUP. */
const NAMESPACED_CONFIG_TYPES: ReadonlySet<number> = new Set([2, 32]);

/** Regular expressions are narrowed to the namespace: `^<prefix>(?:<client's expression>)`. */
export function patternWrapper(prefix: string): string {
  // The prefix has only letters, digits, '.', '_' and '-' (prefix.ts): '.' is the one to escape.
  return `^${prefix.replaceAll('.', '\\.')}(?:`;
}

export function prefixRequest(fields: NamespaceFields, body: object, prefix: string): void {
  const add = (name: unknown) => (typeof name === 'string' && name !== '' ? prefix + name : name);
  for (const field of fields.names) {
    walk(body, field.path, (holder, key) => {
      const value = holder[key];
      if (field.isArray) {
        if (Array.isArray(value)) for (let i = 0; i < value.length; i++) value[i] = add(value[i]);
      } else {
        holder[key] = add(value);
      }
      return false;
    });
  }
  for (const path of fields.configResources) {
    walk(body, path, (holder, key) => {
      if (NAMESPACED_CONFIG_TYPES.has(holder.resourceType as number)) holder[key] = add(holder[key]);
      return false;
    });
  }
  if (fields.patterns.length === 0) return;
  const wrapper = patternWrapper(prefix);
  const wrap = (pattern: unknown) =>
    typeof pattern === 'string' && pattern !== '' ? `${wrapper}${pattern})` : pattern;
  for (const field of fields.patterns) {
    walk(body, field.path, (holder, key) => {
      const value = holder[key];
      if (field.isArray) {
        if (Array.isArray(value)) for (let i = 0; i < value.length; i++) value[i] = wrap(value[i]);
      } else {
        holder[key] = wrap(value);
      }
      return false;
    });
  }
}

/**
 * Takes a response out of the namespace: strips the prefix, hides entries naming other resources.
 * Returns whether anything changed (an unchanged response is forwarded as its original bytes).
 */
export function unprefixResponse(fields: NamespaceFields, body: object, prefix: string): boolean {
  let changed = false;
  /** The client's name for `name`, or undefined for a name outside the namespace. */
  const strip = (name: string): string | undefined => (name.startsWith(prefix) ? name.slice(prefix.length) : undefined);
  const visitName = (holder: Struct, key: string, isArray: boolean): boolean => {
    const value = holder[key];
    if (isArray) {
      if (!Array.isArray(value)) return false;
      let kept = 0;
      for (const item of value) {
        const local = typeof item === 'string' ? strip(item) : item;
        if (local !== undefined) value[kept++] = local;
      }
      changed ||= value.length > 0;
      value.length = kept;
      return false;
    }
    if (typeof value !== 'string' || value === '') return false;
    const local = strip(value);
    changed = true;
    if (local === undefined) return true;
    holder[key] = local;
    return false;
  };
  for (const field of fields.names) walk(body, field.path, (holder, key) => visitName(holder, key, field.isArray));
  for (const path of fields.configResources) {
    walk(body, path, (holder, key) =>
      NAMESPACED_CONFIG_TYPES.has(holder.resourceType as number) ? visitName(holder, key, false) : false,
    );
  }
  if (fields.patterns.length === 0) return changed;
  const wrapper = patternWrapper(prefix);
  for (const field of fields.patterns) {
    walk(body, field.path, (holder, key) => {
      const unwrap = (pattern: unknown) =>
        typeof pattern === 'string' && pattern.startsWith(wrapper) && pattern.endsWith(')')
          ? pattern.slice(wrapper.length, -1)
          : pattern;
      const value = holder[key];
      if (field.isArray) {
        if (Array.isArray(value)) for (let i = 0; i < value.length; i++) value[i] = unwrap(value[i]);
      } else {
        holder[key] = unwrap(value);
      }
      changed ||= value !== null && value !== undefined;
      return false;
    });
  }
  return changed;
}
