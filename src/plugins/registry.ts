// Plugins found by name: first-party implementations registered by the project, and third-party
// ES modules named in a configuration's `type` (routing.md §3.9).

import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UnknownPluginError } from './errors.ts';
import type { JsonSchema, PluginKind } from './kinds.ts';
import { PluginKinds } from './kinds.ts';

/** An implementation: an object shared by every user, or a class instantiated for each. */
export type PluginRegistration<P> = P | (new () => P);

const registrations = new Map<string, Map<string, unknown>>();

/** Methods an implementation of a kind must have, checked when a configuration names it. */
const REQUIRED_METHODS: ReadonlyMap<string, readonly string[]> = new Map([
  [PluginKinds.RouterFactory.kindName, ['initialize', 'createRouter']],
  [PluginKinds.FilterFactory.kindName, ['initialize', 'createFilter']],
]);

/**
 * Registers a first-party implementation under `name`. `implementation` is an object shared by
 * every user or a class with a zero-argument constructor instantiated for each (routing.md §3.9).
 * Throws when the name is already registered for the kind.
 */
export function registerPlugin<P>(kind: PluginKind<P>, name: string, implementation: PluginRegistration<P>): void {
  let byName = registrations.get(kind.kindName);
  if (byName === undefined) {
    byName = new Map();
    registrations.set(kind.kindName, byName);
  }
  if (byName.has(name)) throw new Error(`A ${kind.kindName} plugin named '${name}' is already registered`);
  byName.set(name, implementation);
}

/**
 * A first-party implementation whose module is imported only when a configuration names some
 * plugin: a proxy whose virtual clusters use no filter or router never loads their code (about
 * 8 MB of an idle process's resident memory).
 */
class DeferredRegistration {
  readonly load: () => Promise<unknown>;
  constructor(load: () => Promise<unknown>) {
    this.load = load;
  }
}

/**
 * Registers under `name` an implementation that `load` imports (see `registerPlugin`). It is loaded,
 * with every other deferred one, before the first plugin type is resolved, so `pluginInstance()`
 * stays synchronous for plugins and always finds it.
 */
export function registerDeferredPlugin<P>(
  kind: PluginKind<P>,
  name: string,
  load: () => Promise<PluginRegistration<P>>,
): void {
  registerPlugin(kind, name, new DeferredRegistration(load) as never);
}

/** Imports the modules of every deferred registration and registers what they export. */
export async function loadDeferredPlugins(): Promise<void> {
  const loads: Promise<void>[] = [];
  for (const byName of registrations.values()) {
    for (const [name, registration] of byName) {
      if (!(registration instanceof DeferredRegistration)) continue;
      loads.push(
        registration.load().then((implementation) => {
          byName.set(name, implementation);
        }),
      );
    }
  }
  await Promise.all(loads);
}

/** The registered implementation names of a kind. */
export function pluginImplementationNames<P>(kind: PluginKind<P>): ReadonlySet<string> {
  return new Set(registrations.get(kind.kindName)?.keys());
}

function instantiate(registration: unknown): unknown {
  return typeof registration === 'function' ? new (registration as new () => unknown)() : registration;
}

/** An instance of a registered implementation. Throws UnknownPluginError when there is none. */
export function pluginInstance<P>(kind: PluginKind<P>, implementationName: string): P {
  const byName = registrations.get(kind.kindName);
  if (byName === undefined || !byName.has(implementationName)) {
    throw new UnknownPluginError(kind.kindName, implementationName, byName?.keys() ?? []);
  }
  const registration = byName.get(implementationName);
  if (registration instanceof DeferredRegistration) {
    // Only reachable outside a configuration (which loads them all first): a programming error.
    throw new Error(
      `The ${kind.kindName} plugin '${implementationName}' is not loaded yet: await loadDeferredPlugins()`,
    );
  }
  return instantiate(registration) as P;
}

/** A plugin named by a configuration's `type`, ready for validation and use. */
export interface ResolvedPlugin {
  readonly configSchema: JsonSchema | undefined;
  /** `saslRole` of a filter factory (routing.md VA1–VA4), when it declares a string one. */
  readonly saslRole: string | undefined;
  /** The shared object, or a new instance of the exported class. */
  instantiate(): unknown;
}

export type PluginResolution =
  | { readonly ok: true; readonly plugin: ResolvedPlugin }
  /** The name is neither registered nor a module reference. */
  | { readonly ok: false; readonly problem: 'unknown'; readonly known: ReadonlySet<string> }
  | { readonly ok: false; readonly problem: 'load'; readonly module: string; readonly reason: string }
  | { readonly ok: false; readonly problem: 'export'; readonly module: string; readonly exportName: string }
  /** The implementation lacks the kind's required methods. */
  | { readonly ok: false; readonly problem: 'shape' };

function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || isAbsolute(specifier);
}

async function importModule(specifier: string, baseDir: string): Promise<Record<string, unknown>> {
  if (isRelative(specifier)) return import(pathToFileURL(resolve(baseDir, specifier)).href);
  try {
    return await import(specifier);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    // Not installed next to Switchyard: try a package installed next to the configuration.
    let path: string;
    try {
      path = createRequire(join(resolve(baseDir), 'package.json')).resolve(specifier);
    } catch {
      throw error;
    }
    return import(pathToFileURL(path).href);
  }
}

function inspect(kind: PluginKind<unknown>, registration: unknown): PluginResolution {
  let probe: unknown;
  try {
    probe = instantiate(registration);
  } catch {
    return { ok: false, problem: 'shape' };
  }
  if (typeof probe !== 'object' || probe === null) return { ok: false, problem: 'shape' };
  const members = probe as Record<string, unknown>;
  for (const method of REQUIRED_METHODS.get(kind.kindName) ?? []) {
    if (typeof members[method] !== 'function') return { ok: false, problem: 'shape' };
  }
  const schema = members.configSchema;
  const role = members.saslRole;
  return {
    ok: true,
    plugin: {
      configSchema:
        typeof schema === 'boolean' || (typeof schema === 'object' && schema !== null)
          ? (schema as JsonSchema)
          : undefined,
      saslRole: typeof role === 'string' ? role : undefined,
      instantiate: () => instantiate(registration),
    },
  };
}

/**
 * Resolves a `type`: a registered name, `<package>#<export>`, or `./<path>.js#<export>` relative
 * to `baseDir`. Loads the module when needed; never calls `initialize()`.
 */
export async function resolvePluginType<P>(
  kind: PluginKind<P>,
  type: string,
  baseDir: string,
): Promise<PluginResolution> {
  await loadDeferredPlugins();
  const hash = type.lastIndexOf('#');
  if (hash <= 0) {
    const byName = registrations.get(kind.kindName);
    if (byName?.has(type)) return inspect(kind, byName.get(type));
    return { ok: false, problem: 'unknown', known: pluginImplementationNames(kind) };
  }
  const module = type.slice(0, hash);
  const exportName = type.slice(hash + 1);
  let namespace: Record<string, unknown>;
  try {
    namespace = await importModule(module, baseDir);
  } catch (error) {
    return { ok: false, problem: 'load', module, reason: error instanceof Error ? error.message : String(error) };
  }
  if (!Object.hasOwn(namespace, exportName)) return { ok: false, problem: 'export', module, exportName };
  return inspect(kind, namespace[exportName]);
}
