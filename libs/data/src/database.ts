import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration, type MigrationResult, type SqliteDatabase } from 'kysely';
import type { Pool } from 'pg';
import { z, type ServiceName } from '@ai-ninja/contracts';
import type { HealthCheck } from '@ai-ninja/health';
import type { Logger } from '@ai-ninja/observability';

/**
 * The database part of a service's configuration: spread it into the schema,
 * `serviceConfigSchema(name).extend({ ...databaseConfigShape })`.
 */
export const databaseConfigShape = {
  /** Directory of the SQLite file `<DATA_DIR>/<service>.sqlite`, created when missing. Unused with DATABASE_URL. */
  DATA_DIR: z.string().min(1).default('.data'),
  /** PostgreSQL connection string; when set the service uses PostgreSQL instead of SQLite. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** PostgreSQL schema holding the service's tables (created when missing); default `public`. */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
    .optional(),
};

/** The configuration values {@link openDatabase} reads. */
export interface DatabaseConfig {
  readonly DATA_DIR: string;
  readonly DATABASE_URL?: string | undefined;
  readonly DATABASE_SCHEMA?: string | undefined;
}

/**
 * A service's migrations by name. Names sort in the order they run ('001_users', '002_sessions', ...); a migration
 * once shipped is never edited or renamed: add a new one.
 */
export type Migrations = Record<string, Migration>;

/** An open database of one service. */
export interface Database<DB> {
  readonly db: Kysely<DB>;
  readonly dialect: 'sqlite' | 'postgres';
  /** Resolves when the database answers `select 1`; rejects otherwise (readiness uses it). */
  check(): Promise<void>;
  /** Closes the file or every pooled connection. */
  close(): Promise<void>;
}

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  readonly service: ServiceName;
  readonly config: DatabaseConfig;
  readonly migrations: Migrations;
  readonly logger: Logger;
  /** PostgreSQL only: how long to keep trying to connect at start before giving up. Default 10 000 ms. */
  readonly startupTimeoutMs?: number;
}

/** PostgreSQL pool settings: a bounded pool whose new connections give up fast while the server is away. */
export const POSTGRES_POOL = { max: 10, connectionTimeoutMillis: 2000, idleTimeoutMillis: 30_000 } as const;
/** SQLite waits this long for a lock held by another process on the same file before failing. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * Opens the service's database and runs its pending migrations: PostgreSQL when `DATABASE_URL` is set, otherwise the
 * SQLite file `<DATA_DIR>/<service>.sqlite`. PostgreSQL that does not answer is retried with backoff for
 * `startupTimeoutMs`, then this throws (the process exits and its supervisor starts it again).
 */
export async function openDatabase<DB>(options: OpenDatabaseOptions): Promise<Database<DB>> {
  const { config } = options;
  const logger = options.logger.child({ component: 'database' });
  const database = config.DATABASE_URL
    ? await openPostgres<DB>(options.service, config.DATABASE_URL, config.DATABASE_SCHEMA, logger, options.startupTimeoutMs ?? 10_000)
    : openSqlite<DB>(resolve(config.DATA_DIR, `${options.service}.sqlite`), logger);
  try {
    await migrate(database, options.migrations, config.DATABASE_URL ? config.DATABASE_SCHEMA : undefined, logger);
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  return database;
}

function openSqlite<DB>(file: string, logger: Logger): Database<DB> {
  mkdirSync(resolve(file, '..'), { recursive: true });
  const SqliteDatabase = load<typeof BetterSqlite3>('better-sqlite3');
  const sqlite = new SqliteDatabase(file);
  // WAL: readers never block the writer; NORMAL is durable in WAL mode except for the last commits on power loss.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  logger.info({ dialect: 'sqlite', file }, 'database opened (SQLite)');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return databaseOf(db, 'sqlite');
}

/** Prepared statements kept per SQL text: Kysely prepares every query again, which costs more than running it. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The database as Kysely sees it, preparing each SQL text once. Safe because better-sqlite3 runs a statement to the
 * end synchronously (`all`, `run`); only `iterate` (streamed queries, which no service uses) holds one open.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

async function openPostgres<DB>(service: string, url: string, schema: string | undefined, logger: Logger, startupTimeoutMs: number): Promise<Database<DB>> {
  const target = describePostgres(url, schema);
  const { Pool } = load<typeof import('pg')>('pg');
  const pool = new Pool({
    connectionString: url,
    ...POSTGRES_POOL,
    keepAlive: true,
    application_name: service,
    // Every connection starts with the service's schema first and alone on its search path.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection the server drops is reported here; without a listener it would crash the process.
  pool.on('error', (error) => logger.warn({ err: error, ...target }, 'PostgreSQL connection lost; the pool opens a new one when needed'));
  // A connection dropped while a query holds it emits 'error' on the client itself (the pool listens only to idle
  // ones): without this listener a server restart under load would crash the process. The query fails on its own.
  pool.on('connect', (client) => client.on('error', (error) => logger.warn({ err: error, ...target }, 'PostgreSQL connection lost during a query')));
  try {
    await connectWithRetry(pool, target, logger, startupTimeoutMs);
    if (schema) await createSchema(pool, schema);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  logger.info({ dialect: 'postgres', ...target }, 'database opened (PostgreSQL)');
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return databaseOf(db, 'postgres');
}

async function connectWithRetry(pool: Pool, target: object, logger: Logger, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 2000)) {
    try {
      await pool.query('select 1');
      if (attempt > 1) logger.info({ ...target, attempt }, 'PostgreSQL answers');
      return;
    } catch (error) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`PostgreSQL unreachable after ${attempt} attempts in ${timeoutMs} ms (${JSON.stringify(target)}): ${messageOf(error)}`, { cause: error });
      }
      logger.warn({ err: error, ...target, attempt, retryInMs: Math.min(delay, left) }, 'PostgreSQL unreachable at start, retrying');
      await sleep(Math.min(delay, left));
    }
  }
}

async function createSchema(pool: Pool, schema: string): Promise<void> {
  try {
    await pool.query(`create schema if not exists "${schema}"`);
  } catch (error) {
    // Two replicas creating the schema at once: one of them loses the race on the catalog's unique index.
    if (!isUniqueViolation(error) && (error as { code?: unknown }).code !== '42P06') throw error;
  }
}

/**
 * Each service loads only the driver it uses: pg costs ~8 MB of memory, better-sqlite3 ~3 MB (measured on Node 20).
 */
function load<T>(name: 'pg' | 'better-sqlite3'): T {
  return createRequire(import.meta.url)(name) as T;
}

function databaseOf<DB>(db: Kysely<DB>, dialect: Database<DB>['dialect']): Database<DB> {
  let closed: Promise<void> | undefined;
  return {
    db,
    dialect,
    async check() {
      await sql`select 1`.execute(db);
    },
    close() {
      closed ??= db.destroy();
      return closed;
    },
  };
}

async function migrate(database: Database<any>, migrations: Migrations, schema: string | undefined, logger: Logger): Promise<void> {
  // Kysely runs PostgreSQL's pending migrations in one transaction, but not SQLite's: wrap each one there, so that a
  // migration failing halfway leaves nothing behind.
  const provided: Migrations =
    database.dialect === 'sqlite'
      ? Object.fromEntries(
          Object.entries(migrations).map(([name, migration]) => [
            name,
            {
              up: (db) => db.transaction().execute((trx) => migration.up(trx)),
              ...(migration.down ? { down: (db: Kysely<any>) => db.transaction().execute((trx) => migration.down!(trx)) } : {}),
            },
          ]),
        )
      : migrations;
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: () => Promise.resolve(provided) },
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  const ran = results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
  if (error) {
    const failed = results.find((result: MigrationResult) => result.status === 'Error')?.migrationName;
    const where = failed ? `migration "${failed}" failed` : 'migrations could not run';
    const note = database.dialect === 'postgres' && ran.length ? ` (rolled back with it: ${ran.join(', ')})` : '';
    logger.error({ err: error, failed, ...(ran.length ? { before: ran } : {}) }, `database ${where}`);
    throw new Error(`Database ${where}${note}: ${messageOf(error)}`, { cause: error });
  }
  const total = Object.keys(migrations).length;
  if (ran.length) logger.info({ migrations: ran, total }, `database migrated: ran ${ran.length} of ${total} migrations`);
  else logger.info({ total }, 'database schema up to date');
}

/** Host, port, database and schema of a connection string, never its password: safe to log. */
function describePostgres(url: string, schema: string | undefined): Record<string, string> {
  try {
    const parsed = new URL(url);
    return { host: parsed.hostname, port: parsed.port || '5432', database: parsed.pathname.slice(1) || '(default)', schema: schema ?? 'public' };
  } catch {
    return { schema: schema ?? 'public' };
  }
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length) return error.errors.map(messageOf).join('; ');
  if (error instanceof Error) return error.message || (error as { code?: string }).code || error.name;
  return String(error);
}

/** True for the error of a unique or primary-key constraint, on SQLite and on PostgreSQL. */
export function isUniqueViolation(error: unknown): boolean {
  return hasCode(error, ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY', '23505']);
}

/** True for the error of a foreign-key constraint, on SQLite and on PostgreSQL. */
export function isForeignKeyViolation(error: unknown): boolean {
  return hasCode(error, ['SQLITE_CONSTRAINT_FOREIGNKEY', '23503']);
}

function hasCode(error: unknown, codes: readonly string[]): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && codes.includes(code)) return true;
  }
  return false;
}

/**
 * A number from what a driver returns for counts and sums: PostgreSQL gives `bigint` and `numeric` as strings
 * (`count(*)` → '3'), SQLite gives numbers. Throws on anything that is not a finite number.
 */
export function toNumber(value: number | string | bigint | null | undefined): number {
  const number = typeof value === 'number' ? value : Number(value ?? NaN);
  if (!Number.isFinite(number)) throw new TypeError(`Not a finite number: ${String(value)}`);
  return number;
}

/** The readiness check of a service's database: `service.health.register(databaseHealthCheck(database))`. */
export function databaseHealthCheck(database: { check(): Promise<void> }): HealthCheck {
  return { name: 'database', required: true, componentType: 'datastore', timeoutMs: 2000, check: () => database.check() };
}
