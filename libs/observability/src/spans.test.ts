import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanRecorder, type Span } from './spans.js';

const span = (requestId: string, n: number): Span => ({
  requestId,
  traceId: 'a'.repeat(32),
  spanId: n.toString(16).padStart(16, '0'),
  service: 'storage',
  method: 'GET',
  route: '/x',
  status: 200,
  startMs: n,
  durationMs: 1,
});

describe('span recorder', () => {
  it('returns the spans of one request, oldest first', () => {
    const recorder = new SpanRecorder(10);
    recorder.record(span('r1', 1));
    recorder.record(span('r2', 2));
    recorder.record(span('r1', 3));
    assert.deepEqual(
      recorder.byRequestId('r1').map((s) => s.startMs),
      [1, 3],
    );
    assert.deepEqual(recorder.byRequestId('nope'), []);
  });

  it('keeps only the last `capacity` spans once full, still in order', () => {
    const recorder = new SpanRecorder(3);
    for (let n = 1; n <= 7; n++) recorder.record(span('r', n));
    assert.equal(recorder.size, 3);
    assert.deepEqual(
      recorder.byRequestId('r').map((s) => s.startMs),
      [5, 6, 7],
    );
  });

  it('refuses a capacity that is not a positive integer', () => {
    assert.throws(() => new SpanRecorder(0), /positive integer/);
  });
});
