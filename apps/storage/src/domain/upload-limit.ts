import { Transform, type TransformCallback } from 'node:stream';

/** The body passed the size limit. */
export class UploadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The upload is larger than ${limit} bytes`);
    this.name = 'UploadTooLargeError';
  }
}

/**
 * Passes bytes through until more than `limit` have come, then fails with {@link UploadTooLargeError}: the limit holds
 * whether or not the client sent a Content-Length (chunked uploads), and the failure comes as soon as it is passed.
 */
export class ByteLimit extends Transform {
  #seen = 0;
  #exceeded = false;

  constructor(private readonly limit: number) {
    super();
  }

  /** True once the limit was passed. */
  get exceeded(): boolean {
    return this.#exceeded;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.limit) {
      this.#exceeded = true;
      callback(new UploadTooLargeError(this.limit));
      return;
    }
    callback(null, chunk);
  }
}
