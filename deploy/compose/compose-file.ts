/**
 * docker-compose.yml, written from the service catalog: the nine services built from the one Dockerfile, the
 * gateway rendering the nginx template the way the official image does, PostgreSQL and Redis, on one network.
 */
import { Document, isScalar, visit } from 'yaml';
import { SERVICES, type ServiceDefinition } from '@ai-ninja/contracts';
import { CONTAINER_TLS_DIR, composeEnvironment } from '../nginx/gateway-environments.js';
import { gatewayVariables } from '../nginx/nginx-render.js';
import { ROUTED_SERVICES } from '../nginx/nginx-template.js';
import { databaseName, discoveryVariables, serviceVersion, SHUTDOWN_TIMEOUT_MS } from '../deploy-settings.js';

export const NETWORK = 'ai-ninja-network';
export const POSTGRES_IMAGE = 'postgres:16.8-alpine';
export const REDIS_IMAGE = 'redis:7.4.2-alpine';
export const NGINX_IMAGE = 'nginx:1.28.0-alpine';
/** Makes the gateway's self-signed certificate once, into a volume; no private key is ever committed. */
export const CERTIFICATE_IMAGE = 'alpine:3.21';
const POSTGRES_USER = 'ai_ninja';
const POSTGRES_PASSWORD = '${POSTGRES_PASSWORD:-ai-ninja-dev-only}';

/** The health checks of the design: every 30 s, 10 s to answer, unhealthy after 3 failures (checked every 2 s while starting). */
export const HEALTHCHECK_TIMING = { interval: '30s', timeout: '10s', retries: 3, start_period: '30s', start_interval: '2s' };

/** The container name of a compose service. */
export const containerName = (name: string) => `ai-ninja-${name}`;

/** The image compose builds for a service, tagged with its package version (a concrete tag, never `latest`). */
function localImage(service: ServiceDefinition): string {
  return `ai-ninja/${service.name}:${serviceVersion(service)}`;
}

function serviceEntry(service: ServiceDefinition) {
  // Slim images have no curl: node asks /health itself.
  const probe = `fetch('http://127.0.0.1:${service.port}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
  return {
    image: localImage(service),
    build: { context: '.', dockerfile: 'Dockerfile', args: { SERVICE: service.name } },
    container_name: containerName(service.name),
    depends_on: { postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } },
    volumes: [`${service.name}-data:/data`],
    environment: {
      PORT: String(service.port),
      ...discoveryVariables(),
      DATABASE_URL: `postgres://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/${databaseName(service)}`,
      REDIS_URL: 'redis://redis:6379/0',
      SERVICE_AUTH_SECRET: '${SERVICE_AUTH_SECRET:-compose-development-only-service-secret}',
      ...(service.name === 'phone-gateway' ? { PHONE_WEBHOOK_TOKEN: '${PHONE_WEBHOOK_TOKEN:-compose-development-webhook-token}' } : {}),
      DATA_DIR: '/data',
      LOG_FORMAT: 'json',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    },
    networks: [NETWORK],
    restart: 'unless-stopped',
    healthcheck: { test: ['CMD', 'node', '-e', probe], ...HEALTHCHECK_TIMING },
    pull_policy: 'build',
    read_only: true,
    // Longer than SHUTDOWN_TIMEOUT_MS, so compose never kills a service that is still draining.
    stop_grace_period: `${SHUTDOWN_TIMEOUT_MS / 1000 + 5}s`,
    tmpfs: ['/tmp'],
  };
}

function gatewayEntry() {
  const services = ROUTED_SERVICES.map((s) => s.name);
  return {
    image: NGINX_IMAGE,
    container_name: containerName('gateway'),
    depends_on: Object.fromEntries(
      [...services.map((name) => [name, { condition: 'service_healthy' }] as const), ['gateway-certificate', { condition: 'service_completed_successfully' }] as const].sort(
        ([a], [b]) => a.localeCompare(b),
      ),
    ),
    volumes: [
      './deploy/nginx/nginx.conf.template:/etc/nginx/templates/nginx.conf.template:ro',
      './deploy/nginx/tls.conf.template:/etc/nginx/templates/tls.d/tls.conf.template:ro',
      `gateway-tls:${CONTAINER_TLS_DIR}:ro`,
    ],
    environment: {
      // The official image renders /etc/nginx/templates/*.template with envsubst into this directory, substituting
      // only the variables the filter matches, so nginx's own $variables survive.
      NGINX_ENVSUBST_OUTPUT_DIR: '/tmp',
      // `$$`: compose would read a lone `$` as the start of its own interpolation.
      NGINX_ENVSUBST_FILTER: '^GATEWAY_|_UPSTREAM$$',
      ...gatewayVariables(composeEnvironment()),
    },
    ports: ['127.0.0.1:8080:8080', '127.0.0.1:8443:8443'],
    networks: [NETWORK],
    command: ['nginx', '-p', '/tmp/', '-c', '/tmp/nginx.conf', '-e', 'stderr', '-g', 'daemon off;'],
    restart: 'unless-stopped',
    healthcheck: { test: ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8080/gateway/health'], ...HEALTHCHECK_TIMING },
    user: '101:101',
    read_only: true,
    tmpfs: ['/tmp'],
  };
}

const CERTIFICATE_SCRIPT = [
  'if [ -f /tls/tls.crt ]; then exit 0; fi',
  'apk add --no-cache openssl >/dev/null',
  'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout /tls/tls.key -out /tls/tls.crt',
  // Readable by nginx (uid 101) only.
  'chown 101:101 /tls/tls.key /tls/tls.crt',
  'chmod 600 /tls/tls.key',
].join(' && ');

/** The text of docker-compose.yml. */
export function composeFile(): string {
  const services: Record<string, object> = {};
  for (const service of SERVICES) services[service.name] = serviceEntry(service);
  services.gateway = gatewayEntry();
  services['gateway-certificate'] = {
    image: CERTIFICATE_IMAGE,
    container_name: containerName('gateway-certificate'),
    volumes: ['gateway-tls:/tls'],
    networks: [NETWORK],
    command: ['sh', '-c', CERTIFICATE_SCRIPT],
    restart: 'no',
  };
  services.postgres = {
    image: POSTGRES_IMAGE,
    container_name: containerName('postgres'),
    volumes: ['postgres-data:/var/lib/postgresql/data', './deploy/compose/postgres-init.sql:/docker-entrypoint-initdb.d/10-databases.sql:ro'],
    environment: { POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB: POSTGRES_USER },
    networks: [NETWORK],
    restart: 'unless-stopped',
    healthcheck: { test: ['CMD', 'pg_isready', '-U', POSTGRES_USER, '-d', POSTGRES_USER], ...HEALTHCHECK_TIMING },
  };
  services.redis = {
    image: REDIS_IMAGE,
    container_name: containerName('redis'),
    volumes: ['redis-data:/data'],
    networks: [NETWORK],
    command: ['redis-server', '--appendonly', 'yes'],
    restart: 'unless-stopped',
    healthcheck: { test: ['CMD', 'redis-cli', 'ping'], ...HEALTHCHECK_TIMING },
  };
  const sorted = Object.fromEntries(Object.entries(services).sort(([a], [b]) => a.localeCompare(b)));
  const volumes = Object.fromEntries(
    [...SERVICES.map((s) => `${s.name}-data`), 'gateway-tls', 'postgres-data', 'redis-data'].sort().map((name) => [name, {}]),
  );
  const document = new Document({ name: 'ai-ninja', services: sorted, networks: { [NETWORK]: { name: NETWORK, driver: 'bridge' } }, volumes });
  // Quoted where YAML 1.1 readers would see something else: ports and user ids as base-60 numbers, `no` as false.
  visit(document, {
    Pair(_key, pair) {
      if (!isScalar(pair.key)) return;
      if (pair.key.value === 'ports') visit(pair.value as never, { Scalar: (_k, scalar) => void (scalar.type = 'QUOTE_SINGLE') });
      if ((pair.key.value === 'user' || pair.key.value === 'restart') && isScalar(pair.value)) pair.value.type = 'QUOTE_DOUBLE';
    },
  });
  const header = [
    '# GENERATED from libs/contracts/src/catalog.ts by `npm run generate -w @ai-ninja/deploy`; do not edit.',
    '# docker compose up --build: the nine services, the gateway on http://localhost:8080 and https://localhost:8443',
    '# (self-signed), PostgreSQL and Redis. Each service is one container (container_name), so --scale does not apply.',
  ].join('\n');
  return `${header}\n${document.toString({ lineWidth: 0 })}`;
}

/** One database per service on the shared PostgreSQL: each service owns its data. */
export function postgresInitSql(): string {
  return [
    '-- GENERATED from libs/contracts/src/catalog.ts by `npm run generate -w @ai-ninja/deploy`; do not edit.',
    ...SERVICES.map((s) => `CREATE DATABASE ${databaseName(s)};`),
    '',
  ].join('\n');
}
