import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from '@ai-ninja/data/testing';
import { createLogger, type RunningService } from '@ai-ninja/service-kit';
import { testConfig } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { openWhitelistDatabase } from '../src/store/database.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');

/** Starts smart-whitelist on port 0 over `db`, the way main.ts does. The same db and env again is a restart. */
export async function startWhitelist(db: TestDatabase, env: Record<string, string>): Promise<RunningService> {
  const config = testConfig(configSchema, { ...env, ...db.env });
  const logger = createLogger({ service: 'smart-whitelist', level: 'silent' });
  const database = await openWhitelistDatabase(config, logger);
  return createApp({ config, version: 'test', database, logger }).listen();
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Polls `probe` until it stops throwing, or throws its last error after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

/**
 * The real profile-analytics, run as its own process from its sources (an app may not import another app), on a
 * fixed port so that it can be stopped and started again at the same address, over a SQLite file of its own.
 */
export class ProfileAnalyticsProcess {
  #child: ChildProcess | undefined;
  #output = '';

  private constructor(
    readonly port: number,
    private readonly dataDir: string,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async create(env: Record<string, string>): Promise<ProfileAnalyticsProcess> {
    const analytics = new ProfileAnalyticsProcess(await freePort(), await mkdtemp(join(tmpdir(), 'ai-ninja-pa-')), env);
    await analytics.start();
    return analytics;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--conditions=@ai-ninja/source', '--import', 'tsx', 'apps/profile-analytics/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1', DATA_DIR: this.dataDir, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', DATABASE_URL: '', REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    const keep = (chunk: Buffer) => (this.#output = (this.#output + chunk.toString()).slice(-4000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`profile-analytics exited with ${child.exitCode}: ${this.#output}`);
      const response = await fetch(`${this.url}/health/ready`);
      if (response.status !== 200) throw new Error(`profile-analytics not ready: ${response.status}`);
    }, 30_000);
  }

  /** Stops it (SIGTERM, graceful shutdown) and waits for the process to end. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
