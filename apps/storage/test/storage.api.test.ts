import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestAuth, describeServiceBasics, expectErrorEnvelope } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { principals, SETUPS, startStorage, testEnvironment, upload, type StorageUnderTest, type TestEnvironment } from './support/storage-app.js';

const basicsDataDir = mkdtempSync(join(tmpdir(), 'ai-ninja-storage-basics-'));
after(() => rmSync(basicsDataDir, { recursive: true, force: true }));
describeServiceBasics({
  name: 'storage',
  configSchema,
  createApp: (config) => createApp({ config: { ...config, DATA_DIR: basicsDataDir }, version: 'test' }),
});

interface RecordingBody {
  id: string;
  userId: string;
  callId: string | null;
  contentType: string;
  size: number;
  sha256: string;
  durationMs: number | null;
  status: string;
  createdAt: string;
  uploadedBy: string;
  url: string;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

for (const setup of SETUPS) {
  describe(`storage recordings API (${setup.db} + ${setup.blobs})`, () => {
    let environment: TestEnvironment;
    let storage: StorageUnderTest;
    let as: Awaited<ReturnType<typeof principals>>;
    const audio = randomBytes(200_003);
    let stored: RecordingBody;

    before(async () => {
      const auth = await createTestAuth();
      as = await principals(auth);
      environment = await testEnvironment(setup.db, setup.blobs);
      storage = await startStorage({ ...auth.env, ...environment.env });
      const response = await upload(storage.url, as.alice, audio, '?callId=call-1&durationMs=12500');
      assert.equal(response.status, 201, await response.clone().text());
      stored = (await response.json()) as RecordingBody;
    });
    after(async () => {
      await storage?.close();
      await environment?.cleanup();
    });

    const audioUrl = () => `${storage.url}/api/v1/storage/audio/${stored.id}`;

    it('stores an upload and answers 201 with its id, size, SHA-256 and metadata; the owner is the caller', async () => {
      assert.match(stored.id, /^[0-9a-f-]{36}$/);
      assert.equal(stored.size, audio.length);
      assert.equal(stored.sha256, sha256(audio));
      assert.equal(stored.contentType, 'audio/wav');
      assert.equal(stored.userId, 'alice');
      assert.equal(stored.callId, 'call-1');
      assert.equal(stored.durationMs, 12500);
      assert.equal(stored.status, 'active');
      assert.equal(stored.uploadedBy, 'user:alice');
      assert.equal(stored.url, `/api/v1/storage/audio/${stored.id}`);
    });

    it('streams the whole recording with Accept-Ranges, Content-Length, Content-Type and the SHA-256 as ETag', async () => {
      const response = await fetch(audioUrl(), { headers: as.alice });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('accept-ranges'), 'bytes');
      assert.equal(response.headers.get('content-length'), String(audio.length));
      assert.equal(response.headers.get('content-type'), 'audio/wav');
      assert.equal(response.headers.get('etag'), `"${sha256(audio)}"`);
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), audio);
    });

    it('answers a single Range with 206, Content-Range and exactly those bytes (from the middle, the end, a suffix)', async () => {
      for (const [range, start, end] of [
        ['bytes=100000-100099', 100_000, 100_099],
        ['bytes=200000-', 200_000, audio.length - 1],
        ['bytes=-3', audio.length - 3, audio.length - 1],
        ['bytes=0-0', 0, 0],
        ['bytes=199990-999999', 199_990, audio.length - 1],
      ] as const) {
        const response = await fetch(audioUrl(), { headers: { ...as.alice, range } });
        assert.equal(response.status, 206, range);
        assert.equal(response.headers.get('content-range'), `bytes ${start}-${end}/${audio.length}`, range);
        assert.equal(response.headers.get('content-length'), String(end - start + 1), range);
        assert.deepEqual(Buffer.from(await response.arrayBuffer()), audio.subarray(start, end + 1), range);
      }
    });

    it('answers 416 with Content-Range: bytes */size for a range past the end', async () => {
      const response = await fetch(audioUrl(), { headers: { ...as.alice, range: `bytes=${audio.length}-` } });
      await expectErrorEnvelope(response, 416, 'RANGE_NOT_SATISFIABLE');
      assert.equal(response.headers.get('content-range'), `bytes */${audio.length}`);
    });

    it('sends the whole file (200) for several ranges at once, a malformed range, or an If-Range that no longer matches', async () => {
      const variants: Array<Record<string, string>> = [{ range: 'bytes=0-9,20-29' }, { range: 'bytes=oops' }, { range: 'bytes=0-9', 'if-range': '"stale"' }];
      for (const headers of variants) {
        const response = await fetch(audioUrl(), { headers: { ...as.alice, ...headers } });
        assert.equal(response.status, 200, JSON.stringify(headers));
        assert.equal((await response.arrayBuffer()).byteLength, audio.length);
      }
      const matching = await fetch(audioUrl(), { headers: { ...as.alice, range: 'bytes=0-9', 'if-range': `"${stored.sha256}"` } });
      assert.equal(matching.status, 206);
      await matching.arrayBuffer();
    });

    it('answers 304 to If-None-Match with the current ETag', async () => {
      const response = await fetch(audioUrl(), { headers: { ...as.alice, 'if-none-match': `"${stored.sha256}"` } });
      assert.equal(response.status, 304);
    });

    it('serves the metadata', async () => {
      const response = await fetch(`${audioUrl()}/metadata`, { headers: as.alice });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), stored);
    });

    it('keeps recordings private: another user gets 403, no token 401, an admin and a service may read', async () => {
      for (const path of ['', '/metadata']) {
        await expectErrorEnvelope(await fetch(audioUrl() + path, { headers: as.bob }), 403, 'FORBIDDEN');
        await expectErrorEnvelope(await fetch(audioUrl() + path), 401, 'UNAUTHENTICATED');
        assert.equal((await fetch(audioUrl() + path, { headers: as.admin })).status, 200);
        assert.equal((await fetch(audioUrl() + path, { headers: as.realtime })).status, 200);
      }
      await expectErrorEnvelope(await fetch(`${storage.url}/api/v1/storage/audio?userId=alice`, { headers: as.bob }), 403, 'FORBIDDEN');
      await expectErrorEnvelope(await fetch(`${storage.url}/api/v1/storage/audio`), 401, 'UNAUTHENTICATED');
      const bobs = (await (await fetch(`${storage.url}/api/v1/storage/audio`, { headers: as.bob })).json()) as { items: unknown[] };
      assert.deepEqual(bobs.items, []);
    });

    it('lets a service upload on behalf of a user (userId required), and refuses a user uploading for another', async () => {
      const bytes = randomBytes(1000);
      const byService = await upload(storage.url, as.realtime, bytes, '?userId=bob&callId=call-9', 'audio/L16;rate=8000;channels=1');
      assert.equal(byService.status, 201);
      const body = (await byService.json()) as RecordingBody;
      assert.equal(body.userId, 'bob');
      assert.equal(body.uploadedBy, 'service:realtime-processor');
      assert.equal(body.contentType, 'audio/L16;rate=8000;channels=1');
      assert.equal((await fetch(`${storage.url}${body.url}`, { headers: as.bob })).headers.get('content-type'), 'audio/L16;rate=8000;channels=1');
      await expectErrorEnvelope(await upload(storage.url, as.realtime, bytes), 400, 'USER_ID_REQUIRED');
      await expectErrorEnvelope(await upload(storage.url, as.alice, bytes, '?userId=bob'), 403, 'FORBIDDEN');
      await expectErrorEnvelope(await upload(storage.url, {}, bytes, '?userId=bob'), 401, 'UNAUTHENTICATED');
      assert.equal((await upload(storage.url, as.admin, bytes, '?userId=bob')).status, 201);
    });

    it('refuses what is not audio with 415, an empty body with 400, and bad parameters with 400', async () => {
      const bytes = Buffer.from('not audio');
      await expectErrorEnvelope(await upload(storage.url, as.alice, bytes, '', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
      await expectErrorEnvelope(await upload(storage.url, as.alice, bytes, '', 'application/json'), 415, 'UNSUPPORTED_MEDIA_TYPE');
      const untyped = await fetch(`${storage.url}/api/v1/storage/audio/upload`, { method: 'POST', headers: as.alice, body: new Uint8Array(bytes) });
      await expectErrorEnvelope(untyped, 415, 'UNSUPPORTED_MEDIA_TYPE');
      await expectErrorEnvelope(await upload(storage.url, as.alice, Buffer.alloc(0)), 400, 'EMPTY_UPLOAD');
      await expectErrorEnvelope(await upload(storage.url, as.alice, bytes, '?durationMs=-1'), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await upload(storage.url, as.alice, bytes, '?callId=../../etc'), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await fetch(`${storage.url}/api/v1/storage/audio/not-a-uuid`, { headers: as.alice }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await fetch(`${storage.url}/api/v1/storage/audio/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, { headers: as.alice }), 404, 'RECORDING_NOT_FOUND');
      await expectErrorEnvelope(await fetch(`${storage.url}/api/v1/storage/audio?cursor=garbage`, { headers: as.alice }), 400, 'INVALID_CURSOR');
    });

    it('lists a user’s recordings newest first, a page at a time, filtered by call', async () => {
      const carol = { ...as.admin };
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await upload(storage.url, carol, randomBytes(100), `?userId=carol&callId=${i % 2 ? 'odd' : 'even'}`);
        ids.push(((await response.json()) as RecordingBody).id);
        storage.advance(1000); // distinct creation times
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query = `?userId=carol&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await (await fetch(`${storage.url}/api/v1/storage/audio${query}`, { headers: as.admin })).json()) as { items: RecordingBody[]; nextCursor: string | null };
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      assert.equal(pages, 3);
      assert.deepEqual(seen, [...ids].reverse());
      const odd = (await (await fetch(`${storage.url}/api/v1/storage/audio?userId=carol&callId=odd`, { headers: as.admin })).json()) as { items: RecordingBody[] };
      assert.deepEqual(odd.items.map((item) => item.id), [ids[3], ids[1]]);
    });

    it('lists only the caller’s own recordings when a user names no userId', async () => {
      const page = (await (await fetch(`${storage.url}/api/v1/storage/audio`, { headers: as.alice })).json()) as { items: RecordingBody[] };
      assert.ok(page.items.length >= 1);
      assert.ok(page.items.every((item) => item.userId === 'alice'));
    });
  });
}
