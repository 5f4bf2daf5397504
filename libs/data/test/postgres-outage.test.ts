/**
 * PostgreSQL going away and coming back, on a PRIVATE server (initdb + pg_ctl in a temporary directory on a free port):
 * the shared server at 5432 is never stopped.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { HealthRegistry } from '@ai-ninja/health';
import { databaseHealthCheck, openDatabase, type Database, type Migrations } from '../src/index.js';
import { eventually, loadConfigForTest, PrivatePostgres, recordingLogger } from './helpers.js';

interface Tables {
  events: { id: string; at: string };
}

const migrations: Migrations = {
  '001_events': {
    async up(db: Kysely<any>) {
      await db.schema.createTable('events').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('at', 'text', (c) => c.notNull()).execute();
    },
  },
};

describe('database on a private PostgreSQL', () => {
  let server: PrivatePostgres;
  before(async () => {
    server = await PrivatePostgres.create();
  });
  after(() => server?.destroy());

  describe('an outage while running', () => {
    let database: Database<Tables>;
    const { logger, records } = recordingLogger();
    const health = new HealthRegistry({ service: 'storage', version: 'test' });

    before(async () => {
      const config = loadConfigForTest({ DATABASE_URL: server.url, DATABASE_SCHEMA: 'outage' });
      database = await openDatabase<Tables>({ service: 'storage', config, migrations, logger });
      health.register({ ...databaseHealthCheck(database), cacheMs: 0 });
    });
    after(() => database?.close());

    it('is ready and writes while the server is up', async () => {
      await database.db.insertInto('events').values({ id: 'before', at: new Date().toISOString() }).execute();
      // Hold a few connections open in the pool, so the outage hits idle clients too.
      await Promise.all(Array.from({ length: 4 }, () => database.db.selectFrom('events').selectAll().execute()));
      assert.equal((await health.readiness()).httpStatus, 200);
    });

    it('fails checks and queries fast during the outage, without crashing the process', async (t) => {
      await server.stop();
      // The server ended the pooled connections: the pool reports it through its 'error' listener, not a crash.
      await eventually(async () => assert.ok(records.some((record) => record.msg.startsWith('PostgreSQL connection lost'))));
      await assert.rejects(database.check());
      const readiness = await health.readiness();
      assert.equal(readiness.httpStatus, 503);
      const started = Date.now();
      await assert.rejects(database.db.insertInto('events').values({ id: 'during', at: new Date().toISOString() }).execute(), /ECONNREFUSED|connect/);
      t.diagnostic(`a query during the outage failed after ${Date.now() - started} ms`);
    });

    it('recovers by itself when the server is back: ready again, data intact, writes work', async () => {
      await sleep(200);
      await server.start();
      await eventually(() => database.check());
      assert.equal((await health.readiness()).httpStatus, 200);
      await database.db.insertInto('events').values({ id: 'after', at: new Date().toISOString() }).execute();
      const ids = await database.db.selectFrom('events').select('id').orderBy('at').execute();
      assert.deepEqual(
        ids.map((row) => row.id),
        ['before', 'after'],
      );
    });
  });

  describe('the server coming up while the service starts', () => {
    before(() => server.stop());

    it('keeps retrying and opens once the server answers', async () => {
      const { logger, records } = recordingLogger();
      const config = loadConfigForTest({ DATABASE_URL: server.url, DATABASE_SCHEMA: 'starting' });
      const opening = openDatabase<Tables>({ service: 'storage', config, migrations, logger, startupTimeoutMs: 30_000 });
      await eventually(async () => assert.ok(records.some((record) => record.msg === 'PostgreSQL unreachable at start, retrying')));
      await server.start();
      const database = await opening;
      try {
        assert.ok(records.some((record) => record.msg === 'PostgreSQL answers'));
        assert.deepEqual(records.find((record) => record.msg.startsWith('database migrated'))?.['migrations'], ['001_events']);
        await database.check();
      } finally {
        await database.close();
      }
    });
  });
});
