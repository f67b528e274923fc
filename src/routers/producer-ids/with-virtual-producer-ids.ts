// Virtual producer ids for any router, as a wrapper around its Router instance: INIT_PRODUCER_ID
// without a transactional id, PRODUCE (its frame first, undecoded) and DESCRIBE_PRODUCERS are
// served here; everything else, transactional INIT_PRODUCER_ID included, goes to the wrapped
// router unchanged.
import type {
  DescribeProducersResponse,
  InitProducerIdRequest,
  ProduceRequest,
  RequestHeader,
} from '../../filter/index.ts';
import { ApiKey } from '../../protocol/generated/api-keys.ts';
import type { Router, RouterContext, RouterResponse, VirtualNode } from '../../routing/index.ts';
import type { VirtualProducerIds } from './virtual-producer-ids.ts';

const FRAME_KEYS: ReadonlySet<ApiKey> = new Set([ApiKey.PRODUCE]);
const OWN_KEYS: readonly ApiKey[] = [ApiKey.PRODUCE, ApiKey.INIT_PRODUCER_ID, ApiKey.DESCRIBE_PRODUCERS];

/**
 * `inner` with virtual producer ids shared through `producerIds` (one per router level). Requests
 * of a bootstrap connection go to `defaultRoute`.
 */
export function withVirtualProducerIds(inner: Router, producerIds: VirtualProducerIds, defaultRoute: string): Router {
  const producers = producerIds.session();
  const target = (ctx: RouterContext): VirtualNode => ctx.virtualNode() ?? ctx.anyNode(defaultRoute);
  // Keys this wrapper answers itself never reach the inner router, as frames or decoded.
  const innerKeys = [...(inner.frameKeys?.() ?? [])].filter((key) => !OWN_KEYS.includes(key));
  const wrapped: Router = {
    // PRODUCE to a broker stays undecoded unless a producer needs a real id of that broker's route;
    // the other keys the inner router looks at as frames are still offered to it.
    frameKeys: () => new Set([...innerKeys, ...FRAME_KEYS]),
    onRequestFrame: (apiKey, version, frame, route) =>
      apiKey === ApiKey.PRODUCE
        ? producers.offerProduceFrame(version, frame, route)
        : inner.onRequestFrame!(apiKey, version, frame, route),
    async onRequest(apiKey, version, header, request, ctx): Promise<RouterResponse> {
      switch (apiKey) {
        case ApiKey.PRODUCE:
          return producers.produce(header, request as ProduceRequest, ctx, target(ctx));
        case ApiKey.INIT_PRODUCER_ID: {
          const answer = await producers.initProducerId(header, request as InitProducerIdRequest, ctx, target(ctx));
          if (answer !== undefined) return ctx.respondWith(answer).build();
          break;
        }
        case ApiKey.DESCRIBE_PRODUCERS:
          return describeProducers(header, request, ctx, target(ctx));
      }
      return inner.onRequest(apiKey, version, header, request, ctx);
    },
  };
  if (inner.maxConcurrentRequests !== undefined)
    Object.assign(wrapped, { maxConcurrentRequests: inner.maxConcurrentRequests });
  if (inner.staticRoutes !== undefined) {
    wrapped.staticRoutes = () => {
      const routes = new Map(inner.staticRoutes!());
      for (const key of OWN_KEYS) routes.delete(key);
      return routes;
    };
  }
  if (inner.close !== undefined) wrapped.close = () => inner.close!();
  return wrapped;

  async function describeProducers(
    header: RequestHeader,
    request: Parameters<Router['onRequest']>[3],
    ctx: RouterContext,
    node: VirtualNode,
  ): Promise<RouterResponse> {
    const answer = (await ctx.sendRequest(node, header, request)) as DescribeProducersResponse;
    return ctx.respondWith(producers.describeProducers(answer, ctx.routeOf(node))).build();
  }
}
