import type { TLSSocket, Server as TlsServer } from 'node:tls';
import { lazyTls } from '../../config/lazy-tls.ts';
import type { SniHostIdentifiesNodeGateway } from '../../config/model.ts';
import type { Logger } from '../../observability/logger.ts';
import type { RateLimiter } from '../../observability/rate-limit.ts';
import type { SessionBinding } from '../../pipeline/stage.ts';
import { formatHostPort, type HostPort } from '../address/host-port.ts';
import { GatewayBindError } from '../lifecycle/virtual-cluster-runtime.ts';
import { type ConnectionHandler, type Gateway, substituteNodeId } from './gateway.ts';
import type { GatewayTlsContext } from './gateway-tls.ts';
import { stopListening } from './stop-listening.ts';

/**
 * SNI gateway: one TLS port serves the bootstrap name and every broker name of a virtual cluster,
 * and several virtual clusters may share the port. The TLS server name the client sends says which
 * VC and which endpoint it wants: the bootstrap host, or the advertised pattern with a node id.
 */
export class SniGatewayRuntime implements Gateway {
  readonly name: string;
  readonly virtualCluster: string;
  readonly definition: SniHostIdentifiesNodeGateway;
  readonly tls: GatewayTlsContext;
  readonly onConnection: ConnectionHandler;
  readonly #listeners: SniListeners;
  readonly #nodePattern: RegExp;
  #listener: SharedSniListener | undefined;

  constructor(
    listeners: SniListeners,
    options: {
      virtualCluster: string;
      definition: SniHostIdentifiesNodeGateway;
      tls: GatewayTlsContext;
      onConnection: ConnectionHandler;
    },
  ) {
    this.#listeners = listeners;
    this.name = options.definition.name;
    this.virtualCluster = options.virtualCluster;
    this.definition = options.definition;
    this.tls = options.tls;
    this.onConnection = options.onConnection;
    // Host names compare case-insensitively; the placeholder is split out before lower-casing.
    const escaped = options.definition.advertisedHostPattern
      .split('$(nodeId)')
      .map((part) => part.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('(\\d{1,10})');
    this.#nodePattern = new RegExp(`^${escaped}$`);
  }

  /** The endpoint a TLS server name selects on this gateway, or undefined when it is not ours. */
  bindingFor(serverName: string): SessionBinding | undefined {
    const name = serverName.toLowerCase();
    if (name === this.definition.bootstrapAddress.host.toLowerCase()) return { kind: 'bootstrap' };
    const match = this.#nodePattern.exec(name);
    if (match?.[1] === undefined) return undefined;
    const nodeId = Number(match[1]);
    return nodeId <= 0x7fffffff ? { kind: 'node', nodeId } : undefined;
  }

  async bind(): Promise<void> {
    this.#listener = await this.#listeners.register(this);
  }

  async ensureNode(): Promise<void> {
    // Every node is served by the one shared port; nothing to bind.
  }

  advertisedAddress(nodeId: number): HostPort {
    return {
      host: substituteNodeId(this.definition.advertisedHostPattern, nodeId),
      port: this.definition.advertisedPort,
    };
  }

  bootstrapAddress(): string {
    return this.#listener?.boundAddress() ?? formatHostPort(this.definition.bootstrapAddress);
  }

  boundPorts(): number[] {
    const port = this.#listener?.boundPort();
    return port === undefined ? [] : [port];
  }

  async stopAccepting(): Promise<void> {
    const listener = this.#listener;
    this.#listener = undefined;
    if (listener) await this.#listeners.unregister(this, listener);
  }
}

/** The TLS listeners of SNI gateways in one process, shared by bind address. */
export class SniListeners {
  readonly #listeners = new Map<string, SharedSniListener>();
  readonly #logger: Logger;
  /** Clients choose their server names and certificates: their warnings are rate-limited. */
  readonly #warnings: RateLimiter | undefined;

  constructor(logger: Logger, warnings?: RateLimiter) {
    this.#logger = logger;
    this.#warnings = warnings;
  }

  gateway(options: ConstructorParameters<typeof SniGatewayRuntime>[1]): SniGatewayRuntime {
    return new SniGatewayRuntime(this, options);
  }

  async register(gateway: SniGatewayRuntime): Promise<SharedSniListener> {
    const { bindAddress, bootstrapAddress } = gateway.definition;
    const address = { host: bindAddress, port: bootstrapAddress.port };
    const key = formatHostPort(address);
    let listener = this.#listeners.get(key);
    if (listener === undefined) {
      listener = new SharedSniListener(address, this.#logger, this.#warnings);
      this.#listeners.set(key, listener);
    }
    listener.gateways.add(gateway);
    try {
      await listener.listen(gateway);
    } catch (error) {
      listener.gateways.delete(gateway);
      if (listener.gateways.size === 0) this.#listeners.delete(key);
      throw error;
    }
    return listener;
  }

  async unregister(gateway: SniGatewayRuntime, listener: SharedSniListener): Promise<void> {
    listener.gateways.delete(gateway);
    if (listener.gateways.size > 0) return;
    this.#listeners.delete(formatHostPort(listener.address));
    await listener.close();
  }

  async closeAll(): Promise<void> {
    const listeners = [...this.#listeners.values()];
    this.#listeners.clear();
    await Promise.all(listeners.map((listener) => listener.close()));
  }
}

class SharedSniListener {
  readonly address: HostPort;
  readonly gateways = new Set<SniGatewayRuntime>();
  readonly #server: TlsServer;
  readonly #logger: Logger;
  readonly #warnings: RateLimiter | undefined;
  #listening: Promise<void> | undefined;

  constructor(address: HostPort, logger: Logger, warnings: RateLimiter | undefined) {
    this.address = address;
    this.#logger = logger;
    this.#warnings = warnings;
    this.#server = lazyTls().createServer(
      {
        // Client certificates are requested when any gateway on the port asks for them; the
        // gateway's own policy is enforced after the handshake, once the server name is known.
        requestCert: true,
        rejectUnauthorized: false,
        SNICallback: (serverName, callback) => {
          const found = this.#find(serverName);
          if (found) callback(null, found.gateway.tls.secureContext);
          else callback(new Error(`no virtual cluster serves TLS server name '${serverName}'`));
        },
      },
      (socket) => this.#accept(socket),
    );
    this.#server.on('tlsClientError', (error) =>
      this.#logger.debug('client TLS handshake failed', { address: formatHostPort(address), error: error.message }),
    );
  }

  listen(first: SniGatewayRuntime): Promise<void> {
    this.#listening ??= new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        this.#server.off('listening', onListening);
        reject(new GatewayBindError(first.virtualCluster, first.name, formatHostPort(this.address), error));
      };
      const onListening = (): void => {
        this.#server.off('error', onError);
        this.#server.on('error', (error) => this.#logger.error('SNI listener error', { error: error.message }));
        resolve();
      };
      this.#server.once('error', onError);
      this.#server.once('listening', onListening);
      this.#server.listen({ host: this.address.host, port: this.address.port });
    });
    return this.#listening;
  }

  boundPort(): number | undefined {
    const bound = this.#server.address();
    return bound && typeof bound !== 'string' ? bound.port : undefined;
  }

  boundAddress(): string | undefined {
    const bound = this.#server.address();
    return bound && typeof bound !== 'string' ? formatHostPort({ host: bound.address, port: bound.port }) : undefined;
  }

  close(): Promise<void> {
    return stopListening(this.#server);
  }

  #warn(message: string, fields: Record<string, unknown>): void {
    if (this.#warnings) this.#warnings.warn(this.#logger, message, fields);
    else this.#logger.warn(message, fields);
  }

  #find(serverName: string): { gateway: SniGatewayRuntime; binding: SessionBinding } | undefined {
    for (const gateway of this.gateways) {
      const binding = gateway.bindingFor(serverName);
      if (binding) return { gateway, binding };
    }
    return undefined;
  }

  #accept(socket: TLSSocket): void {
    const serverName = typeof socket.servername === 'string' ? socket.servername : undefined;
    const found = serverName ? this.#find(serverName) : undefined;
    if (!found) {
      this.#warn('TLS client sent no known server name; closing', { serverName });
      socket.destroy();
      return;
    }
    const clientAuth = found.gateway.definition.tls.trust?.clientAuth ?? 'NONE';
    if (clientAuth === 'REQUIRED' && !socket.authorized) {
      this.#warn('client certificate required but not verified; closing', {
        serverName,
        error: String(socket.authorizationError),
      });
      socket.destroy();
      return;
    }
    found.gateway.onConnection(
      { socket, binding: found.binding, tls: { serverName, peerCertificate: socket.getPeerCertificate() } },
      found.gateway,
    );
  }
}
