// Public API of plugin kinds, registration and plugin errors (routing.md §3.0, §3.8, §3.9).
export { PluginConfigurationError, UnknownPluginError } from './errors.ts';
export { definePluginKind, type JsonSchema, type PluginKind, PluginKinds } from './kinds.ts';
export { type PluginRegistration, pluginImplementationNames, pluginInstance, registerPlugin } from './registry.ts';
