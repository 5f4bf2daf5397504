/**
 * The whole system as it runs in production, on this machine: every service as its own process (several replicas of
 * some), behind the real nginx gateway rendered from deploy/, on PostgreSQL (a schema per service, shared by its
 * replicas, dropped at the end) and Redis (a database index of its own, emptied at the end), with one random
 * SERVICE_AUTH_SECRET and the discovery variables listing every replica. `stop()` leaves no process behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getService, SERVICES, type ServiceDefinition, type ServiceName } from '@ai-ninja/contracts';
import { startGateway, type RunningGateway } from '@ai-ninja/deploy/gateway';
import { signServiceToken } from '@ai-ninja/service-kit';
import { freePort, launchServices, waitUntilReady, type LaunchedService, type LaunchMode } from '@ai-ninja/tools/launcher';
import { claimRedisDatabase, dropSchemas, SHARED_POSTGRES_URL, type RedisDatabase } from './datastores.js';
import { addressPool, json, send, waitFor, type Reply, type SendOptions } from './http.js';
import { guard, release } from './watchdog.js';

/** Replicas per service unless the options say otherwise: two where balancing and rolling restarts are under test. */
export const DEFAULT_REPLICAS: Partial<Record<ServiceName, number>> = { 'smart-whitelist': 2, 'realtime-processor': 2, 'user-management': 2 };

/** Options of {@link startSystem}. */
export interface SystemOptions {
  /** Which services run; all nine by default. */
  readonly services?: readonly ServiceName[];
  /** Replicas per service; {@link DEFAULT_REPLICAS} by default, 1 for the rest. */
  readonly replicas?: Partial<Record<ServiceName, number>>;
  /** Run nginx in front (default true). */
  readonly gateway?: boolean;
  /** PostgreSQL URL (a schema per service is made there); `false`: each replica's SQLite file. Default: the shared server. */
  readonly postgres?: string | false;
  /** Redis URL used as is; `false`: none (in-process fallbacks); default: a database index of its own on the shared Redis. */
  readonly redis?: string | false;
  /** `source` (tsx, default) or `dist` (the built JavaScript, as `npm start` runs it). */
  readonly mode?: LaunchMode;
  /** Extra environment of every process, and of one service's processes. */
  readonly env?: Readonly<Record<string, string>>;
  readonly envOf?: (service: ServiceName, replica: number) => Readonly<Record<string, string>> | undefined;
  readonly readyTimeoutMs?: number;
  /** Rewrites the rendered nginx.conf before nginx starts (experiments with gateway settings). */
  readonly gatewayConfig?: (conf: string) => string;
}

/** How many log lines of each replica are kept for failure messages. */
const LOG_LINES = 400;

/** One process of one service, which a test may stop, start and restart. */
export class Replica {
  readonly url: string;
  #process: LaunchedService | undefined;
  #lines: string[] = [];
  /** Exit codes of this replica's earlier processes, in order. */
  readonly exits: Array<number | string> = [];

  constructor(
    readonly service: ServiceName,
    readonly index: number,
    readonly port: number,
    private readonly launch: (replica: Replica, onLine: (line: string) => void) => LaunchedService,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** `smart-whitelist#1`. */
  get name(): string {
    return `${this.service}#${this.index}`;
  }

  get pid(): number | undefined {
    return this.#process?.child.pid;
  }

  get running(): boolean {
    const child = this.#process?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  get process(): LaunchedService | undefined {
    return this.#process;
  }

  /** The last lines it wrote (JSON log records, or anything else it printed). */
  get lines(): readonly string[] {
    return this.#lines;
  }

  /** Starts the process (not waiting until ready). */
  spawn(): LaunchedService {
    if (this.running) throw new Error(`${this.name} is running already`);
    this.#process = this.launch(this, (line) => {
      this.#lines.push(line);
      if (this.#lines.length > LOG_LINES) this.#lines = this.#lines.slice(-LOG_LINES / 2);
    });
    void this.#process.exited.then((code) => this.exits.push(code));
    return this.#process;
  }

  /** Starts the process and waits until `/health/ready` answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    const launched = this.spawn();
    try {
      await waitUntilReady([launched], timeoutMs);
    } catch (error) {
      throw new Error(`${this.name}: ${(error as Error).message}\n${this.tail(20)}`);
    }
  }

  /** Sends `signal` (SIGTERM: graceful shutdown) and waits for the exit; SIGKILL after `killAfterMs`. Returns the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 20_000): Promise<number | string> {
    const launched = this.#process;
    if (!launched) return 'never started';
    if (this.running) launched.child.kill(signal);
    const timer = setTimeout(() => launched.child.kill('SIGKILL'), killAfterMs);
    const code = await launched.exited;
    clearTimeout(timer);
    return code;
  }

  /** Graceful stop, then start again on the same port, ready. Returns the old process's exit code. */
  async restart(): Promise<number | string> {
    const code = await this.stop();
    await this.start();
    return code;
  }

  /** The last `n` lines, for a failure message. */
  tail(n = 30): string {
    return this.#lines
      .slice(-n)
      .map((line) => `  ${this.name} │ ${line}`)
      .join('\n');
  }
}

/** A user registered and signed in through the gateway. */
export interface TestUser {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  /** `{ authorization: 'Bearer …' }`. */
  readonly headers: Readonly<Record<string, string>>;
}

/** One line of the gateway's JSON access log. */
export interface GatewayLogEntry {
  readonly requestId: string;
  readonly client: string;
  readonly method: string;
  readonly uri: string;
  readonly status: number;
  /** `127.0.0.1:PORT`, or several comma-separated when nginx tried the next upstream. */
  readonly upstream: string;
  readonly upstreamStatus: string;
}

/** A running system. */
export interface System {
  readonly runId: string;
  readonly services: readonly ServiceDefinition[];
  readonly replicas: readonly Replica[];
  /** `http://127.0.0.1:<port>` of nginx; empty without a gateway. */
  readonly gatewayUrl: string;
  readonly gateway: RunningGateway | undefined;
  /** The environment every process got (discovery variables, datastores, secrets). */
  readonly env: Readonly<Record<string, string>>;
  readonly secret: string;
  readonly webhookToken: string;
  /** The e-mail address that user-management makes an admin when it registers. */
  readonly adminEmail: string;
  replicasOf(service: ServiceName): Replica[];
  /** The first replica of a service. */
  replica(service: ServiceName, index?: number): Replica;
  /** Which replica listens on a `host:port` (as nginx's access log and the client's metrics name them). */
  replicaAt(hostPort: string): Replica | undefined;
  /** A service credential, as the services send each other. */
  serviceHeaders(as?: ServiceName): Record<string, string>;
  /** Through the gateway: `path` starts with `/api/…` or `/webhook/…`. */
  viaGateway(path: string, options?: SendOptions): Promise<Reply>;
  /** Registers a user through the gateway and signs them in (each from its own address, clear of the auth rate limit). */
  registerUser(label?: string, options?: { admin?: boolean }): Promise<TestUser>;
  /** The gateway's access log so far. */
  gatewayLog(): GatewayLogEntry[];
  /**
   * How long nginx keeps a replica out after failures (`fail_timeout` of the rendered configuration): a replica back
   * from a restart gets requests again only after this, so a rolling restart waits this long before the next stop.
   */
  readonly gatewayFailTimeoutMs: number;
  /** Every replica's recent output, for a failure message. */
  logs(service?: ServiceName, lines?: number): string;
  /** Stops the gateway and every replica, removes the datastores' run data. Returns each replica's last exit code. */
  stop(): Promise<Map<string, number | string>>;
}

/** Starts the system and resolves once every replica is ready and the gateway listens. */
export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const runId = randomBytes(4).toString('hex');
  const names = options.services ?? SERVICES.map((s) => s.name);
  const services = names.map((name) => getService(name));
  const replicaCount = (name: ServiceName) => options.replicas?.[name] ?? DEFAULT_REPLICAS[name] ?? 1;
  const secret = randomBytes(32).toString('base64url');
  const webhookToken = randomBytes(18).toString('base64url');
  const adminEmail = `admin-${runId}@example.com`;
  const dataRoot = mkdtempSync(join(tmpdir(), `ai-ninja-it-${runId}-`));
  const gatewayPort = options.gateway === false ? 0 : await freePort();

  // Ports first: every process is told where every replica is before any starts.
  const ports = new Map<ServiceName, number[]>();
  for (const service of services) {
    const list: number[] = [];
    for (let i = 0; i < replicaCount(service.name); i += 1) list.push(await freePort());
    ports.set(service.name, list);
  }
  const discovery: Record<string, string> = {};
  for (const service of SERVICES) {
    const list = ports.get(service.name);
    // A service that does not run here is still named, on a port where nothing listens: calls to it fail fast.
    discovery[service.discoveryEnv] = (list ?? [await freePort()]).map((port) => `http://127.0.0.1:${port}`).join(',');
  }

  let redis: RedisDatabase | undefined;
  const schemas: string[] = [];
  const postgres = options.postgres === undefined ? SHARED_POSTGRES_URL : options.postgres;
  const cleanups: Array<() => Promise<unknown>> = [];
  const replicas: Replica[] = [];
  let gateway: RunningGateway | undefined;

  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    SERVICE_AUTH_SECRET: secret,
    PHONE_WEBHOOK_TOKEN: webhookToken,
    BOOTSTRAP_ADMIN_EMAIL: adminEmail,
    MONITORING_POLL_INTERVAL_MS: '500',
    // A decision degrades when a dependency fails or its deadline passes. The deadline is long here, so that this
    // busy 2-core machine's pauses are not mistaken for failures: a degraded decision then means a real failure.
    DECISION_TIMEOUT_MS: '5000',
    ...(gatewayPort ? { REALTIME_PUBLIC_URL: `ws://127.0.0.1:${gatewayPort}/api/realtime/conversation` } : {}),
    ...discovery,
    ...options.env,
  };

  const stop = async (): Promise<Map<string, number | string>> => {
    const codes = new Map<string, number | string>();
    // The gateway first, so that nothing reaches a service that is shutting down through it.
    if (gateway) {
      await gateway.stop();
      release(gateway.child.pid);
    }
    await Promise.all(replicas.map(async (replica) => codes.set(replica.name, await replica.stop())));
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: Error) => console.error(`cleanup: ${error.message}`));
    rmSync(dataRoot, { recursive: true, force: true });
    return codes;
  };

  try {
    if (options.redis === undefined) {
      redis = await claimRedisDatabase(undefined, runId);
      cleanups.push(() => redis!.release());
      env.REDIS_URL = redis.url;
    } else if (options.redis) env.REDIS_URL = options.redis;
    if (postgres) {
      env.DATABASE_URL = postgres;
      cleanups.push(() => dropSchemas(postgres, schemas));
    }

    for (const service of services) {
      const schema = `it_${runId}_${service.name.replaceAll('-', '_')}`;
      if (postgres) schemas.push(schema);
      ports.get(service.name)!.forEach((port, index) => {
        const launch = (replica: Replica, onLine: (line: string) => void): LaunchedService =>
          launchServices({
            mode: options.mode ?? 'source',
            services: [service],
            portOf: () => port,
            env: {
              ...env,
              // Replicas of a service share its schema (that is how they share state); files stay per replica.
              ...(postgres ? { DATABASE_SCHEMA: schema } : {}),
              DATA_DIR: join(dataRoot, `${service.name}-${replica.index}`),
              ...options.envOf?.(service.name, replica.index),
            },
            onLine: (_name, line) => onLine(line),
          })[0]!;
        replicas.push(new Replica(service.name, index, port, launch));
      });
    }
    const launched = replicas.map((replica) => replica.spawn());
    try {
      await waitUntilReady(launched, options.readyTimeoutMs ?? 120_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${replicas.map((r) => r.tail(15)).join('\n')}`);
    }

    if (gatewayPort) {
      const closedPort = await freePort();
      const environment = {
        port: gatewayPort,
        workerProcesses: 2,
        upstreams: (service: ServiceDefinition) => (ports.get(service.name) ?? [closedPort]).map((port) => `127.0.0.1:${port}`),
      };
      gateway = await startGateway(environment);
      if (options.gatewayConfig) {
        const file = join(gateway.prefix, 'conf', 'nginx.conf');
        writeFileSync(file, options.gatewayConfig(readFileSync(file, 'utf8')));
        // SIGHUP: nginx re-reads its configuration and replaces its workers.
        gateway.child.kill('SIGHUP');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      guard(gateway.child.pid);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const gatewayUrl = gateway?.url ?? '';
  const failTimeout = gateway ? /fail_timeout=(\d+)(ms|s)?/.exec(readFileSync(join(gateway.prefix, 'conf', 'nginx.conf'), 'utf8')) : null;
  const gatewayFailTimeoutMs = failTimeout ? Number(failTimeout[1]) * (failTimeout[2] === 'ms' ? 1 : 1000) : 10_000;
  const userAddress = addressPool(201);
  const system: System = {
    runId,
    services,
    replicas,
    gatewayUrl,
    gateway,
    env,
    secret,
    webhookToken,
    adminEmail,
    replicasOf: (service) => replicas.filter((r) => r.service === service),
    replica(service, index = 0) {
      const replica = replicas.find((r) => r.service === service && r.index === index);
      if (!replica) throw new Error(`No replica ${service}#${index} in this system`);
      return replica;
    },
    replicaAt: (hostPort) => replicas.find((r) => `127.0.0.1:${r.port}` === hostPort.trim()),
    serviceHeaders: (as = 'monitoring') => ({ authorization: `Bearer ${signServiceToken(secret, as)}` }),
    viaGateway(path, sendOptions) {
      if (!gatewayUrl) throw new Error('This system runs without a gateway');
      return send(gatewayUrl + path, sendOptions);
    },
    async registerUser(label = 'user', userOptions = {}) {
      const email = userOptions.admin ? adminEmail : `${label}-${randomBytes(5).toString('hex')}@example.com`;
      const password = `pw-${randomBytes(9).toString('base64url')}`;
      const registered = await system.viaGateway('/api/auth/register', {
        method: 'POST',
        body: { email, password, displayName: label },
        localAddress: userAddress(),
      });
      if (registered.status !== 201) throw new Error(`register ${email}: ${registered.status} ${registered.body}\n${system.logs('user-management', 10)}`);
      const login = await system.viaGateway('/api/auth/login', { method: 'POST', body: { email, password }, localAddress: userAddress() });
      if (login.status !== 200) throw new Error(`login ${email}: ${login.status} ${login.body}`);
      const tokens = json<{ accessToken: string; refreshToken: string; user: { id: string } }>(login);
      return {
        id: tokens.user.id,
        email,
        password,
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        headers: { authorization: `Bearer ${tokens.accessToken}` },
      };
    },
    gatewayFailTimeoutMs,
    gatewayLog() {
      if (!gateway) return [];
      let text = '';
      try {
        text = readFileSync(join(gateway.prefix, 'access.log'), 'utf8');
      } catch {
        return [];
      }
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as GatewayLogEntry);
    },
    logs(service, lines = 30) {
      return replicas
        .filter((r) => !service || r.service === service)
        .map((r) => r.tail(lines))
        .join('\n');
    },
    stop,
  };
  return system;
}

/** Waits until every replica of the system is ready again (after a fault). */
export async function waitUntilAllReady(system: System, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    'every replica ready',
    async () => {
      const replies = await Promise.all(system.replicas.map((r) => send(`${r.url}/health/ready`, { timeoutMs: 2000 }).catch(() => undefined)));
      return replies.every((reply) => reply?.status === 200);
    },
    timeoutMs,
    200,
  );
}

/**
 * How many requests a replica counted in `http_request_duration_seconds` for this method and route template (the
 * express form, `/api/v1/whitelist/evaluate/:phone`), from its `/metrics`; `status` narrows to one status code.
 */
export async function requestCount(replica: Replica, method: string, route: string, status?: number): Promise<number> {
  const reply = await send(`${replica.url}/metrics`);
  if (reply.status !== 200) throw new Error(`${replica.name} /metrics answered ${reply.status}`);
  let total = 0;
  for (const line of reply.body.split('\n')) {
    if (!line.startsWith('http_request_duration_seconds_count{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (labels.method !== method.toUpperCase() || labels.route !== route) continue;
    if (status !== undefined && labels.status_code !== String(status)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
