/** TLS settings for connections to one upstream cluster, with PEM material already read. */
export interface UpstreamTlsOptions {
  /** Trusted CA certificates (PEM); undefined means the platform's trust store. */
  readonly ca: string | undefined;
  /** Client certificate chain and key (PEM) when the cluster requires mutual TLS. */
  readonly cert: string | undefined;
  readonly key: string | undefined;
  readonly passphrase: string | undefined;
  /** Skip certificate verification. For tests only; the configuration loader warns about it. */
  readonly insecure: boolean;
}
