import { Counter, Gauge, type Registry } from 'prom-client';
import { FastHistogram } from '@ai-ninja/observability';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The client's Prometheus metrics, per upstream and per replica. */
export class ClientMetrics {
  /** Logical calls (retries included in their time), by outcome: success, or the error code. Its _count counts them. */
  readonly callDuration: FastHistogram<'upstream' | 'outcome'>;
  /** Attempts (the first try and each retry), by replica and outcome. Its _count counts them. */
  readonly attemptDuration: FastHistogram<'upstream' | 'replica' | 'outcome'>;
  readonly retries: Counter<'upstream' | 'reason'>;
  readonly budgetExhausted: Counter<'upstream'>;
  /** 0 closed, 1 half-open, 2 open; `replica="*"` is the upstream's own breaker. */
  readonly breakerState: Gauge<'upstream' | 'replica'>;
  readonly ejections: Counter<'upstream' | 'replica'>;
  readonly fallbacks: Counter<'upstream'>;

  constructor(registry: Registry) {
    // Several clients in one process share the registry's metrics instead of failing on a duplicate name.
    const metric = <M>(name: string, make: () => M): M => (registry.getSingleMetric(name) as M | undefined) ?? make();
    const registers = [registry];
    // One histogram each for calls and attempts, on the hot path: their _count series count them by outcome.
    this.callDuration = metric('service_client_call_duration_seconds', () => new FastHistogram('service_client_call_duration_seconds', 'Logical calls to an upstream, retries included, by outcome', ['upstream', 'outcome'], BUCKETS, registry));
    this.attemptDuration = metric('service_client_attempt_duration_seconds', () => new FastHistogram('service_client_attempt_duration_seconds', 'Attempts sent to a replica (first tries and retries), by outcome', ['upstream', 'replica', 'outcome'], BUCKETS, registry));
    this.retries = metric('service_client_retries_total', () => new Counter({ name: 'service_client_retries_total', help: 'Retries, by reason', labelNames: ['upstream', 'reason'], registers }));
    this.budgetExhausted = metric('service_client_retry_budget_exhausted_total', () => new Counter({ name: 'service_client_retry_budget_exhausted_total', help: 'Retries refused because the retry budget was spent', labelNames: ['upstream'], registers }));
    this.breakerState = metric('service_client_breaker_state', () => new Gauge({ name: 'service_client_breaker_state', help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open; replica="*" is the upstream breaker', labelNames: ['upstream', 'replica'], registers }));
    this.ejections = metric('service_client_ejections_total', () => new Counter({ name: 'service_client_ejections_total', help: 'Replicas ejected from rotation after consecutive failures', labelNames: ['upstream', 'replica'], registers }));
    this.fallbacks = metric('service_client_fallbacks_total', () => new Counter({ name: 'service_client_fallbacks_total', help: 'Calls answered by their fallback', labelNames: ['upstream'], registers }));
  }
}
