import type { Logger } from '@ai-ninja/service-kit';

/** What one delivery attempt came to. */
export type DeliveryOutcome = 'delivered' | 'rejected' | 'retry';

/** Options of {@link DeliveryLoop}. */
export interface DeliveryLoopOptions<T> {
  /** For the log: `conversation-ended reports`, `recordings`. */
  readonly name: string;
  /** What waits for delivery, read from disk on each pass. */
  readonly list: () => Promise<T[]>;
  /** Tries one item; settles its local copy (deleted when delivered, moved aside when rejected). */
  readonly deliver: (item: T) => Promise<DeliveryOutcome>;
  /** Pause after the first failed pass; it doubles on each failed pass in a row, up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly logger: Logger;
}

/**
 * Delivers what waits on disk, in the background, until it is delivered: a pass tries every item once, oldest
 * first; a pass that leaves something behind schedules the next one after a growing pause. `kick()` runs a pass now
 * (new work, or a test); passes never overlap.
 */
export class DeliveryLoop<T> {
  readonly #options: DeliveryLoopOptions<T>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #failedPasses = 0;
  #stopped = true;

  constructor(options: DeliveryLoopOptions<T>) {
    this.#options = options;
  }

  /** Starts delivering: a first pass now. */
  start(): void {
    this.#stopped = false;
    void this.kick();
  }

  /** No more passes are scheduled; a pass under way finishes. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Runs a pass now (after the one under way, if any); resolves when it is done. */
  kick(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    clearTimeout(this.#timer);
    this.#running = this.#passes().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #passes(): Promise<void> {
    let left: number;
    do {
      this.#again = false;
      left = await this.#pass();
    } while (this.#again && !this.#stopped);
    if (this.#stopped) return;
    if (left === 0) {
      this.#failedPasses = 0;
      return;
    }
    this.#failedPasses += 1;
    const delayMs = Math.min(this.#options.maxDelayMs, this.#options.baseDelayMs * 2 ** Math.min(this.#failedPasses - 1, 30));
    this.#options.logger.info({ loop: this.#options.name, waiting: left, retryInMs: delayMs }, `${this.#options.name}: ${left} not delivered yet, retrying later`);
    this.#timer = setTimeout(() => void this.kick(), delayMs);
    this.#timer.unref();
  }

  /** One pass over everything waiting; returns how many are still waiting. */
  async #pass(): Promise<number> {
    let items: T[];
    try {
      items = await this.#options.list();
    } catch (error) {
      this.#options.logger.error({ err: error, loop: this.#options.name }, `${this.#options.name}: cannot read what waits for delivery`);
      return 1;
    }
    let left = 0;
    for (const item of items) {
      if (this.#stopped) return left + 1;
      let outcome: DeliveryOutcome;
      try {
        outcome = await this.#options.deliver(item);
      } catch (error) {
        this.#options.logger.error({ err: error, loop: this.#options.name }, `${this.#options.name}: delivery attempt failed unexpectedly`);
        outcome = 'retry';
      }
      if (outcome === 'retry') left += 1;
    }
    return left;
  }
}
