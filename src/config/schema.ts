// The one declarative description of the configuration file: every key, its type, whether it is
// required, its default and, where the specifications prescribe one, its message. The walker below
// turns a YAML document into plain values with defaults applied and reports, with the node's line
// and column, the problems a description can express: duplicate keys (VG2), unknown properties
// (VG3), wrong types or values (VG4, VK2, VK3, VL1–VL5), missing properties (VG5) and the
// compatibility warnings VL6 and VL7. Relationships between items are checked in `rules.ts`.

import { isAlias, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import { DEFAULT_TLS_PRINCIPAL, PRINCIPAL_SOURCES, parseMappingRule } from '../security/tls-principal.ts';
import { formatPath, type Path } from './source.ts';
import { didYouMean } from './suggest.ts';
import { isHost, NODE_ID_PLACEHOLDER, parseAddressPattern, parseDuration, parseHostPort } from './values.ts';

/** Who owns a property, for messages: `virtual cluster 'union'`, `network.proxy`, … */
export interface Owner {
  /** Label of the nearest named ancestor (or the item itself), or undefined at the root. */
  readonly anchor: string | undefined;
  /** Keys from that anchor down to this object, e.g. `tls.trust`. */
  readonly relative: string;
  /** The `name` of this object, when it has one. */
  readonly name: string | undefined;
  /** The owner of the enclosing object. */
  readonly parent: Owner | undefined;
}

export function ownerLabel(owner: Owner): string {
  if (owner.anchor === undefined) return owner.relative === '' ? 'the configuration' : owner.relative;
  return owner.relative === '' ? owner.anchor : `${owner.relative} of ${owner.anchor}`;
}

/** Capitalizes labels that are prose (`Virtual cluster 'x'`), not those that are paths. */
export function capitalized(label: string): string {
  return label.includes(' ') ? label[0]!.toUpperCase() + label.slice(1) : label;
}

/** What a custom parser says about a value. */
export type Parsed =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly messages?: string[] };

export interface ValueInfo {
  readonly key: string;
  readonly owner: Owner;
  /** The value as written: the scalar's text, or `a list` / `a mapping`. */
  readonly raw: string;
}

export type Spec =
  | { readonly kind: 'string'; readonly nonEmpty?: boolean }
  | { readonly kind: 'integer'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'list'; readonly items: Spec }
  | ObjectSpec
  /** Plugin configuration: any value, kept as written (duplicate keys are still reported). */
  | { readonly kind: 'any' }
  /** A string-encoded value; `expected` reads like `a duration such as 10s`. */
  | { readonly kind: 'custom'; readonly expected: string; parse(value: unknown, info: ValueInfo): Parsed };

export interface ObjectSpec {
  readonly kind: 'object';
  readonly fields: Readonly<Record<string, Field>>;
  /** Label of the item, e.g. name => `virtual cluster '${name}'`; undefined = the default label. */
  readonly label?: (name: string | undefined, parent: Owner) => string | undefined;
}

export interface Field {
  readonly spec: Spec;
  readonly required?: boolean;
  /** Value used when the key is absent. For an object spec, `{}` applies the nested defaults. */
  readonly default?: unknown;
  /** Replaces the VG4 message for a value of the wrong type or range. */
  readonly invalid?: (info: ValueInfo) => string;
  /** A warning reported whenever the key is present. */
  readonly warning?: (info: ValueInfo) => string;
}

export interface Reporter {
  report(severity: 'error' | 'warning', message: string, path: Path, node: Node | null | undefined): void;
}

// ---------------------------------------------------------------------------------------------
// The configuration file.

/** A label for items that have a name; unnamed ones get the default (their path). */
function named(label: (name: string, parent: Owner) => string): ObjectSpec['label'] {
  return (name, parent) => (name === undefined ? undefined : label(name, parent));
}

const string: Spec = { kind: 'string' };
const name: Field = { spec: { kind: 'string', nonEmpty: true }, required: true };
const names: Spec = { kind: 'list', items: { kind: 'string', nonEmpty: true } };

const DURATION_EXPECTED = 'a duration such as 500ms, 10s or 1m30s';

function duration(): Spec {
  return {
    kind: 'custom',
    expected: DURATION_EXPECTED,
    parse: (value) => {
      const ms = typeof value === 'string' ? parseDuration(value) : undefined;
      return ms === undefined ? { ok: false } : { ok: true, value: ms };
    },
  };
}

/** `bootstrapServers`: VK2 and VK3, whose subject is the owner (`Cluster definition 'a'`). */
const bootstrapServers: Spec = {
  kind: 'custom',
  expected: 'a comma-separated list of host:port',
  parse: (value, { owner }) => {
    if (typeof value !== 'string') return { ok: false };
    const subject = capitalized(ownerLabel(owner));
    const entries = value
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    if (entries.length === 0) return { ok: false, messages: [`${subject} has an empty 'bootstrapServers'`] };
    const messages: string[] = [];
    const servers = entries.map((entry) => {
      const parsed = parseHostPort(entry, 1);
      if (parsed === undefined) {
        messages.push(
          `${subject} has an invalid bootstrap server '${entry}': expected host:port with a port from 1 to 65535`,
        );
      }
      return parsed;
    });
    return messages.length > 0 ? { ok: false, messages } : { ok: true, value: servers };
  },
};

const hostName: Spec = {
  kind: 'custom',
  expected: 'an IP address or host name',
  parse: (v) => (typeof v === 'string' && isHost(v) ? { ok: true, value: v } : { ok: false }),
};

const bindAddress: Spec = {
  kind: 'custom',
  expected: 'host:port with a port from 0 to 65535',
  parse: (value) => {
    const parsed = typeof value === 'string' ? parseHostPort(value, 0) : undefined;
    return parsed === undefined ? { ok: false } : { ok: true, value: parsed };
  },
};

function addressPattern(requirePlaceholder: boolean): Spec {
  return {
    kind: 'custom',
    expected: requirePlaceholder
      ? `a host name pattern containing ${NODE_ID_PLACEHOLDER}, optionally followed by :port`
      : `a host name (which may contain ${NODE_ID_PLACEHOLDER}), optionally followed by :port`,
    parse: (value) => {
      const parsed = typeof value === 'string' ? parseAddressPattern(value) : undefined;
      if (parsed === undefined || (requirePlaceholder && !parsed.host.includes(NODE_ID_PLACEHOLDER))) {
        return { ok: false };
      }
      return { ok: true, value: parsed };
    },
  };
}

const tlsKey: ObjectSpec = {
  kind: 'object',
  fields: {
    certificateFile: { spec: { kind: 'string', nonEmpty: true }, required: true },
    privateKeyFile: { spec: { kind: 'string', nonEmpty: true }, required: true },
    password: { spec: string },
  },
};

const upstreamTls: ObjectSpec = {
  kind: 'object',
  fields: {
    trust: {
      spec: {
        kind: 'object',
        fields: {
          storeFile: { spec: { kind: 'string', nonEmpty: true } },
          insecure: { spec: { kind: 'boolean' }, default: false },
        },
      },
    },
    key: { spec: tlsKey },
  },
};

const bootstrapServerSelection: Field = {
  spec: {
    kind: 'object',
    fields: { strategy: { spec: { kind: 'enum', values: ['round-robin', 'random'] }, default: 'round-robin' } },
  },
  default: {},
};

/** Both `{cluster}` and `{router}` are optional here; rules VR12/VC4 require exactly one. */
const target: ObjectSpec = {
  kind: 'object',
  fields: {
    cluster: { spec: { kind: 'string', nonEmpty: true } },
    router: { spec: { kind: 'string', nonEmpty: true } },
  },
};

const route: ObjectSpec = {
  kind: 'object',
  label: named((n, parent) => `route '${n}' in router '${parent.name ?? '?'}'`),
  fields: {
    name,
    id: { spec: { kind: 'integer' }, required: true },
    filters: { spec: names, default: [] },
    target: { spec: target, required: true },
  },
};

/** How a verified client certificate names its user (src/security/tls-principal.ts). */
const tlsPrincipal: ObjectSpec = {
  kind: 'object',
  fields: {
    from: { spec: { kind: 'enum', values: PRINCIPAL_SOURCES }, default: DEFAULT_TLS_PRINCIPAL.from },
    mappingRules: {
      spec: {
        kind: 'list',
        items: {
          kind: 'custom',
          expected: 'a mapping rule: DEFAULT or RULE:pattern/replacement/ with an optional L or U',
          parse: (value, { owner }) => {
            if (typeof value !== 'string') return { ok: false };
            try {
              parseMappingRule(value);
              return { ok: true, value };
            } catch (error) {
              const message = `A mapping rule of ${ownerLabel(owner)} is invalid: ${(error as Error).message}`;
              return { ok: false, messages: [message] };
            }
          },
        },
      },
      default: DEFAULT_TLS_PRINCIPAL.mappingRules,
    },
  },
};

const gatewayTls: ObjectSpec = {
  kind: 'object',
  fields: {
    key: { spec: tlsKey, required: true },
    trust: {
      spec: {
        kind: 'object',
        fields: {
          storeFile: { spec: { kind: 'string', nonEmpty: true }, required: true },
          clientAuth: { spec: { kind: 'enum', values: ['REQUIRED', 'REQUESTED', 'NONE'] }, default: 'NONE' },
          principal: { spec: tlsPrincipal },
        },
      },
    },
  },
};

const gateway: ObjectSpec = {
  kind: 'object',
  label: named((n, parent) => `gateway '${n}' of virtual cluster '${parent.name ?? '?'}'`),
  fields: {
    name,
    portIdentifiesNode: {
      spec: {
        kind: 'object',
        fields: {
          bootstrapAddress: { spec: bindAddress, required: true },
          advertisedBrokerAddressPattern: { spec: addressPattern(false) },
          nodeStartPort: { spec: { kind: 'integer', min: 1, max: 65535 } },
          nodeIdRanges: {
            spec: {
              kind: 'list',
              items: {
                kind: 'object',
                label: named((n, parent) => `node id range '${n}' of ${ownerLabel(parent)}`),
                fields: {
                  name,
                  start: { spec: { kind: 'integer', min: 0 }, required: true },
                  end: { spec: { kind: 'integer', min: 0 }, required: true },
                },
              },
            },
          },
        },
      },
    },
    sniHostIdentifiesNode: {
      spec: {
        kind: 'object',
        fields: {
          bootstrapAddress: { spec: bindAddress, required: true },
          advertisedBrokerAddressPattern: { spec: addressPattern(true), required: true },
          // The bootstrap host is a TLS server name, not necessarily an address of this machine.
          bindAddress: { spec: hostName, default: '0.0.0.0' },
        },
      },
    },
    tls: { spec: gatewayTls },
  },
};

const virtualCluster: ObjectSpec = {
  kind: 'object',
  label: named((n) => `virtual cluster '${n}'`),
  fields: {
    name,
    target: { spec: target },
    targetCluster: {
      spec: {
        kind: 'object',
        // VC8: the owner of VK2/VK3 messages is `virtual cluster '{vc}' targetCluster`.
        label: (_n, parent) => `${ownerLabel(parent)} targetCluster`,
        fields: {
          bootstrapServers: { spec: bootstrapServers, required: true },
          bootstrapServerSelection,
          tls: { spec: upstreamTls },
        },
      },
    },
    filters: { spec: names },
    gateways: { spec: { kind: 'list', items: gateway } },
    drainTimeout: {
      spec: duration(),
      default: 10_000,
      invalid: ({ owner, raw }) =>
        `Virtual cluster '${owner.name ?? '?'}' has an invalid drainTimeout '${raw}': expected ${DURATION_EXPECTED}`,
    },
  },
};

const COMPATIBILITY_SHUTDOWN_KEY: Field = {
  spec: { kind: 'any' },
  warning: ({ key }) =>
    `network.proxy.${key} is accepted for compatibility and ignored: shutdown is bounded by each virtual cluster's drainTimeout`,
};

/** The whole file. */
export const CONFIGURATION: ObjectSpec = {
  kind: 'object',
  fields: {
    management: {
      spec: {
        kind: 'object',
        fields: {
          bindAddress: {
            spec: {
              kind: 'custom',
              expected: 'an IP address or host name',
              parse: (v) => (typeof v === 'string' && isHost(v) ? { ok: true, value: v } : { ok: false }),
            },
            default: '0.0.0.0',
            invalid: ({ raw }) => `management.bindAddress '${raw}' is not a valid IP address or host name`,
          },
          port: {
            spec: { kind: 'integer', min: 0, max: 65535 },
            default: 9190,
            invalid: ({ raw }) => `management.port must be an integer from 0 to 65535, but is ${raw}`,
          },
          reload: {
            spec: { kind: 'boolean' },
            default: false,
            invalid: ({ raw }) => `management.reload must be true or false, but is ${raw}`,
          },
          ui: {
            default: {},
            spec: {
              kind: 'object',
              fields: {
                enabled: {
                  spec: { kind: 'boolean' },
                  default: false,
                  invalid: ({ raw }) => `management.ui.enabled must be true or false, but is ${raw}`,
                },
              },
            },
          },
          endpoints: {
            spec: {
              kind: 'object',
              fields: {
                prometheus: {
                  spec: { kind: 'any' },
                  warning: () =>
                    'management.endpoints.prometheus is accepted for compatibility; /metrics is always served',
                },
              },
            },
          },
        },
      },
    },
    network: {
      default: {},
      spec: {
        kind: 'object',
        fields: {
          onVirtualClusterFailure: {
            spec: { kind: 'enum', values: ['failProxy', 'serveOthers'] },
            default: 'failProxy',
            invalid: ({ raw }) =>
              `network.onVirtualClusterFailure must be one of 'failProxy', 'serveOthers', but is '${raw}'`,
          },
          proxy: {
            spec: {
              kind: 'object',
              fields: {
                workerThreadCount: {
                  spec: { kind: 'integer', min: 1 },
                  invalid: ({ raw }) =>
                    `network.proxy.workerThreadCount must be an integer of at least 1, but is ${raw}`,
                },
                shutdownQuietPeriod: COMPATIBILITY_SHUTDOWN_KEY,
                shutdownTimeout: COMPATIBILITY_SHUTDOWN_KEY,
              },
            },
          },
          session: {
            default: {},
            spec: {
              kind: 'object',
              fields: {
                maxFrameBytes: { spec: { kind: 'integer', min: 1, max: 2 ** 31 - 1 }, default: 104_857_600 },
                // Responses are as large as what the client asked for (fetch.max.bytes), not as a
                // request may be: their own bound, generous enough for any client setting, that
                // still rejects a size prefix no broker would send.
                maxResponseFrameBytes: { spec: { kind: 'integer', min: 1, max: 2 ** 31 - 1 }, default: 1_073_741_824 },
                maxInFlightRequests: { spec: { kind: 'integer', min: 1, max: 2 ** 31 - 1 }, default: 1000 },
                unauthenticatedIdleTimeout: { spec: duration(), default: 30_000 },
                authenticatedIdleTimeout: { spec: duration(), default: 600_000 },
                filterTimeout: { spec: duration(), default: 20_000 },
                requestReadTimeout: { spec: duration(), default: 30_000 },
              },
            },
          },
          overload: {
            default: {},
            spec: {
              kind: 'object',
              fields: {
                maxConnectionsPerGateway: { spec: { kind: 'integer', min: 1, max: 2 ** 31 - 1 }, default: 10_000 },
                maxConnectionsPerClientAddress: {
                  spec: { kind: 'integer', min: 1, max: 2 ** 31 - 1 },
                  default: 1_000,
                },
                maxBufferedBytes: {
                  spec: { kind: 'integer', min: 1, max: Number.MAX_SAFE_INTEGER },
                  default: 1_073_741_824,
                },
                bufferedBytesGracePeriod: { spec: duration(), default: 5_000 },
              },
            },
          },
        },
      },
    },
    clusterDefinitions: {
      default: [],
      spec: {
        kind: 'list',
        items: {
          kind: 'object',
          label: named((n) => `cluster definition '${n}'`),
          fields: {
            name,
            bootstrapServers: { spec: bootstrapServers, required: true },
            bootstrapServerSelection,
            tls: { spec: upstreamTls },
          },
        },
      },
    },
    filterDefinitions: {
      default: [],
      spec: {
        kind: 'list',
        items: {
          kind: 'object',
          label: named((n) => `filter definition '${n}'`),
          fields: {
            name,
            type: { spec: { kind: 'string', nonEmpty: true }, required: true },
            config: { spec: { kind: 'any' } },
          },
        },
      },
    },
    defaultFilters: { spec: names, default: [] },
    routerDefinitions: {
      default: [],
      spec: {
        kind: 'list',
        items: {
          kind: 'object',
          label: named((n) => `router definition '${n}'`),
          fields: {
            name,
            type: { spec: { kind: 'string', nonEmpty: true }, required: true },
            config: { spec: { kind: 'any' } },
            routes: { spec: { kind: 'list', items: route } },
          },
        },
      },
    },
    virtualClusters: { spec: { kind: 'list', items: virtualCluster } },
  },
};

// ---------------------------------------------------------------------------------------------
// The walker.

function resolveAliases(node: unknown, resolve: (node: unknown) => unknown): Node | null | undefined {
  return (isAlias(node) ? resolve(node) : node) as Node | null | undefined;
}

function describeActual(node: Node | null | undefined): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    return typeof v === 'string' ? `'${v}'` : String(v);
  }
  return 'null';
}

function rawText(node: Node | null | undefined): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return String(node.value);
  return 'null';
}

function expected(spec: Spec): string {
  switch (spec.kind) {
    case 'string':
      return spec.nonEmpty ? 'a non-empty string' : 'a string';
    case 'integer':
      if (spec.min !== undefined && spec.max !== undefined) return `an integer from ${spec.min} to ${spec.max}`;
      if (spec.min !== undefined) return `an integer of at least ${spec.min}`;
      return 'an integer';
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${spec.values.map((v) => `'${v}'`).join(', ')}`;
    case 'list':
      return 'a list';
    case 'object':
      return 'a mapping';
    case 'any':
      return 'any value';
    case 'custom':
      return spec.expected;
  }
}

export class Walker {
  readonly #reporter: Reporter;
  readonly #resolve: (node: unknown) => unknown;

  constructor(reporter: Reporter, resolveAlias: (node: unknown) => unknown) {
    this.#reporter = reporter;
    this.#resolve = resolveAlias;
  }

  /** Walks the document root. Returns the plain value with defaults applied. */
  root(node: unknown): Record<string, unknown> {
    const resolved = resolveAliases(node, this.#resolve);
    const rootOwner: Owner = { anchor: undefined, relative: '', name: undefined, parent: undefined };
    if (resolved === null || resolved === undefined || (isScalar(resolved) && resolved.value === null)) {
      return this.#object(undefined, CONFIGURATION, [], rootOwner);
    }
    if (!isMap(resolved)) {
      this.#reporter.report(
        'error',
        `The configuration must be a mapping, but is ${describeActual(resolved)}`,
        [],
        resolved,
      );
      return this.#object(undefined, CONFIGURATION, [], rootOwner);
    }
    return this.#object(resolved, CONFIGURATION, [], rootOwner);
  }

  /** Returns the value, or undefined when it is invalid (already reported). */
  #value(node: Node | null | undefined, spec: Spec, path: Path, key: string, owner: Owner, field?: Field): unknown {
    const invalid = (messages?: string[]): undefined => {
      const info: ValueInfo = { key, owner, raw: rawText(node) };
      const list =
        messages && messages.length > 0
          ? messages
          : [
              field?.invalid?.(info) ??
                `Property '${key}' of ${ownerLabel(owner)} must be ${expected(spec)}, but is ${describeActual(node)}`,
            ];
      for (const message of list) this.#reporter.report('error', message, path, node);
      return undefined;
    };
    switch (spec.kind) {
      case 'any':
        return this.#plain(node, path);
      case 'object':
        if (!isMap(node)) return invalid();
        return this.#object(node, spec, path, this.#childOwner(node, spec, path, key, owner));
      case 'list': {
        if (!isSeq(node)) return invalid();
        return node.items.map((item, index) =>
          this.#value(resolveAliases(item, this.#resolve), spec.items, [...path, index], `${key}[${index}]`, owner),
        );
      }
      default: {
        if (!isScalar(node)) return invalid();
        const value = node.value;
        switch (spec.kind) {
          case 'string':
            return typeof value === 'string' && (!spec.nonEmpty || value !== '') ? value : invalid();
          case 'integer':
            return typeof value === 'number' &&
              Number.isInteger(value) &&
              (spec.min === undefined || value >= spec.min) &&
              (spec.max === undefined || value <= spec.max)
              ? value
              : invalid();
          case 'boolean':
            return typeof value === 'boolean' ? value : invalid();
          case 'enum': {
            if (typeof value === 'string' && spec.values.includes(value)) return value;
            if (field?.invalid) return invalid();
            const suggestion = typeof value === 'string' ? didYouMean(value, spec.values) : '';
            return invalid([
              `Property '${key}' of ${ownerLabel(owner)} must be ${expected(spec)}, but is ${describeActual(node)}${suggestion}`,
            ]);
          }
          case 'custom': {
            const parsed = spec.parse(value, { key, owner, raw: rawText(node) });
            return parsed.ok ? parsed.value : invalid(parsed.messages);
          }
        }
      }
    }
  }

  #childOwner(node: Node | undefined, spec: ObjectSpec, path: Path, key: string, parent: Owner): Owner {
    const nameNode = isMap(node) ? node.get('name', true) : undefined;
    const itemName = isScalar(nameNode) && typeof nameNode.value === 'string' ? nameNode.value : undefined;
    const label = spec.label?.(itemName, parent);
    if (label !== undefined) return { anchor: label, relative: '', name: itemName, parent };
    const isListItem = typeof path[path.length - 1] === 'number';
    if (parent.anchor === undefined || isListItem) {
      // No named ancestor, or an unnamed list item: the path is the clearest label.
      return { anchor: undefined, relative: formatPath(path), name: itemName, parent };
    }
    const relative = parent.relative === '' ? key : `${parent.relative}.${key}`;
    return { anchor: parent.anchor, relative, name: itemName, parent };
  }

  #object(node: Node | undefined, spec: ObjectSpec, path: Path, owner: Owner): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const present = new Set<string>();
    if (isMap(node)) {
      this.#checkDuplicateKeys(node, path);
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
        if (key === undefined) {
          this.#reporter.report('error', `Keys of ${ownerLabel(owner)} must be plain strings`, path, keyNode);
          continue;
        }
        if (present.has(key)) continue; // VG2, reported above; the first occurrence counts
        present.add(key);
        const field = spec.fields[key];
        if (field === undefined || !Object.hasOwn(spec.fields, key)) {
          const suggestion = didYouMean(key, Object.keys(spec.fields));
          this.#reporter.report(
            'error',
            `Unknown property '${key}' in ${ownerLabel(owner)}${suggestion}`,
            [...path, key],
            keyNode,
          );
          continue;
        }
        const valueNode = resolveAliases(pair.value, this.#resolve);
        const childPath = [...path, key];
        if (field.warning) {
          this.#reporter.report('warning', field.warning({ key, owner, raw: rawText(valueNode) }), childPath, keyNode);
        }
        const value = this.#value(valueNode, field.spec, childPath, key, owner, field);
        // An invalid value (already reported) stays absent, so that later rules do not pile up.
        if (value !== undefined) result[key] = value;
      }
    }
    for (const [key, field] of Object.entries(spec.fields)) {
      if (present.has(key)) continue;
      if (field.required) {
        this.#reporter.report(
          'error',
          `${capitalized(ownerLabel(owner))} is missing required property '${key}'`,
          path,
          node,
        );
      } else if (field.default !== undefined) {
        result[key] =
          field.spec.kind === 'object'
            ? this.#object(
                undefined,
                field.spec,
                [...path, key],
                this.#childOwner(undefined, field.spec, [...path, key], key, owner),
              )
            : structuredClone(field.default);
      }
    }
    return result;
  }

  #checkDuplicateKeys(node: Node | null | undefined, path: Path): void {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key)) this.#reporter.report('error', `Duplicate key '${key}'`, [...path, key], pair.key);
        seen.add(key);
      }
    }
  }

  /** A plain JS value of a plugin config subtree, checking nested mappings for duplicate keys. */
  #plain(node: Node | null | undefined, path: Path): unknown {
    const resolved = resolveAliases(node, this.#resolve);
    if (isMap(resolved)) {
      this.#checkDuplicateKeys(resolved, path);
      const out: Record<string, unknown> = {};
      for (const pair of resolved.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (Object.hasOwn(out, key)) continue;
        out[key] = this.#plain(resolveAliases(pair.value, this.#resolve), [...path, key]);
      }
      return out;
    }
    if (isSeq(resolved)) return resolved.items.map((item, i) => this.#plain(item as Node, [...path, i]));
    if (isScalar(resolved)) return resolved.value;
    return null;
  }
}
