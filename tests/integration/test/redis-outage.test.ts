/**
 * Redis goes away under the services that use it (a private redis-server, never the shared one): each says so in
 * /health/ready as `warn` while staying ready, the calls keep being decided, idempotency keys are kept in process,
 * and everything passes again once Redis is back, without a restart.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { HealthBodySchema, type HealthBody } from '@ai-ninja/contracts';
import { PrivateRedis } from '../src/datastores.js';
import { json, send, waitFor } from '../src/http.js';
import { startSystem, type Replica, type System } from '../src/system.js';
import { DEGRADED, hostedCallee, incomingCall } from './suites/balancing.js';
import { skipUnlessInstalled } from '../src/requirements.js';

const readiness = async (replica: Replica): Promise<{ status: number; body: HealthBody }> => {
  const reply = await send(`${replica.url}/health/ready`);
  return { status: reply.status, body: HealthBodySchema.parse(json(reply)) };
};

/** The checks of a health body that are about Redis (the kit's idempotency store, caches, event streams). */
const redisChecks = (body: HealthBody) => Object.entries(body.checks ?? {}).filter(([name]) => /redis|cache|events/i.test(name));

describe('Redis unavailable', { skip: skipUnlessInstalled('nginx', 'redis-server') }, () => {
  let redis: PrivateRedis | undefined;
  let system: System | undefined;

  before(async () => {
    redis = await PrivateRedis.create();
    // SQLite: only Redis fails here. The services of an incoming call and the configuration they read.
    system = await startSystem({
      services: ['user-management', 'smart-whitelist', 'profile-analytics', 'phone-gateway', 'configuration'],
      replicas: { 'user-management': 1, 'smart-whitelist': 1 },
      postgres: false,
      redis: redis.url,
    });
  });
  after(async () => {
    await system?.stop();
    await redis?.stop();
  });

  it('with Redis up, every service passes and reports Redis among its checks', async () => {
    for (const replica of system!.replicas) {
      const { status, body } = await readiness(replica);
      assert.equal(status, 200);
      assert.equal(body.status, 'pass', `${replica.name}: ${JSON.stringify(body.checks)}`);
      assert.ok(redisChecks(body).length > 0, `${replica.name} checks Redis: ${Object.keys(body.checks ?? {})}`);
    }
  });

  it('Redis stopped: every service stays ready and says `warn`, naming the failing Redis check; calls are still decided with every dependency', async () => {
    const sys = system!;
    const callee = await hostedCallee(sys, 'erin', '+14155550166');
    await redis!.stop();
    for (const replica of sys.replicas) {
      const seen = await waitFor(
        `${replica.name} to report Redis down`,
        async () => {
          const { status, body } = await readiness(replica);
          return status === 200 && body.status === 'warn' ? body : undefined;
        },
        20_000,
        250,
      );
      const failing = redisChecks(seen).filter(([, results]) => results.some((r) => r.status !== 'pass'));
      assert.ok(failing.length > 0, `${replica.name} names the failing Redis check: ${JSON.stringify(seen.checks)}`);
      for (const [, results] of failing) for (const result of results) assert.equal(result.affectsReadiness, false);
    }
    // The whole decision still runs: owner lookup, whitelist (its cache now in process) and caller profile.
    for (let i = 0; i < 5; i += 1) {
      const reply = await incomingCall(sys, callee.number);
      assert.equal(reply.status, 200, reply.body);
      const decision = json<{ reasons: string[]; userId: string }>(reply);
      assert.equal(decision.userId, callee.user.id);
      assert.ok(!decision.reasons.some((reason) => DEGRADED.test(reason)), decision.reasons.join('; '));
    }
    // Idempotency keys fall back to the process: a repeated POST is answered once.
    const key = `it-${randomUUID()}`;
    const add = () =>
      sys.viaGateway(`/api/whitelist/${callee.user.id}`, {
        method: 'POST',
        headers: { ...callee.user.headers, 'idempotency-key': key },
        body: { phone: '+14155550155', name: 'during the outage' },
        localAddress: '127.212.0.1',
      });
    const [first, second] = [await add(), await add()];
    assert.equal(first.status, 201, first.body);
    assert.equal(second.status, 201, 'the repeat is answered with the stored response');
    assert.equal(second.body, first.body);
  });

  it('Redis back: every service passes again by itself', async () => {
    await redis!.start();
    for (const replica of system!.replicas) {
      const pid = replica.pid;
      await waitFor(`${replica.name} to pass again`, async () => (await readiness(replica)).body.status === 'pass', 30_000, 250);
      assert.equal(replica.pid, pid, `${replica.name} recovered without a restart`);
    }
  });
});
