import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createTestAuth, expectErrorEnvelope } from '@ai-ninja/service-kit/testing';
import { keyOf } from '../src/domain/storage.service.js';
import type { BlobDriver } from '../src/store/blob-driver.js';
import { principals, SETUPS, startStorage, testEnvironment, upload, type StorageUnderTest, type TestEnvironment } from './support/storage-app.js';

const DAY = 86_400_000;

interface RecordingBody {
  id: string;
  userId: string;
  size: number;
  status: string;
  archivedAt: string | null;
}

interface ReportList<T> {
  count: number;
  items: T[];
  truncated: boolean;
}

interface CleanupBody {
  dryRun: boolean;
  retentionDays: number;
  expired: ReportList<{ id: string; archived: boolean; size: number }>;
  orphanBlobs: ReportList<{ key: string }>;
  orphanMetadata: ReportList<{ id: string }>;
  repaired: ReportList<{ id: string; blobKey: string }>;
  incomplete: ReportList<string>;
  freedBytes: number;
}

async function blobKeys(blobs: BlobDriver): Promise<string[]> {
  const keys: string[] = [];
  for (const prefix of ['audio/', 'archive/']) for await (const blob of blobs.list(prefix)) keys.push(blob.key);
  return keys.sort();
}

for (const setup of SETUPS) {
  describe(`storage archive, retention and restarts (${setup.db} + ${setup.blobs})`, () => {
    let environment: TestEnvironment;
    let env: Record<string, string>;
    let storage: StorageUnderTest;
    let as: Awaited<ReturnType<typeof principals>>;

    before(async () => {
      const auth = await createTestAuth();
      as = await principals(auth);
      environment = await testEnvironment(setup.db, setup.blobs);
      env = { ...auth.env, ...environment.env };
      storage = await startStorage(env);
    });
    after(async () => {
      await storage?.close();
      await environment?.cleanup();
    });

    const store = async (headers: Record<string, string>, query: string, bytes = randomBytes(2000)) => {
      const response = await upload(storage.url, headers, bytes, query);
      assert.equal(response.status, 201);
      return (await response.json()) as RecordingBody;
    };
    const metadata = (id: string, headers: Record<string, string> = as.admin) => fetch(`${storage.url}/api/v1/storage/audio/${id}/metadata`, { headers });
    const archive = (body: unknown, headers: Record<string, string> = as.admin) =>
      fetch(`${storage.url}/api/v1/storage/archive`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const cleanup = async (query: string, headers: Record<string, string> = as.admin) => {
      const response = await fetch(`${storage.url}/api/v1/storage/cleanup${query}`, { method: 'DELETE', headers });
      assert.equal(response.status, 200, await response.clone().text());
      return (await response.json()) as CleanupBody;
    };

    it('keeps recordings across a restart: a new app on the same configuration serves them', async () => {
      const bytes = randomBytes(5000);
      const recording = await store(as.alice, '?callId=before-restart', bytes);
      await storage.close();
      storage = await startStorage(env);
      const found = await fetch(`${storage.url}/api/v1/storage/audio/${recording.id}`, { headers: as.alice });
      assert.equal(found.status, 200);
      assert.deepEqual(Buffer.from(await found.arrayBuffer()), bytes);
      const page = (await (await fetch(`${storage.url}/api/v1/storage/audio?callId=before-restart`, { headers: as.alice })).json()) as { items: RecordingBody[] };
      assert.deepEqual(page.items.map((item) => item.id), [recording.id]);
    });

    it('cleans up orphans past the grace period: blobs without metadata, metadata without blobs; repairs a half-done archive move', async () => {
      const orphanKey = keyOf('audio/', randomUUID());
      await storage.blobs.put(orphanKey, Readable.from([randomBytes(700)]), { contentType: 'audio/wav' });
      const lost = await store(as.alice, '?callId=lost');
      assert.equal(await storage.blobs.delete(keyOf('audio/', lost.id)), true);
      const halfMoved = await store(as.alice, '?callId=half-moved');
      await storage.blobs.move(keyOf('audio/', halfMoved.id), keyOf('archive/', halfMoved.id));

      // Within the grace period (an upload might be writing its metadata right now) nothing is an orphan yet.
      const young = await cleanup('?dryRun=true');
      assert.equal(young.orphanBlobs.count, 0);
      assert.equal(young.orphanMetadata.count, 0);

      storage.advance(2 * 60 * 60 * 1000); // past STORAGE_ORPHAN_GRACE_MINUTES (60)
      const dry = await cleanup('?dryRun=true');
      assert.equal(dry.dryRun, true);
      assert.deepEqual(dry.orphanBlobs.items.map((item) => item.key), [orphanKey]);
      assert.deepEqual(dry.orphanMetadata.items.map((item) => item.id), [lost.id]);
      assert.deepEqual(dry.repaired.items, [{ id: halfMoved.id, blobKey: keyOf('archive/', halfMoved.id) }]);
      assert.equal(dry.expired.count, 0);
      assert.ok(await storage.blobs.stat(orphanKey), 'a dry run removes nothing');
      assert.equal((await metadata(lost.id)).status, 200);

      const done = await cleanup('');
      assert.equal(done.dryRun, false);
      assert.deepEqual(done.orphanBlobs.items.map((item) => item.key), [orphanKey]);
      assert.deepEqual(done.orphanMetadata.items.map((item) => item.id), [lost.id]);
      assert.equal(done.repaired.count, 1);
      assert.equal(await storage.blobs.stat(orphanKey), undefined);
      await expectErrorEnvelope(await metadata(lost.id), 404, 'RECORDING_NOT_FOUND');
      const repaired = (await (await metadata(halfMoved.id)).json()) as RecordingBody;
      assert.equal(repaired.status, 'archived');
      assert.equal((await fetch(`${storage.url}/api/v1/storage/audio/${halfMoved.id}`, { headers: as.alice })).status, 200);
      const after = await cleanup('');
      assert.equal(after.orphanBlobs.count + after.orphanMetadata.count + after.repaired.count, 0);
    });

    it('archives a call’s recordings: their bytes move to the archive, they stay readable, and a second run moves nothing', async () => {
      const bytes = randomBytes(3000);
      const first = await store(as.alice, '?callId=to-archive', bytes);
      const second = await store(as.alice, '?callId=to-archive');
      const other = await store(as.alice, '?callId=kept-live');
      const response = await archive({ callId: 'to-archive' });
      assert.equal(response.status, 200);
      const report = (await response.json()) as { moved: ReportList<{ id: string; from: string; to: string }>; failed: ReportList<unknown> };
      assert.equal(report.moved.count, 2);
      assert.equal(report.failed.count, 0);
      assert.deepEqual(report.moved.items.map((item) => item.id).sort(), [first.id, second.id].sort());
      for (const item of report.moved.items) {
        assert.equal(item.from, keyOf('audio/', item.id));
        assert.equal(item.to, keyOf('archive/', item.id));
        assert.ok(await storage.blobs.stat(item.to), 'the blob is under the archive prefix');
        assert.equal(await storage.blobs.stat(item.from), undefined, 'and no longer where it was');
      }
      const archived = (await (await metadata(first.id)).json()) as RecordingBody;
      assert.equal(archived.status, 'archived');
      assert.ok(archived.archivedAt);
      const download = await fetch(`${storage.url}/api/v1/storage/audio/${first.id}`, { headers: { ...as.alice, range: 'bytes=10-19' } });
      assert.equal(download.status, 206);
      assert.deepEqual(Buffer.from(await download.arrayBuffer()), bytes.subarray(10, 20));
      assert.equal(((await (await metadata(other.id)).json()) as RecordingBody).status, 'active');
      const listed = (await (await fetch(`${storage.url}/api/v1/storage/audio?archived=true&callId=to-archive`, { headers: as.alice })).json()) as { items: RecordingBody[] };
      assert.deepEqual(listed.items.map((item) => item.id).sort(), [first.id, second.id].sort());
      const again = (await (await archive({ callId: 'to-archive' })).json()) as { moved: ReportList<unknown> };
      assert.equal(again.moved.count, 0);
    });

    it('archives a user’s recordings older than a date, and only those', async () => {
      const old = await store(as.admin, '?userId=dave');
      storage.advance(DAY);
      const recent = await store(as.admin, '?userId=dave');
      const cut = new Date(Date.now() + DAY / 2).toISOString(); // between the two, on the service's clock
      const report = (await (await archive({ userId: 'dave', olderThan: cut }, as.realtime)).json()) as { moved: ReportList<{ id: string }> };
      assert.deepEqual(report.moved.items.map((item) => item.id), [old.id]);
      assert.equal(((await (await metadata(recent.id)).json()) as RecordingBody).status, 'active');
    });

    it('lets only admins and services archive, and asks which recordings', async () => {
      await expectErrorEnvelope(await archive({ userId: 'alice' }, as.alice), 403, 'FORBIDDEN');
      await expectErrorEnvelope(await archive({ userId: 'alice' }, {}), 401, 'UNAUTHENTICATED');
      await expectErrorEnvelope(await archive({}), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await archive({ olderThan: 'yesterday' }), 400, 'VALIDATION_FAILED');
    });

    it('applies the retention period: a dry run reports, a real run deletes live and archived recordings and says what it freed', async () => {
      const all = (await (await fetch(`${storage.url}/api/v1/storage/audio?limit=100`, { headers: as.admin })).json()) as { items: RecordingBody[] };
      assert.ok(all.items.length >= 6);
      const bytes = all.items.reduce((sum, item) => sum + item.size, 0);

      assert.equal((await cleanup('')).expired.count, 0, 'nothing is 90 days old yet');
      storage.advance(10 * DAY);
      assert.equal((await cleanup('')).expired.count, 0);
      const dry = await cleanup('?olderThanDays=5&dryRun=true');
      assert.equal(dry.retentionDays, 5);
      assert.equal(dry.expired.count, all.items.length);
      assert.ok(dry.expired.items.some((item) => item.archived), 'archived recordings expire too');
      assert.equal(dry.freedBytes, bytes);
      assert.equal(dry.orphanBlobs.count, 0, 'expired blobs are not also orphans');
      assert.equal((await blobKeys(storage.blobs)).length, all.items.length, 'a dry run deletes nothing');

      storage.advance(85 * DAY);
      const done = await cleanup('');
      assert.equal(done.retentionDays, 90);
      assert.deepEqual(done.expired.items.map((item) => item.id).sort(), all.items.map((item) => item.id).sort());
      assert.equal(done.freedBytes, bytes);
      assert.deepEqual(await blobKeys(storage.blobs), []);
      await expectErrorEnvelope(await metadata(all.items[0]!.id), 404, 'RECORDING_NOT_FOUND');
      const listed = (await (await fetch(`${storage.url}/api/v1/storage/audio`, { headers: as.admin })).json()) as { items: unknown[] };
      assert.deepEqual(listed.items, []);
    });

    it('lets only admins and services clean up, and validates its parameters', async () => {
      await expectErrorEnvelope(await fetch(`${storage.url}/api/v1/storage/cleanup`, { method: 'DELETE', headers: as.alice }), 403, 'FORBIDDEN');
      await expectErrorEnvelope(await fetch(`${storage.url}/api/v1/storage/cleanup`, { method: 'DELETE' }), 401, 'UNAUTHENTICATED');
      await expectErrorEnvelope(await fetch(`${storage.url}/api/v1/storage/cleanup?olderThanDays=0`, { method: 'DELETE', headers: as.admin }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await fetch(`${storage.url}/api/v1/storage/cleanup?dryRun=yes`, { method: 'DELETE', headers: as.admin }), 400, 'VALIDATION_FAILED');
      assert.equal((await fetch(`${storage.url}/api/v1/storage/cleanup?dryRun=true`, { method: 'DELETE', headers: as.realtime })).status, 200);
    });
  });
}
