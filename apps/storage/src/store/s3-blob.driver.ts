import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { assertValidKey, BlobNotFoundError, Meter, type BlobDriver, type BlobInfo, type ByteRange, type PutResult } from './blob-driver.js';

/** Where an {@link S3BlobDriver} keeps its blobs. */
export interface S3DriverOptions {
  readonly bucket: string;
  /** Prepended to every key (`recordings/`), so the service can share a bucket; '' for none. */
  readonly prefix?: string;
  /** A non-AWS endpoint (MinIO, Ceph, s3rver…): addressed path-style. Unset: AWS. */
  readonly endpoint?: string;
  readonly region: string;
  /** Explicit credentials; unset: the SDK's default chain (AWS_* variables, profile, web identity, instance role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Storage class archived blobs are copied into (e.g. `GLACIER_IR`); unset: the bucket's default. */
  readonly archiveStorageClass?: StorageClass;
  /** Prefix of archived keys, to apply {@link archiveStorageClass} to moves into it. */
  readonly archiveKeyPrefix?: string;
  /** Multipart part size: the memory one upload holds, times {@link queueSize}. 5 MiB, the S3 minimum, by default. */
  readonly partSize?: number;
  readonly queueSize?: number;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;

/**
 * Blobs in an S3-compatible bucket. Uploads stream through lib-storage's multipart Upload (at most partSize ×
 * queueSize bytes held at once); a failed or interrupted upload is aborted, so no object and no parts remain.
 */
export class S3BlobDriver implements BlobDriver {
  readonly kind = 's3';
  readonly client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #options: S3DriverOptions;

  constructor(options: S3DriverOptions) {
    this.#options = options;
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ?? '';
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint
        ? {
            endpoint: options.endpoint,
            forcePathStyle: true,
            // Other S3 implementations often lack the SDK's newer default checksums (aws-chunked trailers).
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
          }
        : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  get location(): string {
    return `s3://${this.#bucket}/${this.#prefix}${this.#options.endpoint ? ` at ${this.#options.endpoint}` : ''}`;
  }

  async open(): Promise<void> {
    // Nothing to prepare: the bucket is the operator's (a missing one shows in /health/ready).
  }

  async put(key: string, source: Readable, options: { readonly contentType: string }): Promise<PutResult> {
    const meter = new Meter();
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.#bucket, Key: this.#key(key), Body: meter, ContentType: options.contentType },
      partSize: Math.max(MIN_PART_SIZE, this.#options.partSize ?? MIN_PART_SIZE),
      queueSize: this.#options.queueSize ?? 1,
      leavePartsOnError: false,
    });
    const piped = pipeline(source, meter);
    const uploaded = upload.done();
    try {
      await Promise.all([piped, uploaded]);
    } catch (error) {
      // Whichever side failed, stop the other: a failed upload stops reading the source, a failed source aborts the
      // multipart upload (lib-storage sends AbortMultipartUpload once its reader sees the error).
      meter.destroy(error instanceof Error ? error : new Error(String(error)));
      const [, upload] = await Promise.allSettled([piped, uploaded]);
      if (upload.status === 'fulfilled') await this.delete(key).catch(() => undefined);
      throw error;
    }
    return meter.result();
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: this.#key(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      return response.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) throw new BlobNotFoundError(key);
      throw error;
    }
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
      return { key, size: head.ContentLength ?? 0, modifiedAt: head.LastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<boolean> {
    // DeleteObject succeeds whether or not the object was there; the HEAD is what tells.
    const existed = (await this.stat(key)) !== undefined;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
    return existed;
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    assertValidKey(prefix, { prefix: true });
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.#bucket, Prefix: this.#prefix + prefix })) {
      for (const object of page.Contents ?? []) {
        if (!object.Key?.startsWith(this.#prefix)) continue;
        yield { key: object.Key.slice(this.#prefix.length), size: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0) };
      }
    }
  }

  async move(from: string, to: string): Promise<void> {
    const archiving = this.#options.archiveStorageClass && this.#options.archiveKeyPrefix && to.startsWith(this.#options.archiveKeyPrefix);
    try {
      // S3 has no rename: copy (server side, up to 5 GB), then delete the original.
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.#bucket,
          Key: this.#key(to),
          CopySource: `${this.#bucket}/${this.#key(from)}`.split('/').map(encodeURIComponent).join('/'),
          ...(archiving ? { StorageClass: this.#options.archiveStorageClass } : {}),
        }),
      );
    } catch (error) {
      if (isNotFound(error)) throw new BlobNotFoundError(from);
      throw error;
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#key(from) }));
  }

  async sweepIncomplete(_before: Date, _dryRun: boolean): Promise<string[]> {
    // Interrupted uploads are aborted as they fail; parts left by a killed process are the bucket's lifecycle rule's
    // job (AbortIncompleteMultipartUpload), documented in the README.
    return [];
  }

  async check(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.#bucket }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  #key(key: string): string {
    assertValidKey(key);
    return this.#prefix + key;
  }
}

function isNotFound(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
}
