import { hostname } from 'node:os';
import type { HealthBody, HealthCheckResult, HealthStatus } from '@ai-ninja/contracts';

/** What a check reports when it does not throw; throwing (or timing out) means `fail`. */
export interface CheckOutcome {
  readonly status?: Exclude<HealthStatus, 'fail'>;
  readonly output?: string;
  readonly observedValue?: number;
  readonly observedUnit?: string;
}

/** A dependency check, e.g. "can the database answer `select 1`". */
export interface HealthCheck {
  readonly name: string;
  /** A failing required check makes the service not ready; a failing optional one only warns. Default true. */
  readonly required?: boolean;
  /** The check fails when it takes longer than this. Default 1000 ms. */
  readonly timeoutMs?: number;
  /** A result is reused for this long, so frequent probes never pile up on a dependency. Default 1000 ms. */
  readonly cacheMs?: number;
  readonly componentType?: string;
  readonly check: () => Promise<CheckOutcome | void>;
}

/** The status code and body of a health route. */
export interface HealthResponse {
  readonly httpStatus: 200 | 503;
  readonly body: HealthBody;
}

interface CheckState {
  readonly definition: Required<Omit<HealthCheck, 'componentType'>> & Pick<HealthCheck, 'componentType'>;
  last?: HealthCheckResult;
  lastAt?: number;
  /** The check's own promise while it runs, even past its timeout: a hung dependency is never asked twice. */
  running?: Promise<unknown>;
  pending?: Promise<HealthCheckResult>;
}

/** Options of {@link HealthRegistry}. */
export interface HealthRegistryOptions {
  readonly service: string;
  readonly version: string;
}

/**
 * The checks of one service and the state the health routes report: ready, live, or draining after shutdown began.
 */
export class HealthRegistry {
  readonly #checks = new Map<string, CheckState>();
  readonly #startedAt = Date.now();
  readonly #serviceId = `${hostname()}:${process.pid}`;
  #draining = false;

  constructor(private readonly options: HealthRegistryOptions) {}

  /** Adds a check; names are unique per service. */
  register(check: HealthCheck): void {
    if (this.#checks.has(check.name)) throw new Error(`Health check "${check.name}" is already registered`);
    this.#checks.set(check.name, {
      definition: { required: true, timeoutMs: 1000, cacheMs: 1000, ...check },
    });
  }

  /** From now on readiness answers 503: called at the first moment of shutdown. */
  startDraining(): void {
    this.#draining = true;
  }

  /** True once shutdown has begun. */
  get draining(): boolean {
    return this.#draining;
  }

  /** `/health/live`: the process answers; dependencies are never checked. */
  liveness(): HealthResponse {
    return { httpStatus: 200, body: { ...this.#identity(), status: 'pass', uptimeSeconds: this.#uptime() } };
  }

  /** `/health/ready`: 503 when a required check fails or shutdown has begun. */
  async readiness(): Promise<HealthResponse> {
    if (this.#draining) return this.#drainingResponse();
    const { status, checks } = await this.#runChecks();
    return { httpStatus: status === 'fail' ? 503 : 200, body: { ...this.#identity(), status, checks } };
  }

  /** `/health`: the summary for people and container health checks, with uptime. */
  async summary(): Promise<HealthResponse> {
    if (this.#draining) return this.#drainingResponse();
    const { status, checks } = await this.#runChecks();
    return {
      httpStatus: status === 'fail' ? 503 : 200,
      body: { ...this.#identity(), status, uptimeSeconds: this.#uptime(), checks },
    };
  }

  async #runChecks(): Promise<{ status: HealthStatus; checks: Record<string, HealthCheckResult[]> }> {
    const entries = await Promise.all([...this.#checks].map(async ([name, state]) => [name, await this.#result(state)] as const));
    const checks: Record<string, HealthCheckResult[]> = {};
    let status: HealthStatus = 'pass';
    for (const [name, result] of entries) {
      checks[name] = [result];
      const effective = result.status === 'fail' && !result.affectsReadiness ? 'warn' : result.status;
      if (effective === 'fail') status = 'fail';
      else if (effective === 'warn' && status === 'pass') status = 'warn';
    }
    return { status, checks };
  }

  #result(state: CheckState): Promise<HealthCheckResult> {
    const now = Date.now();
    if (state.last && state.lastAt !== undefined && now - state.lastAt < state.definition.cacheMs) return Promise.resolve(state.last);
    if (state.pending) return state.pending;
    // The previous call is still hanging past its timeout: report that again rather than call once more.
    if (state.running && state.last) return Promise.resolve(state.last);
    state.pending = this.#execute(state).then((result) => {
      state.last = result;
      state.lastAt = Date.now();
      state.pending = undefined;
      return result;
    });
    return state.pending;
  }

  async #execute(state: CheckState): Promise<HealthCheckResult> {
    const { check, timeoutMs, required, componentType } = state.definition;
    const base = { affectsReadiness: required, ...(componentType ? { componentType } : {}) };
    const running = Promise.resolve().then(check);
    state.running = running;
    running.then(
      () => (state.running = undefined),
      () => (state.running = undefined),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([running, timeout]);
      const time = new Date().toISOString();
      if (outcome === 'timeout') return { ...base, status: 'fail', time, output: `timed out after ${timeoutMs} ms` };
      return { ...base, status: outcome?.status ?? 'pass', time, ...withoutStatus(outcome) };
    } catch (error) {
      return { ...base, status: 'fail', time: new Date().toISOString(), output: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  #drainingResponse(): HealthResponse {
    return { httpStatus: 503, body: { ...this.#identity(), status: 'fail', output: 'shutting down' } };
  }

  #identity() {
    return { service: this.options.service, version: this.options.version, serviceId: this.#serviceId };
  }

  #uptime(): number {
    return Math.round((Date.now() - this.#startedAt) / 1000);
  }
}

function withoutStatus(outcome: CheckOutcome | void): Omit<CheckOutcome, 'status'> {
  if (!outcome) return {};
  const { status: _status, ...rest } = outcome;
  return rest;
}
