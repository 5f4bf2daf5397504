import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { defineEndpoint, z } from '@ai-ninja/contracts';
import { createService, serviceConfigSchema, type RunningService } from '../src/index.js';
import { expectErrorEnvelope, testConfig } from '../src/testing.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A storage-like service whose POST /api/v1/things commits (counts) at once and answers after `answerAfterMs`. */
function thingsService(overrides: Record<string, string> = {}, answerAfterMs = 0) {
  const service = createService({ name: 'storage', version: 'test', config: testConfig(serviceConfigSchema('storage'), overrides) });
  const committed: string[] = [];
  service.route({
    method: 'post',
    auth: 'public',
    path: '/api/v1/things',
    summary: 'Create a thing',
    request: { body: z.object({ name: z.string() }) },
    responses: { 201: { description: 'Created' } },
    handler: async ({ body }) => {
      committed.push(body.name);
      if (answerAfterMs) await delay(answerAfterMs);
      if (body.name === 'explode') return { status: 500, body: { error: { code: 'BOOM', message: 'boom' } } };
      if (body.name === 'busy') return { status: 409, body: { error: { code: 'BUSY', message: 'changed meanwhile' } } };
      return { status: 201, body: { id: `thing-${committed.length}`, name: body.name } };
    },
  });
  return { service, committed };
}

const post = (url: string, body: unknown, key?: string) =>
  fetch(`${url}/api/v1/things`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  });

async function redisAvailable(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

for (const store of ['memory', 'redis'] as const) {
  describe(`idempotency keys (${store} store)`, async () => {
    const reachable = store === 'memory' || (await redisAvailable());
    const skip = !reachable && !process.env.CI ? `Redis is not reachable at ${REDIS_URL}` : false;
    const overrides: Record<string, string> = store === 'redis' ? { REDIS_URL } : {};
    let running: RunningService;
    let committed: string[];

    before(async () => {
      if (skip) return;
      const built = thingsService(overrides);
      committed = built.committed;
      running = await built.service.listen();
    });
    after(() => running?.close());

    it('replays the first response to a repeated key, without running the handler again', { skip }, async () => {
      const key = randomUUID();
      const first = await post(running.url, { name: 'a' }, key);
      const firstBody = await first.json();
      const again = await post(running.url, { name: 'a' }, key);
      assert.equal(again.status, 201);
      assert.deepEqual(await again.json(), firstBody);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(committed.filter((n) => n === 'a').length, 1);
    });

    it('runs requests without a key every time', { skip }, async () => {
      await post(running.url, { name: 'b' });
      await post(running.url, { name: 'b' });
      assert.equal(committed.filter((n) => n === 'b').length, 2);
    });

    it('refuses the same key with a different request (422)', { skip }, async () => {
      const key = randomUUID();
      await post(running.url, { name: 'c' }, key);
      await expectErrorEnvelope(await post(running.url, { name: 'other' }, key), 422, 'IDEMPOTENCY_KEY_REUSED');
    });

    it('does not keep a 5xx: a retry runs again', { skip }, async () => {
      const key = randomUUID();
      assert.equal((await post(running.url, { name: 'explode' }, key)).status, 500);
      assert.equal((await post(running.url, { name: 'explode' }, key)).status, 500);
      assert.equal(committed.filter((n) => n === 'explode').length, 2);
    });

    it('does not keep a refusal of the moment (409): a retry runs again', { skip }, async () => {
      const key = randomUUID();
      assert.equal((await post(running.url, { name: 'busy' }, key)).status, 409);
      const again = await post(running.url, { name: 'busy' }, key);
      assert.equal(again.headers.get('idempotent-replayed'), null);
      assert.equal(committed.filter((n) => n === 'busy').length, 2);
    });

    it('refuses a key that is not visible ASCII (400)', { skip }, async () => {
      await expectErrorEnvelope(await post(running.url, { name: 'd' }, 'x'.repeat(300)), 400, 'IDEMPOTENCY_KEY_INVALID');
    });
  });
}

describe('idempotency while the first request still runs', () => {
  it('answers 409 with Retry-After, then the stored response once it is done', async () => {
    const { service, committed } = thingsService({}, 300);
    const running = await service.listen();
    try {
      const key = randomUUID();
      const first = post(running.url, { name: 'slow' }, key);
      await delay(50);
      const concurrent = await post(running.url, { name: 'slow' }, key);
      await expectErrorEnvelope(concurrent, 409, 'IDEMPOTENCY_KEY_IN_USE');
      assert.equal(concurrent.headers.get('retry-after'), '1');
      assert.equal((await first).status, 201);
      assert.equal((await post(running.url, { name: 'slow' }, key)).status, 201);
      assert.equal(committed.length, 1);
    } finally {
      await running.close();
    }
  });
});

describe('idempotency across replicas sharing Redis', async () => {
  const skip = !(await redisAvailable()) && !process.env.CI ? `Redis is not reachable at ${REDIS_URL}` : false;

  it('replays on replica B what replica A answered', { skip }, async () => {
    const a = thingsService({ REDIS_URL });
    const b = thingsService({ REDIS_URL });
    const [runningA, runningB] = await Promise.all([a.service.listen(), b.service.listen()]);
    try {
      const key = randomUUID();
      const first = await (await post(runningA.url, { name: 'shared' }, key)).json();
      const second = await post(runningB.url, { name: 'shared' }, key);
      assert.deepEqual(await second.json(), first);
      assert.equal(b.committed.length, 0);
    } finally {
      await Promise.all([runningA.close(), runningB.close()]);
    }
  });

  it('keeps serving with in-process keys when Redis is down, and says so as warn', async () => {
    const { service, committed } = thingsService({ REDIS_URL: 'redis://127.0.0.1:1' });
    const running = await service.listen();
    try {
      const key = randomUUID();
      assert.equal((await post(running.url, { name: 'offline' }, key)).status, 201);
      assert.equal((await post(running.url, { name: 'offline' }, key)).headers.get('idempotent-replayed'), 'true');
      assert.equal(committed.length, 1);
      const ready = await fetch(`${running.url}/health/ready`);
      assert.equal(ready.status, 200);
      const body = (await ready.json()) as { status: string; checks: { redis: { status: string }[] } };
      assert.equal(body.status, 'warn');
      assert.equal(body.checks.redis[0]!.status, 'fail');
    } finally {
      await running.close();
    }
  });
});

describe('a POST whose connection is cut after the server committed', () => {
  it('is not applied twice when the client retries it', async () => {
    const Things = defineEndpoint({
      service: 'storage',
      method: 'post',
      path: '/api/v1/things',
      summary: 'Create a thing',
      body: z.object({ name: z.string() }),
      response: z.object({ id: z.string(), name: z.string() }),
      successStatuses: [201],
    });
    // The server commits at once but answers after 400 ms; the client gives each attempt 150 ms, so the first
    // attempt's connection is cut after the commit and the call is retried with the same key.
    const { service, committed } = thingsService({}, 400);
    const running = await service.listen();
    const caller = createService({ name: 'phone-gateway', version: 'test', config: testConfig(serviceConfigSchema('phone-gateway'), { STORAGE_SERVICE_URL: running.url }) });
    const client = caller.createClient({ breaker: { timeout: 150 }, timeout: 5000 });
    const retries: string[] = [];
    client.on('retry', (event) => retries.push(event.reason));
    try {
      const created = await client.call(Things, { body: { name: 'once' } });
      assert.equal(created.name, 'once');
      assert.deepEqual(committed, ['once']);
      assert.ok(retries.length >= 1, 'the call was retried');
    } finally {
      client.close();
      await running.close();
    }
  });
});
