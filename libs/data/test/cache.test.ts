import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheHealthCheck, createCache, MemoryCache, RedisCache, type Cache } from '../src/index.js';
import { eventually, PrivateRedis, recordingLogger } from './helpers.js';

const SHARED_REDIS = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

interface Evaluation {
  readonly verdict: string;
  readonly score: number;
  readonly at?: unknown;
}

/** What both implementations must do alike. */
function describeCacheBehaviour(kind: string, make: (ttlMs: number) => Cache<Evaluation>): void {
  describe(`cache in ${kind}`, () => {
    let cache: Cache<Evaluation>;
    before(() => {
      cache = make(60_000);
    });
    after(() => cache.close());

    it('misses, then answers what was set, per group and key', async () => {
      if (cache instanceof RedisCache) await eventually(() => cache.check());
      assert.equal(await cache.get('user-1', '+4915112345678'), undefined);
      await cache.set('user-1', '+4915112345678', { verdict: 'block', score: 0.93 });
      await cache.set('user-2', '+4915112345678', { verdict: 'allow', score: 0.1 });
      assert.deepEqual(await cache.get('user-1', '+4915112345678'), { verdict: 'block', score: 0.93 });
      assert.deepEqual(await cache.get('user-2', '+4915112345678'), { verdict: 'allow', score: 0.1 });
      assert.equal(await cache.get('user-1', '+49000'), undefined);
      assert.equal(cache.degraded, false);
      await cache.check();
    });

    it('gives back a JSON copy: mutating it changes nothing, a Date comes back as its ISO string', async () => {
      const at = new Date('2024-01-02T03:04:05.678Z');
      await cache.set('copy', 'k', { verdict: 'allow', score: 1, at });
      const first = (await cache.get('copy', 'k')) as { verdict: string };
      first.verdict = 'changed';
      assert.deepEqual(await cache.get('copy', 'k'), { verdict: 'allow', score: 1, at: at.toISOString() });
    });

    it('invalidates a whole group and nothing else', async () => {
      for (const key of ['a', 'b', 'c']) await cache.set('group-x', key, { verdict: key, score: 1 });
      await cache.set('group-y', 'a', { verdict: 'y', score: 2 });
      await cache.invalidate('group-x');
      for (const key of ['a', 'b', 'c']) assert.equal(await cache.get('group-x', key), undefined);
      assert.deepEqual(await cache.get('group-y', 'a'), { verdict: 'y', score: 2 });
      await cache.invalidate('never-used');
    });

    it('expires each entry after its own TTL', async () => {
      await cache.set('ttl', 'short', { verdict: 'short', score: 0 }, 30);
      await cache.set('ttl', 'long', { verdict: 'long', score: 0 });
      await sleep(80);
      assert.equal(await cache.get('ttl', 'short'), undefined);
      assert.deepEqual(await cache.get('ttl', 'long'), { verdict: 'long', score: 0 });
    });

    it('refuses undefined as a value', async () => {
      await assert.rejects(cache.set('bad', 'k', undefined as unknown as Evaluation), TypeError);
    });

    it('is an optional health check named cache', async () => {
      const check = cacheHealthCheck(cache);
      assert.equal(check.name, 'cache');
      assert.equal(check.required, false);
      await check.check();
    });
  });
}

describeCacheBehaviour('memory', (ttlMs) => createCache<Evaluation>({ namespace: 'test', ttlMs, logger: recordingLogger().logger }));

const namespace = `test-data-${randomBytes(6).toString('hex')}`;
describeCacheBehaviour('Redis', (ttlMs) => createCache<Evaluation>({ namespace, redisUrl: SHARED_REDIS, ttlMs, logger: recordingLogger().logger }));

describe('memory cache bounds', () => {
  it('holds at most maxEntries across groups, dropping the least recently used', async () => {
    const cache = createCache<number>({ namespace: 'bound', maxEntries: 3, ttlMs: 60_000, logger: recordingLogger().logger });
    assert.ok(cache instanceof MemoryCache);
    await cache.set('g1', 'a', 1);
    await cache.set('g2', 'b', 2);
    await cache.set('g1', 'c', 3);
    assert.equal(await cache.get('g1', 'a'), 1); // now the most recently used: b is the oldest
    await cache.set('g3', 'd', 4);
    assert.equal(cache.size, 3);
    assert.equal(await cache.get('g2', 'b'), undefined);
    assert.equal(await cache.get('g1', 'a'), 1);
    assert.equal(await cache.get('g1', 'c'), 3);
    assert.equal(await cache.get('g3', 'd'), 4);
    await cache.invalidate('g1');
    assert.equal(cache.size, 1);
  });

  it('does not confuse groups and keys that concatenate alike', async () => {
    const cache = createCache<string>({ namespace: 'ids', ttlMs: 60_000, logger: recordingLogger().logger });
    await cache.set('a:b', 'c', 'first');
    await cache.set('a', 'b:c', 'second');
    assert.equal(await cache.get('a:b', 'c'), 'first');
    assert.equal(await cache.get('a', 'b:c'), 'second');
  });
});

describe('Redis cache details', () => {
  const logger = recordingLogger().logger;
  let one: RedisCache<string>;
  let two: RedisCache<string>;
  before(async () => {
    one = createCache<string>({ namespace, redisUrl: SHARED_REDIS, ttlMs: 60_000, logger }) as RedisCache<string>;
    two = createCache<string>({ namespace, redisUrl: SHARED_REDIS, ttlMs: 60_000, logger }) as RedisCache<string>;
    await eventually(() => Promise.all([one.check(), two.check()]));
  });
  after(async () => {
    const keys = await one.redis.keys(`${namespace}:*`);
    if (keys.length) await one.redis.del(...keys);
    await one.close();
    await two.close();
  });

  it('shares values and invalidations between replicas', async () => {
    await one.set('shared', 'k', 'from one');
    assert.equal(await two.get('shared', 'k'), 'from one');
    await two.invalidate('shared');
    assert.equal(await one.get('shared', 'k'), undefined);
  });

  it('keeps a group in one hash whose TTL covers its longest-lived field', async () => {
    await one.set('hash', 'long', 'l', 60_000);
    await one.set('hash', 'short', 's', 5_000);
    const key = `${namespace}:hash`;
    assert.deepEqual((await one.redis.hkeys(key)).sort(), ['long', 'short']);
    const ttl = await one.redis.pttl(key);
    assert.ok(ttl > 5_000 && ttl <= 60_000, `hash TTL ${ttl} should follow the longest field`);
    const stored = JSON.parse((await one.redis.hget(key, 'long'))!) as { v: unknown; e: number };
    assert.equal(stored.v, 'l');
    assert.ok(stored.e > Date.now());
  });

  it('drops an expired field when it is read', async () => {
    await one.set('lazy', 'gone', 'x', 20);
    await sleep(60);
    assert.equal(await one.get('lazy', 'gone'), undefined);
    await eventually(async () => assert.equal(await one.redis.hexists(`${namespace}:lazy`, 'gone'), 0));
  });
});

describe('Redis cache with Redis down', () => {
  it('answers misses and drops writes without throwing, degraded, warning once', async () => {
    const { logger, records } = recordingLogger();
    const cache = createCache<string>({ namespace: 'down', redisUrl: 'redis://127.0.0.1:1', ttlMs: 60_000, logger });
    try {
      await eventually(async () => assert.equal(cache.degraded, true));
      for (let i = 0; i < 20; i++) {
        await cache.set('g', `k${i}`, 'v');
        assert.equal(await cache.get('g', `k${i}`), undefined);
        await cache.invalidate('g');
      }
      await assert.rejects(cache.check(), /Redis unreachable/);
      await assert.rejects(cacheHealthCheck(cache).check());
      await sleep(300); // let ioredis try to reconnect a few times
      const warnings = records.filter((record) => record.level === 'warn');
      assert.equal(warnings.length, 1, `one warning per outage, got ${warnings.length}`);
      assert.match(warnings[0]!.msg, /Redis unreachable/);
    } finally {
      await cache.close();
    }
  });
});

describe('Redis cache through an outage, on a private redis-server', () => {
  let server: PrivateRedis;
  before(async () => {
    server = await PrivateRedis.create();
  });
  after(() => server?.stop());

  it('misses while Redis is away, never serves what it had, and comes back by itself', async () => {
    const { logger, records } = recordingLogger();
    const cache = createCache<string>({ namespace: 'outage', redisUrl: server.url, ttlMs: 60_000, logger });
    try {
      await eventually(() => cache.check());
      await cache.set('g', 'k', 'before');
      assert.equal(await cache.get('g', 'k'), 'before');

      await server.stop();
      await eventually(async () => assert.equal(cache.degraded, true));
      assert.equal(await cache.get('g', 'k'), undefined, 'a value from before the outage must not be served from a local copy');
      await cache.set('g', 'k2', 'during');
      await assert.rejects(cache.check());

      await server.start(); // empty: the private server keeps nothing on disk
      await eventually(() => cache.check());
      assert.equal(cache.degraded, false);
      assert.equal(await cache.get('g', 'k2'), undefined, 'a write during the outage was dropped');
      await cache.set('g', 'k', 'after');
      assert.equal(await cache.get('g', 'k'), 'after');
      assert.deepEqual(
        records.filter((record) => record.level !== 'debug').map((record) => [record.level, record.msg.split(':')[0]]),
        [
          ['warn', 'Redis unreachable'],
          ['info', 'Redis answers again'],
        ],
      );
    } finally {
      await cache.close();
    }
  });
});
