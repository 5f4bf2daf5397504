import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getService, isServiceName, SERVICE_NAMES, SERVICES } from './catalog.js';

describe('service catalog', () => {
  it('lists the nine services in order on ports 3001 to 3009', () => {
    assert.deepEqual(
      SERVICES.map((s) => s.name),
      [...SERVICE_NAMES],
    );
    assert.deepEqual(
      SERVICES.map((s) => s.port),
      [3001, 3002, 3003, 3004, 3005, 3006, 3007, 3008, 3009],
    );
  });

  it('gives each service its own discovery variable, named like WHITELIST_SERVICE_URL', () => {
    const names = SERVICES.map((s) => s.discoveryEnv);
    assert.equal(new Set(names).size, names.length);
    for (const name of names) assert.match(name, /^[A-Z_]+_SERVICE_URL$/);
    assert.equal(getService('smart-whitelist').discoveryEnv, 'WHITELIST_SERVICE_URL');
  });

  it('routes each gateway prefix to exactly one service, with the design’s rate limits', () => {
    const routes = SERVICES.flatMap((s) => s.gatewayRoutes.map((r) => ({ ...r, service: s.name })));
    assert.equal(new Set(routes.map((r) => r.path)).size, routes.length);
    for (const route of routes) {
      assert.match(route.path, /^\/[a-z/]+\/$/);
      assert.match(route.upstreamPath, /^\/[a-z0-9/]+\/$/);
    }
    const byPath = (path: string) => routes.find((r) => r.path === path)!;
    assert.deepEqual(byPath('/api/auth/').rateLimit, { zone: 'auth', burst: 10, nodelay: true });
    assert.equal(byPath('/api/auth/').upstreamPath, '/api/v1/auth/');
    assert.deepEqual(byPath('/api/whitelist/').rateLimit, { zone: 'api', burst: 100, nodelay: true });
    assert.equal(byPath('/api/whitelist/').upstreamPath, '/api/v1/whitelist/');
    assert.equal(byPath('/api/realtime/').rateLimit.burst, 200);
    assert.equal(byPath('/api/realtime/').websocket, true);
    assert.deepEqual(getService('conversation-engine').gatewayRoutes, []);
  });

  it('balances user-management by ip_hash, configuration round robin, the rest least_conn', () => {
    for (const service of SERVICES) {
      const expected = service.name === 'user-management' ? 'ip_hash' : service.name === 'configuration' ? 'round_robin' : 'least_conn';
      assert.equal(service.upstream, expected, service.name);
    }
  });

  it('scales within the design’s autoscaling ranges', () => {
    assert.deepEqual(getService('realtime-processor').autoscaling, { minReplicas: 4, maxReplicas: 20, targetCpuPercent: 70 });
    assert.deepEqual(getService('smart-whitelist').autoscaling, { minReplicas: 3, maxReplicas: 15, targetCpuPercent: 75 });
    assert.deepEqual(getService('conversation-engine').autoscaling, { minReplicas: 2, maxReplicas: 10, targetCpuPercent: 70 });
    for (const { autoscaling } of SERVICES) {
      assert.ok(autoscaling.minReplicas >= 1 && autoscaling.minReplicas <= autoscaling.maxReplicas);
    }
  });

  it('tells catalog names from other strings', () => {
    assert.equal(isServiceName('storage'), true);
    assert.equal(isServiceName('billing'), false);
    assert.throws(() => getService('billing' as never), /Unknown service/);
  });
});
