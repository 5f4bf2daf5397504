import { databaseHealthCheck, type Database } from '@ai-ninja/data';
import { createService, type Logger, type Service } from '@ai-ninja/service-kit';
import type { Config } from './config.js';
import { ConfigurationService } from './domain/configuration.service.js';
import { registerRoutes } from './routes/index.js';
import { ConfigurationStore } from './store/configuration.store.js';
import type { ConfigurationDb } from './store/schema.js';

/** What configuration is built from; tests pass their own. */
export interface AppDeps {
  readonly config: Config;
  readonly version: string;
  /** Open and migrated (`openConfigurationDatabase`); the app closes it at shutdown. */
  readonly database: Database<ConfigurationDb>;
  readonly logger?: Logger;
}

/** configuration: versioned configuration, feature flags and experiments for every service. Pure: no listening, no process.env. */
export function createApp(deps: AppDeps): Service {
  const { database, ...serviceDeps } = deps;
  const service = createService({ name: 'configuration', ...serviceDeps });
  service.health.register(databaseHealthCheck(database));
  service.onShutdown('database', () => database.close());
  registerRoutes(service, new ConfigurationService(new ConfigurationStore(database.db)));
  return service;
}
