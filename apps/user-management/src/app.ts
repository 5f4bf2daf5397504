import { databaseHealthCheck, openDatabase, type Database } from '@ai-ninja/data';
import { createLogger, createService, type Logger, type Service } from '@ai-ninja/service-kit';
import type { Config } from './config.js';
import { AuthService } from './domain/auth.service.js';
import { loadSigningKeys } from './domain/signing-keys.js';
import { UsersService } from './domain/users.service.js';
import { registerRoutes } from './routes/index.js';
import { migrations, type UserManagementDb } from './store/migrations.js';
import { AuthStore } from './store/tokens.store.js';
import { UserStore } from './store/users.store.js';

/** What user-management is built from; tests pass their own. */
export interface AppDeps {
  readonly config: Config;
  readonly version: string;
  readonly logger?: Logger;
  /** Milliseconds since the epoch; tests move it to pass a lockout. Tokens' own expiry always uses the real clock. */
  readonly clock?: () => number;
}

/** How often expired refresh tokens and stale failed logins are deleted. */
const PURGE_EVERY_MS = 60 * 60 * 1000;

/**
 * user-management: accounts, authentication, hosted numbers and preferences. Opens (and migrates) its database and
 * loads its signing key before it returns, so the service it returns is ready to listen. No process.env here.
 */
export async function createApp(deps: AppDeps): Promise<Service> {
  const { config } = deps;
  const clock = deps.clock ?? Date.now;
  const logger = deps.logger ?? createLogger({ service: 'user-management', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const database = await openDatabase<UserManagementDb>({ service: 'user-management', config, migrations, logger });
  try {
    return await build(deps, database, clock, logger);
  } catch (error) {
    await database.close();
    throw error;
  }
}

async function build(deps: AppDeps, database: Database<UserManagementDb>, clock: () => number, logger: Logger): Promise<Service> {
  const { config } = deps;
  const now = () => new Date(clock()).toISOString();
  const authStore = new AuthStore(database.db);
  const keys = await loadSigningKeys(authStore, { keyFile: config.AUTH_PRIVATE_KEY_FILE, now, logger });

  const service = createService({ name: 'user-management', version: deps.version, config, logger });
  service.health.register(databaseHealthCheck(database));
  service.onShutdown('database', () => database.close());
  // user-management verifies its own tokens with the keys it holds, never by fetching its own JWKS.
  service.auth.useLocalKeys(() => keys.jwks);

  const users = new UsersService(new UserStore(database.db), clock, logger);
  const auth = new AuthService(
    new UserStore(database.db),
    authStore,
    users,
    keys,
    {
      accessTokenTtlS: config.ACCESS_TOKEN_TTL_S,
      refreshTokenTtlS: config.REFRESH_TOKEN_TTL_S,
      loginMaxFailures: config.LOGIN_MAX_FAILURES,
      loginFailureWindowMs: config.LOGIN_FAILURE_WINDOW_MINUTES * 60_000,
      lockoutMs: config.LOCKOUT_MINUTES * 60_000,
      bootstrapAdminEmail: config.BOOTSTRAP_ADMIN_EMAIL,
      mfaIssuer: config.MFA_ISSUER,
    },
    clock,
    logger,
  );
  registerRoutes(service, { auth, users, jwks: keys.jwks });

  const staleAfterMs = Math.max(config.LOGIN_FAILURE_WINDOW_MINUTES, config.LOCKOUT_MINUTES) * 60_000;
  const purge = setInterval(() => {
    authStore.purge(now(), new Date(clock() - staleAfterMs).toISOString()).then(
      (deleted) => logger.debug(deleted, 'purged expired refresh tokens and stale failed logins'),
      (error: unknown) => logger.warn({ err: error }, 'purge of expired refresh tokens failed; it runs again in an hour'),
    );
  }, PURGE_EVERY_MS);
  purge.unref();
  service.onShutdown('purge timer', () => clearInterval(purge));
  return service;
}
