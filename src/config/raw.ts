// The shape of a configuration after the schema walk: plain values with defaults applied, where
// any value that was invalid (and has been reported) is absent. Rules and the model builder read it.

import type { TlsPrincipalSettings } from '../security/tls-principal.ts';
import type { HostPort } from './model.ts';

export interface RawTarget {
  readonly cluster?: string;
  readonly router?: string;
}

export interface RawTlsKey {
  readonly certificateFile?: string;
  readonly privateKeyFile?: string;
  readonly password?: string;
}

export interface RawUpstreamTls {
  readonly trust?: { readonly storeFile?: string; readonly insecure?: boolean };
  readonly key?: RawTlsKey;
}

export interface RawClusterBody {
  readonly bootstrapServers?: HostPort[];
  readonly bootstrapServerSelection?: { readonly strategy?: 'round-robin' | 'random' };
  readonly tls?: RawUpstreamTls;
}

export interface RawCluster extends RawClusterBody {
  readonly name?: string;
}

export interface RawFilter {
  readonly name?: string;
  readonly type?: string;
  readonly config?: unknown;
}

export interface RawRoute {
  readonly name?: string;
  readonly id?: number;
  readonly filters?: readonly (string | undefined)[];
  readonly target?: RawTarget;
}

export interface RawRouter {
  readonly name?: string;
  readonly type?: string;
  readonly config?: unknown;
  readonly routes?: readonly (RawRoute | undefined)[];
}

export interface RawNodeIdRange {
  readonly name?: string;
  readonly start?: number;
  readonly end?: number;
}

export interface RawPattern {
  readonly host: string;
  readonly port?: number;
}

export interface RawGatewayTls {
  readonly key?: RawTlsKey;
  readonly trust?: {
    readonly storeFile?: string;
    readonly clientAuth?: 'REQUIRED' | 'REQUESTED' | 'NONE';
    readonly principal?: Partial<TlsPrincipalSettings>;
  };
}

export interface RawGateway {
  readonly name?: string;
  readonly portIdentifiesNode?: {
    readonly bootstrapAddress?: HostPort;
    readonly advertisedBrokerAddressPattern?: RawPattern;
    readonly nodeStartPort?: number;
    readonly nodeIdRanges?: readonly (RawNodeIdRange | undefined)[];
  };
  readonly sniHostIdentifiesNode?: {
    readonly bootstrapAddress?: HostPort;
    readonly advertisedBrokerAddressPattern?: RawPattern;
    readonly bindAddress?: string;
  };
  readonly tls?: RawGatewayTls;
}

export interface RawVirtualCluster {
  readonly name?: string;
  readonly target?: RawTarget;
  readonly targetCluster?: RawClusterBody;
  readonly filters?: readonly (string | undefined)[];
  readonly gateways?: readonly (RawGateway | undefined)[];
  readonly drainTimeout?: number;
}

export interface RawConfiguration {
  readonly management?: {
    readonly bindAddress?: string;
    readonly port?: number;
    readonly reload?: boolean;
    readonly ui?: { readonly enabled?: boolean };
  };
  readonly network?: {
    readonly onVirtualClusterFailure?: 'failProxy' | 'serveOthers';
    readonly proxy?: { readonly workerThreadCount?: number };
    readonly session?: {
      readonly maxFrameBytes?: number;
      readonly maxInFlightRequests?: number;
      readonly unauthenticatedIdleTimeout?: number;
      readonly authenticatedIdleTimeout?: number;
      readonly filterTimeout?: number;
      readonly maxResponseFrameBytes?: number;
      readonly requestReadTimeout?: number;
    };
    readonly overload?: {
      readonly maxConnectionsPerGateway?: number;
      readonly maxConnectionsPerClientAddress?: number;
      readonly maxBufferedBytes?: number;
      readonly bufferedBytesGracePeriod?: number;
    };
  };
  readonly clusterDefinitions?: readonly (RawCluster | undefined)[];
  readonly filterDefinitions?: readonly (RawFilter | undefined)[];
  readonly defaultFilters?: readonly (string | undefined)[];
  readonly routerDefinitions?: readonly (RawRouter | undefined)[];
  readonly virtualClusters?: readonly (RawVirtualCluster | undefined)[];
}
