// Plugin kinds: tokens that name a kind of plugin so implementations can be looked up by name
// (routing.md §3.0). Further kinds are added by the modules that define them, with definePluginKind.

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

/** The members of a router factory the configuration loader relies on (the Router API's `RouterFactory`). */
export interface RouterFactoryShape {
  readonly configSchema?: JsonSchema;
  initialize(context: never, config: never): unknown;
  createRouter(context: never, initData: never): unknown;
}

/** The members of a filter factory the configuration loader relies on (the Filter API's `FilterFactory`). */
export interface FilterFactoryShape {
  readonly configSchema?: JsonSchema;
  readonly saslRole?: 'inspect' | 'terminate' | 'initiate';
  initialize(context: never, config: never): unknown;
  createFilter(context: never, initData: never): unknown;
}

/**
 * The kinds Switchyard defines. Typed here with structural subsets so that `plugins/` depends on
 * neither the Filter API nor the Router API; the package entry point re-exports it with the full
 * factory types.
 */
export const PluginKinds: {
  readonly RouterFactory: PluginKind<RouterFactoryShape>;
  readonly FilterFactory: PluginKind<FilterFactoryShape>;
} = Object.freeze({
  RouterFactory: definePluginKind<RouterFactoryShape>('RouterFactory'),
  FilterFactory: definePluginKind<FilterFactoryShape>('FilterFactory'),
});
