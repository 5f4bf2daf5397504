import assert from 'node:assert/strict';
import { Agent, get } from 'node:http';
import { describe, it } from 'node:test';
import { createService, serviceConfigSchema } from '../src/index.js';
import { testConfig } from '../src/testing.js';

/** A service with `/slow`, which answers only when the test releases it. */
function slowService(overrides: Record<string, string> = {}) {
  const service = createService({ name: 'storage', version: 'test', config: testConfig(serviceConfigSchema('storage'), overrides) });
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const inHandler = new Promise<void>((resolve) => (started = resolve));
  service.route({
    method: 'get',
    auth: 'public',
    path: '/slow',
    summary: 'Answers when released',
    responses: { 200: { description: 'Done' } },
    handler: async () => {
      started();
      await released;
      return { status: 200, body: { done: true } };
    },
  });
  return { service, release, inHandler };
}

describe('graceful shutdown', () => {
  it('fails readiness at once, lets the request in flight finish, then stops listening', async () => {
    const { service, release, inHandler } = slowService();
    const running = await service.listen();
    const slow = fetch(`${running.url}/slow`);
    await inHandler;

    const closing = running.close('test');
    const ready = await fetch(`${running.url}/health/ready`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { output: string }).output, 'shutting down');

    release();
    const response = await slow;
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('connection'), 'close');
    assert.deepEqual(await response.json(), { done: true });
    assert.deepEqual(await closing, { forced: false });
    await assert.rejects(fetch(`${running.url}/health/live`));
  });

  it('runs the disposers in reverse order, after the last request', async () => {
    const { service, release, inHandler } = slowService();
    const order: string[] = [];
    service.onShutdown('database', () => order.push('database'));
    service.onShutdown('cache', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push('cache');
    });
    service.onShutdown('broken', () => {
      throw new Error('disposer failure is logged, not fatal');
    });
    const running = await service.listen();
    const slow = fetch(`${running.url}/slow`).then(() => order.push('request done'));
    await inHandler;
    const closing = running.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(order, []);
    release();
    await slow;
    assert.deepEqual(await closing, { forced: false });
    assert.deepEqual(order, ['request done', 'cache', 'database']);
  });

  it('closes idle keep-alive connections instead of waiting for their timeout', async () => {
    const { service } = slowService();
    const running = await service.listen();
    const agent = new Agent({ keepAlive: true });
    const { socketClosed } = await new Promise<{ socketClosed: Promise<void> }>((resolve, reject) => {
      const req = get(`${running.url}/health/live`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ socketClosed: closed }));
      });
      let closed!: Promise<void>;
      req.on('socket', (socket) => (closed = new Promise((done) => socket.once('close', () => done()))));
      req.on('error', reject);
    });
    assert.deepEqual(await running.close(), { forced: false });
    await socketClosed;
    agent.destroy();
  });

  it('gives up after the shutdown timeout: cuts the connections and reports a forced shutdown', async () => {
    const { service, inHandler } = slowService({ SHUTDOWN_TIMEOUT_MS: '200' });
    const running = await service.listen();
    const slow = fetch(`${running.url}/slow`);
    await inHandler;
    assert.deepEqual(await running.close(), { forced: true });
    await assert.rejects(slow);
  });

  it('returns the same shutdown to every caller', async () => {
    const { service } = slowService();
    const running = await service.listen();
    const first = running.close('first');
    assert.equal(running.close('second'), first);
    await first;
  });
});

describe('long-lived connections at shutdown', () => {
  /** Opens an upgraded (101) connection the server keeps, as a WebSocket endpoint would. */
  async function upgraded(url: string): Promise<import('node:net').Socket> {
    return new Promise((resolve, reject) => {
      const req = get(`${url}/stream`, { headers: { connection: 'upgrade', upgrade: 'test' } });
      req.on('upgrade', (_res, socket) => resolve(socket));
      req.on('error', reject);
    });
  }

  it('runs the drainers after the last request and before the listener closes, so upgraded connections end cleanly', async () => {
    const { service } = slowService({ SHUTDOWN_TIMEOUT_MS: '5000' });
    const kept = new Set<import('node:stream').Duplex>();
    service.server.on('upgrade', (_req, socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n');
      kept.add(socket);
    });
    const order: string[] = [];
    service.onDrain('streams', () => {
      order.push(`drain (ready ${service.health.draining ? 'failing' : 'passing'})`);
      for (const socket of kept) socket.end();
    });
    service.onShutdown('after', () => order.push('dispose'));
    const running = await service.listen();
    const client = await upgraded(running.url);
    const ended = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.resume();

    assert.deepEqual(await running.close(), { forced: false });
    await ended;
    assert.deepEqual(order, ['drain (ready failing)', 'dispose']);
  });
});
