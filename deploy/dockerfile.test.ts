import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SERVICES } from '@ai-ninja/contracts';

const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
const dockerignore = readFileSync(new URL('../.dockerignore', import.meta.url), 'utf8').split('\n');
/** Instructions, with continuation lines joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((line) => line.trim() && !line.trimStart().startsWith('#'));
const stages = instructions.join('\n').split(/^FROM /m).slice(1);

describe('the Dockerfile (one pattern for every service)', () => {
  it('builds every stage on a pinned node 24 slim image', () => {
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    assert.match(base ?? '', /^node:24\.\d+\.\d+(-[a-z]+)?-slim$/);
    assert.ok(stages.length >= 3, 'multi-stage');
    for (const stage of stages) assert.match(stage, /^\$\{NODE_IMAGE\} AS |^build AS /);
  });

  it('installs only the chosen service’s production dependencies', () => {
    assert.match(dockerfile, /npm ci --omit=dev --workspace="@ai-ninja\/\$\{SERVICE\}"/);
  });

  it('runs the service as the unprivileged node user, with node itself as the process that gets signals', () => {
    const runtime = stages.at(-1)!;
    const lines = runtime.split('\n');
    const user = lines.findIndex((line) => line.startsWith('USER '));
    const cmd = lines.findIndex((line) => line.startsWith('CMD '));
    assert.equal(lines[user], 'USER node');
    assert.ok(user < cmd);
    assert.deepEqual(JSON.parse(lines[cmd]!.slice(4)), ['node', 'dist/main.js'], 'exec form: no shell between docker and node');
    assert.ok(lines.includes('WORKDIR /app/apps/${SERVICE}'));
    for (const service of SERVICES) {
      const manifest = JSON.parse(readFileSync(new URL(`../apps/${service.name}/package.json`, import.meta.url), 'utf8')) as { main: string };
      assert.equal(manifest.main, 'dist/main.js', `${service.name} builds to what CMD runs`);
      assert.ok(existsSync(new URL(`../apps/${service.name}/tsconfig.build.json`, import.meta.url)));
    }
  });

  it('keeps dependencies and build output of the host out of the build context', () => {
    for (const pattern of ['**/node_modules', '**/dist', '.git']) assert.ok(dockerignore.includes(pattern), pattern);
  });
});
