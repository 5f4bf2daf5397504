import { createService, type Logger, type Service } from '@ai-ninja/service-kit';
import type { Config } from './config.js';
import { registerRoutes } from './routes/index.js';

/** What monitoring is built from; tests pass their own. */
export interface AppDeps {
  readonly config: Config;
  readonly version: string;
  readonly logger?: Logger;
}

/** monitoring: health and metrics of every service, alerts, traces and the dashboard. Pure: no listening, no process.env. */
export function createApp(deps: AppDeps): Service {
  const service = createService({ name: 'monitoring', ...deps });
  registerRoutes(service);
  return service;
}
