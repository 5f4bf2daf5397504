import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { databaseHealthCheck, isForeignKeyViolation, isUniqueViolation, openDatabase, toNumber, type Database, type Migrations } from '../src/index.js';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '../src/testing.js';
import { loadConfigForTest, recordingLogger } from './helpers.js';

/** The tables of a small repository, written the portable way (see README: conventions). */
interface Tables {
  items: { id: string; owner: string; name: string; price: number; active: number; tags: string; created_at: string };
  notes: { id: string; item_id: string; body: string };
}

const migrations: Migrations = {
  '001_items': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('items')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('price', 'double precision', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('items_owner_name', ['owner', 'name'])
        .execute();
      await db.schema.createIndex('items_by_owner_time').on('items').columns(['owner', 'created_at']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('items').execute();
    },
  },
  '002_notes': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('notes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('item_id', 'text', (c) => c.notNull().references('items.id').onDelete('cascade'))
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

function item(owner: string, name: string, createdAt: Date, price = 9.99): Tables['items'] {
  return { id: randomUUID(), owner, name, price, active: 1, tags: JSON.stringify(['a', 'b']), created_at: createdAt.toISOString() };
}

for (const kind of DATABASE_KINDS) {
  describe(`database on ${kind}`, () => {
    let target: TestDatabase;
    let database: Database<Tables>;
    const { logger, records } = recordingLogger();
    const open = (extra: Migrations = {}) =>
      openDatabase<Tables>({ service: 'storage', config: loadConfigForTest(target.env), migrations: { ...migrations, ...extra }, logger });

    before(async () => {
      target = await testDatabase(kind);
      database = await open();
    });
    after(async () => {
      try {
        await database?.close();
      } finally {
        await target.cleanup();
      }
    });

    it('opens the dialect the config asks for and runs the migrations, logging which ran', async () => {
      assert.equal(database.dialect, kind);
      const migrated = records.find((record) => record.msg.startsWith('database migrated'));
      assert.deepEqual(migrated?.['migrations'], ['001_items', '002_notes']);
      if (kind === 'sqlite') {
        assert.ok(existsSync(join(target.env['DATA_DIR']!, 'storage.sqlite')));
        const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(database.db)).rows[0] as object)[0];
        assert.equal(await pragma('journal_mode'), 'wal');
        assert.equal(await pragma('foreign_keys'), 1);
        assert.equal(await pragma('busy_timeout'), 5000);
        assert.equal(await pragma('synchronous'), 1); // NORMAL
      } else {
        const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db);
        assert.equal(rows[0]?.schema, target.env['DATABASE_SCHEMA']);
      }
      await database.check();
      const check = databaseHealthCheck(database);
      assert.equal(check.name, 'database');
      assert.equal(check.required, true);
      await check.check();
    });

    it('keeps the conventions: text ids, ISO times, JSON text, 0/1 booleans, double precision floats', async () => {
      const row = item('conv', 'first', new Date('2024-05-06T07:08:09.123Z'), 0.1 + 0.2);
      await database.db.insertInto('items').values(row).execute();
      const found = await database.db.selectFrom('items').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
      assert.deepEqual(found, row);
      assert.equal(found.price, 0.1 + 0.2);
      assert.deepEqual(JSON.parse(found.tags), ['a', 'b']);
      assert.equal(new Date(found.created_at).getTime(), Date.parse('2024-05-06T07:08:09.123Z'));
    });

    it('orders by ISO-8601 time text the way the times are ordered', async () => {
      const base = Date.parse('2023-12-31T23:59:59.000Z');
      const offsets = [5_000, 60_000, 0, 86_400_000 * 40, 999];
      for (const [i, offset] of offsets.entries()) await database.db.insertInto('items').values(item('time', `n${i}`, new Date(base + offset))).execute();
      const rows = await database.db.selectFrom('items').select(['name', 'created_at']).where('owner', '=', 'time').orderBy('created_at', 'desc').execute();
      assert.deepEqual(
        rows.map((row) => row.name),
        ['n3', 'n1', 'n0', 'n4', 'n2'],
      );
      const since = await database.db.selectFrom('items').select('name').where('owner', '=', 'time').where('created_at', '>=', new Date(base + 5_000).toISOString()).orderBy('created_at').execute();
      assert.deepEqual(
        since.map((row) => row.name),
        ['n0', 'n1', 'n3'],
      );
    });

    it('counts with countAll and toNumber (PostgreSQL answers counts as strings)', async () => {
      const { n } = await database.db.selectFrom('items').select((eb) => eb.fn.countAll<number | string>().as('n')).where('owner', '=', 'time').executeTakeFirstOrThrow();
      assert.equal(typeof n, kind === 'postgres' ? 'string' : 'number');
      assert.equal(toNumber(n), 5);
    });

    it('detects unique and primary-key violations, and foreign-key violations', async () => {
      const row = item('uniq', 'same', new Date());
      await database.db.insertInto('items').values(row).execute();
      const duplicateName = await database.db.insertInto('items').values(item('uniq', 'same', new Date())).execute().catch((error: unknown) => error);
      assert.ok(isUniqueViolation(duplicateName), `expected a unique violation, got ${String(duplicateName)}`);
      const duplicateId = await database.db.insertInto('items').values({ ...item('uniq', 'other', new Date()), id: row.id }).execute().catch((error: unknown) => error);
      assert.ok(isUniqueViolation(duplicateId), `expected a primary-key violation, got ${String(duplicateId)}`);
      const orphan = await database.db.insertInto('notes').values({ id: randomUUID(), item_id: randomUUID(), body: 'x' }).execute().catch((error: unknown) => error);
      assert.ok(isForeignKeyViolation(orphan), `expected a foreign-key violation, got ${String(orphan)}`);
      assert.equal(isUniqueViolation(orphan), false);
      assert.equal(isUniqueViolation(new Error('other')), false);
    });

    it('upserts with onConflict on both', async () => {
      const row = item('upsert', 'thing', new Date(), 1);
      for (const price of [1, 2, 3]) {
        await database.db
          .insertInto('items')
          .values({ ...row, id: randomUUID(), price })
          .onConflict((oc) => oc.columns(['owner', 'name']).doUpdateSet({ price }))
          .execute();
      }
      const rows = await database.db.selectFrom('items').select('price').where('owner', '=', 'upsert').execute();
      assert.deepEqual(rows, [{ price: 3 }]);
    });

    it('rolls a failed transaction back and commits a good one', async () => {
      const failing = database.db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values(item('trx', 'rolled-back', new Date())).execute();
        throw new Error('boom');
      });
      await assert.rejects(failing, /boom/);
      await database.db.transaction().execute(async (trx) => {
        const parent = item('trx', 'kept', new Date());
        await trx.insertInto('items').values(parent).execute();
        await trx.insertInto('notes').values({ id: randomUUID(), item_id: parent.id, body: 'with its note' }).execute();
      });
      const names = await database.db.selectFrom('items').select('name').where('owner', '=', 'trx').execute();
      assert.deepEqual(names, [{ name: 'kept' }]);
    });

    it('runs concurrent transactions and queries without mixing them up', async () => {
      const work = Array.from({ length: 8 }, (_, i) =>
        database.db.transaction().execute(async (trx) => {
          await trx.insertInto('items').values(item('concurrent', `c${i}`, new Date())).execute();
          if (i % 2) throw new Error(`odd ${i}`);
        }),
      );
      const reads = Array.from({ length: 8 }, () => database.db.selectFrom('items').select('id').execute());
      const settled = await Promise.allSettled([...work, ...reads]);
      assert.equal(settled.filter((result) => result.status === 'rejected').length, 4);
      const names = await database.db.selectFrom('items').select('name').where('owner', '=', 'concurrent').orderBy('name').execute();
      assert.deepEqual(
        names.map((row) => row.name),
        ['c0', 'c2', 'c4', 'c6'],
      );
    });

    it('cascades deletes through foreign keys', async () => {
      const parent = item('cascade', 'parent', new Date());
      await database.db.insertInto('items').values(parent).execute();
      await database.db.insertInto('notes').values({ id: randomUUID(), item_id: parent.id, body: 'child' }).execute();
      await database.db.deleteFrom('items').where('id', '=', parent.id).execute();
      const left = await database.db.selectFrom('notes').select('id').where('item_id', '=', parent.id).execute();
      assert.deepEqual(left, []);
    });

    it('fails clearly on a bad migration, leaves nothing of it, and keeps the data', async () => {
      await database.close();
      const bad: Migrations = {
        '003_bad': {
          async up(db: Kysely<any>) {
            await db.schema.createTable('half_done').addColumn('id', 'text').execute();
            await sql`this is not sql`.execute(db);
          },
        },
      };
      await assert.rejects(open(bad), /Database migration "003_bad" failed: .*syntax error/);
      const reopened = await open();
      try {
        const tables = await reopened.db.introspection.getTables();
        assert.equal(tables.some((table) => table.name === 'half_done'), false, 'the failed migration left a table behind');
      } finally {
        await reopened.close();
      }
      database = await open();
    });

    it('keeps the rows after close and reopen, and does not run migrations twice', async () => {
      const before = await database.db.selectFrom('items').selectAll().orderBy('id').execute();
      assert.ok(before.length > 10);
      await database.close();
      await assert.rejects(database.check());
      records.length = 0;
      database = await open();
      assert.ok(records.some((record) => record.msg === 'database schema up to date'));
      assert.deepEqual(await database.db.selectFrom('items').selectAll().orderBy('id').execute(), before);
    });

    it('runs a migration added later, on the next start', async () => {
      await database.close();
      records.length = 0;
      database = await open({
        '003_items_archived': {
          async up(db: Kysely<any>) {
            await db.schema.alterTable('items').addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0)).execute();
          },
        },
      });
      assert.deepEqual(records.find((record) => record.msg.startsWith('database migrated'))?.['migrations'], ['003_items_archived']);
      const row = await sql<{ archived: number }>`select archived from items limit 1`.execute(database.db);
      assert.equal(row.rows[0]?.archived, 0);
    });
  });
}

describe('database: PostgreSQL down at start', () => {
  it('retries with backoff, logging each attempt, then throws a clear error', async () => {
    const { logger, records } = recordingLogger();
    const config = loadConfigForTest({ DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/app', DATABASE_SCHEMA: 'nowhere' });
    await assert.rejects(
      openDatabase({ service: 'storage', config, migrations, logger, startupTimeoutMs: 1200 }),
      (error: Error) => {
        assert.match(error.message, /^PostgreSQL unreachable after \d+ attempts in 1200 ms .*"port":"1".*ECONNREFUSED/);
        assert.doesNotMatch(error.message, /secret/);
        return true;
      },
    );
    const retries = records.filter((record) => record.msg === 'PostgreSQL unreachable at start, retrying');
    assert.ok(retries.length >= 2, `expected at least 2 retries, got ${retries.length}`);
    assert.ok(retries.every((record) => record['level'] === 'warn' && !JSON.stringify(record).includes('secret')));
  });

  it('gives up on a server that accepts connections but never answers (connection timeout)', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as AddressInfo;
    try {
      const config = loadConfigForTest({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/app` });
      await assert.rejects(openDatabase({ service: 'storage', config, migrations, logger: recordingLogger().logger, startupTimeoutMs: 100 }), /timeout/i);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

describe('toNumber', () => {
  it('reads numbers, numeric strings and bigints, and refuses the rest', () => {
    assert.equal(toNumber(3), 3);
    assert.equal(toNumber('42'), 42);
    assert.equal(toNumber('2.5'), 2.5);
    assert.equal(toNumber(7n), 7);
    for (const bad of [null, undefined, 'abc', Number.NaN, Infinity]) assert.throws(() => toNumber(bad as never), TypeError);
  });
});
