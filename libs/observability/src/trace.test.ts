import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childSpan, continueOrStartTrace, formatTraceparent, parseTraceparent } from './trace.js';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('W3C trace context', () => {
  it('parses a valid traceparent', () => {
    assert.deepEqual(parseTraceparent(VALID), { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentSpanId: '00f067aa0ba902b7', sampled: true });
    assert.equal(parseTraceparent(VALID.replace(/01$/, '00'))?.sampled, false);
  });

  it('rejects malformed headers, version ff, all-zero ids and extra fields on version 00', () => {
    for (const bad of [
      undefined,
      '',
      'garbage',
      VALID.replace(/^00/, 'ff'),
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`,
      `${VALID}-extra`,
      VALID.slice(0, -1),
    ]) {
      assert.equal(parseTraceparent(bad), undefined, String(bad));
    }
  });

  it('accepts a future version with extra fields, as the spec asks', () => {
    assert.equal(parseTraceparent(`01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future`)?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('continues the caller’s trace with a new span, or starts a new trace', () => {
    const continued = continueOrStartTrace(VALID);
    assert.equal(continued.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(continued.parentSpanId, '00f067aa0ba902b7');
    assert.notEqual(continued.spanId, '00f067aa0ba902b7');
    const started = continueOrStartTrace('nonsense');
    assert.match(started.traceId, /^[0-9a-f]{32}$/);
    assert.equal(started.parentSpanId, undefined);
  });

  it('formats a span that parses back to the same ids', () => {
    const span = childSpan(continueOrStartTrace(VALID));
    const parsed = parseTraceparent(formatTraceparent(span));
    assert.deepEqual(parsed, { traceId: span.traceId, parentSpanId: span.spanId, sampled: true });
  });
});
