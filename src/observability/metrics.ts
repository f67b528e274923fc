// The instruments of one proxy, created from the catalogue in one fresh registry. Each KafkaProxy
// (and the supervisor) owns one ProxyMetrics; nothing here is process-global except the Node
// process statistics, which are read at scrape time.

import { performance } from 'node:perf_hooks';
import { METRICS, RELOAD_OUTCOMES } from './catalogue.ts';
import { type Counter, type Gauge, MetricsRegistry } from './registry.ts';

export class ProxyMetrics {
  readonly registry = new MetricsRegistry();

  readonly proxyState = this.registry.gauge(METRICS.proxyState);
  readonly proxyStartupDuration = this.registry.histogram(METRICS.proxyStartupDuration);
  readonly virtualClusterState = this.registry.gauge(METRICS.virtualClusterState);
  readonly virtualClusterTransitions = this.registry.counter(METRICS.virtualClusterTransitions);
  readonly virtualClusterStateDuration = this.registry.histogram(METRICS.virtualClusterStateDuration);
  readonly clientDisconnects = this.registry.counter(METRICS.clientDisconnects);
  readonly drainAbandonedRequests = this.registry.counter(METRICS.drainAbandonedRequests);

  readonly routeRequests = this.registry.counter(METRICS.routeRequests);
  readonly routeRequestDuration = this.registry.histogram(METRICS.routeRequestDuration);
  readonly routeErrors = this.registry.counter(METRICS.routeErrors);

  readonly clientConnections = this.registry.counter(METRICS.clientConnections);
  readonly clientConnectionsActive = this.registry.gauge(METRICS.clientConnectionsActive);
  readonly clientRequests = this.registry.counter(METRICS.clientRequests);
  readonly clientRequestDuration = this.registry.histogram(METRICS.clientRequestDuration);
  readonly clientRequestBytes = this.registry.counter(METRICS.clientRequestBytes);
  readonly clientResponseBytes = this.registry.counter(METRICS.clientResponseBytes);
  readonly clientReadPauses = this.registry.counter(METRICS.clientReadPauses);
  readonly clientReadsPaused = this.registry.gauge(METRICS.clientReadsPaused);
  readonly clientConnectionsRefused = this.registry.counter(METRICS.clientConnectionsRefused);

  readonly bufferedBytes = this.registry.gauge(METRICS.bufferedBytes);
  readonly bufferBudgetPausedSessions = this.registry.gauge(METRICS.bufferBudgetPausedSessions);
  readonly bufferBudgetPauses = this.registry.counter(METRICS.bufferBudgetPauses);
  readonly warningsSuppressed = this.registry.counter(METRICS.warningsSuppressed);
  readonly addressDiscoveries = this.registry.counter(METRICS.addressDiscoveries);

  readonly upstreamConnections = this.registry.counter(METRICS.upstreamConnections);
  readonly upstreamConnectionsActive = this.registry.gauge(METRICS.upstreamConnectionsActive);
  readonly upstreamErrors = this.registry.counter(METRICS.upstreamErrors);
  readonly upstreamReadPauses = this.registry.counter(METRICS.upstreamReadPauses);

  readonly filterErrors = this.registry.counter(METRICS.filterErrors);

  readonly reloads = new ReloadMetrics(this.registry);

  constructor() {
    registerProcessMetrics(this.registry);
  }

  render(): string {
    return this.registry.render();
  }
}

/** The supervisor's own metrics, appended to the merged worker metrics (lifecycle §13.5). */
export class SupervisorMetrics {
  readonly registry = new MetricsRegistry();
  readonly workerRestarts = this.registry.counter(METRICS.workerRestarts);
  readonly reloads = new ReloadMetrics(this.registry);

  constructor() {
    this.workerRestarts.touch({});
  }

  render(): string {
    return this.registry.render();
  }
}

function registerProcessMetrics(registry: MetricsRegistry): void {
  const cpuUser = registry.counter(METRICS.processCpuUser).bind({});
  const cpuSystem = registry.counter(METRICS.processCpuSystem).bind({});
  const rss = registry.gauge(METRICS.processResidentMemory).bind({});
  const heapUsed = registry.gauge(METRICS.nodejsHeapUsed).bind({});
  const heapTotal = registry.gauge(METRICS.nodejsHeapTotal).bind({});
  const external = registry.gauge(METRICS.nodejsExternalMemory).bind({});
  const utilization = registry.gauge(METRICS.nodejsEventLoopUtilization).bind({});
  // Counters only go up: remember what was already added rather than setting the total.
  let reportedUser = 0;
  let reportedSystem = 0;
  // Reading utilization at scrape time needs no timer, so the registry never holds a handle.
  let previousUtilization = performance.eventLoopUtilization();
  registry.addCollector(() => {
    const cpu = process.cpuUsage();
    cpuUser.inc(cpu.user / 1e6 - reportedUser);
    reportedUser = cpu.user / 1e6;
    cpuSystem.inc(cpu.system / 1e6 - reportedSystem);
    reportedSystem = cpu.system / 1e6;
    const memory = process.memoryUsage();
    rss.set(memory.rss);
    heapUsed.set(memory.heapUsed);
    heapTotal.set(memory.heapTotal);
    external.set(memory.external);
    const now = performance.eventLoopUtilization();
    utilization.set(performance.eventLoopUtilization(now, previousUtilization).utilization);
    previousUtilization = now;
  });
}

/** The configuration's generation and the reloads, kept by whoever decides reloads. */
export class ReloadMetrics {
  readonly generation: Gauge<never>;
  readonly reloads: Counter<'outcome'>;
  readonly lastSuccess: Gauge<never>;
  readonly lastTimestamp: Gauge<never>;
  readonly virtualClusterChanges: Counter<'virtual_cluster' | 'change'>;

  constructor(registry: MetricsRegistry) {
    this.generation = registry.gauge(METRICS.configGeneration);
    this.reloads = registry.counter(METRICS.configReloads);
    this.lastSuccess = registry.gauge(METRICS.configLastReloadSuccess);
    this.lastTimestamp = registry.gauge(METRICS.configLastReloadTimestamp);
    this.virtualClusterChanges = registry.counter(METRICS.configVirtualClusterChanges);
    this.generation.set({}, 1);
    this.lastSuccess.set({}, 1);
    this.lastTimestamp.set({}, 0);
    for (const outcome of RELOAD_OUTCOMES) this.reloads.touch({ outcome });
  }
}
