import { createService, type Logger, type Service } from '@ai-ninja/service-kit';
import type { Config } from './config.js';
import { registerRoutes } from './routes/index.js';

/** What phone-gateway is built from; tests pass their own. */
export interface AppDeps {
  readonly config: Config;
  readonly version: string;
  readonly logger?: Logger;
}

/** phone-gateway: receives incoming calls from the telephony provider and decides: transfer, AI answer or reject. Pure: no listening, no process.env. */
export function createApp(deps: AppDeps): Service {
  const service = createService({ name: 'phone-gateway', ...deps });
  registerRoutes(service);
  return service;
}
