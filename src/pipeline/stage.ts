import type { PeerCertificate } from 'node:tls';
import type { Logger } from '../observability/logger.ts';
import type { Reply, SessionCloseCause } from './reply.ts';
import type { NodeRef, RequestMessage } from './request-message.ts';
import type { Subject } from './types.ts';
import type { UpstreamSetup } from './upstream-setup.ts';

/** What a session is bound to: the VC's bootstrap endpoint, or one top-level virtual node. */
export type SessionBinding = { readonly kind: 'bootstrap' } | { readonly kind: 'node'; readonly nodeId: number };

/** What the gateway learned from a client's TLS handshake. */
export interface ClientTls {
  readonly serverName: string | undefined;
  /** The certificate the client presented, if any. */
  readonly peerCertificate: PeerCertificate | undefined;
  /** Whether the gateway verified that certificate against its trust store. */
  readonly certificateVerified: boolean;
}

/**
 * The narrow view of a client session that stages get: identity, logging, flow control and
 * failure. Stages never see sockets.
 */
export interface SessionHandle {
  readonly id: string;
  readonly binding: SessionBinding;
  readonly logger: Logger;
  readonly clientTls: ClientTls | undefined;
  readonly isOpen: boolean;
  /** The client's identity from mTLS or VC-chain SASL; anonymous otherwise. */
  subject: Subject;
  /** The session has authenticated (SASL completed, or the upstream accepted a regular request). */
  markAuthenticated(): void;
  /** Closes the connection after the responses already owed have been written. */
  failAfter(cause: SessionCloseCause, message: string): void;
  /** Subscribes to client-side congestion changes, so upstream reads can follow them. */
  onClientWritable(listener: (congested: boolean) => void): () => void;
  /** An upstream connection of this session became congested (true) or drained (false). */
  upstreamCongestion(congested: boolean): void;
}

/**
 * One stage of a virtual cluster's data path (the version gate, a filter chain, a router level, a
 * cluster). A session opens each stage once, when it starts using it, and talks to the opened
 * per-session stage from then on; closing the session closes its stages in order.
 */
export interface Stage {
  /**
   * `upstream`: how the stages above (a route's filter chain) want each upstream connection this
   * stage opens for the session to be prepared before use; only a cluster leaf runs it. Undefined
   * (the usual case) costs nothing.
   */
  open(session: SessionHandle, upstream?: UpstreamSetup): SessionStage;
}

/** A stage opened for one session. */
export interface SessionStage {
  /** Handles one request; its answer goes to `reply`. Requests arrive in the order to keep. */
  dispatch(message: RequestMessage, reply: Reply): void;
  /**
   * Whether dispatch(message), with `message.node` set to `node`, would now write the request's
   * bytes unchanged to one upstream connection before returning, without looking at its body: then
   * the session may dispatch the request before all its bytes have arrived (RequestMessage.streamed).
   * Asking changes nothing. A stage without this method (a filter chain, a router) never streams.
   */
  streams?(message: RequestMessage, node: NodeRef): boolean;
  /** The session ended: release what this stage holds for it, then close the stages after it. */
  close(): void;
}
