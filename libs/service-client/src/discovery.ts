import { isIP } from 'node:net';
import type { ServiceDefinition } from '@ai-ninja/contracts';

/**
 * The base URLs of a service from its discovery variable (`WHITELIST_SERVICE_URL=http://a:3006,http://b:3006`),
 * or `http://localhost:<port>` when it is not set. Throws on a value that is not a list of http(s) URLs, naming
 * the variable, so a typo fails at start rather than at the first call.
 */
export function discoverUrls(service: ServiceDefinition, env: NodeJS.ProcessEnv): string[] {
  const value = env[service.discoveryEnv]?.trim();
  if (!value) return [`http://localhost:${service.port}`];
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      let url: URL;
      try {
        url = new URL(part);
      } catch {
        throw new Error(`${service.discoveryEnv}: "${part}" is not a URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${service.discoveryEnv}: "${part}" is not http(s)`);
      return url.origin;
    });
}

/** Resolves a host name to all its addresses, as `dns.promises.lookup(host, { all: true })` does. */
export type Lookup = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

/**
 * Expands each URL whose host is a name into one URL per address the name resolves to (a Kubernetes headless
 * Service lists one address per ready pod). A name that fails to resolve keeps its previous addresses, passed in
 * `previous`, so a DNS hiccup never empties an upstream.
 */
export async function resolveReplicas(urls: readonly string[], lookup: Lookup, previous: ReadonlyMap<string, readonly string[]>): Promise<Map<string, string[]>> {
  const resolved = new Map<string, string[]>();
  await Promise.all(
    urls.map(async (base) => {
      const url = new URL(base);
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host)) {
        resolved.set(base, [base]);
        return;
      }
      try {
        const addresses = await lookup(host);
        const expanded = [...new Set(addresses.map(({ address, family }) => `${url.protocol}//${family === 6 ? `[${address}]` : address}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`))];
        resolved.set(base, expanded.length ? expanded : [...(previous.get(base) ?? [base])]);
      } catch {
        resolved.set(base, [...(previous.get(base) ?? [base])]);
      }
    }),
  );
  return resolved;
}
