import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { addressPool, json, steadyLoad, type Outcome } from '../../src/http.js';
import type { System } from '../../src/system.js';
import { DEGRADED, hostedCallee, incomingCall, type Callee } from './balancing.js';
import type { ApiModel } from './contracts.js';

const failed = (outcomes: readonly Outcome[]) => outcomes.filter((o) => o.status < 200 || o.status >= 300);

/** A user's whole whitelist, every page. */
async function whitelistOf(system: System, callee: Callee): Promise<Set<string>> {
  const phones = new Set<string>();
  for (let page = 1; ; page += 1) {
    const reply = await system.viaGateway(`/api/whitelist/${callee.user.id}?limit=500&page=${page}`, { headers: callee.user.headers, localAddress: '127.211.9.9' });
    assert.equal(reply.status, 200, reply.body);
    const { entries } = json<{ entries: Array<{ phone: string }> }>(reply);
    for (const entry of entries) phones.add(entry.phone);
    if (entries.length < 500) return phones;
  }
}

export function rollingRestartSuite(getSystem: () => System, _getModel: () => ApiModel): void {
  describe('rolling restart', () => {
    let system: System;
    let callee: Callee;
    before(async () => {
      system = getSystem();
      callee = await hostedCallee(system, 'dave', '+14155550188');
    });

    it('smart-whitelist restarted one replica at a time under steady load through the gateway: zero failed requests, every acknowledged write kept', async () => {
      const address = addressPool(211);
      const written: string[] = [];
      const reads = steadyLoad(40, () => system.viaGateway(`/api/whitelist/${callee.user.id}?limit=5`, { headers: callee.user.headers, localAddress: address() }));
      const writes = steadyLoad(10, async (i) => {
        const phone = `+1415557${String(i).padStart(4, '0')}`;
        const reply = await system.viaGateway(`/api/whitelist/${callee.user.id}`, { method: 'POST', headers: callee.user.headers, body: { phone, name: `caller ${i}` }, localAddress: address() });
        if (reply.status === 201) written.push(phone);
        return reply;
      });
      const calls = steadyLoad(10, () => incomingCall(system, callee.number, { localAddress: address() }));
      const codes: Array<number | string> = [];
      try {
        await sleep(1000);
        for (const replica of system.replicasOf('smart-whitelist')) {
          codes.push(await replica.stop('SIGTERM'));
          await replica.start();
          // nginx uses a replica that failed again only after fail_timeout (it has no active health checks).
          await sleep(system.gatewayFailTimeoutMs + 500);
        }
      } finally {
        await Promise.all([reads.stop(), writes.stop(), calls.stop()]);
      }
      assert.deepEqual(codes, [0, 0], 'each replica drained and exited 0');
      const problems = { reads: failed(reads.outcomes), writes: failed(writes.outcomes), calls: failed(calls.outcomes) };
      const degraded = calls.outcomes.filter((o) => o.status === 200 && DEGRADED.test(o.body ?? ''));
      assert.ok(reads.outcomes.length > 150, `load ran (${reads.outcomes.length} reads)`);
      assert.deepEqual(problems, { reads: [], writes: [], calls: [] }, `failed: ${problems.reads.length} of ${reads.outcomes.length} reads, ${problems.writes.length} of ${writes.outcomes.length} writes, ${problems.calls.length} of ${calls.outcomes.length} calls`);
      assert.deepEqual(degraded, [], 'no call was decided without the whitelist');
      const kept = await whitelistOf(system, callee);
      assert.deepEqual(written.filter((phone) => !kept.has(phone)), [], `all ${written.length} acknowledged writes are on the whitelist`);
    });
  });
}
