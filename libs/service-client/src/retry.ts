/** Exponential backoff with full jitter: attempt n waits a uniform random time in [0, min(max, base·2ⁿ)). */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** The delay before retry number `retry` (1 for the first retry). `random` is injectable for tests. */
export function backoffDelay({ baseMs, maxMs }: BackoffOptions, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/** Options of {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** Retries allowed as a fraction of calls in the window (0.2: retries add at most 20% load). */
  readonly ratio: number;
  /** Retries always allowed per window, so a quiet client can still retry. */
  readonly minRetries: number;
  /** The sliding window, in milliseconds. */
  readonly windowMs: number;
}

const BUCKETS = 10;

/**
 * A retry budget per upstream, as in Finagle and Envoy: over a sliding window, retries may not exceed
 * `ratio` × calls + `minRetries`. A dead dependency then sees about (1 + ratio)× its normal load instead of
 * (1 + retries)×.
 */
export class RetryBudget {
  readonly #calls = new Array<number>(BUCKETS).fill(0);
  readonly #retries = new Array<number>(BUCKETS).fill(0);
  #bucket = 0;
  #bucketStart: number;
  readonly #bucketMs: number;

  constructor(
    private readonly options: RetryBudgetOptions,
    now: number,
  ) {
    this.#bucketMs = options.windowMs / BUCKETS;
    this.#bucketStart = now;
  }

  /** Counts one logical call. */
  recordCall(now: number): void {
    this.#advance(now);
    this.#calls[this.#bucket]! += 1;
  }

  /** Takes one retry from the budget; false when the budget is spent. */
  tryRetry(now: number): boolean {
    this.#advance(now);
    if (this.retries >= this.allowed) return false;
    this.#retries[this.#bucket]! += 1;
    return true;
  }

  /** Retries the window allows now. */
  get allowed(): number {
    return Math.floor(this.options.ratio * sum(this.#calls)) + this.options.minRetries;
  }

  /** Calls counted in the window. */
  get calls(): number {
    return sum(this.#calls);
  }

  /** Retries taken in the window. */
  get retries(): number {
    return sum(this.#retries);
  }

  #advance(now: number): void {
    const elapsed = Math.floor((now - this.#bucketStart) / this.#bucketMs);
    if (elapsed <= 0) return;
    for (let i = 0; i < Math.min(elapsed, BUCKETS); i++) {
      this.#bucket = (this.#bucket + 1) % BUCKETS;
      this.#calls[this.#bucket] = 0;
      this.#retries[this.#bucket] = 0;
    }
    this.#bucketStart += elapsed * this.#bucketMs;
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** Reads `Retry-After` (seconds or an HTTP date) as milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
