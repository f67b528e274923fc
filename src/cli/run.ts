// `switchyard run` in one process: the command-line process runs the KafkaProxy itself (§13.1, N = 1).

import type { ProxyConfiguration } from '../config/model.ts';
import { configurationModel } from '../config/model.ts';
import type { Logger } from '../observability/logger.ts';
import { KafkaProxy, withInternalOptions } from '../proxy/lifecycle/kafka-proxy.ts';
import type { ConfigurationWatch } from './config-watch.ts';
import { failureOutcome } from './outcome.ts';
import type { ProcessControl } from './process-control.ts';
import { reloadFromFile } from './reload-from-file.ts';
import { ReloadQueue } from './reload-queue.ts';

export interface RunOptions {
  /** The configuration file, read again by every reload. */
  readonly file: string;
  /** The watch of `--watch`, its baseline recorded before the configuration was loaded; or null. */
  readonly watch: ConfigurationWatch | null;
}

export async function runSingleProcess(
  config: ProxyConfiguration,
  options: RunOptions,
  logger: Logger,
  control: ProcessControl,
): Promise<never> {
  const configWatch = options.watch;
  const onFileChange = () => void requestReload('watch');
  const queue = new ReloadQueue((trigger) =>
    reloadFromFile(proxy, options.file, trigger, {
      beforeLoad: async () => configWatch?.baseline(),
      onApplied: (model) => void configWatch?.watch(model, onFileChange),
    }),
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
      if (!stop.signal.aborted) void configWatch?.watch(configurationModel(config), onFileChange);
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
