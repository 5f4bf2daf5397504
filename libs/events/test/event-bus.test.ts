import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallCompletedEvent, EventEnvelope, ServiceName } from '@ai-ninja/contracts';
import { databaseConfigShape, openDatabase, type Database } from '@ai-ninja/data';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '@ai-ninja/data/testing';
import { createService, serviceConfigSchema, type Service } from '@ai-ninja/service-kit';
import type { RunningService } from '@ai-ninja/service-kit';
import { createTestAuth, testConfig, type TestAuth } from '@ai-ninja/service-kit/testing';
import { createEventBus, type EventBus } from '../src/index.js';

const completed = (callId: string): CallCompletedEvent => ({
  callId,
  userId: 'u1',
  from: '+14155550100',
  to: '+14155550199',
  decision: 'ai_answer',
  outcome: 'ai_answered',
  turns: [{ speaker: 'caller', text: 'we have a great loan offer', at: new Date().toISOString() }],
  durationMs: 42_000,
  at: new Date().toISOString(),
});

/** One side of the exchange: a service with its own database and event bus. */
class Node {
  service!: Service;
  database!: Database<unknown>;
  bus!: EventBus;
  running: RunningService | undefined;
  readonly applied: EventEnvelope[] = [];
  failNext = 0;

  constructor(
    readonly name: ServiceName,
    readonly db: TestDatabase,
    readonly env: Record<string, string>,
  ) {}

  async start(port = 0, options: { subscribe?: boolean; redisUrl?: string; streamPrefix?: string } = {}): Promise<this> {
    const schema = serviceConfigSchema(this.name).extend(databaseConfigShape);
    const config = testConfig(schema, { ...this.env, ...this.db.env });
    this.service = createService({ name: this.name, version: 'test', config });
    this.database = await openDatabase({ service: this.name, config, migrations: {}, logger: this.service.logger });
    this.bus = createEventBus({ service: this.service, database: this.database, relayIntervalMs: 50, claimIdleMs: 300, backlogWarnMs: 200, redisUrl: options.redisUrl, streamPrefix: options.streamPrefix });
    if (options.subscribe) {
      this.bus.subscribe('call.completed', async (_payload, envelope) => {
        if (this.failNext > 0) {
          this.failNext -= 1;
          throw new Error('not today');
        }
        this.applied.push(envelope);
      });
    }
    await this.bus.start();
    this.running = await this.service.listen({ port });
    return this;
  }

  async stop(): Promise<void> {
    await this.running?.close();
    await this.database.close();
    this.running = undefined;
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

for (const kind of DATABASE_KINDS) {
  describe(`events over HTTP (embedded transport, ${kind})`, () => {
    let auth: TestAuth;
    const dbs: TestDatabase[] = [];
    const nodes: Node[] = [];
    before(async () => {
      auth = await createTestAuth();
    });
    after(async () => {
      for (const node of nodes) if (node.running) await node.stop();
      for (const db of dbs) await db.cleanup();
    });

    it('keeps an event published while its consumer is down, across a restart of the publisher, and applies it once when the consumer returns', async () => {
      const consumerDb = await testDatabase(kind);
      const publisherDb = await testDatabase(kind);
      dbs.push(consumerDb, publisherDb);
      // The consumer's address is known before it runs: take a free port, then leave it closed.
      const probe = await new Node('profile-analytics', consumerDb, auth.env).start();
      const consumerUrl = probe.running!.url;
      const consumerPort = Number(new URL(consumerUrl).port);
      await probe.stop();

      const env = { ...auth.env, PROFILE_SERVICE_URL: consumerUrl, WHITELIST_SERVICE_URL: 'http://127.0.0.1:1' };
      const publisher = await new Node('phone-gateway', publisherDb, env).start();
      nodes.push(publisher);
      const id = await publisher.bus.publish('call.completed', completed('call-1'));
      await sleep(300);
      assert.equal(await publisher.bus.pending(), 2, 'one delivery per subscriber (profile-analytics, smart-whitelist), both waiting');

      await publisher.stop();
      const restarted = await new Node('phone-gateway', publisherDb, env).start();
      nodes.push(restarted);
      const consumer = await new Node('profile-analytics', consumerDb, auth.env).start(consumerPort, { subscribe: true });
      nodes.push(consumer);
      consumer.failNext = 1; // the first delivery fails in the handler: delivered again later

      await until(() => consumer.applied.length === 1, 'the event to be applied');
      assert.equal(consumer.applied[0]!.id, id);
      assert.equal(consumer.applied[0]!.source, 'phone-gateway');
      await until(async () => (await restarted.bus.pending()) === 1, 'the delivery to profile-analytics to leave the outbox');

      // A redelivery of the same event (a lost acknowledgement) is recognised.
      const again = await fetch(`${consumer.running!.url}/internal/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth.bearer(auth.serviceToken('phone-gateway')) },
        body: JSON.stringify(consumer.applied[0]),
      });
      assert.deepEqual(await again.json(), { status: 'duplicate' });
      assert.equal(consumer.applied.length, 1);
    });

    it('refuses deliveries from outside the system, and payloads that do not fit', async () => {
      const db = await testDatabase(kind);
      dbs.push(db);
      const consumer = await new Node('smart-whitelist', db, auth.env).start(0, { subscribe: true });
      nodes.push(consumer);
      const envelope = { id: 'e1', type: 'call.completed', payload: completed('c'), publishedAt: new Date().toISOString(), source: 'x' };
      const post = (body: unknown, headers: Record<string, string>) =>
        fetch(`${consumer.running!.url}/internal/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      assert.equal((await post(envelope, {})).status, 401);
      assert.equal((await post(envelope, auth.bearer(await auth.userToken('u1')))).status, 403);
      assert.equal((await post({ ...envelope, payload: { callId: 1 } }, auth.bearer(auth.serviceToken('phone-gateway')))).status, 422);
      assert.equal(consumer.applied.length, 0);
    });
  });
}

describe('events over Redis Streams', () => {
  let auth: TestAuth;
  const dbs: TestDatabase[] = [];
  const nodes: Node[] = [];
  const redisUrl = 'redis://127.0.0.1:6379';
  const streamPrefix = `test:${randomUUID()}:`;
  before(async () => {
    auth = await createTestAuth();
  });
  after(async () => {
    for (const node of nodes) if (node.running) await node.stop();
    for (const db of dbs) await db.cleanup();
  });

  it('delivers to one consumer group per service, events published before the consumer first started included, each applied once', async () => {
    const [p, c1, c2] = [await testDatabase('sqlite'), await testDatabase('sqlite'), await testDatabase('sqlite')];
    dbs.push(p, c1, c2);
    const publisher = await new Node('phone-gateway', p, auth.env).start(0, { redisUrl, streamPrefix });
    nodes.push(publisher);
    const early = await publisher.bus.publish('call.completed', completed('early'));
    await until(async () => (await publisher.bus.pending()) === 0, 'the relay to move the event to the stream');

    // Two replicas of profile-analytics sharing one database: one group, so each event is applied by one of them.
    const replicaA = await new Node('profile-analytics', c1, auth.env).start(0, { subscribe: true, redisUrl, streamPrefix });
    const replicaB = await new Node('profile-analytics', c1, auth.env).start(0, { subscribe: true, redisUrl, streamPrefix });
    const whitelist = await new Node('smart-whitelist', c2, auth.env).start(0, { subscribe: true, redisUrl, streamPrefix });
    nodes.push(replicaA, replicaB, whitelist);
    const ids = [early];
    for (let i = 0; i < 10; i += 1) ids.push(await publisher.bus.publish('call.completed', completed(`call-${i}`)));

    const profileApplied = () => [...replicaA.applied, ...replicaB.applied].map((e) => e.id);
    await until(() => profileApplied().length === ids.length && whitelist.applied.length === ids.length, 'every event applied by each service');
    await sleep(200);
    assert.deepEqual(profileApplied().sort(), [...ids].sort(), 'each event applied once by the profile-analytics group');
    assert.deepEqual(whitelist.applied.map((e) => e.id).sort(), [...ids].sort());
  });

  it('delivers again an event whose handler failed, after the claim timeout', async () => {
    const [p, c] = [await testDatabase('sqlite'), await testDatabase('sqlite')];
    dbs.push(p, c);
    const publisher = await new Node('phone-gateway', p, auth.env).start(0, { redisUrl, streamPrefix: `${streamPrefix}retry:` });
    const consumer = await new Node('smart-whitelist', c, auth.env).start(0, { subscribe: true, redisUrl, streamPrefix: `${streamPrefix}retry:` });
    nodes.push(publisher, consumer);
    consumer.failNext = 1;
    const id = await publisher.bus.publish('call.completed', completed('flaky'));
    await until(() => consumer.applied.length === 1, 'the event to be applied after a failure');
    assert.equal(consumer.applied[0]!.id, id);
  });

  it('keeps events in the outbox while Redis is unreachable, and says so in health', async () => {
    const p = await testDatabase('sqlite');
    dbs.push(p);
    const publisher = await new Node('phone-gateway', p, auth.env).start(0, { redisUrl: 'redis://127.0.0.1:1', streamPrefix });
    nodes.push(publisher);
    await publisher.bus.publish('call.completed', completed('kept'));
    await sleep(400);
    assert.equal(await publisher.bus.pending(), 1);
    const health = (await (await fetch(`${publisher.running!.url}/health/ready`)).json()) as { status: string; checks: Record<string, Array<{ status: string; output?: string }>> };
    assert.equal(health.status, 'warn', 'still ready: the outbox keeps the events');
    assert.match(JSON.stringify(health.checks), /events undelivered since/);
  });
});
