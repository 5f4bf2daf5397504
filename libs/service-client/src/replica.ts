import CircuitBreaker from 'opossum';
import { PeakEwma } from './peak-ewma.js';

/** Breaker states as the metrics and stats report them. */
export type BreakerState = 'closed' | 'half-open' | 'open';

/** The state of a breaker. */
export function breakerState(breaker: CircuitBreaker): BreakerState {
  return breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed';
}

/** True when the breaker lets a call through: closed, or half-open with its probe not yet taken. */
export function breakerAllows(breaker: CircuitBreaker): boolean {
  return breaker.closed || breaker.pendingClose;
}

/** One replica of an upstream: its address, load, latency estimate, breaker and ejection state. */
export class Replica {
  /** Requests in flight to this replica. */
  outstanding = 0;
  consecutiveFailures = 0;
  /** Times ejected; each ejection lasts longer than the one before. */
  ejections = 0;
  ejectedUntil = 0;
  readonly ewma: PeakEwma;

  constructor(
    /** Base URL, e.g. `http://10.1.2.3:3006`. */
    readonly url: string,
    /** Undefined when breakers are turned off. */
    readonly breaker: CircuitBreaker | undefined,
    ewmaTauMs: number,
    now: number,
    /** Records a successful attempt's duration in seconds (a metric child bound once, off the hot path). */
    readonly recordSuccess: (seconds: number) => void = () => undefined,
  ) {
    this.ewma = new PeakEwma(ewmaTauMs, now);
  }

  isEjected(now: number): boolean {
    return this.ejectedUntil > now;
  }

  /** In rotation: not ejected, and (when its breaker is in use) the breaker lets a call through. */
  isAvailable(now: number, breakerInUse = true): boolean {
    return !this.isEjected(now) && (!breakerInUse || !this.breaker || breakerAllows(this.breaker));
  }

  /** What the peak-EWMA balancer minimises. */
  cost(now: number): number {
    return this.ewma.value(now) * (this.outstanding + 1);
  }
}
