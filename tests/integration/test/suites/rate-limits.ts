import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getService, RATE_LIMIT_ZONES } from '@ai-ninja/contracts';
import { expectEnvelope, keepAliveAgent, send, type Reply } from '../../src/http.js';
import type { System } from '../../src/system.js';

/** `count` requests at once from one client address (one keep-alive pool), all answers. */
async function burst(system: System, path: string, count: number, localAddress: string, init: { method?: string; body?: (i: number) => unknown } = {}): Promise<Reply[]> {
  const agent = keepAliveAgent(64);
  try {
    return await Promise.all(
      Array.from({ length: count }, (_, i) => send(system.gatewayUrl + path, { method: init.method ?? 'GET', body: init.body?.(i), localAddress, agent })),
    );
  } finally {
    agent.destroy();
  }
}

const burstOf = (service: 'user-management' | 'realtime-processor', prefix: string) => getService(service).gatewayRoutes.find((r) => r.path === prefix)!.rateLimit.burst;

export function rateLimitSuite(getSystem: () => System): void {
  describe('rate limits at the gateway', () => {
    it(`a burst of sign-ins from one address: the auth zone lets ${burstOf('user-management', '/api/auth/')} through at once, then answers 429 in the error envelope`, async () => {
      const system = getSystem();
      const allowed = burstOf('user-management', '/api/auth/');
      // A different address each (user-management locks an address after a few failures, with its own 429).
      const replies = await burst(system, '/api/auth/login', 40, '127.209.0.1', { method: 'POST', body: (i) => ({ email: `nobody-${i}@example.com`, password: 'wrong password' }) });
      const limited = replies.filter((r) => r.status === 429);
      const passed = replies.filter((r) => r.status !== 429);
      // nginx lets `burst` requests above the rate through at once (nodelay), plus what the rate refills meanwhile.
      assert.ok(passed.length >= allowed, `${passed.length} passed, burst ${allowed}`);
      assert.ok(passed.length < 40, `${limited.length} limited of 40 (${RATE_LIMIT_ZONES.auth.ratePerSecond}/s)`);
      for (const reply of passed) assert.equal(reply.status, 401, `the service answered: ${reply.body}`);
      for (const reply of limited) expectEnvelope(reply, 429, 'RATE_LIMITED');
    });

    it('the realtime route allows its larger burst from one address where the api zone already limits', async () => {
      const system = getSystem();
      const realtimeBurst = burstOf('realtime-processor', '/api/realtime/');
      const apiBurst = getService('smart-whitelist').gatewayRoutes[0]!.rateLimit.burst;
      assert.ok(realtimeBurst > apiBurst);
      const count = realtimeBurst + 5;
      // The same number of requests from one address each: the api zone must limit some, the realtime zone none.
      const realtime = await burst(system, '/api/realtime/conversation', count, '127.209.1.1');
      const api = await burst(system, '/api/whitelist/evaluate/+14155550100', count, '127.209.2.1');
      const realtimeLimited = realtime.filter((r) => r.status === 429).length;
      const apiLimited = api.filter((r) => r.status === 429);
      assert.ok(api.length - apiLimited.length >= apiBurst, `the api zone passes its burst of ${apiBurst}`);
      assert.ok(apiLimited.length > 0, `the api zone limits ${count} requests at once (burst ${apiBurst})`);
      assert.equal(realtimeLimited, 0, `the realtime zone passes ${count} at once (burst ${realtimeBurst})`);
      for (const reply of realtime) assert.ok(reply.status < 500, `realtime-processor answered ${reply.status}: ${reply.body}`);
      for (const reply of apiLimited) expectEnvelope(reply, 429, 'RATE_LIMITED');
      // Past its own burst the realtime zone limits too.
      const more = await burst(system, '/api/realtime/conversation', realtimeBurst + 150, '127.209.3.1');
      assert.ok(more.some((r) => r.status === 429), `the realtime zone limits ${realtimeBurst + 150} at once`);
    });
  });
}
