// A reload of one process's proxy from its configuration file: read and validate the file with the
// start-up loader, prepare (plugins of the virtual clusters to start), then apply. Whatever fails
// before the apply changes nothing and is recorded with its reason (file:line for an invalid file).

import { loadConfiguration } from '../config/index.ts';
import { configurationModel, type ProxyConfigurationModel } from '../config/model.ts';
import { messageOf } from '../proxy/lifecycle/errors.ts';
import { type KafkaProxy, proxyInternals } from '../proxy/lifecycle/kafka-proxy.ts';
import { failedBeforeChanges, type ReloadOutcome } from '../proxy/lifecycle/reload.ts';

export interface ReloadHooks {
  /** Runs before the file is read (the file watch records what it will compare with). */
  beforeLoad(): Promise<void>;
  /** Runs once the new configuration is applied. */
  onApplied(model: ProxyConfigurationModel): void;
}

export async function reloadFromFile(
  proxy: KafkaProxy,
  file: string,
  trigger: string,
  hooks: ReloadHooks,
): Promise<ReloadOutcome> {
  const internals = proxyInternals(proxy);
  const failed = (error: unknown): ReloadOutcome => {
    const outcome = failedBeforeChanges(internals.generation(), trigger, messageOf(error));
    internals.recordReload(outcome);
    return outcome;
  };
  try {
    await hooks.beforeLoad();
    const config = await loadConfiguration(file);
    const prepared = await internals.prepareReload(config, trigger);
    const outcome = await prepared.commit();
    hooks.onApplied(configurationModel(config));
    return outcome;
  } catch (error) {
    return failed(error);
  }
}
