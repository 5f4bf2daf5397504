import type { Request, RequestHandler } from 'express';
import type { ServiceMetrics } from '@ai-ninja/observability';

/**
 * Records every request in `http_request_duration_seconds` by method, route template (never the raw URL, so the
 * label set stays bounded) and status, and keeps the in-flight gauge.
 */
export function httpMetrics(metrics: ServiceMetrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpRequestDuration.startTimer();
    metrics.httpRequestsInFlight.inc();
    res.once('close', () => {
      metrics.httpRequestsInFlight.dec();
      end({ method: req.method, route: routeTemplate(req), status_code: String(res.statusCode) });
    });
    next();
  };
}

/** The template of the route that answered, e.g. `/api/v1/whitelist/:userId`, or `unmatched`. */
export function routeTemplate(req: Request): string {
  const path: unknown = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : 'unmatched';
}
