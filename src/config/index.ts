// Public API of configuration loading (lifecycle.md §3.1). The model itself is internal: the proxy
// reaches it with `configurationModel()` from `./model.ts`.
export { ConfigurationError, type ConfigurationIssue } from './issues.ts';
export { loadConfiguration, type ParseOptions, parseConfiguration } from './loader.ts';
export type { ProxyConfiguration } from './model.ts';
