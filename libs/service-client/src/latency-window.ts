/** The last `size` latencies, for percentiles on demand without work on the hot path beyond one store. */
export class LatencyWindow {
  readonly #values: Float64Array;
  #count = 0;
  #next = 0;

  constructor(size = 1024) {
    this.#values = new Float64Array(size);
  }

  record(ms: number): void {
    this.#values[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#values.length;
    if (this.#count < this.#values.length) this.#count += 1;
  }

  /** Nearest-rank percentiles of the window, in milliseconds; zeros when empty. */
  percentiles(): { p50: number; p95: number; p99: number; mean: number } {
    if (this.#count === 0) return { p50: 0, p95: 0, p99: 0, mean: 0 };
    const sorted = this.#values.slice(0, this.#count).sort();
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
    let total = 0;
    for (const value of sorted) total += value;
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99), mean: total / sorted.length };
  }
}
