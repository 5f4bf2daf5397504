import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { defineEndpoint, z } from '@ai-ninja/contracts';
import { continueOrStartTrace, parseTraceparent, runWithContext } from '@ai-ninja/observability';
import { CircuitOpenError, DeadlineExceededError, MalformedResponseError, RequestValidationError, UpstreamHttpError, UpstreamUnavailableError } from './errors.js';
import { ServiceClient, type ServiceClientOptions, type TransportRequest, type TransportResponse } from './service-client.js';

const DECISION = { decision: 'allow', confidence: 0.9, reasons: ['in contacts'], spamScore: 0.01 };
const json = (status: number, body: unknown, headers: Record<string, string> = {}): TransportResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const envelope = (code: string) => ({ error: { code, message: code.toLowerCase() } });
const connectionError = (code: string) => Object.assign(new Error(code), { code });

/** A fake network: records every request and answers with `answer`. */
function fakeNetwork(answer: (request: TransportRequest, n: number) => TransportResponse | Promise<TransportResponse>) {
  const requests: TransportRequest[] = [];
  return {
    requests,
    transport: async (request: TransportRequest) => {
      requests.push(request);
      return answer(request, requests.length);
    },
  };
}

const replicas = (...urls: string[]) => ({ WHITELIST_SERVICE_URL: urls.join(','), STORAGE_SERVICE_URL: urls.join(',') });

function client(network: ReturnType<typeof fakeNetwork>, options: ServiceClientOptions = {}) {
  return new ServiceClient({ env: replicas('http://a:3006'), backoff: { baseMs: 0 }, ...options, transport: network.transport });
}

const Upload = defineEndpoint({
  service: 'storage',
  method: 'post',
  path: '/api/v1/things',
  summary: 'Create a thing',
  body: z.object({ name: z.string() }),
  response: z.object({ id: z.string() }),
  successStatuses: [201],
});

describe('ServiceClient calls', () => {
  it('sends the design’s headers and returns the validated answer', async () => {
    const network = fakeNetwork(() => json(200, DECISION));
    const trace = continueOrStartTrace(undefined);
    const decision = await runWithContext({ requestId: 'req-7', trace, retryAttempt: 0 }, () => client(network).evaluatePhone('+1234567890', { userId: 'u1' }));
    assert.deepEqual(decision, DECISION);
    const [request] = network.requests;
    assert.equal(request!.method, 'get');
    assert.equal(request!.url, 'http://a:3006/api/v1/whitelist/evaluate/%2B1234567890?userId=u1');
    assert.equal(request!.headers['user-agent'], 'AI-Ninja-ServiceClient/1.0');
    assert.equal(request!.headers['x-request-id'], 'req-7');
    const sent = parseTraceparent(request!.headers.traceparent);
    assert.equal(sent?.traceId, trace.traceId, 'the same trace');
    assert.notEqual(sent?.parentSpanId, trace.spanId, 'a new span for the attempt');
    assert.ok(Number(request!.headers['x-request-timeout-ms']) <= 5000);
    assert.equal(request!.headers['x-retry-attempt'], undefined);
  });

  it('makes a request id when there is no request context', async () => {
    const network = fakeNetwork(() => json(200, DECISION));
    await client(network).evaluatePhone('+1234567890');
    assert.match(network.requests[0]!.headers['x-request-id']!, /^[0-9a-f]{32}$/);
  });

  it('refuses an invalid request before sending anything', async () => {
    const network = fakeNetwork(() => json(200, DECISION));
    await assert.rejects(client(network).evaluatePhone('0800-CALL-ME'), (error: unknown) => {
      assert.ok(error instanceof RequestValidationError);
      assert.equal(error.issues[0]!.path, 'params.phone');
      return true;
    });
    assert.equal(network.requests.length, 0);
  });

  it('turns a malformed answer into a typed error, never a crash', async () => {
    for (const body of ['<html>oops</html>', JSON.stringify({ decision: 'maybe' })]) {
      const network = fakeNetwork(() => ({ status: 200, headers: {}, body }));
      await assert.rejects(client(network).evaluatePhone('+1234567890'), MalformedResponseError);
    }
  });

  it('reads the upstream’s error envelope into the error', async () => {
    const network = fakeNetwork(() => json(404, envelope('USER_NOT_FOUND')));
    await assert.rejects(client(network).evaluatePhone('+1234567890'), (error: unknown) => {
      assert.ok(error instanceof UpstreamHttpError);
      assert.equal(error.upstreamStatus, 404);
      assert.equal(error.envelope?.error.code, 'USER_NOT_FOUND');
      assert.equal(error.status, 502);
      return true;
    });
  });

  it('treats a 503 from /health/ready as an answer, not an error', async () => {
    const network = fakeNetwork(() => json(503, { status: 'fail', service: 'smart-whitelist', version: '1', serviceId: 'h:1', output: 'shutting down' }));
    const health = await client(network).healthCheck('smart-whitelist');
    assert.equal(health.status, 'fail');
  });

  it('reads a text answer as text when the endpoint says so (Prometheus /metrics), and still validates it', async () => {
    const Metrics = defineEndpoint({ service: 'storage', method: 'get', path: '/metrics', summary: 'Metrics', response: z.string().min(1), responseType: 'text' });
    const text = '# TYPE up gauge\nup 1\n';
    const network = fakeNetwork(() => ({ status: 200, headers: { 'content-type': 'text/plain; version=0.0.4' }, body: text }));
    assert.equal(await client(network).call(Metrics, {}), text);
    assert.equal(network.requests[0]!.headers.accept, 'text/plain');
    const empty = fakeNetwork(() => ({ status: 200, headers: {}, body: '' }));
    await assert.rejects(client(empty).call(Metrics, {}), MalformedResponseError);
  });
});

describe('ServiceClient retries', () => {
  it('retries a GET on 503 up to `retries` times, marking each retry', async () => {
    const network = fakeNetwork(() => json(503, envelope('UNAVAILABLE')));
    await assert.rejects(client(network, { retries: 3, breaker: false }).evaluatePhone('+1234567890'), UpstreamHttpError);
    assert.equal(network.requests.length, 4);
    assert.deepEqual(
      network.requests.map((r) => r.headers['x-retry-attempt']),
      [undefined, '1', '2', '3'],
    );
  });

  it('succeeds when a retry does', async () => {
    const network = fakeNetwork((_, n) => (n < 3 ? json(502, envelope('BAD_GATEWAY')) : json(200, DECISION)));
    assert.deepEqual(await client(network).evaluatePhone('+1234567890'), DECISION);
    assert.equal(network.requests.length, 3);
  });

  it('sends one Idempotency-Key per logical POST, the same on every attempt', async () => {
    const network = fakeNetwork((_, n) => (n < 3 ? json(503, envelope('UNAVAILABLE')) : json(201, { id: 't1' })));
    const c = client(network);
    assert.deepEqual(await c.call(Upload, { body: { name: 'x' } }), { id: 't1' });
    await c.call(Upload, { body: { name: 'y' } });
    const keys = network.requests.map((r) => r.headers['idempotency-key']);
    assert.equal(new Set(keys.slice(0, 3)).size, 1);
    assert.match(keys[0]!, /^[0-9a-f-]{36}$/);
    assert.notEqual(keys[3], keys[0], 'a new key for a new call');
    assert.equal(network.requests[0]!.body, JSON.stringify({ name: 'x' }));
  });

  it('never retries a POST that carries no Idempotency-Key', async () => {
    const network = fakeNetwork(() => json(503, envelope('UNAVAILABLE')));
    await assert.rejects(client(network).call(Upload, { body: { name: 'x' } }, { idempotencyKey: false }), UpstreamHttpError);
    assert.equal(network.requests.length, 1);
  });

  it('does not retry what another try cannot fix: 400, 404, 422', async () => {
    for (const status of [400, 404, 422]) {
      const network = fakeNetwork(() => json(status, envelope('NOPE')));
      await assert.rejects(client(network).evaluatePhone('+1234567890'), UpstreamHttpError);
      assert.equal(network.requests.length, 1, `HTTP ${status}`);
    }
  });

  it('honours Retry-After', async () => {
    const network = fakeNetwork((_, n) => (n === 1 ? json(429, envelope('RATE_LIMITED'), { 'retry-after': '1' }) : json(200, DECISION)));
    const c = client(network);
    const delays: number[] = [];
    c.on('retry', (event) => delays.push(event.delayMs));
    await c.evaluatePhone('+1234567890');
    assert.deepEqual(delays, [1000]);
  });

  it('does not retry when Retry-After asks for longer than the deadline leaves', async () => {
    const network = fakeNetwork(() => json(503, envelope('UNAVAILABLE'), { 'retry-after': '30' }));
    await assert.rejects(client(network).evaluatePhone('+1234567890'), UpstreamHttpError);
    assert.equal(network.requests.length, 1);
  });

  it('retries a failed connection on another replica', async () => {
    const network = fakeNetwork((request) => {
      if (request.url.startsWith('http://down:')) throw connectionError('ECONNREFUSED');
      return json(200, DECISION);
    });
    const c = client(network, { env: replicas('http://down:3006', 'http://up:3006'), ejection: false });
    for (let i = 0; i < 20; i++) assert.deepEqual(await c.evaluatePhone('+1234567890'), DECISION);
    const hostsPerCall: string[][] = [];
    for (const request of network.requests) {
      const host = new URL(request.url).hostname;
      if (request.headers['x-retry-attempt'] === undefined) hostsPerCall.push([host]);
      else hostsPerCall.at(-1)!.push(host);
    }
    for (const hosts of hostsPerCall) assert.equal(new Set(hosts).size, hosts.length, `each attempt on another replica: ${hosts.join(' → ')}`);
  });

  it('moves a refused connection to another replica without spending the retry budget', async () => {
    const network = fakeNetwork((request) => {
      if (request.url.startsWith('http://down:')) throw connectionError('ECONNREFUSED');
      return json(200, DECISION);
    });
    const c = client(network, { env: replicas('http://down:3006', 'http://up:3006'), ejection: false, breaker: false, retryBudget: { ratio: 0, minRetries: 0 } });
    for (let i = 0; i < 50; i++) assert.deepEqual(await c.evaluatePhone('+1234567890'), DECISION);
  });

  it('keeps a dead upstream’s load within the retry budget: about 1.2 attempts per call', async () => {
    const network = fakeNetwork(() => json(503, envelope('UNAVAILABLE')));
    const c = client(network, { retries: 3, breaker: false, ejection: false });
    for (let i = 0; i < 500; i++) await assert.rejects(c.evaluatePhone('+1234567890'));
    const perCall = network.requests.length / 500;
    assert.ok(perCall <= 1.25, `${perCall} attempts per call`);
    assert.ok(c.stats()['smart-whitelist']!.budgetExhausted > 0);
  });

  it('without a budget, naive retries send 4 attempts per call', async () => {
    const network = fakeNetwork(() => json(503, envelope('UNAVAILABLE')));
    const c = client(network, { retries: 3, breaker: false, ejection: false, retryBudget: false });
    for (let i = 0; i < 50; i++) await assert.rejects(c.evaluatePhone('+1234567890'));
    assert.equal(network.requests.length, 200);
  });

  it('does not retry the downstream calls of a request that is itself a retry', async () => {
    const network = fakeNetwork(() => json(503, envelope('UNAVAILABLE')));
    const context = { requestId: 'r', trace: continueOrStartTrace(undefined), retryAttempt: 1 };
    await assert.rejects(runWithContext(context, () => client(network).evaluatePhone('+1234567890')));
    assert.equal(network.requests.length, 1);
  });
});

describe('ServiceClient deadlines', () => {
  /** Answers only when its timeout passes, as an unresponsive server would. */
  const hanging = fakeNetwork(
    (request) =>
      new Promise<TransportResponse>((_, reject) => {
        setTimeout(() => reject(connectionError('ETIMEDOUT')), request.timeoutMs);
      }),
  );

  it('is bounded by the caller’s propagated deadline, and sends the time left downstream', async () => {
    const context = { requestId: 'r', trace: continueOrStartTrace(undefined), retryAttempt: 0, deadline: Date.now() + 50 };
    const c = new ServiceClient({ env: replicas('http://a:3006'), transport: hanging.transport, backoff: { baseMs: 0 } });
    await assert.rejects(
      runWithContext(context, () => c.evaluatePhone('+1234567890')),
      DeadlineExceededError,
    );
    assert.equal(hanging.requests.length, 1, 'no attempt starts once the deadline has passed');
    assert.ok(Number(hanging.requests[0]!.headers['x-request-timeout-ms']) <= 50);
  });

  it('starts nothing when the deadline has already passed', async () => {
    const network = fakeNetwork(() => json(200, DECISION));
    const context = { requestId: 'r', trace: continueOrStartTrace(undefined), retryAttempt: 0, deadline: Date.now() - 1 };
    await assert.rejects(runWithContext(context, () => client(network).evaluatePhone('+1234567890')), DeadlineExceededError);
    assert.equal(network.requests.length, 0);
  });
});

describe('ServiceClient circuit breakers', () => {
  afterEach(() => mock.timers.reset());

  const breakerOptions = { volumeThreshold: 10, resetTimeout: 30_000, errorThresholdPercentage: 50 };

  it('opens under many concurrent failures, then fails fast without touching the network', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
    const network = fakeNetwork(() => json(503, envelope('UNAVAILABLE')));
    const c = client(network, { retries: 0, breaker: breakerOptions });
    await Promise.allSettled(Array.from({ length: 30 }, () => c.evaluatePhone('+1234567890')));
    const sent = network.requests.length;
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => c.evaluatePhone('+1234567890')));
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof CircuitOpenError));
    assert.equal(network.requests.length, sent, 'not one request while open');
    assert.equal(c.stats()['smart-whitelist']!.breaker, 'open');
    assert.equal(c.stats()['smart-whitelist']!.rejects, 100);
  });

  it('answers with the call’s fallback while open', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
    const network = fakeNetwork(() => json(503, envelope('UNAVAILABLE')));
    const c = client(network, { retries: 0, breaker: breakerOptions });
    await Promise.allSettled(Array.from({ length: 20 }, () => c.evaluatePhone('+1234567890')));
    const fallback = { decision: 'unknown' as const, confidence: 0, reasons: ['whitelist unavailable'], spamScore: 0 };
    assert.deepEqual(await c.evaluatePhone('+1234567890', {}, { fallback: () => fallback }), fallback);
  });

  it('lets exactly one probe through when half-open, and closes when it succeeds', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
    let healthy = false;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const network = fakeNetwork(async () => {
      if (!healthy) return json(503, envelope('UNAVAILABLE'));
      await released;
      return json(200, DECISION);
    });
    const c = client(network, { retries: 0, breaker: breakerOptions });
    await Promise.allSettled(Array.from({ length: 20 }, () => c.evaluatePhone('+1234567890')));
    assert.equal(c.stats()['smart-whitelist']!.breaker, 'open');

    healthy = true;
    mock.timers.tick(30_000);
    assert.equal(c.stats()['smart-whitelist']!.breaker, 'half-open');
    const before = network.requests.length;
    const crowd = Promise.allSettled(Array.from({ length: 50 }, () => c.evaluatePhone('+1234567890')));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(network.requests.length - before, 1, 'one probe, while 49 fail fast');
    release();
    const results = await crowd;
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.ok(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof CircuitOpenError));
    assert.equal(c.stats()['smart-whitelist']!.breaker, 'closed');
    assert.deepEqual(await c.evaluatePhone('+1234567890'), DECISION);
  });

  it('opens again when the half-open probe fails', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
    const network = fakeNetwork(() => json(503, envelope('UNAVAILABLE')));
    const c = client(network, { retries: 0, breaker: breakerOptions });
    await Promise.allSettled(Array.from({ length: 20 }, () => c.evaluatePhone('+1234567890')));
    mock.timers.tick(30_000);
    await Promise.allSettled(Array.from({ length: 10 }, () => c.evaluatePhone('+1234567890')));
    assert.equal(c.stats()['smart-whitelist']!.breaker, 'open');
  });

  it('is never tripped by 4xx answers other than 408 and 429', async () => {
    const network = fakeNetwork(() => json(404, envelope('NOT_FOUND')));
    const c = client(network, { retries: 0, breaker: breakerOptions });
    await Promise.allSettled(Array.from({ length: 100 }, () => c.evaluatePhone('+1234567890')));
    assert.equal(network.requests.length, 100);
    assert.equal(c.stats()['smart-whitelist']!.breaker, 'closed');
  });

  it('is tripped by 429 and 408', async () => {
    for (const status of [408, 429]) {
      const network = fakeNetwork(() => json(status, envelope('SLOW_DOWN')));
      const c = client(network, { retries: 0, breaker: breakerOptions });
      await Promise.allSettled(Array.from({ length: 30 }, () => c.evaluatePhone('+1234567890')));
      assert.equal(c.stats()['smart-whitelist']!.breaker, 'open', `HTTP ${status}`);
    }
  });

  it('keeps a fallback for upstream failures only: a 404 is still an error', async () => {
    const network = fakeNetwork(() => json(404, envelope('NOT_FOUND')));
    await assert.rejects(client(network).evaluatePhone('+1234567890', {}, { fallback: () => DECISION as never }), UpstreamHttpError);
  });
});

describe('ServiceClient replicas', () => {
  it('ejects a replica after consecutive failures, but keeps at least half in rotation', async () => {
    const bad = new Set(['b', 'c']);
    const network = fakeNetwork((request) => (bad.has(new URL(request.url).hostname) ? json(503, envelope('UNAVAILABLE')) : json(200, DECISION)));
    const c = client(network, { env: replicas('http://a:1', 'http://b:1', 'http://c:1'), balancer: 'round-robin', retries: 0, breaker: false, retryBudget: false });
    const ejected: string[] = [];
    c.on('ejection', (event) => ejected.push(event.replica));
    for (let i = 0; i < 60; i++) await c.evaluatePhone('+1234567890').catch(() => undefined);
    assert.equal(ejected.length, 1, 'only one of three may be out');
    const available = c.stats()['smart-whitelist']!.replicas.filter((r) => r.available).map((r) => r.url);
    assert.equal(available.length, 2);
  });

  it('ejects for longer each time a replica is ejected again', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
    try {
      const network = fakeNetwork((request) => (request.url.startsWith('http://b:') ? json(503, envelope('UNAVAILABLE')) : json(200, DECISION)));
      const c = client(network, { env: replicas('http://a:1', 'http://b:1'), balancer: 'round-robin', retries: 0, breaker: false, ejection: { consecutiveFailures: 3, baseMs: 10_000 } });
      const durations: number[] = [];
      c.on('ejection', (event) => durations.push(event.durationMs));
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 10; i++) await c.evaluatePhone('+1234567890').catch(() => undefined);
        mock.timers.tick(400_000);
      }
      assert.deepEqual(durations, [10_000, 20_000, 30_000]);
    } finally {
      mock.timers.reset();
    }
  });

  it('steers around a replica that fails fast, so its errors stay rare without any retry', async () => {
    const network = fakeNetwork((request) => (request.url.startsWith('http://bad:') ? json(503, envelope('UNAVAILABLE')) : json(200, DECISION)));
    const c = client(network, { env: replicas('http://a:1', 'http://b:1', 'http://bad:1'), retries: 0, breaker: false, ejection: false });
    let failures = 0;
    for (let i = 0; i < 1000; i++) await c.evaluatePhone('+1234567890').catch(() => (failures += 1));
    assert.ok(failures <= 10, `${failures} of 1000 failed`);
  });

  it('follows DNS: replicas join and leave without a restart', async () => {
    let addresses = [{ address: '10.0.0.1', family: 4 }];
    const network = fakeNetwork(() => json(200, DECISION));
    const c = client(network, { env: replicas('http://smart-whitelist:3006'), dnsRefreshMs: 60_000, lookup: async () => addresses });
    const changes: string[][] = [];
    c.on('replicas-changed', (event) => changes.push(event.replicas));
    await c.evaluatePhone('+1234567890');
    await c.refreshDiscovery();
    addresses = [
      { address: '10.0.0.2', family: 4 },
      { address: '10.0.0.3', family: 4 },
    ];
    await c.refreshDiscovery();
    assert.deepEqual(changes.at(-1), ['http://10.0.0.2:3006', 'http://10.0.0.3:3006']);
    for (let i = 0; i < 20; i++) await c.evaluatePhone('+1234567890');
    const hosts = new Set(network.requests.slice(-20).map((r) => new URL(r.url).hostname));
    assert.deepEqual([...hosts].sort(), ['10.0.0.2', '10.0.0.3']);
    c.close();
  });

  it('says plainly when no replica can be reached', async () => {
    const network = fakeNetwork(() => {
      throw connectionError('ECONNREFUSED');
    });
    await assert.rejects(client(network, { breaker: false }).evaluatePhone('+1234567890'), UpstreamUnavailableError);
  });
});

describe('ServiceClient observability', () => {
  it('gives the design’s breaker figures per upstream', async () => {
    const network = fakeNetwork((_, n) => (n % 4 === 0 ? json(404, envelope('NOPE')) : json(200, DECISION)));
    const c = client(network, { retries: 0 });
    for (let i = 0; i < 40; i++) await c.evaluatePhone('+1234567890').catch(() => undefined);
    const stats = c.stats()['smart-whitelist']!;
    assert.equal(stats.fires, 40);
    assert.equal(stats.successes, 30);
    assert.equal(stats.failures, 10);
    assert.equal(stats.rejects, 0);
    assert.ok(stats.latency.p99 >= stats.latency.p50);
    assert.equal(stats.replicas.length, 1);
  });

  it('counts logical calls and attempts apart in Prometheus metrics', async () => {
    const network = fakeNetwork((_, n) => (n === 1 ? json(503, envelope('UNAVAILABLE')) : json(200, DECISION)));
    const c = client(network);
    await c.evaluatePhone('+1234567890');
    const text = await c.registry.metrics();
    assert.match(text, /service_client_call_duration_seconds_count\{upstream="smart-whitelist",outcome="success"\} 1/);
    assert.match(text, /service_client_attempt_duration_seconds_count\{upstream="smart-whitelist",replica="http:\/\/a:3006",outcome="UPSTREAM_ERROR"\} 1/);
    assert.match(text, /service_client_attempt_duration_seconds_count\{upstream="smart-whitelist",replica="http:\/\/a:3006",outcome="success"\} 1/);
    assert.match(text, /service_client_retries_total\{upstream="smart-whitelist",reason="UPSTREAM_ERROR"\} 1/);
    assert.match(text, /service_client_breaker_state\{upstream="smart-whitelist",replica="\*"\} 0/);
  });
});
