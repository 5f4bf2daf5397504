import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, describe, it } from 'node:test';
import { ServiceClient, UpstreamTimeoutError, UpstreamUnavailableError, type ServiceClientOptions } from '../src/index.js';

const DECISION = JSON.stringify({ decision: 'unknown', confidence: 0.5, reasons: [], spamScore: 0.2 });

interface TestServer {
  readonly url: string;
  readonly server: Server;
  hits: number;
  connections: number;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** A real HTTP server on a free port, answering with `handler`. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse, hit: number) => void): Promise<TestServer> {
  const state = { hits: 0, connections: 0 };
  const server = createServer((req, res) => handler(req, res, ++state.hits));
  server.on('connection', () => (state.connections += 1));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  let closed = false;
  const test: TestServer = {
    url: `http://127.0.0.1:${port}`,
    server,
    get hits() {
      return state.hits;
    },
    get connections() {
      return state.connections;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  } as TestServer;
  servers.push(test);
  return test;
}

const ok = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end(DECISION);
const unavailable = (res: ServerResponse) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"BUSY","message":"busy"}}');

function clientFor(urls: string[], options: ServiceClientOptions = {}) {
  const client = new ServiceClient({ env: { WHITELIST_SERVICE_URL: urls.join(',') }, backoff: { baseMs: 1, maxMs: 5 }, ...options });
  after(() => client.close());
  return client;
}

describe('ServiceClient over real HTTP', () => {
  it('reuses one keep-alive connection for sequential calls', async () => {
    const server = await serve((_req, res) => ok(res));
    const client = clientFor([server.url]);
    for (let i = 0; i < 50; i++) await client.evaluatePhone('+14155550100');
    assert.equal(server.hits, 50);
    assert.equal(server.connections, 1);
  });

  it('gives up on a slow server after the attempt timeout, with a typed error', async () => {
    const server = await serve((_req, res) => setTimeout(() => ok(res), 1000).unref());
    const client = clientFor([server.url], { retries: 0, breaker: { timeout: 100 } });
    await assert.rejects(client.evaluatePhone('+14155550100'), UpstreamTimeoutError);
  });

  it('rides out a flapping server with retries', async () => {
    const server = await serve((_req, res, hit) => (hit % 3 === 0 ? unavailable(res) : ok(res)));
    const client = clientFor([server.url], { breaker: false });
    for (let i = 0; i < 20; i++) await client.evaluatePhone('+14155550100');
    assert.equal(server.hits, 29, 'every third answer fails and is retried once');
  });

  it('retries a reset connection on the other replica', async () => {
    const resetting = await serve((req) => req.socket.destroy());
    const healthy = await serve((_req, res) => ok(res));
    const client = clientFor([resetting.url, healthy.url], { ejection: false });
    for (let i = 0; i < 20; i++) await client.evaluatePhone('+14155550100');
    assert.equal(healthy.hits, 20);
  });

  it('loses no idempotent call when a replica stops under load', async () => {
    const leaving = await serve((_req, res) => ok(res));
    const staying = await serve((_req, res) => ok(res));
    const client = clientFor([leaving.url, staying.url]);
    let failed = 0;
    for (let batch = 0; batch < 40; batch++) {
      // A graceful stop, as on SIGTERM: requests in flight finish, new connections are refused.
      if (batch === 10) leaving.server.close();
      if (batch === 10) leaving.server.closeIdleConnections();
      await Promise.all(Array.from({ length: 10 }, () => client.evaluatePhone('+14155550100').catch(() => (failed += 1))));
    }
    assert.equal(failed, 0);
    assert.ok(leaving.hits > 0 && staying.hits > 300);
  });

  it('says the upstream is unavailable when nothing listens', async () => {
    const gone = await serve((_req, res) => ok(res));
    await gone.close();
    const client = clientFor([gone.url], { breaker: false, retries: 1 });
    await assert.rejects(client.evaluatePhone('+14155550100'), UpstreamUnavailableError);
  });
});
