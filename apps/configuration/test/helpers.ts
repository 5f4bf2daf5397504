import { createLogger, type RunningService, type Service } from '@ai-ninja/service-kit';
import { testConfig } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { openConfigurationDatabase } from '../src/store/database.js';

/** configuration with its database opened (and migrated) from `env`, as main.ts builds it; not listening yet. */
export async function buildConfiguration(env: Record<string, string>): Promise<Service> {
  const config = testConfig(configSchema, env);
  const logger = createLogger({ service: 'configuration', level: 'silent' });
  const database = await openConfigurationDatabase(config, logger);
  return createApp({ config, version: 'test', database, logger });
}

/** configuration listening on `port` (0: any free port). */
export async function startConfiguration(env: Record<string, string>, port = 0): Promise<RunningService> {
  return (await buildConfiguration(env)).listen({ port });
}

/** A small HTTP client of one running service, sending JSON and a bearer token when given. */
export function apiOf(running: () => RunningService) {
  return async (method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<Response> => {
    const headers: Record<string, string> = {};
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(running().url + path, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  };
}
