import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HealthBodySchema, SERVICES, type ServiceName } from '@ai-ninja/contracts';
import { freePort, launchServices, stopServices, waitUntilReady, type LaunchedService } from '@ai-ninja/tools/launcher';

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the nine services, each its own process', () => {
  let services: LaunchedService[] = [];
  const output: string[] = [];

  before(async () => {
    // Free ports rather than the catalog's, so a system started with `npm start` on this machine is not disturbed.
    const ports = new Map<ServiceName, number>();
    for (const service of SERVICES) ports.set(service.name, await freePort());
    services = launchServices({
      mode: 'source',
      portOf: (service) => ports.get(service.name)!,
      // Their own data directory: never the one `npm start` uses.
      env: { HOST: '127.0.0.1', DATA_DIR: mkdtempSync(join(tmpdir(), 'nine-services-')) },
      onLine: (name, line) => output.push(`${name}: ${line}`),
    });
    try {
      await waitUntilReady(services, 90_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${output.slice(-30).join('\n')}`);
    }
  });
  after(async () => {
    await stopServices(services);
  });

  it('runs nine separate processes, each on the port it was given', async () => {
    assert.equal(services.length, 9);
    assert.equal(new Set(services.map((s) => s.child.pid)).size, 9);
    for (const service of services) {
      const body = HealthBodySchema.parse(await (await fetch(`${service.url}/health/live`)).json());
      assert.equal(body.service, service.name);
      assert.ok(body.serviceId.endsWith(`:${service.child.pid}`), `${service.name} answered from its own process`);
    }
  });

  for (const { name } of SERVICES) {
    it(`${name} answers /health, /health/ready and /health/live with passing health bodies`, async () => {
      const service = services.find((s) => s.name === name)!;
      for (const path of ['/health', '/health/ready', '/health/live']) {
        const response = await fetch(service.url + path);
        assert.equal(response.status, 200, `${name}${path}`);
        assert.match(response.headers.get('content-type') ?? '', /^application\/health\+json/);
        assert.equal(HealthBodySchema.parse(await response.json()).status, 'pass');
      }
    });
  }

  it('stops every process cleanly on SIGTERM, exit code 0, none left behind', async () => {
    const codes = await stopServices(services);
    assert.deepEqual([...codes.values()], Array(9).fill(0));
    for (const service of services) assert.equal(isAlive(service.child.pid!), false, `${service.name} is gone`);
  });
});
