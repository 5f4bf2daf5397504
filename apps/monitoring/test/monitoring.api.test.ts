import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SERVICE_NAMES } from '@ai-ninja/contracts';
import { createTestAuth, describeServiceBasics, expectErrorEnvelope, testConfig, type TestAuth } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import type { AlertEvent } from '../src/domain/alert.types.js';
import { AlertsOverviewSchema, DashboardOverviewSchema, HealthOverviewSchema, MetricsOverviewSchema, TraceSchema } from '../src/routes/monitoring.schemas.js';
import { DECIDE_PATH, startFleet, waitFor, type Fleet } from './fleet.js';

const dataDir = mkdtempSync(join(tmpdir(), 'monitoring-basics-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));
describeServiceBasics({
  name: 'monitoring',
  configSchema,
  env: { DATA_DIR: dataDir },
  createApp: (config) => createApp({ config, version: 'test' }),
});

/** A webhook receiver: records every JSON body POSTed to it; the first `failFirst` deliveries get a 500. */
async function startWebhook(failFirst = 0) {
  const received: AlertEvent[] = [];
  let attempts = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      attempts += 1;
      if (attempts <= failFirst) {
        res.writeHead(500).end();
        return;
      }
      received.push(JSON.parse(body) as AlertEvent);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/alerts`,
    received,
    attempts: () => attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('monitoring over a fleet of real services', () => {
  let fleet: Fleet;
  let auth: TestAuth;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  let api: string;

  const getJson = async (path: string, init?: RequestInit) => {
    const response = await fetch(api + path, init);
    assert.equal(response.status, 200, `${path}: HTTP ${response.status}`);
    return (await response.json()) as unknown;
  };
  const health = async () => HealthOverviewSchema.parse(await getJson('/api/v1/monitoring/health'));
  const serviceHealth = async (name: string) => (await health()).services.find((s) => s.service === name)!;
  const metrics = async () => MetricsOverviewSchema.parse(await getJson('/api/v1/monitoring/metrics'));
  const serviceMetrics = async (name: string) => (await metrics()).services.find((s) => s.service === name)!;
  const alerts = async () => AlertsOverviewSchema.parse(await getJson('/api/v1/monitoring/alerts'));

  before(async () => {
    auth = await createTestAuth();
    // The first delivery fails: the notifier must retry it.
    webhook = await startWebhook(1);
    fleet = await startFleet({
      env: auth.env,
      replicas: { 'smart-whitelist': 2 },
      monitoringEnv: { MONITORING_ALERT_WEBHOOK_URL: webhook.url, MONITORING_WEBHOOK_BACKOFF_MS: '20', MONITORING_RATE_WINDOW_MS: '600000' },
    });
    api = fleet.monitoring.url;
  });
  after(async () => {
    await fleet?.close();
    await webhook?.close();
  });

  it('sees every service of the catalog up, each replica polled on its own', async () => {
    const overview = await waitFor('all nine up', async () => {
      const body = await health();
      return body.services.every((s) => s.status === 'up') ? body : undefined;
    });
    assert.deepEqual(
      overview.services.map((s) => s.service),
      [...SERVICE_NAMES],
    );
    const whitelist = overview.services.find((s) => s.service === 'smart-whitelist')!;
    assert.deepEqual(whitelist.replicas.map((r) => r.url).sort(), [fleet.url('smart-whitelist', 0), fleet.url('smart-whitelist', 1)].sort());
    assert.equal(overview.services.find((s) => s.service === 'monitoring')!.replicas[0]!.url, 'in-process');
  });

  it('calls a service with one replica of two down degraded, and up again when it is back', async () => {
    await fleet.stop('smart-whitelist', 1);
    const degraded = await waitFor('smart-whitelist degraded', async () => {
      const s = await serviceHealth('smart-whitelist');
      return s.status === 'degraded' ? s : undefined;
    });
    const down = degraded.replicas.find((r) => r.status === 'down')!;
    assert.equal(down.url, fleet.url('smart-whitelist', 1));
    assert.match(down.detail ?? '', /shutting down|UPSTREAM_UNAVAILABLE/);
    await fleet.start('smart-whitelist', 1);
    await waitFor('smart-whitelist up', async () => ((await serviceHealth('smart-whitelist')).status === 'up' ? true : undefined));
  });

  it('refuses alert rules without an admin: 401 without a token, 403 for a user, 400 for a bad rule', async () => {
    const rule = JSON.stringify({ kind: 'service_down', service: 'storage', forSeconds: 1 });
    const post = (headers: Record<string, string>, body = rule) => fetch(`${api}/api/v1/monitoring/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    await expectErrorEnvelope(await post({}), 401, 'UNAUTHENTICATED');
    await expectErrorEnvelope(await post(auth.bearer(await auth.userToken('u1'))), 403, 'FORBIDDEN');
    const admin = auth.bearer(await auth.userToken('ops', ['admin']));
    await expectErrorEnvelope(await post(admin, JSON.stringify({ kind: 'service_down', service: 'nope', forSeconds: 1 })), 400, 'VALIDATION_FAILED');
    await expectErrorEnvelope(await post(admin, JSON.stringify({ kind: 'error_rate', forSeconds: 1, threshold: 5 })), 400, 'VALIDATION_FAILED');
    await expectErrorEnvelope(await post(admin, JSON.stringify({ kind: 'latency_p99', forSeconds: -1, thresholdMs: 100 })), 400, 'VALIDATION_FAILED');
  });

  it('notices a stopped service within a few polls, records the outage, fires the "down for 1 s" alert and sends it to the webhook', async () => {
    const admin = auth.bearer(await auth.userToken('ops', ['admin']));
    const created = await fetch(`${api}/api/v1/monitoring/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin },
      body: JSON.stringify({ kind: 'service_down', service: 'storage', forSeconds: 1 }),
    });
    assert.equal(created.status, 201);
    const rule = (await created.json()) as { id: string; name: string };
    assert.equal(rule.name, 'storage down for 1 s');
    assert.ok((await alerts()).rules.some((r) => r.id === rule.id));

    await fleet.stop('storage');
    const down = await waitFor('storage down', async () => {
      const s = await serviceHealth('storage');
      return s.status === 'down' ? s : undefined;
    });
    assert.deepEqual(down.transitions[0]?.to, 'up');
    assert.deepEqual(
      [down.transitions.at(-1)?.from, down.transitions.at(-1)?.to],
      ['up', 'down'],
    );
    assert.equal(down.outages.at(-1)!.end, null, 'an open outage');

    const fired = await waitFor('the storage alert firing', async () => (await alerts()).active.find((a) => a.ruleId === rule.id));
    assert.equal(fired.service, 'storage');
    assert.equal(fired.state, 'firing');
    assert.ok(Date.parse(fired.firedAt) - Date.parse(fired.conditionSince) >= 1000, 'fires only after the condition held for 1 s');
    // The first delivery got a 500: it arrives on a retry.
    const event = await waitFor('the webhook to receive alert.fired', async () => webhook.received.find((e) => e.event === 'alert.fired'));
    assert.equal(event.alert.id, fired.id);
    assert.equal(event.rule.id, rule.id);
    assert.ok(webhook.attempts() >= 2);
  });

  it('sees the service back up after a restart, closes the outage, resolves the alert and tells the webhook', async () => {
    await fleet.start('storage');
    const up = await waitFor('storage up', async () => {
      const s = await serviceHealth('storage');
      return s.status === 'up' ? s : undefined;
    });
    assert.deepEqual(up.transitions.at(-1)?.to, 'up');
    assert.ok(up.outages.length >= 1);
    assert.ok(up.outages.every((o) => o.end !== null && o.durationSeconds > 0), 'every outage closed');
    assert.ok(up.availability !== null && up.availability < 1 && up.availability > 0, `availability ${up.availability}`);
    assert.ok(up.secondsByStatus.down > 0);

    const resolved = await waitFor('the storage alert resolved', async () => (await alerts()).resolved.find((a) => a.service === 'storage'));
    assert.ok(resolved.resolvedAt !== null);
    assert.equal(resolved.resolution, 'the condition cleared');
    assert.equal((await alerts()).active.length, 0);
    const event = await waitFor('the webhook to receive alert.resolved', async () => webhook.received.find((e) => e.event === 'alert.resolved'));
    assert.equal(event.alert.id, resolved.id);
  });

  it('deletes a rule (admin only); an unknown rule is a 404 envelope', async () => {
    const admin = auth.bearer(await auth.userToken('ops', ['admin']));
    const [rule] = (await alerts()).rules;
    await expectErrorEnvelope(await fetch(`${api}/api/v1/monitoring/alerts/${rule!.id}`, { method: 'DELETE' }), 401, 'UNAUTHENTICATED');
    assert.equal((await fetch(`${api}/api/v1/monitoring/alerts/${rule!.id}`, { method: 'DELETE', headers: admin })).status, 204);
    assert.equal((await alerts()).rules.length, 0);
    await expectErrorEnvelope(await fetch(`${api}/api/v1/monitoring/alerts/${rule!.id}`, { method: 'DELETE', headers: admin }), 404, 'ALERT_RULE_NOT_FOUND');
    await expectErrorEnvelope(await fetch(`${api}/api/v1/monitoring/alerts/not-a-uuid`, { method: 'DELETE', headers: admin }), 400, 'VALIDATION_FAILED');
  });

  it('computes request and error rates (4xx and 5xx apart) and latency from real traffic, leaving probes out', async () => {
    // A scrape before the traffic, so all of it falls between two scrapes.
    const before = await waitFor('a first scrape of configuration', async () => {
      const m = await serviceMetrics('configuration');
      return m.scrapes > 0 ? m.totals : undefined;
    });
    const base = fleet.url('configuration');
    for (const code of [200, 200, 200, 200, 200, 200, 404, 404, 409, 500, 503]) await fetch(`${base}/api/v1/config/echo/${code}`);
    await fetch(`${base}/no/such/route`); // a 404 of the router, route "unmatched"
    const after = await waitFor('the traffic counted', async () => {
      const m = await serviceMetrics('configuration');
      return m.totals.requests - before.requests >= 12 ? m : undefined;
    });
    assert.equal(after.totals.requests - before.requests, 12);
    assert.equal(after.totals.clientErrors - before.clientErrors, 4);
    assert.equal(after.totals.serverErrors - before.serverErrors, 2);
    assert.ok(after.current.requestsPerSecond > 0);
    assert.ok(after.current.serverErrorsPerSecond > 0 && after.current.clientErrorsPerSecond > 0);
    assert.ok(after.current.clientErrorRatio! > 0 && after.current.serverErrorRatio! > 0);
    assert.ok(after.current.p50Ms !== null && after.current.p99Ms !== null && after.current.p50Ms <= after.current.p99Ms);
    assert.ok(after.series.length > 0 && after.series.some((p) => p.requestsPerSecond > 0));
    // Nobody but monitoring's probes talks to conversation-engine: it shows no traffic at all.
    const idle = await serviceMetrics('conversation-engine');
    assert.ok(idle.scrapes > 1);
    assert.equal(idle.totals.requests, 0);
  });

  it('reports the breakers of a service’s clients: phone-gateway’s breaker to a failing profile-analytics opens', async () => {
    for (let i = 0; i < 4; i++) await fetch(`${fleet.url('phone-gateway')}/api/v1/calls/analytics`);
    const open = await waitFor('an open breaker', async () => {
      const m = await serviceMetrics('phone-gateway');
      return m.breakers.find((b) => b.upstream === 'profile-analytics' && b.replica === '*' && b.state === 'open');
    });
    assert.equal(open.reportedBy, fleet.url('phone-gateway'));
  });

  it('assembles the hops of one request across two services, in order, with their timings', async () => {
    const requestId = `trace-${Date.now()}`;
    const response = await fetch(`${fleet.url('phone-gateway')}${DECIDE_PATH}`, { headers: { 'X-Request-ID': requestId } });
    assert.equal(response.status, 200);
    // The callee's span is recorded when its response has gone out, which may be a moment after the caller has it.
    const trace = await waitFor('both hops', async () => {
      const found = TraceSchema.parse(await getJson(`/api/v1/monitoring/traces/${requestId}`));
      return found.hops.length === 2 ? found : undefined;
    });
    assert.deepEqual(
      trace.hops.map((h) => [h.service, h.route, h.depth]),
      [
        ['phone-gateway', '/api/v1/calls/decide/:phone', 0],
        ['smart-whitelist', '/api/v1/whitelist/evaluate/:phone', 1],
      ],
    );
    const [entry, callee] = trace.hops as [(typeof trace.hops)[0], (typeof trace.hops)[0]];
    assert.equal(callee.calledBy, entry.spanId);
    assert.equal(callee.traceId, entry.traceId);
    assert.ok(callee.offsetMs >= 0 && callee.durationMs <= entry.durationMs);
    assert.deepEqual(trace.services, ['phone-gateway', 'smart-whitelist']);
    assert.deepEqual(trace.unreachable, []);
  });

  it('answers a trace nobody holds with a 404 envelope, and a malformed request id with a 400', async () => {
    await expectErrorEnvelope(await fetch(`${api}/api/v1/monitoring/traces/never-seen-1`), 404, 'TRACE_NOT_FOUND');
    await expectErrorEnvelope(await fetch(`${api}/api/v1/monitoring/traces/${encodeURIComponent('bad id')}`), 400, 'VALIDATION_FAILED');
    await expectErrorEnvelope(await fetch(`${api}/api/v1/monitoring/metrics?window=-5`), 400, 'VALIDATION_FAILED');
  });

  it('keeps /internal/spans for services: a user token or none is refused', async () => {
    const url = `${fleet.url('smart-whitelist')}/internal/spans?requestId=x`;
    await expectErrorEnvelope(await fetch(url), 401, 'UNAUTHENTICATED');
    await expectErrorEnvelope(await fetch(url, { headers: auth.bearer(await auth.userToken('u1')) }), 403, 'FORBIDDEN');
    assert.equal((await fetch(url, { headers: auth.bearer(auth.serviceToken('monitoring')) })).status, 200);
  });

  it('serves the dashboard and its data under /dashboard/', async () => {
    const page = await fetch(`${api}/dashboard/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(await page.text(), /<script src="dashboard.js"/);
    const redirect = await fetch(`${api}/dashboard`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/dashboard/');
    for (const [file, type] of [
      ['dashboard.js', /^text\/javascript/],
      ['dashboard.css', /^text\/css/],
    ] as const) {
      const response = await fetch(`${api}/dashboard/${file}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', type);
      const etag = response.headers.get('etag')!;
      assert.equal((await fetch(`${api}/dashboard/${file}`, { headers: { 'if-none-match': etag } })).status, 304);
    }
    const overview = DashboardOverviewSchema.parse(await getJson('/dashboard/api/overview'));
    assert.equal(overview.health.services.length, 9);
    assert.ok(overview.metrics.seriesWindowSeconds <= 300);
    await expectErrorEnvelope(await fetch(`${api}/dashboard/api/traces/never-seen-2`), 404, 'TRACE_NOT_FOUND');
    await expectErrorEnvelope(await fetch(`${api}/dashboard/nothing-here.js`), 404, 'ROUTE_NOT_FOUND');
  });
});

describe('monitoring watching its own replicas', () => {
  it('polls the replicas MONITORING_SERVICE_URL lists over HTTP, itself included, instead of reading itself in process', async () => {
    const auth = await createTestAuth();
    const dir = mkdtempSync(join(tmpdir(), 'monitoring-self-'));
    const other = await (await createApp({ config: testConfig(configSchema, { ...auth.env, DATA_DIR: join(dir, 'other') }), version: 'test' })).listen();
    const watcher = await (
      await createApp({ config: testConfig(configSchema, { ...auth.env, DATA_DIR: join(dir, 'watcher'), MONITORING_SERVICE_URL: other.url, MONITORING_POLL_INTERVAL_MS: '100' }), version: 'test' })
    ).listen();
    try {
      const seen = await waitFor('monitoring up, seen over HTTP', async () => {
        const body = HealthOverviewSchema.parse(await (await fetch(`${watcher.url}/api/v1/monitoring/health`)).json());
        const self = body.services.find((s) => s.service === 'monitoring')!;
        return self.status === 'up' ? self : undefined;
      });
      assert.deepEqual(
        seen.replicas.map((r) => r.url),
        [other.url],
      );
    } finally {
      await watcher.close();
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
