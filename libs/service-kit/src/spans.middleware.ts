import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { internalSpansEndpoint, SpansResponseSchema, type ServiceName } from '@ai-ninja/contracts';
import type { SpanRecorder } from '@ai-ninja/observability';
import { routeTemplate } from './http-metrics.middleware.js';
import type { RouteDefinition } from './route.js';

// Probes, scrapes and span lookups arrive every few seconds from monitoring and the orchestrator: recording them
// would push real requests out of the ring buffer.
const UNRECORDED = /^\/(health(\/|$)|metrics$|internal\/)/;

/** Records the server span of every request the service serves (monitoring's trace view reads them). */
export function recordSpans(recorder: SpanRecorder, service: ServiceName): RequestHandler {
  return (req, res, next) => {
    if (UNRECORDED.test(req.path)) return next();
    // Sub-millisecond wall-clock time, so a callee's span fits inside its caller's when both run on one machine.
    const startMs = performance.timeOrigin + performance.now();
    res.once('close', () => {
      const { requestId, trace } = req.context;
      recorder.record({
        requestId,
        traceId: trace.traceId,
        spanId: trace.spanId,
        ...(trace.parentSpanId ? { parentSpanId: trace.parentSpanId } : {}),
        service,
        method: req.method,
        route: routeTemplate(req),
        status: res.statusCode,
        startMs,
        durationMs: performance.timeOrigin + performance.now() - startMs,
      });
    });
    next();
  };
}

/** `GET /internal/spans?requestId=`: what this service recorded of one request; for services only (monitoring). */
export function spansRoute(recorder: SpanRecorder, service: ServiceName): RouteDefinition<z.ZodType, SpansQuery, z.ZodType> {
  const endpoint = internalSpansEndpoint(service);
  return {
    method: endpoint.method,
    path: endpoint.path,
    summary: endpoint.summary,
    tags: ['internal'],
    auth: 'service',
    request: { query: endpoint.query! },
    responses: { 200: { description: 'The spans, oldest first; an empty list when none is held', schema: SpansResponseSchema } },
    handler: ({ query }) => ({ status: 200, body: { service, spans: recorder.byRequestId(query.requestId) } }),
  };
}

type SpansQuery = NonNullable<ReturnType<typeof internalSpansEndpoint>['query']>;
