// `switchyard run` in one process: the command-line process runs the KafkaProxy itself (§13.1, N = 1).

import type { ProxyConfiguration } from '../config/model.ts';
import { configurationModel } from '../config/model.ts';
import type { Logger } from '../observability/logger.ts';
import { KafkaProxy, withInternalOptions } from '../proxy/lifecycle/kafka-proxy.ts';
import { ConfigurationWatch } from './config-watch.ts';
import { failureOutcome } from './outcome.ts';
import type { ProcessControl } from './process-control.ts';
import { reloadFromFile } from './reload-from-file.ts';
import { ReloadQueue } from './reload-queue.ts';

export interface RunOptions {
  /** The configuration file, read again by every reload. */
  readonly file: string;
  /** Reload when the file changes (`--watch`). */
  readonly watch: boolean;
}

export async function runSingleProcess(
  config: ProxyConfiguration,
  options: RunOptions,
  logger: Logger,
  control: ProcessControl,
): Promise<never> {
  const configWatch = options.watch
    ? new ConfigurationWatch(options.file, () => void requestReload('watch'), logger)
    : null;
  const queue = new ReloadQueue((trigger) =>
    reloadFromFile(proxy, options.file, trigger, (model) => void configWatch?.watch(model)),
  );
  const requestReload = (trigger: string) => queue.request(trigger);
  const proxy = new KafkaProxy(config, withInternalOptions({ requestReload }, { logger }));
  // An abort, not shutdown(): a request that arrives before startup() (a signal or fatal error
  // while the configuration loaded) must still stop the proxy, and shutdown() in NEW does nothing.
  const stop = new AbortController();
  control.setHooks({
    requestShutdown: () => {
      configWatch?.close();
      stop.abort(new Error('shutdown requested by the entry point'));
    },
    reload: () => void requestReload('SIGHUP'),
  });
  proxy.whenStarted().then(
    () => {
      control.markStarted();
      if (!stop.signal.aborted) void configWatch?.watch(configurationModel(config));
    },
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
