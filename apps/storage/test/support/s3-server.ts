import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import S3rver from 's3rver';

/** A local S3-compatible server (s3rver) on a free port, with one bucket, its files in a temp directory. */
export interface TestS3Server {
  readonly endpoint: string;
  readonly bucket: string;
  /** Where s3rver keeps objects and multipart parts. */
  readonly directory: string;
  /** Config overrides that point storage at it. */
  readonly env: Record<string, string>;
  /** Every file s3rver holds, relative to its directory (objects, their metadata, multipart parts). */
  files(): Promise<string[]>;
  /** Upload ids of the multipart uploads aborted so far (AbortMultipartUpload requests received). */
  readonly aborted: readonly string[];
  close(): Promise<void>;
}

const ACCESS_KEY = 'S3RVER';

interface AbortContext {
  method: string;
  path: string;
  query: Record<string, unknown>;
  status: number;
}

export async function startS3Server(bucket = 'recordings'): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'ai-ninja-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
  const aborted: string[] = [];
  // s3rver 3.7 lacks AbortMultipartUpload (it answers 405 and keeps the parts). Real S3, MinIO and Ceph delete the
  // parts on it; this does the same here, in front of s3rver's routes, so tests see what a real store keeps.
  const koa = server as unknown as { middleware: Array<(ctx: AbortContext, next: () => Promise<void>) => Promise<void>>; store: { getResourcePath(bucket: string, key: undefined, resource: string): string } };
  koa.middleware.unshift(async (ctx, next) => {
    const uploadId = ctx.query['uploadId'];
    const bucketName = ctx.path.split('/')[1];
    if (ctx.method !== 'DELETE' || typeof uploadId !== 'string' || !/^[0-9a-f]+$/.test(uploadId) || !bucketName) return next();
    aborted.push(uploadId);
    await rm(join(koa.store.getResourcePath(bucketName, undefined, 'uploads'), uploadId), { recursive: true, force: true });
    ctx.status = 204;
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    directory,
    env: { STORAGE_S3_BUCKET: bucket, STORAGE_S3_ENDPOINT: endpoint, AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: ACCESS_KEY },
    files: () => listFiles(directory),
    aborted,
    async close() {
      // Keep-alive sockets of clients would hold close() open.
      (server as unknown as { httpServer?: Server }).httpServer?.closeAllConnections();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Every regular file under `dir`, dot files included, relative to it. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name))).sort();
}
