import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { HEADERS } from '@ai-ninja/contracts';
import type { Logger } from '@ai-ninja/observability';
import { AppError } from './errors.js';

/** A response kept for replay: what the first request with a key answered. */
export interface StoredResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  /** Base64 of the body bytes. */
  readonly body: string;
}

/** What {@link IdempotencyStore.begin} finds under a key. */
export type IdempotencyClaim =
  | { readonly state: 'claimed' }
  | { readonly state: 'in-progress' }
  | { readonly state: 'mismatch' }
  | { readonly state: 'completed'; readonly response: StoredResponse };

/** Where idempotency keys and their responses live: in memory, or in Redis shared by the replicas. */
export interface IdempotencyStore {
  /** Claims `key` for a request whose content hashes to `fingerprint`, or says who has it. */
  begin(key: string, fingerprint: string): Promise<IdempotencyClaim>;
  /** Keeps the response for replay. */
  complete(key: string, fingerprint: string, response: StoredResponse): Promise<void>;
  /** Forgets the key, so that a retry runs again (the first attempt failed without a result worth keeping). */
  release(key: string): Promise<void>;
  /** Connects, when there is something to connect to; a store that cannot connect still works, degraded. */
  open(): Promise<void>;
  close(): Promise<void>;
}

/** How long a finished response is replayed, and how long a claim may stay in progress. */
export interface IdempotencyTtl {
  readonly completedMs: number;
  readonly inProgressMs: number;
}

const DEFAULT_TTL: IdempotencyTtl = { completedMs: 24 * 60 * 60 * 1000, inProgressMs: 60_000 };

type Entry = { state: 'in-progress'; fingerprint: string } | { state: 'completed'; fingerprint: string; response: StoredResponse };

function claimOf(entry: Entry, fingerprint: string): IdempotencyClaim {
  if (entry.fingerprint !== fingerprint) return { state: 'mismatch' };
  return entry.state === 'completed' ? { state: 'completed', response: entry.response } : { state: 'in-progress' };
}

/** In-process store, bounded: the oldest keys go first when it is full. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #entries = new Map<string, { entry: Entry; expires: number }>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly ttl: IdempotencyTtl = DEFAULT_TTL,
  ) {}

  async begin(key: string, fingerprint: string): Promise<IdempotencyClaim> {
    const found = this.#entries.get(key);
    if (found && found.expires > Date.now()) return claimOf(found.entry, fingerprint);
    this.#set(key, { state: 'in-progress', fingerprint }, this.ttl.inProgressMs);
    return { state: 'claimed' };
  }

  async complete(key: string, fingerprint: string, response: StoredResponse): Promise<void> {
    this.#set(key, { state: 'completed', fingerprint, response }, this.ttl.completedMs);
  }

  async release(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  open(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.#entries.clear();
  }

  #set(key: string, entry: Entry, ttlMs: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { entry, expires: Date.now() + ttlMs });
    // A Map iterates in insertion order: the first key is the oldest.
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }
}

/**
 * Redis store shared by every replica of a service, so a retry that lands on another replica is still recognised.
 * While Redis is unreachable it falls back to an in-process store (and `degraded` says so), and returns to Redis by
 * itself when it answers again.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly redis: Redis;
  readonly #fallback: MemoryIdempotencyStore;
  #degraded = false;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly ttl: IdempotencyTtl = DEFAULT_TTL,
  ) {
    // ioredis costs ~20 MB of memory once loaded: only services configured with Redis load it.
    const { Redis: RedisClient } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
    // Commands fail at once while disconnected instead of queueing, so a request never waits on a dead Redis.
    this.redis = new RedisClient(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
    this.redis.on('error', () => undefined); // reported through `degraded` and the health check, not as a crash
    this.#fallback = new MemoryIdempotencyStore(10_000, ttl);
  }

  /** True while requests use the in-process fallback. */
  get degraded(): boolean {
    return this.#degraded;
  }

  async begin(key: string, fingerprint: string): Promise<IdempotencyClaim> {
    return this.#withFallback(async () => {
      const entry: Entry = { state: 'in-progress', fingerprint };
      const set = await this.redis.set(this.prefix + key, JSON.stringify(entry), 'PX', this.ttl.inProgressMs, 'NX');
      if (set === 'OK') return { state: 'claimed' } as const;
      const found = await this.redis.get(this.prefix + key);
      return found ? claimOf(JSON.parse(found) as Entry, fingerprint) : { state: 'in-progress' as const };
    }, () => this.#fallback.begin(key, fingerprint));
  }

  async complete(key: string, fingerprint: string, response: StoredResponse): Promise<void> {
    const entry: Entry = { state: 'completed', fingerprint, response };
    await this.#withFallback(
      async () => void (await this.redis.set(this.prefix + key, JSON.stringify(entry), 'PX', this.ttl.completedMs)),
      () => this.#fallback.complete(key, fingerprint, response),
    );
  }

  async release(key: string): Promise<void> {
    await this.#withFallback(
      async () => void (await this.redis.del(this.prefix + key)),
      () => this.#fallback.release(key),
    );
  }

  /**
   * Connects before the service takes traffic, so the first requests do not land in the fallback and miss keys
   * kept in Redis. When Redis does not answer, the service starts anyway (degraded) and ioredis keeps reconnecting.
   */
  async open(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (error) {
      this.#degraded = true;
      this.logger.warn({ err: error }, 'Redis unreachable at start: idempotency keys stay in this process until it answers');
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  async #withFallback<T>(primary: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    try {
      const result = await primary();
      if (this.#degraded) this.logger.info('Redis answers again: idempotency keys are shared across replicas again');
      this.#degraded = false;
      return result;
    } catch (error) {
      if (!this.#degraded) this.logger.warn({ err: error }, 'Redis unreachable: idempotency keys fall back to this process');
      this.#degraded = true;
      return fallback();
    }
  }
}

const KEY = /^[\x21-\x7e]{1,255}$/;
const MAX_STORED_BODY = 1024 * 1024;

/**
 * Server side of idempotent POSTs (and PATCHes): the first request with an `Idempotency-Key` runs and its response is
 * kept; a repeat gets that response again (`Idempotent-Replayed: true`), 409 `IDEMPOTENCY_KEY_IN_USE` while the first
 * still runs, and 422 `IDEMPOTENCY_KEY_REUSED` when the same key comes with a different request. The response is kept
 * even when the client has gone away, so a retry after a cut connection is not applied twice. A 5xx, or a refusal of the
 * moment (401, 403, 409, 429…), is not kept: the key is released and a retry runs again.
 */
export function idempotency(store: IdempotencyStore, logger: Logger): RequestHandler {
  return async (req, res, next) => {
    const key = req.headers[HEADERS.idempotencyKey];
    if ((req.method !== 'POST' && req.method !== 'PATCH') || key === undefined) return next();
    if (typeof key !== 'string' || !KEY.test(key)) {
      return next(new AppError(400, 'IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 1 to 255 visible ASCII characters'));
    }
    const scoped = `${req.method} ${req.path} ${key}`;
    const fingerprint = createHash('sha256').update(JSON.stringify(req.body ?? null)).digest('base64url');
    const claim = await store.begin(scoped, fingerprint);
    if (claim.state === 'in-progress') {
      return next(new AppError(409, 'IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still running', undefined, { 'Retry-After': '1' }));
    }
    if (claim.state === 'mismatch') {
      return next(new AppError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request'));
    }
    if (claim.state === 'completed') {
      const { status, contentType, body } = claim.response;
      res.status(status).set('Idempotent-Replayed', 'true');
      if (contentType) res.type(contentType);
      res.end(Buffer.from(body, 'base64'));
      return;
    }
    captureResponse(res, (captured) => {
      const settle = captured && keepsForReplay(res.statusCode)
        ? store.complete(scoped, fingerprint, { status: res.statusCode, contentType: res.getHeader('content-type')?.toString(), body: captured.toString('base64') })
        : store.release(scoped);
      settle.catch((error: unknown) => logger.error({ err: error }, 'could not record an idempotent response'));
    });
    next();
  };
}

/**
 * Outcomes a retry with the same key gets again: successes, and the refusals the same body always gets. Anything that
 * depends on the moment (credentials, a conflict with the current state, a lock, a rate limit, a server error) is
 * released, so a retry runs again and gets an answer of its own.
 */
const REPLAYED_REFUSALS = new Set([400, 404, 405, 410, 413, 415, 422]);
function keepsForReplay(status: number): boolean {
  return status < 400 || REPLAYED_REFUSALS.has(status);
}

/** Calls `done` with the whole body once the handler ends the response (undefined if it was too big to keep). */
function captureResponse(res: Parameters<RequestHandler>[1], done: (body: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const keep = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    size += buffer.length;
    if (size <= MAX_STORED_BODY) chunks.push(buffer);
  };
  const write = res.write.bind(res);
  const end = res.end.bind(res);
  res.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
    keep(chunk, encoding);
    return write(chunk as never, encoding as never, callback as never);
  }) as typeof res.write;
  res.end = ((chunk?: unknown, encoding?: unknown, callback?: unknown) => {
    keep(chunk, encoding);
    done(size <= MAX_STORED_BODY ? Buffer.concat(chunks) : undefined);
    return end(chunk as never, encoding as never, callback as never);
  }) as typeof res.end;
}
