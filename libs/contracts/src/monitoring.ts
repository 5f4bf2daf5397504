import { z } from './zod.js';
import type { ServiceName } from './catalog.js';
import { defineEndpoint } from './endpoint.js';

/** A request id as services accept it from `X-Request-ID` (kept only when safe to log and echo). */
export const RequestIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:@-]{1,128}$/, 'must be 1-128 characters: letters, digits and . _ : @ -')
  .describe('The X-Request-ID of the request');

/** The server span of one request a service served (see `SpanRecorder` in libs/observability). */
export const SpanSchema = z.object({
  requestId: z.string(),
  traceId: z.string().describe('W3C trace id, 32 hex digits'),
  spanId: z.string().describe('W3C span id of this server span, 16 hex digits'),
  parentSpanId: z.string().optional().describe('The caller’s span from its traceparent; absent when this span started the trace'),
  service: z.string(),
  method: z.string(),
  route: z.string().describe('Route template that answered, or `unmatched`'),
  status: z.number().int(),
  startMs: z.number().describe('Arrival, epoch milliseconds'),
  durationMs: z.number().nonnegative(),
});
export type SpanBody = z.infer<typeof SpanSchema>;

/** The body of `GET /internal/spans`. */
export const SpansResponseSchema = z.object({
  service: z.string(),
  spans: z.array(SpanSchema),
});

/** `GET /internal/spans?requestId=` of `service`: the spans it recorded for one request (monitoring's trace view). */
export const internalSpansEndpoint = (service: ServiceName) =>
  defineEndpoint({
    service,
    method: 'get',
    path: '/internal/spans',
    summary: 'Spans this service recorded for one request',
    query: z.object({ requestId: RequestIdSchema }),
    response: SpansResponseSchema,
  });

/** `GET /metrics` of `service`: its Prometheus text exposition. */
export const prometheusMetricsEndpoint = (service: ServiceName) =>
  defineEndpoint({
    service,
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics of the service',
    response: z.string(),
    responseType: 'text',
  });
