import { AppError, type Service } from '@ai-ninja/service-kit';
import type { AlertEngine } from '../domain/alert-engine.js';
import { AlertRuleSchema, NewAlertRuleSchema } from '../domain/alert.types.js';
import type { Monitor } from '../domain/monitor.js';
import {
  AlertIdParamsSchema,
  AlertsOverviewSchema,
  HealthOverviewSchema,
  MetricsOverviewSchema,
  MetricsQuerySchema,
  TraceParamsSchema,
  TraceSchema,
} from './monitoring.schemas.js';

/** What the routes read from. */
export interface MonitoringDeps {
  readonly monitor: Monitor;
  readonly alerts: AlertEngine;
  readonly pollIntervalMs: number;
  readonly rateWindowMs: number;
  readonly seriesWindowMs: number;
  readonly webhookConfigured: boolean;
  readonly now: () => number;
}

export const MONITORING_ERROR_CODES = {
  ruleNotFound: 'ALERT_RULE_NOT_FOUND',
  traceNotFound: 'TRACE_NOT_FOUND',
} as const;

const TAGS = ['monitoring'];
const NO_USER_DATA = 'Carries no user data: public, like the dashboard (protect it at the edge if the figures are sensitive).';

/** The read models the API and the dashboard share. */
export function readModels(deps: MonitoringDeps) {
  return {
    health: () => ({
      monitoringStartedAt: new Date(deps.monitor.startedAt).toISOString(),
      pollIntervalMs: deps.pollIntervalMs,
      pollCycles: deps.monitor.cycles,
      services: deps.monitor.healthViews(),
    }),
    metrics: (windowSeconds?: number) => ({
      rateWindowSeconds: deps.rateWindowMs / 1000,
      seriesWindowSeconds: Math.min(windowSeconds ?? Infinity, deps.seriesWindowMs / 1000),
      services: deps.monitor.metricsViews(windowSeconds === undefined ? undefined : windowSeconds * 1000),
    }),
    alerts: async () => {
      const all = await deps.alerts.listAlerts();
      return {
        rules: await deps.alerts.listRules(),
        active: all.filter((a) => a.state === 'firing'),
        resolved: all.filter((a) => a.state === 'resolved'),
        webhook: deps.webhookConfigured ? ('configured' as const) : ('not configured' as const),
      };
    },
    trace: async (requestId: string) => {
      const { trace, unreachable } = await deps.monitor.trace(requestId);
      if (!trace) {
        const asked = unreachable.length > 0 ? ` (${unreachable.length} replica(s) could not be asked)` : '';
        throw new AppError(404, MONITORING_ERROR_CODES.traceNotFound, `No service holds a span of request ${requestId}${asked}`, { unreachable });
      }
      return { ...trace, unreachable };
    },
  };
}

/** monitoring's API under /api/v1/monitoring. */
export function registerMonitoringRoutes(service: Service, deps: MonitoringDeps): void {
  const read = readModels(deps);

  service.route({
    method: 'get',
    path: '/api/v1/monitoring/health',
    summary: 'Every service’s readiness: current status, transitions, outages and availability since monitoring started',
    description: NO_USER_DATA,
    tags: TAGS,
    auth: 'public',
    responses: { 200: { description: 'One entry per service of the catalog', schema: HealthOverviewSchema } },
    handler: () => ({ status: 200, body: read.health() }),
  });

  service.route({
    method: 'get',
    path: '/api/v1/monitoring/metrics',
    summary: 'Request rate, 4xx and 5xx rates, p50/p95/p99 latency and upstream breakers of every service, with a time series',
    description: `Probes (/health*, /metrics, /internal/*) are not counted. ${NO_USER_DATA}`,
    tags: TAGS,
    auth: 'public',
    request: { query: MetricsQuerySchema },
    responses: { 200: { description: 'One entry per service of the catalog', schema: MetricsOverviewSchema } },
    handler: ({ query }) => ({ status: 200, body: read.metrics(query.window) }),
  });

  service.route({
    method: 'get',
    path: '/api/v1/monitoring/alerts',
    summary: 'Alert rules, firing alerts and recently resolved ones',
    description: NO_USER_DATA,
    tags: TAGS,
    auth: 'public',
    responses: { 200: { description: 'Rules and alerts', schema: AlertsOverviewSchema } },
    handler: async () => ({ status: 200, body: await read.alerts() }),
  });

  service.route({
    method: 'post',
    path: '/api/v1/monitoring/alerts',
    summary: 'Creates an alert rule: a service down, an error rate or a p99 latency above a threshold, for some seconds',
    tags: TAGS,
    auth: 'admin',
    request: { body: NewAlertRuleSchema },
    responses: { 201: { description: 'The rule, with its id', schema: AlertRuleSchema } },
    handler: async ({ body }) => ({ status: 201, body: await deps.alerts.createRule(body, deps.now()) }),
  });

  service.route({
    method: 'delete',
    path: '/api/v1/monitoring/alerts/{id}',
    summary: 'Deletes an alert rule; its firing alerts resolve',
    tags: TAGS,
    auth: 'admin',
    request: { params: AlertIdParamsSchema },
    responses: { 204: { description: 'Deleted' }, 404: { description: 'No such rule' } },
    handler: async ({ params }) => {
      if (!(await deps.alerts.deleteRule(params.id, deps.now()))) throw new AppError(404, MONITORING_ERROR_CODES.ruleNotFound, `No alert rule ${params.id}`);
      return { status: 204 };
    },
  });

  service.route({
    method: 'get',
    path: '/api/v1/monitoring/traces/{requestId}',
    summary: 'The hops one request made across services, in order, with their timings',
    description: `Gathered from every replica's GET /internal/spans (each keeps its last 5000 spans). ${NO_USER_DATA}`,
    tags: TAGS,
    auth: 'public',
    request: { params: TraceParamsSchema },
    responses: { 200: { description: 'The hops', schema: TraceSchema }, 404: { description: 'No service holds a span of this request' } },
    handler: async ({ params }) => ({ status: 200, body: await read.trace(params.requestId) }),
  });
}
