/**
 * Incoming-call decision latency at fixed arrival rates with every service running, beside a bare `/health/live`
 * round trip to the same phone-gateway at the same rate, in the same run (issue 5: target p99 ≤ 20 ms at 200 calls/s;
 * the lower rates show where the whole system on this machine saturates).
 *
 *   node --conditions=@ai-ninja/source --import tsx tests/integration/bench/decision.bench.ts [--rates 50,100,200] [--seconds 10] [--json FILE]
 *
 * The whole system as the integration tests run it: nine services as processes (two replicas of smart-whitelist,
 * realtime-processor and user-management) on PostgreSQL and Redis, DECISION_TIMEOUT_MS at its default (800 ms). Each
 * call is `POST /webhook/incoming-call` to phone-gateway over loopback (keep-alive), from a new caller number to a
 * hosted number: owner lookup, whitelist evaluation and caller profile, all over HTTP. Open loop: each latency counts
 * from when the call was due, so a stall is measured rather than hidden.
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { delta, ms, report, type BenchRow } from '../src/bench.js';
import { json, keepAliveAgent, percentile, send, steadyLoad, type Outcome } from '../src/http.js';
import { startSystem } from '../src/system.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, rates: { type: 'string', default: '50,100,200' }, warmup: { type: 'string', default: '3' }, json: { type: 'string' } } });
const SECONDS = Number(values.seconds);
const RATES = values.rates.split(',').map(Number);
const TARGET_RATE = 200;
const WARMUP = Number(values.warmup);
const TARGET_P99_MS = 20;

async function phase(rate: number, seconds: number, request: (i: number) => Promise<import('../src/http.js').Reply>): Promise<Outcome[]> {
  const run = steadyLoad(rate, request);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return run.stop();
}

console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const system = await startSystem({ env: { LOG_LEVEL: 'warn', DECISION_TIMEOUT_MS: '800' } });
const rows: BenchRow[] = [];
const notes: string[] = [];
try {
  const user = await system.registerUser('bench');
  const number = '+14155550111';
  const hosted = await system.viaGateway(`/api/users/${user.id}/phones`, { method: 'POST', headers: user.headers, body: { phone: number } });
  if (hosted.status !== 201) throw new Error(`hosting ${number}: ${hosted.status} ${hosted.body}`);
  const phoneGateway = system.replica('phone-gateway').url;
  const agent = keepAliveAgent(256);
  let caller = 0;
  const incoming = () =>
    send(`${phoneGateway}/webhook/incoming-call`, {
      method: 'POST',
      agent,
      headers: { 'x-webhook-token': system.webhookToken },
      // A caller never seen before each time: no cache answers for the whitelist or the profile.
      body: { callId: `bench-${randomUUID()}`, from: `+1628${String(1_000_000 + (caller++ % 8_999_999)).padStart(7, '0')}`, to: number },
    });
  const live = () => send(`${phoneGateway}/health/live`, { agent });

  for (const RATE of RATES) {
    await phase(RATE, WARMUP, incoming);
    const calls = await phase(RATE, SECONDS, incoming);
    const baseline = await phase(RATE, SECONDS, live);
    const scenario = `incoming call, ${RATE} calls/s, every service running`;
    const failed = calls.filter((o) => o.status !== 200);
    if (failed.length > 0) notes.push(`${RATE}/s: ${failed.length} of ${calls.length} calls failed: ${failed[0]!.status} ${failed[0]!.body ?? failed[0]!.error}`);
    const decided = calls.filter((o) => o.status === 200).map((o) => json<{ reasons: string[]; decisionMs: number }>({ status: 200, headers: {}, body: o.body ?? '', ms: 0 }));
    const degradedReasons = decided.flatMap((d) => d.reasons.filter((reason) => /did not answer|unavailable/.test(reason)));
    const degraded = decided.filter((d) => d.reasons.some((reason) => /did not answer|unavailable/.test(reason))).length;
    if (degraded > 0) {
      const counts = new Map<string, number>();
      for (const reason of degradedReasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
      notes.push(`${RATE}/s degraded: ${[...counts].map(([reason, n]) => `${n}× "${reason}"`).join('; ')}.`);
    }
    const latencies = calls.filter((o) => o.status === 200).map((o) => o.ms);
    const liveLatencies = baseline.filter((o) => o.status === 200).map((o) => o.ms);
    const targeted = RATE === TARGET_RATE;
    for (const p of [0.5, 0.99]) {
      const measured = percentile(latencies, p);
      const base = percentile(liveLatencies, p);
      const target = targeted && p === 0.99;
      rows.push({
        scenario,
        figure: `p${p * 100} decision latency (client side)`,
        measured: ms(measured),
        baseline: `/health/live ${ms(base)}`,
        ratio: delta(measured - base),
        target: target ? `≤ ${TARGET_P99_MS} ms` : '(none set)',
        ...(target ? { ok: measured <= TARGET_P99_MS } : {}),
        value: measured,
        baselineValue: base,
        unit: 'ms',
      });
    }
    const server = decided.map((d) => d.decisionMs);
    rows.push({
      scenario,
      figure: 'p99 decision time inside phone-gateway (decisionMs)',
      measured: ms(percentile(server, 0.99)),
      baseline: `p50 ${ms(percentile(server, 0.5))}`,
      ratio: `${(percentile(server, 0.99) / percentile(server, 0.5)).toFixed(1)}×`,
      target: '(none set)',
    });
    rows.push({
      scenario,
      figure: 'calls decided without a dependency (degraded), or failed',
      measured: `${degraded} of ${decided.length}`,
      baseline: `${failed.length} failed`,
      ratio: `${((degraded / Math.max(1, decided.length)) * 100).toFixed(2)} %`,
      target: '0',
      ok: degraded === 0 && failed.length === 0,
    });
    notes.push(`${RATE}/s: ${(calls.length / SECONDS).toFixed(0)} calls/s achieved over ${SECONDS} s after ${WARMUP} s of warm-up.`);
  }
  agent.destroy();
  notes.push(`Services from source (tsx), 12 processes, nginx, PostgreSQL and Redis on this machine's ${cpus().length} cores; each call from a new caller number (no cache answers).`);
} finally {
  await system.stop();
}
report('Incoming-call decision at a fixed rate, whole system', rows, notes);
process.exit(0);
