/**
 * Peak EWMA of latency, as Finagle and Linkerd balance with: it jumps at once to a slower observation, moves toward
 * faster ones with a weight that grows with the time since the last observation (time constant `tauMs`), and
 * decays toward zero while the replica goes unused, so that a replica once slow is probed again later.
 */
export class PeakEwma {
  #value = 0;
  #stamp: number;

  constructor(
    private readonly tauMs: number,
    now: number,
  ) {
    this.#stamp = now;
  }

  /** Records one round trip (or a failure's penalty), in milliseconds. */
  observe(rttMs: number, now: number): void {
    const weight = Math.exp(-Math.max(0, now - this.#stamp) / this.tauMs);
    this.#value = rttMs > this.#value ? rttMs : this.#value * weight + rttMs * (1 - weight);
    this.#stamp = now;
  }

  /** The estimate now: the last value, decayed toward zero for the time since it was observed. */
  value(now: number): number {
    return this.#value * Math.exp(-Math.max(0, now - this.#stamp) / this.tauMs);
  }
}
