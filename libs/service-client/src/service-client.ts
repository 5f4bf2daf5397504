import { randomUUID } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { AxiosInstance, AxiosStatic } from 'axios';
import CircuitBreaker from 'opossum';
import { Registry } from 'prom-client';
import type { z } from 'zod';
import {
  ErrorEnvelopeSchema,
  EvaluatePhoneEndpoint,
  getService,
  HEADERS,
  healthReadyEndpoint,
  SERVICE_CLIENT_USER_AGENT,
  type Endpoint,
  type EndpointInput,
  type EndpointOutput,
  type HealthBody,
  type ServiceName,
  type WhitelistDecision,
} from '@ai-ninja/contracts';
import { childSpan, continueOrStartTrace, formatTraceparent, getRequestContext, type TraceContext } from '@ai-ninja/observability';
import { createBalancer, type Balancer, type BalancerName } from './balancers.js';
import { discoverUrls, resolveReplicas, type Lookup } from './discovery.js';
import {
  CircuitOpenError,
  DeadlineExceededError,
  MalformedResponseError,
  RequestValidationError,
  ServiceClientError,
  UpstreamHttpError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './errors.js';
import { LatencyWindow } from './latency-window.js';
import { ClientMetrics } from './metrics.js';
import { breakerState, Replica, type BreakerState } from './replica.js';
import { backoffDelay, parseRetryAfter, RetryBudget, type BackoffOptions, type RetryBudgetOptions } from './retry.js';

/** Circuit breaker settings; the design's defaults. */
export interface BreakerOptions {
  /** An attempt slower than this fails (and counts against the breaker). */
  readonly timeout: number;
  /** Opens when more than this share of calls in the rolling window fail. */
  readonly errorThresholdPercentage: number;
  /** How long it stays open before letting one probe through (half-open). */
  readonly resetTimeout: number;
  /** Calls the rolling window must hold before the breaker may open, so one early failure does not. */
  readonly volumeThreshold: number;
  /** The rolling window, in milliseconds. */
  readonly rollingCountTimeout: number;
}

/** Outlier ejection of replicas after consecutive failures. */
export interface EjectionOptions {
  readonly consecutiveFailures: number;
  /** First ejection; the n-th lasts n times as long, up to `maxMs`. */
  readonly baseMs: number;
  readonly maxMs: number;
}

/** One HTTP exchange as the client sends it. */
export interface TransportRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text, or the bytes of a {@link RawBody}. */
  readonly body: string | Buffer | Readable | undefined;
  readonly timeoutMs: number;
}

/** What came back: status, headers (lower-case names) and the body as text. */
export interface TransportResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/**
 * Sends one request. Rejects with an error whose `code` is `ETIMEDOUT` when `timeoutMs` passed, or a connection
 * error code (ECONNREFUSED, ECONNRESET…). The default is axios with keep-alive agents; tests and benchmarks pass
 * their own to exercise the policies without a network.
 */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

/** Options of {@link ServiceClient}; every one has a default. */
export interface ServiceClientOptions {
  /** Overall deadline of a logical call, retries included, in ms. Default 5000. */
  readonly timeout?: number;
  /** Retries after the first attempt, for safe requests. Default 3. */
  readonly retries?: number;
  /** `false` turns breakers off. */
  readonly breaker?: Partial<BreakerOptions> | false;
  /** Default `p2c-peak-ewma`. */
  readonly balancer?: BalancerName;
  /** `false` turns the budget off (every retryable failure may be retried `retries` times). */
  readonly retryBudget?: Partial<RetryBudgetOptions> | false;
  readonly backoff?: Partial<BackoffOptions>;
  /** `false` turns outlier ejection off. */
  readonly ejection?: Partial<EjectionOptions> | false;
  /** Which failures are retried; the default retries connection failures, timeouts, 408, 429, 502, 503, 504. */
  readonly retryOn?: (error: ServiceClientError) => boolean;
  /** Where the discovery variables are read. Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Re-resolve host names to all their addresses this often (ms); 0, the default, resolves nothing. */
  readonly dnsRefreshMs?: number;
  readonly lookup?: Lookup;
  /** The registry the metrics go to (a service's own); a private one by default. */
  readonly registry?: Registry;
  /** Time constant of the latency estimate, ms. Default 10000. */
  readonly ewmaTauMs?: number;
  /** How requests go out; axios with keep-alive agents by default. */
  readonly transport?: Transport;
  /** Extra headers for every attempt, read at send time (service-kit sends the service's credential this way). */
  readonly headers?: () => Readonly<Record<string, string>>;
}

/** Options of one call. */
export interface CallOptions<T> {
  /** This call's deadline in ms, instead of the client's. */
  readonly timeout?: number;
  readonly retries?: number;
  /** Answers instead of failing when the upstream fails (not when the request itself is wrong). */
  readonly fallback?: (error: ServiceClientError) => T | Promise<T>;
  /** For a POST: the key to send; by default one is made per logical call. `false` sends none (then no retry). */
  readonly idempotencyKey?: string | false;
  /** Sends these bytes as the body instead of JSON (an upload), for an endpoint without a `body` schema. */
  readonly rawBody?: RawBody;
}

/**
 * A request body that is not JSON. `data` is a Buffer, or a function that opens a new stream for each attempt
 * (a stream is read once; a retry needs a fresh one). A stream an attempt did not finish is destroyed.
 */
export interface RawBody {
  readonly contentType: string;
  readonly data: Buffer | (() => Readable);
  /** Sent as Content-Length when given; a stream without it goes chunked. */
  readonly length?: number;
}

/** The events a client emits; service-kit logs them. */
export interface ServiceClientEvents {
  retry: [{ upstream: ServiceName; replica: string; retry: number; reason: string; delayMs: number }];
  'breaker-state': [{ upstream: ServiceName; replica?: string; state: BreakerState }];
  ejection: [{ upstream: ServiceName; replica: string; durationMs: number; consecutiveFailures: number }];
  'budget-exhausted': [{ upstream: ServiceName; calls: number; retries: number }];
  'replicas-changed': [{ upstream: ServiceName; replicas: string[] }];
  fallback: [{ upstream: ServiceName; code: string }];
}

/** The design's breaker figures for one upstream, and the state of its replicas. */
export interface UpstreamStats {
  readonly breaker: BreakerState | 'disabled';
  /** Logical calls. */
  readonly fires: number;
  readonly successes: number;
  readonly failures: number;
  /** Calls refused at once by an open breaker. */
  readonly rejects: number;
  readonly timeouts: number;
  readonly fallbacks: number;
  readonly attempts: number;
  readonly retries: number;
  readonly budgetExhausted: number;
  /** Latency of successful logical calls over the last 1024, in ms. */
  readonly latency: { p50: number; p95: number; p99: number; mean: number };
  readonly replicas: ReadonlyArray<{
    url: string;
    available: boolean;
    breaker: BreakerState | 'disabled';
    outstanding: number;
    latencyEstimateMs: number;
    consecutiveFailures: number;
    ejections: number;
    ejectedUntil?: string;
  }>;
}

const DEFAULT_BREAKER: BreakerOptions = { timeout: 3000, errorThresholdPercentage: 50, resetTimeout: 30_000, volumeThreshold: 10, rollingCountTimeout: 10_000 };
const DEFAULT_BUDGET: RetryBudgetOptions = { ratio: 0.2, minRetries: 10, windowMs: 10_000 };
const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 25, maxMs: 1000 };
const DEFAULT_EJECTION: EjectionOptions = { consecutiveFailures: 5, baseMs: 10_000, maxMs: 300_000 };
const RETRYABLE_STATUSES = new Set([408, 429, 502, 503, 504]);
// Connection errors where the request never reached a server.
const NEVER_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// Methods whose repetition cannot apply a change twice; POST joins them when it carries an Idempotency-Key.
const SAFE_METHODS = new Set(['get', 'head', 'put', 'delete']);
// A failure counts in the latency estimate as at least this slow, so a replica failing fast never looks attractive.
const FAILURE_PENALTY_MS = 1000;

interface Prepared {
  readonly endpoint: Endpoint;
  readonly method: string;
  readonly pathAndQuery: string;
  readonly body: string | undefined;
  readonly rawBody: RawBody | undefined;
  readonly idempotencyKey: string | undefined;
  readonly requestId: string;
  readonly trace: TraceContext;
  readonly deadline: number;
  readonly retries: number;
  readonly retryable: boolean;
}

interface Upstream {
  readonly name: ServiceName;
  readonly urls: readonly string[];
  resolved: Map<string, string[]>;
  replicas: Replica[];
  readonly breaker: CircuitBreaker<[Upstream, Prepared], unknown> | undefined;
  readonly budget: RetryBudget | undefined;
  readonly balancer: Balancer;
  readonly latencies: LatencyWindow;
  readonly counts: { fires: number; successes: number; failures: number; rejects: number; timeouts: number; fallbacks: number; attempts: number; retries: number; budgetExhausted: number };
  /** The success series of the call histogram, bound once. */
  readonly callSuccess: { observe(seconds: number): void };
}

/**
 * Every service-to-service call: discovered from the catalog, balanced across replicas by latency, guarded by
 * circuit breakers per upstream and per replica, retried within a budget when safe, bounded by a deadline that
 * travels downstream, and traced.
 *
 * ```ts
 * const client = new ServiceClient({ timeout: 5000, retries: 3 });
 * await client.healthCheck('smart-whitelist');
 * await client.evaluatePhone('+1234567890');
 * ```
 */
export class ServiceClient extends EventEmitter<ServiceClientEvents> {
  readonly #options: Required<Pick<ServiceClientOptions, 'timeout' | 'retries' | 'balancer' | 'env' | 'dnsRefreshMs' | 'ewmaTauMs'>>;
  readonly #breaker: BreakerOptions | false;
  readonly #budget: RetryBudgetOptions | false;
  readonly #backoff: BackoffOptions;
  readonly #ejection: EjectionOptions | false;
  readonly #retryOn: (error: ServiceClientError) => boolean;
  readonly #lookup: Lookup;
  readonly #upstreams = new Map<ServiceName, Upstream>();
  readonly #transport: Transport;
  readonly #headers: (() => Readonly<Record<string, string>>) | undefined;
  readonly #agents: { http: HttpAgent; https: HttpsAgent } | undefined;
  readonly #metrics: ClientMetrics;
  readonly #dnsTimer: NodeJS.Timeout | undefined;
  /** The registry holding the client's metrics. */
  readonly registry: Registry;

  constructor(options: ServiceClientOptions = {}) {
    super();
    this.#options = {
      timeout: options.timeout ?? 5000,
      retries: options.retries ?? 3,
      balancer: options.balancer ?? 'p2c-peak-ewma',
      env: options.env ?? process.env,
      dnsRefreshMs: options.dnsRefreshMs ?? 0,
      ewmaTauMs: options.ewmaTauMs ?? 10_000,
    };
    this.#breaker = options.breaker === false ? false : { ...DEFAULT_BREAKER, ...options.breaker };
    this.#budget = options.retryBudget === false ? false : { ...DEFAULT_BUDGET, ...options.retryBudget };
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#ejection = options.ejection === false ? false : { ...DEFAULT_EJECTION, ...options.ejection };
    this.#retryOn = options.retryOn ?? isRetryable;
    this.#headers = options.headers;
    this.#lookup = options.lookup ?? ((host) => dnsLookup(host, { all: true }));
    this.registry = options.registry ?? new Registry();
    this.#metrics = new ClientMetrics(this.registry);
    if (options.transport) this.#transport = options.transport;
    else {
      this.#agents = {
        http: new HttpAgent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' }),
        https: new HttpsAgent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: 'lifo' }),
      };
      this.#transport = axiosTransport(this.#agents);
    }
    if (this.#options.dnsRefreshMs > 0) {
      this.#dnsTimer = setInterval(() => void this.refreshDiscovery(), this.#options.dnsRefreshMs);
      this.#dnsTimer.unref();
    }
  }

  /** Readiness of `service` (one replica's), as its `/health/ready` body; a 503 is returned, not thrown. */
  healthCheck(service: ServiceName, options?: CallOptions<HealthBody>): Promise<HealthBody> {
    return this.call(healthReadyEndpoint(service), {}, options);
  }

  /** smart-whitelist's verdict on a caller, for a user when `userId` is given. */
  evaluatePhone(phone: string, input: { userId?: string } = {}, options?: CallOptions<WhitelistDecision>): Promise<WhitelistDecision> {
    return this.call(EvaluatePhoneEndpoint, { params: { phone }, query: input }, options);
  }

  /**
   * Calls an endpoint of libs/contracts: validates the request, sends it, validates the answer. Fails with a
   * {@link ServiceClientError}; with `options.fallback`, an upstream failure returns the fallback's value instead.
   */
  async call<E extends Endpoint>(endpoint: E, input: EndpointInput<E>, options: CallOptions<EndpointOutput<E>> = {}): Promise<EndpointOutput<E>> {
    const upstream = this.#upstream(endpoint.service);
    const prepared = this.#prepare(endpoint, input as Record<string, unknown>, options);
    const started = performance.now();
    upstream.counts.fires += 1;
    upstream.budget?.recordCall(Date.now());
    try {
      const result = (upstream.breaker ? await upstream.breaker.fire(upstream, prepared) : await this.#withRetries(upstream, prepared)) as EndpointOutput<E>;
      const elapsed = performance.now() - started;
      upstream.counts.successes += 1;
      upstream.latencies.record(elapsed);
      upstream.callSuccess.observe(elapsed / 1000);
      return result;
    } catch (raw) {
      const error = toClientError(upstream.name, raw);
      if (error instanceof CircuitOpenError) upstream.counts.rejects += 1;
      else upstream.counts.failures += 1;
      if (error instanceof UpstreamTimeoutError || error instanceof DeadlineExceededError) upstream.counts.timeouts += 1;
      this.#metrics.callDuration.labels(upstream.name, error.code).observe((performance.now() - started) / 1000);
      if (options.fallback && isUpstreamFailure(error)) {
        upstream.counts.fallbacks += 1;
        this.#metrics.fallbacks.labels(upstream.name).inc();
        this.emit('fallback', { upstream: upstream.name, code: error.code });
        return options.fallback(error);
      }
      throw error;
    }
  }

  /** The design's breaker figures per upstream called so far, and each replica's state. */
  stats(): Partial<Record<ServiceName, UpstreamStats>> {
    const now = Date.now();
    const result: Partial<Record<ServiceName, UpstreamStats>> = {};
    for (const upstream of this.#upstreams.values()) {
      result[upstream.name] = {
        breaker: upstream.breaker ? breakerState(upstream.breaker) : 'disabled',
        ...upstream.counts,
        latency: upstream.latencies.percentiles(),
        replicas: upstream.replicas.map((replica) => ({
          url: replica.url,
          available: replica.isAvailable(now, replicaBreakersInUse(upstream)),
          breaker: replica.breaker ? breakerState(replica.breaker) : 'disabled',
          outstanding: replica.outstanding,
          latencyEstimateMs: Math.round(replica.ewma.value(now) * 100) / 100,
          consecutiveFailures: replica.consecutiveFailures,
          ejections: replica.ejections,
          ...(replica.isEjected(now) ? { ejectedUntil: new Date(replica.ejectedUntil).toISOString() } : {}),
        })),
      };
    }
    return result;
  }

  /** Resolves every upstream's host names again now; runs by itself every `dnsRefreshMs` when set. */
  async refreshDiscovery(): Promise<void> {
    await Promise.all([...this.#upstreams.values()].map((upstream) => this.#resolve(upstream)));
  }

  /** Stops DNS refresh and breaker timers and closes idle connections. Calls in flight finish. */
  close(): void {
    clearInterval(this.#dnsTimer);
    for (const upstream of this.#upstreams.values()) {
      upstream.breaker?.shutdown();
      for (const replica of upstream.replicas) replica.breaker?.shutdown();
    }
    this.#agents?.http.destroy();
    this.#agents?.https.destroy();
  }

  #upstream(name: ServiceName): Upstream {
    const existing = this.#upstreams.get(name);
    if (existing) return existing;
    const urls = discoverUrls(getService(name), this.#options.env);
    const upstream: Upstream = {
      name,
      urls,
      resolved: new Map(urls.map((url) => [url, [url]])),
      replicas: [],
      breaker: this.#breaker ? this.#makeBreaker((self: Upstream, prepared: Prepared) => this.#withRetries(self, prepared), this.#breaker, name) : undefined,
      budget: this.#budget ? new RetryBudget(this.#budget, Date.now()) : undefined,
      balancer: createBalancer(this.#options.balancer),
      latencies: new LatencyWindow(),
      counts: { fires: 0, successes: 0, failures: 0, rejects: 0, timeouts: 0, fallbacks: 0, attempts: 0, retries: 0, budgetExhausted: 0 },
      callSuccess: this.#metrics.callDuration.labels(name, 'success'),
    };
    this.#setReplicas(upstream, urls);
    this.#upstreams.set(name, upstream);
    if (this.#options.dnsRefreshMs > 0) void this.#resolve(upstream);
    return upstream;
  }

  async #resolve(upstream: Upstream): Promise<void> {
    upstream.resolved = await resolveReplicas(upstream.urls, this.#lookup, upstream.resolved);
    this.#setReplicas(upstream, [...new Set([...upstream.resolved.values()].flat())]);
  }

  /** Replicas that stay keep their state; new ones join; gone ones leave (their calls in flight finish). */
  #setReplicas(upstream: Upstream, urls: readonly string[]): void {
    const current = new Map(upstream.replicas.map((replica) => [replica.url, replica]));
    const next = urls.map((url) => current.get(url) ?? this.#makeReplica(upstream.name, url));
    for (const gone of upstream.replicas) if (!urls.includes(gone.url)) gone.breaker?.shutdown();
    const changed = next.length !== upstream.replicas.length || next.some((replica, i) => replica !== upstream.replicas[i]);
    upstream.replicas = next;
    if (changed && current.size > 0) this.emit('replicas-changed', { upstream: upstream.name, replicas: [...urls] });
  }

  #makeReplica(upstream: ServiceName, url: string): Replica {
    const breaker = this.#breaker
      ? this.#makeBreaker((replica: Replica, prepared: Prepared, headers: Record<string, string>, timeoutMs: number) => this.#send(replica, prepared, headers, timeoutMs), this.#breaker, upstream, url)
      : undefined;
    const success = this.#metrics.attemptDuration.labels(upstream, url, 'success');
    return new Replica(url, breaker, this.#options.ewmaTauMs, Date.now(), (seconds) => success.observe(seconds));
  }

  #makeBreaker<A extends unknown[]>(action: (...args: A) => Promise<unknown>, options: BreakerOptions, upstream: ServiceName, replica?: string): CircuitBreaker<A, unknown> {
    const breaker = new CircuitBreaker(action, {
      // The attempt's own timeout (and the call's deadline) bound the time; the breaker only counts outcomes.
      timeout: false,
      errorThresholdPercentage: options.errorThresholdPercentage,
      resetTimeout: options.resetTimeout,
      volumeThreshold: options.volumeThreshold,
      rollingCountTimeout: options.rollingCountTimeout,
      // Sorting every latency of the window on each failure costs too much on a hot path; LatencyWindow does it.
      rollingPercentilesEnabled: false,
      errorFilter: (error: unknown) => !countsAgainstBreaker(error),
    });
    const gauge = this.#metrics.breakerState.labels(upstream, replica ?? '*');
    gauge.set(0);
    const report = (state: BreakerState, value: number) => () => {
      gauge.set(value);
      this.emit('breaker-state', { upstream, ...(replica ? { replica } : {}), state });
    };
    breaker.on('open', report('open', 2));
    breaker.on('halfOpen', report('half-open', 1));
    breaker.on('close', report('closed', 0));
    return breaker;
  }

  #prepare(endpoint: Endpoint, input: Record<string, unknown>, options: CallOptions<unknown>): Prepared {
    const issues: { path: string; message: string }[] = [];
    const params = validateInput(endpoint.params, input.params, 'params', issues) as Record<string, unknown> | undefined;
    const query = validateInput(endpoint.query, input.query, 'query', issues) as Record<string, unknown> | undefined;
    const body = validateInput(endpoint.body, input.body, 'body', issues);
    if (options.rawBody && endpoint.body) issues.push({ path: 'body', message: 'a raw body is for endpoints without a JSON body schema' });
    if (issues.length > 0) throw new RequestValidationError(endpoint.service, issues);
    const pathAndQuery = buildPath(endpoint, params, query);

    const context = getRequestContext();
    const trace = context?.trace ?? continueOrStartTrace(undefined);
    const now = Date.now();
    const ownDeadline = now + (options.timeout ?? this.#options.timeout);
    const method = endpoint.method;
    const idempotencyKey = method === 'post' && options.idempotencyKey !== false ? (options.idempotencyKey ?? randomUUID()) : undefined;
    return {
      endpoint,
      method,
      pathAndQuery,
      body: endpoint.body ? JSON.stringify(body) : undefined,
      rawBody: options.rawBody,
      idempotencyKey,
      // Outside a request, the call starts a trace, and its trace id serves as its request id too.
      requestId: context?.requestId ?? trace.traceId,
      trace,
      deadline: context?.deadline === undefined ? ownDeadline : Math.min(ownDeadline, context.deadline),
      // A request that is itself a retry does not retry its own calls: retries never multiply across hops.
      retries: context && context.retryAttempt > 0 ? 0 : (options.retries ?? this.#options.retries),
      retryable: SAFE_METHODS.has(method) || idempotencyKey !== undefined,
    };
  }

  /** The first attempt; the retries only when it fails, so the common case (one attempt, a success) stays cheap. */
  #withRetries(upstream: Upstream, prepared: Prepared): Promise<unknown> {
    const replica = this.#pick(upstream, undefined);
    return this.#attempt(upstream, replica, prepared, 0).catch((error: unknown) => this.#retry(upstream, prepared, error, replica));
  }

  async #retry(upstream: Upstream, prepared: Prepared, firstError: unknown, firstReplica: Replica): Promise<unknown> {
    const tried = new Set<Replica>();
    let [raw, replica] = [firstError, firstReplica];
    for (let retry = 1; ; retry++) {
      const error = toClientError(upstream.name, raw);
      if (!prepared.retryable || retry > prepared.retries || !this.#retryOn(error)) throw error;
      const now = Date.now();
      const delayMs = error instanceof UpstreamHttpError && error.retryAfterMs !== undefined ? error.retryAfterMs : backoffDelay(this.#backoff, retry);
      if (now + delayMs >= prepared.deadline) throw error;
      // Like gRPC's transparent retries, a request that never reached a server goes to another replica without
      // spending the budget: it adds no load to anyone, and a dying replica's refusals would otherwise drain it.
      const transparent = error instanceof UpstreamUnavailableError && error.neverSent;
      if (!transparent && upstream.budget && !upstream.budget.tryRetry(now)) {
        upstream.counts.budgetExhausted += 1;
        this.#metrics.budgetExhausted.labels(upstream.name).inc();
        this.emit('budget-exhausted', { upstream: upstream.name, calls: upstream.budget.calls, retries: upstream.budget.retries });
        throw error;
      }
      upstream.counts.retries += 1;
      this.#metrics.retries.labels(upstream.name, error.code).inc();
      this.emit('retry', { upstream: upstream.name, replica: replica.url, retry, reason: error.code, delayMs });
      // The next attempt goes to another replica when there is one, whatever failed here.
      tried.add(replica);
      if (delayMs > 0) await sleep(delayMs);
      replica = this.#pick(upstream, tried);
      try {
        return await this.#attempt(upstream, replica, prepared, retry);
      } catch (next) {
        raw = next;
      }
    }
  }


  #pick(upstream: Upstream, tried: ReadonlySet<Replica> | undefined): Replica {
    const now = Date.now();
    const guarded = replicaBreakersInUse(upstream);
    const available = upstream.replicas.every((replica) => replica.isAvailable(now, guarded))
      ? upstream.replicas
      : upstream.replicas.filter((replica) => replica.isAvailable(now, guarded));
    if (available.length === 0) {
      if (upstream.replicas.length === 0) throw new UpstreamUnavailableError(upstream.name, 'no replica is known');
      throw guarded && upstream.replicas.some((replica) => replica.breaker?.opened) ? new CircuitOpenError(upstream.name, 'replicas') : new UpstreamUnavailableError(upstream.name, 'every replica is ejected');
    }
    const untried = tried ? available.filter((replica) => !tried.has(replica)) : available;
    return upstream.balancer.pick(untried.length > 0 ? untried : available, now);
  }

  async #attempt(upstream: Upstream, replica: Replica, prepared: Prepared, attempt: number): Promise<unknown> {
    const started = Date.now();
    const remaining = prepared.deadline - started;
    if (remaining <= 0) throw new DeadlineExceededError(upstream.name);
    const attemptTimeout = this.#breaker ? this.#breaker.timeout : this.#options.timeout;
    const timeoutMs = Math.min(attemptTimeout, remaining);
    const headers: Record<string, string> = {
      [HEADERS.userAgent]: SERVICE_CLIENT_USER_AGENT,
      accept: prepared.endpoint.responseType === 'text' ? 'text/plain' : 'application/json',
      [HEADERS.requestId]: prepared.requestId,
      [HEADERS.traceparent]: formatTraceparent(childSpan(prepared.trace)),
      [HEADERS.timeout]: String(remaining),
    };
    if (prepared.body !== undefined) headers['content-type'] = 'application/json';
    else if (prepared.rawBody) {
      headers['content-type'] = prepared.rawBody.contentType;
      if (prepared.rawBody.length !== undefined) headers['content-length'] = String(prepared.rawBody.length);
    }
    if (prepared.idempotencyKey) headers[HEADERS.idempotencyKey] = prepared.idempotencyKey;
    if (attempt > 0) headers[HEADERS.retryAttempt] = String(attempt);
    if (this.#headers) Object.assign(headers, this.#headers());

    upstream.counts.attempts += 1;
    replica.outstanding += 1;
    const startedPrecise = performance.now();
    try {
      const breaker = replicaBreakersInUse(upstream) ? replica.breaker : undefined;
      const result = breaker ? await breaker.fire(replica, prepared, headers, timeoutMs) : await this.#send(replica, prepared, headers, timeoutMs);
      const elapsed = performance.now() - startedPrecise;
      replica.ewma.observe(elapsed, Date.now());
      replica.consecutiveFailures = 0;
      replica.recordSuccess(elapsed / 1000);
      return result;
    } catch (raw) {
      let error = toClientError(upstream.name, raw, 'replica');
      // Cut short by the deadline rather than by the attempt timeout: the call is out of time.
      if (error instanceof UpstreamTimeoutError && timeoutMs < attemptTimeout) error = new DeadlineExceededError(upstream.name);
      const elapsed = performance.now() - startedPrecise;
      this.#metrics.attemptDuration.labels(upstream.name, replica.url, error.code).observe(elapsed / 1000);
      if (countsAgainstBreaker(error)) this.#recordFailure(upstream, replica, elapsed);
      throw error;
    } finally {
      replica.outstanding -= 1;
    }
  }

  #recordFailure(upstream: Upstream, replica: Replica, elapsedMs: number): void {
    const now = Date.now();
    replica.ewma.observe(Math.max(elapsedMs, FAILURE_PENALTY_MS, 2 * replica.ewma.value(now)), now);
    replica.consecutiveFailures += 1;
    const ejection = this.#ejection;
    if (!ejection || replica.consecutiveFailures < ejection.consecutiveFailures || replica.isEjected(now)) return;
    // At least half of the replicas always stay in rotation, however many fail.
    const ejected = upstream.replicas.filter((r) => r.isEjected(now)).length;
    if (ejected + 1 > Math.floor(upstream.replicas.length / 2)) return;
    replica.ejections += 1;
    const durationMs = Math.min(ejection.baseMs * replica.ejections, ejection.maxMs);
    replica.ejectedUntil = now + durationMs;
    const consecutiveFailures = replica.consecutiveFailures;
    replica.consecutiveFailures = 0;
    this.#metrics.ejections.labels(upstream.name, replica.url).inc();
    this.emit('ejection', { upstream: upstream.name, replica: replica.url, durationMs, consecutiveFailures });
  }

  async #send(replica: Replica, prepared: Prepared, headers: Record<string, string>, timeoutMs: number): Promise<unknown> {
    const upstream = prepared.endpoint.service;
    let response: TransportResponse;
    const data = prepared.rawBody?.data;
    const rawBody = typeof data === 'function' ? data() : data;
    try {
      response = await this.#transport({ method: prepared.method, url: replica.url + prepared.pathAndQuery, headers, body: rawBody ?? prepared.body, timeoutMs });
    } catch (error) {
      if (rawBody instanceof Readable) rawBody.destroy();
      const code = (error as { code?: string }).code;
      if (code === 'ETIMEDOUT' || code === 'ECONNABORTED') throw new UpstreamTimeoutError(upstream, timeoutMs);
      throw new UpstreamUnavailableError(upstream, `${replica.url}: ${code ?? (error as Error).message}`, { cause: error, neverSent: NEVER_SENT.has(code ?? '') });
    }
    // An upstream that answered before reading the whole stream (a 413, a 401) leaves it open: let its file go.
    if (rawBody instanceof Readable) rawBody.destroy();
    const successStatuses = prepared.endpoint.successStatuses ?? [200];
    if (successStatuses.includes(response.status)) return parseBody(upstream, prepared.endpoint, response);
    const envelope = ErrorEnvelopeSchema.safeParse(safeJson(response.body));
    throw new UpstreamHttpError(upstream, response.status, envelope.success ? envelope.data : undefined, parseRetryAfter(response.headers['retry-after'], Date.now()));
  }
}

/** The default transport: axios over keep-alive agents, never through an environment proxy, never redirected. */
function axiosTransport(agents: { http: HttpAgent; https: HttpsAgent }): Transport {
  // Loaded on first use: axios costs ~18 MB of memory, which a service that never calls out should not carry.
  const axios = createRequire(import.meta.url)('axios') as AxiosStatic;
  const http: AxiosInstance = axios.create({
    httpAgent: agents.http,
    httpsAgent: agents.https,
    proxy: false,
    maxRedirects: 0,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    transitional: { clarifyTimeoutError: true },
  });
  return async ({ method, url, headers, body, timeoutMs }) => {
    const response = await http.request<string>({ method, url, headers, data: body, timeout: timeoutMs });
    return { status: response.status, headers: response.headers as Record<string, string | undefined>, body: response.data };
  };
}

/** Parses one part of a request with its schema, collecting issues; undefined when the endpoint has no such part. */
function validateInput(schema: z.ZodType | undefined, value: unknown, where: string, issues: { path: string; message: string }[]): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  for (const issue of result.error.issues) issues.push({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message });
  return undefined;
}

/** An endpoint's path template split once into literal text and parameter names: `['/a/', 'phone', '/b']`. */
const TEMPLATES = new WeakMap<Endpoint, string[]>();

function buildPath(endpoint: Endpoint, params: Record<string, unknown> | undefined, query: Record<string, unknown> | undefined): string {
  let parts = TEMPLATES.get(endpoint);
  if (!parts) {
    parts = endpoint.path.split(/\{([A-Za-z0-9_]+)\}/);
    TEMPLATES.set(endpoint, parts);
  }
  // Even indices are literal text, odd ones parameter names.
  let path = '';
  for (let i = 0; i < parts.length; i++) path += i % 2 === 0 ? parts[i] : encodeURIComponent(String(params?.[parts[i]!]));
  let separator = '?';
  for (const key in query) {
    const value = query[key];
    if (value === undefined) continue;
    path += `${separator}${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`;
    separator = '&';
  }
  return path;
}

function parseBody(upstream: ServiceName, endpoint: Endpoint, response: TransportResponse): unknown {
  const text = response.body;
  let json: unknown;
  try {
    json = endpoint.responseType === 'text' ? text : text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new MalformedResponseError(upstream, `not JSON (${response.headers['content-type'] ?? 'no content type'})`);
  }
  const result = endpoint.response.safeParse(json);
  if (!result.success) throw new MalformedResponseError(upstream, result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
  return result.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A lone replica is guarded by the upstream's breaker alone: a breaker of its own would see the same failures and
 * only cost time. Replica breakers come into play as soon as there are two replicas to choose between.
 */
function replicaBreakersInUse(upstream: Upstream): boolean {
  return upstream.replicas.length > 1;
}

/** Turns whatever a call threw into a typed client error; an open breaker's rejection is `breaker`'s. */
function toClientError(upstream: ServiceName, error: unknown, breaker: 'upstream' | 'replica' = 'upstream'): ServiceClientError {
  if (error instanceof ServiceClientError) return error;
  if ((error as { code?: string } | null)?.code === 'EOPENBREAKER') return new CircuitOpenError(upstream, breaker);
  return new UpstreamUnavailableError(upstream, error instanceof Error ? error.message : String(error), { cause: error });
}

/** The default retry condition: the failure may well not happen on another try, or on another replica. */
export function isRetryable(error: ServiceClientError): boolean {
  if (error instanceof UpstreamUnavailableError || error instanceof UpstreamTimeoutError) return true;
  if (error instanceof CircuitOpenError) return error.scope === 'replica';
  if (error instanceof UpstreamHttpError) {
    return RETRYABLE_STATUSES.has(error.upstreamStatus) || (error.upstreamStatus === 409 && error.envelope?.error.code === 'IDEMPOTENCY_KEY_IN_USE');
  }
  return false;
}

/**
 * The upstream failed (or a breaker says it does), as opposed to refusing a request rightly (4xx other than 408
 * and 429) or our request being wrong. Fallbacks answer for these.
 */
function isUpstreamFailure(error: unknown): boolean {
  if (error instanceof UpstreamHttpError) return error.upstreamStatus >= 500 || error.upstreamStatus === 408 || error.upstreamStatus === 429;
  return !(error instanceof RequestValidationError);
}

/** What breakers and the latency estimate count as a failure: an upstream failure that reached the network. */
function countsAgainstBreaker(error: unknown): boolean {
  // A deadline that passed before an attempt started is the caller's, not the upstream's: it must not open a breaker.
  return isUpstreamFailure(error) && !(error instanceof CircuitOpenError) && !(error instanceof DeadlineExceededError);
}
