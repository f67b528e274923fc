// `switchyard run` in one process: the command-line process runs the KafkaProxy itself (§13.1, N = 1).

import type { ProxyConfiguration } from '../config/model.ts';
import type { Logger } from '../observability/logger.ts';
import { KafkaProxy } from '../proxy/lifecycle/kafka-proxy.ts';
import { failureOutcome } from './outcome.ts';
import type { ProcessControl } from './process-control.ts';

export async function runSingleProcess(
  config: ProxyConfiguration,
  logger: Logger,
  control: ProcessControl,
): Promise<never> {
  const proxy = new KafkaProxy(config, { logger });
  // An abort, not shutdown(): a request that arrives before startup() (a signal or fatal error
  // while the configuration loaded) must still stop the proxy, and shutdown() in NEW does nothing.
  const stop = new AbortController();
  control.setHooks({ requestShutdown: () => stop.abort(new Error('shutdown requested by the entry point')) });
  proxy.whenStarted().then(
    () => control.markStarted(),
    () => {},
  );
  try {
    await proxy.startup({ signal: stop.signal });
    return control.exit('clean', 0);
  } catch (error) {
    const { outcome, code } = failureOutcome(error);
    return control.exit(outcome, code);
  }
}
