// First-party routers, registered by name for the `type` of router definitions. Imported by the
// package entry point and the command line, so the names are known before a configuration loads;
// each module is imported only once a configuration names a plugin (registerDeferredPlugin).
import { PluginKinds } from '../plugins/kinds.ts';
import { registerDeferredPlugin } from '../plugins/registry.ts';

const router = PluginKinds.RouterFactory;
registerDeferredPlugin(
  router,
  'TopicRouter',
  async () => (await import('./topic-router/index.ts')).TopicRouter as never,
);
registerDeferredPlugin(
  router,
  'PrincipalRouter',
  async () => (await import('./principal-router.ts')).PrincipalRouter as never,
);
