/**
 * Test helpers: a fresh, empty database of each kind, as the environment overrides a service's config reads.
 * `for (const kind of DATABASE_KINDS) describe(kind, () => { ... testDatabase(kind) ... })` runs a suite on both.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Both dialects every stateful service supports. */
export const DATABASE_KINDS = ['sqlite', 'postgres'] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/** PostgreSQL used by tests: `TEST_DATABASE_URL`, or the machine's server at 127.0.0.1:5432, database `test`. */
export const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh database for one test suite. */
export interface TestDatabase {
  readonly kind: DatabaseKind;
  /** Config overrides: `testConfig(configSchema, db.env)`. The same env again reopens the same data (a restart). */
  readonly env: Record<string, string>;
  /** Removes the SQLite directory, or drops the PostgreSQL schema with everything in it. */
  cleanup(): Promise<void>;
}

/**
 * A new, empty database: SQLite in a new temporary directory (`DATA_DIR`), or a new schema `t_<random>` on the test
 * PostgreSQL (`DATABASE_URL`, `DATABASE_SCHEMA`), created by the service when it opens it.
 */
export async function testDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'ai-ninja-data-'));
    return { kind, env: { DATA_DIR: dir }, cleanup: () => rm(dir, { recursive: true, force: true }) };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    kind,
    env: { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
    cleanup: async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2000 });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
