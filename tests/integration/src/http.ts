/**
 * HTTP for the integration tests and benches: one request from a chosen local address (every 127.0.0.0/8 address is
 * this machine, so a test can be many clients of the gateway's per-address rate limits and ip_hash), kept-alive or
 * not, and an open-loop load generator that records every outcome.
 */
import assert from 'node:assert/strict';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { ErrorEnvelopeSchema, type ErrorEnvelope } from '@ai-ninja/contracts';

/** A complete response. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Milliseconds from sending to the last byte. */
  readonly ms: number;
}

/** Options of {@link send}. */
export interface SendOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  /** A string or Buffer is sent as is; anything else as JSON with `content-type: application/json`. */
  readonly body?: unknown;
  /** The client's source address, e.g. 127.0.5.1. */
  readonly localAddress?: string;
  /** An agent for keep-alive; by default a new connection per request. */
  readonly agent?: Agent;
  readonly timeoutMs?: number;
}

/** Sends one request and reads the whole response. Rejects on a transport error (refused, reset, timeout). */
export function send(url: string, options: SendOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
  let payload: string | Buffer | undefined;
  if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) payload = options.body;
  else if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers, localAddress: options.localAddress, agent: options.agent ?? false, timeout: options.timeoutMs ?? 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${options.timeoutMs ?? 30_000} ms`)));
    // A server may answer (413) before the body is written and then close: the answer is what counts.
    req.on('error', reject);
    req.end(payload);
  });
}

/** The JSON body of a reply; fails the test with the body when it is not JSON. */
export function json<T = any>(reply: Reply): T {
  try {
    return JSON.parse(reply.body) as T;
  } catch {
    assert.fail(`not JSON (status ${reply.status}): ${reply.body.slice(0, 300)}`);
  }
}

/** Asserts the error envelope with this status (and code, when given); returns it. */
export function expectEnvelope(reply: Reply, status: number, code?: string): ErrorEnvelope {
  assert.equal(reply.status, status, reply.body.slice(0, 500));
  assert.match(String(reply.headers['content-type']), /^application\/json/, `content-type of a ${status}`);
  const envelope = ErrorEnvelopeSchema.parse(json(reply));
  if (code) assert.equal(envelope.error.code, code, reply.body.slice(0, 500));
  return envelope;
}

/** Local addresses 127.<a>.<b>.<c>, a new one per call: a new client for the gateway's per-address limits. */
export function addressPool(secondOctet: number): () => string {
  let n = 0;
  return () => {
    n += 1;
    return `127.${secondOctet}.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
  };
}

/** Polls `probe` until it returns a value that is not undefined/false; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** One request of a load run. */
export interface Outcome {
  /** When it was due (performance.now() time). */
  readonly at: number;
  /** HTTP status, or 0 for a transport error. */
  readonly status: number;
  /** From when it was due to the last byte of the answer. */
  readonly ms: number;
  readonly error?: string;
  /** The first 2000 characters of the body. */
  readonly body?: string;
}

/** A load generator running in the background until stopped. */
export interface LoadRun {
  readonly outcomes: Outcome[];
  /** Stops sending, waits for the requests in flight, returns every outcome. */
  stop(): Promise<Outcome[]>;
}

/**
 * Open loop: starts `ratePerSecond` requests a second whatever the answers take (a slow system does not slow the
 * load, as with real callers), until stopped. `makeRequest(i)` returns the promise of one request's reply.
 */
export function steadyLoad(ratePerSecond: number, makeRequest: (i: number) => Promise<Reply>): LoadRun {
  const outcomes: Outcome[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let sent = 0;
  let stopped = false;
  const fire = () => {
    const i = sent++;
    // Latency counts from when the request was due, not when the timer got round to it: a stall shows up.
    const at = started + (i * 1000) / ratePerSecond;
    const done = makeRequest(i).then(
      (reply) => void outcomes.push({ at, status: reply.status, ms: performance.now() - at, body: reply.body.slice(0, 2000) }),
      (error: Error) => void outcomes.push({ at, status: 0, ms: performance.now() - at, error: error.message }),
    );
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };
  // A coarse timer catching up on what is due: setTimeout alone drifts far below the rate on a busy machine.
  const timer = setInterval(() => {
    // Request i is due at i / rate seconds: at elapsed time t, requests 0..floor(t × rate) are due.
    const due = Math.floor(((performance.now() - started) / 1000) * ratePerSecond) + 1;
    while (!stopped && sent < due) fire();
  }, 1);
  return {
    outcomes,
    async stop() {
      stopped = true;
      clearInterval(timer);
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      return outcomes;
    },
  };
}

/** Percentile (0..1) of numbers, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** A keep-alive agent for load. */
export function keepAliveAgent(maxSockets = 64): Agent {
  return new Agent({ keepAlive: true, maxSockets, keepAliveMsecs: 1000 });
}

/** Fails with every problem on its own line (assert's diff would cut a long list short). */
export function assertNoProblems(problems: readonly string[], what: string): void {
  if (problems.length === 0) return;
  const unique = [...new Set(problems)];
  assert.fail(`${unique.length} problem(s) ${what}:\n${unique.map((p) => `- ${p}`).join('\n')}`);
}
