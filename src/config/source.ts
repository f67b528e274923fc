// The parsed YAML document and everything needed to point at a place in it: document paths such as
// `routerDefinitions[1].routes[0].target.cluster`, and their line and column.

import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { SourceLocation } from './model.ts';

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** Renders a path as in messages: `a.b[0].c`, with keys that are not identifiers as `["a."]`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '<root>' : out;
}

/** Parses what formatPath renders (used by `ConfigurationSource.locate`). */
export function parsePath(text: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const token = /\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  while (token.lastIndex < text.length) {
    const match = token.exec(text);
    if (match === null) break;
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(JSON.parse(match[3]!) as string);
  }
  return segments;
}

/** Splits a JSON pointer (RFC 6901) into path segments; numeric tokens index sequences. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

export interface ParsedSource {
  readonly file: string;
  readonly document: Document.Parsed;
  /** Line and column (1-based) of a character offset. */
  position(offset: number): SourceLocation;
  /** The node at `path`, resolving aliases; undefined when absent. */
  nodeAt(path: readonly PathSegment[]): Node | undefined;
  /** Location of the node at `path`, or of its nearest existing ancestor. */
  locate(path: readonly PathSegment[]): SourceLocation;
}

export function parseSource(text: string, file: string): ParsedSource {
  const lineCounter = new LineCounter();
  // Duplicate keys are reported by the validator (VG2) with our own message and location.
  const document = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, version: '1.2' });
  const position = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const resolve = (node: unknown): Node | undefined => {
    const resolved = isAlias(node) ? node.resolve(document) : node;
    return resolved as Node | undefined;
  };
  const nodeAt = (path: readonly PathSegment[]): Node | undefined => {
    let node = resolve(document.contents);
    for (const segment of path) {
      if (node === undefined) return undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        node = resolve(pair?.value);
      } else if (isSeq(node) && typeof segment === 'number') {
        node = resolve(node.items[segment]);
      } else {
        return undefined;
      }
    }
    return node ?? undefined;
  };
  /** The key node of a mapping property whose value is a collection: the clearest place to point
   *  at for problems about the whole value (`target:` rather than its first entry). */
  const keyOfCollection = (path: readonly PathSegment[]): Node | undefined => {
    const last = path[path.length - 1];
    if (typeof last !== 'string') return undefined;
    const parent = nodeAt(path.slice(0, -1));
    if (!isMap(parent)) return undefined;
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === last);
    const value = resolve(pair?.value);
    return isMap(value) || isSeq(value) ? (pair?.key as Node) : undefined;
  };
  const locate = (path: readonly PathSegment[]): SourceLocation => {
    for (let n = path.length; n >= 0; n--) {
      const prefix = path.slice(0, n);
      const node = keyOfCollection(prefix) ?? nodeAt(prefix);
      if (node?.range) return position(node.range[0]);
    }
    return { line: 1, column: 1 };
  };
  return { file, document, position, nodeAt, locate };
}
