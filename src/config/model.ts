// The validated, immutable configuration model. The configuration loader is the only producer;
// the proxy core, the lifecycle and routing read it through `configurationModel()`. It is internal:
// the public API only exposes `ProxyConfiguration.warnings`.

import type { JsonSchema } from '../plugins/kinds.ts';
import type { TlsPrincipalSettings } from '../security/tls-principal.ts';
import type { ConfigurationIssue } from './issues.ts';

/** A host and port; `host` is bare (an IPv6 address without brackets). */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A loaded plugin implementation, as named by a definition's `type`. */
export interface PluginImplementation {
  /** The `type` string as written in the configuration. */
  readonly type: string;
  /** The factory's `configSchema`, if it declares one. */
  readonly configSchema: JsonSchema | undefined;
  /**
   * The factory to use for one router level or one filter definition in one VC. An object export
   * returns the same object on every call; a class export returns a new instance on every call
   * (routing.md §3.9). Callers cast to the factory interface of the kind.
   */
  instantiate(): unknown;
}

/** File names in TLS settings are absolute: relative ones are resolved against the configuration
 *  file's directory (or `baseDir`). */
export interface TlsKeyMaterial {
  readonly certificateFile: string;
  readonly privateKeyFile: string;
  readonly password?: string;
}

/** Upstream TLS. An empty object means TLS with the platform's trust store. */
export interface UpstreamTls {
  readonly trust?: { readonly storeFile?: string; readonly insecure: boolean };
  /** Client certificate presented to the upstream cluster. */
  readonly key?: TlsKeyMaterial;
}

export interface ClusterDefinition {
  readonly name: string;
  readonly bootstrapServers: readonly HostPort[];
  readonly selection: 'round-robin' | 'random';
  readonly tls?: UpstreamTls;
  /** True when synthesized from a VC's deprecated `targetCluster`. */
  readonly inline: boolean;
}

export type SaslRole = 'inspect' | 'terminate' | 'initiate';

export interface FilterDefinition {
  readonly name: string;
  /** Where it is defined, e.g. `filterDefinitions[0]`, for `source.locate()`. */
  readonly path: string;
  readonly type: string;
  readonly implementation: PluginImplementation;
  /** Validated config: deep-frozen, schema defaults applied; `null` when absent. */
  readonly config: unknown;
  readonly saslRole?: SaslRole;
}

export type TargetReference =
  | { readonly kind: 'cluster'; readonly cluster: string }
  | { readonly kind: 'router'; readonly router: string };

export interface RouteDefinition {
  readonly name: string;
  readonly id: number;
  readonly filters: readonly string[];
  readonly target: TargetReference;
}

export interface RouterDefinition {
  readonly name: string;
  /** Where it is defined, e.g. `routerDefinitions[1]`: VS1–VS3 are located with
   *  `source.locate(path)` or `source.locate(`${path}.config`, pointer)`. */
  readonly path: string;
  readonly type: string;
  readonly implementation: PluginImplementation;
  /** Validated config: deep-frozen, schema defaults applied; `null` when absent. */
  readonly config: unknown;
  /** In file order. */
  readonly routes: readonly RouteDefinition[];
}

export type ClientAuth = 'REQUIRED' | 'REQUESTED' | 'NONE';

export interface GatewayTls {
  readonly key: TlsKeyMaterial;
  /** Client certificate verification; absent = no client certificates requested. */
  readonly trust?: {
    readonly storeFile: string;
    readonly clientAuth: ClientAuth;
    /** How a verified client certificate names its user; absent = the subject DN as it is. */
    readonly principal?: TlsPrincipalSettings;
  };
}

export interface NodeIdRange {
  readonly name: string;
  readonly start: number;
  /** Inclusive. */
  readonly end: number;
}

/** Port-per-broker gateway. Node V listens on `nodeStartPort + V` without ranges, or on
 *  `nodeStartPort + (index of V within the concatenated ranges)` with ranges. */
export interface PortIdentifiesNodeGateway {
  readonly kind: 'portIdentifiesNode';
  readonly name: string;
  readonly bootstrapAddress: HostPort;
  /** Host advertised for broker endpoints; may contain `$(nodeId)`. Default: the bootstrap host. */
  readonly advertisedHostPattern: string;
  /** Port advertised for node V when given in the pattern; otherwise the node's bound port. */
  readonly advertisedPort?: number;
  /** Default: bootstrap port + 1; 0 when the bootstrap port is 0 and none is given (node
   *  listeners then bind free ports as well). */
  readonly nodeStartPort: number;
  /** Absent: node ids are learned from metadata and ports bound on demand. */
  readonly nodeIdRanges?: readonly NodeIdRange[];
  readonly tls?: GatewayTls;
}

/** SNI gateway: one port, broker endpoints distinguished by TLS server name. */
export interface SniHostIdentifiesNodeGateway {
  readonly kind: 'sniHostIdentifiesNode';
  readonly name: string;
  /** The host is the TLS server name of the bootstrap endpoint; the port is the listening port. */
  readonly bootstrapAddress: HostPort;
  /** Where the shared TLS port listens. Default `0.0.0.0`. */
  readonly bindAddress: string;
  /** Contains `$(nodeId)`, e.g. `broker-$(nodeId).vc.example.com`. */
  readonly advertisedHostPattern: string;
  /** Default: the bootstrap port. */
  readonly advertisedPort: number;
  readonly tls: GatewayTls;
}

export type GatewayDefinition = PortIdentifiesNodeGateway | SniHostIdentifiesNodeGateway;

/** Defined at `virtualClusters[i]`, where i is its index in `ProxyConfigurationModel.virtualClusters`. */
export interface VirtualClusterDefinition {
  readonly name: string;
  readonly target: TargetReference;
  /** The VC filter chain: its own `filters`, or `defaultFilters` when it has none. */
  readonly filters: readonly string[];
  readonly gateways: readonly GatewayDefinition[];
  /** Default 10 000. */
  readonly drainTimeoutMs: number;
}

export interface SessionLimits {
  /** Default 104857600 (Kafka's socket.request.max.bytes). */
  readonly maxFrameBytes: number;
  /** Default 1000. */
  readonly maxInFlightRequests: number;
  /** Default 30 000. */
  readonly unauthenticatedIdleTimeoutMs: number;
  /** Default 600 000. */
  readonly authenticatedIdleTimeoutMs: number;
  /** How long a filter's pending result may take before the connection is closed. Default 20 000. */
  readonly filterTimeoutMs: number;
  /** Largest response frame accepted from a broker. Default 1 073 741 824 (1 GiB). */
  readonly maxResponseFrameBytes: number;
  /** How long a request may take to arrive once its first byte has. Default 30 000. */
  readonly requestReadTimeoutMs: number;
}

/** Limits that keep the process up when clients misbehave; see docs/security.md. */
export interface OverloadLimits {
  /** Client connections one gateway holds at most. Default 10 000. */
  readonly maxConnectionsPerGateway: number;
  /** Client connections from one IP address, across all gateways of the process. Default 1 000. */
  readonly maxConnectionsPerClientAddress: number;
  /** Bytes all sessions of the process may buffer before the largest are paused. Default 1 GiB. */
  readonly maxBufferedBytes: number;
  /** How long paused sessions have to bring the total under budget before they are closed. Default 5 000. */
  readonly bufferedBytesGracePeriodMs: number;
}

export interface NetworkSettings {
  readonly onVirtualClusterFailure: 'failProxy' | 'serveOthers';
  readonly workerThreadCount?: number;
  readonly session: SessionLimits;
  readonly overload: OverloadLimits;
}

export interface ManagementSettings {
  readonly bindAddress: string;
  readonly port: number;
  /** `POST /reload` reloads the configuration file (docs/operations.md). Default: disabled. */
  readonly reload: boolean;
  /** The read-only admin page at /ui and its JSON at /api/status. Default: disabled. */
  readonly ui: { readonly enabled: boolean };
}

export interface SourceLocation {
  readonly line: number;
  readonly column: number;
}

export interface ConfigurationSource {
  /** The file name as given (or `sourceName`). */
  readonly file: string;
  /** Directory relative plugin paths were resolved against. */
  readonly baseDir: string;
  /**
   * Locates a document path such as `routerDefinitions[1].config`, optionally continued by a JSON
   * pointer into that value (`locate('routerDefinitions[1].config', '/archiveTopics/0')`), as
   * needed for VS2. Falls back to the nearest enclosing node that exists, then to 1:1.
   */
  locate(path: string, pointer?: string): SourceLocation;
}

export interface ProxyConfigurationModel {
  /** Absent when the file has no `management` section. */
  readonly management?: ManagementSettings;
  readonly network: NetworkSettings;
  /** Includes clusters synthesized from deprecated `targetCluster`s. In file order. */
  readonly clusters: ReadonlyMap<string, ClusterDefinition>;
  readonly filters: ReadonlyMap<string, FilterDefinition>;
  readonly routers: ReadonlyMap<string, RouterDefinition>;
  readonly virtualClusters: readonly VirtualClusterDefinition[];
  readonly source: ConfigurationSource;
}

/** A validated, immutable configuration. Its internal shape is not public. */
export interface ProxyConfiguration {
  readonly warnings: readonly ConfigurationIssue[];
}

const models = new WeakMap<ProxyConfiguration, ProxyConfigurationModel>();

/** @internal Used by the loader only. */
export function registerModel(config: ProxyConfiguration, model: ProxyConfigurationModel): void {
  models.set(config, model);
}

/**
 * The model behind a configuration returned by `loadConfiguration()`/`parseConfiguration()`.
 * Throws TypeError for any other object, which is how `KafkaProxy` refuses hand-made configs.
 */
export function configurationModel(config: ProxyConfiguration): ProxyConfigurationModel {
  const model = models.get(config);
  if (model === undefined) {
    throw new TypeError('the configuration was not produced by loadConfiguration() or parseConfiguration()');
  }
  return model;
}
