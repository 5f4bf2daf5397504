import type { Alert, AlertRule } from '../domain/alert.types.js';

/** Where alert rules and alerts are kept. */
export interface AlertStore {
  listRules(): Promise<AlertRule[]>;
  addRule(rule: AlertRule): Promise<void>;
  /** False when there was no such rule. */
  deleteRule(id: string): Promise<boolean>;
  /** Firing alerts first, then resolved ones, newest first. */
  listAlerts(): Promise<Alert[]>;
  /** Inserts or replaces (by id). */
  saveAlert(alert: Alert): Promise<void>;
}

/**
 * Rules and alerts in this process's memory: they are lost on restart, and two monitoring replicas each keep
 * their own. Resolved alerts beyond `resolvedLimit` are forgotten, oldest first.
 */
export class MemoryAlertStore implements AlertStore {
  readonly #rules = new Map<string, AlertRule>();
  readonly #alerts = new Map<string, Alert>();

  constructor(private readonly resolvedLimit: number) {}

  async listRules(): Promise<AlertRule[]> {
    return [...this.#rules.values()];
  }

  async addRule(rule: AlertRule): Promise<void> {
    this.#rules.set(rule.id, rule);
  }

  async deleteRule(id: string): Promise<boolean> {
    return this.#rules.delete(id);
  }

  async listAlerts(): Promise<Alert[]> {
    const all = [...this.#alerts.values()];
    const firing = all.filter((a) => a.state === 'firing').sort((a, b) => b.firedAt.localeCompare(a.firedAt));
    const resolved = all.filter((a) => a.state === 'resolved').sort((a, b) => (b.resolvedAt ?? '').localeCompare(a.resolvedAt ?? ''));
    return [...firing, ...resolved];
  }

  async saveAlert(alert: Alert): Promise<void> {
    this.#alerts.set(alert.id, alert);
    const resolved = [...this.#alerts.values()].filter((a) => a.state === 'resolved');
    if (resolved.length <= this.resolvedLimit) return;
    resolved.sort((a, b) => (a.resolvedAt ?? '').localeCompare(b.resolvedAt ?? ''));
    for (const old of resolved.slice(0, resolved.length - this.resolvedLimit)) this.#alerts.delete(old.id);
  }
}
