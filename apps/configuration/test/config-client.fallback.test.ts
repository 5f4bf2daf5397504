/**
 * The design's fallback strategy over real HTTP: a service reads its settings through the config client from a real
 * configuration; configuration stops; the client keeps serving the last known good values, a new client (a restart
 * of the service) starts from the copy on disk, and health says `warn`; configuration comes back and values refresh.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { attachConfigClient, liveSettings, type ConfigClient } from '@ai-ninja/config-client';
import { CONFIG_KEY_SCHEMAS, HealthBodySchema, type HealthBody } from '@ai-ninja/contracts';
import { testDatabase, type TestDatabase } from '@ai-ninja/data/testing';
import { createService, serviceConfigSchema, type RunningService } from '@ai-ninja/service-kit';
import { createTestAuth, testConfig, type TestAuth } from '@ai-ninja/service-kit/testing';
import { apiOf, startConfiguration } from './helpers.js';

const TIMEOUT_SCHEMA = CONFIG_KEY_SCHEMAS['phone-gateway']['decision.timeoutMs'];

describe('config client against a real configuration that stops and comes back', () => {
  let auth: TestAuth;
  let db: TestDatabase;
  let cacheDir: string;
  let configuration: RunningService;
  let port: number;
  let admin: string;
  const toStop: Array<{ close(): unknown }> = [];
  const api = apiOf(() => configuration);

  /**
   * A service of the kit named phone-gateway, wired as phone-gateway's app.ts wires it: attachConfigClient, and its
   * DECISION_TIMEOUT_MS read live through liveSettings (1500 from its environment). Listening on port 0.
   */
  async function startClientService() {
    const env = { ...auth.env, CONFIG_SERVICE_URL: `http://127.0.0.1:${port}` };
    const service = createService({ name: 'phone-gateway', version: 'test', config: testConfig(serviceConfigSchema('phone-gateway'), env) });
    const config: ConfigClient = attachConfigClient(service, { cacheDir, refreshMs: 3_600_000 })!;
    const settings = liveSettings({ DECISION_TIMEOUT_MS: 1500 }, config, { DECISION_TIMEOUT_MS: { key: 'decision.timeoutMs', schema: TIMEOUT_SCHEMA } });
    const running = await service.listen();
    toStop.push(running);
    return { config, settings, running, health: async (): Promise<HealthBody> => HealthBodySchema.parse(await (await fetch(`${running.url}/health`)).json()) };
  }

  before(async () => {
    auth = await createTestAuth();
    db = await testDatabase('sqlite');
    cacheDir = await mkdtemp(join(tmpdir(), 'config-client-cache-'));
    configuration = await startConfiguration({ ...auth.env, ...db.env });
    port = configuration.port;
    admin = await auth.userToken('admin-1', ['user', 'admin']);
    const set = await api('POST', '/api/v1/config/phone-gateway', { token: admin, body: { values: [{ key: 'decision.timeoutMs', value: 800 }] } });
    assert.equal(set.status, 200);
    const flag = await api('PUT', '/api/v1/config/features/ai-answer.v2', { token: admin, body: { enabled: true, rolloutPercentage: 0, allowUsers: ['alice'] } });
    assert.equal(flag.status, 201);
  });
  after(async () => {
    for (const running of toStop.reverse()) await running.close();
    await configuration.close();
    await db.cleanup();
    await rm(cacheDir, { recursive: true, force: true });
  });

  let first: Awaited<ReturnType<typeof startClientService>>;

  it('reads its settings and flags from configuration, and reports pass', async () => {
    first = await startClientService();
    assert.equal(await first.config.ready(), true);
    assert.equal(first.config.get('decision.timeoutMs', TIMEOUT_SCHEMA, 1500), 800);
    assert.equal(first.settings.DECISION_TIMEOUT_MS, 800);
    assert.deepEqual(first.config.flags('alice'), { 'ai-answer.v2': true });
    assert.deepEqual(first.config.flags('bob'), { 'ai-answer.v2': false });
    const health = await first.health();
    assert.equal(health.status, 'pass');
    assert.equal(health.checks?.['configuration']?.[0]?.status, 'pass');
  });

  it('keeps serving the last known good values with configuration stopped, and health says warn (still ready)', async () => {
    await configuration.close();
    assert.equal(await first.config.refresh(), false);
    assert.equal(first.config.get('decision.timeoutMs', TIMEOUT_SCHEMA, 1500), 800);
    assert.equal(first.settings.DECISION_TIMEOUT_MS, 800);
    assert.deepEqual(first.config.flags('alice'), { 'ai-answer.v2': true });
    const health = await first.health();
    assert.equal(health.status, 'warn');
    const check = health.checks?.['configuration']?.[0];
    assert.equal(check?.status, 'warn');
    assert.equal(check?.affectsReadiness, false);
    assert.match(check?.output ?? '', /configuration unreachable since .*: serving last known good values fetched at /);
    assert.equal((await fetch(`${first.running.url}/health/ready`)).status, 200);
  });

  let second: Awaited<ReturnType<typeof startClientService>>;

  it('starts a new client from the values kept on disk while configuration is still down', async () => {
    second = await startClientService();
    assert.equal(second.settings.DECISION_TIMEOUT_MS, 800);
    assert.equal(await second.config.ready(), false);
    assert.equal(second.config.get('decision.timeoutMs', TIMEOUT_SCHEMA, 1500), 800);
    assert.deepEqual(second.config.flags('alice'), { 'ai-answer.v2': true });
    assert.equal(second.config.state().source, 'disk');
    const health = await second.health();
    assert.equal(health.status, 'warn');
    assert.match(health.checks?.['configuration']?.[0]?.output ?? '', /, from disk$/);
  });

  it('refreshes to the new values once configuration is back (a health probe tries at once), calling change listeners', async () => {
    configuration = await startConfiguration({ ...auth.env, ...db.env }, port);
    const set = await api('POST', '/api/v1/config/phone-gateway', { token: admin, body: { values: [{ key: 'decision.timeoutMs', value: 900, expectedVersion: 1 }] } });
    assert.equal(set.status, 200);
    const changes: unknown[][] = [];
    second.config.onChange('decision.timeoutMs', (value, previous) => changes.push([value, previous]));
    // A health probe of a service with stale values tries configuration again: pass, and the new value is in. (A probe
    // waits 700 ms for its refresh; on a slow machine the next probe sees it done.)
    let status = (await first.health()).status;
    for (let probe = 1; probe < 10 && status !== 'pass'; probe++) status = (await first.health()).status;
    assert.equal(status, 'pass');
    assert.equal(first.settings.DECISION_TIMEOUT_MS, 900);
    assert.equal(await second.config.refresh(), true);
    assert.equal(second.settings.DECISION_TIMEOUT_MS, 900);
    assert.deepEqual(changes, [[900, 800]]);
    assert.equal(second.config.state().source, 'configuration');
    assert.equal((await second.health()).status, 'pass');
  });
});
