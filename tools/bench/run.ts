/**
 * `npm run bench`: runs every benchmark of the repository, one after another, and writes `bench/REPORT.md` (each
 * figure beside its baseline measured in the same run, the ratio and the target) with a chart, `bench/report.svg`.
 *
 * A benchmark is any `*.bench.ts` under `apps/*\/bench/`, `libs/*\/bench/`, `tests/*\/bench/`, plus the RSS report
 * (tools/dev/rss.ts). Each runs as its own process, with the node flags of the npm script that runs it when there is
 * one (else with the source condition and tsx), and is given `--json FILE`: a benchmark writes its rows there as
 * `{ rows: [{ scenario, figure, measured, baseline, ratio, target, ok?, value?, baselineValue?, unit? }], notes? }`.
 * One that writes nothing still runs, and the report shows the end of its output.
 *
 *   npm run bench                          # everything (long: the whole-system benchmarks start the nine services)
 *   npm run bench -- --only gateway,rss    # the benchmarks whose name contains one of these
 *   npm run bench -- --skip decision       # all but these
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderChart, type ChartRow } from './chart.js';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const { values: args } = parseArgs({
  options: { only: { type: 'string' }, skip: { type: 'string' }, out: { type: 'string', default: 'bench' }, 'timeout-min': { type: 'string', default: '20' } },
});

/** One benchmark to run. */
interface Bench {
  /** `service-client/client`, `integration-tests/gateway`, `rss`. */
  readonly name: string;
  readonly file: string;
  /** node arguments before the file. */
  readonly nodeArgs: readonly string[];
  readonly cwd: string;
  /** How to run it by hand. */
  readonly command: string;
  /** It takes `--json FILE` (its source mentions the option); otherwise it runs without and its output is shown. */
  readonly writesJson: boolean;
}

/** A row as benchmarks write it. */
interface Row extends ChartRow {
  readonly scenario?: string;
  readonly measured: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly target: string;
  readonly ok?: boolean;
}

interface Outcome {
  readonly bench: Bench;
  readonly seconds: number;
  readonly code: number | string;
  readonly rows: Row[];
  readonly notes: string[];
  /** The end of its output, when it wrote no JSON or failed. */
  readonly tail?: string;
}

const DEFAULT_NODE_ARGS = ['--conditions=@ai-ninja/source', '--import', 'tsx'];

/** Scripts of the root and of every workspace package, with the directory they run in. */
function npmScripts(): Array<{ dir: string; name: string; command: string; runner: string }> {
  const dirs = [ROOT, ...['apps', 'libs', 'tests'].flatMap((group) => subdirs(join(ROOT, group))), join(ROOT, 'tools'), join(ROOT, 'deploy')];
  return dirs.flatMap((dir) => {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) return [];
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; scripts?: Record<string, string> };
    const runner = dir === ROOT ? 'npm run' : `npm run -w ${pkg.name}`;
    return Object.entries(pkg.scripts ?? {}).map(([name, command]) => ({ dir, name, command, runner }));
  });
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'node_modules')
      .map((entry) => join(dir, entry.name));
  } catch {
    return [];
  }
}

function packageName(dir: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; nx?: { name?: string } };
    return pkg.nx?.name ?? pkg.name?.replace('@ai-ninja/', '') ?? relative(ROOT, dir);
  } catch {
    return relative(ROOT, dir);
  }
}

/** `*.bench.ts` files under a project, outside node_modules and build output. */
function benchFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (['node_modules', 'dist', 'out-tsc', '.data'].includes(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return benchFiles(path);
    return entry.name.endsWith('.bench.ts') ? [path] : [];
  });
}

/** Every benchmark of the repository. */
function discover(): Bench[] {
  const scripts = npmScripts();
  const files: Array<{ file: string; name: string }> = [];
  for (const group of ['apps', 'libs', 'tests']) {
    for (const project of subdirs(join(ROOT, group))) {
      for (const file of benchFiles(project).sort()) {
        files.push({ file, name: `${packageName(project)}/${file.slice(file.lastIndexOf('/') + 1).replace(/\.bench\.ts$/, '')}` });
      }
    }
  }
  files.push({ file: join(ROOT, 'tools', 'dev', 'rss.ts'), name: 'rss' });
  return files.map(({ file, name }) => {
    // The npm script that runs this file says how (which conditions, from where).
    const script = scripts.find((s) => {
      const path = relative(s.dir, file);
      return new RegExp(`(^|\\s)(\\./)?${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`).test(s.command) && /^(exec\s+)?node\s/.test(s.command);
    });
    if (script) {
      const words = script.command.replace(/^exec\s+/, '').split(/\s+/);
      const at = words.findIndex((word) => word.endsWith(relative(script.dir, file)));
      return { name, file, nodeArgs: words.slice(1, at), cwd: script.dir, command: `${script.runner} ${script.name}`, writesJson: takesJson(file) };
    }
    return { name, file, nodeArgs: DEFAULT_NODE_ARGS, cwd: ROOT, command: `node ${DEFAULT_NODE_ARGS.join(' ')} ${relative(ROOT, file)}`, writesJson: takesJson(file) };
  });
}

const takesJson = (file: string) => /['"-]json['"]?/.test(readFileSync(file, 'utf8'));

const matches = (name: string, list: string | undefined) => (list ?? '').split(',').some((part) => part && name.includes(part.trim()));

/** The benchmark running now, so Ctrl-C stops it (it runs in its own process group) before the runner exits. */
let current: { pid?: number } | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (current?.pid) {
      try {
        process.kill(-current.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    process.exit(130);
  });
}

async function run(bench: Bench, dir: string): Promise<Outcome> {
  const jsonFile = join(dir, `${bench.name.replace(/[^\w.-]+/g, '_')}.json`);
  const started = performance.now();
  console.log(`\n━━ ${bench.name} (${bench.command})`);
  const child = spawn(process.execPath, [...bench.nodeArgs, bench.file, ...(bench.writesJson ? ['--json', jsonFile] : [])], { cwd: bench.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  current = child;
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      output = (output + chunk.toString()).slice(-6000);
    });
  }
  const timeoutMs = Number(args['timeout-min']) * 60_000;
  const timer = setTimeout(() => {
    output += `\n(stopped after ${args['timeout-min']} minutes)`;
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
  }, timeoutMs);
  const code = await new Promise<number | string>((resolve) => child.once('exit', (exit, signal) => resolve(exit ?? signal ?? 'unknown')));
  clearTimeout(timer);
  current = undefined;
  const seconds = (performance.now() - started) / 1000;
  let rows: Row[] = [];
  let notes: string[] = [];
  if (existsSync(jsonFile)) {
    const written = JSON.parse(readFileSync(jsonFile, 'utf8')) as { rows?: unknown[]; notes?: string[] };
    rows = (written.rows ?? []).flatMap(normalize);
    notes = written.notes ?? [];
  }
  const tail = rows.length === 0 || code !== 0 ? output.split('\n').slice(-25).join('\n') : undefined;
  return { bench, seconds, code, rows, notes, ...(tail ? { tail } : {}) };
}

/** A latency summary some benchmarks write instead of strings: `{ n, p50, p99, max }` in ms. */
interface Summary {
  readonly p50: number;
  readonly p99: number;
}
const isSummary = (value: unknown): value is Summary => typeof value === 'object' && value !== null && 'p50' in value && 'p99' in value;
const fmtMs = (value: number) => `${value.toFixed(2)} ms`;

/** Rows as the report reads them: the common shape, or a latency summary with an optional baseline summary. */
function normalize(raw: unknown): Row[] {
  const row = raw as Record<string, unknown>;
  if (typeof row.measured === 'string') return [row as unknown as Row];
  if (!isSummary(row.measured)) return [];
  const measured = row.measured;
  const baseline = row.baseline as { label?: string; measured?: unknown } | undefined;
  const base = isSummary(baseline?.measured) ? baseline.measured : undefined;
  const target = String(row.target ?? '');
  return (['p50', 'p99'] as const).map((p) => ({
    scenario: '',
    figure: `${String(row.figure)}: ${p}${typeof row.errors === 'number' && row.errors > 0 ? ` (${row.errors} errors)` : ''}`,
    measured: fmtMs(measured[p]),
    baseline: base ? `${baseline?.label ?? 'baseline'} ${fmtMs(base[p])}` : '—',
    ratio: base ? `${(measured[p] / base[p]).toFixed(1)}×` : '—',
    target: target.startsWith(p) ? target : '(none set)',
    ...(target.startsWith(p) && /≤\s*([\d.]+)\s*ms/.test(target) ? { ok: measured[p] <= Number(/≤\s*([\d.]+)/.exec(target)![1]) } : {}),
    ...(base ? { value: measured[p], baselineValue: base[p], unit: 'ms' } : {}),
  }));
}

const cell = (text: string | undefined) => (text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

function markdown(outcomes: readonly Outcome[], startedAt: Date, loadBefore: number[], chart: boolean): string {
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() ? ' (with uncommitted changes)' : '';
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` on ${startedAt.toISOString()}: commit ${commit}${dirty}, Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} at the start and ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end. Each figure is beside its baseline, measured in the same run; a busy machine moves both.`,
    '',
    '| benchmark | scenario | figure | measured | baseline (same run) | ratio | target | |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const outcome of outcomes) {
    for (const row of outcome.rows) {
      const verdict = row.ok === undefined ? '' : row.ok ? 'ok' : '**missed**';
      lines.push(`| ${outcome.bench.name} | ${cell(row.scenario)} | ${cell(row.figure)} | ${cell(row.measured)} | ${cell(row.baseline)} | ${cell(row.ratio)} | ${cell(row.target)} | ${verdict} |`);
    }
    if (outcome.rows.length === 0) lines.push(`| ${outcome.bench.name} | | ${outcome.code === 0 ? 'no figures written (no --json output)' : `failed (${outcome.code})`} | | | | | |`);
  }
  if (chart) lines.push('', '![Each figure with a number beside its baseline](report.svg)');
  lines.push('', '## How each was run', '');
  for (const outcome of outcomes) {
    lines.push(`- **${outcome.bench.name}**: \`${outcome.bench.command}\` — ${outcome.seconds.toFixed(0)} s, exit ${outcome.code}.${outcome.notes.length ? ` ${outcome.notes.join(' ')}` : ''}`);
  }
  const tails = outcomes.filter((o) => o.tail);
  if (tails.length > 0) {
    lines.push('', '## Output of the benchmarks that wrote no figures or failed', '');
    for (const outcome of tails) lines.push(`### ${outcome.bench.name}`, '', '```', outcome.tail!, '```', '');
  }
  lines.push('', 'Reproduce: `npm run bench` (all of them), `npm run bench -- --only <name>` for some; each line above also runs alone with its command.', '');
  return lines.join('\n');
}

const startedAt = new Date();
const loadBefore = loadavg();
const all = discover();
const selected = all.filter((bench) => (!args.only || matches(bench.name, args.only)) && !matches(bench.name, args.skip));
if (selected.length === 0) {
  console.error(`No benchmark matches. Known: ${all.map((b) => b.name).join(', ')}`);
  process.exit(1);
}
console.log(`Benchmarks: ${selected.map((b) => b.name).join(', ')}`);
const scratch = mkdtempSync(join(tmpdir(), 'ai-ninja-bench-'));
const outcomes: Outcome[] = [];
for (const bench of selected) outcomes.push(await run(bench, scratch));
rmSync(scratch, { recursive: true, force: true });

const outDir = resolve(ROOT, args.out!);
mkdirSync(outDir, { recursive: true });
const chartRows = outcomes.flatMap((o) => o.rows.map((row) => ({ ...row, bench: o.bench.name })));
const svg = renderChart(chartRows);
if (svg) writeFileSync(join(outDir, 'report.svg'), svg);
writeFileSync(join(outDir, 'REPORT.md'), markdown(outcomes, startedAt, loadBefore, Boolean(svg)));
console.log(`\nWrote ${relative(ROOT, join(outDir, 'REPORT.md'))}${svg ? ` and ${relative(ROOT, join(outDir, 'report.svg'))}` : ''}.`);
const failed = outcomes.filter((o) => o.code !== 0);
if (failed.length > 0) console.error(`Failed: ${failed.map((o) => `${o.bench.name} (${o.code})`).join(', ')}`);
process.exit(failed.length > 0 ? 1 : 0);
