import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { testDatabase, type DatabaseKind } from '@ai-ninja/data/testing';
import type { RunningService } from '@ai-ninja/service-kit';
import { testConfig, type TestAuth } from '@ai-ninja/service-kit/testing';
import { createApp } from '../../src/app.js';
import { configSchema, type Config } from '../../src/config.js';
import type { BlobDriver } from '../../src/store/blob-driver.js';
import { createBlobDriver } from '../../src/store/create-blob-driver.js';
import { listFiles, startS3Server, type TestS3Server } from './s3-server.js';

/** Where a suite's recordings go: a database of one kind, and files or a local S3. */
export interface TestEnvironment {
  readonly name: string;
  readonly env: Record<string, string>;
  /** Set when the blobs are in S3. */
  readonly s3: TestS3Server | undefined;
  /** The directory of DATA_DIR (the SQLite file, and the blobs when they are files). */
  readonly dataDir: string;
  /** Every file the blob store holds underneath: temp files and multipart parts included. */
  blobFiles(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** Each combination the suites run on. */
export const SETUPS: ReadonlyArray<{ db: DatabaseKind; blobs: 'fs' | 's3' }> = [
  { db: 'sqlite', blobs: 'fs' },
  { db: 'postgres', blobs: 'fs' },
  { db: 'sqlite', blobs: 's3' },
  { db: 'postgres', blobs: 's3' },
];

/** A fresh database of `db`'s kind, a fresh DATA_DIR, and with `blobs: 's3'` a fresh local S3 server. */
export async function testEnvironment(db: DatabaseKind, blobs: 'fs' | 's3'): Promise<TestEnvironment> {
  const database = await testDatabase(db);
  const dataDir = database.env['DATA_DIR'] ?? (await mkdtemp(join(tmpdir(), 'ai-ninja-storage-')));
  const s3 = blobs === 's3' ? await startS3Server() : undefined;
  return {
    name: `${db} + ${blobs === 's3' ? 'S3 (s3rver)' : 'files'}`,
    env: { DATA_DIR: dataDir, ...database.env, ...(s3?.env ?? {}) },
    s3,
    dataDir,
    blobFiles: () => (s3 ? s3.files() : listFiles(join(dataDir, 'storage'))),
    async cleanup() {
      await s3?.close();
      await database.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A running storage with a handle on its blob store and a clock the test moves. */
export interface StorageUnderTest {
  readonly url: string;
  readonly config: Config;
  readonly blobs: BlobDriver;
  /** Moves the service's clock forward (recordings made before look older). */
  advance(ms: number): void;
  close(): Promise<void>;
}

/** Starts storage on port 0 with `env` on top of the test defaults. */
export async function startStorage(env: Record<string, string>): Promise<StorageUnderTest> {
  const config = testConfig(configSchema, env);
  const blobs = createBlobDriver(config);
  let offsetMs = 0;
  const running: RunningService = await createApp({ config, version: 'test', blobs, now: () => new Date(Date.now() + offsetMs) }).listen();
  return {
    url: running.url,
    config,
    blobs,
    advance: (ms) => {
      offsetMs += ms;
    },
    close: async () => {
      await running.close();
    },
  };
}

/** Bearer headers of a user, an admin and a service, made once per suite. */
export async function principals(auth: TestAuth) {
  return {
    alice: auth.bearer(await auth.userToken('alice')),
    bob: auth.bearer(await auth.userToken('bob')),
    admin: auth.bearer(await auth.userToken('root', ['user', 'admin'])),
    realtime: auth.bearer(await auth.serviceToken('realtime-processor')),
  };
}

/** Uploads `bytes` as `contentType`; returns the response. */
export function upload(url: string, headers: Record<string, string>, bytes: Buffer, query = '', contentType = 'audio/wav'): Promise<Response> {
  return fetch(`${url}/api/v1/storage/audio/upload${query}`, { method: 'POST', headers: { ...headers, 'content-type': contentType }, body: bytes });
}

/**
 * A raw HTTP upload with node:http, for what fetch cannot do: send without Content-Length (chunked), keep sending after
 * the server has answered, or stop halfway. `chunks` are written one after the other while the socket accepts them.
 */
export function rawUpload(
  url: string,
  options: { headers: Record<string, string>; chunks: Iterable<Buffer>; query?: string; end?: boolean },
): { response: Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>; destroy: () => void; written: () => number } {
  let written = 0;
  let stopped = false;
  const req = httpRequest(`${url}/api/v1/storage/audio/upload${options.query ?? ''}`, { method: 'POST', headers: options.headers });
  // Writing after the server answered and closed may fail (EPIPE, ECONNRESET): the answer is what the test reads.
  req.on('error', () => undefined);
  const response = new Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      stopped = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('close', () => setTimeout(() => reject(new Error('connection closed without a response')), 50).unref());
  });
  response.catch(() => undefined); // a test that cuts the connection never reads it
  void (async () => {
    for (const chunk of options.chunks) {
      if (stopped || req.destroyed) return;
      written += chunk.length;
      if (!req.write(chunk)) await new Promise((resolve) => req.once('drain', resolve).once('close', resolve));
    }
    if (!stopped && !req.destroyed && options.end !== false) req.end();
  })();
  return { response, destroy: () => req.destroy(), written: () => written };
}

/** Chunks of `size` bytes, `count` of them: lazily, never the whole body at once. */
export function* chunksOf(size: number, count: number, fill = 7): Iterable<Buffer> {
  const chunk = Buffer.alloc(size, fill);
  for (let i = 0; i < count; i++) yield chunk;
}

/** Waits until `condition` holds, checking every 20 ms, failing after `timeoutMs` (a wait for a state, not a timing). */
export async function eventually(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await sleep(20);
  }
}
