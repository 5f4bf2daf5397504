import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { combineReplicas, HealthTracker } from './health-tracker.js';

const up = (replica = 'a') => ({ replica, status: 'up' as const });
const down = (replica = 'a', detail = 'ECONNREFUSED') => ({ replica, status: 'down' as const, detail });

describe('health tracker', () => {
  it('calls a service up when every replica is, down when none is, degraded in between or on a warning', () => {
    assert.equal(combineReplicas([up('a'), up('b')]), 'up');
    assert.equal(combineReplicas([up('a'), down('b')]), 'degraded');
    assert.equal(combineReplicas([down('a'), down('b')]), 'down');
    assert.equal(combineReplicas([{ replica: 'a', status: 'degraded' }]), 'degraded');
    assert.equal(combineReplicas([]), 'down');
  });

  it('records transitions and outages, and availability as the share of time serving', () => {
    const tracker = new HealthTracker(100);
    const t0 = Date.UTC(2026, 0, 1);
    tracker.record('storage', t0, [up()]);
    tracker.record('storage', t0 + 6000, [up()]);
    tracker.record('storage', t0 + 8000, [down()]); // up 8 s
    tracker.record('storage', t0 + 10_000, [down()]);
    const during = tracker.view('storage', t0 + 10_000);
    assert.equal(during.status, 'down');
    assert.equal(during.since, new Date(t0 + 8000).toISOString());
    assert.deepEqual(during.outages, [{ start: new Date(t0 + 8000).toISOString(), end: null, durationSeconds: 2 }]);
    assert.equal(during.replicas[0]!.detail, 'ECONNREFUSED');

    tracker.record('storage', t0 + 12_000, [up()]); // down 4 s
    const after = tracker.view('storage', t0 + 20_000); // up 8 s more, counted up to now
    assert.deepEqual(
      after.transitions.map((t) => [t.from, t.to, t.detail]),
      [
        ['unknown', 'up', undefined],
        ['up', 'down', 'ECONNREFUSED'],
        ['down', 'up', undefined],
      ],
    );
    assert.deepEqual(after.outages, [{ start: new Date(t0 + 8000).toISOString(), end: new Date(t0 + 12_000).toISOString(), durationSeconds: 4 }]);
    assert.deepEqual(after.secondsByStatus, { up: 16, degraded: 0, down: 4 });
    assert.equal(after.observedSeconds, 20);
    assert.equal(after.availability, 0.8);
  });

  it('keeps only the last `historyLimit` transitions', () => {
    const tracker = new HealthTracker(3);
    for (let i = 0; i < 10; i++) tracker.record('storage', 1000 * i, [i % 2 ? down() : up()]);
    const view = tracker.view('storage', 10_000);
    assert.equal(view.transitions.length, 3);
    assert.equal(view.transitions.at(-1)!.at, new Date(9000).toISOString());
  });

  it('says unknown, with no availability, before the first poll', () => {
    const view = new HealthTracker(10).view('storage', Date.now());
    assert.equal(view.status, 'unknown');
    assert.equal(view.availability, null);
  });
});
