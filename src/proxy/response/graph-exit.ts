import type { Logger } from '../../observability/logger.ts';
import type { Reply, SessionCloseCause } from '../../pipeline/reply.ts';
import type { NodeRef, RequestMessage } from '../../pipeline/request-message.ts';
import { ResponseMessage } from '../../pipeline/response-message.ts';
import type { SessionHandle, SessionStage, Stage } from '../../pipeline/stage.ts';
import type { ApiVersionsRequest } from '../../protocol/index.ts';
import type { AddressBook } from '../address/address-book.ts';
import type { Gateway } from '../gateway/gateway.ts';
import {
  forEachBrokerAddress,
  responseCarriesBrokerAddresses,
  responseNeedsAddressRewrite,
} from './broker-addresses.ts';
import {
  API_VERSIONS,
  API_VERSIONS_TARGET_VERSION,
  apiVersionsIntersection,
  withoutConnectionTarget,
} from './codec.ts';
import { redactConfigAddresses, responseCarriesConfigAddresses } from './config-addresses.ts';

/**
 * Where responses leave the route graph toward the client (routing.md §5.9, §6.12): broker
 * addresses, recorded at the leaves under top-level ids, are replaced by the addresses the
 * client's gateway advertises (once the gateway has made those nodes reachable), endpoints in
 * DESCRIBE_CONFIGS values and DESCRIBE_QUORUM answers are rewritten the same way or redacted
 * (config-addresses.ts), and API_VERSIONS is narrowed to what Switchyard can handle (its v5+
 * request loses the virtual cluster and node ids the client names, which no broker knows). It
 * sits between the VC filter chain and the top router level, so VC filters and clients never see
 * upstream addresses. Every other response passes untouched: its Reply is not even wrapped.
 */
export class GraphExit implements Stage {
  readonly #next: Stage;
  readonly #gatewayOf: (session: SessionHandle) => Gateway;
  readonly #logger: Logger;
  readonly #addressBook: AddressBook;

  constructor(next: Stage, gatewayOf: (session: SessionHandle) => Gateway, logger: Logger, addressBook: AddressBook) {
    this.#next = next;
    this.#gatewayOf = gatewayOf;
    this.#logger = logger;
    this.#addressBook = addressBook;
  }

  open(session: SessionHandle): SessionStage {
    const next = this.#next.open(session);
    const gateway = this.#gatewayOf(session);
    const logger = this.#logger;
    const addressBook = this.#addressBook;
    return {
      dispatch(message: RequestMessage, reply: Reply): void {
        const { apiKey, apiVersion } = message;
        if (!reply.expectsResponse) {
          next.dispatch(message, reply);
        } else if (apiKey === API_VERSIONS) {
          if (apiVersion >= API_VERSIONS_TARGET_VERSION) {
            try {
              message.bodyChanged(withoutConnectionTarget(message.body() as ApiVersionsRequest));
            } catch (error) {
              reply.fail('malformed_frame', `malformed API_VERSIONS request: ${(error as Error).message}`);
              return;
            }
          }
          next.dispatch(message, new ApiVersionsCeiling(reply, logger));
        } else if (responseCarriesConfigAddresses(apiKey)) {
          next.dispatch(message, new ConfigAddresses(reply, gateway, addressBook));
        } else if (responseCarriesBrokerAddresses(apiKey, apiVersion)) {
          next.dispatch(message, new AdvertisedAddresses(reply, gateway, session, apiKey, apiVersion));
        } else {
          next.dispatch(message, reply);
        }
      },
      // Only responses are looked at here (and API_VERSIONS requests): other requests' bytes may stream past.
      streams: (message: RequestMessage, node: NodeRef): boolean =>
        message.apiKey !== API_VERSIONS && next.streams?.(message, node) === true,
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
  readonly #apiKey: number;
  readonly #apiVersion: number;

  constructor(reply: Reply, gateway: Gateway, session: SessionHandle, apiKey: number, apiVersion: number) {
    this.#reply = reply;
    this.#gateway = gateway;
    this.#session = session;
    this.#apiKey = apiKey;
    this.#apiVersion = apiVersion;
  }

  /** A large response the leaf skimmed in its pieces and found to name no broker: nothing to rewrite. */
  respondPieces(pieces: readonly Buffer[], frameLength: number): void {
    const reply = this.#reply;
    if (reply.respondPieces !== undefined) reply.respondPieces(pieces, frameLength);
    else this.respondFrame(Buffer.concat(pieces, frameLength));
  }

  /** A response the leaf found to name no broker (a PRODUCE or FETCH without nodeEndpoints): nothing to rewrite. */
  respondFrame(frame: Buffer): void {
    const reply = this.#reply;
    if (reply.respondFrame !== undefined) reply.respondFrame(frame);
    else reply.respond(ResponseMessage.fromFrame(this.#apiKey, this.#apiVersion, frame));
  }

  respond(response: ResponseMessage | undefined, closeWith?: SessionCloseCause): void {
    // PRODUCE and FETCH responses carry addresses only in a tagged field brokers rarely send: a
    // skim of the bytes tells, so the usual one passes on at once, undecoded.
    const frame = response?.isDecoded === false ? response.originalFrame : undefined;
    if (
      response === undefined ||
      (frame !== undefined && !responseNeedsAddressRewrite(response.apiKey, response.apiVersion, frame))
    ) {
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

/** Rewrites or redacts endpoints in configuration values and quorum descriptions. */
class ConfigAddresses implements Reply {
  readonly expectsResponse = true;
  readonly #reply: Reply;
  readonly #gateway: Gateway;
  readonly #addressBook: AddressBook;

  constructor(reply: Reply, gateway: Gateway, addressBook: AddressBook) {
    this.#reply = reply;
    this.#gateway = gateway;
    this.#addressBook = addressBook;
  }

  respond(response: ResponseMessage | undefined, closeWith?: SessionCloseCause): void {
    if (response === undefined) {
      this.#reply.respond(response, closeWith);
      return;
    }
    this.#rewrite(response).then(
      () => this.#reply.respond(response, closeWith),
      (error: Error) => this.#reply.fail('internal_error', `cannot redact addresses: ${error.message}`, error),
    );
  }

  fail(cause: SessionCloseCause, message: string, error?: Error): void {
    this.#reply.fail(cause, message, error);
  }

  async #rewrite(response: ResponseMessage): Promise<void> {
    const nodes = new Set<number>();
    const changed = redactConfigAddresses(response.apiKey, response.body(), (host, port) => {
      const nodeId = this.#addressBook.nodeAt(host, port);
      if (nodeId === undefined) return undefined;
      nodes.add(nodeId);
      return this.#gateway.advertisedAddress(nodeId);
    });
    if (!changed) return;
    // As for broker lists: a node's endpoint must be reachable before the client can learn its address.
    await Promise.all([...nodes].map((nodeId) => this.#gateway.ensureNode(nodeId)));
    response.bodyChanged();
  }
}
