/** Drivers cost memory once loaded (pg ~8 MB, ioredis ~20 MB): a service loads only what its config asks for. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createCache, openDatabase } from '../src/index.js';
import { loadConfigForTest, recordingLogger } from './helpers.js';

const loaded = (name: string) => Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes(`/node_modules/${name}/`));

describe('drivers load lazily', () => {
  it('a service on SQLite with an in-process cache loads neither pg nor ioredis', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ai-ninja-lazy-'));
    const { logger } = recordingLogger();
    const database = await openDatabase({ service: 'storage', config: loadConfigForTest({ DATA_DIR: dir }), migrations: {}, logger });
    const cache = createCache<string>({ namespace: 'lazy', ttlMs: 1000, logger });
    try {
      await database.check();
      await cache.set('g', 'k', 'v');
      assert.equal(loaded('better-sqlite3'), true);
      assert.equal(loaded('pg'), false, 'pg was loaded by a SQLite service');
      assert.equal(loaded('ioredis'), false, 'ioredis was loaded without a Redis URL');
    } finally {
      await cache.close();
      await database.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
