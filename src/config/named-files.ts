// The files a configuration names besides itself, and how a change of each reaches the proxy.
// One list for every kind of file, so that a new kind (a credential store, say) is added here and
// the configuration watch (`switchyard run --watch`) follows it without further wiring.

import type { GatewayTls, ProxyConfigurationModel, TlsKeyMaterial } from './model.ts';

export interface NamedFile {
  readonly path: string;
  /** What it is, for logs: "TLS certificate of gateway 'sni' of virtual cluster 'orders'". */
  readonly role: string;
  /**
   * True when the proxy picks up a change of the file by itself without a reload (TLS material is
   * watched and rotated by the data path); false when a change of it calls for a reload.
   */
  readonly rotatesInPlace: boolean;
}

export function namedFiles(model: ProxyConfigurationModel): NamedFile[] {
  const files: NamedFile[] = [];
  const keyMaterial = (key: TlsKeyMaterial | undefined, owner: string): void => {
    if (key === undefined) return;
    files.push({ path: key.certificateFile, role: `TLS certificate of ${owner}`, rotatesInPlace: true });
    files.push({ path: key.privateKeyFile, role: `TLS private key of ${owner}`, rotatesInPlace: true });
  };
  const trust = (file: string | undefined, owner: string): void => {
    if (file !== undefined) files.push({ path: file, role: `TLS trust store of ${owner}`, rotatesInPlace: true });
  };
  for (const cluster of model.clusters.values()) {
    const owner = `cluster '${cluster.name}'`;
    keyMaterial(cluster.tls?.key, owner);
    trust(cluster.tls?.trust?.storeFile, owner);
  }
  for (const vc of model.virtualClusters) {
    for (const gateway of vc.gateways) {
      const tls: GatewayTls | undefined = gateway.tls;
      const owner = `gateway '${gateway.name}' of virtual cluster '${vc.name}'`;
      keyMaterial(tls?.key, owner);
      trust(tls?.trust?.storeFile, owner);
    }
  }
  return files;
}
