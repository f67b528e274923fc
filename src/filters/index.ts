// First-party filters, registered by name for the `type` of filter definitions. Imported by the
// package entry point and the command line, so the names are known before a configuration loads;
// each module is imported only once a configuration names a plugin (registerDeferredPlugin).
import { PluginKinds } from '../plugins/kinds.ts';
import { registerDeferredPlugin } from '../plugins/registry.ts';

const filter = PluginKinds.FilterFactory;
registerDeferredPlugin(
  filter,
  'ProtocolLogger',
  async () => (await import('./protocol-logger.ts')).ProtocolLogger as never,
);
registerDeferredPlugin(filter, 'TopicPolicy', async () => (await import('./topic-policy.ts')).TopicPolicy as never);
registerDeferredPlugin(
  filter,
  'RecordTransform',
  async () => (await import('./record-transform.ts')).RecordTransform as never,
);
registerDeferredPlugin(
  filter,
  'SaslInspection',
  async () => (await import('./sasl-inspection.ts')).SaslInspection as never,
);
registerDeferredPlugin(
  filter,
  'SaslTermination',
  async () => (await import('./sasl-termination/index.ts')).SaslTermination as never,
);
registerDeferredPlugin(filter, 'Namespace', async () => (await import('./namespace/namespace.ts')).Namespace as never);
registerDeferredPlugin(
  filter,
  'SaslInitiation',
  async () => (await import('./sasl-initiation.ts')).SaslInitiation as never,
);
