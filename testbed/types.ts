// The public shapes of the test bed: what a cluster is asked to be, and how a client reaches it.

/** Security of the listener clients connect to (Kafka's security.protocol, lower-cased). */
export type ListenerSecurity = 'plaintext' | 'tls' | 'sasl_plaintext' | 'sasl_ssl';

export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface SaslCredentials {
  readonly username: string;
  readonly password: string;
}

export interface TlsClientSettings {
  /** PEM file of the CA the client trusts. */
  readonly caFile: string;
  /** PEM certificate and key presented by the client (mutual TLS). */
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** Everything a client needs to reach a Kafka endpoint: a cluster directly, or the proxy. */
export interface KafkaConnection {
  /** host:port[,host:port...] */
  readonly bootstrapServers: string;
  readonly tls?: TlsClientSettings;
  readonly sasl?: SaslCredentials & { readonly mechanism: SaslMechanism };
  /**
   * Host names clients resolve to these addresses, for SNI tests whose names exist nowhere else:
   * the command-line clients (kcat, the Java tools) in a private /etc/hosts of their own, the
   * in-process test clients (kafkajs, @platformatic/kafka) through their sockets' lookup.
   */
  readonly hosts?: Readonly<Record<string, string>>;
}

export interface BrokerAddress {
  readonly id: number;
  readonly host: string;
  /** The client-facing listener's port. */
  readonly port: number;
}

export interface KafkaClusterOptions {
  /** Number of broker nodes, ids 1..brokers. Default 1. */
  readonly brokers?: number;
  /**
   * Number of dedicated controller nodes, ids 1001... Default 0: every broker node is also a
   * controller (combined mode), and the quorum is all broker nodes.
   */
  readonly controllers?: number;
  /** Security of the client-facing listener. Default 'plaintext'. */
  readonly listeners?: ListenerSecurity;
  /** SASL mechanisms enabled on a sasl_* listener. Default ['PLAIN', 'SCRAM-SHA-512']. */
  readonly saslMechanisms?: readonly SaslMechanism[];
  /** On tls / sasl_ssl listeners: whether clients must present a certificate. Default false. */
  readonly requireClientCertificate?: boolean;
  /** Extra or overriding server.properties entries for every node. */
  readonly brokerConfig?: Readonly<Record<string, string | number | boolean>>;
  /** A name for messages and the CLI's output. Default 'kafka'. */
  readonly name?: string;
  /** Folder for the cluster's files; default a fresh temp folder, deleted by stop(). */
  readonly dir?: string;
  /** Milliseconds to wait for all brokers to be ready. Default 60 s. */
  readonly readyTimeoutMs?: number;
}

export interface ClusterCredentials {
  /** A super user in spirit: the account tests use for setup. */
  readonly admin: SaslCredentials;
  /** An ordinary application account. */
  readonly user: SaslCredentials;
}

export interface ClusterTlsFiles {
  readonly caFile: string;
  /** A client certificate signed by the cluster's CA (for mutual TLS). */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

/** A cluster's description as plain data (what the CLI prints). */
export interface KafkaClusterDescription {
  readonly name: string;
  readonly clusterId: string;
  readonly bootstrapServers: string;
  readonly brokers: readonly BrokerAddress[];
  readonly controllerIds: readonly number[];
  readonly listeners: ListenerSecurity;
  readonly saslMechanisms: readonly SaslMechanism[];
  readonly credentials?: ClusterCredentials;
  readonly tls?: ClusterTlsFiles;
  readonly dir: string;
}
