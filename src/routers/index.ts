// First-party routers, registered by name for the `type` of router definitions. Imported by the
// package entry point and the command line, so the names are known before a configuration loads.
import { PluginKinds } from '../plugins/kinds.ts';
import { registerPlugin } from '../plugins/registry.ts';
import { PrincipalRouter } from './principal-router.ts';
import { TopicRouter } from './topic-router/index.ts';

registerPlugin(PluginKinds.RouterFactory, 'TopicRouter', TopicRouter as never);
registerPlugin(PluginKinds.RouterFactory, 'PrincipalRouter', PrincipalRouter as never);
