/**
 * `npm run bench:call`: the live call's two latencies, each beside its baseline measured in the same run, with every
 * service a call involves running as its own process on this machine (SQLite, loopback):
 *
 * - the incoming-call decision (`POST /webhook/incoming-call`) at 200 calls/s, open loop, beside a bare
 *   `GET /health/live` of phone-gateway at the same rate (target: decision p99 ≤ 20 ms);
 * - the AI's reply to one caller turn over the WebSocket (embedded model), beside a ping/pong round trip on the same
 *   connection (target: p99 ≤ 50 ms).
 *
 * `--json FILE` also writes the figures as JSON; `--seconds N` sets the length of each open-loop run (default 10).
 */
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { IncomingCallResponseSchema, TokenResponseSchema } from '@ai-ninja/contracts';
import { buildServices } from '@ai-ninja/tools/launcher';
import { json, phone, post, System } from './system.js';

const { values: args } = parseArgs({ options: { json: { type: 'string' }, seconds: { type: 'string', default: '10' }, rate: { type: 'string', default: '200' } } });
const SECONDS = Number(args.seconds);
const RATE = Number(args.rate);

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

/** Fires `request` RATE times a second for SECONDS seconds without waiting for answers (open loop); latencies in ms. */
async function openLoop(request: (i: number) => Promise<void>): Promise<{ latencies: number[]; errors: number }> {
  const total = RATE * SECONDS;
  const latencies: number[] = [];
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    // Latency counts from when the request was due, so a stalled generator cannot hide queueing (coordinated omission).
    inFlight.push(
      request(i).then(
        () => void latencies.push(performance.now() - due),
        () => void (errors += 1),
      ),
    );
  }
  await Promise.all(inFlight);
  return { latencies, errors };
}

async function main(): Promise<void> {
  console.log(`call bench: node ${process.version}, ${RATE}/s for ${SECONDS} s per open-loop run; building, then starting the services a call involves…`);
  // The built services, as `npm start` runs them.
  if (!buildServices()) throw new Error('the build failed');
  const system = new System('dist');
  await system.start();
  try {
    const users = system.url('user-management');
    const email = `bench-${Date.now()}@example.com`;
    const password = 'correct-horse-battery-staple';
    await json(await post(`${users}/api/v1/auth/register`, { email, password, displayName: 'Bench' }));
    const session = await json(await post(`${users}/api/v1/auth/login`, { email, password }), TokenResponseSchema);
    const auth = { authorization: `Bearer ${session.accessToken}` };
    const hosted = phone();
    await json(await post(`${users}/api/v1/users/${session.user.id}/phones`, { phone: hosted }, auth));
    const contacts = Array.from({ length: 20 }, phone);
    for (const contact of contacts) await json(await post(`${system.url('smart-whitelist')}/api/v1/whitelist/${session.user.id}`, { phone: contact }, auth));

    const gateway = system.url('phone-gateway');
    // Warm-up: JIT, connection pools, caches.
    for (let i = 0; i < 200; i += 1) await (await fetch(`${gateway}/health/live`)).arrayBuffer();
    for (let i = 0; i < 100; i += 1) {
      await json(await post(`${gateway}/webhook/incoming-call`, { callId: `warm-${i}`, from: contacts[i % contacts.length], to: hosted }));
    }

    const bare = await openLoop(async () => {
      const response = await fetch(`${gateway}/health/live`);
      await response.arrayBuffer();
      if (!response.ok) throw new Error(String(response.status));
    });
    const decisions: Record<string, number> = {};
    const decision = await openLoop(async (i) => {
      // Half contacts (transfer), half unknown numbers (ai_answer): both paths ask the owner, whitelist and profile.
      const from = i % 2 === 0 ? contacts[i % contacts.length]! : phone();
      const response = await post(`${gateway}/webhook/incoming-call`, { callId: `bench-${Date.now()}-${i}-${randomInt(1e9)}`, from, to: hosted });
      const body = IncomingCallResponseSchema.parse(await response.json());
      decisions[body.decision] = (decisions[body.decision] ?? 0) + 1;
      if (body.reasons.some((reason) => reason.includes('did not answer'))) decisions.degraded = (decisions.degraded ?? 0) + 1;
    });

    // Per-turn reply latency over the WebSocket, against a ping/pong on the same connection.
    const turns: number[] = [];
    const server: number[] = [];
    const pings: number[] = [];
    const utterances = [
      'Hello, I am calling from Sunrise Loans about a special low interest offer',
      'It only takes two minutes, please listen',
      'Why not? The rate is really low this month',
      'Just hear me out, it is a great deal',
      '您好，我们这边是信用卡中心，给您提升额度',
      '就耽误您一分钟',
      'Okay, last chance, are you sure?',
      'Please wait, one more thing',
    ];
    for (let c = 0; c < 25; c += 1) {
      const call = IncomingCallResponseSchema.parse(await (await post(`${gateway}/webhook/incoming-call`, { callId: `turns-${c}-${Date.now()}`, from: phone(), to: hosted })).json());
      if (!call.realtime) throw new Error(`expected an AI-answered call, got ${call.decision}`);
      const socket = new WebSocket(`${call.realtime.url}?token=${encodeURIComponent(call.realtime.token)}`);
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      let waiting: ((message: { type: string; processingLatency?: number; shouldHangup?: boolean }) => void) | undefined;
      socket.on('message', (data) => waiting?.(JSON.parse(String(data)) as { type: string }));
      const exchange = (message: object, expect: string) =>
        new Promise<{ type: string; processingLatency?: number; shouldHangup?: boolean }>((resolve) => {
          waiting = (answer) => {
            if (answer.type === expect) resolve(answer);
          };
          socket.send(JSON.stringify(message));
        });
      for (const [i, text] of utterances.entries()) {
        const pinged = performance.now();
        await exchange({ type: 'ping' }, 'pong');
        pings.push(performance.now() - pinged);
        const sent = performance.now();
        const reply = await exchange({ type: 'transcript', text, final: true, seq: i + 1 }, 'ai_response');
        turns.push(performance.now() - sent);
        server.push(reply.processingLatency ?? Number.NaN);
        if (reply.shouldHangup) break;
      }
      socket.close();
    }

    type Summary = ReturnType<typeof summary>;
    const rows: Array<{ figure: string; measured: Summary; errors: number; baseline?: { label: string; measured: Summary }; target: string }> = [
      {
        figure: `incoming-call decision at ${RATE}/s`,
        measured: summary(decision.latencies),
        errors: decision.errors,
        baseline: { label: `phone-gateway /health/live at ${RATE}/s`, measured: summary(bare.latencies) },
        target: 'p99 ≤ 20 ms',
      },
      { figure: 'AI reply per turn (WebSocket round trip)', measured: summary(turns), errors: 0, baseline: { label: 'ping/pong on the same WebSocket', measured: summary(pings) }, target: 'p99 ≤ 50 ms' },
      { figure: 'AI reply per turn (processingLatency reported by realtime-processor)', measured: summary(server), errors: 0, target: '' },
    ];
    console.log(`\ndecisions: ${JSON.stringify(decisions)}`);
    console.log('\n| figure | n | p50 ms | p99 ms | max ms | errors | baseline | baseline p50 ms | baseline p99 ms | p99 ratio | target |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const { figure, measured, errors, baseline, target } of rows) {
      const base = baseline ? [baseline.label, fmt(baseline.measured.p50), fmt(baseline.measured.p99), `${(measured.p99 / baseline.measured.p99).toFixed(1)}×`] : ['—', '—', '—', '—'];
      console.log(`| ${figure} | ${measured.n} | ${fmt(measured.p50)} | ${fmt(measured.p99)} | ${fmt(measured.max)} | ${errors} | ${base.join(' | ')} | ${target} |`);
    }
    if (args.json) writeFileSync(args.json, `${JSON.stringify({ rate: RATE, seconds: SECONDS, decisions, rows }, null, 2)}\n`);
  } finally {
    await system.close();
  }
}

const fmt = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '—');

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
