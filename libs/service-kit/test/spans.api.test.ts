import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpansResponseSchema, z } from '@ai-ninja/contracts';
import { createService, serviceConfigSchema, type RunningService } from '../src/index.js';
import { createTestAuth, expectErrorEnvelope, testConfig, type TestAuth } from '../src/testing.js';

describe('server spans for the trace view', () => {
  let running: RunningService;
  let auth: TestAuth;
  const spans = async (requestId: string) => {
    const response = await fetch(`${running.url}/internal/spans?requestId=${encodeURIComponent(requestId)}`, { headers: auth.bearer(auth.serviceToken('monitoring')) });
    assert.equal(response.status, 200);
    return SpansResponseSchema.parse(await response.json()).spans;
  };

  before(async () => {
    auth = await createTestAuth();
    const service = createService({ name: 'storage', version: 'test', config: testConfig(serviceConfigSchema('storage'), auth.env) });
    service.route({
      method: 'get',
      path: '/api/v1/storage/things/{id}',
      summary: 'A thing',
      auth: 'public',
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: { description: 'OK' } },
      handler: ({ params }) => ({ status: params.id === 'missing' ? 404 : 200, body: {} }),
    });
    running = await service.listen();
  });
  after(() => running.close());

  it('records each request with its ids, route template, status and timing', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await fetch(`${running.url}/api/v1/storage/things/42`, { headers: { 'X-Request-ID': 'span-1', traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    await fetch(`${running.url}/api/v1/storage/things/missing`, { headers: { 'X-Request-ID': 'span-1' } });
    const [first, second] = await spans('span-1');
    assert.equal(first?.traceId, traceId);
    assert.equal(first?.parentSpanId, '00f067aa0ba902b7');
    assert.match(first?.spanId ?? '', /^[0-9a-f]{16}$/);
    assert.deepEqual([first?.service, first?.method, first?.route, first?.status], ['storage', 'GET', '/api/v1/storage/things/:id', 200]);
    assert.ok(first!.durationMs >= 0 && first!.startMs <= second!.startMs);
    assert.equal(second?.status, 404);
    assert.equal(second?.parentSpanId, undefined);
  });

  it('leaves probes, scrapes and span lookups out of the buffer', async () => {
    for (const path of ['/health', '/health/ready', '/health/live', '/metrics']) await fetch(running.url + path, { headers: { 'X-Request-ID': 'probe-1' } });
    await spans('probe-1');
    assert.deepEqual(await spans('probe-1'), []);
  });

  it('serves spans to services only, and validates the request id', async () => {
    await expectErrorEnvelope(await fetch(`${running.url}/internal/spans?requestId=x`), 401, 'UNAUTHENTICATED');
    await expectErrorEnvelope(await fetch(`${running.url}/internal/spans?requestId=x`, { headers: auth.bearer(await auth.userToken('u1')) }), 403, 'FORBIDDEN');
    await expectErrorEnvelope(await fetch(`${running.url}/internal/spans?requestId=${encodeURIComponent('a b')}`, { headers: auth.bearer(auth.serviceToken('monitoring')) }), 400, 'VALIDATION_FAILED');
    await expectErrorEnvelope(await fetch(`${running.url}/internal/spans`, { headers: auth.bearer(auth.serviceToken('monitoring')) }), 400, 'VALIDATION_FAILED');
  });
});
