import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { FastHistogram } from './fast-histogram.js';
import { createMetrics } from './metrics.js';

describe('service metrics', () => {
  it('exposes RED HTTP metrics by method, route template and status, labelled with the service', async () => {
    const metrics = createMetrics('smart-whitelist');
    metrics.httpRequestDuration.observe({ method: 'GET', route: '/api/v1/whitelist/:userId', status_code: '200' }, 0.012);
    const text = await metrics.registry.metrics();
    assert.match(
      text,
      /^http_request_duration_seconds_count\{(?=[^}]*method="GET")(?=[^}]*route="\/api\/v1\/whitelist\/:userId")(?=[^}]*status_code="200")(?=[^}]*service="smart-whitelist")[^}]*\} 1$/m,
    );
    assert.match(text, /process_cpu_user_seconds_total\{service="smart-whitelist"\}/);
  });

  it('keeps two services’ registries apart in one process', async () => {
    const a = createMetrics('storage');
    const b = createMetrics('monitoring');
    a.httpRequestsInFlight.inc();
    assert.match(await a.registry.metrics(), /http_requests_in_flight\{service="storage"\} 1/);
    assert.match(await b.registry.metrics(), /http_requests_in_flight\{service="monitoring"\} 0/);
  });
});

describe('fast histogram', () => {
  it('exposes cumulative buckets, sum and count like a prom-client histogram', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: 'storage' });
    const histogram = new FastHistogram('call_seconds', 'Calls', ['upstream', 'outcome'], [0.01, 0.1, 1], registry);
    const ok = histogram.labels('smart-whitelist', 'success');
    for (const value of [0.005, 0.05, 0.05, 0.5, 5]) ok.observe(value);
    assert.equal(histogram.labels('smart-whitelist', 'success'), ok, 'the same series is reused');
    const text = await registry.metrics();
    assert.match(text, /# TYPE call_seconds histogram/);
    assert.match(text, /call_seconds_bucket\{upstream="smart-whitelist",outcome="success",le="0.01",service="storage"\} 1/);
    assert.match(text, /call_seconds_bucket\{upstream="smart-whitelist",outcome="success",le="0.1",service="storage"\} 3/);
    assert.match(text, /call_seconds_bucket\{upstream="smart-whitelist",outcome="success",le="1",service="storage"\} 4/);
    assert.match(text, /call_seconds_bucket\{upstream="smart-whitelist",outcome="success",le="\+Inf",service="storage"\} 5/);
    assert.match(text, /call_seconds_sum\{upstream="smart-whitelist",outcome="success",service="storage"\} 5.605/);
    assert.match(text, /call_seconds_count\{upstream="smart-whitelist",outcome="success",service="storage"\} 5/);
  });
});
