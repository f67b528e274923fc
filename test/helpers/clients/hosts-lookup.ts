// Host names of a connection (KafkaConnection.hosts) for the in-process clients: a DNS lookup
// function handed to each socket they open, so SNI names that exist nowhere else reach their
// addresses while the client still sends the name (TLS server name) and checks the certificate
// against it. Nothing global changes; other names resolve as usual.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIPv6, type LookupFunction } from 'node:net';

type Callback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export function hostsLookup(hosts: Readonly<Record<string, string>>): LookupFunction {
  const lookup = (hostname: string, options: LookupOptions, callback: Callback): void => {
    const address = hosts[hostname];
    if (address === undefined) {
      dnsLookup(hostname, options, callback as never);
      return;
    }
    const family = isIPv6(address) ? 6 : 4;
    // Sockets ask for every address (options.all) when they may try several families.
    if (options.all === true) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  return lookup as unknown as LookupFunction;
}
