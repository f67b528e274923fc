// The plugin registry: first-party registration and lookup by kind and name (routing.md §3.0, §3.3).
import assert from 'node:assert/strict';
import { registerHooks } from 'node:module';
import { test } from 'node:test';
import {
  definePluginKind,
  PluginConfigurationError,
  PluginKinds,
  pluginImplementationNames,
  pluginInstance,
  registerPlugin,
  UnknownPluginError,
} from '../../../src/plugins/index.ts';
import { loadDeferredPlugins, registerDeferredPlugin, resolvePluginType } from '../../../src/plugins/registry.ts';

interface Kms {
  keyFor(name: string): string;
}
const KmsKind = definePluginKind<Kms>('Kms');

test('registered implementations are listed per kind', () => {
  registerPlugin(KmsKind, 'Static', { keyFor: () => 'k' });
  registerPlugin(PluginKinds.FilterFactory, 'Static', { initialize: () => null, createFilter: () => ({}) });
  assert.deepEqual([...pluginImplementationNames(KmsKind)], ['Static']);
  assert.ok(pluginImplementationNames(PluginKinds.FilterFactory).has('Static'));
  assert.equal(pluginImplementationNames(PluginKinds.RouterFactory).has('Static'), false);
});

test('pluginInstance() returns a registered object itself and a new instance of a registered class', () => {
  const shared: Kms = { keyFor: () => 'shared' };
  class PerUse implements Kms {
    keyFor(): string {
      return 'per-use';
    }
  }
  registerPlugin(KmsKind, 'Shared', shared);
  registerPlugin(KmsKind, 'PerUse', PerUse);
  assert.equal(pluginInstance(KmsKind, 'Shared'), shared);
  const a = pluginInstance(KmsKind, 'PerUse');
  assert.ok(a instanceof PerUse);
  assert.notEqual(a, pluginInstance(KmsKind, 'PerUse'));
});

test('pluginInstance() of an unknown name throws UnknownPluginError naming the kind and the name', () => {
  assert.throws(
    () => pluginInstance(KmsKind, 'Vault'),
    (error: unknown) =>
      error instanceof UnknownPluginError &&
      error.code === 'ERR_UNKNOWN_PLUGIN' &&
      error.kindName === 'Kms' &&
      error.implementationName === 'Vault' &&
      /Unknown Kms plugin 'Vault'/.test(error.message),
  );
});

test('a deferred implementation is named at once, loaded by the first plugin type resolved, then served', async () => {
  let loads = 0;
  const deferred: Kms = { keyFor: () => 'deferred' };
  registerDeferredPlugin(KmsKind, 'Deferred', async () => {
    loads++;
    return deferred;
  });
  assert.ok(pluginImplementationNames(KmsKind).has('Deferred'));
  assert.equal(loads, 0);
  assert.throws(() => pluginInstance(KmsKind, 'Deferred'), /not loaded yet/);
  const resolution = await resolvePluginType(PluginKinds.FilterFactory, 'Static', '.');
  assert.equal(resolution.ok, true);
  assert.equal(loads, 1);
  assert.equal(pluginInstance(KmsKind, 'Deferred'), deferred);
  await loadDeferredPlugins();
  assert.equal(loads, 1, 'loaded once');
});

test('the command line loads no first-party filter or router module until a configuration names one', async () => {
  const loaded = new Set<string>();
  const hooks = registerHooks({
    load(url, context, next) {
      loaded.add(url);
      return next(url, context);
    },
  });
  try {
    await import('../../../src/filters/index.ts');
    await import('../../../src/routers/index.ts');
  } finally {
    hooks.deregister();
  }
  const modules = [...loaded].filter((url) => /\/src\/(filters|routers)\//.test(url));
  assert.deepEqual(modules.map((url) => url.replace(/^.*\/src\//, 'src/')).sort(), [
    'src/filters/index.ts',
    'src/routers/index.ts',
  ]);
  assert.ok(pluginImplementationNames(PluginKinds.RouterFactory).has('TopicRouter'));
});

test('registering a name twice for one kind throws', () => {
  registerPlugin(KmsKind, 'Twice', { keyFor: () => '' });
  assert.throws(() => registerPlugin(KmsKind, 'Twice', { keyFor: () => '' }), /already registered/);
});

test('PluginConfigurationError carries code ERR_PLUGIN_CONFIGURATION and an optional JSON pointer', () => {
  const withPath = new PluginConfigurationError("unknown route 'x'", '/defaultRoute');
  assert.equal(withPath.code, 'ERR_PLUGIN_CONFIGURATION');
  assert.equal(withPath.message, "unknown route 'x'");
  assert.equal(withPath.path, '/defaultRoute');
  assert.equal(withPath.name, 'PluginConfigurationError');
  assert.equal(new PluginConfigurationError('bad').path, undefined);
});
