import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ServiceDefinition, ServiceName } from '@ai-ninja/contracts';
import { freePort, launchServices, stopServices, waitUntilReady, type LaunchedService } from '@ai-ninja/tools/launcher';
import { assertEnvelope, send, skipUnlessInstalled, waitFor, type Reply } from '../test/http-client.js';
import { findNginx, NGINX_INSTALL_HINT, startGateway, type RunningGateway } from './nginx-gateway.js';
import { ROUTED_SERVICES } from './nginx-template.js';

const nginx = findNginx();

/** One process of a service, with everything it logged: the proof of which replica served a request. */
interface Replica {
  readonly service: ServiceName;
  readonly process: LaunchedService;
  readonly lines: string[];
}

// Two replicas where the balancing strategy is under test: least_conn (smart-whitelist) and ip_hash (user-management).
const REPLICATED: readonly ServiceName[] = ['smart-whitelist', 'user-management'];

describe('the gateway: real nginx in front of the real services', { skip: skipUnlessInstalled('nginx', Boolean(nginx), NGINX_INSTALL_HINT) }, () => {
  const replicas: Replica[] = [];
  const gatewayLines: string[] = [];
  let gateway: RunningGateway | undefined;
  let url = '';

  const replicasOf = (name: ServiceName) => replicas.filter((r) => r.service === name);
  /** The replica whose own access log has this request id. */
  const servedBy = (requestId: string) =>
    waitFor(`a replica logging request ${requestId}`, () => replicas.find((r) => r.lines.some((line) => line.includes(`"id":"${requestId}"`))));
  const get = (path: string, requestId: string = randomUUID(), localAddress?: string) => send(url + path, { headers: { 'x-request-id': requestId }, localAddress });

  before(async () => {
    for (const service of ROUTED_SERVICES) {
      for (let i = 0; i < (REPLICATED.includes(service.name) ? 2 : 1); i += 1) {
        const port = await freePort();
        const lines: string[] = [];
        const [launched] = launchServices({
          mode: 'source',
          services: [service],
          portOf: () => port,
          // Each replica its own data directory: never the one `npm start` uses.
          env: { HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: mkdtempSync(join(tmpdir(), `gateway-${service.name}-`)) },
          onLine: (_name, line) => lines.push(line),
        });
        replicas.push({ service: service.name, process: launched!, lines });
      }
    }
    await waitUntilReady(
      replicas.map((r) => r.process),
      90_000,
    );
    gateway = await startGateway({
      port: await freePort(),
      workerProcesses: 2,
      upstreams: (service: ServiceDefinition) => replicasOf(service.name).map((r) => `127.0.0.1:${r.process.port}`),
      onLine: (line) => gatewayLines.push(line),
    });
    url = gateway.url;
  });

  after(async () => {
    await gateway?.stop();
    await stopServices(replicas.map((r) => r.process));
  });

  it('routes every public prefix of the catalog to its service, rewritten to the service’s own path', async () => {
    for (const service of ROUTED_SERVICES) {
      for (const route of service.gatewayRoutes) {
        const requestId = `route-${randomUUID()}`;
        // A path no service has: the service's own 404 names the path it received, rewritten.
        const reply = await get(`${route.path}no/such/route?x=1`, requestId);
        const envelope = assertEnvelope(reply, 404, 'ROUTE_NOT_FOUND');
        assert.equal(envelope.error.message, `No route for GET ${route.upstreamPath}no/such/route`, route.path);
        assert.equal(envelope.error.requestId, requestId);
        assert.equal((await servedBy(requestId)).service, service.name);
      }
    }
  });

  it('makes an X-Request-ID when the client sends none (or an unsafe one) and passes it to the service', async () => {
    for (const headers of [{}, { 'x-request-id': 'not a safe id <script>' }] as Array<Record<string, string>>) {
      const reply = await send(`${url}/api/storage/no/such/id-check`, { headers });
      const made = String(reply.headers['x-request-id']);
      assert.match(made, /^[0-9a-f]{32}$/);
      // The service answered with the id it received: the gateway's.
      assert.equal(assertEnvelope(reply, 404, 'ROUTE_NOT_FOUND').error.requestId, made);
      assert.equal((await servedBy(made)).service, 'storage');
    }
    const kept = await get('/api/storage/id-check', 'client-chosen.id-42');
    assert.equal(kept.headers['x-request-id'], 'client-chosen.id-42');
  });

  it('sends security headers and refuses a body over the services’ limit with the 413 envelope', async () => {
    const reply = await send(`${url}/api/whitelist/too-big`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.alloc(2 * 1024 * 1024, 32) });
    assertEnvelope(reply, 413, 'PAYLOAD_TOO_LARGE');
    assert.equal(reply.headers['x-content-type-options'], 'nosniff');
    assert.equal(reply.headers['x-frame-options'], 'DENY');
    assert.equal(reply.headers['strict-transport-security'], undefined, 'HSTS only over TLS');
    assert.equal(reply.headers.server, 'nginx', 'no version in the Server header');
  });

  it('streams a recording larger than the default limit through to storage (which then asks for a token)', async () => {
    const reply = await send(`${url}/api/storage/audio/upload?callId=c1`, { method: 'POST', headers: { 'content-type': 'audio/wav' }, body: Buffer.alloc(3 * 1024 * 1024, 1) });
    assertEnvelope(reply, 401, 'UNAUTHENTICATED');
  });

  it('keeps the services’ internal routes out of reach: /metrics, /health*, /internal/ answer the 404 envelope', async () => {
    for (const path of ['/metrics', '/health', '/health/ready', '/health/live', '/internal/lookup', '/api/v1/whitelist/x', '/dashboard/..%2Fmetrics', '/api/whitelist/%2e%2e/%2e%2e/metrics', '/']) {
      assertEnvelope(await get(path), 404, 'ROUTE_NOT_FOUND');
    }
    const health = await send(`${url}/gateway/health`);
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.body).status, 'pass');
  });

  it('least_conn: consecutive requests are spread over both smart-whitelist replicas', async () => {
    const served = new Set<Replica>();
    for (let i = 0; i < 12; i += 1) {
      const requestId = `spread-${i}-${randomUUID()}`;
      assertEnvelope(await get(`/api/whitelist/spread-${i}`, requestId), 401, 'UNAUTHENTICATED');
      served.add(await servedBy(requestId));
    }
    const pids = (list: Iterable<Replica>) => [...list].map((r) => r.process.child.pid).sort();
    assert.deepEqual(pids(served), pids(replicasOf('smart-whitelist')));
  });

  it('ip_hash: every client of one /24 network (all of 127.0.0.x too) sticks to one user-management replica, and networks spread', async () => {
    const byNetwork = new Map<number, Set<Replica>>();
    for (let network = 0; network < 8; network += 1) {
      const served = new Set<Replica>();
      for (const host of [1, 2, 77, 200]) {
        const requestId = `hash-${network}-${host}-${randomUUID()}`;
        assertEnvelope(await get('/api/users/me', requestId, `127.0.${network}.${host}`), 401, 'UNAUTHENTICATED');
        served.add(await servedBy(requestId));
      }
      byNetwork.set(network, served);
    }
    for (const [network, served] of byNetwork) assert.equal(served.size, 1, `127.0.${network}.0/24 went to one replica`);
    const used = new Set([...byNetwork.values()].flatMap((served) => [...served]));
    assert.equal(used.size, 2, 'different networks hash to both replicas');
  });

  it('answers 429 with the JSON envelope past the auth burst of 10, after letting the burst through', async () => {
    const replies = await Promise.all(Array.from({ length: 40 }, () => get('/api/auth/login', randomUUID(), '127.0.100.1')));
    // GET has no route there: what passes the limit is the service's own 404.
    const passed = replies.filter((r) => r.status === 404);
    const limited = replies.filter((r) => r.status === 429);
    assert.equal(passed.length + limited.length, replies.length, replies.map((r) => r.status).join(','));
    assert.ok(passed.length >= 11, `the first request and a burst of 10 pass (${passed.length} did)`);
    assert.ok(limited.length >= 1, 'past the burst, requests are refused');
    for (const reply of limited) assertEnvelope(reply, 429, 'RATE_LIMITED');
  });

  it('limits the api zone past its burst of 100, and lets the realtime route take its burst of 200', async () => {
    const api = await Promise.all(Array.from({ length: 300 }, () => get('/api/config/flags', randomUUID(), '127.0.101.1')));
    assert.ok(api.filter((r) => r.status === 401).length >= 101, 'what passes the limit reaches configuration, which asks for a token');
    assert.ok(api.some((r) => r.status === 429));
    const realtime = await Promise.all(Array.from({ length: 201 }, () => get('/api/realtime/session', randomUUID(), '127.0.102.1')));
    assert.deepEqual(
      realtime.filter((r: Reply) => r.status !== 404).map((r) => r.status),
      [],
    );
  });

  it('skips a stopped replica: no request fails while one smart-whitelist replica is down', async () => {
    const [stopped, running] = replicasOf('smart-whitelist');
    await stopServices([stopped!.process]);
    for (let i = 0; i < 12; i += 1) {
      const requestId = `after-stop-${i}-${randomUUID()}`;
      assertEnvelope(await get(`/api/whitelist/after-stop-${i}`, requestId), 401, 'UNAUTHENTICATED');
      assert.equal((await servedBy(requestId)).process.child.pid, running!.process.child.pid);
    }
  });
});
