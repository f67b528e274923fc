// Configuration loading for the rest of Switchyard. The package entry point re-exports the public
// part (lifecycle.md §3.1): loadConfiguration, parseConfiguration, ProxyConfiguration,
// ConfigurationIssue and ConfigurationError. The rest is for other folders: the CLI's
// `validate` command uses validationWarnings(); the proxy reads the model with configurationModel().
export { ConfigurationError, type ConfigurationIssue } from './issues.ts';
export { loadConfiguration, type ParseOptions, parseConfiguration } from './loader.ts';
export { configurationModel, type ProxyConfiguration, type ProxyConfigurationModel } from './model.ts';
export { type SharedClusterTarget, sharedClusterTargets, validationWarnings } from './overlaps.ts';
