// A router as a plugin author writes it, against the installed package: every request goes to the
// route its configuration names, and the answer goes back to the client unchanged.
import { PluginConfigurationError, type RouterFactory } from 'switchyard';

export const OneRoute: RouterFactory<{ route: string }, string> = {
  configSchema: {
    type: 'object',
    required: ['route'],
    additionalProperties: false,
    properties: { route: { type: 'string' } },
  },
  initialize: (context, config) => {
    if (!context.routeNames.has(config.route)) {
      throw new PluginConfigurationError(`no route '${config.route}' in router '${context.routerName}'`, '/route');
    }
    return config.route;
  },
  createRouter: (_context, route) => ({
    async onRequest(_apiKey, _apiVersion, header, request, context) {
      const node = context.virtualNode() ?? context.anyNode(route);
      const response = await context.sendRequest(node, header, request);
      return (response === undefined ? context.respondWithoutReply() : context.respondWith(response)).build();
    },
  }),
};
