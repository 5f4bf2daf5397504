/**
 * What every deploy target (kubernetes, compose, images) shares beyond the catalog: versions, data locations, the
 * discovery variables as services see each other by name.
 */
import { readFileSync } from 'node:fs';
import { SERVICES, type ServiceDefinition } from '@ai-ninja/contracts';

/** The services' shutdown timeout (SHUTDOWN_TIMEOUT_MS, the kit's default). */
export const SHUTDOWN_TIMEOUT_MS = 10_000;
/** Where a service keeps its embedded data (SQLite files) when no DATABASE_URL is given. */
export const DATA_DIR = '/data';

/** A service's version, from its package.json: the tag of its image. */
export function serviceVersion(service: Pick<ServiceDefinition, 'name'>): string {
  const manifest = JSON.parse(readFileSync(new URL(`../apps/${service.name}/package.json`, import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/** Each service's own database on the shared PostgreSQL server: a service owns its data. */
export function databaseName(service: Pick<ServiceDefinition, 'name'>): string {
  return `ai_ninja_${service.name.replaceAll('-', '_')}`;
}

/** The discovery variables where services reach each other by name (compose service, kubernetes Service). */
export function discoveryVariables(): Record<string, string> {
  return Object.fromEntries(SERVICES.map((s) => [s.discoveryEnv, `http://${s.name}:${s.port}`]));
}
