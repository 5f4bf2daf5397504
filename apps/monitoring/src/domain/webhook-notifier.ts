import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@ai-ninja/service-kit';
import type { AlertEvent } from './alert.types.js';

/** Options of {@link WebhookNotifier}. */
export interface WebhookOptions {
  readonly url: string;
  /** One attempt's time limit, ms. */
  readonly timeoutMs: number;
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Wait before the n-th retry: n × this, ms. */
  readonly backoffMs: number;
  /** Deliveries in progress beyond which new events are dropped (and logged), so a dead receiver costs bounded memory. */
  readonly maxInFlight: number;
  readonly logger: Logger;
  /** How the request goes out; Node's fetch by default (the webhook is outside the catalog, not a service). */
  readonly fetch?: typeof fetch;
}

/**
 * Sends each alert event to a webhook as JSON, in the background: never awaited by the poll loop. A failed
 * delivery (network error, timeout, non-2xx) is retried a few times with a growing pause, then logged and dropped.
 */
export class WebhookNotifier {
  readonly #inFlight = new Set<Promise<void>>();
  readonly #fetch: typeof fetch;
  #closed = false;

  constructor(private readonly options: WebhookOptions) {
    this.#fetch = options.fetch ?? fetch;
  }

  /** Queues one event; returns at once. */
  send(event: AlertEvent): void {
    const { logger, maxInFlight } = this.options;
    if (this.#closed) return;
    if (this.#inFlight.size >= maxInFlight) {
      logger.error({ event: event.event, alertId: event.alert.id, inFlight: this.#inFlight.size }, 'alert webhook: too many deliveries pending, event dropped');
      return;
    }
    const delivery = this.#deliver(event).finally(() => this.#inFlight.delete(delivery));
    this.#inFlight.add(delivery);
  }

  /** Waits for deliveries in progress (at shutdown); new events are refused from now on. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#inFlight);
  }

  async #deliver(event: AlertEvent): Promise<void> {
    const { url, timeoutMs, attempts, backoffMs, logger } = this.options;
    const body = JSON.stringify(event);
    const context = { event: event.event, alertId: event.alert.id, watched: event.alert.service, rule: event.rule.name };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await this.#fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'AI-Ninja-Monitoring/1.0' },
          body,
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
        // The body is not needed; reading it frees the connection.
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          logger.info({ ...context, attempt }, 'alert webhook delivered');
          return;
        }
        logger.warn({ ...context, attempt, status: response.status }, 'alert webhook answered with an error');
      } catch (error) {
        logger.warn({ ...context, attempt, err: error }, 'alert webhook unreachable');
      }
      if (attempt < attempts) await sleep(backoffMs * attempt);
    }
    logger.error({ ...context, attempts }, 'alert webhook delivery failed: event dropped');
  }
}
