/**
 * Renders the gateway's templates for one environment, as the official nginx image renders /etc/nginx/templates:
 * envsubst with an explicit variable list, so nginx's own `$host`, `$request_id`… stay untouched.
 */
import { readFileSync } from 'node:fs';
import type { ServiceDefinition } from '@ai-ninja/contracts';
import { ROUTED_SERVICES, TLS_VARIABLES, templateVariables, upstreamVariable } from './nginx-template.js';

/** Where the templates are, beside this file. */
export const TEMPLATE_PATH = new URL('./nginx.conf.template', import.meta.url);
export const TLS_TEMPLATE_PATH = new URL('./tls.conf.template', import.meta.url);

/**
 * Substitutes `$NAME` and `${NAME}` for the listed names only, like `envsubst '$A $B'`. A listed name without a
 * value is an error here (envsubst would silently write nothing). A value with several comma-separated entries
 * repeats its whole line once per entry: how several replicas become several `server` lines.
 */
export function substitute(template: string, values: Readonly<Record<string, string>>, names: readonly string[]): string {
  const listed = new Map<string, string>();
  for (const name of names) {
    const value = values[name];
    if (value === undefined) throw new Error(`No value for ${name}`);
    listed.set(name, value);
  }
  const pattern = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
  const nameOf = (match: RegExpMatchArray) => match[1] ?? match[2] ?? '';
  return template
    .split('\n')
    .flatMap((line) => {
      const lists = [...new Set([...line.matchAll(pattern)].map(nameOf))].filter((name) => listed.get(name)?.includes(','));
      if (lists.length > 1) throw new Error(`One line uses two lists (${lists.join(', ')}): ${line.trim()}`);
      const replace = (own: ReadonlyMap<string, string>) =>
        line.replace(pattern, (match, braced: string | undefined, bare: string | undefined) => own.get(braced ?? bare ?? '') ?? match);
      const [list] = lists;
      if (list === undefined) return [replace(listed)];
      return (listed.get(list) ?? '').split(',').map((entry) => replace(new Map([...listed, [list, entry.trim()]])));
    })
    .join('\n');
}

/** TLS termination: the port and the certificate files as nginx will see them. */
export interface TlsSettings {
  readonly port: number;
  readonly certificate: string;
  readonly certificateKey: string;
}

/** What differs between environments. */
export interface GatewayEnvironment {
  readonly port: number;
  /** `auto` (one per core, nginx reads no cgroup limit) or a number. */
  readonly workerProcesses?: number | 'auto';
  /** Where the access log goes: `/dev/stdout` in containers; by default `access.log` in the prefix. */
  readonly accessLog?: string;
  /** Upstream servers of a service: `host:port`, optionally followed by server parameters (`… resolve`). */
  readonly upstreams: (service: ServiceDefinition) => readonly string[];
  readonly tls?: TlsSettings;
  /** Extra http-level snippets (`conf.d/<name>`), e.g. the kubernetes resolver. */
  readonly httpSnippets?: Readonly<Record<string, string>>;
}

/** The variables of an environment, as a compose file or a shell would export them. */
export function gatewayVariables(environment: GatewayEnvironment): Record<string, string> {
  const values: Record<string, string> = {
    GATEWAY_PORT: String(environment.port),
    GATEWAY_WORKER_PROCESSES: String(environment.workerProcesses ?? 'auto'),
    GATEWAY_ACCESS_LOG: environment.accessLog ?? 'access.log',
  };
  for (const service of ROUTED_SERVICES) {
    const servers = environment.upstreams(service);
    if (servers.length === 0) throw new Error(`No upstream server for ${service.name}`);
    values[upstreamVariable(service)] = servers.join(',');
  }
  if (environment.tls) {
    values.GATEWAY_TLS_PORT = String(environment.tls.port);
    values.GATEWAY_TLS_CERTIFICATE = environment.tls.certificate;
    values.GATEWAY_TLS_CERTIFICATE_KEY = environment.tls.certificateKey;
  }
  return values;
}

/**
 * The configuration files of an environment, by path relative to nginx's configuration directory:
 * `nginx.conf`, `tls.d/tls.conf` where TLS is terminated, `conf.d/*` for extra http settings.
 */
export function renderGatewayFiles(environment: GatewayEnvironment): Map<string, string> {
  const values = gatewayVariables(environment);
  const files = new Map([['nginx.conf', substitute(readFileSync(TEMPLATE_PATH, 'utf8'), values, templateVariables())]]);
  if (environment.tls) files.set('tls.d/tls.conf', substitute(readFileSync(TLS_TEMPLATE_PATH, 'utf8'), values, TLS_VARIABLES));
  for (const [name, text] of Object.entries(environment.httpSnippets ?? {})) files.set(`conf.d/${name}`, text);
  return files;
}
