/**
 * Time from `npm start` to all ready: the nine services launched as `npm start` launches them (built JavaScript, the
 * embedded defaults, the launcher of tools/dev) until every `/health/ready` answers 200, beside nine bare Node.js
 * HTTP servers started the same way in the same run. On free ports, so a running system is not disturbed; the median
 * of three launches; the build (incremental `tsc --build`, done first) is reported on its own.
 *
 *   node --conditions=@ai-ninja/source --import tsx tests/integration/bench/startup.bench.ts [--runs 3] [--json FILE]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SERVICES, type ServiceName } from '@ai-ninja/contracts';
import { buildServices, freePort, launchServices, stopServices, waitUntilReady, type LaunchedService } from '@ai-ninja/tools/launcher';
import { ms, report, type BenchRow } from '../src/bench.js';
import { percentile, send, waitFor } from '../src/http.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, json: { type: 'string' } } });
const RUNS = Number(values.runs);

console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const buildStarted = performance.now();
if (!buildServices()) {
  console.error('The build failed: no start-up figure.');
  process.exit(1);
}
const buildMs = performance.now() - buildStarted;

async function launchNine(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ai-ninja-startup-'));
  const ports = new Map<ServiceName, number>();
  for (const service of SERVICES) ports.set(service.name, await freePort());
  const started = performance.now();
  const services: LaunchedService[] = launchServices({ mode: 'dist', portOf: (s) => ports.get(s.name)!, env: { HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATA_DIR: dir } });
  try {
    await waitUntilReady(services, 120_000);
    return performance.now() - started;
  } finally {
    await stopServices(services);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function launchBare(): Promise<number> {
  const ports = await Promise.all(SERVICES.map(() => freePort()));
  const started = performance.now();
  const children = ports.map((port) =>
    spawn(process.execPath, ['-e', `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`], { stdio: 'ignore' }),
  );
  try {
    await Promise.all(ports.map((port) => waitFor(`bare server on ${port}`, async () => (await send(`http://127.0.0.1:${port}/`)).status === 200, 30_000, 20)));
    return performance.now() - started;
  } finally {
    for (const child of children) child.kill();
  }
}

const nine: number[] = [];
const bare: number[] = [];
for (let run = 0; run < RUNS; run += 1) {
  nine.push(await launchNine());
  bare.push(await launchBare());
}
const median = (values: number[]) => percentile(values, 0.5);
const rows: BenchRow[] = [
  {
    scenario: 'npm start (built, embedded defaults)',
    figure: 'launch → all nine ready (median of runs)',
    measured: ms(median(nine)),
    baseline: `9 bare node servers ${ms(median(bare))}`,
    ratio: `${(median(nine) / median(bare)).toFixed(1)}×`,
    target: '(none set)',
    value: median(nine),
    baselineValue: median(bare),
    unit: 'ms',
  },
  {
    scenario: 'npm start (built, embedded defaults)',
    figure: 'incremental build before the launch (tsc --build)',
    measured: ms(buildMs),
    baseline: '—',
    ratio: '—',
    target: '(none set)',
  },
];
report('Start-up: npm start to all ready', rows, [`Runs: ${nine.map(ms).join(', ')} (services); ${bare.map(ms).join(', ')} (bare). ${cpus().length} cores.`]);
process.exit(0);
