import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServiceName } from '@ai-ninja/contracts';
import { MemoryAlertStore } from '../store/alert.store.js';
import { AlertEngine, describeRule, type Observations } from './alert-engine.js';
import type { AlertEvent } from './alert.types.js';
import type { ServiceStatus } from './health-tracker.js';
import type { RateFigures } from './metrics-tracker.js';

/** A world the test sets by hand: statuses (with since when) and rates per service. */
function world() {
  const statuses = new Map<ServiceName, { status: ServiceStatus; since: number }>();
  const rates = new Map<ServiceName, RateFigures>();
  const observations: Observations = {
    status: (s) => statuses.get(s)?.status,
    statusSince: (s) => statuses.get(s)?.since,
    rates: (s) => rates.get(s),
  };
  return { statuses, rates, observations };
}

const figures = (overrides: Partial<RateFigures>): RateFigures => ({
  requestsPerSecond: 10,
  clientErrorsPerSecond: 0,
  serverErrorsPerSecond: 0,
  clientErrorRatio: 0,
  serverErrorRatio: 0,
  p50Ms: 5,
  p95Ms: 10,
  p99Ms: 20,
  ...overrides,
});

function engine() {
  const events: AlertEvent[] = [];
  return { events, engine: new AlertEngine(new MemoryAlertStore(100), (event) => events.push(event)) };
}

describe('alert engine', () => {
  it('fires a "down for N s" alert only once the service has been down that long, and resolves it when it is back', async () => {
    const { engine: alerts, events } = engine();
    const { statuses, observations } = world();
    const rule = await alerts.createRule({ kind: 'service_down', service: 'storage', forSeconds: 5 }, 0);
    assert.equal(rule.name, 'storage down for 5 s');

    statuses.set('storage', { status: 'down', since: 1000 });
    await alerts.evaluate(observations, 4000);
    assert.equal(events.length, 0, 'down for 3 s: pending');
    await alerts.evaluate(observations, 6000);
    assert.deepEqual(
      events.map((e) => e.event),
      ['alert.fired'],
    );
    const fired = events[0]!.alert;
    assert.equal(fired.conditionSince, new Date(1000).toISOString());
    assert.equal(fired.value, 5);
    await alerts.evaluate(observations, 7000);
    assert.equal(events.length, 1, 'fires once');

    statuses.set('storage', { status: 'up', since: 8000 });
    await alerts.evaluate(observations, 8000);
    assert.deepEqual(
      events.map((e) => e.event),
      ['alert.fired', 'alert.resolved'],
    );
    const [resolved] = await alerts.listAlerts();
    assert.equal(resolved!.id, fired.id);
    assert.equal(resolved!.state, 'resolved');
    assert.equal(resolved!.resolvedAt, new Date(8000).toISOString());
  });

  it('forgets a condition that stopped holding before its time: no alert for a blip', async () => {
    const { engine: alerts, events } = engine();
    const { rates, observations } = world();
    await alerts.createRule({ kind: 'error_rate', service: 'configuration', threshold: 0.1, statusClass: '5xx', forSeconds: 10 }, 0);
    rates.set('configuration', figures({ serverErrorRatio: 0.5 }));
    await alerts.evaluate(observations, 0);
    rates.set('configuration', figures({ serverErrorRatio: 0.01 }));
    await alerts.evaluate(observations, 5000);
    rates.set('configuration', figures({ serverErrorRatio: 0.5 }));
    await alerts.evaluate(observations, 12_000);
    assert.equal(events.length, 0, 'the 10 s start again at 12 s');
    await alerts.evaluate(observations, 22_000);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.alert.value, 0.5);
    assert.match(events[0]!.alert.message, /5xx error rate 50 % above 10 %/);
  });

  it('watches every service when the rule names none, each alerting on its own; 4xx and "any" count their classes', async () => {
    const { engine: alerts, events } = engine();
    const { rates, observations } = world();
    await alerts.createRule({ kind: 'error_rate', threshold: 0.2, statusClass: '4xx', forSeconds: 0 }, 0);
    await alerts.createRule({ kind: 'error_rate', threshold: 0.2, statusClass: 'any', forSeconds: 0 }, 0);
    rates.set('storage', figures({ clientErrorRatio: 0.3 }));
    rates.set('smart-whitelist', figures({ clientErrorRatio: 0.15, serverErrorRatio: 0.15 }));
    await alerts.evaluate(observations, 1000);
    assert.deepEqual(events.map((e) => `${e.rule.kind === 'error_rate' ? e.rule.statusClass : ''} ${e.alert.service}`).sort(), ['4xx storage', 'any smart-whitelist', 'any storage']);
  });

  it('fires on p99 above its threshold, and resolves when there are no figures any more', async () => {
    const { engine: alerts, events } = engine();
    const { rates, observations } = world();
    await alerts.createRule({ kind: 'latency_p99', service: 'phone-gateway', thresholdMs: 500, forSeconds: 1 }, 0);
    rates.set('phone-gateway', figures({ p99Ms: 800 }));
    await alerts.evaluate(observations, 0);
    await alerts.evaluate(observations, 1000);
    assert.equal(events.at(-1)?.event, 'alert.fired');
    rates.delete('phone-gateway');
    await alerts.evaluate(observations, 2000);
    assert.equal(events.at(-1)?.event, 'alert.resolved');
  });

  it('resolves the firing alerts of a deleted rule, and tells so', async () => {
    const { engine: alerts, events } = engine();
    const { statuses, observations } = world();
    const rule = await alerts.createRule({ kind: 'service_down', forSeconds: 0, name: 'anything down' }, 0);
    statuses.set('storage', { status: 'down', since: 0 });
    statuses.set('configuration', { status: 'down', since: 0 });
    await alerts.evaluate(observations, 0);
    assert.equal(events.length, 2);
    assert.equal(await alerts.deleteRule(rule.id, 1000), true);
    assert.deepEqual(
      events.slice(2).map((e) => [e.event, e.alert.resolution]),
      [
        ['alert.resolved', 'the rule was deleted'],
        ['alert.resolved', 'the rule was deleted'],
      ],
    );
    assert.equal(await alerts.deleteRule(rule.id, 1000), false);
    await alerts.evaluate(observations, 2000);
    assert.equal(events.length, 4, 'a deleted rule fires no more');
  });

  it('never fires a rule again that was deleted while an evaluation was running', async () => {
    const events: AlertEvent[] = [];
    // A store that takes its time, as a database does, so the delete lands in the middle of the evaluation.
    class SlowStore extends MemoryAlertStore {
      override async listRules() {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return super.listRules();
      }
    }
    const alerts = new AlertEngine(new SlowStore(100), (event) => events.push(event));
    const { statuses, observations } = world();
    const rule = await alerts.createRule({ kind: 'service_down', service: 'storage', forSeconds: 0 }, 0);
    statuses.set('storage', { status: 'down', since: 0 });
    await alerts.evaluate(observations, 0);
    const evaluation = alerts.evaluate(observations, 1000);
    const deletion = alerts.deleteRule(rule.id, 1000);
    await Promise.all([evaluation, deletion]);
    await alerts.evaluate(observations, 2000);
    assert.deepEqual(
      events.map((e) => e.event),
      ['alert.fired', 'alert.resolved'],
    );
    assert.deepEqual(
      (await alerts.listAlerts()).map((a) => a.state),
      ['resolved'],
    );
  });

  it('names rules in words', () => {
    assert.equal(describeRule({ kind: 'latency_p99', thresholdMs: 250, forSeconds: 60 }), 'any service p99 above 250 ms for 60 s');
    assert.equal(describeRule({ kind: 'error_rate', service: 'storage', threshold: 0.05, statusClass: '5xx', forSeconds: 30 }), 'storage 5xx error rate above 5 % for 30 s');
  });
});
