import { SERVICE_NAMES, type ServiceName, type SpanBody } from '@ai-ninja/contracts';
import type { Logger } from '@ai-ninja/service-kit';
import type { AlertEngine } from './alert-engine.js';
import type { HealthTracker, ServiceHealthView } from './health-tracker.js';
import type { MetricsTracker, ScrapeResult, ServiceMetricsView } from './metrics-tracker.js';
import { describeError, type Target } from './targets.js';
import { assembleTrace, type AssembledTrace } from './trace-assembler.js';

/** What {@link Monitor} is built from. */
export interface MonitorDeps {
  readonly targets: readonly Target[];
  readonly health: HealthTracker;
  readonly metrics: MetricsTracker;
  readonly alerts: AlertEngine;
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** A trace, and the replicas that could not be asked for their part of it. */
export interface TraceLookup {
  readonly trace: AssembledTrace | undefined;
  readonly unreachable: ReadonlyArray<{ service: string; replica: string; error: string }>;
}

/**
 * The poll loop: every interval, each replica of each service is asked for its readiness and its metrics (all at
 * once, each bounded by the client's timeout), then the alert rules are evaluated on what came back. A cycle never
 * overlaps the next: a slow one delays the next rather than piling up.
 */
export class Monitor {
  readonly startedAt: number;
  readonly #deps: MonitorDeps;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #cycle: Promise<void> | undefined;
  #stopped = false;
  #cycles = 0;

  constructor(deps: MonitorDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.startedAt = this.#now();
  }

  /** Poll cycles completed. */
  get cycles(): number {
    return this.#cycles;
  }

  /** Starts the loop; the first cycle runs at once. */
  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stops the loop and waits for the cycle in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#cycle;
  }

  /** One poll cycle of every target, then the alert rules. */
  async pollOnce(): Promise<void> {
    const { targets, health, metrics, alerts, logger } = this.#deps;
    const results = await Promise.all(
      targets.map(async (target) => {
        const [probe, scrape] = await Promise.all([
          target.readiness(),
          target.metrics().then(
            (text): ScrapeResult => ({ replica: target.replica, text }),
            (error: unknown): ScrapeResult => ({ replica: target.replica, error: describeError(error) }),
          ),
        ]);
        return { target, probe, scrape };
      }),
    );
    const at = this.#now();
    for (const service of SERVICE_NAMES) {
      const mine = results.filter((r) => r.target.service === service);
      if (mine.length === 0) continue;
      const before = health.status(service);
      const status = health.record(
        service,
        at,
        mine.map((r) => r.probe),
      );
      if (before !== status) {
        const detail = mine.find((r) => r.probe.status !== 'up')?.probe.detail;
        const log = { watched: service, from: before ?? 'unknown', to: status, ...(detail ? { detail } : {}) };
        if (status === 'down') logger.warn(log, `${service} is down`);
        else if (before !== undefined) logger.info(log, `${service} is ${status}`);
      }
      metrics.recordCycle(
        service,
        at,
        mine.map((r) => r.scrape),
      );
    }
    await alerts.evaluate(
      {
        status: (service) => health.status(service),
        statusSince: (service) => health.since(service),
        rates: (service) => metrics.current(service, at),
      },
      at,
    );
    this.#cycles += 1;
  }

  healthViews(): ServiceHealthView[] {
    const now = this.#now();
    return SERVICE_NAMES.map((service) => this.#deps.health.view(service, now));
  }

  metricsViews(seriesWindowMs?: number): ServiceMetricsView[] {
    const now = this.#now();
    return SERVICE_NAMES.map((service) => this.#deps.metrics.view(service, now, seriesWindowMs));
  }

  /** Asks every replica of every service for its spans of `requestId`, and puts them in order. */
  async trace(requestId: string): Promise<TraceLookup> {
    const unreachable: Array<{ service: ServiceName; replica: string; error: string }> = [];
    const found = await Promise.all(
      this.#deps.targets.map(async (target): Promise<Array<SpanBody & { replica: string }>> => {
        try {
          return (await target.spans(requestId)).map((span) => ({ ...span, replica: target.replica }));
        } catch (error) {
          unreachable.push({ service: target.service, replica: target.replica, error: describeError(error) });
          return [];
        }
      }),
    );
    return { trace: assembleTrace(requestId, found.flat()), unreachable };
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      const started = this.#now();
      this.#cycle = this.pollOnce()
        .catch((error: unknown) => this.#deps.logger.error({ err: error }, 'poll cycle failed'))
        .finally(() => {
          this.#cycle = undefined;
          this.#schedule(Math.max(0, this.#deps.intervalMs - (this.#now() - started)));
        });
    }, delayMs);
    this.#timer.unref();
  }
}
