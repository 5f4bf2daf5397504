#!/usr/bin/env node
// Runs every *.test.ts under the given directories or files (default: apps, libs, tests) in ONE node:test run, so the output
// ends with one TAP summary; fails when that run counts zero tests, since a suite that finds nothing proves nothing.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const SKIP = new Set(['node_modules', 'dist', 'out-tsc', '.nx', '.data', '.git']);
const roots = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const passThrough = process.argv.slice(2).filter((arg) => arg.startsWith('-'));

function* testFiles(dir) {
  if (dir.endsWith('.test.ts')) {
    yield dir;
    return;
  }
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* testFiles(path);
    else if (entry.name.endsWith('.test.ts')) yield path;
  }
}

const files = (roots.length ? roots : ['apps', 'libs', 'tests', 'deploy']).flatMap((root) => [...testFiles(root)]).sort();
if (files.length === 0) {
  console.error(`No *.test.ts files under ${roots.join(', ') || 'apps, libs, tests'}: nothing proves this works.`);
  process.exit(1);
}

const child = spawn(
  process.execPath,
  [
    '--conditions=@ai-ninja/source',
    '--import',
    'tsx',
    '--test',
    '--test-reporter=tap',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 4}`,
    ...passThrough,
    ...files.map((file) => relative(process.cwd(), file)),
  ],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' } },
);

let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4096);
});
child.on('close', (code, signal) => {
  const counted = /^# tests (\d+)$/m.exec(tail);
  if (!counted || Number(counted[1]) === 0) {
    console.error('The test run counted zero tests: failing.');
    process.exit(1);
  }
  process.exit(code ?? (signal ? 1 : 0));
});
