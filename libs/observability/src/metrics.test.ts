import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
