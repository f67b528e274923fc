import type { Logger } from '../../observability/logger.ts';
import type { Reply, SessionCloseCause } from '../../pipeline/reply.ts';
import type { RequestMessage } from '../../pipeline/request-message.ts';
import type { ResponseMessage } from '../../pipeline/response-message.ts';
import type { SessionHandle, SessionStage, Stage } from '../../pipeline/stage.ts';
import type { Gateway } from '../gateway/gateway.ts';
import { forEachBrokerAddress, responseCarriesBrokerAddresses } from './broker-addresses.ts';
import { API_VERSIONS, apiVersionsIntersection } from './codec.ts';

/**
 * Where responses leave the route graph toward the client (routing.md §5.9, §6.12): broker
 * addresses, recorded at the leaves under top-level ids, are replaced by the addresses the
 * client's gateway advertises (once the gateway has made those nodes reachable), and
 * API_VERSIONS is narrowed to what Switchyard can handle. It sits between the VC filter chain and
 * the top router level, so VC filters and clients never see upstream addresses. Every other
 * response passes untouched: its Reply is not even wrapped.
 */
export class GraphExit implements Stage {
  readonly #next: Stage;
  readonly #gatewayOf: (session: SessionHandle) => Gateway;
  readonly #logger: Logger;

  constructor(next: Stage, gatewayOf: (session: SessionHandle) => Gateway, logger: Logger) {
    this.#next = next;
    this.#gatewayOf = gatewayOf;
    this.#logger = logger;
  }

  open(session: SessionHandle): SessionStage {
    const next = this.#next.open(session);
    const gateway = this.#gatewayOf(session);
    const logger = this.#logger;
    return {
      dispatch(message: RequestMessage, reply: Reply): void {
        const { apiKey, apiVersion } = message;
        if (!reply.expectsResponse) {
          next.dispatch(message, reply);
        } else if (apiKey === API_VERSIONS) {
          next.dispatch(message, new ApiVersionsCeiling(reply, logger));
        } else if (responseCarriesBrokerAddresses(apiKey, apiVersion)) {
          next.dispatch(message, new AdvertisedAddresses(reply, gateway, session));
        } else {
          next.dispatch(message, reply);
        }
      },
      close: () => next.close(),
    };
  }
}

/** Narrows API_VERSIONS to Switchyard's own ranges on its way to the client. */
class ApiVersionsCeiling implements Reply {
  readonly expectsResponse = true;
  readonly #reply: Reply;
  readonly #logger: Logger;

  constructor(reply: Reply, logger: Logger) {
    this.#reply = reply;
    this.#logger = logger;
  }

  respond(response: ResponseMessage | undefined, closeWith?: SessionCloseCause): void {
    if (response !== undefined) {
      try {
        response.bodyChanged(apiVersionsIntersection(response.body()));
      } catch (error) {
        // A broker older than Switchyard answers a version it does not know with a v0 body carrying
        // UNSUPPORTED_VERSION and its own range (KIP-511). That range is below ours: pass it on.
        this.#logger.debug('broker refused the API_VERSIONS version; forwarding its answer', {
          apiVersion: response.apiVersion,
          error: (error as Error).message,
        });
      }
    }
    this.#reply.respond(response, closeWith);
  }

  fail(cause: SessionCloseCause, message: string, error?: Error): void {
    this.#reply.fail(cause, message, error);
  }
}

/** Replaces upstream broker addresses by the gateway's advertised ones. */
class AdvertisedAddresses implements Reply {
  readonly expectsResponse = true;
  readonly #reply: Reply;
  readonly #gateway: Gateway;
  readonly #session: SessionHandle;

  constructor(reply: Reply, gateway: Gateway, session: SessionHandle) {
    this.#reply = reply;
    this.#gateway = gateway;
    this.#session = session;
  }

  respond(response: ResponseMessage | undefined, closeWith?: SessionCloseCause): void {
    if (response === undefined) {
      this.#reply.respond(response, closeWith);
      return;
    }
    this.#rewrite(response).then(
      () => this.#reply.respond(response, closeWith),
      (error: Error) => this.#reply.fail('internal_error', `cannot rewrite broker addresses: ${error.message}`, error),
    );
  }

  fail(cause: SessionCloseCause, message: string, error?: Error): void {
    this.#reply.fail(cause, message, error);
  }

  async #rewrite(response: ResponseMessage): Promise<void> {
    const { apiKey, apiVersion } = response;
    const body = response.body();
    const nodes: number[] = [];
    forEachBrokerAddress(apiKey, apiVersion, body, (nodeId) => {
      nodes.push(nodeId);
      return undefined;
    });
    if (nodes.length === 0) return;
    // A node's endpoint must be reachable before the client can learn its address.
    await Promise.all(nodes.map((nodeId) => this.#gateway.ensureNode(nodeId)));
    forEachBrokerAddress(apiKey, apiVersion, body, (nodeId) => this.#gateway.advertisedAddress(nodeId));
    response.bodyChanged();
    const logger = this.#session.logger;
    if (logger.isLevelEnabled('trace'))
      logger.trace('rewrote broker addresses', { sessionId: this.#session.id, apiKey, nodes });
  }
}
