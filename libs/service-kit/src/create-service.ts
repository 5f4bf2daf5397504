import { createServer, type Server } from 'node:http';
import express, { Router, type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { z } from 'zod';
import { COMMON_ERROR_CODES, SERVICES, type ServiceName } from '@ai-ninja/contracts';
import { HealthRegistry, healthRouter } from '@ai-ninja/health';
import { createLogger, createMetrics, runWithContext, SpanRecorder, type Logger, type ServiceMetrics } from '@ai-ninja/observability';
import { ServiceClient, type ServiceClientOptions } from '@ai-ninja/service-client';
import { Authenticator, DEVELOPMENT_SERVICE_SECRET } from './auth.js';
import { ConfigError, parseByteSize, type ServiceConfig } from './config.js';
import { errorHandler, onClientError, routeNotFound } from './error-handler.js';
import { AppError } from './errors.js';
import { httpMetrics } from './http-metrics.middleware.js';
import { idempotency, MemoryIdempotencyStore, RedisIdempotencyStore, type IdempotencyStore } from './idempotency.js';
import { InFlightTracker, listen, type RunningService } from './lifecycle.js';
import { OpenApiDocument } from './openapi.js';
import { requestContext } from './request-context.middleware.js';
import { recordSpans, spansRoute } from './spans.middleware.js';
import { addRoute, type RouteDefinition } from './route.js';

/** Options of {@link createService}. */
export interface ServiceOptions {
  readonly name: ServiceName;
  readonly version: string;
  readonly config: ServiceConfig;
  /** Defaults to a logger made from `config` (LOG_LEVEL, LOG_FORMAT). */
  readonly logger?: Logger;
  /**
   * Path prefixes whose handlers read the body themselves (uploads, streams): no JSON parsing, no 415, and no
   * Idempotency-Key replay there (keys are matched on JSON bodies).
   */
  readonly rawBodyPaths?: readonly string[];
}

/** A service under construction: add routes, checks and disposers, then `listen()`. */
export interface Service {
  readonly name: ServiceName;
  readonly version: string;
  readonly config: ServiceConfig;
  readonly app: Express;
  /** Where routes go; they run before the 404 and error handlers. */
  readonly router: Router;
  readonly health: HealthRegistry;
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
  readonly openapi: OpenApiDocument;
  /** The server spans of the last requests served (issue 6, monitoring's traces); also at `GET /internal/spans`. */
  readonly spans: SpanRecorder;
  /** Verifies incoming tokens; holds this service's credential for its outgoing calls. */
  readonly auth: Authenticator;
  /** Adds a validated, documented route. */
  route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(definition: RouteDefinition<P, Q, B>): void;
  /** Answers every request under `prefix` with 501 and says why, for an API that is planned but not built. */
  notImplemented(prefix: string, why: string): void;
  /**
   * A ServiceClient for this service's outbound calls: discovery from the config's `*_SERVICE_URL` variables, its
   * metrics on this service's `/metrics`, its events in this service's log, closed at shutdown.
   */
  createClient(options?: ServiceClientOptions): ServiceClient;
  /** Runs `dispose` at shutdown, after the last request; disposers run in reverse order of registration. */
  onShutdown(name: string, dispose: () => unknown): void;
  /** The HTTP server, for an `upgrade` handler (a WebSocket endpoint); it listens once `listen()` is called. */
  readonly server: Server;
  /**
   * Runs `drain` at shutdown once requests are done, before the listener closes. Long-lived connections (WebSocket)
   * must end here: closing the listener waits for every open connection, up to the shutdown timeout.
   */
  onDrain(name: string, drain: () => unknown): void;
  /**
   * Runs `start` in `listen()`, in order of registration, before the service takes requests: what needs I/O to get
   * going (an event bus's tables and consumers). A start that fails fails `listen()`.
   */
  onStart(name: string, start: () => Promise<unknown> | unknown): void;
  /** Listens on `config.PORT` and `config.HOST` unless overridden (tests pass port 0). */
  listen(overrides?: { port?: number; host?: string }): Promise<RunningService>;
}

const JSON_TYPES = ['application/json', 'application/*+json'];
// Probes and scrapes arrive every few seconds: counted in metrics, but kept out of the access log.
const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * The express 5 app every service is built on: request id and trace context, access logs, RED metrics, JSON bodies
 * with a size limit and a content-type check, the error envelope for every error, health routes, `/metrics`,
 * `/openapi.json`, and graceful shutdown.
 */
export function createService(options: ServiceOptions): Service {
  const { name, version, config } = options;
  const logger = options.logger ?? createLogger({ service: name, level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const health = new HealthRegistry({ service: name, version });
  const metrics = createMetrics(name);
  const openapi = new OpenApiDocument(name, version);
  const inFlight = new InFlightTracker();
  const disposers: Array<{ name: string; dispose: () => unknown }> = [];
  const drainers: Array<{ name: string; drain: () => unknown }> = [];
  const starters: Array<{ name: string; start: () => unknown }> = [];
  const rawBodyPaths = options.rawBodyPaths ?? [];
  const isRawBody: (path: string) => boolean = (path) => rawBodyPaths.some((prefix) => path.startsWith(prefix));
  let ownClient: ServiceClient | undefined;
  const auth = new Authenticator({
    service: name,
    serviceSecret: serviceSecret(config, logger),
    ...(config.AUTH_JWKS ? { jwks: config.AUTH_JWKS } : {}),
    logger,
    client: () => (ownClient ??= service.createClient()),
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);

  app.use(trackInFlight(inFlight, health));
  app.use(requestContext());
  app.use(
    pinoHttp({
      logger,
      genReqId: (req) => req.id,
      autoLogging: { ignore: (req) => QUIET_PATHS.has(req.url?.split('?')[0] ?? '') },
      // A refused request (4xx) is the caller's business, not a problem of this service: info, like a success.
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(httpMetrics(metrics));
  // Spans (issue 6, monitoring's trace view): each request's server span, kept in a bounded ring buffer.
  const spans = new SpanRecorder();
  app.use(recordSpans(spans, name));

  app.use(healthRouter(health));
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi.toJSON());
  });

  const parseJson = express.json({ limit: config.BODY_LIMIT, type: JSON_TYPES });
  const bodyLimitBytes = parseByteSize(config.BODY_LIMIT)!;
  app.use((req, res, next) => {
    if (isRawBody(req.path) || !hasBody(req.headers)) return next();
    // Too big is too big whatever the type: answered before reading a byte of it.
    const declared = Number(req.headers['content-length']);
    if (declared > bodyLimitBytes) {
      // Read and drop a body a few times the limit, so the client finishes sending and reads the 413 (cutting the
      // connection mid-upload gives it EPIPE and no answer); a far larger one is refused by closing the connection.
      if (declared <= bodyLimitBytes * 8) req.resume();
      return next(new AppError(413, COMMON_ERROR_CODES.payloadTooLarge, `The request body is larger than ${config.BODY_LIMIT}`));
    }
    if (!req.is(JSON_TYPES)) {
      return next(new AppError(415, COMMON_ERROR_CODES.unsupportedMediaType, `Expected a JSON body (application/json), got ${req.headers['content-type'] ?? 'no Content-Type'}`));
    }
    // The parser calls back from the request stream's events, outside the request's async context: put it back.
    parseJson(req, res, (error?: unknown) => runWithContext(req.context, () => next(error)));
  });

  const idempotencyStore = createIdempotencyStore(name, config, logger, health);
  disposers.push({ name: 'idempotency store', dispose: () => idempotencyStore.close() });
  // Keys are matched on the parsed JSON body: a raw body (an upload) is not read here, so two different uploads with
  // one key would look alike and the second would be answered with the first's response. Raw-body routes opt out.
  const idempotent = idempotency(idempotencyStore, logger);
  app.use((req, res, next) => (isRawBody(req.path) ? next() : idempotent(req, res, next)));

  const router = Router();
  app.use(router);
  addRoute(router, openapi, auth, spansRoute(spans, name)); // GET /internal/spans (issue 6)
  app.use(routeNotFound());
  app.use(errorHandler(config.BODY_LIMIT));

  const server = createServer(app);
  server.on('clientError', onClientError);
  server.keepAliveTimeout = 65_000; // longer than the gateway's and clients' idle timeouts, so they close first
  server.headersTimeout = 66_000;

  const service: Service = {
    name,
    version,
    config,
    app,
    router,
    health,
    metrics,
    logger,
    openapi,
    spans,
    auth,
    route: (definition) => addRoute(router, openapi, auth, definition),
    notImplemented(prefix, why) {
      router.use(prefix, (req, _res, next) => {
        next(new AppError(501, COMMON_ERROR_CODES.notImplemented, `${req.method} ${req.originalUrl.split('?')[0]} is not implemented yet: ${why}`));
      });
    },
    createClient(clientOptions) {
      const client = new ServiceClient({
        registry: metrics.registry,
        env: discoveryEnv(config),
        dnsRefreshMs: config.DISCOVERY_DNS_REFRESH_MS,
        headers: () => ({ authorization: auth.authorization }),
        ...clientOptions,
      });
      logClientEvents(client, logger);
      disposers.push({ name: 'service client', dispose: () => client.close() });
      return client;
    },
    onShutdown(disposerName, dispose) {
      disposers.push({ name: disposerName, dispose });
    },
    server,
    onStart(starterName, start) {
      starters.push({ name: starterName, start });
    },
    onDrain(drainerName, drain) {
      drainers.push({ name: drainerName, drain });
    },
    listen: async (overrides = {}) => {
      await idempotencyStore.open();
      for (const starter of starters) {
        try {
          await starter.start();
        } catch (error) {
          throw new Error(`${name} could not start its ${starter.name}: ${(error as Error).message}`, { cause: error });
        }
      }
      return listen(
        {
          server,
          health,
          logger,
          inFlight,
          disposers,
          drainers,
          drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS,
          shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
        },
        overrides.port ?? config.PORT,
        overrides.host ?? config.HOST,
      );
    },
  };
  return service;
}

/** SERVICE_AUTH_SECRET, or in development a well-known secret with a warning; production refuses to start without one. */
function serviceSecret(config: ServiceConfig, logger: Logger): string {
  if (config.SERVICE_AUTH_SECRET) return config.SERVICE_AUTH_SECRET;
  if (process.env.NODE_ENV === 'production') throw new ConfigError(['SERVICE_AUTH_SECRET: required when NODE_ENV=production (services sign their credentials with it)']);
  logger.warn('SERVICE_AUTH_SECRET is not set: services trust a well-known development secret; set one outside development');
  return DEVELOPMENT_SERVICE_SECRET;
}

function createIdempotencyStore(name: ServiceName, config: ServiceConfig, logger: Logger, health: HealthRegistry): IdempotencyStore {
  if (!config.REDIS_URL) return new MemoryIdempotencyStore();
  const store = new RedisIdempotencyStore(config.REDIS_URL, `${name}:idempotency:`, logger);
  // Optional: without Redis the service still serves, with keys kept in this process, and says so as `warn`.
  health.register({
    name: 'redis',
    required: false,
    componentType: 'datastore',
    check: async () => {
      await store.redis.ping();
    },
  });
  return store;
}

/** The discovery variables that are set, as the client reads them. */
function discoveryEnv(config: ServiceConfig): NodeJS.ProcessEnv {
  return Object.fromEntries(SERVICES.flatMap((s) => (config[s.discoveryEnv] ? [[s.discoveryEnv, config[s.discoveryEnv]]] : [])));
}

/** What the client does, in the service's log: breakers and ejections loudly, routine retries quietly. */
function logClientEvents(client: ServiceClient, logger: Logger): void {
  client.on('breaker-state', (event) => logger[event.state === 'open' ? 'warn' : 'info'](event, `circuit ${event.state}`));
  client.on('ejection', (event) => logger.warn(event, 'replica ejected after consecutive failures'));
  client.on('replicas-changed', (event) => logger.info(event, 'replicas changed'));
  client.on('retry', (event) => logger.debug(event, 'retrying'));
  client.on('fallback', (event) => logger.debug(event, 'answered by fallback'));
  const lastBudgetWarning = new Map<ServiceName, number>();
  client.on('budget-exhausted', (event) => {
    // At most one line a second per upstream: during an outage this fires on every refused retry.
    if (Date.now() - (lastBudgetWarning.get(event.upstream) ?? 0) < 1000) return;
    lastBudgetWarning.set(event.upstream, Date.now());
    logger.warn(event, 'retry budget exhausted: not retrying');
  });
}

function hasBody(headers: NodeJS.Dict<string | string[]>): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}

/**
 * Counts requests in flight for graceful shutdown, and once shutdown has begun tells every client to close its
 * connection after the response, so no keep-alive socket is reused against a closing listener.
 */
function trackInFlight(inFlight: InFlightTracker, health: HealthRegistry): RequestHandler {
  return (_req, res, next) => {
    inFlight.started();
    res.once('close', () => inFlight.finished());
    const writeHead = res.writeHead;
    res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
      if (health.draining) this.setHeader('Connection', 'close');
      return writeHead.apply(this, args);
    } as typeof writeHead;
    next();
  };
}
