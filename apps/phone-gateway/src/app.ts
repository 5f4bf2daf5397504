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
export async function createApp(deps: AppDeps): Promise<Service> {
  const { database, ...serviceDeps } = deps;
  const service = createService({ name: 'phone-gateway', ...serviceDeps });
  service.health.register(databaseHealthCheck(database));
  // Disposers run in reverse: the event bus (registered by start) stops before the database closes.
  service.onShutdown('database', () => database.close());
  const events = createEventBus({ service, database: database as Database<unknown> });
  await events.start();
  const calls = new CallService(service, deps.config, database, service.createClient(), events);
  registerRoutes(service, calls, deps.config.PHONE_WEBHOOK_TOKEN);
  return service;
}
