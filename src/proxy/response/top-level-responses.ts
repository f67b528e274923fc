import type { Logger } from '../../observability/logger.ts';
import type { AddressBook } from '../address/address-book.ts';
import type { HostPort } from '../address/host-port.ts';
import type { AddressDiscovery, ResponsePipeline } from '../forwarding/cluster-route.ts';
import type { ClientRequest } from '../session/client-request.ts';
import type { ClientSession } from '../session/client-session.ts';
import { UpstreamConnection } from '../upstream/upstream-connection.ts';
import type { UpstreamTlsOptions } from '../upstream/upstream-tls.ts';
import { forEachBrokerAddress, responseCarriesBrokerAddresses } from './broker-addresses.ts';
import {
  API_VERSIONS,
  apiVersionsIntersection,
  DISCOVERY_METADATA_VERSION,
  decodeResponseFrame,
  encodeMetadataDiscoveryRequest,
  encodeResponseFrame,
  METADATA,
} from './codec.ts';

/** Discovery must not hold a session forever when a bootstrap server does not answer. */
const DISCOVERY_TIMEOUT_MS = 10_000;

/**
 * What happens to a response on its way out of the route graph toward the client (routing.md
 * §5.9, §6.12): broker addresses are recorded in the address book and replaced by the addresses
 * the client's gateway advertises (after the gateway has made those nodes reachable), and
 * API_VERSIONS is narrowed to what Switchyard can handle. Every other response is left undecoded.
 */
export class TopLevelResponses implements ResponsePipeline, AddressDiscovery {
  readonly #addressBook: AddressBook;
  readonly #logger: Logger;

  constructor(options: { addressBook: AddressBook; logger: Logger }) {
    this.#addressBook = options.addressBook;
    this.#logger = options.logger;
  }

  toClient(session: ClientSession, request: ClientRequest, frame: Buffer): Buffer | Promise<Buffer> {
    const { apiKey, apiVersion } = request;
    if (apiKey === API_VERSIONS) return this.#apiVersions(request, frame);
    if (!responseCarriesBrokerAddresses(apiKey, apiVersion)) return frame;
    return this.#rewriteAddresses(session, request, frame);
  }

  async discover(_session: ClientSession, bootstrap: HostPort, tls: UpstreamTlsOptions | undefined): Promise<void> {
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const connection = new UpstreamConnection({
        address: bootstrap,
        tls,
        maxFrameBytes: 100 * 1024 * 1024,
        connectTimeoutMs: DISCOVERY_TIMEOUT_MS,
        observer: { onWriteBackpressure: () => {}, onClosed: () => {} },
      });
      connection.send(encodeMetadataDiscoveryRequest(), {
        onResponse: (response) => {
          connection.close('discovery complete');
          resolve(response);
        },
        onError: reject,
      });
    });
    const { body } = decodeResponseFrame(METADATA, DISCOVERY_METADATA_VERSION, frame);
    forEachBrokerAddress(METADATA, DISCOVERY_METADATA_VERSION, body, (nodeId, host, port) => {
      this.#addressBook.record(nodeId, { host, port });
      return undefined;
    });
  }

  #apiVersions(request: ClientRequest, frame: Buffer): Buffer {
    let decoded: ReturnType<typeof decodeResponseFrame>;
    try {
      decoded = decodeResponseFrame(API_VERSIONS, request.apiVersion, frame);
    } catch (error) {
      // A broker older than Switchyard answers a version it does not know with a v0 body carrying
      // UNSUPPORTED_VERSION and its own range (KIP-511). That range is below ours: pass it on.
      decodeResponseFrame(API_VERSIONS, 0, frame);
      this.#logger.debug('broker refused the API_VERSIONS version; forwarding its answer', {
        apiVersion: request.apiVersion,
        error: (error as Error).message,
      });
      return frame;
    }
    const { header, body } = decoded;
    return encodeResponseFrame(API_VERSIONS, request.apiVersion, header, apiVersionsIntersection(body));
  }

  async #rewriteAddresses(session: ClientSession, request: ClientRequest, frame: Buffer): Promise<Buffer> {
    const { apiKey, apiVersion } = request;
    const { header, body } = decodeResponseFrame(apiKey, apiVersion, frame);
    const gateway = session.gateway;
    const nodes: number[] = [];
    forEachBrokerAddress(apiKey, apiVersion, body, (nodeId, host, port) => {
      this.#addressBook.record(nodeId, { host, port });
      nodes.push(nodeId);
      return undefined;
    });
    if (nodes.length === 0) return frame;
    // A node's endpoint must be reachable before the client can learn its address.
    await Promise.all(nodes.map((nodeId) => gateway.ensureNode(nodeId)));
    forEachBrokerAddress(apiKey, apiVersion, body, (nodeId) => gateway.advertisedAddress(nodeId));
    this.#logger.isLevelEnabled('trace') &&
      this.#logger.trace('rewrote broker addresses', { sessionId: session.id, apiKey, nodes });
    return encodeResponseFrame(apiKey, apiVersion, header, body);
  }
}
