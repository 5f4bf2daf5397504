/**
 * A fleet for monitoring's tests: the eight other services of the catalog as real kit services (createService) on
 * port 0, each with a route or two to drive traffic, calls between services, and breakers; and monitoring, pointed
 * at them by the discovery variables. Services can be stopped and started again on their port.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { defineEndpoint, EvaluatePhoneEndpoint, getService, SERVICE_NAMES, z, type ServiceName } from '@ai-ninja/contracts';
import { createService, serviceConfigSchema, type RunningService, type Service } from '@ai-ninja/service-kit';
import { testConfig } from '@ai-ninja/service-kit/testing';
import { testDatabase } from '@ai-ninja/data/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';

/** profile-analytics' test route that always fails with 503: phone-gateway's breaker to it opens. */
export const FailingAnalyticsEndpoint = defineEndpoint({
  service: 'profile-analytics',
  method: 'get',
  path: '/api/v1/analytics/always-busy',
  summary: 'Always busy (test)',
  response: z.object({}),
});

/** Route of phone-gateway's test API that asks smart-whitelist: a request that makes two hops. */
export const DECIDE_PATH = '/api/v1/calls/decide/%2B14155550100';

const DECISION = { decision: 'allow', confidence: 1, reasons: ['contact'], spamScore: 0 };

/** One upstream service of the fleet: its replicas, which can be stopped and started again. */
export interface FleetService {
  readonly name: ServiceName;
  readonly replicas: Array<{ port: number; running: RunningService | undefined }>;
}

export interface Fleet {
  readonly services: ReadonlyMap<ServiceName, FleetService>;
  readonly monitoring: RunningService;
  /** Base URL of replica `index` of `name`. */
  url(name: ServiceName, index?: number): string;
  stop(name: ServiceName, index?: number): Promise<void>;
  start(name: ServiceName, index?: number): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link startFleet}. */
export interface FleetOptions {
  /** Replicas per service; 1 unless said. */
  readonly replicas?: Partial<Record<ServiceName, number>>;
  /** Configuration every service gets (auth keys). */
  readonly env?: Record<string, string>;
  /** monitoring's own configuration on top. */
  readonly monitoringEnv?: Record<string, string>;
}

/** Builds one upstream service with its test routes. */
function buildService(name: ServiceName, env: Record<string, string>): Service {
  const service = createService({ name, version: 'test', config: testConfig(serviceConfigSchema(name), env) });
  if (name === 'smart-whitelist') {
    service.route({
      method: 'get',
      path: EvaluatePhoneEndpoint.path,
      summary: 'Evaluate (test)',
      auth: 'public',
      request: { params: EvaluatePhoneEndpoint.params },
      responses: { 200: { description: 'Decision' } },
      handler: async () => {
        await delay(5); // a hop long enough to sit visibly inside its caller's
        return { status: 200, body: DECISION };
      },
    });
  }
  if (name === 'profile-analytics') {
    service.route({
      method: 'get',
      path: FailingAnalyticsEndpoint.path,
      summary: 'Always busy (test)',
      auth: 'public',
      responses: { 503: { description: 'Busy' } },
      handler: () => ({ status: 503, body: { error: { code: 'BUSY', message: 'busy' } } }),
    });
  }
  if (name === 'configuration') {
    service.route({
      method: 'get',
      path: '/api/v1/config/echo/{code}',
      summary: 'Answers with the status asked for (test traffic)',
      auth: 'public',
      request: { params: z.object({ code: z.coerce.number().int().min(200).max(599) }) },
      responses: { 200: { description: 'OK' } },
      handler: async ({ params }) => {
        if (params.code >= 500) throw new Error('a failure on purpose');
        return { status: params.code, body: { code: params.code } };
      },
    });
  }
  if (name === 'phone-gateway') {
    const client = service.createClient({ retries: 0, breaker: { volumeThreshold: 2, resetTimeout: 600_000 } });
    service.route({
      method: 'get',
      path: '/api/v1/calls/decide/{phone}',
      summary: 'Asks smart-whitelist (test)',
      auth: 'public',
      request: { params: z.object({ phone: z.string() }) },
      responses: { 200: { description: 'Decision' } },
      handler: async ({ params }) => ({ status: 200, body: await client.evaluatePhone(params.phone) }),
    });
    service.route({
      method: 'get',
      path: '/api/v1/calls/analytics',
      summary: 'Asks a busy profile-analytics (test)',
      auth: 'public',
      responses: { 200: { description: 'Never' } },
      handler: async () => ({ status: 200, body: await client.call(FailingAnalyticsEndpoint, {}) }),
    });
  }
  return service;
}

/** Starts the fleet, then monitoring pointed at it. */
export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const env = options.env ?? {};
  const services = new Map<ServiceName, FleetService>();
  // Upstreams first, so their URLs are known; phone-gateway last, pointed at the others.
  const order = SERVICE_NAMES.filter((n) => n !== 'monitoring' && n !== 'phone-gateway');
  const discovery: Record<string, string> = {};
  const startOne = async (name: ServiceName) => {
    const entry: FleetService = { name, replicas: [] };
    for (let i = 0; i < (options.replicas?.[name] ?? 1); i++) {
      const running = await buildService(name, { ...env, ...discovery }).listen();
      entry.replicas.push({ port: running.port, running });
    }
    services.set(name, entry);
    discovery[getService(name).discoveryEnv] = entry.replicas.map((r) => `http://127.0.0.1:${r.port}`).join(',');
  };
  for (const name of order) await startOne(name);
  await startOne('phone-gateway');

  // monitoring keeps its rules and alerts in SQLite, as `npm start` does, in a directory of its own.
  const database = await testDatabase('sqlite');
  const monitoring = await (
    await createApp({
      config: testConfig(configSchema, { MONITORING_POLL_INTERVAL_MS: '100', MONITORING_POLL_TIMEOUT_MS: '5000', ...env, ...database.env, ...discovery, ...options.monitoringEnv }),
      version: 'test',
    })
  ).listen();

  const fleet: Fleet = {
    services,
    monitoring,
    url: (name, index = 0) => `http://127.0.0.1:${services.get(name)!.replicas[index]!.port}`,
    async stop(name, index = 0) {
      const replica = services.get(name)!.replicas[index]!;
      await replica.running?.close('test stops it');
      replica.running = undefined;
    },
    async start(name, index = 0) {
      const replica = services.get(name)!.replicas[index]!;
      replica.running = await buildService(name, { ...env, ...discovery }).listen({ port: replica.port });
    },
    async close() {
      await monitoring.close();
      await Promise.all([...services.values()].flatMap((s) => s.replicas.map((r) => r.running?.close())));
      await database.cleanup();
    },
  };
  return fleet;
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await delay(50);
  }
}
