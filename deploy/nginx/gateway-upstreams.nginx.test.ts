import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import type { ServiceDefinition } from '@ai-ninja/contracts';
import { freePort } from '@ai-ninja/tools/launcher';
import { assertEnvelope, send, skipUnlessInstalled, waitFor } from '../test/http-client.js';
import { findNginx, NGINX_INSTALL_HINT, startGateway, type RunningGateway } from './nginx-gateway.js';

const nginx = findNginx();
const WORKERS = 2;

/** A test upstream: answers with what it received, counts its TCP connections, remembers each request. */
interface TestUpstream {
  readonly server: Server;
  readonly port: number;
  readonly requests: IncomingMessage[];
  connections: number;
}

async function testUpstream(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestUpstream> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handle(req, res);
  });
  // As long as the services' own keep-alive timeout, so an idle upstream connection is not closed under nginx.
  server.keepAliveTimeout = 65_000;
  const upstream: TestUpstream = { server, port: 0, requests, connections: 0 };
  server.on('connection', () => (upstream.connections += 1));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(upstream, { port: (server.address() as { port: number }).port });
}

const echo = (req: IncomingMessage, res: ServerResponse) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ path: req.url, requestId: req.headers['x-request-id'], forwardedProto: req.headers['x-forwarded-proto'] }));
};

describe('the gateway’s upstream handling (real nginx, test upstreams)', { skip: skipUnlessInstalled('nginx', Boolean(nginx), NGINX_INSTALL_HINT) }, () => {
  // realtime-processor has no WebSocket yet: this echo server stands in for it as the /api/realtime/ upstream.
  let realtime: TestUpstream;
  // Two smart-whitelist stand-ins: `slow` holds every request until released, `fast` answers at once.
  let slow: TestUpstream;
  let fast: TestUpstream;
  const held: ServerResponse[] = [];
  let wss: WebSocketServer;
  const upgrades: IncomingMessage[] = [];
  let gateway: RunningGateway | undefined;
  let tlsPort = 0;
  let closedPort = 0;
  let certificateDir = '';
  let certificate = '';

  before(async () => {
    realtime = await testUpstream(echo);
    wss = new WebSocketServer({ server: realtime.server });
    wss.on('connection', (socket, req) => {
      upgrades.push(req);
      socket.on('message', (data) => socket.send(`echo: ${String(data)}`));
    });
    slow = await testUpstream((_req, res) => held.push(res));
    fast = await testUpstream(echo);
    // Nothing listens here: every other service, and the one whose failure is under test.
    closedPort = await freePort();
    certificateDir = mkdtempSync(join(tmpdir(), 'ai-ninja-tls-'));
    // Self-signed, made now and removed after: no private key is ever committed.
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(certificateDir, 'tls.key'), '-out', join(certificateDir, 'tls.crt'),
    ], { stdio: 'ignore' });
    certificate = readFileSync(join(certificateDir, 'tls.crt'), 'utf8');
    tlsPort = await freePort();
    const servers: Partial<Record<string, string[]>> = {
      'realtime-processor': [`127.0.0.1:${realtime.port}`],
      'smart-whitelist': [`127.0.0.1:${slow.port}`, `127.0.0.1:${fast.port}`],
    };
    gateway = await startGateway({
      port: await freePort(),
      workerProcesses: WORKERS,
      upstreams: (service: ServiceDefinition) => servers[service.name] ?? [`127.0.0.1:${closedPort}`],
      tls: { port: tlsPort, certificate: join(certificateDir, 'tls.crt'), certificateKey: join(certificateDir, 'tls.key') },
    });
  });

  after(async () => {
    for (const res of held) res.end();
    await gateway?.stop();
    wss?.close();
    for (const upstream of [realtime, slow, fast]) upstream?.server.closeAllConnections();
    await Promise.all([realtime, slow, fast].map((upstream) => upstream && new Promise((resolve) => upstream.server.close(resolve))));
    if (certificateDir) rmSync(certificateDir, { recursive: true, force: true });
  });

  it('carries a WebSocket conversation through /api/realtime/ to the upstream’s /realtime/ path', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${gateway!.port}/api/realtime/calls/call-1`, { headers: { 'x-request-id': 'ws-conversation-1' } });
    const received: string[] = [];
    socket.on('message', (data) => received.push(String(data)));
    await once(socket, 'open');
    for (const text of ['hello', 'who is calling?', 'goodbye']) {
      socket.send(text);
      await waitFor(`the echo of "${text}"`, () => received.includes(`echo: ${text}`));
    }
    socket.close();
    await once(socket, 'close');
    assert.deepEqual(received, ['echo: hello', 'echo: who is calling?', 'echo: goodbye']);
    assert.equal(upgrades.at(-1)?.url, '/realtime/calls/call-1');
    assert.equal(upgrades.at(-1)?.headers['x-request-id'], 'ws-conversation-1');
  });

  it('reuses upstream connections: 30 requests, each on a new client connection, use at most one per worker', async () => {
    const before = realtime.connections;
    for (let i = 0; i < 30; i += 1) {
      const reply = await send(`${gateway!.url}/api/realtime/keepalive-${i}`);
      assert.equal(reply.status, 200);
      assert.equal(JSON.parse(reply.body).path, `/realtime/keepalive-${i}`);
    }
    const opened = realtime.connections - before;
    assert.ok(opened >= 1 && opened <= WORKERS, `${opened} upstream connections for 30 requests`);
  });

  it('least_conn: while one replica holds a request, every new request goes to the other', async () => {
    const arrivedAt = (requestId: string) =>
      waitFor(`request ${requestId} at an upstream`, () =>
        slow.requests.some((r) => r.headers['x-request-id'] === requestId) ? 'slow' : fast.requests.some((r) => r.headers['x-request-id'] === requestId) ? 'fast' : undefined,
      );
    const pending: Array<Promise<unknown>> = [];
    // Until one request is held by `slow` (the first may go to either replica).
    for (let i = 0; held.length === 0; i += 1) {
      assert.ok(i < 4, 'a request reached the slow replica');
      const requestId = `hold-${i}-${randomUUID()}`;
      const reply = send(`${gateway!.url}/api/whitelist/hold-${i}`, { headers: { 'x-request-id': requestId } });
      if ((await arrivedAt(requestId)) === 'fast') await reply;
      else pending.push(reply);
    }
    const placed: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const requestId = `busy-${i}-${randomUUID()}`;
      const reply = send(`${gateway!.url}/api/whitelist/busy-${i}`, { headers: { 'x-request-id': requestId } });
      const where = await arrivedAt(requestId);
      placed.push(where);
      if (where === 'fast') await reply;
      else pending.push(reply);
    }
    for (const res of held.splice(0)) res.end();
    await Promise.all(pending);
    assert.deepEqual(placed, Array(10).fill('fast'));
  });

  it('answers a request line it cannot read (malformed, or a URI over its buffers) with the JSON envelope, not its HTML 500', async () => {
    const raw = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(gateway!.port, '127.0.0.1', () => socket.end(text));
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
      });
    for (const line of ['BROKEN', 'GET /a b c HTTP/1.1', 'GET /api/%zz HTTP/1.1']) {
      const answer = await raw(`${line}\r\nHost: localhost\r\n\r\n`);
      assert.match(answer, /^HTTP\/1\.1 400 /, `${line}: ${answer.slice(0, 80)}`);
      assert.match(answer, /\r\n\r\n\{"error":\{"code":"BAD_REQUEST"/, line);
    }
    const long = await send(`${gateway!.url}/api/whitelist/${'u'.repeat(20_000)}`);
    assertEnvelope(long, 414, 'URI_TOO_LONG');
  });

  it('answers 502 with the JSON envelope, not an HTML page, when no replica can be reached', async () => {
    const reply = await send(`${gateway!.url}/api/analytics/trends`);
    const envelope = assertEnvelope(reply, 502, 'UPSTREAM_UNAVAILABLE');
    assert.match(envelope.error.requestId!, /^[0-9a-f]{32}$/);
    assert.doesNotMatch(reply.body, /<html/i);
  });

  it('terminates TLS with the certificate it is given, with HSTS only over TLS', async () => {
    const secure = await send(`https://127.0.0.1:${tlsPort}/api/realtime/over-tls`, { ca: certificate });
    assert.equal(secure.status, 200);
    assert.deepEqual(JSON.parse(secure.body), { path: '/realtime/over-tls', requestId: secure.headers['x-request-id'], forwardedProto: 'https' });
    assert.match(String(secure.headers['strict-transport-security']), /^max-age=\d+/);
    const plain = await send(`${gateway!.url}/api/realtime/over-http`);
    assert.equal(JSON.parse(plain.body).forwardedProto, 'http');
    assert.equal(plain.headers['strict-transport-security'], undefined);
  });
});
