import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PeakEwma } from './peak-ewma.js';

describe('peak EWMA', () => {
  it('jumps at once to a slower observation', () => {
    const ewma = new PeakEwma(10_000, 0);
    ewma.observe(2, 0);
    ewma.observe(200, 1);
    assert.equal(ewma.value(1), 200);
  });

  it('moves toward faster observations as time passes, not all at once', () => {
    const ewma = new PeakEwma(10_000, 0);
    ewma.observe(200, 0);
    ewma.observe(1, 10);
    assert.ok(ewma.value(10) > 195, 'one fast answer right after a slow one barely moves it');
    for (let t = 100; t <= 60_000; t += 100) ewma.observe(1, t);
    assert.ok(ewma.value(60_000) < 2, `after a minute of fast answers: ${ewma.value(60_000)}`);
  });

  it('decays toward zero while unused, so a once-slow replica is tried again', () => {
    const ewma = new PeakEwma(10_000, 0);
    ewma.observe(200, 0);
    assert.ok(Math.abs(ewma.value(10_000) - 200 / Math.E) < 1e-9);
    assert.ok(ewma.value(60_000) < 1);
  });
});
