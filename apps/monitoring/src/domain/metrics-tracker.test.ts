import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics, type ServiceMetrics } from '@ai-ninja/observability';
import { MetricsTracker } from './metrics-tracker.js';

const serve = (metrics: ServiceMetrics, route: string, status: number, seconds: number, times = 1) => {
  for (let i = 0; i < times; i++) metrics.httpRequestDuration.observe({ method: 'GET', route, status_code: String(status) }, seconds);
};
const text = (metrics: ServiceMetrics) => metrics.registry.metrics();
const T0 = Date.UTC(2026, 0, 1);

describe('metrics tracker', () => {
  it('turns two scrapes into rates, 4xx and 5xx apart, and percentiles, leaving probes out', async () => {
    const tracker = new MetricsTracker({ seriesWindowMs: 600_000, rateWindowMs: 30_000 });
    const metrics = createMetrics('storage');
    serve(metrics, '/api/v1/storage/audio/:id', 200, 0.003, 5); // before the first scrape: not counted
    tracker.recordCycle('storage', T0, [{ replica: 'a', text: await text(metrics) }]);
    assert.equal(tracker.current('storage', T0), undefined, 'one scrape is no interval');

    serve(metrics, '/api/v1/storage/audio/:id', 200, 0.003, 90);
    serve(metrics, '/api/v1/storage/audio/:id', 404, 0.003, 6);
    serve(metrics, 'unmatched', 404, 0.001, 2);
    serve(metrics, '/api/v1/storage/audio/upload', 500, 0.7, 2);
    serve(metrics, '/health/ready', 200, 0.001, 50);
    serve(metrics, '/metrics', 200, 0.001, 50);
    serve(metrics, '/internal/spans', 200, 0.001, 50);
    tracker.recordCycle('storage', T0 + 10_000, [{ replica: 'a', text: await text(metrics) }]);

    const view = tracker.view('storage', T0 + 10_000);
    assert.deepEqual(view.totals, { requests: 100, clientErrors: 8, serverErrors: 2 });
    assert.equal(view.current.requestsPerSecond, 10);
    assert.equal(view.current.clientErrorsPerSecond, 0.8);
    assert.equal(view.current.serverErrorsPerSecond, 0.2);
    assert.equal(view.current.clientErrorRatio, 0.08);
    assert.equal(view.current.serverErrorRatio, 0.02);
    // 98 requests took ≤ 5 ms and 2 took 700 ms: p50 in (2.5, 5] ms, p99 in (500, 1000] ms.
    assert.ok(view.current.p50Ms! > 2.5 && view.current.p50Ms! <= 5, `p50 ${view.current.p50Ms}`);
    assert.ok(view.current.p95Ms! <= 5, `p95 ${view.current.p95Ms}`);
    assert.ok(view.current.p99Ms! > 500 && view.current.p99Ms! <= 1000, `p99 ${view.current.p99Ms}`);
    assert.equal(view.series.length, 1);
    assert.equal(view.scrapes, 2);
  });

  it('adds replicas up, and counts a restarted replica’s counters from zero', async () => {
    const tracker = new MetricsTracker({ seriesWindowMs: 600_000, rateWindowMs: 30_000 });
    const a = createMetrics('smart-whitelist');
    let b = createMetrics('smart-whitelist');
    serve(b, '/x', 200, 0.01, 100);
    const scrape = async () => [
      { replica: 'a', text: await text(a) },
      { replica: 'b', text: await text(b) },
    ];
    tracker.recordCycle('smart-whitelist', T0, await scrape());
    serve(a, '/x', 200, 0.01, 10);
    b = createMetrics('smart-whitelist'); // restarted: its counters start again
    serve(b, '/x', 200, 0.01, 4);
    tracker.recordCycle('smart-whitelist', T0 + 2000, await scrape());
    const view = tracker.view('smart-whitelist', T0 + 2000);
    assert.equal(view.totals.requests, 14);
    assert.equal(view.current.requestsPerSecond, 7);
  });

  it('reports the breakers of the service’s clients, and why a scrape failed', async () => {
    const tracker = new MetricsTracker({ seriesWindowMs: 600_000, rateWindowMs: 30_000 });
    const metrics = createMetrics('phone-gateway');
    const breakers = `# TYPE service_client_breaker_state gauge
service_client_breaker_state{upstream="smart-whitelist",replica="*",service="phone-gateway"} 2
service_client_breaker_state{upstream="smart-whitelist",replica="http://b:3006",service="phone-gateway"} 1
service_client_breaker_state{upstream="user-management",replica="*",service="phone-gateway"} 0
`;
    tracker.recordCycle('phone-gateway', T0, [
      { replica: 'http://a:3001', text: (await text(metrics)) + breakers },
      { replica: 'http://b:3001', error: 'UPSTREAM_TIMEOUT: no answer in 1500 ms' },
      { replica: 'http://c:3001', text: 'this is { not prometheus' },
    ]);
    const view = tracker.view('phone-gateway', T0);
    assert.deepEqual(
      view.breakers.map((b) => [b.upstream, b.replica, b.state]),
      [
        ['smart-whitelist', '*', 'open'],
        ['smart-whitelist', 'http://b:3006', 'half-open'],
        ['user-management', '*', 'closed'],
      ],
    );
    assert.equal(view.scrapeErrors['http://b:3001'], 'UPSTREAM_TIMEOUT: no answer in 1500 ms');
    assert.match(view.scrapeErrors['http://c:3001'] ?? '', /line 1/);
    assert.equal(view.scrapes, 1);
  });

  it('keeps the series for its window only, and rates over the rate window', async () => {
    const tracker = new MetricsTracker({ seriesWindowMs: 60_000, rateWindowMs: 10_000 });
    const metrics = createMetrics('configuration');
    for (let second = 0; second <= 120; second += 5) {
      serve(metrics, '/api/v1/config/:service', 200, 0.002, second < 100 ? 5 : 50);
      tracker.recordCycle('configuration', T0 + second * 1000, [{ replica: 'a', text: await text(metrics) }]);
    }
    const view = tracker.view('configuration', T0 + 120_000);
    assert.ok(view.series.every((p) => p.t >= T0 + 60_000));
    assert.equal(view.series.length, 13);
    assert.equal(view.current.requestsPerSecond, 10, 'the last 10 s: 50 requests per 5 s');
    assert.equal(tracker.view('configuration', T0 + 120_000, 20_000).series.length, 5);
  });

  it('ignores metrics that are not the kit’s (a custom counter does not count as requests)', async () => {
    const tracker = new MetricsTracker({ seriesWindowMs: 60_000, rateWindowMs: 10_000 });
    const metrics = createMetrics('storage');
    const custom = (n: number) => `# TYPE uploads_total counter\nuploads_total{service="storage"} ${n}\nother_request_duration_seconds_count{route="/x",status_code="500"} ${n}\n`;
    tracker.recordCycle('storage', T0, [{ replica: 'a', text: (await text(metrics)) + custom(0) }]);
    tracker.recordCycle('storage', T0 + 1000, [{ replica: 'a', text: (await text(metrics)) + custom(10) }]);
    assert.equal(tracker.view('storage', T0 + 1000).totals.requests, 0);
  });
});
