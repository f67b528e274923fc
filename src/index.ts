// Switchyard's public API: plugin interfaces, configuration loading and KafkaProxy for embedding.
// Everything not exported here is internal.

// The first-party filters and routers register their names (ProtocolLogger, TopicPolicy,
// RecordTransform, TopicRouter, PrincipalRouter) before any configuration can name them.
import './filters/index.ts';
import './routers/index.ts';
import { loadDeferredPlugins } from './plugins/registry.ts';

// An embedder may ask for them by name before any configuration loads: load their modules now
// (the command line leaves them until a configuration names a plugin).
await loadDeferredPlugins();

// Configuration loading (lifecycle.md §3.1).
export {
  ConfigurationError,
  type ConfigurationIssue,
  loadConfiguration,
  type ProxyConfiguration,
  parseConfiguration,
} from './config/index.ts';
// The base of every Switchyard error, and the logger plugins and embedders see (routing.md §3.0).
export { SwitchyardError } from './errors.ts';

// The Filter API (docs/filters.md), with the protocol values filters use.
export * from './filter/index.ts';
export type { LogFields, Logger, LogLevel } from './observability/logger.ts';

// Plugin kinds and plugin errors.
import type { FilterFactory } from './filter/api.ts';
import { PluginKinds as kinds, type PluginKind } from './plugins/index.ts';
import type { RouterFactory } from './routing/api.ts';

export { type JsonSchema, PluginConfigurationError, type PluginKind, UnknownPluginError } from './plugins/index.ts';
/** Tokens naming the plugin kinds, for `pluginInstance()` and `pluginImplementationNames()`. */
export const PluginKinds = kinds as {
  readonly RouterFactory: PluginKind<RouterFactory>;
  readonly FilterFactory: PluginKind<FilterFactory>;
};
/** A request's bytes as Router.onRequestFrame sees them: one buffer, or the pieces a large frame arrived in. */
export { FrameBytes } from './protocol/frames/frame-bytes.ts';
export { ApiKey } from './protocol/generated/api-keys.ts';
export { ErrorCode } from './protocol/generated/error-codes.ts';
/** The record batches of a PRODUCE frame, found without decoding it (for Router.onRequestFrame). */
export { forEachRequestRecords } from './protocol/generated/skim.ts';
export type { Uuid } from './protocol/wire/uuid.ts';
// The proxy and its lifecycle errors (lifecycle.md §3.2, §3.3).
export {
  LifecycleError,
  ProxyNotRestartableError,
  ProxyNotStartedError,
  ProxyShutdownError,
  ProxyStartupError,
} from './proxy/lifecycle/errors.ts';
export { KafkaProxy, type KafkaProxyOptions } from './proxy/lifecycle/kafka-proxy.ts';
// The Router API (docs/routers.md).
export * from './routing/index.ts';
