import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { listFiles, readJson, removeFiles, syncDirectory, timeOrderedKey, writeJsonDurably } from './durable-file.js';

/** A call's recording on local disk: `<key>.audio` (the bytes) beside `<key>.json` (this). */
export interface RecordingMeta {
  readonly key: string;
  readonly callId: string;
  readonly userId: string;
  /** The media type of the call's first chunk, sent to storage as the upload's Content-Type. */
  readonly contentType: string;
  /** `recording` while the call lasts; `complete` once the file is fsynced and may be shipped. */
  readonly state: 'recording' | 'complete';
  readonly startedAt: string;
  readonly endedAt?: string;
  /** Chunks and bytes written; unknown for a recording recovered after a crash (its bytes are the file's size). */
  readonly chunks?: number;
  readonly bytes?: number;
  /** Set on a recording recovered at start after the process stopped during its call. */
  readonly recovered?: boolean;
}

const META = '.json';
const AUDIO = '.audio';
const REJECTED = 'rejected';

/**
 * The spool of call recordings under `dir`: audio is appended in seq order while the call lasts, fsynced at its end,
 * and the file stays here until storage confirms the upload. A recording storage refuses for good (415, 413, 400)
 * moves to `dir/rejected/`, kept for an operator, never deleted silently.
 */
export class RecordingSpool {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(join(this.dir, REJECTED), { recursive: true });
  }

  /** Starts the recording of a call; its files are created by the first write. */
  start(callId: string, userId: string, contentType: string): SpoolRecording {
    const meta: RecordingMeta = { key: timeOrderedKey(), callId, userId, contentType, state: 'recording', startedAt: new Date().toISOString() };
    return new SpoolRecording(this, meta);
  }

  audioPath(key: string): string {
    return join(this.dir, key + AUDIO);
  }

  metaPath(key: string): string {
    return join(this.dir, key + META);
  }

  /** Recordings ready to ship (complete), oldest first. */
  async pending(): Promise<RecordingMeta[]> {
    const metas = await Promise.all((await listFiles(this.dir, META)).map((name) => readJson<RecordingMeta>(join(this.dir, name))));
    return metas.filter((meta): meta is RecordingMeta => meta?.state === 'complete');
  }

  /**
   * Recordings left `recording` by a process that stopped during their call: their audio is made durable as it is
   * and they become ready to ship. Run at start, before calls are accepted. Returns what it recovered.
   */
  async recover(): Promise<RecordingMeta[]> {
    const recovered: RecordingMeta[] = [];
    for (const name of await listFiles(this.dir, META)) {
      const meta = await readJson<RecordingMeta>(join(this.dir, name));
      if (meta?.state !== 'recording') continue;
      const audio = this.audioPath(meta.key);
      const size = await stat(audio).then(
        (info) => info.size,
        () => 0,
      );
      if (size > 0) {
        const file = await open(audio, 'r+');
        await file.sync().finally(() => file.close());
      }
      const complete: RecordingMeta = { ...meta, state: 'complete', endedAt: new Date().toISOString(), bytes: size, recovered: true };
      await writeJsonDurably(this.metaPath(meta.key), complete);
      recovered.push(complete);
    }
    return recovered;
  }

  /** Storage confirmed the upload: the local copy goes. */
  async shipped(key: string): Promise<void> {
    await removeFiles(this.dir, [key + AUDIO, key + META]);
  }

  /** Storage refused the recording for good: it moves aside, with why. */
  async reject(meta: RecordingMeta, reason: string): Promise<void> {
    const rejected = join(this.dir, REJECTED);
    await rename(this.audioPath(meta.key), join(rejected, meta.key + AUDIO)).catch(() => undefined);
    await writeJsonDurably(join(rejected, meta.key + META), { ...meta, rejectedAt: new Date().toISOString(), reason });
    await removeFiles(this.dir, [meta.key + META]);
  }

  /** How many recordings wait for storage, and how many it refused. */
  async counts(): Promise<{ pending: number; rejected: number }> {
    const [pending, rejected] = await Promise.all([this.pending(), listFiles(join(this.dir, REJECTED), META)]);
    return { pending: pending.length, rejected: rejected.length };
  }
}

/**
 * One call's recording being written. Appends run one after another, in the order they were asked for (the order
 * of the chunks' seq); `finish` waits for them, fsyncs the file and marks the recording complete.
 */
export class SpoolRecording {
  #file: FileHandle | undefined;
  #chain: Promise<void>;
  #chunks = 0;
  #bytes = 0;
  #failure: Error | undefined;
  #finished: Promise<RecordingMeta> | undefined;

  constructor(
    private readonly spool: RecordingSpool,
    readonly meta: RecordingMeta,
  ) {
    this.#chain = this.#open();
  }

  async #open(): Promise<void> {
    await writeJsonDurably(this.spool.metaPath(this.meta.key), this.meta);
    this.#file = await open(this.spool.audioPath(this.meta.key), 'a');
    await syncDirectory(this.spool.dir);
  }

  /** Appends one chunk; rejects when the file cannot be written (the chunk is then not part of the recording). */
  append(bytes: Buffer): Promise<void> {
    const write = this.#chain.then(async () => {
      if (this.#failure) throw this.#failure;
      await this.#file!.write(bytes);
      this.#chunks += 1;
      this.#bytes += bytes.length;
    });
    // The chain goes on after a failed write: later chunks are tried (and fail) on their own.
    this.#chain = write.catch((error: unknown) => {
      if (!this.#file) this.#failure = error as Error;
    });
    return write;
  }

  /** Waits for the writes, makes them durable and marks the recording ready to ship. Idempotent. */
  finish(): Promise<RecordingMeta> {
    this.#finished ??= this.#chain.then(async () => {
      if (this.#file) {
        await this.#file.sync();
        await this.#file.close();
      }
      const complete: RecordingMeta = { ...this.meta, state: 'complete', endedAt: new Date().toISOString(), chunks: this.#chunks, bytes: this.#bytes };
      await writeJsonDurably(this.spool.metaPath(this.meta.key), complete);
      return complete;
    });
    return this.#finished;
  }
}
