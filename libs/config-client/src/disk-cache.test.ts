import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readFileIfExists, writeFileAtomic } from './disk-cache.js';

describe('disk cache files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'config-client-disk-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes a file atomically, creating its directory, and leaves no temporary file behind', async () => {
    const file = join(dir, 'nested', 'cache.json');
    await writeFileAtomic(file, '{"a":1}');
    await writeFileAtomic(file, '{"a":2}');
    assert.equal(await readFile(file, 'utf8'), '{"a":2}');
    assert.deepEqual(await readdir(join(dir, 'nested')), ['cache.json']);
  });

  it('cleans up its temporary file when the rename fails, leaving what was there', async () => {
    // A non-empty directory where the file should go: the rename fails after the temporary file was written.
    const blocked = join(dir, 'blocked');
    await writeFileAtomic(join(blocked, 'inside.json'), 'kept');
    await assert.rejects(writeFileAtomic(blocked, 'new'));
    assert.equal(await readFile(join(blocked, 'inside.json'), 'utf8'), 'kept');
    assert.deepEqual((await readdir(dir)).filter((name) => name.endsWith('.tmp')), []);
  });

  it('reads a missing file as undefined', () => {
    assert.equal(readFileIfExists(join(dir, 'absent.json')), undefined);
  });
});
