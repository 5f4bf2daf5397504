import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SERVICES } from '@ai-ninja/contracts';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '@ai-ninja/data/testing';
import type { RunningService } from '@ai-ninja/service-kit';
import { createTestAuth, testConfig, type TestAuth } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { AlertsOverviewSchema } from '../src/routes/monitoring.schemas.js';
import { waitFor } from './fleet.js';

/** A port nothing listens on: every service discovered there is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

for (const kind of DATABASE_KINDS) {
  describe(`alert rules and alerts kept in ${kind}`, () => {
    let database: TestDatabase;
    let auth: TestAuth;
    let env: Record<string, string>;
    let running: RunningService | undefined;

    const start = async () => {
      running = await (await createApp({ config: testConfig(configSchema, env), version: 'test' })).listen();
      return running.url;
    };
    const alerts = async (url: string) => AlertsOverviewSchema.parse(await (await fetch(`${url}/api/v1/monitoring/alerts`)).json());

    before(async () => {
      database = await testDatabase(kind);
      auth = await createTestAuth();
      const dead = `http://127.0.0.1:${await closedPort()}`;
      const discovery = Object.fromEntries(SERVICES.filter((s) => s.name !== 'monitoring').map((s) => [s.discoveryEnv, dead]));
      env = { ...database.env, ...auth.env, ...discovery, MONITORING_POLL_INTERVAL_MS: '100', MONITORING_POLL_TIMEOUT_MS: '500' };
    });
    after(async () => {
      await running?.close();
      await database.cleanup();
    });

    it('keeps rules, and a firing alert stays the same firing alert, across a restart', async () => {
      let url = await start();
      const created = await fetch(`${url}/api/v1/monitoring/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth.bearer(await auth.userToken('ops', ['admin'])) },
        body: JSON.stringify({ kind: 'service_down', service: 'storage', forSeconds: 0, name: 'storage is gone' }),
      });
      assert.equal(created.status, 201);
      const rule = (await created.json()) as { id: string };
      const fired = await waitFor('the alert firing', async () => (await alerts(url)).active.find((a) => a.ruleId === rule.id));

      await running!.close();
      url = await start();
      const after = await alerts(url);
      assert.deepEqual(
        after.rules.map((r) => [r.id, r.name]),
        [[rule.id, 'storage is gone']],
      );
      assert.deepEqual(
        after.active.map((a) => a.id),
        [fired.id],
        'the same alert, not a second one',
      );
      // Still the same once the restarted monitoring has polled and evaluated the rule again.
      await waitFor('a few polls', async () => ((await (await fetch(`${url}/api/v1/monitoring/health`)).json()) as { pollCycles: number }).pollCycles >= 3 || undefined);
      assert.deepEqual(
        (await alerts(url)).active.map((a) => a.id),
        [fired.id],
      );

      const deleted = await fetch(`${url}/api/v1/monitoring/alerts/${rule.id}`, { method: 'DELETE', headers: auth.bearer(await auth.userToken('ops', ['admin'])) });
      assert.equal(deleted.status, 204);
      await running!.close();
      url = await start();
      const final = await alerts(url);
      assert.deepEqual(final.rules, []);
      assert.deepEqual(final.active, []);
      assert.deepEqual(
        final.resolved.map((a) => [a.id, a.resolution]),
        [[fired.id, 'the rule was deleted']],
      );
    });
  });
}
