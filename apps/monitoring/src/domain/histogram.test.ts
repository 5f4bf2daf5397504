import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { histogramQuantile } from './histogram.js';

describe('histogram quantile', () => {
  const buckets = new Map([
    [0.01, 50],
    [0.1, 90],
    [1, 100],
    [Infinity, 100],
  ]);

  it('interpolates within the bucket where the quantile falls, as Prometheus does', () => {
    assert.equal(histogramQuantile(0.5, buckets), 0.01);
    assert.ok(Math.abs(histogramQuantile(0.7, buckets)! - 0.055) < 1e-9); // 50 + 20 of the 40 in (0.01, 0.1]
    assert.ok(Math.abs(histogramQuantile(0.95, buckets)! - 0.55) < 1e-9);
    assert.ok(Math.abs(histogramQuantile(0.25, buckets)! - 0.005) < 1e-9); // from 0 within the first bucket
  });

  it('reports the highest finite bound for a quantile in the +Inf bucket', () => {
    assert.equal(histogramQuantile(0.99, new Map([[0.5, 1], [Infinity, 10]])), 0.5);
  });

  it('has no quantile of an empty histogram', () => {
    assert.equal(histogramQuantile(0.5, new Map([[0.1, 0], [Infinity, 0]])), undefined);
    assert.equal(histogramQuantile(0.5, new Map()), undefined);
  });
});
