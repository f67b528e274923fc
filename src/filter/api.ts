// The public Filter API: what a filter plugin implements and what the runtime offers it
// (docs/filters.md). Everything here is exported from the package entry point.

import type { PeerCertificate } from 'node:tls';
import type { Logger } from '../observability/logger.ts';
import type { KafkaError } from '../pipeline/kafka-error.ts';
import type { ApiMessage, RequestHeader, ResponseHeader, Subject } from '../pipeline/types.ts';
import type { JsonSchema, PluginKind } from '../plugins/kinds.ts';
import type { ApiKey } from '../protocol/generated/api-keys.ts';
import type { ErrorCode } from '../protocol/generated/error-codes.ts';
import type { Uuid } from '../protocol/wire/uuid.ts';
import type { TypedFilterHooks } from './generated/hooks.ts';

export type { ApiMessage, Principal, RequestHeader, ResponseHeader, Subject } from '../pipeline/types.ts';

/** What the gateway learned from the client's TLS handshake. */
export interface ClientTlsDetails {
  /** The SNI host name the client asked for, if any. */
  readonly serverName: string | undefined;
  /** The client's certificate, when the gateway asked for one and the client presented it. */
  readonly peerCertificate: PeerCertificate | undefined;
}

/** Plugin-defined metrics, registered as `switchyard_filter_<name>` with labels `virtual_cluster` and `filter`. */
export interface FilterMetrics {
  /** `name` must match /^[a-z][a-z0-9_]*_total$/. Asking twice for a name returns the same counter. */
  counter(name: string, help: string): { inc(amount?: number): void };
  /** `name` must match /^[a-z][a-z0-9_]*$/; `buckets` are upper bounds in ascending order. */
  histogram(name: string, help: string, buckets?: readonly number[]): { observe(value: number): void };
}

/**
 * The versions of one API a filter wants to see decoded. A bare ApiKey means every version.
 * Frames of keys (or versions) no filter of a chain declared are never decoded.
 */
export type FilterInterest =
  | ApiKey
  | { readonly apiKey: ApiKey; readonly minVersion?: number; readonly maxVersion?: number };

declare const resultBrand: unique symbol;

/** What a filter decided about a request. Built with the functions of `FilterResults`. */
export interface RequestFilterResult {
  readonly [resultBrand]: 'any' | 'request';
  /** The same decision, after which the client connection is closed (once earlier responses and this one, if any, are written). */
  withCloseConnection(): RequestFilterResult;
}

/** What a filter decided about a response: forward, forwardModified or drop. */
export interface ResponseFilterResult {
  readonly [resultBrand]: 'any';
  withCloseConnection(): ResponseFilterResult;
}

/** A decision that fits both directions (forward, forwardModified, drop). */
export interface FilterResult {
  readonly [resultBrand]: 'any';
  withCloseConnection(): FilterResult;
}

/**
 * What the runtime offers a filter on one session. One context exists per filter instance; it
 * stays valid for the whole session.
 */
export interface FilterContext {
  /** The session id; identical for every filter and router on this connection. */
  readonly sessionId: string;
  readonly virtualClusterName: string;
  /** The filter definition's `name`. */
  readonly filterName: string;
  /** Logger carrying virtualCluster, filter and sessionId fields. Never log message contents. */
  readonly logger: Logger;
  readonly metrics: FilterMetrics;
  /** The client's TLS details, or undefined when the gateway does not terminate TLS. */
  readonly clientTls: ClientTlsDetails | undefined;
  /** The client's identity (mTLS, or SASL reported with `saslAuthenticated`). May change: do not cache. */
  authenticatedSubject(): Subject;
  /**
   * For SASL inspecting or terminating filters: the client completed SASL authentication with
   * `mechanism` as `subject`. Every filter and router of the session sees the new subject. Only a
   * virtual cluster's chain sets the client's identity: on a route it throws (a route filter
   * authenticates the proxy, never the client).
   */
  saslAuthenticated(mechanism: string, subject: Subject): void;
  /**
   * The filter's `interests` changed: the runtime reads them again before the next request. For
   * filters that need many APIs for a while only (a SASL terminator refusing everything before
   * authentication), so that the rest of the session costs nothing.
   */
  interestsChanged(): void;
  /**
   * Sends a request of the filter's own. It passes only the filters after this one, then the
   * route; its response comes back through those filters to the caller alone (never to the
   * client). Resolves with the decoded response, or undefined for a request that expects none
   * (PRODUCE with acks=0). Rejects when the session closes or the upstream fails.
   */
  sendRequest<T extends ApiMessage = ApiMessage>(header: RequestHeader, request: ApiMessage): Promise<T | undefined>;
  /** Names of topic ids, asked of the cluster (METADATA) through the filters after this one. Unknown ids are absent. */
  topicNames(topicIds: Iterable<Uuid>): Promise<ReadonlyMap<Uuid, string>>;
}

/**
 * A filter instance: one per session and chain position. It declares its interests, then gets
 * the decoded messages of those APIs through a typed hook (`onProduceRequest`, …) when it has
 * one, else through `onRequest`/`onResponse`. Hooks may be async; the runtime keeps the order of
 * requests (and of responses) per session and direction, and closes the connection when a hook
 * does not settle within `network.session.filterTimeout`.
 */
export interface Filter extends TypedFilterHooks {
  /**
   * The APIs this filter handles. Absent: the APIs of the typed hooks it implements, or every API
   * when it implements `onRequest`/`onResponse` only. Read after `createFilter()`, and again
   * when the filter calls `context.interestsChanged()`.
   */
  readonly interests?: readonly FilterInterest[];
  /** Any request of an API of interest without a typed hook. */
  onRequest?(
    apiKey: ApiKey,
    header: RequestHeader,
    request: ApiMessage,
    context: FilterContext,
  ): RequestFilterResult | Promise<RequestFilterResult>;
  /** Any response of an API of interest without a typed hook; `apiVersion` is the request's. */
  onResponse?(
    apiKey: ApiKey,
    apiVersion: number,
    header: ResponseHeader,
    response: ApiMessage,
    context: FilterContext,
  ): ResponseFilterResult | Promise<ResponseFilterResult>;
  /**
   * Route filters only (a route whose target is a cluster): prepares each upstream connection the
   * session opens on the route, before any request is written to it, for example by
   * authenticating the proxy to the broker (SaslInitiation). The client's requests wait
   * meanwhile. Resolve with the milliseconds after which to run it again on that connection
   * (`connection.renewal` true; requests already sent are answered first, later ones wait), or
   * undefined for never. A rejection fails the connection and closes the session; its message is
   * logged, so it must never carry a secret. Absent on every filter of a route: costs nothing.
   */
  onUpstreamConnection?(
    connection: UpstreamConnectionContext,
    context: FilterContext,
  ): Promise<number | undefined> | number | undefined;
  /** Called once when the session closes; pending results are abandoned. */
  close?(): void | Promise<void>;
}

/** One upstream connection being prepared (Filter.onUpstreamConnection). */
export interface UpstreamConnectionContext {
  /** The broker, "host:port". */
  readonly broker: string;
  /** False the first time, true when the filter asked to run again. */
  readonly renewal: boolean;
  /**
   * Sends a request on this connection alone, ahead of the client's waiting requests, past no
   * other filter; resolves with the decoded response. Rejects when the connection fails.
   */
  sendRequest<T extends ApiMessage = ApiMessage>(header: RequestHeader, request: ApiMessage): Promise<T>;
}

/** The initialization context of a filter factory: one per filter definition per virtual cluster. */
export interface FilterFactoryContext {
  readonly virtualClusterName: string;
  readonly filterName: string;
  readonly logger: Logger;
  readonly metrics: FilterMetrics;
  /** The directory of the configuration file: resolve files named in `config` against it. */
  readonly configurationDirectory: string;
  /** An instance of another plugin, e.g. a KMS. Throws UnknownPluginError for an unknown name. */
  pluginInstance<P>(kind: PluginKind<P>, implementationName: string): P;
  pluginImplementationNames<P>(kind: PluginKind<P>): ReadonlySet<string>;
}

/**
 * Creates filters of one type; a filter definition's `type` names it (registered name,
 * `<package>#<export>` or `./file.js#<export>`).
 *
 * - `initialize()` runs once per filter definition per virtual cluster (in each process), before
 *   any session; it may be async. A throw (PluginConfigurationError for configuration problems)
 *   fails the virtual cluster.
 * - `createFilter()` runs once per session; keep it cheap and synchronous.
 * - `close()` runs once, after every session of the virtual cluster has closed.
 */
export interface FilterFactory<C = unknown, I = unknown> {
  /** JSON Schema (draft 2020-12) of `config`, checked by the configuration loader with file and line. */
  readonly configSchema?: JsonSchema;
  /** SASL role of the filters (placement rules VA1–VA4). */
  readonly saslRole?: 'inspect' | 'terminate' | 'initiate';
  initialize(context: FilterFactoryContext, config: C): I | Promise<I>;
  createFilter(context: FilterContext, initData: I): Filter;
  close?(initData: I): void | Promise<void>;
}

/** The error a filter answers a request with: a code, or a KafkaError carrying a message. */
export type FilterError = ErrorCode | KafkaError;
