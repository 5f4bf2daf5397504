import { getService, type DiscoveryEnv, type ServiceName, type z } from '@ai-ninja/contracts';
import type { HealthRegistry } from '@ai-ninja/health';
import type { ServiceClient, ServiceClientOptions } from '@ai-ninja/service-client';
import { createConfigClient, type ConfigClient, type ConfigClientLogger, type ConfigClientOptions } from './config-client.js';

/** What {@link attachConfigClient} needs of a service; service-kit's `Service` is one. */
export interface ConfigurableService {
  readonly name: ServiceName;
  readonly config: Partial<Record<DiscoveryEnv, string | undefined>>;
  readonly health: Pick<HealthRegistry, 'register'>;
  readonly logger: ConfigClientLogger;
  createClient(options?: ServiceClientOptions): ServiceClient;
  onShutdown(name: string, dispose: () => unknown): void;
}

/**
 * The service's config client, wired as every service wants it: its own ServiceClient (with the service's
 * credential), the optional health check `configuration`, closed at shutdown. Undefined when configuration's
 * discovery variable (CONFIG_SERVICE_URL) is not set, as in a service's own tests or a service run alone: the
 * service then runs on its environment's values, and says so once in its log.
 */
export function attachConfigClient(
  service: ConfigurableService,
  options: Pick<ConfigClientOptions, 'cacheDir' | 'refreshMs' | 'retryMs' | 'timeoutMs'> = {},
): ConfigClient | undefined {
  const variable = getService('configuration').discoveryEnv as DiscoveryEnv;
  if (!service.config[variable]) {
    service.logger.info({ variable }, `${variable} is not set: settings come from the environment alone, not from configuration`);
    return undefined;
  }
  // Background calls on the client's own schedule: a breaker would only delay noticing that configuration is back,
  // and a failed refresh is tried again by the config client itself.
  const client = service.createClient({ breaker: false, retries: 1 });
  const config = createConfigClient({ service: service.name, client, logger: service.logger, health: service.health, ...options });
  service.onShutdown('config client', () => config.close());
  return config;
}

/** Which properties of a service's config follow which configuration key, each with its value schema. */
export type LiveSettings<C> = { readonly [K in keyof C]?: { readonly key: string; readonly schema: z.ZodType<C[K]> } };

/**
 * `config` with some properties read live through the config client: each read of such a property answers the key's
 * current value (the last known good one while configuration is down), or the environment's value when configuration
 * has none or one that does not fit. Without a client, `config` itself. Code that reads `config.X` on each use
 * follows changes with no other edit.
 */
export function liveSettings<C extends object>(config: C, settings: ConfigClient | undefined, live: LiveSettings<C>): C {
  if (!settings) return config;
  const result = { ...config };
  for (const property of Object.keys(live) as (keyof C & string)[]) {
    const { key, schema } = live[property]!;
    Object.defineProperty(result, property, { enumerable: true, get: () => settings.get(key, schema, config[property]) });
  }
  return result;
}
