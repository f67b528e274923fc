// A small per-proxy metrics registry rendering the Prometheus text format 0.0.4.
//
// Why not prom-client: every KafkaProxy needs its own registry (two proxies in one process never
// share series), the supervisor needs to merge the text of several workers anyway, and the data
// path wants bound children whose increment is one property write. That is a few hundred lines.

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition<L extends string = string> {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly L[];
  /** For labels whose values form a closed set: the allowed values (checked when a series is created). */
  readonly labelValues?: Readonly<Partial<Record<L, readonly string[]>>>;
  /** Histograms only: upper bounds in ascending order (+Inf is implicit). */
  readonly buckets?: readonly number[];
}

export type Labels<L extends string> = Readonly<Record<L, string>>;

/** A counter series bound to one label set: the cheap handle the data path keeps. */
export interface BoundCounter {
  inc(amount?: number): void;
}
export interface BoundGauge {
  set(value: number): void;
  inc(amount?: number): void;
  dec(amount?: number): void;
}
export interface BoundHistogram {
  observe(value: number): void;
}

interface ScalarSeries {
  readonly labelValues: readonly string[];
  value: number;
}

interface HistogramSeries {
  readonly labelValues: readonly string[];
  /** Non-cumulative counts per bucket; the last slot is the +Inf bucket. */
  readonly counts: number[];
  sum: number;
  count: number;
}

abstract class Metric<L extends string, S extends { readonly labelValues: readonly string[] }> {
  readonly definition: MetricDefinition<L>;
  protected readonly series = new Map<string, S>();

  constructor(definition: MetricDefinition<L>) {
    this.definition = definition;
  }

  protected seriesFor(labels: Labels<L>): S {
    const values = this.definition.labels.map((name) => labels[name]);
    const key = values.join('\u0000');
    let series = this.series.get(key);
    if (series === undefined) {
      this.checkLabels(labels, values);
      series = this.createSeries(values);
      this.series.set(key, series);
    }
    return series;
  }

  private checkLabels(labels: Labels<L>, values: readonly (string | undefined)[]): void {
    const { name, labels: names, labelValues } = this.definition;
    for (const given of Object.keys(labels)) {
      if (!names.includes(given as L)) throw new Error(`metric ${name} has no label '${given}'`);
    }
    names.forEach((label, i) => {
      const value = values[i];
      if (typeof value !== 'string') throw new Error(`metric ${name} needs a string value for label '${label}'`);
      const allowed = labelValues?.[label];
      if (allowed !== undefined && !allowed.includes(value)) {
        throw new Error(`metric ${name}: '${value}' is not an allowed value of label '${label}'`);
      }
    });
  }

  protected abstract createSeries(labelValues: readonly string[]): S;
  abstract render(): string;

  protected header(): string {
    const { name, help, type } = this.definition;
    return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
  }

  protected labelText(labelValues: readonly string[], extra?: string): string {
    const parts = this.definition.labels.map((label, i) => `${label}="${escapeLabelValue(labelValues[i] ?? '')}"`);
    if (extra !== undefined) parts.push(extra);
    return parts.length === 0 ? '' : `{${parts.join(',')}}`;
  }
}

abstract class ScalarMetric<L extends string> extends Metric<L, ScalarSeries> {
  protected createSeries(labelValues: readonly string[]): ScalarSeries {
    return { labelValues, value: 0 };
  }

  /** The current value of one series (0 when it was never touched). */
  get(labels: Labels<L>): number {
    return this.seriesFor(labels).value;
  }

  render(): string {
    let text = this.header();
    for (const series of this.series.values()) {
      text += `${this.definition.name}${this.labelText(series.labelValues)} ${formatNumber(series.value)}\n`;
    }
    return text;
  }
}

export class Counter<L extends string> extends ScalarMetric<L> {
  inc(labels: Labels<L>, amount = 1): void {
    this.seriesFor(labels).value += amount;
  }

  /** Creates the series at 0 so that it is rendered before its first increment. */
  touch(labels: Labels<L>): void {
    this.seriesFor(labels);
  }

  bind(labels: Labels<L>): BoundCounter {
    const series = this.seriesFor(labels);
    return {
      inc(amount = 1) {
        series.value += amount;
      },
    };
  }
}

export class Gauge<L extends string> extends ScalarMetric<L> {
  set(labels: Labels<L>, value: number): void {
    this.seriesFor(labels).value = value;
  }

  inc(labels: Labels<L>, amount = 1): void {
    this.seriesFor(labels).value += amount;
  }

  dec(labels: Labels<L>, amount = 1): void {
    this.seriesFor(labels).value -= amount;
  }

  bind(labels: Labels<L>): BoundGauge {
    const series = this.seriesFor(labels);
    return {
      set(value) {
        series.value = value;
      },
      inc(amount = 1) {
        series.value += amount;
      },
      dec(amount = 1) {
        series.value -= amount;
      },
    };
  }
}

export class Histogram<L extends string> extends Metric<L, HistogramSeries> {
  private readonly bounds: readonly number[];

  constructor(definition: MetricDefinition<L>) {
    super(definition);
    this.bounds = definition.buckets ?? [];
  }

  protected createSeries(labelValues: readonly string[]): HistogramSeries {
    return { labelValues, counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
  }

  observe(labels: Labels<L>, value: number): void {
    record(this.seriesFor(labels), this.bounds, value);
  }

  bind(labels: Labels<L>): BoundHistogram {
    const series = this.seriesFor(labels);
    const bounds = this.bounds;
    return {
      observe(value) {
        record(series, bounds, value);
      },
    };
  }

  /** The number of observations of one series. */
  count(labels: Labels<L>): number {
    return this.seriesFor(labels).count;
  }

  render(): string {
    const { name } = this.definition;
    let text = this.header();
    for (const series of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += series.counts[i] ?? 0;
        text += `${name}_bucket${this.labelText(series.labelValues, `le="${formatNumber(bound)}"`)} ${cumulative}\n`;
      });
      text += `${name}_bucket${this.labelText(series.labelValues, 'le="+Inf"')} ${series.count}\n`;
      text += `${name}_sum${this.labelText(series.labelValues)} ${formatNumber(series.sum)}\n`;
      text += `${name}_count${this.labelText(series.labelValues)} ${series.count}\n`;
    }
    return text;
  }
}

function record(series: HistogramSeries, bounds: readonly number[], value: number): void {
  let i = 0;
  while (i < bounds.length && value > (bounds[i] as number)) i++;
  series.counts[i] = (series.counts[i] ?? 0) + 1;
  series.sum += value;
  series.count++;
}

/** Metrics whose values are read at scrape time (process and runtime statistics). */
export type Collector = () => void;

export class MetricsRegistry {
  private readonly metrics = new Map<string, { render(): string }>();
  private readonly collectors: Collector[] = [];

  counter<L extends string>(definition: MetricDefinition<L>): Counter<L> {
    return this.register(definition, 'counter', () => new Counter(definition));
  }

  gauge<L extends string>(definition: MetricDefinition<L>): Gauge<L> {
    return this.register(definition, 'gauge', () => new Gauge(definition));
  }

  histogram<L extends string>(definition: MetricDefinition<L>): Histogram<L> {
    return this.register(definition, 'histogram', () => new Histogram(definition));
  }

  /** Runs `collector` before every render; it sets gauges from values read at that moment. */
  addCollector(collector: Collector): void {
    this.collectors.push(collector);
  }

  render(): string {
    for (const collect of this.collectors) collect();
    let text = '';
    for (const metric of this.metrics.values()) text += metric.render();
    return text;
  }

  private register<M extends { render(): string }>(definition: MetricDefinition, type: MetricType, create: () => M): M {
    if (definition.type !== type) throw new Error(`metric ${definition.name} is a ${definition.type}, not a ${type}`);
    if (this.metrics.has(definition.name)) throw new Error(`metric ${definition.name} is already registered`);
    const metric = create();
    this.metrics.set(definition.name, metric);
    return metric;
  }
}

function escapeHelp(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

function escapeLabelValue(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
