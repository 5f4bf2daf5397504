import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, parseRetryAfter, RetryBudget } from './retry.js';

describe('backoff', () => {
  const options = { baseMs: 25, maxMs: 1000 };

  it('grows exponentially: retry n waits less than base·2ⁿ⁻¹', () => {
    const almostOne = () => 0.999999;
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => backoffDelay(options, n, almostOne)),
      [24, 49, 99, 199, 399],
    );
  });

  it('never waits longer than the maximum, however many retries', () => {
    for (let n = 1; n < 40; n++) assert.ok(backoffDelay(options, n, () => 0.999999) < 1000);
  });

  it('spreads retries with full jitter, down to no wait at all', () => {
    assert.equal(backoffDelay(options, 5, () => 0), 0);
    const delays = new Set(Array.from({ length: 200 }, () => backoffDelay(options, 5)));
    assert.ok(delays.size > 50, 'random delays, not a fixed schedule');
    for (const delay of delays) assert.ok(delay >= 0 && delay < 400);
  });
});

describe('retry budget', () => {
  const options = { ratio: 0.2, minRetries: 10, windowMs: 10_000 };

  it('allows the floor of retries with no calls at all', () => {
    const budget = new RetryBudget(options, 0);
    let granted = 0;
    while (budget.tryRetry(0)) granted += 1;
    assert.equal(granted, 10);
  });

  it('allows 20% of calls plus the floor, and no more', () => {
    const budget = new RetryBudget(options, 0);
    for (let i = 0; i < 1000; i++) budget.recordCall(i);
    let granted = 0;
    while (budget.tryRetry(1000)) granted += 1;
    assert.equal(granted, 210);
    assert.equal(budget.retries, 210);
  });

  it('forgets calls and retries older than the window', () => {
    const budget = new RetryBudget(options, 0);
    for (let i = 0; i < 100; i++) budget.recordCall(0);
    while (budget.tryRetry(0));
    assert.equal(budget.tryRetry(5_000), false);
    assert.equal(budget.tryRetry(11_000), true);
    assert.equal(budget.calls, 0);
  });

  it('keeps a dead upstream’s load near 1.2× when every call fails and would retry 3 times', () => {
    const budget = new RetryBudget(options, 0);
    let attempts = 0;
    for (let call = 0; call < 5000; call++) {
      const now = call * 2; // 500 calls a second
      budget.recordCall(now);
      attempts += 1;
      for (let retry = 0; retry < 3 && budget.tryRetry(now); retry++) attempts += 1;
    }
    assert.ok(attempts / 5000 <= 1.25, `${attempts / 5000} attempts per call`);
    assert.ok(attempts / 5000 >= 1.15, `${attempts / 5000} attempts per call`);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates as milliseconds from now', () => {
    assert.equal(parseRetryAfter('3', 0), 3000);
    const now = Date.parse('2026-11-30T10:00:00Z');
    assert.equal(parseRetryAfter('Mon, 30 Nov 2026 10:00:02 GMT', now), 2000);
    assert.equal(parseRetryAfter('Mon, 30 Nov 2026 09:00:00 GMT', now), 0);
  });

  it('ignores what it cannot read', () => {
    assert.equal(parseRetryAfter(undefined, 0), undefined);
    assert.equal(parseRetryAfter('soon', 0), undefined);
  });
});
