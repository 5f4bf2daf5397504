import { databaseHealthCheck, type Database } from '@ai-ninja/data';
import { createEventBus } from '@ai-ninja/events';
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
  const analytics = new AnalyticsService(new AnalyticsStore(database.db, database.dialect), service.logger);
  registerRoutes(service, analytics);
  // Every finished call is analysed: its transcript read, the caller's profile updated, the call kept for trends.
  const events = createEventBus({ service, database: database as Database<unknown> });
  events.subscribe('call.completed', async (call) => {
    await analytics.analyze({
      callId: call.callId,
      userId: call.userId,
      callerPhone: call.from,
      turns: call.turns,
      outcome: call.outcome,
      durationMs: call.durationMs,
      startedAt: new Date(Date.parse(call.at) - call.durationMs).toISOString(),
    });
  });
  service.onStart('event bus', () => events.start());
  return service;
}
