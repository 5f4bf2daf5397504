import { randomUUID } from 'node:crypto';
import { SERVICE_NAMES, type ServiceName } from '@ai-ninja/contracts';
import type { AlertStore } from '../store/alert.store.js';
import type { Alert, AlertEvent, AlertRule, NewAlertRule } from './alert.types.js';
import type { ServiceStatus } from './health-tracker.js';
import type { RateFigures } from './metrics-tracker.js';

/** What rules are evaluated against: the latest view of each service. */
export interface Observations {
  status(service: ServiceName): ServiceStatus | undefined;
  /** Since when (epoch ms) the service has had its current status. */
  statusSince(service: ServiceName): number | undefined;
  /** Figures over the rate window; undefined without recent scrapes. */
  rates(service: ServiceName): RateFigures | undefined;
}

interface Condition {
  readonly holds: boolean;
  readonly since?: number;
  readonly value: number | null;
  readonly message: string;
}

/**
 * Alert rules and the state machine of their alerts: per rule and service, a condition that starts to hold is
 * pending; once it has held for `forSeconds` an alert fires; when it stops holding the alert resolves. Each fire
 * and resolve is handed to `notify` (the webhook), which must not block.
 */
export class AlertEngine {
  /** Since when each (rule, service) condition has held, while it holds. */
  readonly #pending = new Map<string, number>();
  /** The firing alert of each (rule, service). */
  readonly #firing = new Map<string, Alert>();
  #ready: Promise<void> | undefined;
  /** The operation in progress: evaluations and rule changes run one at a time (a rule deleted mid-evaluation
   * must not fire again). */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: AlertStore,
    private readonly notify: (event: AlertEvent) => void,
  ) {}

  createRule(input: NewAlertRule, now: number): Promise<AlertRule> {
    return this.#exclusive(async () => {
      const rule: AlertRule = { ...input, id: randomUUID(), name: input.name ?? describeRule(input), createdAt: new Date(now).toISOString() };
      await this.store.addRule(rule);
      return rule;
    });
  }

  /** Deletes a rule; its firing alerts resolve (and are notified). False when there was no such rule. */
  deleteRule(id: string, now: number): Promise<boolean> {
    return this.#exclusive(() => this.#deleteRule(id, now));
  }

  async #deleteRule(id: string, now: number): Promise<boolean> {
    await this.#load();
    const rule = (await this.store.listRules()).find((r) => r.id === id);
    if (!rule || !(await this.store.deleteRule(id))) return false;
    for (const [key, alert] of this.#firing) {
      if (alert.ruleId !== id) continue;
      await this.#resolve(key, alert, rule, now, 'the rule was deleted');
    }
    for (const key of this.#pending.keys()) if (key.startsWith(`${id}|`)) this.#pending.delete(key);
    return true;
  }

  listRules(): Promise<AlertRule[]> {
    return this.store.listRules();
  }

  listAlerts(): Promise<Alert[]> {
    return this.store.listAlerts();
  }

  /** Evaluates every rule on every service it watches; called after each poll cycle. */
  evaluate(observations: Observations, now: number): Promise<void> {
    return this.#exclusive(() => this.#evaluate(observations, now));
  }

  async #evaluate(observations: Observations, now: number): Promise<void> {
    await this.#load();
    for (const rule of await this.store.listRules()) {
      for (const service of rule.service ? [rule.service] : SERVICE_NAMES) {
        const key = `${rule.id}|${service}`;
        const condition = evaluateCondition(rule, service, observations, now);
        const firing = this.#firing.get(key);
        if (!condition.holds) {
          this.#pending.delete(key);
          if (firing) await this.#resolve(key, firing, rule, now, 'the condition cleared');
          continue;
        }
        if (firing) continue;
        const since = condition.since ?? this.#pending.get(key) ?? now;
        this.#pending.set(key, since);
        if (now - since < rule.forSeconds * 1000) continue;
        const alert: Alert = {
          id: randomUUID(),
          ruleId: rule.id,
          ruleName: rule.name,
          kind: rule.kind,
          service,
          state: 'firing',
          message: condition.message,
          value: condition.value,
          conditionSince: new Date(since).toISOString(),
          firedAt: new Date(now).toISOString(),
          resolvedAt: null,
        };
        this.#firing.set(key, alert);
        await this.store.saveAlert(alert);
        this.notify({ event: 'alert.fired', alert, rule, sentBy: 'monitoring' });
      }
    }
  }

  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #resolve(key: string, alert: Alert, rule: AlertRule, now: number, resolution: string): Promise<void> {
    const resolved: Alert = { ...alert, state: 'resolved', resolvedAt: new Date(now).toISOString(), resolution };
    this.#firing.delete(key);
    await this.store.saveAlert(resolved);
    this.notify({ event: 'alert.resolved', alert: resolved, rule, sentBy: 'monitoring' });
  }

  /** Alerts a store kept firing (a persistent store, across a restart) stay firing here. */
  #load(): Promise<void> {
    this.#ready ??= this.store.listAlerts().then((alerts) => {
      for (const alert of alerts) if (alert.state === 'firing') this.#firing.set(`${alert.ruleId}|${alert.service}`, alert);
    });
    return this.#ready;
  }
}

function evaluateCondition(rule: AlertRule, service: ServiceName, observations: Observations, now: number): Condition {
  if (rule.kind === 'service_down') {
    const holds = observations.status(service) === 'down';
    const since = observations.statusSince(service);
    return { holds, ...(holds && since !== undefined ? { since } : {}), value: holds && since !== undefined ? (now - since) / 1000 : null, message: `${service} is down` };
  }
  const rates = observations.rates(service);
  if (rule.kind === 'error_rate') {
    const ratio = rates ? errorRatio(rates, rule.statusClass) : null;
    const holds = ratio !== null && ratio > rule.threshold;
    return { holds, value: ratio, message: `${service}: ${rule.statusClass} error rate ${percent(ratio)} above ${percent(rule.threshold)}` };
  }
  const p99 = rates?.p99Ms ?? null;
  return { holds: p99 !== null && p99 > rule.thresholdMs, value: p99, message: `${service}: p99 latency ${p99 ?? '–'} ms above ${rule.thresholdMs} ms` };
}

function errorRatio(rates: RateFigures, statusClass: '5xx' | '4xx' | 'any'): number | null {
  if (rates.serverErrorRatio === null || rates.clientErrorRatio === null) return null;
  if (statusClass === '5xx') return rates.serverErrorRatio;
  if (statusClass === '4xx') return rates.clientErrorRatio;
  return rates.serverErrorRatio + rates.clientErrorRatio;
}

const percent = (ratio: number | null) => (ratio === null ? '–' : `${Math.round(ratio * 10_000) / 100} %`);

/** A rule in words, its default name. */
export function describeRule(rule: NewAlertRule): string {
  const who = rule.service ?? 'any service';
  if (rule.kind === 'service_down') return `${who} down for ${rule.forSeconds} s`;
  if (rule.kind === 'error_rate') return `${who} ${rule.statusClass} error rate above ${percent(rule.threshold)} for ${rule.forSeconds} s`;
  return `${who} p99 above ${rule.thresholdMs} ms for ${rule.forSeconds} s`;
}
