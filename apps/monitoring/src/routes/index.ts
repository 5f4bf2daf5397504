import type { Service } from '@ai-ninja/service-kit';
import { registerDashboardRoutes } from './dashboard.routes.js';
import { registerMonitoringRoutes, type MonitoringDeps } from './monitoring.routes.js';

/** monitoring's routes: its API under /api/v1/monitoring, and the dashboard under /dashboard/. */
export function registerRoutes(service: Service, deps: MonitoringDeps): void {
  registerMonitoringRoutes(service, deps);
  registerDashboardRoutes(service, deps);
}
