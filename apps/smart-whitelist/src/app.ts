import type { WhitelistDecision } from '@ai-ninja/contracts';
import { cacheHealthCheck, createCache, databaseHealthCheck, type Cache, type Database } from '@ai-ninja/data';
import { createEventBus } from '@ai-ninja/events';
import { createService, type Logger, type Service } from '@ai-ninja/service-kit';
import type { CountryCode } from 'libphonenumber-js/max';
import type { Config } from './config.js';
import { PhoneNormalizer } from './domain/phone.js';
import { ProfileOutbox } from './domain/profile-outbox.js';
import { ProfileSource, type CachedProfile } from './domain/profile-source.js';
import { WhitelistService } from './domain/whitelist.service.js';
import { registerRoutes } from './routes/whitelist.routes.js';
import type { WhitelistDb } from './store/schema.js';
import { WhitelistStore } from './store/whitelist.store.js';

/** What smart-whitelist is built from; tests pass their own. */
export interface AppDeps {
  readonly config: Config;
  readonly version: string;
  /** Open and migrated (`openWhitelistDatabase`); the app closes it at shutdown. */
  readonly database: Database<WhitelistDb>;
  readonly logger?: Logger;
}

/** smart-whitelist: per-user whitelists and rules, and the allow/block evaluation of a caller. Pure: no listening, no process.env. */
export function createApp(deps: AppDeps): Service {
  const { database, ...serviceDeps } = deps;
  const { config } = deps;
  const service = createService({ name: 'smart-whitelist', ...serviceDeps });
  const logger = service.logger;
  service.health.register(databaseHealthCheck(database));

  const cache = <T>(namespace: string, ttlMs: number): Cache<T> | undefined => {
    if (ttlMs === 0) return undefined;
    const created = createCache<T>({ namespace: `smart-whitelist:${namespace}`, redisUrl: config.REDIS_URL, ttlMs, maxEntries: config.WHITELIST_CACHE_MAX_ENTRIES, logger });
    service.onShutdown(`${namespace} cache`, () => created.close());
    return created;
  };
  const evaluations = cache<WhitelistDecision>('evaluations', config.WHITELIST_EVAL_CACHE_TTL_MS);
  const profiles = cache<CachedProfile>('profiles', config.WHITELIST_PROFILE_CACHE_TTL_MS);
  // Only Redis can be away; in process a cache always answers.
  const shared = evaluations ?? profiles;
  if (config.REDIS_URL && shared) service.health.register(cacheHealthCheck(shared));

  const store = new WhitelistStore(database.db);
  const client = service.createClient();
  const outbox = new ProfileOutbox(store, client, config.WHITELIST_OUTBOX_RETRY_MS, logger);
  service.health.register({
    name: 'profile-outbox',
    required: false,
    componentType: 'component',
    check: async () => {
      const pending = await store.countOutbox();
      if (pending > 0) throw new Error(`${pending} reports wait for profile-analytics (retried every ${config.WHITELIST_OUTBOX_RETRY_MS} ms and more)`);
    },
  });
  const whitelist = new WhitelistService({
    store,
    phones: new PhoneNormalizer(config.WHITELIST_DEFAULT_REGION as CountryCode),
    profiles: new ProfileSource(client, profiles, config.WHITELIST_PROFILE_TIMEOUT_MS, logger),
    outbox,
    evaluations,
    evaluationTtlMs: config.WHITELIST_EVAL_CACHE_TTL_MS,
    outboxRetryMs: config.WHITELIST_OUTBOX_RETRY_MS,
    logger,
  });
  registerRoutes(service, whitelist);
  // A finished call changes what profile-analytics knows of the caller: what this service cached about them is void.
  const events = createEventBus({ service, database: database as Database<unknown> });
  events.subscribe('call.completed', (call) => whitelist.callCompleted(call.userId, call.from));
  service.onStart('event bus', () => events.start());

  outbox.start();
  // Disposers run in reverse order: the outbox stops before the database closes.
  service.onShutdown('database', () => database.close());
  service.onShutdown('profile outbox', () => outbox.stop());
  return service;
}
