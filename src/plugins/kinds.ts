// Plugin kinds: tokens that name a kind of plugin so implementations can be looked up by name
// (routing.md §3.0). Further kinds are added by the modules that define them, with definePluginKind.

import type { FilterFactory } from '../filter/api.ts';

/** A JSON Schema (draft 2020-12) document. */
export type JsonSchema = boolean | Readonly<Record<string, unknown>>;

/** Token naming a kind of plugin, used to look plugins up by implementation name. */
export interface PluginKind<P> {
  readonly kindName: string;
  /** Phantom member carrying the plugin type; never set. */
  readonly __plugin?: P;
}

/** Creates the token of a new plugin kind. Kind names are unique. */
export function definePluginKind<P>(kindName: string): PluginKind<P> {
  return Object.freeze({ kindName });
}

/**
 * The members of a router factory the configuration loader relies on. The full interface is the
 * routing API's `RouterFactory`; this structural subset keeps `plugins/` free of a dependency on it.
 */
export interface RouterFactoryShape {
  readonly configSchema?: JsonSchema;
  initialize(context: never, config: never): unknown;
  createRouter(context: never, initData: never): unknown;
}

export const PluginKinds: {
  readonly RouterFactory: PluginKind<RouterFactoryShape>;
  readonly FilterFactory: PluginKind<FilterFactory>;
} = Object.freeze({
  RouterFactory: definePluginKind<RouterFactoryShape>('RouterFactory'),
  FilterFactory: definePluginKind<FilterFactory>('FilterFactory'),
});
