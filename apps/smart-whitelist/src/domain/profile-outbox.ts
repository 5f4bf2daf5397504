import { UpdateCallerProfileEndpoint, type UpdateCallerProfileBody } from '@ai-ninja/contracts';
import { ServiceClientError, UpstreamHttpError, type ServiceClient } from '@ai-ninja/service-client';
import type { Logger } from '@ai-ninja/service-kit';
import type { WhitelistStore } from '../store/whitelist.store.js';

/** Longest wait between two attempts at one report. */
const MAX_BACKOFF_MS = 10 * 60 * 1000;
/** Reports tried per background round. */
const BATCH = 100;

/** How one delivery went. */
export type Delivery = { readonly delivered: true } | { readonly delivered: false; readonly reason: string; readonly permanent: boolean };

/**
 * Reports to profile-analytics (a user's verdict on a caller) that must not be lost: each is written to the
 * `profile_outbox` table in the same transaction as the change it reports, sent at once, and deleted once
 * profile-analytics took it. Those it did not take are retried in the background with a growing backoff.
 * Every report carries its outbox id as `eventId`, so a report delivered twice (a lost answer, two replicas) is
 * applied once.
 */
export class ProfileOutbox {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly store: WhitelistStore,
    private readonly client: ServiceClient,
    private readonly retryMs: number,
    private readonly logger: Logger,
  ) {}

  /** The row to write, in the caller's transaction, for `report`. */
  static row(id: string, report: UpdateCallerProfileBody, now: Date, retryMs: number) {
    return {
      id,
      payload: JSON.stringify({ ...report, eventId: id }),
      attempts: 0,
      next_attempt_at: new Date(now.getTime() + retryMs).toISOString(),
      last_error: null,
      created_at: now.toISOString(),
    };
  }

  /** Sends one report now; deletes it from the outbox once delivered (or refused for good). */
  async deliver(id: string, payload: string): Promise<Delivery> {
    const delivery = await this.#send(JSON.parse(payload) as UpdateCallerProfileBody);
    if (delivery.delivered || delivery.permanent) await this.store.deleteFromOutbox(id);
    if (!delivery.delivered && delivery.permanent) this.logger.error({ outboxId: id, reason: delivery.reason }, 'profile-analytics refused a report for good; dropped it');
    return delivery;
  }

  /** Retries due reports every `retryMs` until {@link stop}. */
  start(): void {
    this.#timer ??= setInterval(() => void this.flush(), this.retryMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One round over the due reports (never two at once). */
  flush(): Promise<void> {
    this.#running ??= this.#flush()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'profile outbox round failed; retrying next round'))
      .finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #flush(): Promise<void> {
    const due = await this.store.dueOutbox(new Date().toISOString(), BATCH);
    let delivered = 0;
    for (const row of due) {
      const delivery = await this.deliver(row.id, row.payload);
      if (delivery.delivered) {
        delivered += 1;
        continue;
      }
      if (delivery.permanent) continue;
      const attempts = row.attempts + 1;
      const backoff = Math.min(this.retryMs * 2 ** Math.min(attempts, 20), MAX_BACKOFF_MS);
      await this.store.rescheduleOutbox(row.id, attempts, new Date(Date.now() + backoff).toISOString(), delivery.reason);
      // profile-analytics is still away: the rest of the batch would fail the same way.
      this.logger.warn({ pending: due.length - delivered, reason: delivery.reason, retryInMs: backoff }, 'profile-analytics does not take reports yet; kept in the outbox');
      return;
    }
    if (delivered) this.logger.info({ delivered }, 'delivered reports from the profile outbox');
  }

  async #send(report: UpdateCallerProfileBody): Promise<Delivery> {
    try {
      await this.client.call(UpdateCallerProfileEndpoint, { body: report }, { timeout: 2000, ...(report.eventId ? { idempotencyKey: `profile-report:${report.eventId}` } : {}) });
      return { delivered: true };
    } catch (error) {
      const status = error instanceof UpstreamHttpError ? error.upstreamStatus : undefined;
      const permanent = status !== undefined && status >= 400 && status < 500 && ![401, 403, 408, 409, 429].includes(status);
      const reason = error instanceof ServiceClientError ? `${error.code}: ${error.message}` : String(error);
      return { delivered: false, reason, permanent };
    }
  }
}
