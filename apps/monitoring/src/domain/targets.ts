import { getService, healthReadyEndpoint, internalSpansEndpoint, prometheusMetricsEndpoint, SERVICE_NAMES, type HealthBody, type ServiceName, type SpanBody } from '@ai-ninja/contracts';
import { discoverUrls } from '@ai-ninja/service-client';
import type { Service } from '@ai-ninja/service-kit';
import type { ProbeResult } from './health-tracker.js';

/** How long a trace lookup waits for each replica's spans, at least. */
const TRACE_LOOKUP_TIMEOUT_MS = 5000;

/** One replica of one service, as monitoring reaches it. */
export interface Target {
  readonly service: ServiceName;
  /** The replica's base URL, or `in-process` for monitoring itself. */
  readonly replica: string;
  readiness(): Promise<ProbeResult>;
  /** Its Prometheus text. */
  metrics(): Promise<string>;
  spans(requestId: string): Promise<SpanBody[]>;
}

/** What a readiness body says, as monitoring's status. */
export function probeFromHealth(replica: string, body: HealthBody): ProbeResult {
  if (body.status === 'pass') return { replica, status: 'up' };
  const failing = Object.entries(body.checks ?? {})
    .filter(([, results]) => results.some((r) => r.status !== 'pass'))
    .map(([name, results]) => `${name}: ${results.map((r) => r.output ?? r.status).join(', ')}`);
  const detail = [body.output, ...failing].filter(Boolean).join('; ') || `readiness ${body.status}`;
  return { replica, status: body.status === 'warn' ? 'degraded' : 'down', detail };
}

/**
 * Every replica of every service of the catalog, from the discovery variables (`WHITELIST_SERVICE_URL=http://a,http://b`:
 * two replicas, each polled on its own). Each replica gets a client of its own, pointed at it alone, so a poll
 * measures that replica: no balancing, no retry, no breaker between monitoring and what it measures. Monitoring
 * polls its own replicas the same way when MONITORING_SERVICE_URL lists them, and otherwise reads itself in process.
 */
export function discoverTargets(service: Service, timeoutMs: number): Target[] {
  const config = service.config as unknown as Record<string, string | undefined>;
  const targets: Target[] = [];
  for (const name of SERVICE_NAMES) {
    const { discoveryEnv } = getService(name);
    if (name === service.name && !config[discoveryEnv]) {
      targets.push(selfTarget(service));
      continue;
    }
    for (const replica of discoverUrls(getService(name), { [discoveryEnv]: config[discoveryEnv] })) {
      const client = service.createClient({
        env: { [discoveryEnv]: replica },
        timeout: timeoutMs,
        retries: 0,
        breaker: false,
        retryBudget: false,
        ejection: false,
      });
      targets.push({
        service: name,
        replica,
        readiness: async () => {
          try {
            return probeFromHealth(replica, await client.call(healthReadyEndpoint(name), {}));
          } catch (error) {
            return { replica, status: 'down', detail: describeError(error) };
          }
        },
        metrics: () => client.call(prometheusMetricsEndpoint(name), {}),
        // A person is waiting for the trace, not the poll loop: a slow replica gets longer than a poll.
        spans: async (requestId) => (await client.call(internalSpansEndpoint(name), { query: { requestId } }, { timeout: Math.max(timeoutMs, TRACE_LOOKUP_TIMEOUT_MS) })).spans,
      });
    }
  }
  return targets;
}

function selfTarget(service: Service): Target {
  return {
    service: service.name,
    replica: 'in-process',
    readiness: async () => probeFromHealth('in-process', (await service.health.readiness()).body),
    metrics: () => service.metrics.registry.metrics(),
    spans: async (requestId) => service.spans.byRequestId(requestId),
  };
}

/** A client error as one line: its stable code and what happened. */
export function describeError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return code ? `${code}: ${message ?? ''}` : String(message ?? error);
}
