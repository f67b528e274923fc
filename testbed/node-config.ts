// The server.properties of one node. Every broker has two listeners: CLIENT, with the security
// the test asked for, and INTERNAL, plaintext, used between brokers and by the test bed's own
// readiness probe (so neither needs credentials). Controllers listen on CONTROLLER, plaintext.
import type { ClusterCredentials, ListenerSecurity, SaslMechanism } from './types.ts';

export type NodeRole = 'broker' | 'controller';

export interface NodePorts {
  readonly client?: number;
  readonly internal?: number;
  readonly controller?: number;
}

export interface NodeConfigInput {
  readonly id: number;
  readonly roles: readonly NodeRole[];
  readonly ports: NodePorts;
  readonly dataDir: string;
  /** `id@host:port` of every controller. */
  readonly quorumVoters: readonly string[];
  readonly brokerCount: number;
  readonly listeners: ListenerSecurity;
  readonly saslMechanisms: readonly SaslMechanism[];
  readonly credentials: ClusterCredentials;
  readonly tls?: { readonly keystoreFile: string; readonly caFile: string; readonly requireClientCertificate: boolean };
  readonly overrides: Readonly<Record<string, string | number | boolean>>;
}

const securityProtocols: Record<ListenerSecurity, string> = {
  plaintext: 'PLAINTEXT',
  tls: 'SSL',
  sasl_plaintext: 'SASL_PLAINTEXT',
  sasl_ssl: 'SASL_SSL',
};

export function isSasl(listeners: ListenerSecurity): boolean {
  return listeners === 'sasl_plaintext' || listeners === 'sasl_ssl';
}

export function isTls(listeners: ListenerSecurity): boolean {
  return listeners === 'tls' || listeners === 'sasl_ssl';
}

export function nodeConfig(input: NodeConfigInput): Record<string, string> {
  const { ports } = input;
  const isBroker = input.roles.includes('broker');
  const isController = input.roles.includes('controller');
  const listeners: string[] = [];
  if (isBroker) listeners.push(`INTERNAL://127.0.0.1:${ports.internal}`, `CLIENT://127.0.0.1:${ports.client}`);
  if (isController) listeners.push(`CONTROLLER://127.0.0.1:${ports.controller}`);
  // Replication-style settings are sized to the cluster: internal topics cannot ask for more
  // replicas than there are brokers.
  const replicas = Math.min(3, input.brokerCount);
  const minIsr = Math.min(2, input.brokerCount);
  const config: Record<string, string | number | boolean> = {
    'process.roles': input.roles.join(','),
    'node.id': input.id,
    'controller.quorum.voters': input.quorumVoters.join(','),
    'controller.listener.names': 'CONTROLLER',
    listeners: listeners.join(','),
    'listener.security.protocol.map': `INTERNAL:PLAINTEXT,CLIENT:${securityProtocols[input.listeners]},CONTROLLER:PLAINTEXT`,
    'log.dirs': input.dataDir,
    // Fast tests: no delay before the first rebalance, small internal topics, few threads.
    'group.initial.rebalance.delay.ms': 0,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'offsets.topic.replication.factor': replicas,
    'offsets.topic.num.partitions': 8,
    'transaction.state.log.replication.factor': replicas,
    'transaction.state.log.min.isr': minIsr,
    'transaction.state.log.num.partitions': 8,
    'share.coordinator.state.topic.replication.factor': replicas,
    'share.coordinator.state.topic.min.isr': minIsr,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'background.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
    // A killed broker is fenced within seconds, so tests about failures do not wait long.
    'broker.heartbeat.interval.ms': 500,
    'broker.session.timeout.ms': 4000,
  };
  if (isBroker) {
    config['advertised.listeners'] = `INTERNAL://127.0.0.1:${ports.internal},CLIENT://127.0.0.1:${ports.client}`;
    config['inter.broker.listener.name'] = 'INTERNAL';
    Object.assign(config, clientListenerSecurity(input));
  }
  Object.assign(config, input.overrides);
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, String(value)]));
}

function clientListenerSecurity(input: NodeConfigInput): Record<string, string> {
  const config: Record<string, string> = {};
  const prefix = 'listener.name.client.';
  if (input.tls) {
    config[`${prefix}ssl.keystore.type`] = 'PEM';
    config[`${prefix}ssl.keystore.location`] = input.tls.keystoreFile;
    if (input.tls.requireClientCertificate) {
      config[`${prefix}ssl.truststore.type`] = 'PEM';
      config[`${prefix}ssl.truststore.location`] = input.tls.caFile;
      config[`${prefix}ssl.client.auth`] = 'required';
    }
  }
  if (isSasl(input.listeners)) {
    config[`${prefix}sasl.enabled.mechanisms`] = input.saslMechanisms.join(',');
    for (const mechanism of input.saslMechanisms) {
      config[`${prefix}${mechanism.toLowerCase()}.sasl.jaas.config`] =
        mechanism === 'PLAIN'
          ? `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers(input.credentials)};`
          : // SCRAM users live in the cluster metadata, added when the storage is formatted.
            'org.apache.kafka.common.security.scram.ScramLoginModule required;';
    }
  }
  return config;
}

function plainUsers(credentials: ClusterCredentials): string {
  return [credentials.admin, credentials.user].map((c) => `user_${c.username}="${c.password}"`).join(' ');
}

/** The StorageTool arguments that add the SCRAM users to the cluster's bootstrap metadata. */
export function scramFormatArgs(input: NodeConfigInput): string[] {
  if (!isSasl(input.listeners)) return [];
  return input.saslMechanisms
    .filter((mechanism) => mechanism.startsWith('SCRAM-'))
    .flatMap((mechanism) =>
      [input.credentials.admin, input.credentials.user].flatMap((c) => [
        '--add-scram',
        `${mechanism}=[name=${c.username},password=${c.password}]`,
      ]),
    );
}

export function propertiesText(config: Record<string, string>): string {
  // The Java properties loader reads a backslash as an escape: double it (regex-valued settings).
  return `${Object.entries(config)
    .map(([key, value]) => `${key}=${value.replaceAll('\\', '\\\\')}`)
    .join('\n')}\n`;
}
