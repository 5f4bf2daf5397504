import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { GENERATED_DIRECTORIES, generatedFiles } from './generated-files.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const listFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]));

describe('files generated from the service catalog', () => {
  const files = generatedFiles();

  it('are up to date: regenerating from the catalog gives the committed nginx template, manifests and compose file', () => {
    const stale = [...files].filter(([path, text]) => !existsSync(join(ROOT, path)) || readFileSync(join(ROOT, path), 'utf8') !== text).map(([path]) => path);
    assert.deepEqual(stale, [], 'run `npm run generate -w @ai-ninja/deploy` and commit the result');
  });

  it('leave nothing behind: every file in the generated directories comes from the generator', () => {
    const extra = GENERATED_DIRECTORIES.flatMap((dir) => listFiles(join(ROOT, dir)))
      .map((file) => relative(ROOT, file))
      .filter((path) => !files.has(path));
    assert.deepEqual(extra, []);
  });
});
