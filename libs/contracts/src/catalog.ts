/**
 * The service catalog: the one place where a service's port, discovery variable, gateway routes, load-balancing
 * strategy and autoscaling range are written down. Deploy files, the client's discovery, the dev runner and
 * monitoring read or are checked against this table.
 */

/** How the nginx gateway balances a service's replicas. */
export type UpstreamStrategy = 'least_conn' | 'ip_hash' | 'round_robin';

/** The nginx `limit_req` zones of the gateway. */
export type RateLimitZone = 'auth' | 'api' | 'realtime';

/** One public prefix of the gateway and where it lands on the service. */
export interface GatewayRoute {
  /** Prefix on the gateway, e.g. `/api/whitelist/`. */
  readonly path: string;
  /** Prefix on the service the gateway rewrites it to, e.g. `/api/v1/whitelist/`. */
  readonly upstreamPath: string;
  readonly rateLimit: { readonly zone: RateLimitZone; readonly burst: number; readonly nodelay: boolean };
  /** The route carries WebSocket upgrades. */
  readonly websocket?: boolean;
  /**
   * The route carries large bodies (recordings): the largest the gateway accepts, e.g. `100m`; they are streamed to
   * the service as they arrive, not buffered by the gateway first. Other routes accept the gateway's default (1m).
   */
  readonly streamedBodyLimit?: string;
}

/** A HorizontalPodAutoscaler range on average CPU utilisation. */
export interface AutoscalingRange {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly targetCpuPercent: number;
}

/** Everything the platform needs to know to run, reach and scale one service. */
export interface ServiceDefinition {
  readonly name: ServiceName;
  readonly port: number;
  /** Environment variable holding the service's base URL(s) for its callers, comma-separated for replicas. */
  readonly discoveryEnv: string;
  readonly description: string;
  /** Public gateway routes; empty for internal services. */
  readonly gatewayRoutes: readonly GatewayRoute[];
  readonly upstream: UpstreamStrategy;
  readonly autoscaling: AutoscalingRange;
  /**
   * The services it calls directly (NetworkPolicies let exactly these callers in). Every service also reads
   * configuration, and monitoring polls every service; events travel through Redis, not these calls.
   */
  readonly calls: readonly ServiceName[];
}

/** The gateway's `limit_req` zones: requests per second per client address; each route sets its own burst. */
export const RATE_LIMIT_ZONES: Readonly<Record<RateLimitZone, { readonly ratePerSecond: number }>> = {
  auth: { ratePerSecond: 5 },
  api: { ratePerSecond: 50 },
  realtime: { ratePerSecond: 100 },
};

/** Names of the nine services, in catalog (and port) order. */
export const SERVICE_NAMES = [
  'phone-gateway',
  'realtime-processor',
  'conversation-engine',
  'profile-analytics',
  'user-management',
  'smart-whitelist',
  'configuration',
  'storage',
  'monitoring',
] as const;

/** A service of the catalog. */
export type ServiceName = (typeof SERVICE_NAMES)[number];

// Routes are typed as GatewayRoute (not as literals) so every route has the same shape.
const route = (definition: GatewayRoute): GatewayRoute => definition;
const api = (path: string, upstreamPath: string): GatewayRoute => route({ path, upstreamPath, rateLimit: { zone: 'api', burst: 100, nodelay: true } });

/** The catalog, in port order (3001–3009). */
export const SERVICES = [
  {
    name: 'phone-gateway',
    port: 3001,
    discoveryEnv: 'PHONE_GATEWAY_SERVICE_URL',
    description: 'Receives incoming calls from the telephony provider and decides: transfer, AI answer or reject',
    gatewayRoutes: [api('/api/calls/', '/api/v1/calls/'), api('/webhook/', '/webhook/')],
    upstream: 'least_conn',
    autoscaling: { minReplicas: 2, maxReplicas: 10, targetCpuPercent: 70 },
    calls: ['user-management', 'smart-whitelist', 'profile-analytics'],
  },
  {
    name: 'realtime-processor',
    port: 3002,
    discoveryEnv: 'REALTIME_SERVICE_URL',
    description: 'Carries the live conversation over WebSocket: transcripts and audio in, AI replies out',
    gatewayRoutes: [
      route({
        path: '/api/realtime/',
        upstreamPath: '/realtime/',
        rateLimit: { zone: 'realtime', burst: 200, nodelay: true },
        websocket: true,
      }),
    ],
    upstream: 'least_conn',
    autoscaling: { minReplicas: 4, maxReplicas: 20, targetCpuPercent: 70 },
    calls: ['conversation-engine', 'storage'],
  },
  {
    name: 'conversation-engine',
    port: 3003,
    discoveryEnv: 'CONVERSATION_SERVICE_URL',
    description: 'Classifies what the caller wants and writes the reply in the user’s style',
    gatewayRoutes: [] as GatewayRoute[],
    upstream: 'least_conn',
    autoscaling: { minReplicas: 2, maxReplicas: 10, targetCpuPercent: 70 },
    calls: [],
  },
  {
    name: 'profile-analytics',
    port: 3004,
    discoveryEnv: 'PROFILE_SERVICE_URL',
    description: 'Caller profiles, call analysis and per-user trends',
    gatewayRoutes: [api('/api/analytics/', '/api/v1/analytics/')],
    upstream: 'least_conn',
    autoscaling: { minReplicas: 2, maxReplicas: 6, targetCpuPercent: 75 },
    calls: ['smart-whitelist'],
  },
  {
    name: 'user-management',
    port: 3005,
    discoveryEnv: 'USER_SERVICE_URL',
    description: 'Accounts, authentication, hosted numbers and preferences',
    gatewayRoutes: [route({ path: '/api/auth/', upstreamPath: '/api/v1/auth/', rateLimit: { zone: 'auth', burst: 10, nodelay: true } }), api('/api/users/', '/api/v1/users/')],
    upstream: 'ip_hash',
    autoscaling: { minReplicas: 2, maxReplicas: 6, targetCpuPercent: 75 },
    calls: [],
  },
  {
    name: 'smart-whitelist',
    port: 3006,
    discoveryEnv: 'WHITELIST_SERVICE_URL',
    description: 'Per-user whitelists and rules, and the allow/block evaluation of a caller',
    gatewayRoutes: [api('/api/whitelist/', '/api/v1/whitelist/')],
    upstream: 'least_conn',
    autoscaling: { minReplicas: 3, maxReplicas: 15, targetCpuPercent: 75 },
    calls: ['profile-analytics'],
  },
  {
    name: 'configuration',
    port: 3007,
    discoveryEnv: 'CONFIG_SERVICE_URL',
    description: 'Versioned configuration, feature flags and experiments for every service',
    gatewayRoutes: [api('/api/config/', '/api/v1/config/')],
    upstream: 'round_robin',
    autoscaling: { minReplicas: 2, maxReplicas: 4, targetCpuPercent: 75 },
    calls: [],
  },
  {
    name: 'storage',
    port: 3008,
    discoveryEnv: 'STORAGE_SERVICE_URL',
    description: 'Call recordings and their metadata',
    gatewayRoutes: [{ ...api('/api/storage/', '/api/v1/storage/'), streamedBodyLimit: '100m' }],
    upstream: 'least_conn',
    autoscaling: { minReplicas: 2, maxReplicas: 6, targetCpuPercent: 75 },
    calls: [],
  },
  {
    name: 'monitoring',
    port: 3009,
    discoveryEnv: 'MONITORING_SERVICE_URL',
    description: 'Health and metrics of every service, alerts, traces and the dashboard',
    gatewayRoutes: [api('/api/monitoring/', '/api/v1/monitoring/'), api('/dashboard/', '/dashboard/')],
    upstream: 'least_conn',
    autoscaling: { minReplicas: 1, maxReplicas: 2, targetCpuPercent: 80 },
    calls: [],
  },
] as const satisfies readonly ServiceDefinition[];

/** The discovery variables, e.g. `WHITELIST_SERVICE_URL`. */
export type DiscoveryEnv = (typeof SERVICES)[number]['discoveryEnv'];

/** The port the nginx gateway listens on. */
export const GATEWAY_PORT = 8080;

/** The catalog entry of a service; throws on a name that is not in the catalog. */
export function getService(name: ServiceName): ServiceDefinition {
  const service: ServiceDefinition | undefined = SERVICES.find((s) => s.name === name);
  if (!service) throw new Error(`Unknown service "${name}"`);
  return service;
}

/** Narrows a string to a catalog service name. */
export function isServiceName(value: string): value is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(value);
}
