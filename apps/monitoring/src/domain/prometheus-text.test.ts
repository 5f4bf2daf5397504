import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics } from '@ai-ninja/observability';
import { bucketBound, parsePrometheusText, PrometheusParseError } from './prometheus-text.js';

describe('Prometheus text parser', () => {
  it('reads what a service’s registry writes: histograms by label, gauges, process metrics', async () => {
    const metrics = createMetrics('storage');
    metrics.httpRequestDuration.observe({ method: 'GET', route: '/api/v1/storage/audio/:id', status_code: '200' }, 0.02);
    metrics.httpRequestDuration.observe({ method: 'GET', route: '/api/v1/storage/audio/:id', status_code: '200' }, 0.3);
    metrics.httpRequestsInFlight.set(3);
    const samples = parsePrometheusText(await metrics.registry.metrics());

    const count = samples.find((s) => s.name === 'http_request_duration_seconds_count');
    assert.deepEqual(count, {
      name: 'http_request_duration_seconds_count',
      labels: { method: 'GET', route: '/api/v1/storage/audio/:id', status_code: '200', service: 'storage' },
      value: 2,
    });
    const buckets = samples.filter((s) => s.name === 'http_request_duration_seconds_bucket');
    assert.deepEqual(
      buckets.map((b) => [bucketBound(b.labels), b.value]),
      [
        [0.001, 0],
        [0.0025, 0],
        [0.005, 0],
        [0.01, 0],
        [0.025, 1],
        [0.05, 1],
        [0.1, 1],
        [0.25, 1],
        [0.5, 2],
        [1, 2],
        [2.5, 2],
        [5, 2],
        [10, 2],
        [Infinity, 2],
      ],
    );
    assert.equal(samples.find((s) => s.name === 'http_requests_in_flight')?.value, 3);
    assert.ok(samples.some((s) => s.name === 'process_resident_memory_bytes' && s.value > 0));
  });

  it('unescapes label values and accepts special values, spaces and timestamps', () => {
    const samples = parsePrometheusText(
      ['# HELP x A metric', '# TYPE x gauge', 'x{a="say \\"hi\\"\\n",b = "c:\\\\d" ,} -Inf 1712345678000', 'y NaN', 'z{} +Inf', 'w 1.5e3', ''].join('\n'),
    );
    assert.deepEqual(samples[0], { name: 'x', labels: { a: 'say "hi"\n', b: 'c:\\d' }, value: -Infinity });
    assert.ok(Number.isNaN(samples[1]!.value));
    assert.equal(samples[2]!.value, Infinity);
    assert.equal(samples[3]!.value, 1500);
  });

  it('throws on a malformed line, naming it, rather than reading half a scrape', () => {
    for (const bad of ['x{a="1" 2', 'x{a=1} 2', 'x abc', '{a="1"} 2', 'x{a="1"}']) {
      assert.throws(() => parsePrometheusText(`ok 1\n${bad}\n`), (error: unknown) => error instanceof PrometheusParseError && error.lineNumber === 2, bad);
    }
  });
});
