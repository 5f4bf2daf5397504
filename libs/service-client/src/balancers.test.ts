import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeastOutstandingBalancer, PeakEwmaBalancer, RoundRobinBalancer } from './balancers.js';
import { Replica } from './replica.js';

const replica = (url: string, latencyMs: number, outstanding = 0) => {
  const r = new Replica(url, undefined, 10_000, 0);
  r.ewma.observe(latencyMs, 0);
  r.outstanding = outstanding;
  return r;
};

/** A deterministic sequence standing in for Math.random. */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('balancers', () => {
  it('round robin takes each replica in turn', () => {
    const replicas = [replica('a', 1), replica('b', 1), replica('c', 1)];
    const balancer = new RoundRobinBalancer();
    const picks = Array.from({ length: 6 }, () => balancer.pick(replicas).url);
    assert.deepEqual(picks, ['b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('least outstanding takes the replica with the fewest requests in flight', () => {
    const replicas = [replica('a', 1, 3), replica('b', 1, 1), replica('c', 1, 2)];
    assert.equal(new LeastOutstandingBalancer().pick(replicas).url, 'b');
  });

  it('power of two choices compares two distinct replicas and takes the cheaper', () => {
    const replicas = [replica('fast', 1), replica('slow', 200), replica('medium', 20)];
    // indices 1 (slow) and then 0 of the remaining two → fast
    assert.equal(new PeakEwmaBalancer(sequence(0.5, 0.1)).pick(replicas, 0).url, 'fast');
    // slow against medium: medium wins
    assert.equal(new PeakEwmaBalancer(sequence(0.5, 0.9)).pick(replicas, 0).url, 'medium');
  });

  it('weighs requests in flight: a fast replica that is busy loses to an idle one a little slower', () => {
    const replicas = [replica('busy', 2, 9), replica('idle', 5, 0)];
    assert.equal(new PeakEwmaBalancer(sequence(0, 0)).pick(replicas, 0).url, 'idle');
  });

  it('with one slow replica among three, sends it almost nothing', () => {
    const replicas = [replica('a', 1), replica('b', 1.2), replica('slow', 200)];
    const balancer = new PeakEwmaBalancer();
    let slow = 0;
    for (let i = 0; i < 10_000; i++) if (balancer.pick(replicas, 0).url === 'slow') slow += 1;
    assert.equal(slow, 0, 'two distinct picks always include a fast replica, which wins');
  });
});
