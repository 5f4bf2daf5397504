import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HEALTH_MEDIA_TYPE, HealthBodySchema, SERVICE_NAMES, type HealthBody } from '@ai-ninja/contracts';
import { assertNoProblems, expectEnvelope, json, send, waitFor } from '../../src/http.js';
import type { System } from '../../src/system.js';

/** Health of every replica, and what the gateway and monitoring make of it. */
export function healthSuite(getSystem: () => System): void {
  describe('health', () => {
    it('every replica of every service passes /health, /health/ready and /health/live, each from its own process', async () => {
      const system = getSystem();
      assert.equal(system.replicas.length, SERVICE_NAMES.length + 3, 'nine services, three of them with two replicas');
      const problems: string[] = [];
      for (const replica of system.replicas) {
        for (const path of ['/health', '/health/ready', '/health/live']) {
          const reply = await send(replica.url + path);
          const where = `${replica.name}${path}`;
          if (reply.status !== 200) problems.push(`${where}: ${reply.status} ${reply.body.slice(0, 300)}`);
          if (!String(reply.headers['content-type']).startsWith(HEALTH_MEDIA_TYPE)) problems.push(`${where}: content-type ${reply.headers['content-type']}`);
          const parsed = HealthBodySchema.safeParse(json(reply));
          if (!parsed.success) {
            problems.push(`${where}: not a health body: ${reply.body.slice(0, 300)}`);
            continue;
          }
          const body: HealthBody = parsed.data;
          if (body.status !== 'pass') problems.push(`${where}: ${body.status} ${JSON.stringify(body.checks)}`);
          if (body.service !== replica.service) problems.push(`${where}: says it is ${body.service}`);
          if (!body.serviceId.endsWith(`:${replica.pid}`)) problems.push(`${where}: serviceId ${body.serviceId} is not process ${replica.pid}`);
        }
      }
      assertNoProblems(problems, 'in health answers');
    });

    it('readiness checks the datastores: PostgreSQL and Redis are reported by every service that uses them', async () => {
      const system = getSystem();
      const named = new Map<string, Set<string>>();
      for (const replica of system.replicas) {
        const body = HealthBodySchema.parse(json(await send(`${replica.url}/health/ready`)));
        named.set(replica.service, new Set(Object.keys(body.checks ?? {})));
      }
      // Every kit service given REDIS_URL checks Redis (optional: a warn, not a failure).
      for (const [service, checks] of named) assert.ok([...checks].some((name) => /redis/i.test(name)), `${service} reports Redis: ${[...checks].join(', ')}`);
      // The services with a database report it (required: readiness fails without it).
      for (const service of ['user-management', 'smart-whitelist', 'profile-analytics', 'phone-gateway', 'configuration', 'storage']) {
        assert.ok([...named.get(service)!].some((name) => /database|postgres/i.test(name)), `${service} reports its database: ${[...named.get(service)!].join(', ')}`);
      }
    });

    it('the gateway keeps health routes internal: /health through it is a 404 envelope, its own /gateway/health passes', async () => {
      const system = getSystem();
      expectEnvelope(await system.viaGateway('/health/ready'), 404, 'ROUTE_NOT_FOUND');
      expectEnvelope(await system.viaGateway('/metrics'), 404, 'ROUTE_NOT_FOUND');
      const own = await system.viaGateway('/gateway/health');
      assert.equal(own.status, 200);
      assert.equal(json(own).status, 'pass');
    });

    it('monitoring, through the gateway, sees all nine services up, each with every replica it was given', async () => {
      const system = getSystem();
      const expected = new Map(SERVICE_NAMES.map((name) => [name, system.replicasOf(name).map((r) => r.url)]));
      let mismatches: string[] = [];
      await waitFor(
        'monitoring to report every service up',
        async () => {
          const reply = await system.viaGateway('/api/monitoring/health', { localAddress: '127.0.203.1' });
          if (reply.status !== 200) {
            mismatches = [`${reply.status} ${reply.body.slice(0, 300)}`];
            return false;
          }
          const services = json<{ services: Array<{ service: string; status: string; replicas: Array<{ url: string; status: string }> }> }>(reply).services;
          mismatches = SERVICE_NAMES.flatMap((name) => {
            const seen = services.find((s) => s.service === name);
            const urls = (seen?.replicas ?? []).map((r) => r.url.replace(/\/$/, '')).sort();
            const ok = seen?.status === 'up' && JSON.stringify(urls) === JSON.stringify([...expected.get(name)!].sort()) && seen.replicas.every((r) => r.status === 'up');
            return ok ? [] : [`${name}: ${JSON.stringify(seen ? { status: seen.status, replicas: seen.replicas } : 'missing')} (expected ${expected.get(name)!.join(', ')})`];
          });
          return mismatches.length === 0;
        },
        30_000,
        500,
      ).catch((error: Error) => assert.fail(`${error.message}\n${mismatches.join('\n')}`));
    });
  });
}
