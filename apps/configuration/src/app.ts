import { createService, type Logger, type Service } from '@ai-ninja/service-kit';
import type { Config } from './config.js';
import { registerRoutes } from './routes/index.js';

/** What configuration is built from; tests pass their own. */
export interface AppDeps {
  readonly config: Config;
  readonly version: string;
  readonly logger?: Logger;
}

/** configuration: versioned configuration, feature flags and experiments for every service. Pure: no listening, no process.env. */
export function createApp(deps: AppDeps): Service {
  const service = createService({ name: 'configuration', ...deps });
  registerRoutes(service);
  return service;
}
