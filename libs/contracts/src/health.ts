import { z } from './zod.js';
import type { ServiceName } from './catalog.js';
import { defineEndpoint } from './endpoint.js';

/** The media type of every health body (draft-inadarei-api-health-check). */
export const HEALTH_MEDIA_TYPE = 'application/health+json';

/** pass: all good; warn: degraded but serving; fail: not serving. */
export const HealthStatusSchema = z.enum(['pass', 'warn', 'fail']);
export type HealthStatus = z.infer<typeof HealthStatusSchema>;

/** The outcome of one check, as it appears under `checks[name]`. */
export const HealthCheckResultSchema = z.object({
  status: HealthStatusSchema,
  componentType: z.string().optional(),
  /** A failed required check fails readiness; a failed optional one only warns. */
  affectsReadiness: z.boolean(),
  time: z.iso.datetime().describe('When the check last ran'),
  observedValue: z.number().optional(),
  observedUnit: z.string().optional(),
  output: z.string().optional().describe('Why the check did not pass'),
});
export type HealthCheckResult = z.infer<typeof HealthCheckResultSchema>;

/** The body of `/health`, `/health/ready` and `/health/live`. */
export const HealthBodySchema = z.object({
  status: HealthStatusSchema,
  service: z.string(),
  version: z.string(),
  serviceId: z.string().describe('This instance: host name and process id'),
  output: z.string().optional(),
  uptimeSeconds: z.number().nonnegative().optional(),
  checks: z.record(z.string(), z.array(HealthCheckResultSchema)).optional(),
});
export type HealthBody = z.infer<typeof HealthBodySchema>;

/** `GET /health/ready` of `service`: a 503 is an answer too (the body says why), not an error. */
export const healthReadyEndpoint = (service: ServiceName) =>
  defineEndpoint({
    service,
    method: 'get',
    path: '/health/ready',
    summary: 'Readiness of the service',
    response: HealthBodySchema,
    successStatuses: [200, 503],
  });
