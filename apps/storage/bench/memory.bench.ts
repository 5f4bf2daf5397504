/**
 * Memory and speed of storage's streaming: uploads a 20 MB recording and downloads it whole and by ranges, while
 * sampling this process's RSS every few milliseconds. Storage and the client run in this one process, so the peak
 * RSS delta covers both: an upper bound of what the service holds. Each figure is printed beside its baseline, measured
 * in the same run: the file size for memory, a plain file copy of the same bytes (no HTTP) for speed.
 *
 * It runs a 20 MB file (the figure asked for) and a 100 MB one: the peak does not grow with the file, because nothing
 * holds a whole file; what it shows is V8 letting a few tens of MB of already-sent 64 KB Buffers wait for the next GC.
 *
 *   npm run bench:storage                         # 20 and 100 MB, on files then on S3 (a local s3rver)
 *   npm run bench:storage -- --size-mb=50 --only=fs
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestAuth, testConfig } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';

const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '20,100' }, only: { type: 'string' }, json: { type: 'string' } } });
const MB = 1024 * 1024;
const SIZES = values['size-mb'].split(',').map((size) => Number(size) * MB);
let SIZE = SIZES[0]!;
const CHUNK = 64 * 1024;
// One pseudo-random chunk, repeated: the body is generated as it goes, never held whole by the client either.
const PATTERN = randomBytes(CHUNK);

function* body(): Iterable<Buffer> {
  for (let sent = 0; sent < SIZE; sent += CHUNK) yield PATTERN.subarray(0, Math.min(CHUNK, SIZE - sent));
}

/**
 * Samples RSS every 5 ms between start() and stop(); returns the peak above the level at start(). No GC is forced at
 * start: a forced full GC shrinks V8's young generation, and its regrowth would show as a spike that has nothing to
 * do with the transfer.
 */
class RssSampler {
  #base = 0;
  #peak = 0;
  #timer: NodeJS.Timeout | undefined;
  start(): void {
    this.#base = process.memoryUsage.rss();
    this.#peak = this.#base;
    this.#timer = setInterval(() => (this.#peak = Math.max(this.#peak, process.memoryUsage.rss())), 5);
  }
  stop(): number {
    clearInterval(this.#timer);
    this.#peak = Math.max(this.#peak, process.memoryUsage.rss());
    return this.#peak - this.#base;
  }
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const rate = (bytes: number, ms: number) => (bytes / MB / (ms / 1000)).toFixed(0);

function upload(url: string, authorization: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/v1/storage/audio/upload?callId=bench`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'audio/wav', 'content-length': String(SIZE) },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    pipeline(Readable.from(body()), req).catch(reject);
  });
}

/** Downloads and hashes the body without keeping it; returns its length and SHA-256. */
function download(url: string, authorization: string, range?: string): Promise<{ status: number; bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { authorization, ...(range ? { range } : {}) } }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      pipeline(
        res,
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            bytes += chunk.length;
            hash.update(chunk);
            callback();
          },
        }),
      ).then(() => resolve({ status: res.statusCode ?? 0, bytes, sha256: hash.digest('hex') }), reject);
    })
      .on('error', reject)
      .end();
  });
}

async function measure<T>(what: () => Promise<T>): Promise<{ result: T; ms: number; peak: number }> {
  const sampler = new RssSampler();
  sampler.start();
  const started = performance.now();
  const result = await what();
  const ms = performance.now() - started;
  return { result, ms, peak: sampler.stop() };
}

/** Starts s3rver in a child process; resolves with the env that points storage at it, and a way to stop it. */
async function startS3Process(): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./s3-server.process.ts', import.meta.url))], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return {
    env: JSON.parse(line) as Record<string, string>,
    stop: async () => {
      child.stdin.end();
      await once(child, 'exit');
    },
  };
}

/** Steady-state peak RSS delta per store and size, for the summary. */
const summary: string[] = [];
/** The same figures as rows for `npm run bench` (`--json FILE`). */
const figures: object[] = [];

async function run(kind: 'fs' | 's3'): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ai-ninja-storage-bench-'));
  const s3 = kind === 's3' ? await startS3Process() : undefined;
  const auth = await createTestAuth();
  const authorization = auth.bearer(await auth.userToken('bench-user')).authorization;
  const config = testConfig(configSchema, { ...auth.env, DATA_DIR: dataDir, STORAGE_MAX_UPLOAD_BYTES: String(SIZE), ...(s3?.env ?? {}) });
  const running = await createApp({ config, version: 'bench' }).listen();
  try {
    // Baseline: the same bytes generated the same way, written straight to a file: no HTTP, no hashing, no service.
    const baseline = await measure(() => pipeline(Readable.from(body()), createWriteStream(join(dataDir, 'baseline.bin'))));

    const round = async () => {
      const up = await measure(() => upload(running.url, authorization));
      if (up.result.status !== 201) throw new Error(`upload answered ${up.result.status}: ${up.result.text}`);
      const recording = JSON.parse(up.result.text) as { id: string; size: number; sha256: string };
      const url = `${running.url}/api/v1/storage/audio/${recording.id}`;
      const whole = await measure(() => download(url, authorization));
      if (whole.result.status !== 200 || whole.result.sha256 !== recording.sha256) throw new Error('the download does not match the upload');
      const ranged = await measure(() => download(url, authorization, `bytes=${SIZE / 2}-`));
      if (ranged.result.status !== 206 || ranged.result.bytes !== SIZE - SIZE / 2) throw new Error(`range download: ${ranged.result.status}, ${ranged.result.bytes} bytes`);
      return { up, whole, ranged };
    };

    const store = kind === 's3' ? 'S3 (s3rver in another process)' : 'files';
    console.log(`\nstorage on ${store}: a ${mb(SIZE)} recording; storage and client in one process, so RSS covers both`);
    const row = (name: string, m: { ms: number; peak: number }, bytes: number) =>
      console.log(
        `  ${name.padEnd(34)} peak RSS +${mb(m.peak).padStart(8)} = ${((m.peak / SIZE) * 100).toFixed(0).padStart(3)}% of the file   ` +
          `${rate(bytes, m.ms).padStart(5)} MB/s = ${(bytes / m.ms / (SIZE / baseline.ms)).toFixed(2)} × a plain file write (${rate(SIZE, baseline.ms)} MB/s)`,
      );
    const rows = (figures: Awaited<ReturnType<typeof round>>) => {
      row('upload (streamed, hashed)', figures.up, SIZE);
      row('download whole (200)', figures.whole, SIZE);
      row(`download range bytes=${SIZE / 2}- (206)`, figures.ranged, SIZE - SIZE / 2);
    };
    const cold = await round();
    console.log(' first round (includes loading code and V8 growing its heap: a fixed cost, whatever the file size):');
    rows(cold);
    console.log(' steady state (second round):');
    const steady = await round();
    rows(steady);
    const peak = Math.max(steady.up.peak, steady.whole.peak, steady.ranged.peak);
    summary.push(`  ${store.padEnd(30)} file ${mb(SIZE).padStart(9)}   peak RSS delta ${mb(peak).padStart(8)} = ${((peak / SIZE) * 100).toFixed(0).padStart(3)}% of the file`);
    const scenario = `${store}, a ${mb(SIZE)} recording, steady state`;
    figures.push({
      scenario,
      figure: 'peak RSS delta (upload, download, range)',
      measured: mb(peak),
      baseline: `the file ${mb(SIZE)}`,
      ratio: `${((peak / SIZE) * 100).toFixed(0)} %`,
      target: '(none set)',
    });
    for (const [name, m, bytes] of [['upload throughput (streamed, hashed)', steady.up, SIZE], ['download throughput (whole)', steady.whole, SIZE]] as const) {
      figures.push({
        scenario,
        figure: name,
        measured: `${rate(bytes, m.ms)} MB/s`,
        baseline: `plain file write ${rate(SIZE, baseline.ms)} MB/s`,
        ratio: `${(bytes / m.ms / (SIZE / baseline.ms)).toFixed(2)}×`,
        target: '(none set)',
        value: Number(rate(bytes, m.ms)),
        baselineValue: Number(rate(SIZE, baseline.ms)),
        unit: 'MB/s',
      });
    }
  } finally {
    await running.close();
    await s3?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

for (const size of SIZES) {
  SIZE = size;
  for (const kind of ['fs', 's3'] as const) {
    if (!values.only || values.only === kind) await run(kind);
  }
}
console.log('\nsummary, steady state (the largest peak of upload, whole download and range download):');
for (const line of summary) console.log(line);
if (values.json) writeFileSync(values.json, JSON.stringify({ at: new Date().toISOString(), node: process.version, rows: figures }, null, 2));
