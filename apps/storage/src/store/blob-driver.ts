import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** One stored object as a driver sees it: no metadata beyond its size and age. */
export interface BlobInfo {
  readonly key: string;
  readonly size: number;
  readonly modifiedAt: Date;
}

/** A byte range, both ends inclusive, as HTTP Range has it. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** What {@link BlobDriver.put} measured while the bytes went through: nothing is read twice. */
export interface PutResult {
  readonly size: number;
  /** Hex SHA-256 of the stored bytes. */
  readonly sha256: string;
}

/**
 * Where recordings' bytes live: a local directory or an S3-compatible bucket. A put is all or nothing: when the source
 * fails midway (client gone, size limit hit), nothing is left under the key, nor anywhere else.
 */
export interface BlobDriver {
  readonly kind: 'fs' | 's3';
  /** Where the blobs are, for logs and health: a directory or `s3://bucket/prefix`. */
  readonly location: string;
  /** Prepares the store (creates the directory); called once before use. */
  open(): Promise<void>;
  /** Streams `source` to `key` with backpressure, hashing on the way; replaces nothing half-way. */
  put(key: string, source: Readable, options: { readonly contentType: string }): Promise<PutResult>;
  /** A stream of the blob (or of `range` of it). Throws {@link BlobNotFoundError} before any byte when there is none. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  stat(key: string): Promise<BlobInfo | undefined>;
  /** Removes the blob; false when there was none. */
  delete(key: string): Promise<boolean>;
  /** Every blob whose key starts with `prefix` (a folder such as `audio/`), in no particular order. */
  list(prefix: string): AsyncIterable<BlobInfo>;
  /** Moves a blob to another key (archive). Throws {@link BlobNotFoundError} when `from` does not exist. */
  move(from: string, to: string): Promise<void>;
  /**
   * Removes what interrupted writes left behind (a process killed mid-upload) and is older than `before`; returns
   * what it removed. Drivers whose store cleans up by itself (S3 lifecycle rules) return nothing.
   */
  sweepIncomplete(before: Date, dryRun: boolean): Promise<string[]>;
  /** Throws when the store cannot be used (health check). */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** The blob is not there. */
export class BlobNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`No blob at ${key}`);
    this.name = 'BlobNotFoundError';
  }
}

/** A key that could name something outside the store; keys are made by the service, so this is a programming error. */
export class InvalidBlobKeyError extends Error {
  constructor(key: string) {
    super(`Invalid blob key ${JSON.stringify(key)}`);
    this.name = 'InvalidBlobKeyError';
  }
}

// Segments start with a letter or digit: no `.`/`..`, no hidden names (temp files start with a dot), no empty segment.
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Checks that `key` is a relative path of plain segments (`audio/1f0…`): no `..`, no absolute path, no NUL, no
 * backslash, so no key can reach outside the store's root or prefix. `prefix` mode also accepts `''` and a trailing `/`.
 */
export function assertValidKey(key: string, { prefix = false } = {}): void {
  if (prefix && key === '') return;
  const body = prefix && key.endsWith('/') ? key.slice(0, -1) : key;
  if (body.length === 0 || body.length > 512 || !body.split('/').every((segment) => SEGMENT.test(segment))) {
    throw new InvalidBlobKeyError(key);
  }
}

/** A pass-through stream that counts and hashes what flows through it. */
export class Meter extends Transform {
  #size = 0;
  readonly #hash: Hash = createHash('sha256');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#size += chunk.length;
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  /** Size and hash of everything that went through; call once, after the stream ended. */
  result(): PutResult {
    return { size: this.#size, sha256: this.#hash.digest('hex') };
  }
}
