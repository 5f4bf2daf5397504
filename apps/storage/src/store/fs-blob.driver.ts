import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertValidKey, BlobNotFoundError, InvalidBlobKeyError, Meter, type BlobDriver, type BlobInfo, type ByteRange, type PutResult } from './blob-driver.js';

const TEMP_FILE = /^\..+\.tmp$/;

/**
 * Blobs as files under one directory (`${DATA_DIR}/storage`). A put writes a temp file beside its target, fsyncs it,
 * renames it into place and fsyncs the directory: readers see the whole file or none, and a crash leaves at most a
 * dot-named temp file, which {@link sweepIncomplete} removes.
 */
export class FsBlobDriver implements BlobDriver {
  readonly kind = 'fs';
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get location(): string {
    return this.root;
  }

  /** Creates the root directory; call once before use. */
  async open(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  async put(key: string, source: Readable, _options: { readonly contentType: string }): Promise<PutResult> {
    const path = this.#path(key);
    const dir = dirname(path);
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.${basename(path)}.${randomUUID()}.tmp`);
    const file = await open(temp, 'wx', 0o640);
    const meter = new Meter();
    try {
      // flush: the stream fsyncs the file before closing it, so the rename below publishes durable bytes.
      await pipeline(source, meter, file.createWriteStream({ flush: true }));
      await rename(temp, path);
    } catch (error) {
      await file.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw error;
    }
    await syncDir(dir);
    return meter.result();
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.#path(key);
    let file;
    try {
      file = await open(path, 'r');
    } catch (error) {
      throw notFound(error, key);
    }
    // autoClose (the default): the file closes when the stream ends or is destroyed (client gone).
    return file.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    try {
      const info = await stat(this.#path(key));
      return info.isFile() ? { key, size: info.size, modifiedAt: info.mtime } : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<boolean> {
    try {
      await unlink(this.#path(key));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    for await (const { path, name } of this.#walk(prefix)) {
      if (TEMP_FILE.test(name)) continue;
      const info = await stat(path).catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));
      if (info?.isFile()) yield { key: relative(this.root, path).split(sep).join('/'), size: info.size, modifiedAt: info.mtime };
    }
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.#path(from);
    const target = this.#path(to);
    await mkdir(dirname(target), { recursive: true });
    try {
      await rename(source, target);
    } catch (error) {
      throw notFound(error, from);
    }
    await syncDir(dirname(target));
    await syncDir(dirname(source));
  }

  async sweepIncomplete(before: Date, dryRun: boolean): Promise<string[]> {
    const removed: string[] = [];
    for await (const { path, name } of this.#walk('')) {
      if (!TEMP_FILE.test(name)) continue;
      const info = await stat(path).catch(() => undefined);
      if (!info || info.mtime >= before) continue;
      if (!dryRun) await rm(path, { force: true });
      removed.push(relative(this.root, path).split(sep).join('/'));
    }
    return removed;
  }

  async check(): Promise<void> {
    await access(this.root, constants.W_OK | constants.R_OK);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The file of `key`, checked twice: the key's syntax, and that the resolved path is inside the root. */
  #path(key: string): string {
    assertValidKey(key);
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new InvalidBlobKeyError(key);
    return path;
  }

  async *#walk(prefix: string): AsyncIterable<{ path: string; name: string }> {
    assertValidKey(prefix, { prefix: true });
    // A prefix names a folder (`audio/`) or the start of names in one (`audio/ab`).
    const folder = prefix.endsWith('/') || prefix === '' ? join(this.root, prefix) : dirname(join(this.root, prefix));
    const start = join(this.root, prefix);
    const pending = [folder];
    while (pending.length > 0) {
      const dir = pending.pop()!;
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isNotFound(error)) continue;
        throw error;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if ((path + sep).startsWith(start) || start.startsWith(path + sep)) pending.push(path);
        } else if (path.startsWith(start)) {
          yield { path, name: entry.name };
        }
      }
    }
  }
}

/** fsync on a directory makes a rename in it durable. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function notFound(error: unknown, key: string): unknown {
  return isNotFound(error) ? new BlobNotFoundError(key) : error;
}
