// First-party filters, registered by name for the `type` of filter definitions. Imported by the
// package entry point and the command line, so the names are known before a configuration loads.
import { PluginKinds } from '../plugins/kinds.ts';
import { registerPlugin } from '../plugins/registry.ts';
import { Namespace } from './namespace/namespace.ts';
import { ProtocolLogger } from './protocol-logger.ts';
import { RecordTransform } from './record-transform.ts';
import { SaslInitiation } from './sasl-initiation.ts';
import { SaslInspection } from './sasl-inspection.ts';
import { SaslTermination } from './sasl-termination/index.ts';
import { TopicPolicy } from './topic-policy.ts';

registerPlugin(PluginKinds.FilterFactory, 'ProtocolLogger', ProtocolLogger as never);
registerPlugin(PluginKinds.FilterFactory, 'TopicPolicy', TopicPolicy as never);
registerPlugin(PluginKinds.FilterFactory, 'RecordTransform', RecordTransform as never);
registerPlugin(PluginKinds.FilterFactory, 'SaslInspection', SaslInspection as never);
registerPlugin(PluginKinds.FilterFactory, 'SaslTermination', SaslTermination as never);
registerPlugin(PluginKinds.FilterFactory, 'Namespace', Namespace as never);
registerPlugin(PluginKinds.FilterFactory, 'SaslInitiation', SaslInitiation as never);
