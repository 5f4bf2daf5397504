import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { assertValidKey, BlobNotFoundError, InvalidBlobKeyError, type BlobDriver } from '../src/store/blob-driver.js';
import { FsBlobDriver } from '../src/store/fs-blob.driver.js';
import { S3BlobDriver } from '../src/store/s3-blob.driver.js';
import { listFiles, startS3Server, type TestS3Server } from './support/s3-server.js';

const MB = 1024 * 1024;

/** A source that sends `bytes` and then fails, like a request whose client went away. */
function failingSource(bytes: Buffer, chunk = 64 * 1024): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytes.length) {
        this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
        return;
      }
      this.push(bytes.subarray(sent, sent + chunk));
      sent += chunk;
    },
  });
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function keys(driver: BlobDriver, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for await (const blob of driver.list(prefix)) found.push(blob.key);
  return found.sort();
}

interface DriverFixture {
  readonly driver: BlobDriver;
  /** Every file the store holds underneath (temp files and multipart parts included). */
  files(): Promise<string[]>;
  /** S3: the multipart uploads aborted so far. */
  readonly aborted?: readonly string[];
  close(): Promise<void>;
}

const fixtures: Record<'fs' | 's3', () => Promise<DriverFixture>> = {
  fs: async () => {
    const root = await mkdtemp(join(tmpdir(), 'ai-ninja-storage-fs-'));
    const driver = new FsBlobDriver(join(root, 'storage'));
    await driver.open();
    return { driver, files: () => listFiles(root), close: () => rm(root, { recursive: true, force: true }) };
  },
  s3: async () => {
    const server: TestS3Server = await startS3Server();
    const driver = new S3BlobDriver({
      bucket: server.bucket,
      endpoint: server.endpoint,
      region: 'us-east-1',
      prefix: 'rec/',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    return {
      driver,
      files: () => server.files(),
      aborted: server.aborted,
      close: async () => {
        await driver.close();
        await server.close();
      },
    };
  },
};

for (const kind of ['fs', 's3'] as const) {
  describe(`${kind} blob driver`, () => {
    let fixture: DriverFixture;
    let driver: BlobDriver;
    before(async () => {
      fixture = await fixtures[kind]();
      driver = fixture.driver;
    });
    after(() => fixture.close());

    it('stores a stream and reports its size and SHA-256, measured on the way', async () => {
      const bytes = randomBytes(300_000);
      const result = await driver.put('audio/aa/one', Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), { contentType: 'audio/wav' });
      assert.deepEqual(result, { size: bytes.length, sha256: sha256(bytes) });
      assert.deepEqual(await readAll(await driver.get('audio/aa/one')), bytes);
      assert.equal((await driver.stat('audio/aa/one'))?.size, bytes.length);
    });

    it('streams a byte range, both ends included', async () => {
      const bytes = randomBytes(10_000);
      await driver.put('audio/ab/ranged', Readable.from([bytes]), { contentType: 'audio/wav' });
      assert.deepEqual(await readAll(await driver.get('audio/ab/ranged', { start: 100, end: 199 })), bytes.subarray(100, 200));
      assert.deepEqual(await readAll(await driver.get('audio/ab/ranged', { start: 9_999, end: 9_999 })), bytes.subarray(9_999));
    });

    it('says plainly when a blob is not there', async () => {
      await assert.rejects(driver.get('audio/zz/missing'), BlobNotFoundError);
      assert.equal(await driver.stat('audio/zz/missing'), undefined);
      assert.equal(await driver.delete('audio/zz/missing'), false);
      await assert.rejects(driver.move('audio/zz/missing', 'archive/zz/missing'), BlobNotFoundError);
    });

    it('lists by prefix, moves between prefixes, and deletes', async () => {
      await driver.put('audio/cc/a', Readable.from([Buffer.from('aaa')]), { contentType: 'audio/wav' });
      await driver.put('audio/cd/b', Readable.from([Buffer.from('bb')]), { contentType: 'audio/wav' });
      assert.deepEqual((await keys(driver, 'audio/c')).filter((key) => key.startsWith('audio/c')), ['audio/cc/a', 'audio/cd/b']);
      await driver.move('audio/cc/a', 'archive/cc/a');
      assert.equal(await driver.stat('audio/cc/a'), undefined);
      assert.equal(await text(await driver.get('archive/cc/a')), 'aaa');
      assert.deepEqual(await keys(driver, 'archive/'), ['archive/cc/a']);
      assert.equal(await driver.delete('archive/cc/a'), true);
      assert.equal(await driver.delete('archive/cc/a'), false);
      assert.deepEqual(await keys(driver, 'archive/'), []);
    });

    it('refuses keys that could escape the store: .., absolute paths, NUL, empty segments, hidden names', async () => {
      for (const key of ['../escape', 'audio/../../escape', '/etc/passwd', 'audio/a\0b', 'audio//b', '', '.hidden', 'audio/.x', 'a\\b']) {
        await assert.rejects(driver.put(key, Readable.from([Buffer.from('x')]), { contentType: 'audio/wav' }), InvalidBlobKeyError, key);
        await assert.rejects(driver.get(key), InvalidBlobKeyError, key);
      }
      await assert.rejects(driver.delete('../x'), InvalidBlobKeyError);
      await assert.rejects(driver.move('audio/aa/one', '../x'), InvalidBlobKeyError);
    });

    it('leaves nothing behind when the source fails halfway: no blob, no temp file, no parts', async () => {
      const before = await fixture.files();
      const bytes = randomBytes(kind === 's3' ? 6 * MB : MB); // past one 5 MiB part on S3: a multipart upload was begun
      await assert.rejects(driver.put('audio/dd/cut', failingSource(bytes), { contentType: 'audio/wav' }), /aborted/);
      assert.equal(await driver.stat('audio/dd/cut'), undefined);
      assert.deepEqual(await fixture.files(), before);
      // On S3 the begun multipart upload was aborted (which removes its parts), not left to a lifecycle rule.
      if (kind === 's3') assert.equal(fixture.aborted?.length, 1);
    });
  });
}

describe('fs blob driver, on disk', () => {
  let root: string;
  let driver: FsBlobDriver;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'ai-ninja-storage-fs-'));
    driver = new FsBlobDriver(join(root, 'storage'));
    await driver.open();
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('writes to a temp file beside the target and renames it into place only once complete', async () => {
    const source = new PassThrough();
    const put = driver.put('audio/ee/atomic', source, { contentType: 'audio/wav' });
    source.write(Buffer.alloc(1000, 1));
    await new Promise((resolve) => setImmediate(resolve));
    // Half-written: only the dot-named temp file exists, and neither stat nor list sees it.
    assert.equal(await driver.stat('audio/ee/atomic'), undefined);
    assert.deepEqual(await keys(driver, 'audio/ee/'), []);
    const files = await listFiles(join(root, 'storage'));
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^audio\/ee\/\.atomic\.[0-9a-f-]+\.tmp$/);
    source.end(Buffer.alloc(500, 2));
    assert.equal((await put).size, 1500);
    assert.deepEqual(await listFiles(join(root, 'storage')), ['audio/ee/atomic']);
  });

  it('keeps every file inside its root', async () => {
    assert.throws(() => assertValidKey('audio/../../x'), InvalidBlobKeyError);
    await assert.rejects(stat(join(root, 'x')), { code: 'ENOENT' });
  });

  it('sweeps temp files older than the cut-off left by a crash, and keeps younger ones', async () => {
    const dir = join(root, 'storage', 'audio', 'ff');
    await driver.put('audio/ff/kept', Readable.from([Buffer.from('ok')]), { contentType: 'audio/wav' });
    await writeFile(join(dir, '.old.1234.tmp'), 'half');
    await writeFile(join(dir, '.new.5678.tmp'), 'half');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(join(dir, '.old.1234.tmp'), anHourAgo, anHourAgo);
    const cutoff = new Date(Date.now() - 60_000);
    assert.deepEqual(await driver.sweepIncomplete(cutoff, true), ['audio/ff/.old.1234.tmp']);
    assert.deepEqual(await listFiles(dir), ['.new.5678.tmp', '.old.1234.tmp', 'kept']);
    assert.deepEqual(await driver.sweepIncomplete(cutoff, false), ['audio/ff/.old.1234.tmp']);
    assert.deepEqual(await listFiles(dir), ['.new.5678.tmp', 'kept']);
  });
});
