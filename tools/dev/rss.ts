/**
 * `npm run rss`: the resident memory of each service when idle, beside a bare Node.js HTTP server measured in the
 * same run. Starts the built services on free ports (so a running system is not disturbed), lets them settle,
 * reads VmRSS from /proc, and stops them. Target: 90 MB per service. `--json FILE` also writes the figures.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { SERVICES, type ServiceName } from '@ai-ninja/contracts';
import { buildServices, freePort, launchServices, stopServices, waitUntilReady } from './launcher.js';

const TARGET_MB = 90;
const SETTLE_MS = 3000;

const rssMb = (pid: number) => {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) / 1024;
};

if (!buildServices()) process.exit(1);

// The baseline: the least a Node.js HTTP server on this machine costs.
const bare = spawn(process.execPath, ['-e', "require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1')"], { stdio: 'ignore' });

const ports = new Map<ServiceName, number>();
for (const service of SERVICES) ports.set(service.name, await freePort());
const services = launchServices({ mode: 'dist', portOf: (s) => ports.get(s.name)!, env: { HOST: '127.0.0.1', LOG_LEVEL: 'warn' } });
try {
  await waitUntilReady(services);
  // Each service serves a little traffic first, as it would between probes and scrapes, then idles.
  for (const service of services) {
    for (const path of ['/health', '/health/ready', '/metrics', '/openapi.json', '/no-such-route']) await (await fetch(service.url + path)).arrayBuffer();
  }
  await delay(SETTLE_MS);
  const baseline = rssMb(bare.pid!);
  const rows = services.map((s) => ({ name: s.name, mb: rssMb(s.child.pid!) }));
  console.log(`\nIdle RSS after ${SETTLE_MS / 1000} s (Node ${process.version}, ${new Date().toISOString()})\n`);
  console.log(`${'service'.padEnd(20)} ${'RSS MB'.padStart(7)} ${'bare node MB'.padStart(13)} ${'ratio'.padStart(6)}  target`);
  for (const { name, mb } of rows) {
    const verdict = mb <= TARGET_MB ? `≤ ${TARGET_MB} ok` : `> ${TARGET_MB} OVER`;
    console.log(`${name.padEnd(20)} ${mb.toFixed(1).padStart(7)} ${baseline.toFixed(1).padStart(13)} ${(mb / baseline).toFixed(2).padStart(6)}  ${verdict}`);
  }
  const worst = Math.max(...rows.map((r) => r.mb));
  console.log(`\nlargest ${worst.toFixed(1)} MB; ${rows.filter((r) => r.mb > TARGET_MB).length} of ${rows.length} over the ${TARGET_MB} MB target`);
  // `--json FILE`: the rows for `npm run bench` (tools/bench/run.ts).
  const jsonAt = process.argv.indexOf('--json');
  if (jsonAt > 0 && process.argv[jsonAt + 1]) {
    const figures = rows.map(({ name, mb }) => ({
      scenario: `idle, ${SETTLE_MS / 1000} s after a little traffic`,
      figure: `${name} RSS`,
      measured: `${mb.toFixed(1)} MB`,
      baseline: `bare node ${baseline.toFixed(1)} MB`,
      ratio: `${(mb / baseline).toFixed(2)}×`,
      target: `≤ ${TARGET_MB} MB`,
      ok: mb <= TARGET_MB,
      value: mb,
      baselineValue: baseline,
      unit: 'MB',
    }));
    writeFileSync(process.argv[jsonAt + 1]!, JSON.stringify({ at: new Date().toISOString(), node: process.version, rows: figures }, null, 2));
  }
} finally {
  await stopServices(services);
  bare.kill();
  await once(bare, 'exit');
}
