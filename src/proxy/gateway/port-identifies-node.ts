import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { PortIdentifiesNodeGateway } from '../../config/model.ts';
import type { Logger } from '../../observability/logger.ts';
import type { SessionBinding } from '../../pipeline/stage.ts';
import { formatHostPort, type HostPort } from '../address/host-port.ts';
import { GatewayBindError } from '../lifecycle/virtual-cluster-runtime.ts';
import type { AcceptedConnection, ConnectionHandler, Gateway } from './gateway.ts';
import { substituteNodeId } from './gateway.ts';
import type { GatewayTlsContext } from './gateway-tls.ts';
import { stopListening } from './stop-listening.ts';

/**
 * Port-per-broker gateway: a bootstrap port plus one port per virtual node. The operator need not
 * declare node ids: a node's port is bound the first time a response names the node, before that
 * response reaches the client. The port of node V is a pure function of the configuration and V
 * (`nodeStartPort + V`, or the position of V within the declared ranges), so every process and
 * replica advertises the same address for the same node.
 */
export class PortIdentifiesNodeGatewayRuntime implements Gateway {
  readonly name: string;
  readonly #definition: PortIdentifiesNodeGateway;
  readonly #virtualCluster: string;
  readonly #onConnection: ConnectionHandler;
  readonly #tls: GatewayTlsContext | undefined;
  readonly #logger: Logger;
  #bootstrap: Server | undefined;
  /** Node listeners by node id: bound, or being bound. */
  readonly #nodes = new Map<number, { server: Server; bound: Promise<void> }>();
  #accepting = true;

  constructor(options: {
    virtualCluster: string;
    definition: PortIdentifiesNodeGateway;
    tls: GatewayTlsContext | undefined;
    onConnection: ConnectionHandler;
    logger: Logger;
  }) {
    this.name = options.definition.name;
    this.#definition = options.definition;
    this.#virtualCluster = options.virtualCluster;
    this.#onConnection = options.onConnection;
    this.#tls = options.tls;
    this.#logger = options.logger;
  }

  async bind(): Promise<void> {
    const address = this.#definition.bootstrapAddress;
    this.#bootstrap = this.#createServer({ kind: 'bootstrap' });
    await this.#listen(this.#bootstrap, address);
    // Declared ranges are bound up front: operators who declare them expect fixed, open ports.
    const ranges = this.#definition.nodeIdRanges ?? [];
    const declared: Promise<void>[] = [];
    for (const range of ranges) {
      for (let nodeId = range.start; nodeId <= range.end; nodeId++) declared.push(this.ensureNode(nodeId));
    }
    await Promise.all(declared);
  }

  ensureNode(nodeId: number): Promise<void> {
    const existing = this.#nodes.get(nodeId);
    if (existing) return existing.bound;
    if (!this.#accepting) return Promise.resolve();
    const port = this.#nodePort(nodeId);
    const server = this.#createServer({ kind: 'node', nodeId });
    const bound = this.#listen(server, { host: this.#definition.bootstrapAddress.host, port });
    this.#nodes.set(nodeId, { server, bound });
    bound.catch(() => this.#nodes.delete(nodeId));
    return bound;
  }

  advertisedAddress(nodeId: number): HostPort {
    return {
      host: substituteNodeId(this.#definition.advertisedHostPattern, nodeId),
      port: this.#definition.advertisedPort ?? this.#boundNodePort(nodeId) ?? this.#nodePort(nodeId),
    };
  }

  /** The port node `nodeId` actually listens on, once bound (differs from #nodePort only for port 0). */
  #boundNodePort(nodeId: number): number | undefined {
    const bound = this.#nodes.get(nodeId)?.server.address();
    return bound && typeof bound !== 'string' ? bound.port : undefined;
  }

  bootstrapAddress(): string {
    const bound = this.#bootstrap?.address();
    if (!bound || typeof bound === 'string') return formatHostPort(this.#definition.bootstrapAddress);
    return formatHostPort({ host: bound.address, port: bound.port });
  }

  boundPorts(): number[] {
    const ports: number[] = [];
    for (const server of [this.#bootstrap, ...[...this.#nodes.values()].map((n) => n.server)]) {
      const bound = server?.address();
      if (bound && typeof bound !== 'string') ports.push(bound.port);
    }
    return ports;
  }

  async stopAccepting(): Promise<void> {
    this.#accepting = false;
    const servers = [this.#bootstrap, ...[...this.#nodes.values()].map((n) => n.server)];
    await Promise.all(servers.map((server) => (server ? stopListening(server) : undefined)));
  }

  /**
   * The port of node `nodeId`; throws when the configuration gives it none. `nodeStartPort: 0`
   * (a bootstrap on port 0, for tests) binds every node to a free port instead, which only a single
   * process can advertise consistently.
   */
  #nodePort(nodeId: number): number {
    const { nodeStartPort, nodeIdRanges } = this.#definition;
    if (nodeStartPort === 0) return 0;
    let port: number;
    if (nodeIdRanges === undefined) {
      port = nodeStartPort + nodeId;
    } else {
      let index = 0;
      let found = -1;
      for (const range of nodeIdRanges) {
        if (nodeId >= range.start && nodeId <= range.end) {
          found = index + (nodeId - range.start);
          break;
        }
        index += range.end - range.start + 1;
      }
      if (found < 0) {
        throw new Error(
          `node ${nodeId} is outside the nodeIdRanges of gateway '${this.name}' of virtual cluster '${this.#virtualCluster}'`,
        );
      }
      port = nodeStartPort + found;
    }
    if (port > 65535) {
      throw new Error(
        `node ${nodeId} would need port ${port} on gateway '${this.name}' of virtual cluster '${this.#virtualCluster}'; declare nodeIdRanges or a lower nodeStartPort`,
      );
    }
    return port;
  }

  #createServer(binding: SessionBinding): Server {
    const accept = (socket: Socket): void => {
      const connection: AcceptedConnection = {
        socket,
        binding,
        tls: this.#tls
          ? {
              serverName: (socket as TLSSocket).servername || undefined,
              peerCertificate: (socket as TLSSocket).getPeerCertificate?.() ?? undefined,
            }
          : undefined,
      };
      this.#onConnection(connection, this);
    };
    const server = this.#tls ? this.#tls.createServer(accept) : createNetServer(accept);
    server.on('error', (error) => {
      this.#logger.error('gateway listener error', { gateway: this.name, error: error.message });
    });
    return server;
  }

  #listen(server: Server, address: HostPort): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        server.off('listening', onListening);
        reject(new GatewayBindError(this.#virtualCluster, this.name, formatHostPort(address), error));
      };
      const onListening = (): void => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen({ host: address.host, port: address.port });
    });
  }
}
