import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { HealthRegistry, type HealthCheck } from './health-registry.js';

const never = () => new Promise<never>(() => undefined);

function registryWith(...checks: HealthCheck[]) {
  const registry = new HealthRegistry({ service: 'storage', version: '1.2.3' });
  for (const check of checks) registry.register(check);
  return registry;
}

function counting(check: HealthCheck['check']) {
  const calls = { count: 0 };
  return { calls, check: () => ((calls.count += 1), check()) };
}

describe('health registry', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('is ready and live with no checks, naming the service and version', async () => {
    const registry = registryWith();
    const ready = await registry.readiness();
    assert.equal(ready.httpStatus, 200);
    assert.equal(ready.body.status, 'pass');
    assert.equal(ready.body.service, 'storage');
    assert.equal(ready.body.version, '1.2.3');
    assert.equal(registry.liveness().httpStatus, 200);
  });

  it('fails readiness with 503 when a required check fails, and says why', async () => {
    const registry = registryWith({ name: 'database', check: () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:5432')) });
    const ready = await registry.readiness();
    assert.equal(ready.httpStatus, 503);
    assert.equal(ready.body.status, 'fail');
    const [result] = ready.body.checks!.database!;
    assert.equal(result!.status, 'fail');
    assert.equal(result!.affectsReadiness, true);
    assert.equal(result!.output, 'ECONNREFUSED 127.0.0.1:5432');
  });

  it('only warns when an optional check fails', async () => {
    const registry = registryWith({ name: 'redis', required: false, check: () => Promise.reject(new Error('down')) });
    const ready = await registry.readiness();
    assert.equal(ready.httpStatus, 200);
    assert.equal(ready.body.status, 'warn');
  });

  it('passes on a check’s own warn status and observed value', async () => {
    const registry = registryWith({ name: 'disk', check: async () => ({ status: 'warn', observedValue: 93, observedUnit: 'percent', output: 'almost full' }) });
    const ready = await registry.readiness();
    assert.equal(ready.httpStatus, 200);
    assert.equal(ready.body.status, 'warn');
    assert.deepEqual(
      { ...ready.body.checks!.disk![0], time: undefined },
      { status: 'warn', affectsReadiness: true, observedValue: 93, observedUnit: 'percent', output: 'almost full', time: undefined },
    );
  });

  it('never checks dependencies for liveness', async () => {
    const { calls, check } = counting(() => Promise.reject(new Error('down')));
    const registry = registryWith({ name: 'database', check });
    const live = registry.liveness();
    assert.equal(live.httpStatus, 200);
    assert.equal(live.body.status, 'pass');
    assert.equal(live.body.checks, undefined);
    assert.equal(calls.count, 0);
  });

  it('fails a check that takes longer than its timeout', async () => {
    const registry = registryWith({ name: 'slow', timeoutMs: 50, check: never });
    const pending = registry.readiness();
    mock.timers.tick(50);
    const ready = await pending;
    assert.equal(ready.httpStatus, 503);
    assert.equal(ready.body.checks!.slow![0]!.output, 'timed out after 50 ms');
  });

  it('reuses a result for cacheMs, then checks again', async () => {
    const { calls, check } = counting(async () => undefined);
    const registry = registryWith({ name: 'database', cacheMs: 1000, check });
    await registry.readiness();
    await registry.summary();
    assert.equal(calls.count, 1);
    mock.timers.tick(999);
    await registry.readiness();
    assert.equal(calls.count, 1);
    mock.timers.tick(1);
    await registry.readiness();
    assert.equal(calls.count, 2);
  });

  it('runs one check for many concurrent probes', async () => {
    let release!: () => void;
    const { calls, check } = counting(() => new Promise<void>((resolve) => (release = resolve)));
    const registry = registryWith({ name: 'database', check });
    const probes = Array.from({ length: 20 }, () => registry.readiness());
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const results = await Promise.all(probes);
    assert.equal(calls.count, 1);
    assert.ok(results.every((r) => r.httpStatus === 200));
  });

  it('never asks a hung dependency again while its previous check still hangs', async () => {
    const { calls, check } = counting(never);
    const registry = registryWith({ name: 'database', timeoutMs: 100, cacheMs: 500, check });
    const first = registry.readiness();
    mock.timers.tick(100);
    assert.equal((await first).httpStatus, 503);
    mock.timers.tick(10_000);
    const again = await registry.readiness();
    assert.equal(again.httpStatus, 503);
    assert.equal(calls.count, 1);
  });

  it('answers 503 from the moment draining starts, without running checks', async () => {
    const { calls, check } = counting(async () => undefined);
    const registry = registryWith({ name: 'database', check });
    registry.startDraining();
    const ready = await registry.readiness();
    assert.equal(ready.httpStatus, 503);
    assert.equal(ready.body.output, 'shutting down');
    assert.equal((await registry.summary()).httpStatus, 503);
    assert.equal(registry.liveness().httpStatus, 200);
    assert.equal(calls.count, 0);
  });

  it('refuses two checks with the same name', () => {
    const registry = registryWith({ name: 'database', check: async () => undefined });
    assert.throws(() => registry.register({ name: 'database', check: async () => undefined }), /already registered/);
  });
});
