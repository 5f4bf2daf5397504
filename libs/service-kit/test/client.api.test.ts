import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { z } from '@ai-ninja/contracts';
import { parseTraceparent } from '@ai-ninja/observability';
import { createService, serviceConfigSchema, type RunningService } from '../src/index.js';
import { expectErrorEnvelope, testConfig } from '../src/testing.js';

const DECISION = { decision: 'allow', confidence: 1, reasons: ['contact'], spamScore: 0 };

describe('a service calling another through its ServiceClient', () => {
  let mode: 'ok' | 'busy' | 'slow' = 'ok';
  const seen: IncomingHttpHeaders[] = [];
  let whitelist: RunningService;
  let gateway: RunningService;

  before(async () => {
    const downstream = createService({ name: 'smart-whitelist', version: 'test', config: testConfig(serviceConfigSchema('smart-whitelist')) });
    downstream.route({
      method: 'get',
      auth: 'public',
      path: '/api/v1/whitelist/evaluate/{phone}',
      summary: 'Evaluate',
      responses: { 200: { description: 'Decision' } },
      handler: async (_input, req) => {
        seen.push(req.headers);
        if (mode === 'busy') return { status: 503, body: { error: { code: 'BUSY', message: 'busy' } } };
        if (mode === 'slow') await delay(500);
        return { status: 200, body: DECISION };
      },
    });
    whitelist = await downstream.listen();

    const upstream = createService({ name: 'phone-gateway', version: 'test', config: testConfig(serviceConfigSchema('phone-gateway'), { WHITELIST_SERVICE_URL: whitelist.url }) });
    const client = upstream.createClient({ breaker: false, backoff: { baseMs: 1, maxMs: 2 } });
    upstream.route({
      method: 'get',
      auth: 'public',
      path: '/api/v1/decide/{phone}',
      summary: 'Decide',
      request: { params: z.object({ phone: z.string() }) },
      responses: { 200: { description: 'Decision' } },
      handler: async ({ params }) => ({ status: 200, body: await client.evaluatePhone(params.phone) }),
    });
    gateway = await upstream.listen();
  });
  after(async () => {
    await gateway.close();
    await whitelist.close();
  });

  it('propagates the request id, the trace and the time left', async () => {
    mode = 'ok';
    seen.length = 0;
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${gateway.url}/api/v1/decide/%2B14155550100`, {
      headers: { 'X-Request-ID': 'call-1', traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'X-Request-Timeout-Ms': '2000' },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), DECISION);
    const [headers] = seen;
    assert.equal(headers!['x-request-id'], 'call-1');
    assert.equal(headers!['user-agent'], 'AI-Ninja-ServiceClient/1.0');
    assert.equal(parseTraceparent(headers!.traceparent as string)?.traceId, traceId);
    const left = Number(headers!['x-request-timeout-ms']);
    assert.ok(left > 0 && left <= 2000, `${left} ms left`);
  });

  it('does not retry downstream when the request it serves is itself a retry', async () => {
    mode = 'busy';
    seen.length = 0;
    const response = await fetch(`${gateway.url}/api/v1/decide/%2B14155550100`, { headers: { 'X-Retry-Attempt': '1' } });
    await expectErrorEnvelope(response, 502, 'UPSTREAM_ERROR');
    assert.equal(seen.length, 1);
  });

  it('retries downstream for a first attempt, within its budget', async () => {
    mode = 'busy';
    seen.length = 0;
    await expectErrorEnvelope(await fetch(`${gateway.url}/api/v1/decide/%2B14155550100`), 502, 'UPSTREAM_ERROR');
    assert.equal(seen.length, 4);
  });

  it('answers 504 once the caller’s deadline passes, and starts no further downstream work', async () => {
    mode = 'slow';
    seen.length = 0;
    const response = await fetch(`${gateway.url}/api/v1/decide/%2B14155550100`, { headers: { 'X-Request-Timeout-Ms': '100' } });
    await expectErrorEnvelope(response, 504, 'DEADLINE_EXCEEDED');
    assert.equal(seen.length, 1);
  });

  it('shows its client’s calls on its own /metrics', async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(text, /service_client_call_duration_seconds_count\{[^}]*upstream="smart-whitelist"[^}]*outcome="success"[^}]*\} \d+/);
    assert.match(text, /service_client_attempt_duration_seconds_count\{[^}]*outcome="UPSTREAM_ERROR"[^}]*\} \d+/);
  });
});
