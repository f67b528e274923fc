// loadConfiguration() and parseConfiguration(): YAML text to a validated, immutable configuration,
// or a ConfigurationError listing every problem in file order (routing.md §4.6).

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlias, isSeq, type Node } from 'yaml';
import { type PluginKind, PluginKinds } from '../plugins/kinds.ts';
import { type PluginResolution, resolvePluginType } from '../plugins/registry.ts';
import { DEFAULT_TLS_PRINCIPAL } from '../security/tls-principal.ts';
import { ConfigurationError, type ConfigurationIssue, createIssue, type Severity } from './issues.ts';
import {
  type ClusterDefinition,
  type FilterDefinition,
  type GatewayDefinition,
  type GatewayTls,
  type PluginImplementation,
  type ProxyConfiguration,
  type ProxyConfigurationModel,
  type RouterDefinition,
  registerModel,
  type SaslRole,
  type TargetReference,
  type TlsKeyMaterial,
  type UpstreamTls,
  type VirtualClusterDefinition,
} from './model.ts';
import type { RawClusterBody, RawConfiguration, RawGateway, RawGatewayTls, RawTlsKey, RawUpstreamTls } from './raw.ts';
import { checkRules, type ResolvedPlugins } from './rules.ts';
import { Walker } from './schema.ts';
import {
  formatPath,
  type ParsedSource,
  type Path,
  type PathSegment,
  parsePath,
  parseSource,
  pointerSegments,
} from './source.ts';
import { checkTlsFiles } from './tls-rules.ts';

export interface ParseOptions {
  /** Shown in messages in place of a file name. Default `<inline>`. */
  readonly sourceName?: string;
  /** Directory that relative plugin module paths and TLS files resolve against. Default: cwd. */
  readonly baseDir?: string;
}

/**
 * Reads, parses and validates a configuration file, loading the plugin modules it names so that
 * their config schemas can be applied. Never binds or connects anything and never calls plugin
 * `initialize()`. Rejects with ConfigurationError listing every error (not only the first).
 * Relative plugin paths and TLS files resolve against the file's directory; TLS files are read
 * and checked (certificates parse, keys decrypt and match their certificate).
 */
export async function loadConfiguration(file: string | URL): Promise<ProxyConfiguration> {
  const path = typeof file === 'string' ? file : fileURLToPath(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigurationError([
      createIssue({
        severity: 'error',
        message: `Cannot read the configuration file: ${reason}`,
        file: path,
        line: 1,
        column: 1,
        path: formatPath([]),
      }),
    ]);
  }
  return parseConfiguration(text, { sourceName: path, baseDir: dirname(resolve(path)) });
}

/** The same as loadConfiguration(), for YAML text held in memory (tests, embedding). */
export async function parseConfiguration(yamlText: string, options: ParseOptions = {}): Promise<ProxyConfiguration> {
  const file = options.sourceName ?? '<inline>';
  const baseDir = resolve(options.baseDir ?? process.cwd());
  const source = parseSource(yamlText, file);
  const issues: ConfigurationIssue[] = [];
  const add = (severity: Severity, message: string, path: Path, location: { line: number; column: number }): void => {
    issues.push(createIssue({ severity, message, file, ...location, path: formatPath(path) }));
  };

  // VG1: a document that is not valid YAML is not validated further.
  if (source.document.errors.length > 0) {
    for (const error of source.document.errors) {
      add('error', `YAML syntax error: ${error.message}`, [], source.position(error.pos[0]));
    }
    throw new ConfigurationError(issues);
  }

  const walker = new Walker(
    {
      report: (severity, message, path, node) => {
        add(severity, message, path, node?.range ? source.position(node.range[0]) : source.locate(path));
      },
    },
    (node) => (isAlias(node) ? node.resolve(source.document) : node),
  );
  const raw = walker.root(source.document.contents) as RawConfiguration;

  const plugins = await resolvePlugins(raw, baseDir);
  const configs = { filters: [] as unknown[], routers: [] as unknown[] };
  const rules = {
    report: (severity: Severity, message: string, path: Path) => add(severity, message, path, source.locate(path)),
    lineOf: (path: Path) => source.locate(path).line,
  };
  checkRules(rules, raw, plugins, configs);
  checkTlsFiles(rules, raw, (name) => resolve(baseDir, name));

  // File order; issues found at one place keep the order in which the rules found them.
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  if (issues.some((i) => i.severity === 'error')) throw new ConfigurationError(issues);

  const configuration: ProxyConfiguration = Object.freeze({ warnings: Object.freeze(issues) });
  registerModel(configuration, buildModel(raw, plugins, configs, source, baseDir));
  return configuration;
}

async function resolvePlugins(raw: RawConfiguration, baseDir: string): Promise<ResolvedPlugins> {
  const cache = new Map<string, Promise<PluginResolution>>();
  const resolveType = (kind: PluginKind<unknown>, type: string | undefined): Promise<PluginResolution | undefined> => {
    if (type === undefined) return Promise.resolve(undefined);
    const key = `${kind.kindName}\u0000${type}`;
    let pending = cache.get(key);
    if (pending === undefined) {
      pending = resolvePluginType(kind, type, baseDir);
      cache.set(key, pending);
    }
    return pending;
  };
  const [filters, routers] = await Promise.all([
    Promise.all((raw.filterDefinitions ?? []).map((f) => resolveType(PluginKinds.FilterFactory, f?.type))),
    Promise.all((raw.routerDefinitions ?? []).map((r) => resolveType(PluginKinds.RouterFactory, r?.type))),
  ]);
  return { filters, routers };
}

/** A Map that cannot be changed after construction. */
class FrozenMap<K, V> extends Map<K, V> {
  constructor(entries: Iterable<readonly [K, V]>) {
    super();
    for (const [k, v] of entries) Map.prototype.set.call(this, k, v);
    Object.freeze(this);
  }
  override set(): this {
    throw new TypeError('the configuration model is immutable');
  }
  override delete(): boolean {
    throw new TypeError('the configuration model is immutable');
  }
  override clear(): void {
    throw new TypeError('the configuration model is immutable');
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Builds the model from a configuration that passed every rule, so every required value is set. */
function buildModel(
  raw: RawConfiguration,
  plugins: ResolvedPlugins,
  configs: { filters: unknown[]; routers: unknown[] },
  source: ParsedSource,
  baseDir: string,
): ProxyConfigurationModel {
  const file = (name: string): string => resolve(baseDir, name);
  const keyMaterial = (key: RawTlsKey): TlsKeyMaterial => ({
    certificateFile: file(key.certificateFile!),
    privateKeyFile: file(key.privateKeyFile!),
    ...(key.password !== undefined ? { password: key.password } : {}),
  });
  const upstreamTls = (tls: RawUpstreamTls): UpstreamTls => ({
    ...(tls.trust !== undefined
      ? {
          trust: {
            ...(tls.trust.storeFile !== undefined ? { storeFile: file(tls.trust.storeFile) } : {}),
            insecure: tls.trust.insecure ?? false,
          },
        }
      : {}),
    ...(tls.key !== undefined ? { key: keyMaterial(tls.key) } : {}),
  });
  const cluster = (name: string, body: RawClusterBody, inline: boolean): ClusterDefinition => ({
    name,
    bootstrapServers: body.bootstrapServers!,
    selection: body.bootstrapServerSelection?.strategy ?? 'round-robin',
    ...(body.tls !== undefined ? { tls: upstreamTls(body.tls) } : {}),
    inline,
  });
  const implementation = (type: string, resolution: PluginResolution | undefined): PluginImplementation => {
    if (!resolution?.ok) throw new Error(`unreachable: plugin '${type}' passed validation unresolved`);
    const { plugin } = resolution;
    return { type, configSchema: plugin.configSchema, instantiate: () => plugin.instantiate() };
  };
  const target = (t: { cluster?: string; router?: string }): TargetReference =>
    t.cluster !== undefined ? { kind: 'cluster', cluster: t.cluster } : { kind: 'router', router: t.router! };

  const clusters = new Map<string, ClusterDefinition>();
  for (const c of raw.clusterDefinitions ?? []) clusters.set(c!.name!, cluster(c!.name!, c!, false));

  const filters = new Map<string, FilterDefinition>();
  raw.filterDefinitions?.forEach((f, i) => {
    const role = plugins.filters[i]?.ok ? plugins.filters[i].plugin.saslRole : undefined;
    filters.set(f!.name!, {
      name: f!.name!,
      path: `filterDefinitions[${i}]`,
      type: f!.type!,
      implementation: implementation(f!.type!, plugins.filters[i]),
      config: configs.filters[i],
      ...(role === 'inspect' || role === 'terminate' || role === 'initiate' ? { saslRole: role as SaslRole } : {}),
    });
  });

  const routers = new Map<string, RouterDefinition>();
  raw.routerDefinitions?.forEach((r, i) => {
    routers.set(r!.name!, {
      name: r!.name!,
      path: `routerDefinitions[${i}]`,
      type: r!.type!,
      implementation: implementation(r!.type!, plugins.routers[i]),
      config: configs.routers[i],
      routes: r!.routes!.map((route) => ({
        name: route!.name!,
        id: route!.id!,
        filters: route!.filters as string[],
        target: target(route!.target!),
      })),
    });
  });

  const virtualClusters: VirtualClusterDefinition[] = (raw.virtualClusters ?? []).map((vc, i) => {
    let vcTarget: TargetReference;
    if (vc!.targetCluster !== undefined) {
      // The deprecated inline form becomes an ordinary (synthesized) cluster definition.
      let name = `virtualClusters[${i}].targetCluster`;
      for (let n = 2; clusters.has(name); n++) name = `virtualClusters[${i}].targetCluster#${n}`;
      clusters.set(name, cluster(name, vc!.targetCluster, true));
      vcTarget = { kind: 'cluster', cluster: name };
    } else {
      vcTarget = target(vc!.target!);
    }
    return {
      name: vc!.name!,
      target: vcTarget,
      filters: (vc!.filters ?? raw.defaultFilters ?? []) as string[],
      gateways: vc!.gateways!.map((g) => gateway(g!, keyMaterial, file)),
      drainTimeoutMs: vc!.drainTimeout!,
    };
  });

  const network = raw.network!;
  const session = network.session!;
  const overload = network.overload!;
  const model: ProxyConfigurationModel = {
    ...(raw.management !== undefined
      ? {
          management: {
            bindAddress: raw.management.bindAddress!,
            port: raw.management.port!,
            reload: raw.management.reload!,
            ui: { enabled: raw.management.ui!.enabled! },
          },
        }
      : {}),
    network: {
      onVirtualClusterFailure: network.onVirtualClusterFailure!,
      ...(network.proxy?.workerThreadCount !== undefined ? { workerThreadCount: network.proxy.workerThreadCount } : {}),
      session: {
        maxFrameBytes: session.maxFrameBytes!,
        maxInFlightRequests: session.maxInFlightRequests!,
        unauthenticatedIdleTimeoutMs: session.unauthenticatedIdleTimeout!,
        authenticatedIdleTimeoutMs: session.authenticatedIdleTimeout!,
        filterTimeoutMs: session.filterTimeout!,
        maxResponseFrameBytes: session.maxResponseFrameBytes!,
        requestReadTimeoutMs: session.requestReadTimeout!,
      },
      overload: {
        maxConnectionsPerGateway: overload.maxConnectionsPerGateway!,
        maxConnectionsPerClientAddress: overload.maxConnectionsPerClientAddress!,
        maxBufferedBytes: overload.maxBufferedBytes!,
        bufferedBytesGracePeriodMs: overload.bufferedBytesGracePeriod!,
      },
    },
    clusters: new FrozenMap(clusters),
    filters: new FrozenMap(filters),
    routers: new FrozenMap(routers),
    virtualClusters,
    source: {
      file: source.file,
      baseDir,
      locate: (path, pointer) => source.locate(continuePath(source, parsePath(path), pointer)),
    },
  };
  // Plugin configs are frozen already; freezing them again is a no-op.
  return deepFreeze(model);
}

function gatewayTls(
  tls: RawGatewayTls,
  keyMaterial: (key: RawTlsKey) => TlsKeyMaterial,
  file: (name: string) => string,
): GatewayTls {
  return {
    key: keyMaterial(tls.key!),
    ...(tls.trust !== undefined
      ? {
          trust: {
            storeFile: file(tls.trust.storeFile!),
            clientAuth: tls.trust.clientAuth ?? 'NONE',
            ...(tls.trust.principal !== undefined
              ? {
                  principal: {
                    from: tls.trust.principal.from ?? DEFAULT_TLS_PRINCIPAL.from,
                    mappingRules: tls.trust.principal.mappingRules ?? DEFAULT_TLS_PRINCIPAL.mappingRules,
                  },
                }
              : {}),
          },
        }
      : {}),
  };
}

function gateway(
  g: RawGateway,
  keyMaterial: (key: RawTlsKey) => TlsKeyMaterial,
  file: (name: string) => string,
): GatewayDefinition {
  const tls = g.tls !== undefined ? gatewayTls(g.tls, keyMaterial, file) : undefined;
  if (g.sniHostIdentifiesNode !== undefined) {
    const sni = g.sniHostIdentifiesNode;
    const pattern = sni.advertisedBrokerAddressPattern!;
    return {
      kind: 'sniHostIdentifiesNode',
      name: g.name!,
      bootstrapAddress: sni.bootstrapAddress!,
      bindAddress: sni.bindAddress ?? '0.0.0.0',
      advertisedHostPattern: pattern.host,
      advertisedPort: pattern.port ?? sni.bootstrapAddress!.port,
      tls: tls!,
    };
  }
  const port = g.portIdentifiesNode!;
  const bootstrap = port.bootstrapAddress!;
  const pattern = port.advertisedBrokerAddressPattern;
  return {
    kind: 'portIdentifiesNode',
    name: g.name!,
    bootstrapAddress: bootstrap,
    advertisedHostPattern: pattern?.host ?? bootstrap.host,
    ...(pattern?.port !== undefined ? { advertisedPort: pattern.port } : {}),
    nodeStartPort: port.nodeStartPort ?? (bootstrap.port === 0 ? 0 : bootstrap.port + 1),
    ...(port.nodeIdRanges !== undefined
      ? { nodeIdRanges: port.nodeIdRanges.map((r) => ({ name: r!.name!, start: r!.start!, end: r!.end! })) }
      : {}),
    ...(tls !== undefined ? { tls } : {}),
  };
}

/** Appends a JSON pointer to a document path, using indexes where the document has lists. */
function continuePath(source: ParsedSource, path: PathSegment[], pointer: string | undefined): PathSegment[] {
  if (pointer === undefined) return path;
  const out = [...path];
  for (const token of pointerSegments(pointer)) {
    const node: Node | undefined = source.nodeAt(out);
    out.push(isSeq(node) && /^\d+$/.test(token) ? Number(token) : token);
  }
  return out;
}
