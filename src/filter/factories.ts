// The filter factories of one virtual cluster: initialized once per filter definition the VC chain
// uses (in chain order, each awaited), closed in reverse order when the VC stops.

import type { FilterDefinition, ProxyConfigurationModel } from '../config/model.ts';
import type { Logger } from '../observability/logger.ts';
import { withFields } from '../observability/logger.ts';
import type { MetricsRegistry } from '../observability/registry.ts';
import { PluginConfigurationError } from '../plugins/errors.ts';
import { pluginImplementationNames, pluginInstance } from '../plugins/registry.ts';
import { FACTORY_CLOSE_TIMEOUT_MS, settleWithin } from '../proxy/lifecycle/timeouts.ts';
import type { FilterFactory, FilterFactoryContext } from './api.ts';
import type { ChainMember } from './chain.ts';
import { filterMetrics } from './metrics.ts';

export interface FilterFactoriesOptions {
  readonly virtualCluster: string;
  /** The VC chain: filter definition names, in order. */
  readonly chain: readonly string[];
  /** Further filter definitions the VC's routes use, initialized once each with the chain's. */
  readonly others?: readonly string[];
  readonly config: ProxyConfigurationModel;
  readonly registry: MetricsRegistry;
  readonly logger: Logger;
}

/** The initialized factories of a VC chain, and the chain members built from them. */
export class FilterFactories {
  /** The members of the chain named in the options, in order. */
  readonly members: readonly ChainMember[];
  readonly #byName: ReadonlyMap<string, ChainMember>;
  readonly #virtualCluster: string;
  readonly #initialized: readonly { name: string; factory: FilterFactory; initData: unknown }[];

  private constructor(
    virtualCluster: string,
    byName: ReadonlyMap<string, ChainMember>,
    chain: readonly string[],
    initialized: readonly { name: string; factory: FilterFactory; initData: unknown }[],
  ) {
    this.#virtualCluster = virtualCluster;
    this.#byName = byName;
    this.members = chain.map((name) => byName.get(name)!);
    this.#initialized = initialized;
  }

  /** The members of another chain of the same VC (a route's), from the same initialized definitions. */
  membersFor(names: readonly string[]): readonly ChainMember[] {
    return names.map((name) => {
      const member = this.#byName.get(name);
      if (member === undefined)
        throw new Error(`filter '${name}' was not initialized for virtual cluster '${this.#virtualCluster}'`);
      return member;
    });
  }

  /**
   * Initializes every filter definition of the chain once. On failure, closes those already
   * initialized and rejects with a one-line reason naming the filter and its location.
   */
  static async initialize(options: FilterFactoriesOptions): Promise<FilterFactories> {
    const { virtualCluster, config } = options;
    const initialized: { name: string; factory: FilterFactory; initData: unknown }[] = [];
    const byName = new Map<string, ChainMember>();
    for (const name of [...options.chain, ...(options.others ?? [])]) {
      if (byName.has(name)) continue;
      const definition = config.filters.get(name);
      if (definition === undefined)
        throw new Error(`virtual cluster '${virtualCluster}' references unknown filter '${name}'`);
      const factory = definition.implementation.instantiate() as FilterFactory;
      const metrics = filterMetrics(options.registry, virtualCluster, name);
      const context: FilterFactoryContext = {
        virtualClusterName: virtualCluster,
        filterName: name,
        logger: withFields(options.logger, { filter: name }),
        metrics,
        configurationDirectory: config.source.baseDir,
        pluginInstance,
        pluginImplementationNames,
      };
      let initData: unknown;
      try {
        initData = await factory.initialize(context, definition.config as never);
      } catch (error) {
        await new FilterFactories(virtualCluster, new Map(), [], initialized).close().catch(() => {});
        throw new Error(initializationFailure(virtualCluster, definition, config, error), { cause: error });
      }
      initialized.push({ name, factory, initData });
      byName.set(name, { name, factory, initData, metrics });
    }
    return new FilterFactories(virtualCluster, byName, options.chain, initialized);
  }

  /** Closes every factory in reverse initialization order; rejects with an AggregateError of the failures. */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const { name, factory, initData } of [...this.#initialized].reverse()) {
      if (factory.close === undefined) continue;
      try {
        await settleWithin(
          Promise.resolve().then(() => factory.close!(initData)),
          FACTORY_CLOSE_TIMEOUT_MS,
          `filter factory '${name}' of virtual cluster '${this.#virtualCluster}' did not finish close() within 10s`,
        );
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) {
      throw new AggregateError(
        errors,
        `closing the filter factories of virtual cluster '${this.#virtualCluster}' failed`,
      );
    }
  }
}

function initializationFailure(
  virtualCluster: string,
  definition: FilterDefinition,
  config: ProxyConfigurationModel,
  error: unknown,
): string {
  const message = error instanceof Error ? error.message : String(error);
  const { file, locate } = config.source;
  if (error instanceof PluginConfigurationError) {
    const at = locate(`${definition.path}.config`, error.path);
    const where = error.path === undefined ? '' : ` at '${error.path}'`;
    return `${file}:${at.line}:${at.column}: Filter '${definition.name}' in virtual cluster '${virtualCluster}' rejected its configuration${where}: ${message}`;
  }
  const at = locate(definition.path);
  return `${file}:${at.line}:${at.column}: Filter '${definition.name}' in virtual cluster '${virtualCluster}' failed to initialize: ${message}`;
}
