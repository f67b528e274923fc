import type { Socket } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import type { SessionBinding } from '../../pipeline/stage.ts';
import type { HostPort } from '../address/host-port.ts';

/** Details of the client's TLS connection, when the gateway terminates TLS. */
export interface ClientTlsInfo {
  readonly serverName: string | undefined;
  readonly peerCertificate: PeerCertificate | undefined;
}

/** A client connection a gateway accepted, with what the gateway knows about it. */
export interface AcceptedConnection {
  readonly socket: Socket;
  readonly binding: SessionBinding;
  readonly tls: ClientTlsInfo | undefined;
}

/**
 * A client-facing entry point of a virtual cluster. Gateways identify broker endpoints by the
 * VC's top-level virtual node ids, and the address a gateway advertises for a node depends only
 * on the configuration and the id, so every process presents the same addresses.
 */
export interface Gateway {
  readonly name: string;
  /** Binds the listeners the gateway needs before any client arrives. */
  bind(): Promise<void>;
  /**
   * Makes node `nodeId` reachable through this gateway (for a port-per-broker gateway: binds its
   * port if needed). Responses that name a node wait for this before they reach a client.
   */
  ensureNode(nodeId: number): Promise<void>;
  /** The address clients are told to use for node `nodeId`. */
  advertisedAddress(nodeId: number): HostPort;
  /** The actually bound bootstrap address ("host:port"). */
  bootstrapAddress(): string;
  /** Every port this gateway listens on. */
  boundPorts(): number[];
  /** Closes every listener: new connections are refused; accepted ones are unaffected. */
  stopAccepting(): Promise<void>;
}

export type ConnectionHandler = (connection: AcceptedConnection, gateway: Gateway) => void;

/** `$(nodeId)` substitution in advertised host patterns. */
export function substituteNodeId(pattern: string, nodeId: number): string {
  return pattern.replaceAll('$(nodeId)', String(nodeId));
}
