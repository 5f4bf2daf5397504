/**
 * PostgreSQL restarted under steady load (a private server from initdb/pg_ctl, never the shared one): readiness fails
 * while it is away and comes back by itself, the same processes serve again, every write that was acknowledged is
 * still there, and every answer meanwhile was an answer (the error envelope), not a dropped connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorEnvelopeSchema } from '@ai-ninja/contracts';
import { PrivatePostgres } from '../src/datastores.js';
import { addressPool, json, send, steadyLoad, waitFor } from '../src/http.js';
import { startSystem, type System, type TestUser } from '../src/system.js';
import { skipUnlessInstalled } from '../src/requirements.js';

describe('PostgreSQL restarted during load', { skip: skipUnlessInstalled('nginx', 'PostgreSQL server binaries') }, () => {
  let postgres: PrivatePostgres | undefined;
  let system: System | undefined;

  before(async () => {
    postgres = await PrivatePostgres.create();
    system = await startSystem({
      services: ['user-management', 'smart-whitelist'],
      replicas: { 'user-management': 1, 'smart-whitelist': 2 },
      postgres: postgres.url,
      redis: false,
    });
  });
  after(async () => {
    await system?.stop();
    await postgres?.destroy();
  });

  it('readiness fails while the database is away and recovers by itself; every acknowledged write is kept', async () => {
    const sys = system!;
    const user: TestUser = await sys.registerUser('frank');
    const pids = sys.replicas.map((r) => r.pid);
    const address = addressPool(213);
    const acknowledged: string[] = [];
    const writes = steadyLoad(15, async (i) => {
      const phone = `+1415558${String(i).padStart(4, '0')}`;
      const reply = await sys.viaGateway(`/api/whitelist/${user.id}`, { method: 'POST', headers: user.headers, body: { phone }, localAddress: address(), timeoutMs: 30_000 });
      if (reply.status === 201) acknowledged.push(phone);
      return reply;
    });
    const reads = steadyLoad(15, () => sys.viaGateway(`/api/whitelist/${user.id}?limit=5`, { headers: user.headers, localAddress: address(), timeoutMs: 30_000 }));

    let sawUnready = false;
    try {
      await sleep(1500);
      await postgres!.stop();
      // Every replica stops being ready: its required database check fails.
      for (const replica of sys.replicas) {
        // A replica that went away instead says why in its last lines.
        await waitFor(`${replica.name} to become unready`, async () => (await send(`${replica.url}/health/ready`)).status === 503, 20_000, 100).catch((error: Error) => {
          throw new Error(`${error.message}\n${replica.tail(40)}`);
        });
      }
      sawUnready = true;
      await sleep(1000);
      await postgres!.start();
      for (const replica of sys.replicas) {
        await waitFor(`${replica.name} to be ready again by itself`, async () => (await send(`${replica.url}/health/ready`)).status === 200, 60_000, 200);
      }
      await sleep(1500);
    } finally {
      await Promise.all([writes.stop(), reads.stop()]);
    }
    assert.ok(sawUnready);
    assert.deepEqual(
      sys.replicas.map((r) => r.pid),
      pids,
      'the same processes recovered; none restarted',
    );

    const outcomes = [...writes.outcomes, ...reads.outcomes];
    const dropped = outcomes.filter((o) => o.status === 0);
    assert.deepEqual(dropped, [], 'every request got an answer');
    for (const outcome of outcomes.filter((o) => o.status >= 400)) {
      assert.ok(ErrorEnvelopeSchema.safeParse(JSON.parse(outcome.body ?? '')).success, `an error envelope: ${outcome.body}`);
    }
    const recovered = outcomes.filter((o) => o.status < 300).length;
    assert.ok(acknowledged.length > 20 && recovered > 40, `load ran: ${acknowledged.length} writes acknowledged`);

    const kept = new Set<string>();
    for (let page = 1; ; page += 1) {
      const reply = await sys.viaGateway(`/api/whitelist/${user.id}?limit=500&page=${page}`, { headers: user.headers, localAddress: '127.213.99.1' });
      assert.equal(reply.status, 200, reply.body);
      const { entries } = json<{ entries: Array<{ phone: string }> }>(reply);
      for (const entry of entries) kept.add(entry.phone);
      if (entries.length < 500) break;
    }
    assert.deepEqual(
      acknowledged.filter((phone) => !kept.has(phone)),
      [],
      `all ${acknowledged.length} acknowledged writes survived the restart`,
    );
    // And writes work again after it.
    const after = await sys.viaGateway(`/api/whitelist/${user.id}`, { method: 'POST', headers: user.headers, body: { phone: '+14155559999' }, localAddress: '127.213.99.2' });
    assert.equal(after.status, 201, after.body);
  });
});
