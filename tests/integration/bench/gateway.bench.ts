/**
 * The gateway's cost: throughput and latency of one service route called through nginx (the configuration rendered
 * from deploy/) beside the same route called directly, in the same run.
 *
 *   node --conditions=@ai-ninja/source --import tsx tests/integration/bench/gateway.bench.ts [--json FILE]
 *
 * smart-whitelist (with profile-analytics, which it asks) runs as a process on its embedded defaults; the route is
 * `GET /api/v1/whitelist/evaluate/{phone}?userId=…` with a service credential (answered from its cache after the
 * first call, so the service's own work is small and the gateway's share shows). The per-address rate limits are
 * lifted for this run, since one load generator is one address: what is measured is proxying. Closed loop (32
 * keep-alive connections) for throughput; open loop at a fixed rate for latency. nginx, the service and the load
 * generator share this machine's cores, which costs the gateway side more than the direct side.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { closedLoop, delta, ms, report, type BenchRow } from '../src/bench.js';
import { keepAliveAgent, percentile, send, steadyLoad } from '../src/http.js';
import { startSystem } from '../src/system.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rate: { type: 'string', default: '200' }, json: { type: 'string' } } });
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
const CONCURRENCY = 32;

console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const system = await startSystem({
  services: ['smart-whitelist', 'profile-analytics'],
  replicas: { 'smart-whitelist': 1 },
  postgres: false,
  redis: false,
  env: { LOG_LEVEL: 'warn' },
  gatewayConfig: (conf) => conf.replace(/^\s*limit_req zone=.*$/gm, ''),
});
const rows: BenchRow[] = [];
try {
  const path = '/api/v1/whitelist/evaluate/%2B14155550100?userId=bench-user';
  const direct = `${system.replica('smart-whitelist').url}${path}`;
  const viaGateway = `${system.gatewayUrl}/api/whitelist/evaluate/%2B14155550100?userId=bench-user`;
  const headers = system.serviceHeaders('phone-gateway');
  const agent = keepAliveAgent(CONCURRENCY);
  const call = (url: string) => () => send(url, { headers, agent });
  for (const url of [direct, viaGateway]) {
    const reply = await call(url)();
    if (reply.status !== 200) throw new Error(`${url} answered ${reply.status}: ${reply.body}`);
  }
  // Warm both paths (JIT, caches, keep-alive pools).
  await closedLoop(CONCURRENCY, 2000, call(direct));
  await closedLoop(CONCURRENCY, 2000, call(viaGateway));

  const throughput = { direct: await closedLoop(CONCURRENCY, SECONDS * 1000, call(direct)), gateway: await closedLoop(CONCURRENCY, SECONDS * 1000, call(viaGateway)) };
  const latency: Record<'direct' | 'gateway', number[]> = { direct: [], gateway: [] };
  for (const [name, url] of [['direct', direct], ['gateway', viaGateway]] as const) {
    const run = steadyLoad(RATE, call(url));
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    const outcomes = await run.stop();
    const failed = outcomes.filter((o) => o.status !== 200).length;
    if (failed > 0) throw new Error(`${failed} of ${outcomes.length} ${name} requests failed`);
    latency[name] = outcomes.map((o) => o.ms);
  }
  agent.destroy();

  const failures = throughput.direct.failed + throughput.gateway.failed;
  if (failures > 0) throw new Error(`${failures} requests failed in the throughput runs`);
  const ratio = throughput.gateway.perSecond / throughput.direct.perSecond;
  rows.push({
    scenario: `one route, ${CONCURRENCY} keep-alive connections`,
    figure: 'throughput (requests/s)',
    measured: `${throughput.gateway.perSecond.toFixed(0)} through nginx`,
    baseline: `${throughput.direct.perSecond.toFixed(0)} direct`,
    ratio: `${ratio.toFixed(2)}×`,
    target: '(none set)',
    value: throughput.gateway.perSecond,
    baselineValue: throughput.direct.perSecond,
    unit: 'requests/s',
  });
  for (const p of [0.5, 0.99]) {
    const through = percentile(latency.gateway, p);
    const alone = percentile(latency.direct, p);
    rows.push({
      scenario: `one route, ${RATE} requests/s (open loop)`,
      figure: `p${p * 100} latency`,
      measured: `${ms(through)} through nginx`,
      baseline: `${ms(alone)} direct`,
      ratio: delta(through - alone),
      target: '(none set)',
      value: through,
      baselineValue: alone,
      unit: 'ms',
    });
  }
} finally {
  await system.stop();
}
report('Gateway (nginx from deploy/) vs calling the service directly', rows, [
  `smart-whitelist run from source (tsx) on SQLite; nginx with 2 workers; ${SECONDS} s per phase after 2 s of warm-up; rate limits lifted for the run.`,
]);
process.exit(0);
