/**
 * Small HTTP helpers for the deploy tests: a request from a chosen local address (node:http lets a test speak as
 * 127.0.X.Y, which fetch cannot), polling, and the checks every gateway answer goes through.
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ErrorEnvelopeSchema, type ErrorEnvelope } from '@ai-ninja/contracts';

/** A complete response. */
export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Options of {@link send}. */
export interface SendOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** The client's source address, e.g. 127.0.5.1: every 127.0.0.0/8 address is this machine. */
  readonly localAddress?: string;
  /** false (the default): a new connection for this request. */
  readonly agent?: Agent | false;
  /** Trusted certificate for https. */
  readonly ca?: string;
}

/** Sends one request and reads the whole response. */
export function send(url: string, options: SendOptions = {}): Promise<Reply> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: options.method ?? 'GET',
        headers: { ...options.headers, ...(options.body !== undefined ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}) },
        localAddress: options.localAddress,
        agent: options.agent ?? false,
        ca: options.ca,
        servername: target.protocol === 'https:' ? 'localhost' : undefined,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    // A server may answer (413) before the body is written and then close: the answer is what counts.
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Polls `probe` until it returns a value; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Asserts a JSON error envelope with this status and code whose requestId is the response's X-Request-ID. */
export function assertEnvelope(reply: Reply, status: number, code: string): ErrorEnvelope {
  assert.equal(reply.status, status, reply.body);
  assert.match(String(reply.headers['content-type']), /^application\/json/);
  const envelope = ErrorEnvelopeSchema.parse(JSON.parse(reply.body));
  assert.equal(envelope.error.code, code);
  assert.equal(envelope.error.requestId, reply.headers['x-request-id']);
  return envelope;
}

/**
 * Why a test that needs `tool` does not run: only when it is missing outside CI. Under CI (`CI` set) it always
 * runs, and fails if the tool is missing.
 */
export function skipUnlessInstalled(tool: string, installed: boolean, hint: string): string | false {
  if (installed || process.env.CI) return false;
  return `${tool} is not installed (${hint}); outside CI this test is skipped, under CI it runs`;
}
