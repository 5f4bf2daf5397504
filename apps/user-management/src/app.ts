import { createService, type Logger, type Service } from '@ai-ninja/service-kit';
import type { Config } from './config.js';
import { registerRoutes } from './routes/index.js';

/** What user-management is built from; tests pass their own. */
export interface AppDeps {
  readonly config: Config;
  readonly version: string;
  readonly logger?: Logger;
}

/** user-management: accounts, authentication, hosted numbers and preferences. Pure: no listening, no process.env. */
export function createApp(deps: AppDeps): Service {
  const service = createService({ name: 'user-management', ...deps });
  registerRoutes(service);
  return service;
}
