import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Service } from '@ai-ninja/service-kit';
import { DashboardOverviewSchema, TraceParamsSchema, TraceSchema } from './monitoring.schemas.js';
import { readModels, type MonitoringDeps } from './monitoring.routes.js';

/** The page's files: plain HTML, CSS and JS, no build step, nothing fetched from elsewhere (the machines are offline). */
const PUBLIC_DIR = new URL('../../public/dashboard/', import.meta.url);
const FILES: Readonly<Record<string, string>> = {
  '': 'text/html; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
};
const SOURCES: Readonly<Record<string, string>> = { '': 'index.html' };

// The page loads nothing but its own files and talks only to its own origin.
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** How many seconds of each service's series the dashboard charts. */
const DASHBOARD_SERIES_SECONDS = 300;

/**
 * The dashboard at `/dashboard/`, and the two JSON reads it makes, under `/dashboard/api/` so that the page's
 * relative URLs work both on the service and behind the gateway (which routes `/dashboard/` here unchanged).
 */
export function registerDashboardRoutes(service: Service, deps: MonitoringDeps): void {
  const read = readModels(deps);
  // Read once at start: a missing file fails the start, not a person's first visit.
  const files = new Map(
    Object.entries(FILES).map(([name, type]) => {
      const body = readFileSync(new URL(SOURCES[name] ?? name, PUBLIC_DIR));
      return [name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }] as const;
    }),
  );

  for (const [name, file] of files) {
    service.router.get(`/dashboard/${name}`, (req, res) => {
      // Express matches `/dashboard` here too: the page's relative URLs need the trailing slash.
      if (name === '' && !req.path.endsWith('/')) return res.redirect(301, '/dashboard/');
      res.set({ ...SECURITY_HEADERS, 'Cache-Control': 'no-cache', ETag: file.etag, 'Content-Type': file.type });
      if (req.headers['if-none-match'] === file.etag) res.status(304).end();
      else res.send(file.body);
    });
  }

  service.route({
    method: 'get',
    path: '/dashboard/api/overview',
    summary: 'Everything the dashboard shows, in one read: health, metrics (last 5 minutes of series) and alerts',
    tags: ['dashboard'],
    auth: 'public',
    responses: { 200: { description: 'The dashboard’s data', schema: DashboardOverviewSchema } },
    handler: async () => ({
      status: 200,
      body: { generatedAt: new Date(deps.now()).toISOString(), health: read.health(), metrics: read.metrics(DASHBOARD_SERIES_SECONDS), alerts: await read.alerts() },
    }),
  });

  service.route({
    method: 'get',
    path: '/dashboard/api/traces/{requestId}',
    summary: 'The dashboard’s trace lookup (the same answer as /api/v1/monitoring/traces/{requestId})',
    tags: ['dashboard'],
    auth: 'public',
    request: { params: TraceParamsSchema },
    responses: { 200: { description: 'The hops', schema: TraceSchema }, 404: { description: 'No service holds a span of this request' } },
    handler: async ({ params }) => ({ status: 200, body: await read.trace(params.requestId) }),
  });
}
