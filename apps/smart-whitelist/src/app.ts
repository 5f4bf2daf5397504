import { createService, type Logger, type Service } from '@ai-ninja/service-kit';
import type { Config } from './config.js';
import { registerRoutes } from './routes/index.js';

/** What smart-whitelist is built from; tests pass their own. */
export interface AppDeps {
  readonly config: Config;
  readonly version: string;
  readonly logger?: Logger;
}

/** smart-whitelist: per-user whitelists and rules, and the allow/block evaluation of a caller. Pure: no listening, no process.env. */
export function createApp(deps: AppDeps): Service {
  const service = createService({ name: 'smart-whitelist', ...deps });
  registerRoutes(service);
  return service;
}
