import type { Registry } from 'prom-client';

/** One labelled series of a {@link FastHistogram}. */
export interface HistogramSeries {
  /** Records one value; a few nanoseconds, no allocation. */
  observe(value: number): void;
}

interface Series extends HistogramSeries {
  readonly labels: Record<string, string>;
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram for hot paths. prom-client's own re-hashes and validates the labels on every observation
 * (about a microsecond); here a series is bound once with `labels(...)` and an observation only bumps a bucket.
 * It registers in a prom-client Registry and is exposed the same way.
 */
export class FastHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, Series>();
  readonly #bounds: Float64Array;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    buckets: readonly number[],
    registry: Registry,
  ) {
    this.#bounds = Float64Array.from(buckets);
    registry.registerMetric(this as never);
  }

  /** The series for these label values, in `labelNames` order; made on first use, then reused. */
  labels(...values: string[]): HistogramSeries {
    const key = values.join('\u0000');
    let series = this.#series.get(key);
    if (!series) {
      const bounds = this.#bounds;
      const made: Series = {
        labels: Object.fromEntries(this.labelNames.map((name, i) => [name, values[i] ?? ''])),
        buckets: new Float64Array(bounds.length),
        sum: 0,
        count: 0,
        observe(value: number) {
          made.sum += value;
          made.count += 1;
          for (let i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]!) {
              made.buckets[i]! += 1;
              return;
            }
          }
        },
      };
      series = made;
      this.#series.set(key, series);
    }
    return series;
  }

  /** What prom-client's Registry reads at scrape time: cumulative buckets, sum and count per series. */
  async get() {
    const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
    for (const series of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        cumulative += series.buckets[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...series.labels, le: this.#bounds[i]! }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_bucket`, labels: { ...series.labels, le: '+Inf' }, value: series.count });
      values.push({ metricName: `${this.name}_sum`, labels: series.labels, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: series.labels, value: series.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#series.clear();
  }
}
