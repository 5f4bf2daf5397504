import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { z } from '@ai-ninja/contracts';
import type { HealthCheck } from '@ai-ninja/health';
import { ServiceClient, type ServiceClientOptions, type TransportRequest } from '@ai-ninja/service-client';
import { attachConfigClient, liveSettings, type ConfigurableService } from './attach.js';

/** A service as attachConfigClient sees it, recording what was done to it. */
function fakeService(config: Record<string, string>, answer: (request: TransportRequest) => unknown) {
  const recorded = { checks: [] as HealthCheck[], disposers: [] as string[], clientOptions: [] as (ServiceClientOptions | undefined)[], logs: [] as string[] };
  const service: ConfigurableService = {
    name: 'phone-gateway',
    config,
    health: { register: (check) => void recorded.checks.push(check) },
    logger: { info: (_details, message) => void recorded.logs.push(message), warn: (_details, message) => void recorded.logs.push(message) },
    createClient(options) {
      recorded.clientOptions.push(options);
      return new ServiceClient({
        ...options,
        env: config,
        transport: async (request) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer(request)) }),
      });
    },
    onShutdown: (name) => void recorded.disposers.push(name),
  };
  return { service, recorded };
}

const entry = (key: string, value: unknown) => ({ key, value, version: 1, updatedAt: new Date().toISOString(), author: 'user:admin' });
const answer = (values: Record<string, unknown>) => (request: TransportRequest) => {
  const path = new URL(request.url).pathname;
  if (path.endsWith('/features')) return { flags: [] };
  const service = path.split('/').at(-1)!;
  return { service, values: service === 'phone-gateway' ? Object.fromEntries(Object.entries(values).map(([k, v]) => [k, entry(k, v)])) : {} };
};

describe('attaching the config client to a service', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'config-attach-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('attaches nothing, and says so, when CONFIG_SERVICE_URL is not set', () => {
    const { service, recorded } = fakeService({}, answer({}));
    assert.equal(attachConfigClient(service, { cacheDir: dir }), undefined);
    assert.deepEqual(recorded.checks, []);
    assert.deepEqual(recorded.clientOptions, []);
    assert.match(recorded.logs[0] ?? '', /CONFIG_SERVICE_URL is not set/);
  });

  it('makes its own client without a breaker, registers the optional health check and the shutdown', async () => {
    const { service, recorded } = fakeService({ CONFIG_SERVICE_URL: 'http://config.test:3007' }, answer({ 'decision.timeoutMs': 300 }));
    const settings = attachConfigClient(service, { cacheDir: dir })!;
    try {
      assert.equal(await settings.ready(), true);
      assert.deepEqual(recorded.clientOptions, [{ breaker: false, retries: 1 }]);
      assert.deepEqual(recorded.checks.map((c) => [c.name, c.required]), [['configuration', false]]);
      assert.deepEqual(await recorded.checks[0]!.check(), { status: 'pass' });
      assert.deepEqual(recorded.disposers, ['config client']);
    } finally {
      settings.close();
    }
  });

  it('reads live settings through the client, falling back to the environment’s value', async () => {
    const { service } = fakeService({ CONFIG_SERVICE_URL: 'http://config.test:3007' }, answer({ 'decision.timeoutMs': 300, 'bad.value': 'x' }));
    const settings = attachConfigClient(service, { cacheDir: dir })!;
    try {
      await settings.ready();
      const env = { DECISION_TIMEOUT_MS: 800, OTHER_MS: 5, UNTOUCHED: 'a' };
      const config = liveSettings(env, settings, {
        DECISION_TIMEOUT_MS: { key: 'decision.timeoutMs', schema: z.number().int() },
        OTHER_MS: { key: 'bad.value', schema: z.number().int() },
      });
      assert.equal(config.DECISION_TIMEOUT_MS, 300);
      assert.equal(config.OTHER_MS, 5, 'a value that does not fit falls back to the environment');
      assert.equal(config.UNTOUCHED, 'a');
      assert.deepEqual({ ...config }, { DECISION_TIMEOUT_MS: 300, OTHER_MS: 5, UNTOUCHED: 'a' });
      assert.equal(env.DECISION_TIMEOUT_MS, 800, 'the environment’s config is left as it was');
      assert.equal(liveSettings(env, undefined, { DECISION_TIMEOUT_MS: { key: 'decision.timeoutMs', schema: z.number() } }), env);
    } finally {
      settings.close();
    }
  });
});
