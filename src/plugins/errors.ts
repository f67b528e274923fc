import { SwitchyardError } from '../errors.ts';

/**
 * Thrown by a plugin's `initialize()` when its configuration is semantically wrong in a way its
 * `configSchema` cannot express. `path` is a JSON pointer into the plugin's `config` locating the
 * problem; the runtime reports the error at that place in the configuration file (routing.md VS2).
 */
export class PluginConfigurationError extends SwitchyardError {
  readonly path: string | undefined;

  constructor(message: string, path?: string) {
    super('ERR_PLUGIN_CONFIGURATION', message);
    this.path = path;
  }
}

/** `pluginInstance()` named an implementation that does not exist. */
export class UnknownPluginError extends SwitchyardError {
  readonly kindName: string;
  readonly implementationName: string;

  constructor(kindName: string, implementationName: string, known: Iterable<string>) {
    const names = [...known].map((n) => `'${n}'`).join(', ') || 'none';
    super('ERR_UNKNOWN_PLUGIN', `Unknown ${kindName} plugin '${implementationName}' (known: ${names})`);
    this.kindName = kindName;
    this.implementationName = implementationName;
  }
}
