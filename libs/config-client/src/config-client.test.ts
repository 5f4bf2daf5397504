import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as flush } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { z, type ConfigEntry, type FeatureFlag } from '@ai-ninja/contracts';
import type { HealthCheck } from '@ai-ninja/health';
import { ServiceClient, type TransportRequest, type TransportResponse } from '@ai-ninja/service-client';
import { ConfigClient, createConfigClient, type ConfigClientOptions } from './config-client.js';
import { compileFlag, evaluateFlags } from './evaluation.js';

/**
 * The client against a real ServiceClient whose transport answers as configuration would (the API itself is tested
 * over HTTP in apps/configuration, with this client against the real service).
 */
class FakeConfiguration {
  values: Record<string, Record<string, ConfigEntry>> = { 'phone-gateway': {}, global: {} };
  flags: FeatureFlag[] = [];
  down = false;
  requests = 0;

  set(scope: string, key: string, value: unknown): void {
    const version = (this.values[scope]![key]?.version ?? 0) + 1;
    this.values[scope]![key] = { key, value: value as ConfigEntry['value'], version, updatedAt: new Date().toISOString(), author: 'user:admin' };
  }

  transport = async (request: TransportRequest): Promise<TransportResponse> => {
    this.requests += 1;
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3007'), { code: 'ECONNREFUSED' });
    const path = new URL(request.url).pathname;
    const scope = /^\/api\/v1\/config\/([^/]+)$/.exec(path)?.[1];
    const body = path === '/api/v1/config/features' ? { flags: this.flags } : scope && this.values[scope] ? { service: scope, values: this.values[scope] } : undefined;
    if (!body) return { status: 404, headers: { 'content-type': 'application/json' }, body: '{"error":{"code":"ROUTE_NOT_FOUND","message":"no"}}' };
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  };
}

const flag = (name: string, overrides: Partial<FeatureFlag> = {}): FeatureFlag => ({
  name,
  description: '',
  enabled: true,
  rolloutPercentage: 50,
  allowUsers: [],
  denyUsers: [],
  version: 1,
  updatedAt: new Date().toISOString(),
  author: 'user:admin',
  ...overrides,
});

/** Lets every pending promise chain run (the fake transport answers at once). */
const settle = async () => {
  for (let i = 0; i < 30; i++) await flush();
};

const TIMEOUT = z.number().int().min(50).max(10_000);

describe('config client', () => {
  let dir: string;
  let configuration: FakeConfiguration;
  let clients: ConfigClient[];
  let warnings: string[];

  const logger = { info: () => undefined, warn: (_: unknown, message: string) => void warnings.push(message) };
  function start(overrides: Partial<ConfigClientOptions> = {}): { config: ConfigClient; check: () => Promise<unknown> } {
    let registered: HealthCheck | undefined;
    const client = new ServiceClient({ env: { CONFIG_SERVICE_URL: 'http://config.test:3007' }, transport: configuration.transport, retries: 0, breaker: false });
    const config = createConfigClient({
      service: 'phone-gateway',
      client,
      cacheDir: dir,
      refreshMs: 3_600_000,
      logger,
      health: { register: (check) => void (registered = check) },
      ...overrides,
    });
    clients.push(config);
    return { config, check: () => registered!.check() };
  }

  beforeEach(async () => {
    configuration = new FakeConfiguration();
    clients = [];
    warnings = [];
    dir = await mkdtemp(join(tmpdir(), 'config-client-'));
  });
  afterEach(async () => {
    for (const client of clients) client.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the service’s own keys over the global ones, and the default for a key nobody set', async () => {
    configuration.set('global', 'decision.timeoutMs', 2000);
    configuration.set('global', 'maintenance', true);
    configuration.set('phone-gateway', 'decision.timeoutMs', 800);
    const { config } = start();
    assert.equal(await config.ready(), true);
    assert.equal(config.get('decision.timeoutMs', TIMEOUT, 1500), 800);
    assert.equal(config.get('maintenance', z.boolean(), false), true);
    assert.equal(config.get('absent', z.string(), 'fallback'), 'fallback');
  });

  it('answers the default, and says so once, when a value does not fit the caller’s schema', async () => {
    configuration.set('phone-gateway', 'decision.timeoutMs', 'soon');
    const { config } = start();
    await config.ready();
    assert.equal(config.get('decision.timeoutMs', TIMEOUT, 1500), 1500);
    assert.equal(config.get('decision.timeoutMs', TIMEOUT, 1500), 1500);
    assert.equal(warnings.filter((w) => w.includes('does not fit its schema')).length, 1);
  });

  it('evaluates flags locally with configuration’s rules', async () => {
    configuration.flags = [flag('a'), flag('b', { enabled: false, allowUsers: ['u1'] }), flag('c', { denyUsers: ['u2'], rolloutPercentage: 100 })];
    const { config } = start();
    await config.ready();
    for (const user of ['u1', 'u2', 'u3', 'u4']) {
      assert.deepEqual(config.flags(user), evaluateFlags(configuration.flags.map(compileFlag), user).flags);
    }
    assert.equal(config.flag('b', 'u1'), true);
    assert.equal(config.flag('c', 'u2'), false);
    assert.equal(config.flag('undefined-flag', 'u1', true), true);
  });

  it('calls change listeners when a value changes, not when a refresh brings the same value', async () => {
    configuration.set('phone-gateway', 'decision.timeoutMs', 800);
    const { config } = start();
    await config.ready();
    const seen: unknown[][] = [];
    const stop = config.onChange('decision.timeoutMs', (value, previous) => seen.push([value, previous]));
    config.onChange('decision.timeoutMs', () => {
      throw new Error('a broken listener');
    });
    await config.refresh();
    assert.deepEqual(seen, []);
    configuration.set('phone-gateway', 'decision.timeoutMs', 900);
    await config.refresh();
    assert.deepEqual(seen, [[900, 800]]);
    stop();
    configuration.set('phone-gateway', 'decision.timeoutMs', 1000);
    await config.refresh();
    assert.deepEqual(seen, [[900, 800]]);
    assert.equal(config.get('decision.timeoutMs', TIMEOUT, 1500), 1000);
  });

  it('keeps serving the last known good values while configuration is unreachable, and reports warn', async () => {
    configuration.set('phone-gateway', 'decision.timeoutMs', 800);
    const { config, check } = start();
    await config.ready();
    assert.deepEqual(await check(), { status: 'pass' });
    configuration.down = true;
    assert.equal(await config.refresh(), false);
    assert.equal(config.get('decision.timeoutMs', TIMEOUT, 1500), 800);
    assert.equal(config.state().fresh, false);
    assert.equal(config.state().source, 'configuration');
    const outcome = (await check()) as { status: string; output: string };
    assert.equal(outcome.status, 'warn');
    assert.match(outcome.output, /configuration unreachable since .*ECONNREFUSED.*serving last known good values fetched at/);
    configuration.down = false;
    assert.equal(await config.refresh(), true);
    assert.deepEqual(await check(), { status: 'pass' });
  });

  it('starts from the values kept on disk when configuration is unreachable at start', async () => {
    configuration.set('phone-gateway', 'decision.timeoutMs', 800);
    configuration.flags = [flag('a', { rolloutPercentage: 100 })];
    const first = start();
    await first.config.ready();
    first.config.close();
    const saved = JSON.parse(await readFile(join(dir, 'config-cache.phone-gateway.json'), 'utf8')) as { service: string };
    assert.equal(saved.service, 'phone-gateway');

    configuration.down = true;
    const second = start();
    // Served at once, before the first refresh has even failed.
    assert.equal(second.config.get('decision.timeoutMs', TIMEOUT, 1500), 800);
    assert.equal(await second.config.ready(), false);
    assert.equal(second.config.get('decision.timeoutMs', TIMEOUT, 1500), 800);
    assert.equal(second.config.flag('a', 'anyone'), true);
    assert.equal(second.config.state().source, 'disk');
    const outcome = (await second.check()) as { status: string; output: string };
    assert.equal(outcome.status, 'warn');
    assert.match(outcome.output, /, from disk$/);
  });

  it('serves built-in defaults, and says so, with nothing cached and configuration unreachable', async () => {
    configuration.down = true;
    const { config, check } = start();
    assert.equal(await config.ready(), false);
    assert.equal(config.get('decision.timeoutMs', TIMEOUT, 1500), 1500);
    assert.equal(config.state().source, 'none');
    assert.match(((await check()) as { output: string }).output, /serving built-in defaults$/);
    assert.ok(warnings.includes('configuration unreachable and nothing cached: serving built-in defaults'));
  });

  it('ignores a damaged cache file, or one of another service, and starts from the defaults', async () => {
    configuration.down = true;
    const file = join(dir, 'config-cache.phone-gateway.json');
    await writeFile(file, '{"format":1,"service":"phone-');
    const damaged = start();
    assert.equal(damaged.config.state().source, 'none');
    await writeFile(file, JSON.stringify({ format: 1, service: 'storage', fetchedAt: new Date().toISOString(), values: { service: {}, global: {} }, flags: [] }));
    const foreign = start();
    assert.equal(foreign.config.state().source, 'none');
    assert.equal(warnings.filter((w) => w.includes('unreadable')).length, 2);
  });

  it('refreshes on its timer until closed, sooner after a failure', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const { config } = start({ refreshMs: 1000, retryMs: 250 });
      await config.ready();
      const afterStart = configuration.requests;
      assert.equal(afterStart, 3, 'the service’s keys, the global keys and the flags');
      mock.timers.tick(1000);
      await settle();
      assert.equal(configuration.requests, afterStart + 3);
      configuration.down = true;
      mock.timers.tick(1000);
      await settle();
      assert.equal(configuration.requests, afterStart + 6);
      // Down: tried again after retryMs (250), not refreshMs.
      mock.timers.tick(250);
      await settle();
      assert.equal(configuration.requests, afterStart + 9);
      config.close();
      mock.timers.tick(5000);
      await settle();
      assert.equal(configuration.requests, afterStart + 9);
    } finally {
      mock.timers.reset();
    }
  });
});
