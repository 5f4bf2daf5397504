import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/slow-service.ts', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

interface Fixture {
  readonly child: ChildProcess;
  readonly url: string;
  readonly lines: string[];
  readonly exit: Promise<number | null>;
}

/** Starts the fixture service as a real process; resolves once it logs that it listens. */
async function startFixture(env: Record<string, string> = {}, ipc = false): Promise<Fixture> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--conditions=@ai-ninja/source', '--import', 'tsx', FIXTURE], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? (['ipc'] as const) : [])],
  });
  const lines: string[] = [];
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const listening = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.includes('"msg":"listening"')) resolve();
    });
  });
  createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
  await Promise.race([listening, exit.then((code) => Promise.reject(new Error(`fixture exited ${code}: ${lines.join('\n')}`)))]);
  return { child, url: `http://127.0.0.1:${port}`, lines, exit };
}

describe('a service process', () => {
  it('on SIGTERM with a slow request in flight: readiness 503 at once, the request completes with 200, exit 0', async () => {
    const fixture = await startFixture({ SHUTDOWN_TIMEOUT_MS: '10000' });
    const slow = fetch(`${fixture.url}/slow?ms=1500`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    fixture.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));

    const ready = await fetch(`${fixture.url}/health/ready`);
    assert.equal(ready.status, 503);
    const response = await slow;
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { waitedMs: 1500 });
    assert.equal(await fixture.exit, 0);
    assert.ok(fixture.lines.some((l) => l.includes('disposer ran')));
  });

  it('exits 1 when a request outlives the shutdown timeout', async () => {
    const fixture = await startFixture({ SHUTDOWN_TIMEOUT_MS: '300' });
    const slow = fetch(`${fixture.url}/slow?ms=20000`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 200));
    fixture.child.kill('SIGTERM');
    assert.equal(await fixture.exit, 1);
    assert.ok((await slow) instanceof Error);
    assert.ok(fixture.lines.some((l) => l.includes('shutdown timed out')));
  });

  it('shuts itself down when its parent goes away, so no process is left behind', async () => {
    const fixture = await startFixture({}, true);
    fixture.child.disconnect();
    assert.equal(await fixture.exit, 0);
    assert.ok(fixture.lines.some((l) => l.includes('parent process went away')));
  });

  it('refuses to start on a bad configuration, listing every problem', async () => {
    const child = spawn(process.execPath, ['--conditions=@ai-ninja/source', '--import', 'tsx', FIXTURE], {
      env: { ...process.env, PORT: 'abc', LOG_LEVEL: 'chatty' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    assert.equal(code, 1);
    assert.match(stderr, /Invalid configuration:\n\s+- PORT: .*\n\s+- LOG_LEVEL: /);
  });

  it('says which port is taken when it cannot listen', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const { port } = blocker.address() as { port: number };
    const child = spawn(process.execPath, ['--conditions=@ai-ninja/source', '--import', 'tsx', FIXTURE], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    blocker.close();
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`EADDRINUSE.*${port}.*Set PORT`));
  });
});
