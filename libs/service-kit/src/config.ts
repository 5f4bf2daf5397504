import { z } from 'zod';
import { getService, JwksSchema, SERVICES, type DiscoveryEnv, type ServiceName } from '@ai-ninja/contracts';

/** An integer read from an environment variable. */
export const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** A non-empty string read from an environment variable. */
export const envString = () => z.string().min(1);

/** A comma-separated list of http(s) base URLs: one per replica. */
const URL_LIST = z
  .string()
  .refine((value) => value.split(',').every((part) => /^https?:\/\/[^\s/]+\/?$/.test(part.trim())), 'must be http(s) base URLs, comma-separated');

/** Each service's discovery variable (`WHITELIST_SERVICE_URL`…); unset means `http://localhost:<port>`. */
const DISCOVERY = Object.fromEntries(SERVICES.map((service) => [service.discoveryEnv, URL_LIST.optional()])) as Record<DiscoveryEnv, z.ZodOptional<typeof URL_LIST>>;

/** A byte size as express writes it (`512kb`, `1mb`, `1048576`) in bytes; undefined when it is not one. */
export function parseByteSize(size: string): number | undefined {
  const match = /^(\d+)(b|kb|mb)?$/i.exec(size);
  if (!match) return undefined;
  return Number(match[1]) * { b: 1, kb: 1024, mb: 1024 * 1024 }[(match[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb'];
}

/**
 * The variables every service reads, with defaults so that none is needed. Services extend it:
 * `serviceConfigSchema('storage').extend({ STORAGE_DIR: envString().default('.data/storage') })`.
 */
export function serviceConfigSchema(name: ServiceName) {
  return z.object({
    PORT: envInt(0, 65535).default(getService(name).port),
    HOST: envString().default('0.0.0.0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
    BODY_LIMIT: z
      .string()
      .refine((size) => parseByteSize(size) !== undefined, 'must be a size such as 512kb or 1mb')
      .default('1mb'),
    SHUTDOWN_TIMEOUT_MS: envInt(1, 600_000).default(10_000),
    SHUTDOWN_DRAIN_DELAY_MS: envInt(0, 600_000).default(0),
    TRUST_PROXY: envString().default('loopback, linklocal, uniquelocal'),
    /** Re-resolve upstream host names to all their addresses this often (a headless Service); 0: never. */
    DISCOVERY_DNS_REFRESH_MS: envInt(0, 3_600_000).default(0),
    /** Redis for what replicas share (idempotency keys); unset: in-process. */
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
    /** The secret every service shares to sign its service credential (HS256); required when NODE_ENV=production. */
    SERVICE_AUTH_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /** The keys of user tokens as a JWKS document (JSON); unset: fetched from user-management and cached. */
    AUTH_JWKS: z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JWKS document in JSON' });
          return z.NEVER;
        }
      })
      .pipe(JwksSchema)
      .optional(),
    ...DISCOVERY,
  });
}

/** The configuration every service has. */
export type ServiceConfig = z.output<ReturnType<typeof serviceConfigSchema>>;

/** Thrown at boot when the environment does not satisfy the schema; its message lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads the configuration from `env` (process.env by default). An empty variable (`PORT=`) counts as unset, so its
 * default applies. Every problem is reported at once, each naming its variable; values are not echoed, since they
 * may be secrets.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
}
