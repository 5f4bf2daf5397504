/**
 * The embedded model's cost per call, each figure beside a bare function call measured the same way in the same run.
 * Run: `npm run bench:dialogue` (from the repository root).
 * Each call is timed on its own with process.hrtime.bigint(), so the baseline carries the same timer overhead; inputs
 * cycle through the training corpus (Chinese, English and mixed utterances of every intent). Prints figures, asserts nothing;
 * `--json FILE` also writes them.
 */
import { writeFileSync } from 'node:fs';
import { Conversation, classifyIntent, detectEmotion, PERSONALITIES, type ConversationState } from '../src/index.js';
import { TRAINING_CORPUS } from '../test/fixtures/intent-corpus.js';

const UTTERANCES = TRAINING_CORPUS.map(([utterance]) => utterance);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 50_000);
const WARMUP = Math.min(ITERATIONS, 10_000);
/** Turns per benchmarked call before a new Conversation starts: a realistic call length (the state grows per turn). */
const TURNS_PER_CALL = 8;

interface Figure {
  readonly name: string;
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
}

let sink = 0;

/** Times `fn(i)` once per iteration; returns per-call microseconds. */
function measure(name: string, fn: (i: number) => unknown): Figure {
  for (let i = 0; i < WARMUP; i += 1) consume(fn(i));
  const samples = new Float64Array(ITERATIONS);
  for (let i = 0; i < ITERATIONS; i += 1) {
    const start = process.hrtime.bigint();
    const result = fn(i);
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
    consume(result);
  }
  samples.sort();
  let total = 0;
  for (const sample of samples) total += sample;
  return { name, mean: total / ITERATIONS, p50: samples[Math.floor(ITERATIONS * 0.5)]!, p99: samples[Math.floor(ITERATIONS * 0.99)]! };
}

function consume(value: unknown): void {
  if (value === sink) sink += 1;
}

/** The baseline: a bare call of a function that does almost nothing with the same input. */
function bare(utterance: string): number {
  return utterance.length;
}

const baseline = measure('bare function call (baseline)', (i) => bare(UTTERANCES[i % UTTERANCES.length]!));
const classify = measure('classifyIntent', (i) => classifyIntent(UTTERANCES[i % UTTERANCES.length]!));
const emotion = measure('detectEmotion', (i) => detectEmotion(UTTERANCES[i % UTTERANCES.length]!));

let call = Conversation.start('bench-0');
const manage = measure(`Conversation.manage (calls of ${TURNS_PER_CALL} turns)`, (i) => {
  if (i % TURNS_PER_CALL === 0) call = Conversation.start(`bench-${i}`);
  return call.manage(UTTERANCES[i % UTTERANCES.length]!, { personality: PERSONALITIES[i % PERSONALITIES.length]!, userName: 'Alex' });
});

// What the route layer will add per turn if it stores the state as JSON: parse, rebuild, manage, serialise.
const stored = (() => {
  const c = Conversation.start('bench-json');
  for (let t = 0; t < TURNS_PER_CALL - 1; t += 1) c.manage(UTTERANCES[t * 7]!, { personality: 'polite' });
  return JSON.stringify(c.toJSON());
})();
const roundTrip = measure(`JSON state → manage → JSON (turn ${TURNS_PER_CALL})`, (i) => {
  const c = Conversation.fromJSON(JSON.parse(stored) as ConversationState);
  c.manage(UTTERANCES[i % UTTERANCES.length]!, { personality: 'direct' });
  return JSON.stringify(c.toJSON()).length;
});

const fmt = (us: number) => us.toFixed(2);
console.log(`dialogue model benchmark: node ${process.version}, ${ITERATIONS} timed calls each after ${WARMUP} warm-up calls`);
console.log('');
console.log('| figure | mean µs | p50 µs | p99 µs | ratio to baseline (mean) | ratio to baseline (p99) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const figure of [baseline, classify, emotion, manage, roundTrip]) {
  console.log(`| ${figure.name} | ${fmt(figure.mean)} | ${fmt(figure.p50)} | ${fmt(figure.p99)} | ${(figure.mean / baseline.mean).toFixed(1)}× | ${(figure.p99 / baseline.p99).toFixed(1)}× |`);
}
console.log('');
console.log(`manage p99 ${fmt(manage.p99)} µs = ${((manage.p99 / 1000 / 50) * 100).toFixed(2)}% of the 50 ms per-turn budget (the whole HTTP hop)`);
if (sink < 0) console.log(sink);

// `--json FILE`: the figures for `npm run bench` (tools/bench/run.ts).
const jsonAt = process.argv.indexOf('--json');
if (jsonAt > 0 && process.argv[jsonAt + 1]) {
  const rows = [classify, emotion, manage, roundTrip].map((figure) => ({
    scenario: 'embedded dialogue model, in process',
    figure: `${figure.name}: p99 µs per call`,
    measured: `${fmt(figure.p99)} µs`,
    baseline: `bare function call ${fmt(baseline.p99)} µs`,
    ratio: `${(figure.p99 / baseline.p99).toFixed(1)}×`,
    target: figure === manage ? '≤ 50 ms per turn (the whole HTTP hop)' : '(none set)',
    ...(figure === manage ? { ok: manage.p99 / 1000 <= 50 } : {}),
  }));
  writeFileSync(process.argv[jsonAt + 1]!, JSON.stringify({ at: new Date().toISOString(), node: process.version, rows }, null, 2));
}
