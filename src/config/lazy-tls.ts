// `node:tls` adds several MB to the process (OpenSSL's TLS state, the module's own graph), and a
// proxy with no TLS gateway and no TLS upstream never uses it. So nothing imports it as a value:
// whoever needs it at run time asks here, and the first such call loads it.
type TlsModule = typeof import('node:tls');

let tls: TlsModule | undefined;

/** `node:tls`, loaded on first use. */
export function lazyTls(): TlsModule {
  tls ??= process.getBuiltinModule('node:tls');
  return tls;
}
