import { RequestIdSchema, SERVICE_NAMES, SpanSchema, z } from '@ai-ninja/contracts';
import { AlertRuleSchema, AlertSchema } from '../domain/alert.types.js';

const Status = z.enum(['up', 'degraded', 'down']);
const isoOrNull = z.iso.datetime().nullable();

export const ServiceHealthSchema = z
  .object({
    service: z.enum(SERVICE_NAMES),
    status: z.enum(['up', 'degraded', 'down', 'unknown']).describe('unknown until the first poll'),
    since: isoOrNull.describe('Since when it has had this status'),
    lastCheckedAt: isoOrNull,
    replicas: z.array(z.object({ url: z.string(), status: Status, detail: z.string().optional() })),
    availability: z.number().min(0).max(1).nullable().describe('Share of the observed time it was up or degraded'),
    observedSeconds: z.number(),
    secondsByStatus: z.object({ up: z.number(), degraded: z.number(), down: z.number() }),
    transitions: z.array(z.object({ at: z.iso.datetime(), from: z.enum(['up', 'degraded', 'down', 'unknown']), to: Status, detail: z.string().optional() })),
    outages: z.array(z.object({ start: z.iso.datetime(), end: isoOrNull, durationSeconds: z.number() })),
  })
  .openapi('ServiceHealth');

export const HealthOverviewSchema = z
  .object({
    monitoringStartedAt: z.iso.datetime(),
    pollIntervalMs: z.number(),
    pollCycles: z.number().int(),
    services: z.array(ServiceHealthSchema),
  })
  .openapi('HealthOverview');

const RateFiguresSchema = z.object({
  requestsPerSecond: z.number(),
  clientErrorsPerSecond: z.number(),
  serverErrorsPerSecond: z.number(),
  clientErrorRatio: z.number().nullable().describe('4xx share of requests, 0..1; null without requests'),
  serverErrorRatio: z.number().nullable().describe('5xx share of requests, 0..1; null without requests'),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
});

export const ServiceMetricsSchema = z
  .object({
    service: z.enum(SERVICE_NAMES),
    lastScrapeAt: isoOrNull,
    scrapes: z.number().int(),
    scrapeErrors: z.record(z.string(), z.string()).describe('Why the last scrape failed, per replica'),
    current: RateFiguresSchema.describe('Over the rate window'),
    totals: z.object({ requests: z.number(), clientErrors: z.number(), serverErrors: z.number() }).describe('Since monitoring started, probes excluded'),
    breakers: z.array(
      z.object({
        reportedBy: z.string(),
        upstream: z.string(),
        replica: z.string().describe('Upstream replica URL, or * for the upstream-wide breaker'),
        state: z.enum(['closed', 'half-open', 'open']),
      }),
    ),
    series: z.array(RateFiguresSchema.extend({ t: z.number().describe('End of the interval, epoch ms') })),
  })
  .openapi('ServiceMetrics');

export const MetricsOverviewSchema = z
  .object({
    rateWindowSeconds: z.number(),
    seriesWindowSeconds: z.number(),
    services: z.array(ServiceMetricsSchema),
  })
  .openapi('MetricsOverview');

export const MetricsQuerySchema = z.object({
  window: z.coerce.number().int().min(0).max(86_400).optional().describe('Seconds of time series to return (default: all kept; 0: none)'),
});

export const AlertsOverviewSchema = z
  .object({
    rules: z.array(AlertRuleSchema),
    active: z.array(AlertSchema),
    resolved: z.array(AlertSchema),
    webhook: z.enum(['configured', 'not configured']),
  })
  .openapi('AlertsOverview');

export const AlertIdParamsSchema = z.object({ id: z.uuid().describe('The rule’s id') });

export const TraceParamsSchema = z.object({ requestId: RequestIdSchema });

export const TraceSchema = z
  .object({
    requestId: z.string(),
    traceIds: z.array(z.string()),
    startedAt: z.iso.datetime(),
    durationMs: z.number(),
    services: z.array(z.string()),
    hops: z.array(
      SpanSchema.extend({
        replica: z.string(),
        start: z.iso.datetime(),
        offsetMs: z.number().describe('After the first hop started'),
        depth: z.number().int().describe('0: entry hop; n: called by a hop at depth n-1'),
        calledBy: z.string().nullable().describe('Span id of the calling hop, when it could be told'),
      }),
    ),
    unreachable: z.array(z.object({ service: z.string(), replica: z.string(), error: z.string() })).describe('Replicas that could not be asked'),
  })
  .openapi('Trace');

export const DashboardOverviewSchema = z
  .object({
    generatedAt: z.iso.datetime(),
    health: HealthOverviewSchema,
    metrics: MetricsOverviewSchema,
    alerts: AlertsOverviewSchema,
  })
  .openapi('DashboardOverview');
