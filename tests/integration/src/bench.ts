/**
 * What the whole-system benchmarks share: the row every benchmark of the repository reports (printed as markdown,
 * written as JSON with `--json FILE` for `npm run bench`), and a closed-loop load generator.
 */
import { writeFileSync } from 'node:fs';
import type { Reply } from './http.js';

/**
 * One figure beside its baseline measured in the same run. `value`/`baselineValue` (same `unit`) are optional numbers
 * for charts; `measured`/`baseline` are what people read.
 */
export interface BenchRow {
  readonly scenario: string;
  readonly figure: string;
  readonly measured: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly target: string;
  /** Whether the target is met; undefined when there is no target. */
  readonly ok?: boolean;
  readonly value?: number;
  readonly baselineValue?: number;
  readonly unit?: string;
}

/** Prints the rows as a markdown table and writes them to `--json FILE` when asked. */
export function report(title: string, rows: readonly BenchRow[], notes: readonly string[] = []): void {
  console.log(`\n${title} — ${new Date().toISOString()}, Node ${process.version}\n`);
  console.log('| scenario | figure | measured | baseline (same run) | ratio | target | |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.scenario} | ${r.figure} | ${r.measured} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.ok === undefined ? '' : r.ok ? 'ok' : 'MISSED'} |`);
  for (const note of notes) console.log(`\n${note}`);
  const at = process.argv.indexOf('--json');
  const file = at > 0 ? process.argv[at + 1] : undefined;
  if (file) writeFileSync(file, JSON.stringify({ title, at: new Date().toISOString(), node: process.version, rows, notes }, null, 2));
}

/** What a closed-loop run measured. */
export interface ClosedLoopResult {
  readonly completed: number;
  readonly failed: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly latencies: number[];
}

/** `concurrency` workers sending one request after another for `durationMs`; a failure is a non-2xx or no answer. */
export async function closedLoop(concurrency: number, durationMs: number, makeRequest: (worker: number) => Promise<Reply>): Promise<ClosedLoopResult> {
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        try {
          const reply = await makeRequest(worker);
          if (reply.status >= 200 && reply.status < 300) latencies.push(reply.ms);
          else failed += 1;
        } catch {
          failed += 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { completed: latencies.length, failed, seconds, perSecond: latencies.length / seconds, latencies };
}

/** `12.3 ms`, `850 µs`. */
export const ms = (value: number) => (value < 1 ? `${(value * 1000).toFixed(0)} µs` : `${value.toFixed(value < 10 ? 2 : 1)} ms`);

/** `+1.20 ms`, `−300 µs`. */
export const delta = (value: number) => `${value < 0 ? '−' : '+'}${ms(Math.abs(value))}`;
