import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { guardExternal } from './external.js';

describe('guardExternal', () => {
  it('bounds each call in time, opens after repeated failures, then rejects without calling', async () => {
    let calls = 0;
    const states: string[] = [];
    const guard = guardExternal(
      async (ms: number) => {
        calls += 1;
        await sleep(ms);
        throw new Error('provider down');
      },
      { timeoutMs: 50, volumeThreshold: 3, resetTimeoutMs: 60_000, onStateChange: (state) => states.push(state) },
    );
    try {
      await assert.rejects(guard.fire(200), /Timed out/);
      await assert.rejects(guard.fire(0), /provider down/);
      await assert.rejects(guard.fire(0), /provider down/);
      assert.equal(guard.state, 'open');
      assert.deepEqual(states, ['open']);
      const before = calls;
      await assert.rejects(guard.fire(0), /Breaker is open/);
      assert.equal(calls, before, 'an open breaker does not call the provider');
    } finally {
      guard.shutdown();
    }
  });

  it('passes results through while the dependency answers', async () => {
    const guard = guardExternal(async (a: number, b: number) => a + b, { timeoutMs: 100 });
    try {
      assert.equal(await guard.fire(2, 3), 5);
      assert.equal(guard.state, 'closed');
    } finally {
      guard.shutdown();
    }
  });
});
