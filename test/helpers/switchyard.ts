// A Switchyard proxy started in-process for integration tests, from YAML text, stopped when the
// calling file's tests are done. Optionally hands every response frame written to a client to an
// inspector, so tests can check what clients really receive.
import { createServer } from 'node:net';
import { after, afterEach, type TestContext } from 'node:test';
// The first-party plugins register their names as the package entry point does.
import '../../src/filters/index.ts';
import '../../src/routers/index.ts';
import { parseConfiguration } from '../../src/config/index.ts';
import { StructuredLogger } from '../../src/observability/logger.ts';
import { KafkaProxy, withInternalOptions } from '../../src/proxy/lifecycle/kafka-proxy.ts';
import { proxyRuntimeFactory } from '../../src/proxy/virtual-cluster.ts';

export interface RunningProxy {
  readonly proxy: KafkaProxy;
  /** The bound bootstrap address of a gateway, "host:port". */
  bootstrap(virtualCluster: string, gateway: string): string;
  /** Log lines written so far (JSON objects). */
  readonly logs: readonly Record<string, unknown>[];
  stop(): Promise<void>;
}

export interface ProxyOptions {
  /** Every request frame as read from a client; copy it to keep it (it is forwarded in place). */
  readonly inspectRequest?: (frame: Buffer) => void;
  /** Every response frame as written to a client. */
  readonly inspectResponse?: (apiKey: number, apiVersion: number, frame: Buffer) => void;
  /** Runs after the configuration loaded and before the proxy starts: to spoil a file it checked. */
  readonly beforeStartup?: () => void;
}

export async function useProxy(yaml: string, options: ProxyOptions = {}): Promise<RunningProxy> {
  const config = await parseConfiguration(yaml, { sourceName: 'test.yaml' });
  options.beforeStartup?.();
  const logs: Record<string, unknown>[] = [];
  const logger = new StructuredLogger({
    level: 'debug',
    format: 'json',
    sink: { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const proxy = new KafkaProxy(
    config,
    withInternalOptions({ runtimeFactory: proxyRuntimeFactory(options) }, { logger }),
  );
  const lifetime = proxy.startup();
  await proxy.whenStarted();
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= proxy.shutdown().then(() => lifetime);
    return stopped;
  };
  after(stop);
  afterEach((t) => {
    // As with broker logs: when a test fails, the proxy's warnings usually explain it.
    if ((t as TestContext & { passed?: boolean }).passed === false) {
      const lines = logs.filter((line) => line.level === 'warn' || line.level === 'error').slice(-40);
      process.stderr.write(
        `\nProxy warnings after the failure of "${t.name}":\n${lines.map((l) => JSON.stringify(l)).join('\n')}\n`,
      );
    }
  });
  return { proxy, bootstrap: (vc, gateway) => proxy.bootstrapAddress(vc, gateway), logs, stop };
}

/**
 * The first of `size` consecutive free loopback ports, for port-per-broker gateways (bootstrap at
 * the first, node V at first + 1 + V). Found by binding each port once; random bases keep
 * concurrent test files apart. The block lies below the test bed's broker ports (20000-32000) and
 * Linux's ephemeral range (32768+): node ports are bound on demand, long after this check, and an
 * outgoing connection's ephemeral port must not be able to take one in between.
 */
export async function freePortBlock(size: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * (10_000 - size));
    let free = true;
    for (let port = base; port < base + size && free; port++) free = await canBind(port);
    if (free) return base;
  }
  throw new Error(`no block of ${size} free ports found`);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
