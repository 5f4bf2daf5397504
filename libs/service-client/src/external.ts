import CircuitBreaker from 'opossum';
import type { BreakerState } from './replica.js';

/** Options of {@link guardExternal}. */
export interface ExternalGuardOptions {
  /** Each call fails after this long, ms. */
  readonly timeoutMs: number;
  /** Failure percentage over the rolling window that opens the breaker. Default 50. */
  readonly errorThresholdPercentage?: number;
  /** Calls in the window before the percentage counts. Default 5. */
  readonly volumeThreshold?: number;
  /** How long the breaker stays open before one trial call, ms. Default 30000. */
  readonly resetTimeoutMs?: number;
  readonly onStateChange?: (state: BreakerState) => void;
}

/** A dependency outside the catalog (a model provider), behind a breaker. */
export interface ExternalGuard<A extends unknown[], R> {
  /** Calls the dependency; rejects at once while the breaker is open, and on timeout. */
  fire(...args: A): Promise<R>;
  readonly state: BreakerState;
  shutdown(): void;
}

/**
 * A circuit breaker (opossum) for a dependency that is not a service of the catalog, so it has no discovery, no
 * balancing and no retries: a call to it is one attempt, bounded in time, and once it keeps failing the breaker
 * answers at once so that the caller uses its fallback without waiting.
 */
export function guardExternal<A extends unknown[], R>(action: (...args: A) => Promise<R>, options: ExternalGuardOptions): ExternalGuard<A, R> {
  const breaker = new CircuitBreaker<A, R>(action, {
    timeout: options.timeoutMs,
    errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
    volumeThreshold: options.volumeThreshold ?? 5,
    resetTimeout: options.resetTimeoutMs ?? 30_000,
    rollingCountTimeout: 10_000,
  });
  breaker.on('open', () => options.onStateChange?.('open'));
  breaker.on('halfOpen', () => options.onStateChange?.('half-open'));
  breaker.on('close', () => options.onStateChange?.('closed'));
  return {
    fire: (...args) => breaker.fire(...args),
    get state(): BreakerState {
      return breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed';
    },
    shutdown: () => breaker.shutdown(),
  };
}
