import { databaseHealthCheck, type Database } from '@ai-ninja/data';
import { createService, type Logger, type Service } from '@ai-ninja/service-kit';
import type { Config } from './config.js';
import { AnalyticsService } from './domain/analytics.service.js';
import { registerRoutes } from './routes/analytics.routes.js';
import { AnalyticsStore } from './store/analytics.store.js';
import type { AnalyticsDb } from './store/schema.js';

/** What profile-analytics is built from; tests pass their own. */
export interface AppDeps {
  readonly config: Config;
  readonly version: string;
  /** Open and migrated (`openAnalyticsDatabase`); the app closes it at shutdown. */
  readonly database: Database<AnalyticsDb>;
  readonly logger?: Logger;
}

/** profile-analytics: caller profiles, call analysis and per-user trends. Pure: no listening, no process.env. */
export function createApp(deps: AppDeps): Service {
  const { database, ...serviceDeps } = deps;
  const service = createService({ name: 'profile-analytics', ...serviceDeps });
  service.health.register(databaseHealthCheck(database));
  service.onShutdown('database', () => database.close());
  registerRoutes(service, new AnalyticsService(new AnalyticsStore(database.db, database.dialect), service.logger));
  return service;
}
