// The plugin registry: first-party registration and lookup by kind and name (routing.md §3.0, §3.3).
import assert from 'node:assert/strict';
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
