import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { HealthCheck } from '@ai-ninja/health';
import type { Logger } from '@ai-ninja/observability';

/**
 * A cache of JSON values by group and key, e.g. group = a user id, key = a phone number: `invalidate(group)` drops
 * every value of the group at once. In process by default; in Redis, shared by the replicas, when a URL is given.
 * Values go through JSON in both, so what comes back is a copy (a `Date` comes back as its ISO string).
 */
export interface Cache<T> {
  /** The value, or undefined when absent, expired, or while Redis is unreachable. */
  get(group: string, key: string): Promise<T | undefined>;
  /** Keeps the value for `ttlMs` (default: the cache's). A no-op while Redis is unreachable. */
  set(group: string, key: string, value: T, ttlMs?: number): Promise<void>;
  /** Drops every key of the group. A no-op while Redis is unreachable (the values still expire by their TTL). */
  invalidate(group: string): Promise<void>;
  /** True while Redis is configured but unreachable: reads miss and writes are dropped. */
  readonly degraded: boolean;
  /** Rejects while Redis is unreachable (for an optional health check); always resolves in process. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link createCache}. */
export interface CacheOptions {
  /** Prefix of the Redis keys, e.g. 'smart-whitelist:evaluations'. Unique per kind of value. */
  readonly namespace: string;
  /** `redis://...`: the cache lives in Redis; absent: in this process. */
  readonly redisUrl?: string | undefined;
  /** In-process only: at most this many values across all groups; the least recently used go first. Default 10 000. */
  readonly maxEntries?: number;
  /** How long a value lives unless `set` says otherwise. */
  readonly ttlMs: number;
  readonly logger: Logger;
}

/** Creates the cache: in Redis when `redisUrl` is given, in this process otherwise. */
export function createCache<T>(options: CacheOptions): Cache<T> {
  if (!(options.ttlMs > 0)) throw new RangeError(`Cache ttlMs must be positive, got ${options.ttlMs}`);
  return options.redisUrl ? new RedisCache<T>(options.redisUrl, options) : new MemoryCache<T>(options.maxEntries ?? 10_000, options.ttlMs);
}

/** The optional health check of a cache: a cache down makes the service slower, not unready. */
export function cacheHealthCheck(cache: { check(): Promise<void> }): HealthCheck {
  return { name: 'cache', required: false, componentType: 'datastore', timeoutMs: 1000, check: () => cache.check() };
}

interface MemoryEntry {
  readonly group: string;
  readonly json: string;
  readonly expires: number;
}

/** In-process cache, bounded: a Map iterates in insertion order, and a read moves its entry to the end (LRU). */
export class MemoryCache<T> implements Cache<T> {
  readonly degraded = false;
  readonly #entries = new Map<string, MemoryEntry>();
  readonly #groups = new Map<string, Set<string>>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {
    if (!(maxEntries >= 1)) throw new RangeError(`Cache maxEntries must be at least 1, got ${maxEntries}`);
  }

  /** How many values it holds (expired ones included until they are read or evicted). */
  get size(): number {
    return this.#entries.size;
  }

  async get(group: string, key: string): Promise<T | undefined> {
    const id = entryId(group, key);
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    if (entry.expires <= Date.now()) {
      this.#forget(group, id);
      return undefined;
    }
    this.#entries.set(id, entry);
    return JSON.parse(entry.json) as T;
  }

  async set(group: string, key: string, value: T, ttlMs = this.ttlMs): Promise<void> {
    const id = entryId(group, key);
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError('Cache values must be JSON values (got undefined or a function)');
    this.#entries.delete(id);
    this.#entries.set(id, { group, json, expires: Date.now() + ttlMs });
    let keys = this.#groups.get(group);
    if (!keys) this.#groups.set(group, (keys = new Set()));
    keys.add(id);
    while (this.#entries.size > this.maxEntries) {
      const [oldest, entry] = this.#entries.entries().next().value!;
      this.#entries.delete(oldest);
      this.#forget(entry.group, oldest);
    }
  }

  async invalidate(group: string): Promise<void> {
    for (const id of this.#groups.get(group) ?? []) this.#entries.delete(id);
    this.#groups.delete(group);
  }

  check(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#groups.clear();
  }

  #forget(group: string, id: string): void {
    const keys = this.#groups.get(group);
    keys?.delete(id);
    if (keys?.size === 0) this.#groups.delete(group);
  }
}

function entryId(group: string, key: string): string {
  return `${group.length}:${group}\u0000${key}`;
}

/** What a hash field holds: the value and when it expires (ms since the epoch). */
interface RedisEntry {
  readonly v: unknown;
  readonly e: number;
}

/**
 * Sets one field of a group's hash and makes the hash live at least as long as that field: PEXPIRE only when the
 * hash has no TTL yet or a shorter one (fields with different TTLs share one hash).
 */
const SET_SCRIPT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1`;

type RedisWithScript = Redis & { cacheSet(key: string, field: string, value: string, ttlMs: number): Promise<number> };

/**
 * Redis cache shared by the replicas: one hash per group (`<namespace>:<group>`), one field per key. While Redis is
 * unreachable, reads miss and writes are dropped (never a stale local copy: another replica may have invalidated it),
 * and it comes back by itself when Redis does.
 */
export class RedisCache<T> implements Cache<T> {
  readonly redis: RedisWithScript;
  readonly #namespace: string;
  readonly #ttlMs: number;
  readonly #logger: Logger;
  #degraded = false;
  #closed = false;

  constructor(url: string, options: Pick<CacheOptions, 'namespace' | 'ttlMs' | 'logger'>) {
    this.#namespace = options.namespace;
    this.#ttlMs = options.ttlMs;
    this.#logger = options.logger.child({ component: 'cache', namespace: options.namespace });
    // ioredis costs ~20 MB of memory once loaded: only services configured with Redis load it.
    const { Redis: RedisClient } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
    // Commands fail at once while disconnected instead of queueing, and a hung server costs at most commandTimeout.
    const redis = new RedisClient(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 1000,
      commandTimeout: 1000,
      retryStrategy: (times) => Math.min(times * 100, 2000),
    });
    redis.defineCommand('cacheSet', { numberOfKeys: 1, lua: SET_SCRIPT });
    this.redis = redis as RedisWithScript;
    redis.on('error', (error: Error) => this.#down(error)); // reported through `degraded` and the health check
    redis.on('close', () => this.#down(new Error('connection closed')));
    redis.on('ready', () => this.#up());
    redis.connect().catch((error: unknown) => this.#down(error));
  }

  get degraded(): boolean {
    return this.#degraded;
  }

  async get(group: string, key: string): Promise<T | undefined> {
    if (this.redis.status !== 'ready') return undefined;
    try {
      const raw = await this.redis.hget(this.#key(group), key);
      this.#up();
      if (raw === null) return undefined;
      const entry = JSON.parse(raw) as RedisEntry;
      if (entry.e > Date.now()) return entry.v as T;
      this.redis.hdel(this.#key(group), key).catch(() => undefined);
      return undefined;
    } catch (error) {
      this.#down(error);
      return undefined;
    }
  }

  async set(group: string, key: string, value: T, ttlMs = this.#ttlMs): Promise<void> {
    if (value === undefined || typeof value === 'function') throw new TypeError('Cache values must be JSON values (got undefined or a function)');
    const json = JSON.stringify({ v: value, e: Date.now() + ttlMs } satisfies RedisEntry);
    if (this.redis.status !== 'ready') return;
    try {
      await this.redis.cacheSet(this.#key(group), key, json, Math.ceil(ttlMs));
      this.#up();
    } catch (error) {
      this.#down(error);
    }
  }

  async invalidate(group: string): Promise<void> {
    if (this.redis.status !== 'ready') return;
    try {
      await this.redis.unlink(this.#key(group));
      this.#up();
    } catch (error) {
      this.#down(error);
    }
  }

  async check(): Promise<void> {
    if (this.redis.status !== 'ready') throw new Error(`Redis unreachable (connection ${this.redis.status})`);
    await this.redis.ping();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  #key(group: string): string {
    return `${this.#namespace}:${group}`;
  }

  #down(error: unknown): void {
    if (this.#closed || this.#degraded) return;
    this.#degraded = true;
    this.#logger.warn({ err: error }, 'Redis unreachable: the cache misses and drops writes until it answers (lost invalidations last at most the TTL)');
  }

  #up(): void {
    if (!this.#degraded || this.#closed || this.redis.status !== 'ready') return;
    this.#degraded = false;
    this.#logger.info('Redis answers again: the cache is back');
  }
}
