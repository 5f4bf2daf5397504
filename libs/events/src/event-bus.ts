import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import {
  defineEndpoint,
  EVENT_SCHEMAS,
  EVENT_SUBSCRIPTIONS,
  EventEnvelopeSchema,
  z,
  type EventEnvelope,
  type EventPayload,
  type EventType,
  type ServiceName,
} from '@ai-ninja/contracts';
import { isUniqueViolation, type Database } from '@ai-ninja/data';
import type { Logger } from '@ai-ninja/observability';
import { AppError, type Service } from '@ai-ninja/service-kit';

/** The tables the bus keeps in the service's own database (created when missing, beside the service's migrations). */
interface EventTables {
  event_outbox: {
    id: string;
    destination: string;
    type: string;
    envelope: string;
    attempts: number;
    next_attempt_at: string;
    created_at: string;
    last_error: string | null;
  };
  event_processed: { id: string; type: string; processed_at: string };
}

/** Applies one event; throwing leaves it to be delivered again. */
export type EventHandler<T extends EventType> = (payload: EventPayload<T>, envelope: EventEnvelope) => Promise<void>;

/** Options of {@link createEventBus}. */
export interface EventBusOptions {
  /** The service publishing or consuming: its name, log, health, routes, clients and shutdown. */
  readonly service: Service;
  /** The service's own database: the outbox and the ids of applied events live there. */
  readonly database: Database<unknown>;
  /** Redis Streams when set (default: the service's REDIS_URL); otherwise events are relayed over HTTP. */
  readonly redisUrl?: string | undefined;
  /** How often the relay looks for events to send, ms. Default 500. */
  readonly relayIntervalMs?: number;
  /** Redis: a delivered entry left unacknowledged this long (a consumer died) is taken over, ms. Default 30000. */
  readonly claimIdleMs?: number;
  /** Redis: the stream names' prefix. Default `ai-ninja:events:`. */
  readonly streamPrefix?: string;
  /** An event still undelivered after this long makes the `events` health check `warn`. Default 60000. */
  readonly backlogWarnMs?: number;
}

/** What one delivery to a consumer answered. */
export const EventDeliveryResultSchema = z.object({ status: z.enum(['applied', 'duplicate', 'ignored']) });

/** `POST /internal/events` on a consumer: one event, delivered by the publisher's relay (HTTP transport). */
export function eventDeliveryEndpoint(service: ServiceName) {
  return defineEndpoint({
    service,
    method: 'post',
    path: '/internal/events',
    summary: 'Apply one event (delivered at least once; applied once per id)',
    body: EventEnvelopeSchema,
    response: EventDeliveryResultSchema,
  });
}

const BATCH = 50;
const MAX_BACKOFF_MS = 30_000;

/**
 * Durable events with at-least-once delivery and consumers that apply each event once.
 *
 * `publish` writes the event to an outbox table in the publisher's database (in the caller's transaction when one is
 * given), so an event is never lost between a commit and a crash. A relay then delivers it: to a Redis stream when
 * Redis is configured (consumers read it as one consumer group per service, whatever their replica count), or
 * otherwise over HTTP to each subscribed service's `/internal/events` through the service client. An event whose
 * destination is down stays in the outbox and is retried with backoff, across restarts of either side. Consumers
 * record each applied event's id, so a redelivery is recognised and not applied twice.
 */
export class EventBus {
  readonly #service: Service;
  readonly #db: Kysely<EventTables>;
  readonly #logger: Logger;
  readonly #options: Required<Pick<EventBusOptions, 'relayIntervalMs' | 'claimIdleMs' | 'streamPrefix' | 'backlogWarnMs'>>;
  readonly #redisUrl: string | undefined;
  readonly #handlers = new Map<EventType, EventHandler<never>>();
  readonly #consumer = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  #publisher: Redis | undefined;
  #readers: Redis[] = [];
  #relayTimer: NodeJS.Timeout | undefined;
  #relaying: Promise<void> | undefined;
  #closed = false;
  #started = false;
  #consumerError: string | undefined;

  constructor(options: EventBusOptions) {
    this.#service = options.service;
    this.#db = options.database.db as Kysely<EventTables>;
    this.#logger = options.service.logger.child({ component: 'events' });
    this.#redisUrl = options.redisUrl ?? options.service.config.REDIS_URL;
    this.#options = {
      relayIntervalMs: options.relayIntervalMs ?? 500,
      claimIdleMs: options.claimIdleMs ?? 30_000,
      streamPrefix: options.streamPrefix ?? 'ai-ninja:events:',
      backlogWarnMs: options.backlogWarnMs ?? 60_000,
    };
  }

  /** `redis` or `http`: how events travel from this service. */
  get transport(): 'redis' | 'http' {
    return this.#redisUrl ? 'redis' : 'http';
  }

  /**
   * Keeps an event for delivery and returns its id. Pass `db` (a transaction) to commit the event with the change it
   * announces; `id` makes publishing itself idempotent (the same id is kept once).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a transaction of any service's database
  async publish<T extends EventType>(type: T, payload: EventPayload<T>, options: { id?: string; db?: Kysely<any> } = {}): Promise<string> {
    const envelope: EventEnvelope = {
      id: options.id ?? randomUUID(),
      type,
      payload: EVENT_SCHEMAS[type].parse(payload),
      publishedAt: new Date().toISOString(),
      source: this.#service.name,
    };
    const destinations = this.transport === 'redis' ? ['redis'] : EVENT_SUBSCRIPTIONS[type];
    const now = envelope.publishedAt;
    const db = (options.db as Kysely<EventTables> | undefined) ?? this.#db;
    for (const destination of destinations) {
      try {
        await db
          .insertInto('event_outbox')
          .values({ id: envelope.id, destination, type, envelope: JSON.stringify(envelope), attempts: 0, next_attempt_at: now, created_at: now, last_error: null })
          .execute();
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
    }
    this.#logger.debug({ event: envelope.id, type, destinations }, 'event kept for delivery');
    if (!options.db) this.#nudge();
    return envelope.id;
  }

  /** Applies `type` events with `handler` (call before {@link start}); this service must be listed in EVENT_SUBSCRIPTIONS. */
  subscribe<T extends EventType>(type: T, handler: EventHandler<T>): void {
    if (!EVENT_SUBSCRIPTIONS[type].includes(this.#service.name)) {
      throw new Error(`${this.#service.name} is not a subscriber of ${type} in EVENT_SUBSCRIPTIONS (libs/contracts)`);
    }
    this.#handlers.set(type, handler as EventHandler<never>);
  }

  /** Events kept in the outbox and not yet delivered. */
  async pending(): Promise<number> {
    const row = await this.#db.selectFrom('event_outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Creates the tables, mounts the delivery route, and starts the relay and (with Redis) the consumers. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#createTables();
    this.#mountDeliveryRoute();
    this.#service.health.register({ name: 'events', required: false, check: () => this.#check() });
    this.#service.onShutdown('event bus', () => this.close());
    if (this.#redisUrl) {
      this.#publisher = this.#redis('publisher');
      for (const type of this.#handlers.keys()) void this.#consume(type);
    }
    this.#scheduleRelay(0);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#relayTimer);
    await this.#relaying;
    this.#publisher?.disconnect();
    for (const reader of this.#readers) reader.disconnect();
  }

  async #createTables(): Promise<void> {
    try {
      await this.#createTablesOnce();
    } catch (error) {
      // Two replicas creating the tables at the same moment: PostgreSQL's IF NOT EXISTS is not atomic, and the loser
      // gets a unique violation on its catalog. The tables exist by then; the second pass finds them.
      if (!isUniqueViolation(error)) throw error;
      await this.#createTablesOnce();
    }
  }

  async #createTablesOnce(): Promise<void> {
    await this.#db.schema
      .createTable('event_outbox')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('destination', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('envelope', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addPrimaryKeyConstraint('event_outbox_pk', ['id', 'destination'])
      .execute();
    await this.#db.schema
      .createTable('event_processed')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('processed_at', 'text', (c) => c.notNull())
      .execute();
  }

  #mountDeliveryRoute(): void {
    if (!Object.values(EVENT_SUBSCRIPTIONS).some((subscribers) => subscribers.includes(this.#service.name))) return;
    const endpoint = eventDeliveryEndpoint(this.#service.name);
    this.#service.route({
      method: endpoint.method,
      path: endpoint.path,
      summary: endpoint.summary,
      tags: ['events'],
      auth: 'service',
      request: { body: endpoint.body },
      responses: { 200: { description: 'Applied now, applied before, or not an event this service applies', schema: endpoint.response } },
      handler: async ({ body }) => ({ status: 200, body: { status: await this.#apply(body) } }),
    });
  }

  /** Applies one delivered event once: its id is recorded after the handler succeeds. */
  async #apply(envelope: EventEnvelope): Promise<'applied' | 'duplicate' | 'ignored'> {
    const handler = this.#handlers.get(envelope.type);
    if (!handler) return 'ignored';
    const parsed = EVENT_SCHEMAS[envelope.type].safeParse(envelope.payload);
    if (!parsed.success) {
      // A payload that will never fit would be redelivered forever: reject it loudly once.
      this.#logger.error({ event: envelope.id, type: envelope.type, issues: parsed.error.issues }, 'event payload does not match its schema: dropped');
      throw new AppError(422, 'EVENT_PAYLOAD_INVALID', `The ${envelope.type} payload does not match its schema`, { issues: parsed.error.issues });
    }
    const seen = await this.#db.selectFrom('event_processed').select('id').where('id', '=', envelope.id).executeTakeFirst();
    if (seen) return 'duplicate';
    try {
      await (handler as EventHandler<EventType>)(parsed.data as never, envelope);
    } catch (error) {
      this.#logger.warn({ err: error, event: envelope.id, type: envelope.type }, 'event handler failed: the event will be delivered again');
      throw new AppError(503, 'EVENT_HANDLER_FAILED', `Applying ${envelope.type} ${envelope.id} failed; deliver it again later`);
    }
    try {
      await this.#db.insertInto('event_processed').values({ id: envelope.id, type: envelope.type, processed_at: new Date().toISOString() }).execute();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    this.#logger.info({ event: envelope.id, type: envelope.type, source: envelope.source }, 'event applied');
    return 'applied';
  }

  #nudge(): void {
    if (this.#started && !this.#relaying) this.#scheduleRelay(0);
  }

  #scheduleRelay(delayMs: number): void {
    if (this.#closed) return;
    clearTimeout(this.#relayTimer);
    this.#relayTimer = setTimeout(() => {
      this.#relaying = this.#relay()
        .catch((error: unknown) => this.#logger.warn({ err: error }, 'event relay pass failed'))
        .finally(() => {
          this.#relaying = undefined;
          this.#scheduleRelay(this.#options.relayIntervalMs);
        });
    }, delayMs);
    this.#relayTimer.unref();
  }

  /** One pass over the outbox: every event due is sent; a failure is retried later with backoff. */
  async #relay(): Promise<void> {
    const due = await this.#db
      .selectFrom('event_outbox')
      .selectAll()
      .where('next_attempt_at', '<=', new Date().toISOString())
      .orderBy('created_at')
      .limit(BATCH)
      .execute();
    for (const row of due) {
      if (this.#closed) return;
      try {
        await this.#deliver(row.destination, JSON.parse(row.envelope) as EventEnvelope);
        await this.#db.deleteFrom('event_outbox').where('id', '=', row.id).where('destination', '=', row.destination).execute();
        if (row.attempts > 0) this.#logger.info({ event: row.id, type: row.type, destination: row.destination, attempts: row.attempts + 1 }, 'event delivered after retries');
      } catch (error) {
        const attempts = row.attempts + 1;
        const backoff = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(attempts, 10)) * (0.5 + Math.random() / 2);
        const message = error instanceof Error ? error.message : String(error);
        await this.#db
          .updateTable('event_outbox')
          .set({ attempts, next_attempt_at: new Date(Date.now() + backoff).toISOString(), last_error: message.slice(0, 500) })
          .where('id', '=', row.id)
          .where('destination', '=', row.destination)
          .execute();
        if (attempts === 1 || attempts % 10 === 0) {
          this.#logger.warn({ event: row.id, type: row.type, destination: row.destination, attempts, err: error }, 'event not delivered yet: kept and retried');
        }
      }
    }
  }

  async #deliver(destination: string, envelope: EventEnvelope): Promise<void> {
    if (destination === 'redis') {
      if (!this.#publisher) throw new Error('this event waits for Redis, and REDIS_URL is not set');
      await this.#publisher.xadd(this.#options.streamPrefix + envelope.type, 'MAXLEN', '~', '100000', '*', 'envelope', JSON.stringify(envelope));
      return;
    }
    const endpoint = eventDeliveryEndpoint(destination as ServiceName);
    await this.#client().call(endpoint, { body: envelope }, { idempotencyKey: `event-${envelope.id}`, retries: 0, timeout: 10_000 });
  }

  #clientInstance: ReturnType<Service['createClient']> | undefined;
  #client(): ReturnType<Service['createClient']> {
    // No retries inside a delivery: the outbox is the retry, with its own backoff.
    this.#clientInstance ??= this.#service.createClient({ retries: 0 });
    return this.#clientInstance;
  }

  /** Redis: reads `type` as this service's consumer group; entries a dead consumer left are taken over after claimIdleMs. */
  async #consume(type: EventType): Promise<void> {
    const reader = this.#redis(`reader ${type}`, true);
    this.#readers.push(reader);
    const stream = this.#options.streamPrefix + type;
    const group = this.#service.name;
    let groupReady = false;
    let failures = 0;
    while (!this.#closed) {
      try {
        if (!groupReady) {
          // From the stream's beginning: events published before this service first started are applied too.
          await reader.xgroup('CREATE', stream, group, '0', 'MKSTREAM').catch((error: Error) => {
            if (!error.message.includes('BUSYGROUP')) throw error;
          });
          groupReady = true;
        }
        const claimed = (await reader.xautoclaim(stream, group, this.#consumer, this.#options.claimIdleMs, '0-0', 'COUNT', 20)) as [string, Array<[string, string[]]>];
        const entries = claimed[1].length > 0 ? claimed[1] : await this.#read(reader, stream, group);
        for (const [entryId, fields] of entries) await this.#applyEntry(reader, stream, group, entryId, fields);
        if (failures > 0) this.#logger.info({ type }, 'reading events from Redis again');
        failures = 0;
        this.#consumerError = undefined;
      } catch (error) {
        if (this.#closed) return;
        failures += 1;
        groupReady = false;
        this.#consumerError = error instanceof Error ? error.message : String(error);
        if (failures === 1) this.#logger.warn({ err: error, type }, 'cannot read events from Redis: retrying');
        await sleep(Math.min(5000, 100 * 2 ** failures));
      }
    }
  }

  async #read(reader: Redis, stream: string, group: string): Promise<Array<[string, string[]]>> {
    const result = (await reader.xreadgroup('GROUP', group, this.#consumer, 'COUNT', 20, 'BLOCK', 1000, 'STREAMS', stream, '>')) as Array<[string, Array<[string, string[]]>]> | null;
    return result?.[0]?.[1] ?? [];
  }

  async #applyEntry(reader: Redis, stream: string, group: string, entryId: string, fields: string[]): Promise<void> {
    const raw = fields[fields.indexOf('envelope') + 1];
    const envelope = EventEnvelopeSchema.safeParse(raw ? JSON.parse(raw) : undefined);
    if (!envelope.success) {
      this.#logger.error({ entryId, stream }, 'stream entry is not an event envelope: acknowledged and dropped');
      await reader.xack(stream, group, entryId);
      return;
    }
    try {
      await this.#apply(envelope.data);
    } catch (error) {
      // Left pending: taken over and delivered again after claimIdleMs, unless it can never apply.
      if (!(error instanceof AppError && error.status === 422)) return;
    }
    await reader.xack(stream, group, entryId);
  }

  #redis(role: string, blocking = false): Redis {
    const { Redis: RedisClient } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
    const redis = new RedisClient(this.#redisUrl!, {
      connectTimeout: 2000,
      // The publisher fails fast while Redis is away (the outbox keeps the event); a blocking reader waits its turn.
      enableOfflineQueue: blocking,
      maxRetriesPerRequest: blocking ? null : 1,
      connectionName: `${this.#service.name}:events:${role}`,
    });
    redis.on('error', () => undefined); // reported by the relay, the consumers and the health check
    return redis;
  }

  async #check(): Promise<void> {
    const oldest = await this.#db.selectFrom('event_outbox').select(['created_at', 'last_error', 'destination']).orderBy('created_at').limit(1).executeTakeFirst();
    if (oldest && Date.now() - Date.parse(oldest.created_at) > this.#options.backlogWarnMs) {
      throw new Error(`events undelivered since ${oldest.created_at} (to ${oldest.destination}: ${oldest.last_error ?? 'not tried yet'})`);
    }
    if (this.#consumerError) throw new Error(`reading events from Redis fails: ${this.#consumerError}`);
  }
}

/** Makes an event bus for a service; call `subscribe` for what it applies, then `start`. */
export function createEventBus(options: EventBusOptions): EventBus {
  return new EventBus(options);
}
