import { attachConfigClient, liveSettings } from '@ai-ninja/config-client';
import { CONFIG_KEY_SCHEMAS } from '@ai-ninja/contracts';
import { databaseHealthCheck, type Database } from '@ai-ninja/data';
import { createEventBus } from '@ai-ninja/events';
import { createService, type Logger, type Service } from '@ai-ninja/service-kit';
import type { Config } from './config.js';
import { CallService } from './domain/call.service.js';
import { registerRoutes } from './routes/index.js';
import type { PhoneGatewayDb } from './store/migrations.js';

/** What phone-gateway is built from; tests pass their own. */
export interface AppDeps {
  readonly config: Config;
  readonly version: string;
  /** Open and migrated (`openPhoneGatewayDatabase`); the app closes it at shutdown. */
  readonly database: Database<PhoneGatewayDb>;
  readonly logger?: Logger;
}

/** phone-gateway: incoming calls decided in milliseconds, their states, and their events. */
export function createApp(deps: AppDeps): Service {
  const { database, ...serviceDeps } = deps;
  const service = createService({ name: 'phone-gateway', ...serviceDeps });
  service.health.register(databaseHealthCheck(database));
  // Disposers run in reverse: the event bus (registered when it starts) stops before the database closes.
  service.onShutdown('database', () => database.close());
  const events = createEventBus({ service, database: database as Database<unknown> });
  service.onStart('event bus', () => events.start());
  // DECISION_TIMEOUT_MS follows configuration's `phone-gateway` `decision.timeoutMs` when it has one (the last known
  // good value while configuration is down); without CONFIG_SERVICE_URL, the environment's value alone.
  const settings = attachConfigClient(service, { cacheDir: deps.config.DATA_DIR });
  const decisionTimeout = { key: 'decision.timeoutMs', schema: CONFIG_KEY_SCHEMAS['phone-gateway']['decision.timeoutMs'] };
  const config = liveSettings(deps.config, settings, { DECISION_TIMEOUT_MS: decisionTimeout });
  const calls = new CallService(service, config, database, service.createClient(), events);
  registerRoutes(service, calls, deps.config.PHONE_WEBHOOK_TOKEN);
  return service;
}
