import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { getRequestContext, remainingTimeMs, runWithContext, type RequestContext } from './context.js';
import { createLogger } from './logger.js';
import { continueOrStartTrace } from './trace.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'storage', destination }) };
}

const context = (overrides: Partial<RequestContext> = {}): RequestContext => ({
  requestId: 'req-1',
  trace: continueOrStartTrace(undefined),
  retryAttempt: 0,
  ...overrides,
});

describe('logger and request context', () => {
  it('writes JSON lines carrying the service name and level', () => {
    const { lines, logger } = capture();
    logger.info({ answer: 42 }, 'hello');
    assert.equal(lines[0]?.service, 'storage');
    assert.equal(lines[0]?.level, 'info');
    assert.equal(lines[0]?.msg, 'hello');
    assert.equal(lines[0]?.answer, 42);
  });

  it('adds the request id and trace ids to every line logged inside a request, across awaits', async () => {
    const { lines, logger } = capture();
    const ctx = context();
    await runWithContext(ctx, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      logger.info('inside');
    });
    logger.info('outside');
    assert.equal(lines[0]?.requestId, 'req-1');
    assert.equal(lines[0]?.traceId, ctx.trace.traceId);
    assert.equal(lines[0]?.spanId, ctx.trace.spanId);
    assert.equal(lines[1]?.requestId, undefined);
  });

  it('keeps concurrent requests’ contexts apart', async () => {
    const seen = await Promise.all(
      ['a', 'b', 'c'].map((id) =>
        runWithContext(context({ requestId: id }), async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return getRequestContext()?.requestId;
        }),
      ),
    );
    assert.deepEqual(seen, ['a', 'b', 'c']);
  });

  it('tells how much time is left before the deadline', () => {
    assert.equal(remainingTimeMs(), undefined);
    runWithContext(context({ deadline: 10_000 }), () => {
      assert.equal(remainingTimeMs(9_250), 750);
      assert.equal(remainingTimeMs(10_500), -500);
    });
  });
});
