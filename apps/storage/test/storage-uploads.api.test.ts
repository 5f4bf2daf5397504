import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ErrorEnvelopeSchema } from '@ai-ninja/contracts';
import { createTestAuth, expectErrorEnvelope } from '@ai-ninja/service-kit/testing';
import { chunksOf, eventually, principals, rawUpload, startStorage, testEnvironment, upload, type StorageUnderTest, type TestEnvironment } from './support/storage-app.js';

const MB = 1024 * 1024;
const LIMIT = 6 * MB; // past one 5 MiB multipart part: on S3 a cut-off upload has begun a multipart upload

interface Listing {
  items: Array<{ id: string; sha256: string }>;
}

for (const setup of [
  { db: 'sqlite', blobs: 'fs' },
  { db: 'postgres', blobs: 's3' },
] as const) {
  describe(`storage uploads at the edges (${setup.db} + ${setup.blobs})`, () => {
    let environment: TestEnvironment;
    let storage: StorageUnderTest;
    let as: Awaited<ReturnType<typeof principals>>;

    before(async () => {
      const auth = await createTestAuth();
      as = await principals(auth);
      environment = await testEnvironment(setup.db, setup.blobs);
      storage = await startStorage({ ...auth.env, ...environment.env, STORAGE_MAX_UPLOAD_BYTES: String(LIMIT) });
    });
    after(async () => {
      await storage?.close();
      await environment?.cleanup();
    });

    const listing = async () => (await (await fetch(`${storage.url}/api/v1/storage/audio?limit=100`, { headers: as.alice })).json()) as Listing;

    it('accepts an upload of exactly the limit', async () => {
      const bytes = randomBytes(LIMIT);
      const response = await upload(storage.url, as.alice, bytes);
      assert.equal(response.status, 201);
      const body = (await response.json()) as { size: number; sha256: string };
      assert.equal(body.size, LIMIT);
      assert.equal(body.sha256, createHash('sha256').update(bytes).digest('hex'));
    });

    it('answers 413 before reading a byte when Content-Length says the upload is over the limit', async () => {
      const before = await environment.blobFiles();
      const sent = rawUpload(storage.url, {
        headers: { ...as.alice, 'content-type': 'audio/wav', 'content-length': String(LIMIT + 1) },
        chunks: chunksOf(64 * 1024, Math.ceil((LIMIT + 1) / (64 * 1024))),
      });
      const response = await sent.response;
      assert.equal(response.status, 413);
      assert.equal(ErrorEnvelopeSchema.parse(JSON.parse(response.body)).error.code, 'PAYLOAD_TOO_LARGE');
      assert.deepEqual(await environment.blobFiles(), before);
    });

    it('cuts a chunked upload (no Content-Length) off with 413 as soon as it passes the limit, and keeps nothing', async () => {
      const before = await environment.blobFiles();
      const recordings = (await listing()).items.length;
      const total = 40 * MB;
      const sent = rawUpload(storage.url, { headers: { ...as.alice, 'content-type': 'audio/ogg', 'transfer-encoding': 'chunked' }, chunks: chunksOf(64 * 1024, total / (64 * 1024)) });
      const response = await sent.response;
      assert.equal(response.status, 413);
      assert.equal(response.headers['connection'], 'close');
      assert.equal(ErrorEnvelopeSchema.parse(JSON.parse(response.body)).error.code, 'PAYLOAD_TOO_LARGE');
      // The answer came while the client was still sending: far from all 40 MB went out.
      assert.ok(sent.written() < total, `${sent.written()} of ${total} bytes were sent before the answer`);
      assert.deepEqual(await environment.blobFiles(), before, 'no blob, no temp file, no multipart part');
      assert.equal((await listing()).items.length, recordings, 'no metadata');
    });

    it('leaves nothing half-written when the client goes away midway: no blob, no temp file or parts, no metadata', async () => {
      const before = await environment.blobFiles();
      const abortedBefore = environment.s3?.aborted.length ?? 0;
      const recordings = (await listing()).items.length;
      const sent = rawUpload(storage.url, {
        headers: { ...as.alice, 'content-type': 'audio/wav', 'content-length': String(LIMIT) },
        chunks: chunksOf(64 * 1024, (5.5 * MB) / (64 * 1024)),
        end: false,
      });
      // Half the body is in: a temp file on disk, or a multipart upload with its first part in S3.
      await eventually(async () => (await environment.blobFiles()).length > before.length, 'the server holds a partial upload');
      sent.destroy();
      await eventually(async () => (await environment.blobFiles()).length === before.length, 'the partial upload is gone');
      assert.deepEqual(await environment.blobFiles(), before);
      if (environment.s3) assert.equal(environment.s3.aborted.length, abortedBefore + 1, 'the multipart upload was aborted');
      assert.equal((await listing()).items.length, recordings);
      // And the service goes on: the next upload works.
      assert.equal((await upload(storage.url, as.alice, randomBytes(1000))).status, 201);
    });

    it('treats each upload as new even with a repeated Idempotency-Key (the kit replays keys of JSON bodies only)', async () => {
      const headers = { ...as.alice, 'idempotency-key': 'upload-key-1' };
      const first = await upload(storage.url, headers, randomBytes(500));
      const second = await upload(storage.url, headers, randomBytes(500));
      assert.equal(first.status, 201);
      assert.equal(second.status, 201);
      const [a, b] = [(await first.json()) as { id: string; sha256: string }, (await second.json()) as { id: string; sha256: string }];
      assert.notEqual(a.id, b.id);
      assert.notEqual(a.sha256, b.sha256);
    });

    it('refuses an upload whose Content-Type is missing before reading it', async () => {
      const sent = rawUpload(storage.url, { headers: { ...as.alice, 'content-length': '1000' }, chunks: chunksOf(1000, 1) });
      const response = await sent.response;
      assert.equal(response.status, 415);
      await expectErrorEnvelope(await upload(storage.url, as.alice, Buffer.from('x'), '', 'video/mp4'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });
  });
}
