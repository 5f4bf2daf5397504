import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { addressPool, json, steadyLoad, waitFor, type Reply } from '../../src/http.js';
import { requestCount, waitUntilAllReady, type System, type TestUser } from '../../src/system.js';
import type { ApiModel } from './contracts.js';

const EVALUATE_ROUTE = '/api/v1/whitelist/evaluate/:phone';

/** A caller number of its own for each call, so no cache answers for the whitelist. */
let callerSeq = 0;
export const nextCaller = () => `+1415556${String(1000 + (callerSeq++ % 9000)).padStart(4, '0')}`;

/** A user who hosts a number of their own; incoming calls to it run the whole decision. */
export interface Callee {
  readonly user: TestUser;
  readonly number: string;
}

export async function hostedCallee(system: System, label: string, number: string): Promise<Callee> {
  const user = await system.registerUser(label);
  const hosted = await system.viaGateway(`/api/users/${user.id}/phones`, { method: 'POST', headers: user.headers, body: { phone: number }, localAddress: '127.0.204.1' });
  assert.equal(hosted.status, 201, hosted.body);
  return { user, number };
}

/** An incoming call through the gateway, as the telephony provider sends it. */
export function incomingCall(system: System, to: string, options: { from?: string; callId?: string; localAddress?: string } = {}): Promise<Reply> {
  return system.viaGateway('/webhook/incoming-call', {
    method: 'POST',
    headers: { 'x-webhook-token': system.webhookToken },
    body: { callId: options.callId ?? `it-${randomUUID()}`, from: options.from ?? nextCaller(), to },
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  });
}

/** Reasons phone-gateway gives when it decided without a dependency. */
export const DEGRADED = /did not answer|unavailable/;

export function balancingSuite(getSystem: () => System, _getModel: () => ApiModel): void {
  describe('discovery and balancing', () => {
    let system: System;
    let callee: Callee;
    before(async () => {
      system = getSystem();
      callee = await hostedCallee(system, 'carol', '+14155550177');
    });

    it('phone-gateway’s calls reach both smart-whitelist replicas that its discovery variable lists', async () => {
      const [first, second] = system.replicasOf('smart-whitelist');
      const before = [await requestCount(first!, 'GET', EVALUATE_ROUTE), await requestCount(second!, 'GET', EVALUATE_ROUTE)];
      const calls = 40;
      const address = addressPool(205);
      for (let i = 0; i < calls; i += 1) {
        const reply = await incomingCall(system, callee.number, { localAddress: address() });
        assert.equal(reply.status, 200, reply.body);
        const decision = json<{ reasons: string[]; userId?: string }>(reply);
        assert.equal(decision.userId, callee.user.id);
        assert.ok(!decision.reasons.some((reason) => DEGRADED.test(reason)), `decided with every dependency: ${decision.reasons.join('; ')}`);
      }
      const after = [await requestCount(first!, 'GET', EVALUATE_ROUTE), await requestCount(second!, 'GET', EVALUATE_ROUTE)];
      const served = after.map((count, i) => count - before[i]!);
      assert.ok(served.every((count) => count >= 1), `each replica evaluated some of the ${calls} calls: ${served.join(' + ')}`);
      assert.ok(served[0]! + served[1]! >= calls, `every call was evaluated: ${served.join(' + ')}`);
    });

    it('least_conn at the gateway: a replica frozen mid-request (SIGSTOP) gets no further requests; the other serves them', async () => {
      const [frozen, healthy] = system.replicasOf('smart-whitelist');
      const address = addressPool(206);
      const tag = `lc-${randomUUID().slice(0, 8)}`;
      frozen!.process!.child.kill('SIGSTOP');
      const replies: Array<Promise<Reply>> = [];
      try {
        for (let i = 0; i < 20; i += 1) {
          const reply = system.viaGateway(`/api/whitelist/${callee.user.id}?limit=5`, { headers: { ...callee.user.headers, 'x-request-id': `${tag}-${i}` }, localAddress: address() });
          replies.push(reply);
          // One at a time: the next starts once this one is answered, or is evidently held by the frozen replica.
          await Promise.race([reply.catch(() => undefined), sleep(1000)]);
        }
      } finally {
        frozen!.process!.child.kill('SIGCONT');
      }
      const statuses = (await Promise.all(replies)).map((reply) => reply.status);
      assert.deepEqual(statuses, Array(20).fill(200), 'every request answered once the replica thawed');
      const served = await waitFor('the gateway to log the 20 requests', () => {
        const entries = system.gatewayLog().filter((entry) => entry.requestId.startsWith(tag));
        return entries.length === 20 ? entries : undefined;
      });
      const onFrozen = served.filter((entry) => system.replicaAt(entry.upstream) === frozen).length;
      const onHealthy = served.filter((entry) => system.replicaAt(entry.upstream) === healthy).length;
      // Round robin would have sent every other request to the frozen replica; least_conn only the first one or two.
      assert.ok(onFrozen <= 2 && onHealthy >= 18, `frozen ${onFrozen}, healthy ${onHealthy}`);
      await waitUntilAllReady(system);
    });

    it('ip_hash at the gateway: every request from one /24 lands on the same user-management replica, and different /24s use both', async () => {
      const replicas = system.replicasOf('user-management');
      assert.equal(replicas.length, 2);
      const tag = `ih-${randomUUID().slice(0, 8)}`;
      for (let subnet = 1; subnet <= 16; subnet += 1) {
        for (let host = 1; host <= 4; host += 1) {
          const reply = await system.viaGateway(`/api/users/${callee.user.id}`, {
            headers: { ...callee.user.headers, 'x-request-id': `${tag}-${subnet}-${host}` },
            localAddress: `127.207.${subnet}.${host}`,
          });
          assert.equal(reply.status, 200, reply.body);
        }
      }
      const entries = await waitFor('the gateway to log the 64 requests', () => {
        const found = system.gatewayLog().filter((entry) => entry.requestId.startsWith(tag));
        return found.length === 64 ? found : undefined;
      });
      const bySubnet = new Map<string, Set<string>>();
      for (const entry of entries) {
        const subnet = entry.client.split('.').slice(0, 3).join('.');
        bySubnet.set(subnet, (bySubnet.get(subnet) ?? new Set()).add(system.replicaAt(entry.upstream)?.name ?? entry.upstream));
      }
      for (const [subnet, used] of bySubnet) assert.equal(used.size, 1, `${subnet}.x went to ${[...used].join(' and ')}`);
      const usedOverall = new Set([...bySubnet.values()].flatMap((set) => [...set]));
      assert.deepEqual([...usedOverall].sort(), replicas.map((r) => r.name).sort(), 'sixteen /24s are spread over both replicas');
    });

    it('a smart-whitelist replica stopped under steady load: no request is lost, through the gateway or through phone-gateway’s client', async () => {
      const [leaving] = system.replicasOf('smart-whitelist');
      const address = addressPool(208);
      // Reads through the gateway (idempotent GETs), and incoming calls whose evaluation phone-gateway's client makes.
      const reads = steadyLoad(40, () => system.viaGateway(`/api/whitelist/${callee.user.id}?limit=5`, { headers: callee.user.headers, localAddress: address() }));
      const calls = steadyLoad(15, () => incomingCall(system, callee.number, { localAddress: address() }));
      await sleep(1000);
      const code = await leaving!.stop('SIGTERM');
      await sleep(1500);
      await leaving!.start();
      await sleep(Math.max(1000, system.gatewayFailTimeoutMs + 500));
      const [readOutcomes, callOutcomes] = [await reads.stop(), await calls.stop()];
      assert.equal(code, 0, 'the replica shut down gracefully');
      const failedReads = readOutcomes.filter((o) => o.status !== 200);
      const failedCalls = callOutcomes.filter((o) => o.status !== 200);
      const degraded = callOutcomes.filter((o) => o.status === 200 && o.body && DEGRADED.test(o.body));
      assert.ok(readOutcomes.length > 100 && callOutcomes.length > 40, `load ran: ${readOutcomes.length} reads, ${callOutcomes.length} calls`);
      assert.deepEqual(failedReads, [], `${failedReads.length} of ${readOutcomes.length} reads through the gateway failed`);
      assert.deepEqual(failedCalls, [], `${failedCalls.length} of ${callOutcomes.length} calls failed`);
      assert.deepEqual(degraded, [], 'no call was decided without the whitelist');
    });
  });
}
