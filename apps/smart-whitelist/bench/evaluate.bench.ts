/**
 * `npm run bench:evaluate`: latency of `GET /api/v1/whitelist/evaluate/{phone}` at a fixed arrival rate (open loop:
 * requests leave on schedule whether or not earlier ones have answered, and each latency counts from its scheduled
 * time, so a stall shows up instead of slowing the load down), beside a bare `/health/live` of the same process in
 * the same run.
 *
 * smart-whitelist and profile-analytics run built (dist/, as in production) as child processes over SQLite files
 * seeded here; requests go over loopback with keep-alive. Two smart-whitelist processes: one with the evaluation
 * cache (a few numbers, asked again and again) and one with WHITELIST_EVAL_CACHE_TTL_MS=0 (a new number each
 * request: entries, rules and the caller's profile are read every time).
 *
 * Options: --rate N (requests/s, default 500), --seconds N (per phase, default 10), --warmup N (seconds, default 2),
 * --json FILE (also writes the figures as rows for `npm run bench`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { loadavg, tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createLogger, signServiceToken } from '@ai-ninja/service-kit';
import { testConfig } from '@ai-ninja/service-kit/testing';
import { configSchema } from '../src/config.js';
import { openWhitelistDatabase } from '../src/store/database.js';
import { WhitelistStore } from '../src/store/whitelist.store.js';

const { values: args } = parseArgs({
  options: { rate: { type: 'string', default: '500' }, seconds: { type: 'string', default: '10' }, warmup: { type: 'string', default: '2' }, json: { type: 'string' } },
});
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const USER = 'bench-user';
const CACHED_TARGET_P99_MS = 5;

const load = loadavg();
console.log(`machine: ${cpus().length} cores, load average ${load.map((l) => l.toFixed(2)).join(' ')} (run it when the machine is quiet)`);

// Built as services run them.
const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
for (const app of ['smart-whitelist', 'profile-analytics']) {
  if (spawnSync(process.execPath, [tsc, '--build', join(ROOT, `apps/${app}/tsconfig.build.json`)], { stdio: 'inherit' }).status !== 0) process.exit(1);
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
process.on('exit', () => {
  for (const child of children) child.kill();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts a built service on a free port and waits until it is ready. */
async function startService(app: string, env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, `apps/${app}/dist/main.js`)], {
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', SERVICE_AUTH_SECRET: SECRET, DATABASE_URL: '', REDIS_URL: '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health/ready`)).status === 200) return url;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || i > 300) throw new Error(`${app} did not start`);
    await sleep(100);
  }
}

const tempDir = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `ai-ninja-bench-${name}-`));
  dirs.push(dir);
  return dir;
};

// Seed: a user with 1000 contacts and some rules, in one SQLite file per smart-whitelist process.
async function seedWhitelist(dir: string): Promise<void> {
  const config = testConfig(configSchema, { DATA_DIR: dir });
  const database = await openWhitelistDatabase(config, createLogger({ service: 'smart-whitelist', level: 'silent' }));
  const store = new WhitelistStore(database.db);
  const now = new Date().toISOString();
  await store.transaction((trx) => trx.importContacts(USER, Array.from({ length: 1000 }, (_, i) => ({ phone: `+1212555${String(i).padStart(4, '0')}`, name: `Contact ${i}` })), now));
  await store.putRules(USER, JSON.stringify({ blockedPrefixes: ['+1900'], blockedNumbers: ['+14155550199'], contactsOnly: false, allowCategories: [], blockCategories: ['scam'], spamThreshold: 0.8 }), now);
  await database.close();
}

const profileUrl = await startService('profile-analytics', { DATA_DIR: tempDir('pa') });
const serviceToken = `Bearer ${signServiceToken(SECRET, 'phone-gateway', 3600)}`;
// A few callers profile-analytics knows (the cached phase asks about these and two contacts).
const KNOWN = ['+14155550101', '+14155550102', '+14155550103'];
for (const [i, phone] of KNOWN.entries()) {
  const response = await fetch(`${profileUrl}/api/v1/analytics/profile/update`, {
    method: 'POST',
    headers: { authorization: serviceToken, 'content-type': 'application/json' },
    body: JSON.stringify({ phone, category: ['sales', 'loan', 'scam'][i], feedback: 'spam', eventId: `seed-${i}` }),
  });
  if (response.status !== 200) throw new Error(`seeding profile-analytics failed: ${response.status}`);
}

const cachedDir = tempDir('sw-cached');
const uncachedDir = tempDir('sw-uncached');
await seedWhitelist(cachedDir);
await seedWhitelist(uncachedDir);
const cachedUrl = await startService('smart-whitelist', { DATA_DIR: cachedDir, PROFILE_SERVICE_URL: profileUrl, WHITELIST_EVAL_CACHE_TTL_MS: '600000' });
const uncachedUrl = await startService('smart-whitelist', { DATA_DIR: uncachedDir, PROFILE_SERVICE_URL: profileUrl, WHITELIST_EVAL_CACHE_TTL_MS: '0', WHITELIST_PROFILE_CACHE_TTL_MS: '0' });

const agent = new Agent({ keepAlive: true, maxSockets: 512 });

/** One GET; resolves with the status once the body is read. */
function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { authorization: serviceToken } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

interface PhaseResult {
  readonly sent: number;
  readonly failed: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly achievedRate: number;
}

/** Open loop: request i leaves at start + i/rate; its latency counts from that scheduled time. */
async function phase(path: (i: number) => string, seconds: number): Promise<PhaseResult> {
  const total = Math.round(RATE * seconds);
  const interval = 1000 / RATE;
  const latencies = new Float64Array(total);
  let failed = 0;
  let sent = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
    for (; sent < due; sent++) {
      const i = sent;
      const scheduled = start + i * interval;
      pending.push(
        get(path(i)).then(
          (status) => {
            latencies[i] = performance.now() - scheduled;
            if (status !== 200) failed += 1;
          },
          () => {
            latencies[i] = performance.now() - scheduled;
            failed += 1;
          },
        ),
      );
    }
    await sleep(1);
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  const sorted = latencies.sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { sent: total, failed, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]!, achievedRate: total / elapsed };
}

const evaluatePath = (base: string, phone: string) => `${base}/api/v1/whitelist/evaluate/${encodeURIComponent(phone)}?userId=${USER}`;
const CACHED_NUMBERS = [...KNOWN, '+12125550001', '+12125550002', '+14155550104'];
// Distinct, valid-looking numbers that no cache has seen: +1 312 2xx xxxx.
const distinct = (i: number) => `+13122${String(i).padStart(6, '0')}`;
let offset = 0;

interface Row {
  readonly name: string;
  readonly result: PhaseResult;
  readonly baseline: PhaseResult;
}
const rows: Row[] = [];
for (const [name, base, evaluate] of [
  ['evaluate, cached (6 numbers)', cachedUrl, (i: number) => evaluatePath(cachedUrl, CACHED_NUMBERS[i % CACHED_NUMBERS.length]!)],
  ['evaluate, uncached (new number each request, cache TTL 0)', uncachedUrl, (i: number) => evaluatePath(uncachedUrl, distinct(offset + i))],
] as const) {
  const live = (_: number) => `${base}/health/live`;
  await phase(live, WARMUP);
  await phase(evaluate, WARMUP);
  offset += Math.round(RATE * WARMUP);
  const baseline = await phase(live, SECONDS);
  const result = await phase(evaluate, SECONDS);
  offset += Math.round(RATE * SECONDS);
  rows.push({ name, result, baseline });
}

const ms = (value: number) => `${value.toFixed(2)} ms`;
console.log(`\nopen loop, ${RATE} requests/s for ${SECONDS} s per phase (after ${WARMUP} s warm-up), loopback, keep-alive\n`);
console.log('| scenario | p50 | p99 | max | sent | failed | achieved rate | /health/live p50 | /health/live p99 | p99 ratio to /health/live |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const { name, result, baseline } of rows) {
  console.log(
    `| ${name} | ${ms(result.p50)} | ${ms(result.p99)} | ${ms(result.max)} | ${result.sent} | ${result.failed} | ${result.achievedRate.toFixed(0)}/s | ${ms(baseline.p50)} | ${ms(baseline.p99)} | ${(result.p99 / baseline.p99).toFixed(2)}× |`,
  );
}
const cached = rows[0]!.result;
const ok = cached.p99 <= CACHED_TARGET_P99_MS && rows.every((row) => row.result.failed === 0);
console.log(`\ntarget: cached p99 ≤ ${CACHED_TARGET_P99_MS} ms → ${ms(cached.p99)} ${cached.p99 <= CACHED_TARGET_P99_MS ? 'met' : 'NOT met'}; failures: ${rows.map((row) => row.result.failed).join(', ')}`);
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
if (args.json) {
  const figures = rows.flatMap(({ name, result, baseline }, index) =>
    (['p50', 'p99'] as const).map((quantile) => ({
      scenario: name,
      figure: `${quantile} latency at ${RATE}/s (ms; baseline /health/live of the same process)`,
      measured: ms(result[quantile]),
      baseline: ms(baseline[quantile]),
      ratio: `${(result[quantile] / baseline[quantile]).toFixed(2)}×`,
      target: index === 0 && quantile === 'p99' ? `≤ ${CACHED_TARGET_P99_MS} ms` : '',
      ok: index === 0 && quantile === 'p99' ? result.p99 <= CACHED_TARGET_P99_MS : result.failed === 0,
      value: result[quantile],
      baselineValue: baseline[quantile],
      unit: 'ms',
    })),
  );
  writeFileSync(args.json, JSON.stringify({ at: new Date().toISOString(), node: process.version, loadAverage: load, rows: figures }, null, 2));
}
// `--json FILE`: the figures for `npm run bench` (tools/bench/run.ts).
if (args.json) {
  const figures = rows.flatMap(({ name, result, baseline }, i) =>
    (['p50', 'p99'] as const).map((p) => ({
      scenario: `${name}, ${RATE} requests/s`,
      figure: `${p} latency`,
      measured: ms(result[p]),
      baseline: `/health/live ${ms(baseline[p])}`,
      ratio: `${(result[p] / baseline[p]).toFixed(2)}×`,
      target: i === 0 && p === 'p99' ? `≤ ${CACHED_TARGET_P99_MS} ms` : '(none set)',
      ...(i === 0 && p === 'p99' ? { ok: result.p99 <= CACHED_TARGET_P99_MS && result.failed === 0 } : {}),
      value: result[p],
      baselineValue: baseline[p],
      unit: 'ms',
    })),
  );
  writeFileSync(args.json, JSON.stringify({ at: new Date().toISOString(), node: process.version, rows: figures }, null, 2));
}
agent.destroy();
process.exit(ok ? 0 : 1);
