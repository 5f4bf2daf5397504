import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets in seconds, from a cache hit to a slow upstream. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A service's Prometheus registry with its RED HTTP metrics and the default process metrics. */
export interface ServiceMetrics {
  readonly registry: Registry;
  /** Rate, errors and duration of served requests, by method, route template and status. */
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly httpRequestsInFlight: Gauge;
}

/**
 * A registry of the service's own (not the global one, so tests and several services in one process stay apart),
 * labelled with the service name, with default process metrics (CPU, memory, event loop lag, GC).
 */
export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Duration of HTTP requests served, by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    httpRequestsInFlight: new Gauge({
      name: 'http_requests_in_flight',
      help: 'HTTP requests being served right now',
      registers: [registry],
    }),
  };
}
