/** What monitoring makes of a readiness answer: pass → up, warn → degraded, fail or no answer → down. */
export type ServiceStatus = 'up' | 'degraded' | 'down';

/** One replica's answer to one poll. */
export interface ProbeResult {
  readonly replica: string;
  readonly status: ServiceStatus;
  /** Why it is not up: the readiness body's output or failing checks, or the client's error. */
  readonly detail?: string;
}

/** A change of a service's status. */
export interface Transition {
  readonly at: string;
  readonly from: ServiceStatus | 'unknown';
  readonly to: ServiceStatus;
  readonly detail?: string;
}

/** A time the service was down, and when it came back (open while it is still down). */
export interface Outage {
  readonly start: string;
  readonly end: string | null;
  readonly durationSeconds: number;
}

/** What monitoring knows of one service's health. */
export interface ServiceHealthView {
  readonly service: string;
  readonly status: ServiceStatus | 'unknown';
  /** Since when it has had this status, ISO time. */
  readonly since: string | null;
  readonly lastCheckedAt: string | null;
  readonly replicas: ReadonlyArray<{ url: string; status: ServiceStatus; detail?: string }>;
  /** Share of the observed time it was up or degraded (serving), 0..1; null before two polls. */
  readonly availability: number | null;
  readonly observedSeconds: number;
  readonly secondsByStatus: Readonly<Record<ServiceStatus, number>>;
  /** The latest transitions, oldest first (at most `historyLimit`). */
  readonly transitions: readonly Transition[];
  readonly outages: readonly Outage[];
}

interface ServiceState {
  status: ServiceStatus | undefined;
  since: number | undefined;
  lastAt: number | undefined;
  replicas: ProbeResult[];
  readonly msByStatus: Record<ServiceStatus, number>;
  readonly transitions: Array<{ at: number; from: ServiceStatus | 'unknown'; to: ServiceStatus; detail?: string }>;
}

/**
 * A service is up when every replica is, down when none answers ready, and degraded in between (some replicas
 * down, or any replica ready with a warning).
 */
export function combineReplicas(results: readonly ProbeResult[]): ServiceStatus {
  if (results.length === 0 || results.every((r) => r.status === 'down')) return 'down';
  return results.every((r) => r.status === 'up') ? 'up' : 'degraded';
}

/**
 * The health of every service over time: current status, the transitions between statuses (when each went down
 * and came back), and availability, as the share of the observed time a service was serving. Time between two
 * polls is counted in the status found by the earlier one.
 */
export class HealthTracker {
  readonly #services = new Map<string, ServiceState>();

  constructor(private readonly historyLimit: number) {}

  /** Records one poll of one service's replicas at `at` (epoch ms); returns the new status. */
  record(service: string, at: number, results: readonly ProbeResult[]): ServiceStatus {
    const state = this.#state(service);
    const status = combineReplicas(results);
    if (state.status !== undefined && state.lastAt !== undefined && at > state.lastAt) state.msByStatus[state.status] += at - state.lastAt;
    if (status !== state.status) {
      const detail = results.find((r) => r.status !== 'up' && r.detail)?.detail;
      state.transitions.push({ at, from: state.status ?? 'unknown', to: status, ...(detail ? { detail } : {}) });
      if (state.transitions.length > this.historyLimit) state.transitions.shift();
      state.status = status;
      state.since = at;
    }
    state.lastAt = at;
    state.replicas = [...results];
    return status;
  }

  /** The current status, undefined before the first poll. */
  status(service: string): ServiceStatus | undefined {
    return this.#services.get(service)?.status;
  }

  /** Since when (epoch ms) the service has had its current status. */
  since(service: string): number | undefined {
    return this.#services.get(service)?.since;
  }

  view(service: string, now: number): ServiceHealthView {
    const state = this.#state(service);
    const ms = { ...state.msByStatus };
    // The time since the last poll counts too, in the status that poll found.
    if (state.status !== undefined && state.lastAt !== undefined && now > state.lastAt) ms[state.status] += now - state.lastAt;
    const observed = ms.up + ms.degraded + ms.down;
    return {
      service,
      status: state.status ?? 'unknown',
      since: iso(state.since),
      lastCheckedAt: iso(state.lastAt),
      replicas: state.replicas.map((r) => ({ url: r.replica, status: r.status, ...(r.detail ? { detail: r.detail } : {}) })),
      availability: observed > 0 ? Math.round(((ms.up + ms.degraded) / observed) * 100_000) / 100_000 : null,
      observedSeconds: seconds(observed),
      secondsByStatus: { up: seconds(ms.up), degraded: seconds(ms.degraded), down: seconds(ms.down) },
      transitions: state.transitions.map((t) => ({ ...t, at: new Date(t.at).toISOString() })),
      outages: outages(state.transitions, now),
    };
  }

  #state(service: string): ServiceState {
    let state = this.#services.get(service);
    if (!state) {
      state = { status: undefined, since: undefined, lastAt: undefined, replicas: [], msByStatus: { up: 0, degraded: 0, down: 0 }, transitions: [] };
      this.#services.set(service, state);
    }
    return state;
  }
}

function outages(transitions: ServiceState['transitions'], now: number): Outage[] {
  const found: Outage[] = [];
  let start: number | undefined;
  for (const t of transitions) {
    if (t.to === 'down' && start === undefined) start = t.at;
    else if (t.to !== 'down' && start !== undefined) {
      found.push({ start: new Date(start).toISOString(), end: new Date(t.at).toISOString(), durationSeconds: seconds(t.at - start) });
      start = undefined;
    }
  }
  if (start !== undefined) found.push({ start: new Date(start).toISOString(), end: null, durationSeconds: seconds(now - start) });
  return found;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
const seconds = (ms: number) => Math.round(ms) / 1000;
